"""Chinese addresses down to the district or county — the finest level a mask or a
generalisation may show.

Addresses are written with or without the province and city (北京市朝阳区…, 朝阳区…,
广东深圳南山区…) and a district marker may also occur later in the detail (…望京小区), so the
prefix is found by walking the administrative levels in order against the GB/T 2260 names, with
a marker heuristic for names the table lacks (new districts, development zones).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from pisentinel.knowledge import regions

__all__ = ["district_prefix"]

_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省",
                      "市")
_CITY_SUFFIXES = ("自治州", "地区", "市", "州", "盟")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
# A county-level name the table lacks: 1-6 Han characters ending in a county marker, not a
# residential compound or a street-level word; with nothing before it, not …市 (超市, 菜市).
_COUNTY_FALLBACK_RE = re.compile(r"[\u4e00-\u9fff]{1,6}?[区县旗市]")
_NOT_COUNTY = ("小区", "园区", "社区", "校区", "街区", "城区", "景区", "厂区", "片区")


def _short(name: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@dataclass(frozen=True)
class _Level:
    """The names of one administrative level: full names, and full plus short forms."""

    full: frozenset[str]
    any: frozenset[str]
    # The lengths (longest first) of the names that start with each two characters: a position
    # whose two characters start no name is passed over without trying every length.
    lengths: Mapping[str, tuple[int, ...]]

    def ends(self, text: str, pos: int, *, short: bool = True) -> list[int]:
        lengths = self.lengths.get(text[pos : pos + 2])
        if lengths is None:
            return []
        names = self.any if short else self.full
        top = len(text) - pos
        return [pos + n for n in lengths if n <= top and text[pos : pos + n] in names]


def _level(full: set[str], short: set[str]) -> _Level:
    both = full | short
    lengths: dict[str, set[int]] = {}
    for name in both:
        if len(name) > 1:
            lengths.setdefault(name[:2], set()).add(len(name))
    return _Level(frozenset(full), frozenset(both),
                  {head: tuple(sorted(ns, reverse=True)) for head, ns in lengths.items()})


@cache
def _levels() -> tuple[_Level, _Level, _Level]:
    """Province, prefecture and county names from GB/T 2260 (current and historical)."""
    names: tuple[set[str], ...] = (set(), set(), set(), set(), set())
    province, province_short, city, city_short, county = names
    for code, region in regions().items():
        name = region.name
        if not _HAN_RE.match(name) or name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        if code.endswith("0000"):
            province.add(name)
            if short := _short(name, _PROVINCE_SUFFIXES):
                province_short.add(short)
        elif code.endswith("00"):
            city.add(name)
            if short := _short(name, _CITY_SUFFIXES):
                city_short.add(short)
        else:
            county.add(name)
    return _level(province, province_short), _level(city, city_short), _level(county, set())


def district_prefix(address: str) -> str:
    """The leading part of `address` up to and including its district or county ('' if none).

    ``北京市朝阳区建国路88号`` → ``北京市朝阳区``; ``广东省深圳市`` (no county) → ``广东省深圳市``;
    text that starts with no administrative name → ``''``.
    """
    province, city, county = _levels()
    starts = {c for p in [0, *province.ends(address, 0)] for c in [p, *city.ends(address, p)]}
    ends = [e for p in starts for e in county.ends(address, p)]
    if ends:
        return address[: max(ends)]
    for pos in sorted(starts, reverse=True):
        m = _COUNTY_FALLBACK_RE.match(address, pos)
        if m and not m.group().endswith(_NOT_COUNTY) and (pos > 0 or m.group()[-1] != "市"):
            return address[: m.end()]
    full = {c for p in [0, *province.ends(address, 0, short=False)]
            for c in [p, *city.ends(address, p, short=False)]}
    return address[: max(full)]

"""First-tier addresses and whereabouts.

An address starts at a known administrative division (from the GB/T 2260 gazetteer) or right
after an address label (住址：), then runs through address components from coarse to fine
(province → … → road → number → building → room); it must reach at least one fine component,
since "浙江省杭州市" names a region, not where someone lives. Whereabouts are time-and-place
sequences: two or more times each followed by a place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import ahocorasick

from pisentinel.detect import families as F
from pisentinel.detect.recognizers.base import (
    Candidate,
    Recognizer,
    ScanContext,
    word_alternation,
)
from pisentinel.knowledge import load_yaml, regions

_FINE_FROM = 5  # index of the first component finer than a village (road, number, building …)
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "省", "市", "区", "县", "旗", "盟", "地区")


@cache
def _rules() -> dict[str, Any]:
    return load_yaml("names_addresses.yaml")  # type: ignore[no-any-return,unused-ignore]


# Han characters that can stand in a place name: word characters that are not digits, Latin
# letters or the function words that end an address in running text (…36号你好我们小区).
_PLACE_CHAR_BODY = "^\\W\\d_A-Za-z你我他她它们的了是吗呢吧啊找请谢说要把被让给哪谁"


@cache
def _components() -> tuple[re.Pattern[str], ...]:
    return tuple(
        re.compile(p.replace("{H}", f"[{_PLACE_CHAR_BODY}]"))
        for p in _rules()["address_components"]
    )


@cache
def _gazetteer() -> Any:
    """Division names with their suffix (杭州市, 西湖区) and provinces/cities without (杭州)."""
    auto = ahocorasick.Automaton()
    for r in regions().values():
        name = r.name
        if len(name) < 2 or name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        auto.add_word(name, name)
        if r.code.endswith("00"):
            for suf in _SUFFIXES:
                if name.endswith(suf) and len(name) - len(suf) >= 2:
                    auto.add_word(name[: -len(suf)], name[: -len(suf)])
                    break
    auto.make_automaton()
    return auto


@cache
def _name_chars_re() -> re.Pattern[str]:
    """Stretches of two or more characters that occur in division names, with the character
    that ends them. The automaton looks up every character it is fed among the thousand first
    characters of all names, one by one, which a character of no name (我, 的, a digit) costs
    most: scanning only these stretches finds the same names (none holds another character) at
    a third of the cost. The ending character is fed too: `iter_long` reports a name that ends
    inside a longer one's prefix (渡口 in 大渡口|区) only when the next character breaks it."""
    chars = "".join(map(re.escape, sorted({ch for name in _gazetteer() for ch in name})))
    return re.compile(f"[{chars}]{{2,}}[^{chars}]?")


def gazetteer_hits(view: str) -> list[tuple[int, str]]:
    """(end index, inclusive; name) of the division names in `view`, longest and without
    overlaps, as the automaton's `iter_long` over the whole text gives them."""
    auto = _gazetteer()
    hits: list[tuple[int, str]] = []
    for m in _name_chars_re().finditer(view):
        start = m.start()
        hits.extend((start + end, name) for end, name in auto.iter_long(m.group()))
    return hits


@cache
def _label_re() -> re.Pattern[str]:
    return re.compile(f"(?:{word_alternation(_rules()['address_labels'])})\\s*[：:为是在]?\\s*")


def extend_address(view: str, pos: int) -> tuple[int, int]:
    """Walk address components from `pos`; (end, finest component level reached, or -1)."""
    comps = _components()
    level, finest, end = 0, -1, pos
    while True:
        for k in range(level, len(comps)):
            m = comps[k].match(view, end)
            if m and m.end() > end:
                end, level, finest = m.end(), k if k >= _FINE_FROM else k + 1, max(finest, k)
                break
        else:
            return end, finest


class AddressRecognizer(Recognizer):
    name = "address_rules"
    types = ("ADDRESS",)
    families = F.ADDRESS

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        covered_to = -1
        starts: list[tuple[int, str]] = [(m.end(), "label") for m in _label_re().finditer(view)]
        for end, name in gazetteer_hits(view):
            starts.append((end - len(name) + 1, "gazetteer"))
        for start, how in sorted(starts):
            if start < covered_to:
                continue
            end, finest = extend_address(view, start)
            if how == "gazetteer" and end == start + 0:
                continue
            if finest < _FINE_FROM:
                continue
            covered_to = end
            score = 0.75 if how == "label" else 0.65
            yield Candidate("ADDRESS", start, end, score, how, view[start:end], ("components",),
                            {"finest": finest})


# (?=[0-9]): re tries the optional date only where a digit stands, not at every character.
_TIME_RE = re.compile(
    r"(?=[0-9])(?:(?:[0-9]{4}[-/.年])?[0-9]{1,2}[-/.月][0-9]{1,2}日?\s*)?"
    r"(?P<hour>[0-9]{1,2})[:：时点](?P<minute>[0-9]{1,2})分?(?:[:：][0-9]{2})?"
)
# Hex pairs joined by colons (a MAC address, a hash: 3b:42:99:…) hold digit pairs that read as
# times; so does a number glued to one.
_HEX_BEFORE_RE = re.compile(r"(?:[0-9A-Fa-f]{2}:|[0-9A-Fa-f])\Z")
_HEX_AFTER_RE = re.compile(r":[0-9A-Fa-f]")
_NUMERALS = "0123456789一二三四五六七八九十百"


@cache
def _place_re() -> re.Pattern[str]:
    return re.compile(
        f"[\u4e00-\u9fffA-Za-z0-9]{{1,12}}?(?:{word_alternation(_rules()['place_suffixes'])})"
    )


@cache
def _cue_re() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, _rules()["whereabouts_cues"])))


@cache
def _departure_re() -> re.Pattern[str]:
    return re.compile(f"\\s{{0,2}}(?:{word_alternation(_rules()['whereabouts_departures'])})")


class WhereaboutsRecognizer(Recognizer):
    """Two or more points of time and place: a time followed by a place (an address, a GPS
    position, a named place such as 西湖停车场), or by leaving the last place (驶离, 退房). Whose
    they are is the scanner's question (`subject.py`): a timetable or an agenda is no one's."""

    name = "whereabouts"
    types = ("WHEREABOUTS",)
    families = F.TIME
    composite = True

    def find(self, ctx: ScanContext) -> Iterator[Candidate]:
        view = ctx.view
        places = [(c.start, c.end) for c in ctx.found
                  if c.type in ("ADDRESS", "GPS_COORDINATE")]
        points: list[tuple[int, int]] = []
        for m in _TIME_RE.finditer(view):
            if not _is_clock(view, m):
                continue
            end = _place_after(view, m.end(), places)
            if end is None and points and (left := _departure_re().match(view, m.end())):
                end = left.end()
            if end is not None:
                points.append((m.start(), end))
        if len(points) < 2:
            return
        cue = _cue_re().search(view)
        plates = any(c.type == "LICENSE_PLATE" for c in ctx.found)
        score = 0.7 + (0.15 if cue else 0.0) + (0.1 if plates else 0.0)
        yield Candidate("WHEREABOUTS", points[0][0], points[-1][1], min(score, 0.95),
                        "time_place_sequence", view[points[0][0] : points[-1][1]],
                        ("sequence",), {"points": len(points)}, note="cue" if cue else "")


def _is_clock(view: str, m: re.Match[str]) -> bool:
    """A time of day (08:12, 8点05分), not a pair out of a MAC address or a hash (3b:42:99:93,
    which has no 42 o'clock, or 12:34:56:7f, which runs on)."""
    if int(m.group("hour")) > 24 or int(m.group("minute")) > 59:
        return False
    return not (_HEX_BEFORE_RE.search(view[max(0, m.start() - 3):m.start()])
                or _HEX_AFTER_RE.match(view, m.end()))


def _place_after(view: str, at: int, places: list[tuple[int, int]]) -> int | None:
    """The end of the place a time at `at` is followed by, if any. A place named by 号 is a
    house number (中山路36号); 手机号 and 设备号 label numbers."""
    near = [p for p in places if 0 <= p[0] - at <= 20]
    if near:
        return near[0][1]
    pm = _place_re().search(view, at, min(len(view), at + 24))
    if pm is None or pm.start() - at > 10:
        return None
    if pm.group().endswith("号") and view[pm.end() - 2] not in _NUMERALS:
        return None
    return pm.end()


RECOGNIZERS = [AddressRecognizer, WhereaboutsRecognizer]

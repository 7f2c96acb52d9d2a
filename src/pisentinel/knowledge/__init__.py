"""Knowledge: the PI taxonomy, region codes, cue words and lexicons, as data files.

Everything here is data with one loader per file, cached: other layers ask for a table and never
parse the files themselves.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "PIType",
    "Region",
    "TierInfo",
    "data_text",
    "lexicon",
    "load_yaml",
    "pi_type",
    "pi_types",
    "province_name",
    "regions",
    "tiers",
    "weighted_lexicon",
]


def data_text(name: str) -> str:
    """The text of a bundled knowledge file, by its path under knowledge/data."""
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_yaml(name: str) -> Any:
    return yaml.safe_load(data_text(name))


@dataclass(frozen=True)
class PIType:
    """One entry of the PI taxonomy (knowledge/data/pi_types.yaml)."""

    code: str
    name_zh: str
    name_en: str
    group: str
    sensitive: bool
    tier: str | None
    validated: bool
    mask: dict[str, Any] = field(default_factory=dict)
    sensitive_category: str | None = None
    basis: str | None = None
    note: str | None = None
    is_pi: bool = True

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class TierInfo:
    code: str
    threshold: int
    name_zh: str
    basis: str


@cache
def pi_types() -> dict[str, PIType]:
    """All PI types by canonical code, in taxonomy order."""
    doc = load_yaml("pi_types.yaml")
    return {t["code"]: PIType(**t) for t in doc["types"]}


def pi_type(code: str) -> PIType:
    try:
        return pi_types()[code]
    except KeyError:
        known = ", ".join(pi_types())
        raise KeyError(f"unknown PI type {code!r}; known types: {known}") from None


@cache
def tiers() -> dict[str, TierInfo]:
    doc = load_yaml("pi_types.yaml")
    return {code: TierInfo(code=code, **info) for code, info in doc["tiers"].items()}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    start_year: int | None
    end_year: int | None


@cache
def regions() -> dict[str, Region]:
    """GB/T 2260 codes, current and historical (an ID keeps the code of where it was issued)."""
    out: dict[str, Region] = {}
    for row in csv.DictReader(data_text("regions.csv").splitlines()):
        out[row["code"]] = Region(
            code=row["code"],
            name=row["name"],
            start_year=int(row["start_year"]) if row["start_year"] else None,
            end_year=int(row["end_year"]) if row["end_year"] else None,
        )
    return out


def province_name(code: str, lang: str = "zh") -> str | None:
    """The provincial-level division a region code lies in (``11…`` → 北京市 / Beijing)."""
    if lang != "zh":
        return _provinces_en().get(code[:2])
    province = regions().get(code[:2] + "0000")
    return province.name if province else None


@cache
def _provinces_en() -> dict[str, str]:
    return {str(k): str(v) for k, v in load_yaml("provinces_en.yaml").items()}


@cache
def lexicon(name: str) -> tuple[str, ...]:
    """A word list under knowledge/data/lexicons (one term a line, # comments)."""
    lines = data_text(f"lexicons/{name}.txt").splitlines()
    return tuple(s for line in lines if (s := line.split("#", 1)[0].strip()))


@cache
def weighted_lexicon(name: str) -> dict[str, str]:
    """A lexicon of `term<TAB>strength` lines (strength: strong | weak)."""
    out: dict[str, str] = {}
    for line in data_text(f"lexicons/{name}.txt").splitlines():
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        term, _, strength = line.partition("\t")
        out[term.strip()] = strength.strip() or "strong"
    return out

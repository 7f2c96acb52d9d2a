"""Generalisation: keep what an analysis needs at a coarser grain than identifies a person.

An ID number becomes province, birth year and sex; a birth date its year or age band; an address
its district; a GPS fix two decimals (~1 km); a phone number its carrier prefix. Counting minors
or people per province then needs no raw identifier at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pisentinel.knowledge import pi_types, province_name, regions
from pisentinel.protect.address import district_prefix
from pisentinel.protect.mask import OwnType, label_for, mask_value
from pisentinel.protect.names import surname_length
from pisentinel.protect.normalize import canonical_type, normalize_value

__all__ = ["IdCardFacts", "age_band", "generalize_value", "id_card_facts"]

_ID18_RE = re.compile(r"\d{17}[\dX]")
_ID15_RE = re.compile(r"\d{15}")
_NUMBER_RE = re.compile(r"[-+]?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class IdCardFacts:
    """What an ID number says about its holder, none of which alone identifies them."""

    region_code: str
    province: str | None
    birth_date: date | None
    sex: str  # "M" or "F"

    def sex_label(self, lang: str = "zh") -> str:
        if lang == "zh":
            return "男" if self.sex == "M" else "女"
        return "male" if self.sex == "M" else "female"


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def id_card_facts(value: str) -> IdCardFacts | None:
    """Region, birth date and sex from an 18- or 15-digit ID number (None if not that shape)."""
    digits = normalize_value("CN_ID_CARD", value)
    if _ID18_RE.fullmatch(digits):
        birth = _date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
        sex_digit = int(digits[16])
    elif _ID15_RE.fullmatch(digits):
        birth = _date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
        sex_digit = int(digits[14])
    else:
        return None
    province = regions().get(digits[:2] + "0000")
    return IdCardFacts(region_code=digits[:6], province=province.name if province else None,
                       birth_date=birth, sex="M" if sex_digit % 2 else "F")


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_band(birth: date | str, today: date | None = None, width: int = 10,
             lang: str = "zh") -> str | None:
    """The age band of someone born on `birth` as of `today` (``30-39岁``; ``<14岁`` is never
    merged into a wider band, because PIPL treats under-14s separately). None if unparseable."""
    if isinstance(birth, str):
        y, m, d = [*normalize_value("BIRTH_DATE", birth).split("-"), "", "", ""][:3]
        parsed = _date(int(y), int(m), int(d)) if (y + m + d).isdigit() else None
        if parsed is None:
            return None
        birth = parsed
    age = _age(birth, today or date.today())
    if age < 0:
        return None
    unit = "岁" if lang == "zh" else ""
    if age < 14:
        return f"<14{unit}"
    low = max(14, age // width * width)
    return f"{low}-{age // width * width + width - 1}{unit}"


def _generalize_id(value: str, lang: str) -> str:
    facts = id_card_facts(value)
    if facts is None:
        return label_for("CN_ID_CARD", lang)
    province = (facts.province if lang == "zh" else province_name(facts.region_code, lang)
                ) or ("未知地区" if lang == "zh" else "unknown region")
    year = facts.birth_date.year if facts.birth_date else None
    if lang == "zh":
        return f"{province} {year or '?'}年生 {facts.sex_label('zh')}"
    return f"{province}, born {year or '?'}, {facts.sex_label('en')}"


def _generalize_gps(value: str) -> str:
    numbers = _NUMBER_RE.findall(normalize_value("GPS_COORDINATE", value))
    if len(numbers) != 2:
        return mask_value("GPS_COORDINATE", value)
    return ",".join(f"{float(n):.2f}" for n in numbers)


def _generalize_ip(value: str) -> str:
    import ipaddress

    try:
        ip = ipaddress.ip_address(normalize_value("IP_ADDRESS", value))
    except ValueError:
        return mask_value("IP_ADDRESS", value)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _prefix(type_code: str, value: str, keep: int, min_length: int, lang: str) -> str:
    """The leading `keep` characters of the canonical form, if the value is long enough that
    they are a small part of it."""
    canonical = normalize_value(type_code, value)
    return canonical[:keep] if len(canonical) >= min_length else label_for(type_code, lang)


def generalize_value(type_code: str, value: str, *, lang: str = "zh",
                     own_types: Mapping[str, OwnType] | None = None) -> str:
    """A coarser, non-identifying form of `value`.

    CN_ID_CARD/MINOR → ``北京市 1990年生 男``; BIRTH_DATE → ``1990``; ADDRESS → its district;
    GPS → two decimals; PHONE_NUMBER → its first three digits; BANK_CARD → its BIN (first six);
    LICENSE_PLATE → issuing authority (``京A``); EMAIL → its domain; IP → its /24 (/48 for
    IPv6); PERSON_NAME → surname. Other types get their label (``[宗教信仰]``): so do a user's
    own types (`own_types`, ``[工号]``), whose structure nothing here knows, so no part of the
    value can be kept as safely coarse.
    """
    code = canonical_type(type_code)
    if code == "CN_ID_CARD":
        return _generalize_id(value, lang)
    if code == "BIRTH_DATE":
        year = normalize_value(code, value)[:4]
        return year if year.isdigit() else mask_value(code, value)
    if code == "ADDRESS":
        return district_prefix(value.strip()) or label_for(code, lang)
    if code == "GPS_COORDINATE":
        return _generalize_gps(value)
    if code == "PHONE_NUMBER":
        return _prefix(code, value, 3, 7, lang)
    if code == "BANK_CARD":
        return _prefix(code, value, 6, 12, lang)
    if code == "LICENSE_PLATE":
        return _prefix(code, value, 2, 6, lang)
    if code == "EMAIL":
        domain = normalize_value(code, value).rpartition("@")[2]
        return "@" + domain if domain else label_for(code, lang)
    if code == "IP_ADDRESS":
        return _generalize_ip(value)
    if code == "PERSON_NAME":
        name = normalize_value(code, value)
        keep = surname_length(name)
        if len(name) <= keep:
            return label_for(code, lang)
        return name[:keep] + ("某" if lang == "zh" else "")
    if code in pi_types() and not pi_types()[code].is_pi:
        return value
    return label_for(code, lang, own_types)

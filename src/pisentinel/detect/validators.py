"""Validators: the checks that turn a digit string into evidence (checksums, real regions, real
dates). Each returns a bool or a parsed value; none raises on bad input."""

from __future__ import annotations

import datetime as dt
from functools import cache
from operator import mul

from pisentinel.knowledge import regions

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-digit resident ID (GB 11643-1999)."""
    if len(first17) != 17:
        raise ValueError("an ID check character needs 17 digits")
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def id18_checksum_ok(value: str) -> bool:
    return (
        len(value) == 18
        and ascii_digits(value[:17])
        and id_check_char(value[:17]) == value[17].upper()
    )


@cache
def _region_codes() -> frozenset[str]:
    return frozenset(regions())


def region_ok(code6: str) -> bool:
    return code6 in _region_codes()


def parse_date(yyyymmdd: str) -> dt.date | None:
    if len(yyyymmdd) != 8 or not ascii_digits(yyyymmdd):
        return None
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


def ascii_digits(s: str) -> bool:
    """Only 0-9: str.isdigit also accepts superscripts and other scripts' digits."""
    return s.isascii() and s.isdigit()


def plausible_birth_date(d: dt.date | None, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return d is not None and dt.date(1900, 1, 1) <= d <= today


def age_on(birth: dt.date, today: dt.date | None = None) -> int:
    today = today or dt.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def luhn_ok(digits: str) -> bool:
    if not ascii_digits(digits):
        return False
    rev = digits[::-1]
    return (sum(map(int, rev[0::2])) + sum(map(_LUHN_DOUBLED.__getitem__, rev[1::2]))) % 10 == 0


_LUHN_DOUBLED = {str(d): (2 * d if d < 5 else 2 * d - 9) for d in range(10)}


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_ORG_VALUE = {c: i for i, c in enumerate(_ORG_ALPHABET)}


def uscc_ok(code: str) -> bool:
    """GB 32100-2015 check character, plus the embedded GB 11714 organisation-code check."""
    code = code.upper()
    if len(code) != 18 or not _USCC_CHARS.issuperset(code):
        return False
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, code[:17]), _USCC_WEIGHTS))
    if USCC_ALPHABET[(31 - total % 31) % 31] != code[17]:
        return False
    org = code[8:17]
    s = sum(map(mul, map(_ORG_VALUE.__getitem__, org[:8]), _ORG_WEIGHTS))
    check = 11 - s % 11
    expected = "X" if check == 10 else "0" if check == 11 else str(check)
    return org[8] == expected


# Mainland mobile number segments (MIIT allocations, incl. IoT-free virtual 170/171, 19x, 16x).
_MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in range(10)]
    + ["145", "146", "147", "148", "149"]
    + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + ["162", "165", "166", "167"]
    + ["170", "171", "172", "173", "174", "175", "176", "177", "178"]
    + [f"18{d}" for d in range(10)]
    + [f"19{d}" for d in range(10)]
)


def mobile_ok(digits: str) -> bool:
    return len(digits) == 11 and digits[:3] in _MOBILE_PREFIXES and ascii_digits(digits)


# Area codes: 010 and 02x are three digits; the rest of 03xx-09xx are four digits.
def area_code_ok(code: str) -> bool:
    if code == "010" or (len(code) == 3 and code.startswith("02")):
        return True
    return len(code) == 4 and code[0] == "0" and code[1] in "3456789"

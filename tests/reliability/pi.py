"""Synthetic identifiers with valid checksums, made on the spot (never real people's)."""

from __future__ import annotations

import random

from pisentinel.detect.validators import id_check_char, luhn_ok

REGIONS = ("110101", "310104", "440305", "330106", "510107", "420111")


def id_number(rng: random.Random) -> str:
    """An 18-digit resident ID with a real region, a plausible birth date and a valid check."""
    first17 = (rng.choice(REGIONS) + f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}"
               f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}")
    return first17 + id_check_char(first17)


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "177")) + f"{rng.randint(0, 99_999_999):08d}"


def bank_card(rng: random.Random) -> str:
    while True:
        digits = "622202" + "".join(str(rng.randint(0, 9)) for _ in range(13))
        if luhn_ok(digits):
            return digits

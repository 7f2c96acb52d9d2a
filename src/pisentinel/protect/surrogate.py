"""Validity-preserving surrogates: a fake identifier that still passes the checks of the real one.

Test data, demonstrations and systems that validate their input need values that look real: an
ID surrogate keeps the region code, birth year and sex and passes the GB 11643 MOD 11-2 check; a
card surrogate keeps the BIN (issuer) and length and passes Luhn; a phone surrogate keeps the
carrier prefix. The rest comes from an HMAC of the value under the surrogate key derived from the
project key, so the same value always gets the same surrogate and no one without the key can
tell which real value was behind it. Different values may, rarely, share a surrogate: link
records with `pseudonym_token`, not with surrogates.
"""

from __future__ import annotations

import hmac
from datetime import date, timedelta
from hashlib import sha256

from pisentinel.protect.keys import derive_key, load_project_key
from pisentinel.protect.normalize import canonical_type, normalize_value

__all__ = ["SURROGATE_TYPES", "id_check_character", "luhn_check_digit", "surrogate_value"]

SURROGATE_TYPES = ("CN_ID_CARD", "MINOR", "BANK_CARD", "PHONE_NUMBER")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_character(body17: str) -> str:
    """The GB 11643 MOD 11-2 check character of the first 17 digits of an ID number."""
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit to append to `body`."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


class _Digits:
    """A deterministic stream of pseudo-random integers from the HMAC of one value."""

    def __init__(self, key: bytes, type_code: str, canonical: str) -> None:
        self._seed = hmac.new(key, f"{type_code}\x1f{canonical}".encode(), sha256).digest()
        self._counter = 0

    def below(self, n: int) -> int:
        self._counter += 1
        block = hmac.new(self._seed, self._counter.to_bytes(4, "big"), sha256).digest()
        return int.from_bytes(block, "big") % n

    def digits(self, count: int) -> str:
        return "".join(str(self.below(10)) for _ in range(count))


def _id_surrogate(canonical: str, rng: _Digits) -> str | None:
    if len(canonical) != 18 or not canonical[:17].isdigit():
        return None
    year = int(canonical[6:10])
    if not 1800 <= year <= 9998:
        return None
    first = date(year, 1, 1)
    birth = first + timedelta(days=rng.below((date(year + 1, 1, 1) - first).days))
    sex_parity = int(canonical[16]) % 2
    sequence = rng.digits(2) + str(rng.below(5) * 2 + sex_parity)
    body = canonical[:6] + birth.strftime("%Y%m%d") + sequence
    return body + id_check_character(body)


def _card_surrogate(canonical: str, rng: _Digits) -> str | None:
    if not 12 <= len(canonical) <= 19:
        return None
    body = canonical[:6] + rng.digits(len(canonical) - 7)
    return body + luhn_check_digit(body)


def _phone_surrogate(canonical: str, rng: _Digits) -> str | None:
    if len(canonical) != 11 or canonical[0] != "1":
        return None
    return canonical[:3] + rng.digits(8)


def surrogate_value(type_code: str, value: str, key: bytes | None = None) -> str:
    """A valid-looking stand-in for `value`, the same for the same value under the same key.

    Supported: CN_ID_CARD and MINOR (18-digit), BANK_CARD, mobile PHONE_NUMBER. Raises
    ValueError (without the value) for other types or values not of the type's shape.
    """
    code = canonical_type(type_code)
    canonical = normalize_value(code, value)
    builders = {"CN_ID_CARD": _id_surrogate, "BANK_CARD": _card_surrogate,
                "PHONE_NUMBER": _phone_surrogate}
    if code not in builders:
        raise ValueError(f"{type_code} 不支持替代值 / no surrogate for {type_code}; "
                         f"supported: {', '.join(SURROGATE_TYPES)}")
    master = key if key is not None else load_project_key()
    rng = _Digits(derive_key(master, "surrogate/v1"), code, canonical)
    while True:  # redraw in the (rare) case the stand-in is the value itself
        surrogate = builders[code](canonical, rng)
        if surrogate is None:
            raise ValueError(f"值不符合 {type_code} 的格式 / value is not of the {type_code} "
                             "shape")
        if surrogate != canonical:
            return surrogate

"""One canonical form per identifier, so that a value written three ways gets one token.

People write the same phone number as ``138 1234 5678``, ``+86-138-1234-5678`` or in full-width
digits; a pseudonym token computed over the raw text would split one person into several. The
canonical form depends on the type: digits only for numeric identifiers, an upper-case ``X`` for
the ID check character, lower-case e-mail, plates and permits without separators.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

__all__ = ["canonical_type", "is_significant", "normalize_value"]

_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_CHINESE_DIGITS = str.maketrans({
    "〇": "0", "零": "0", "○": "0",
    "一": "1", "幺": "1", "壹": "1",
    "二": "2", "两": "2", "贰": "2",
    "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5",
    "六": "6", "陆": "6", "七": "7", "柒": "7", "八": "8", "捌": "8", "九": "9", "玖": "9",
})
_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", ".": "·"})
_NON_DIGIT_RE = re.compile(r"[^0-9]")
_NON_ALNUM_RE = re.compile(r"[^0-9A-Z]")
_ID_RE = re.compile(r"[^0-9X]")
_PLATE_SEPARATORS_RE = re.compile(r"[\s·.\-_]")
_SPACE_RE = re.compile(r"\s+")
_NUMBER_RE = re.compile(r"[-+]?\d+(?:\.\d+)?")
_DATE_RE = re.compile(r"(\d{4})\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})")

# A MINOR finding is an ID number whose holder is under 14: it links with that person's
# CN_ID_CARD findings, so both share one token namespace and one canonical form.
_TOKEN_NAMESPACE = {"MINOR": "CN_ID_CARD"}
_DIGIT_TYPES = frozenset({"BANK_CARD", "QQ_NUMBER"})
_ALNUM_TYPES = frozenset({"PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "USCC"})


def is_significant(ch: str) -> bool:
    """Letters, digits and Han characters carry information; separators and punctuation don't."""
    return ch.isalnum()


def canonical_type(type_code: str) -> str:
    """The type whose token namespace `type_code` shares (MINOR → CN_ID_CARD, else itself)."""
    return _TOKEN_NAMESPACE.get(type_code, type_code)


def _fold(value: str) -> str:
    """Full-width to ASCII (NFKC) and zero-width characters out."""
    return _ZERO_WIDTH_RE.sub("", unicodedata.normalize("NFKC", value))


def _digits(value: str) -> str:
    return _NON_DIGIT_RE.sub("", _fold(value).translate(_CHINESE_DIGITS))


def _phone(value: str) -> str:
    digits = _digits(value)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 \
                and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits


def _id_card(value: str) -> str:
    return _ID_RE.sub("", _fold(value).translate(_CHINESE_DIGITS).upper())


def _ip(value: str) -> str:
    text = _fold(value).strip()
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return _SPACE_RE.sub("", text).lower()


def _gps(value: str) -> str:
    numbers = _NUMBER_RE.findall(_fold(value))
    if len(numbers) != 2:
        return _SPACE_RE.sub("", _fold(value))
    return ",".join(f"{float(n):.6f}" for n in numbers)


def _birth_date(value: str) -> str:
    text = _fold(value).translate(_CHINESE_DIGITS)
    m = _DATE_RE.search(text)
    if m is None:
        return _SPACE_RE.sub("", text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def normalize_value(type_code: str, value: str) -> str:
    """The canonical form of `value` as an identifier of `type_code` (tokens hash this form).

    Unknown types get the generic form: NFKC, zero-width characters out, whitespace collapsed.
    """
    code = canonical_type(type_code)
    if code == "CN_ID_CARD":
        return _id_card(value)
    if code == "PHONE_NUMBER":
        return _phone(value)
    if code in _DIGIT_TYPES:
        return _digits(value)
    if code in _ALNUM_TYPES:
        return _NON_ALNUM_RE.sub("", _fold(value).upper())
    if code == "LICENSE_PLATE":
        return _PLATE_SEPARATORS_RE.sub("", _fold(value).upper())
    if code in ("EMAIL", "WECHAT_ID"):
        return _SPACE_RE.sub("", _fold(value)).lower()
    if code == "IP_ADDRESS":
        return _ip(value)
    if code == "GPS_COORDINATE":
        return _gps(value)
    if code == "BIRTH_DATE":
        return _birth_date(value)
    if code == "PERSON_NAME":
        return _SPACE_RE.sub("", _fold(value).translate(_DOTS))
    if code == "ADDRESS":
        return _SPACE_RE.sub("", _fold(value))
    return _SPACE_RE.sub(" ", _fold(value)).strip()

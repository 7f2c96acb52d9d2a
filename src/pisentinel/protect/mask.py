"""Display masks in the conventions Chinese readers expect: 张*, 110101********7777, 138****5678.

Each type's rule is its `mask` entry in the PI taxonomy (knowledge/data/pi_types.yaml):
`keep_prefix`/`keep_suffix` count significant characters (letters, digits, Han) and leave
separators where they are, or `strategy` names a rule for values with structure (e-mail, IP, GPS,
dates, addresses, names, and sensitive categories shown only as a label).

A user's own types (a rules file's `types`, which protect cannot read: they belong to detect) are
passed in by the caller that holds them, as `own_types`: their keep counts and names are used for
codes the taxonomy does not know. A built-in code always keeps its own rule.

A mask never shows more than its rule allows, even for a value shorter than the rule expects: at
least half of a value's significant characters are hidden when the rule would hide none, so
``5678`` under the phone rule is ``5**8``, not ``5678``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Protocol

from pisentinel.knowledge import PIType, pi_types
from pisentinel.protect.address import district_prefix
from pisentinel.protect.names import surname_length
from pisentinel.protect.normalize import is_significant

__all__ = ["MASK_CHAR", "OwnType", "label_for", "mask_keep", "mask_value"]

MASK_CHAR = "*"
_ADDRESS_TAIL = MASK_CHAR * 4
_EMAIL_TAIL = MASK_CHAR * 3
_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)")
_DIGIT_RE = re.compile(r"\d")
# A country code before a mobile number is not part of it: +86 138****5678, not +86 1** ****.
_COUNTRY_CODE_RE = re.compile(r"^\s*(?:\+\s?86|0086|86)[\s\-]*(?=1\d{10}$|1\d\d[\s\-])")
_DECIMAL_RE = re.compile(r"(\d+)\.(\d+)")


class OwnType(Protocol):
    """What masking, labelling and tokenising need of a user's own type
    (`pisentinel.detect.rules.CustomType` has it); a protocol, so that protect need not import
    detect. `value_of` reads a written form as the scanner reads a match of the type, so a
    column of it gets the tokens its matches in text get."""

    @property
    def name_zh(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def keep_prefix(self) -> int: ...
    @property
    def keep_suffix(self) -> int: ...
    def value_of(self, text: str) -> str: ...


def _own_type(type_code: str, own_types: Mapping[str, OwnType] | None) -> OwnType | None:
    """The user's definition of `type_code`, if it is one of theirs and not a built-in code (a
    user's rule must not loosen a built-in type's mask)."""
    if not own_types or type_code in pi_types():
        return None
    return own_types.get(type_code)


def mask_keep(value: str, keep_prefix: int, keep_suffix: int, *, strict: bool = True) -> str:
    """Star every significant character except the first `keep_prefix` and last `keep_suffix`.

    Separators stay where they are. With `strict`, a value too short for the rule (nothing would
    be hidden) hides at least half its significant characters, the kept ones shared between
    both ends.
    """
    if value.isalnum():  # no separators to keep in place: one slice, no per-character test
        hide = range(len(value))[slice(*_hidden_range(len(value), keep_prefix, keep_suffix,
                                                      strict))]
        if not hide:
            return value
        return value[: hide.start] + MASK_CHAR * len(hide) + value[hide.stop :]
    positions = [i for i, ch in enumerate(value) if is_significant(ch)]
    hidden = set(positions[slice(*_hidden_range(len(positions), keep_prefix, keep_suffix,
                                                strict))])
    return "".join(MASK_CHAR if i in hidden else ch for i, ch in enumerate(value))


def _hidden_range(n: int, keep_prefix: int, keep_suffix: int, strict: bool) -> tuple[int, int]:
    """Slice bounds, over the `n` significant characters, of those to star."""
    pre, suf = max(keep_prefix, 0), max(keep_suffix, 0)
    if strict and n <= pre + suf:
        kept = n - (n + 1) // 2
        suf = min(suf, kept // 2)
        pre = min(pre, kept - suf)
        suf = kept - pre
    return pre, n - suf


def full_mask(value: str) -> str:
    """Every significant character starred; the shape (separators, length) stays."""
    return "".join(MASK_CHAR if is_significant(ch) else ch for ch in value)


def label_for(type_code: str, lang: str = "zh",
              own_types: Mapping[str, OwnType] | None = None) -> str:
    """The bracketed label that stands in for a value: the sensitive category for types masked
    by label (``[医疗健康]``), the type's name otherwise (``[银行卡号]``, a user's type by the
    name its rules give, ``[工号]``)."""
    info = pi_types().get(type_code)
    if info is None:
        own = _own_type(type_code, own_types)
        if own is None:
            return f"[{type_code}]"
        return f"[{own.name_zh if lang == 'zh' else own.name_en}]"
    if lang != "zh":
        return f"[{info.name_en}]"
    if info.mask.get("strategy") == "label" and info.sensitive_category:
        return f"[{info.sensitive_category}]"
    return f"[{info.name_zh}]"


def _mask_name(value: str) -> str:
    """The surname stays (for ``阿依古丽·买买提`` the first character); the rest is starred, and a
    name too short to have a given name (``张``) is starred whole."""
    lead = len(value) - len(value.lstrip())
    name = value.strip()
    keep = surname_length(name.split("·")[0])
    significant = sum(is_significant(ch) for ch in name)
    if keep >= significant:
        keep = significant // 2
    return value[: lead + keep] + full_mask(value[lead + keep :])


def _mask_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local.strip():
        return full_mask(value)
    first = local.strip()[0]
    return (first if len(local.strip()) > 1 else MASK_CHAR) + _EMAIL_TAIL + "@" + domain


def _mask_ip(value: str) -> str:
    """The first two groups stay (the network), later ones are starred; a value whose later
    groups are empty (0.., a cut-off address) would keep everything, so it is starred whole."""
    sep = ":" if ":" in value else "."
    parts = value.split(sep)
    keep = 2 if len(parts) > 2 else 0
    masked = sep.join(p if i < keep or not p else MASK_CHAR for i, p in enumerate(parts))
    return masked if masked != value else full_mask(value)


def _mask_gps(value: str) -> str:
    """Whole degrees and the first decimal (~10 km) stay; finer digits are starred."""
    masked = _DECIMAL_RE.sub(lambda m: f"{m.group(1)}.{m.group(2)[0]}"
                             + MASK_CHAR * (len(m.group(2)) - 1), value)
    return masked if masked != value else full_mask(value)


def _mask_date_year(value: str) -> str:
    m = _YEAR_RE.search(value)
    if m is None:
        return full_mask(value)
    return _DIGIT_RE.sub(MASK_CHAR, value[: m.start()]) + m.group() + _DIGIT_RE.sub(
        MASK_CHAR, value[m.end() :])


def _mask_address(value: str) -> str:
    return district_prefix(value) + _ADDRESS_TAIL


_STRATEGIES: dict[str, Callable[[str], str]] = {
    "name": _mask_name,
    "email": _mask_email,
    "ip": _mask_ip,
    "gps": _mask_gps,
    "date_year": _mask_date_year,
    "address": _mask_address,
}


def _mask_by_rule(info: PIType, value: str, lang: str) -> str:
    strategy = info.mask.get("strategy")
    if strategy == "label":
        return label_for(info.code, lang)
    if strategy in _STRATEGIES:
        return _STRATEGIES[strategy](value)
    return mask_keep(value, int(info.mask.get("keep_prefix", 0)),
                     int(info.mask.get("keep_suffix", 0)), strict=info.is_pi)


def mask_value(type_code: str, value: str, lang: str = "zh",
               own_types: Mapping[str, OwnType] | None = None) -> str:
    """The display form of `value` as a `type_code` identifier, by the taxonomy's mask rule.

    ``mask_value("PHONE_NUMBER", "13812345678")`` → ``138****5678``. A type of `own_types` gets
    its own keep counts; any other unknown type gets every significant character starred; a
    label type (``MEDICAL_HEALTH``) gets its label in `lang`.
    """
    info = pi_types().get(type_code)
    if info is None:
        own = _own_type(type_code, own_types)
        if own is None:
            return full_mask(value)
        return mask_keep(value, own.keep_prefix, own.keep_suffix)
    if type_code == "PHONE_NUMBER" and (m := _COUNTRY_CODE_RE.match(value)):
        return m.group() + _mask_by_rule(info, value[m.end() :], lang)
    return _mask_by_rule(info, value, lang)

"""The last guard before a report leaves the tool: no unmasked ID or mobile number gets out.

The store already refuses leads, comments and reasons that hold one, but a report also prints
what the store does not check (input paths, run parameters, evidence details, authors). Every
string of a report's context passes through :class:`Redactor`, which masks what
:func:`~pisentinel.leads.store.find_raw_identifiers` would flag, with the taxonomy's display mask
(ID ``110105********1234``, mobile ``138****5678``), and counts what it masked so the report can
say so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from pisentinel.knowledge import pi_type
from pisentinel.leads.store import find_raw_identifiers

__all__ = ["Redactor", "without_opaque"]

_D = "[0-9０-９]"
_ID18 = re.compile(rf"(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ]){_D}{{17}}[0-9Xx０-９Ｘｘ]"
                   rf"(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])")
_MOBILE = re.compile(rf"(?<![0-9０-９])[1１][3-9３-９]{_D}(?:[ \-－]?{_D}{{4}}){{2}}(?![0-9０-９])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_FALLBACK = "［已遮蔽］"
_OPAQUE = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{24,}(?![0-9A-Za-z])")
"""Content hashes, run ids, fingerprints and pseudonym tokens the tool writes itself: lower-case
hex of 24 digits or more. They are evidence of integrity and identity, so they are kept whole:
a digit run inside one (``…a13912345678b…``) is chance, not a phone number."""


def without_opaque(text: str) -> str:
    """``text`` with hashes, run ids and tokens blanked: what the identifier check looks at."""
    return _OPAQUE.sub(lambda m: "·" * len(m.group()), text)


def _id_ok(candidate: str) -> bool:
    digits = unicodedata.normalize("NFKC", candidate).upper()
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17]


def _mask(value: str, code: str) -> str:
    spec = pi_type(code).mask
    keep_prefix, keep_suffix = int(spec.get("keep_prefix", 0)), int(spec.get("keep_suffix", 0))
    positions = [i for i, ch in enumerate(value) if ch not in " -－"]
    keep = set(positions[:keep_prefix]) | set(positions[len(positions) - keep_suffix:])
    return "".join(ch if i in keep or i not in positions else "*" for i, ch in enumerate(value))


class Redactor:
    """Masks raw ID and mobile numbers in every string of a nested report context."""

    def __init__(self) -> None:
        self.count = 0

    def text(self, value: str) -> str:
        if not find_raw_identifiers(without_opaque(value)):
            return value
        parts = _OPAQUE.split(value)
        kept = _OPAQUE.findall(value)
        masked = [_MOBILE.sub(self._mobile, _ID18.sub(self._id, part)) for part in parts]
        out = "".join(m + k for m, k in zip(masked, [*kept, ""], strict=True))
        if find_raw_identifiers(without_opaque(out)):  # a form the patterns do not know
            self.count += 1
            return _FALLBACK
        return out

    def _id(self, match: re.Match[str]) -> str:
        if not _id_ok(match.group()):
            return match.group()
        self.count += 1
        return _mask(match.group(), "CN_ID_CARD")

    def _mobile(self, match: re.Match[str]) -> str:
        self.count += 1
        return _mask(match.group(), "PHONE_NUMBER")

    def tree(self, value: Any) -> Any:
        """A copy of ``value`` (dicts, lists, tuples, strings, scalars) with every string —
        mapping keys included — redacted; bytes and other scalars pass through."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.tree(k): self.tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.tree(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool) and value > 10**10:
            masked = self.text(str(value))  # a bare int can be a mobile or ID number
            return value if masked == str(value) else masked
        return value

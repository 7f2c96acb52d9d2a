"""Receipt codes: what a reporter keeps to add to a tip later, and the only way back to it.

100 random bits in Crockford base32 (``7KQ2M-X9D4T-…``): read aloud or typed on a phone without
confusing O/0 or I/1/L, and far beyond guessing (the follow-up page is rate limited too). Only
the SHA-256 of the normalised code is stored, so a copy of the database does not let anyone
open tips.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_receipt_code", "normalize_receipt_code", "receipt_hash"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
GROUPS, GROUP = 4, 5


def new_receipt_code() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(GROUPS * GROUP))
    return "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def normalize_receipt_code(code: str) -> str | None:
    """The code's canonical characters, or None if it cannot be a receipt code."""
    text = "".join(ch for ch in code.upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(text) != GROUPS * GROUP or any(ch not in _ALPHABET for ch in text):
        return None
    return text


def receipt_hash(code: str) -> str | None:
    """What the store keeps and looks up: SHA-256 of the normalised code (None if malformed)."""
    text = normalize_receipt_code(code)
    if text is None:
        return None
    return hashlib.sha256(b"pisentinel/tip-receipt/v1\x1f" + text.encode()).hexdigest()

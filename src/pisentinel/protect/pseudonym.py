"""Keyed pseudonym tokens: the same identifier gives the same token in every dataset under one
key, so leads link records without holding the identifier.

``pseudonym_token("PHONE_NUMBER", "138 1234 5678", key)`` → ``PHONE_NUMBER:ph_3f9a…`` — the type,
a short type tag and 96 bits of HMAC-SHA256 over the type's canonical form of the value
(`normalize_value`), keyed by the token key derived from the project key. Without the key a
token cannot be recomputed from a guessed phone number, which a plain hash of an 11-digit number
would allow in minutes.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from hashlib import sha256
from typing import Any

from pisentinel.protect.keys import derive_key, load_project_key
from pisentinel.protect.normalize import canonical_type, normalize_value

__all__ = ["TOKEN_TAGS", "is_token", "pseudonym_token", "token_type"]

TOKEN_TAGS = {
    "CN_ID_CARD": "id", "PHONE_NUMBER": "ph", "BANK_CARD": "bc", "EMAIL": "em",
    "LICENSE_PLATE": "lp", "PASSPORT": "pp", "HK_MACAO_PERMIT": "hm", "TAIWAN_PERMIT": "tw",
    "IP_ADDRESS": "ip", "QQ_NUMBER": "qq", "WECHAT_ID": "wx", "GPS_COORDINATE": "gps",
    "BIRTH_DATE": "bd", "PERSON_NAME": "nm", "ADDRESS": "ad", "MEDICAL_HEALTH": "mh",
    "RELIGION": "rl", "BIOMETRIC": "bio", "WHEREABOUTS": "wb", "USCC": "org",
}
_DIGEST_BYTES = 12


@lru_cache(maxsize=16)
def _keyed_hmac(master: bytes) -> Any:
    """An HMAC primed with the token key; copying it per value skips re-keying."""
    return hmac.new(derive_key(master, "token/v1"), digestmod=sha256)


def pseudonym_token(type_code: str, value: str, key: bytes | None = None) -> str:
    """The keyed pseudonym token of `value` as a `type_code` identifier.

    Stable across surface forms of one value (spaces, dashes, full-width digits, ``+86``,
    upper/lower case where the type ignores case); different under different keys. `key` is the
    project key (`load_project_key`) or a federation key; ``None`` loads the default project key.
    MINOR findings share the CN_ID_CARD namespace, so a child's ID links with itself elsewhere.
    """
    code = canonical_type(type_code)
    mac = _keyed_hmac(key if key is not None else load_project_key()).copy()
    mac.update(code.encode() + b"\x1f" + normalize_value(code, value).encode())
    tag = TOKEN_TAGS.get(code, "x")
    return f"{code}:{tag}_{mac.digest()[:_DIGEST_BYTES].hex()}"


def token_type(token: str) -> str:
    """The type code a token was made for (``PHONE_NUMBER:ph_…`` → ``PHONE_NUMBER``)."""
    return token.partition(":")[0]


def is_token(text: str) -> bool:
    """Whether `text` has the shape of a pseudonym token (e.g. to find tokens in redacted text)."""
    code, sep, rest = text.partition(":")
    tag, us, digest = rest.partition("_")
    return bool(sep and us and code and tag == TOKEN_TAGS.get(code, "x")
                and len(digest) == 2 * _DIGEST_BYTES
                and all(c in "0123456789abcdef" for c in digest))

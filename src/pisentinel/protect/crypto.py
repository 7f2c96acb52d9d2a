"""Reversible encryption of identifiers, for re-identification by an authorised user.

AES-256-GCM under the encryption key derived from the project key, a fresh 96-bit nonce per
value, and the type code in the associated data: a ciphertext made for a phone number does not
decrypt as an ID number, and any change to it is refused. The output is text
(``enc1.<base64url>``) so it fits a string column or a JSON lead.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pisentinel.protect.errors import DecryptionError
from pisentinel.protect.keys import derive_key, load_project_key
from pisentinel.protect.normalize import canonical_type

__all__ = ["CIPHERTEXT_PREFIX", "decrypt_value", "encrypt_value", "is_ciphertext"]

CIPHERTEXT_PREFIX = "enc1."
_NONCE_BYTES = 12
_TAG_BYTES = 16


@lru_cache(maxsize=16)
def _aead_for(master: bytes) -> AESGCM:
    return AESGCM(derive_key(master, "encrypt/v1"))


def _aead(key: bytes | None) -> AESGCM:
    return _aead_for(key if key is not None else load_project_key())


def _associated_data(type_code: str) -> bytes:
    return b"pisentinel/enc1/" + canonical_type(type_code).encode()


def encrypt_value(type_code: str, value: str, key: bytes | None = None) -> str:
    """`value` encrypted for `type_code` under `key` (the project key; ``None`` loads it).

    Encrypting the same value twice gives different ciphertexts; link records with
    `pseudonym_token`, not with ciphertexts.
    """
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, value.encode("utf-8"), _associated_data(type_code))
    return CIPHERTEXT_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decrypt_value(type_code: str, ciphertext: str, key: bytes | None = None) -> str:
    """The value `encrypt_value` sealed. Raises `DecryptionError` (which names the type but never
    the value) if the ciphertext is malformed, altered, for another type or under another key."""
    refused = DecryptionError(
        f"解密失败：{type_code} 密文无效、已被篡改或密钥不符",
        f"decryption refused: the {type_code} ciphertext is malformed, altered, "
        "or under another key")
    if not ciphertext.startswith(CIPHERTEXT_PREFIX):
        raise refused
    body = ciphertext[len(CIPHERTEXT_PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise refused from None
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise refused
    try:
        plain = _aead(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                   _associated_data(type_code))
    except InvalidTag:
        raise refused from None
    return plain.decode("utf-8")


def is_ciphertext(text: str) -> bool:
    return text.startswith(CIPHERTEXT_PREFIX)

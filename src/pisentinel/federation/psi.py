"""Private set intersection of identifiers (ECDH-PSI): two regions learn which phones, ID
numbers and companies they both hold, and nothing about the others.

Each side hashes its identifiers to group elements H(x) and blinds them with a secret scalar
used for one session only. A sends {H(x)^a}; B answers {H(x)^ab} in A's order and its own
{H(y)^b}; A raises those to a and compares: H(x)^ab = H(y)^ba exactly when x = y. A then sends
{H(y)^ba} back in B's order so B learns the intersection too. Without the other side's scalar
a blinded element cannot be tested against a guessed phone number (decisional Diffie–Hellman),
so the 11-digit space that makes plain hashes of phones worthless does not help here.

For each shared identifier both sides derive the same **link token**
(``LINK:<hex>`` from the session id and H(x)^ab) and attach it to their own leads holding it
(:meth:`LeadStore.add_token_aliases`); bundles then carry it, and the merged 类案 view joins on it.

The group: PyNaCl (1.6) does not bind libsodium's ristretto255 functions, so this uses the
prime-order subgroup of edwards25519 through the bindings it has — hash to the group as the
sum of two Elligator 2 maps of a SHA-512 digest (``crypto_core_ed25519_from_uniform``, which
clears the cofactor, the construction ristretto255's ``from_hash`` also uses), scalars reduced
mod ℓ, and every received element checked with ``crypto_core_ed25519_is_valid_point`` (on the
curve, canonical, in the prime-order subgroup, not of small order) before it is used.

Semi-honest model: a party that puts a million guessed phone numbers into its own set learns
which of them the other holds — the intersection is what PSI reveals. Sessions are therefore
between trusted peers only (signed messages, see :mod:`pisentinel.federation.exchange`), capped
in size and written to the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_from_uniform,
    crypto_core_ed25519_is_valid_point,
    crypto_core_ed25519_scalar_reduce,
    crypto_scalarmult_ed25519_noclamp,
)
from nacl.exceptions import RuntimeError as NaclRuntimeError

from pisentinel.errors import BilingualError
from pisentinel.leads import LeadStore
from pisentinel.leads import schema as t
from pisentinel.protect import canonical_type, decrypt_value, normalize_value, pseudonym_token
from pisentinel.protect.pseudonym import token_type

__all__ = ["MAX_ITEMS", "PSI_TYPES", "Identifier", "PsiError", "PsiParty", "SharedIdentifier",
           "decode_points", "encode_points", "hash_to_group", "identifiers_from_reveal_store",
           "identifiers_from_values", "link_token"]

MAX_ITEMS = 200_000
PSI_TYPES = ("PHONE_NUMBER", "CN_ID_CARD", "USCC", "ORGANIZATION", "BANK_CARD", "WECHAT_ID",
             "QQ_NUMBER", "EMAIL", "APP_NAME", "APP_PACKAGE", "WEBSITE")
_DOMAIN = b"pisentinel/psi/v1"


class PsiError(BilingualError, ValueError):
    """A PSI message that breaks the protocol (message zh / en; never an element or a value)."""


@dataclass(frozen=True)
class Identifier:
    """One identifier a party holds: its type, raw value (never sent) and the local pseudonym
    token its leads carry (never sent either)."""

    type: str
    value: str
    token: str

    def __repr__(self) -> str:
        return f"Identifier({self.type!r}, <value>, {self.token!r})"


@dataclass(frozen=True)
class SharedIdentifier:
    type: str
    token: str
    link_token: str


def hash_to_group(type_code: str, value: str) -> bytes:
    """H(type, canonical value) in the prime-order subgroup (so ``138 1234 5678`` and
    ``13812345678`` meet)."""
    code = canonical_type(type_code)
    digest = hashlib.sha512(_DOMAIN + b"\x1f" + code.encode() + b"\x1f"
                            + normalize_value(code, value).encode()).digest()
    return bytes(crypto_core_ed25519_add(crypto_core_ed25519_from_uniform(digest[:32]),
                                         crypto_core_ed25519_from_uniform(digest[32:])))


def _check(point: bytes) -> bytes:
    if len(point) != 32 or not crypto_core_ed25519_is_valid_point(point):
        raise PsiError("收到的群元素无效", "received an invalid group element")
    return point


def encode_points(points: Iterable[bytes]) -> list[str]:
    return [base64.b64encode(p).decode() for p in points]


def decode_points(items: object, *, limit: int = MAX_ITEMS) -> list[bytes]:
    if not isinstance(items, list) or len(items) > limit:
        raise PsiError("集合格式不正确或超过上限", "malformed set or over the size limit")
    try:
        return [_check(base64.b64decode(s, validate=True)) for s in items]
    except (ValueError, TypeError):
        raise PsiError("集合格式不正确", "malformed set") from None


def link_token(session_id: str, element: bytes) -> str:
    """The token both parties derive for a shared identifier (H(x)^ab) in one session."""
    digest = hashlib.sha256(b"pisentinel/psi-link/v1\x1f" + session_id.encode() + b"\x1f"
                            + element).hexdigest()
    return f"LINK:{digest[:40]}"


class PsiParty:
    """One side of a session: its identifiers and its secret scalar (fresh per party object).

    Client: ``blinded()`` → send; ``finish(session, double_mine, theirs)`` → shared items and the
    message that tells the server its share. Server: ``answer(theirs)`` → (their elements
    raised to our scalar, ``blinded()``); ``learn(session, double_theirs_of_ours)``."""

    def __init__(self, items: Sequence[Identifier]) -> None:
        if len(items) > MAX_ITEMS:
            raise PsiError(f"标识符超过上限 {MAX_ITEMS}", f"more than {MAX_ITEMS} identifiers")
        order = list(items)
        secrets.SystemRandom().shuffle(order)  # the order sent says nothing about the input
        self.items = order
        scalar = b"\x00" * 32
        while scalar == b"\x00" * 32:
            scalar = bytes(crypto_core_ed25519_scalar_reduce(os.urandom(64)))
        self._scalar = scalar
        self._hashed = [hash_to_group(i.type, i.value) for i in order]
        self._blinded: list[bytes] | None = None

    def __repr__(self) -> str:
        return f"PsiParty({len(self.items)} identifiers)"

    def _raise(self, point: bytes) -> bytes:
        try:
            return bytes(crypto_scalarmult_ed25519_noclamp(self._scalar, _check(point)))
        except NaclRuntimeError:
            raise PsiError("收到的群元素无效", "received an invalid group element") from None

    def blinded(self) -> list[bytes]:
        if self._blinded is None:
            self._blinded = [self._raise(h) for h in self._hashed]
        return self._blinded

    def answer(self, theirs: Sequence[bytes]) -> tuple[list[bytes], list[bytes]]:
        """Server: their blinded elements raised to our scalar (same order), and ours."""
        return [self._raise(p) for p in theirs], self.blinded()

    def _shared(self, session_id: str, double_mine: Sequence[bytes],
                double_theirs: Iterable[bytes]) -> list[SharedIdentifier]:
        if len(double_mine) != len(self.items):
            raise PsiError("回应的元素个数不符", "the answer has the wrong number of elements")
        other = set(double_theirs)
        return [SharedIdentifier(i.type, i.token, link_token(session_id, d))
                for i, d in zip(self.items, double_mine, strict=True) if d in other]

    def finish(self, session_id: str, double_mine: Sequence[bytes], theirs: Sequence[bytes]
               ) -> tuple[list[SharedIdentifier], list[bytes]]:
        """Client: the shared identifiers, and their elements raised to our scalar (to send back
        so the server learns the intersection too)."""
        double_theirs = [self._raise(p) for p in theirs]
        return self._shared(session_id, [_check(p) for p in double_mine],
                            double_theirs), double_theirs

    def learn(self, session_id: str, double_mine: Sequence[bytes],
              double_theirs: Sequence[bytes]) -> list[SharedIdentifier]:
        """Server: the shared identifiers, from our elements as the client raised them."""
        return self._shared(session_id, [_check(p) for p in double_mine], double_theirs)


def identifiers_from_values(values: Iterable[tuple[str, str]], key: bytes) -> list[Identifier]:
    """Identifiers from (type, raw value) pairs, with their tokens under the project ``key``;
    duplicates (after normalisation) once."""
    out: dict[str, Identifier] = {}
    for type_code, value in values:
        if value and value.strip():
            tok = pseudonym_token(type_code, value, key)
            out.setdefault(tok, Identifier(canonical_type(type_code), value.strip(), tok))
    return list(out.values())


def identifiers_from_reveal_store(store: LeadStore, key: bytes,
                                  types: Sequence[str] = PSI_TYPES) -> list[Identifier]:
    """The identifiers behind this instance's lead tokens, from the encrypted reveal store
    (filled at run time, see :mod:`pisentinel.web.reveal`), limited to ``types``."""
    wanted = set(types)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.reveal_values.c.token, t.reveal_values.c.ciphertext)
                            .join(t.lead_tokens, t.lead_tokens.c.token == t.reveal_values.c.token)
                            .distinct()).all()
    out = []
    for token, sealed in rows:
        type_code = token_type(token)
        if type_code in wanted:
            out.append(Identifier(type_code, decrypt_value(type_code, sealed, key), token))
    return out

"""Who a region is to its peers: an Ed25519 signing key and an X25519 box key, and the public
card it hands to them.

Both keys are derived from the project key (HKDF, purposes ``federation/sign/v1`` and
``federation/box/v1``), so an instance has its identity as long as it has its key and nothing
else must be backed up. A peer is trusted only through the card an analyst installed (exchanged
out of band, e.g. on paper with the collaboration agreement); a name inside a bundle is never
believed by itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from pisentinel.errors import BilingualError
from pisentinel.protect import derive_key

__all__ = ["FederationIdentity", "PeerCard", "TrustError"]


class TrustError(BilingualError, ValueError):
    """A peer card is malformed (message zh / en, never key material)."""


@dataclass(frozen=True)
class PeerCard:
    """A region's public keys: ``verify_key`` (Ed25519) and ``box_key`` (X25519), hex."""

    name: str
    verify_key: str
    box_key: str

    @property
    def fingerprint(self) -> str:
        """16 hex characters naming the signing key (shown to analysts, used in token roles)."""
        return hashlib.sha256(bytes.fromhex(self.verify_key)).hexdigest()[:16]

    def verifier(self) -> VerifyKey:
        return VerifyKey(bytes.fromhex(self.verify_key))

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "verify_key": self.verify_key, "box_key": self.box_key}

    @classmethod
    def from_dict(cls, data: object) -> PeerCard:
        if not isinstance(data, dict):
            raise TrustError("对方名片格式不正确", "malformed peer card")
        try:
            card = cls(str(data["name"]), str(data["verify_key"]), str(data["box_key"]))
            if len(bytes.fromhex(card.verify_key)) != 32 or len(bytes.fromhex(card.box_key)) != 32:
                raise ValueError
        except (KeyError, ValueError):
            raise TrustError("对方名片格式不正确", "malformed peer card") from None
        return card

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> PeerCard:
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError:
            raise TrustError("对方名片不是 JSON", "peer card is not JSON") from None


class FederationIdentity:
    """This instance's keys. ``FederationIdentity.from_project_key(key, "杭州市西湖区检察院")``."""

    def __init__(self, name: str, signing_key: SigningKey, box_key: PrivateKey) -> None:
        self.name = name
        self.signing_key = signing_key
        self.box_key = box_key

    def __repr__(self) -> str:
        return f"FederationIdentity({self.name!r}, {self.card().fingerprint})"

    @classmethod
    def from_project_key(cls, key: bytes, name: str) -> FederationIdentity:
        return cls(name, SigningKey(derive_key(key, "federation/sign/v1")),
                   PrivateKey(derive_key(key, "federation/box/v1")))

    def card(self) -> PeerCard:
        return PeerCard(self.name, self.signing_key.verify_key.encode().hex(),
                        self.box_key.public_key.encode().hex())

    def sign(self, message: bytes) -> bytes:
        """The detached Ed25519 signature of ``message``."""
        return self.signing_key.sign(message).signature

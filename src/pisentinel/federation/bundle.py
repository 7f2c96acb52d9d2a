"""Signed, encrypted lead bundles: leads handed to another region without handing over PI.

A bundle carries leads as the store holds them — pseudonym tokens and masked evidence, never a
raw value (the exporter checks every text field again) — plus, for the recipient only, the link
tokens agreed with it by private set intersection. Layout (JSON)::

    {"format": "pisentinel-bundle/1",
     "header": {"bundle_id", "sender": <card>, "recipient": <fingerprint>, "created_at", "leads"},
     "sealed": base64(SealedBox(recipient box key).encrypt(Ed25519-signed(header + leads))),
     "signature": base64(Ed25519(header ‖ sealed))}

The outer signature lets the recipient refuse a changed or forged bundle before decrypting; the
inner one, under the same key, binds the leads to the header, so a sealed payload cannot be
moved under another header. Only the recipient's box key opens it. Import verifies all of this
against a card the recipient trusts, then merges without duplicates (leads by fingerprint, a
bundle already imported is not applied twice).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PublicKey, SealedBox
from nacl.signing import VerifyKey

from pisentinel.federation.identity import FederationIdentity, PeerCard, TrustError
from pisentinel.leads import (
    Action,
    Evidence,
    Lead,
    LeadStore,
    Subject,
    find_raw_identifiers,
    public_interest_standing,
)
from pisentinel.leads.severity import SeverityAssessment
from pisentinel.leads.store import BundleImport

__all__ = ["FORMAT", "BundleRefused", "OpenedBundle", "export_bundle", "import_bundle",
           "lead_from_dict", "lead_to_dict", "open_bundle"]

FORMAT = "pisentinel-bundle/1"
IMPORT_MODEL = "federation_import"
MAX_BUNDLE_BYTES = 256 * 1024 * 1024


class BundleRefused(ValueError):
    """A bundle that is not accepted: forged, altered, for someone else, or from an untrusted
    sender. ``code`` is stable; messages never quote the bundle's content."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


def federation_role(peer: PeerCard) -> str:
    """The role of link tokens agreed with ``peer`` (``fed:<fingerprint>``)."""
    return f"fed:{peer.fingerprint}"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


def lead_to_dict(lead: Lead) -> dict[str, Any]:
    return {
        "model": lead.model, "kind": lead.kind,
        "subject": {"type": lead.subject.type, "token": lead.subject.token,
                    "display": lead.subject.display},
        "title_zh": lead.title_zh, "summary_zh": lead.summary_zh,
        "title_en": lead.title_en, "summary_en": lead.summary_en,
        "severity": lead.severity.to_dict(), "affected_people": lead.affected_people,
        "standing_threshold": lead.public_interest.threshold,
        "provisions": list(lead.provisions),
        "evidence": [{"source": e.source, "excerpt": e.excerpt, "content_hash": e.content_hash,
                      "row": e.row, "column": e.column, "detail": dict(e.detail)}
                     for e in lead.evidence],
        "records_by_tier": dict(lead.records_by_tier), "counts": dict(lead.counts),
        "linked_tokens": [list(p) for p in lead.linked_tokens],
        "action": lead.recommended.value,
    }


def lead_from_dict(data: Mapping[str, Any]) -> Lead:
    subject = data["subject"]
    return Lead(
        model=str(data["model"]), kind=str(data["kind"]),
        subject=Subject(str(subject["type"]), str(subject["token"]), str(subject["display"])),
        title_zh=str(data["title_zh"]), summary_zh=str(data["summary_zh"]),
        title_en=str(data.get("title_en", "")), summary_en=str(data.get("summary_en", "")),
        severity=SeverityAssessment.from_dict(data["severity"]),
        affected_people=int(data["affected_people"]),
        standing=public_interest_standing(int(data["affected_people"]),
                                          int(data["standing_threshold"])),
        provisions=tuple(str(p) for p in data["provisions"]),
        evidence=tuple(Evidence(source=str(e["source"]), excerpt=str(e["excerpt"]),
                                content_hash=str(e["content_hash"]), row=e.get("row"),
                                column=e.get("column"), detail=dict(e.get("detail") or {}))
                       for e in data["evidence"]),
        records_by_tier={str(k): int(v) for k, v in data["records_by_tier"].items()},
        counts={str(k): int(v) for k, v in data["counts"].items()},
        linked_tokens=tuple((str(tok), str(role)) for tok, role in data["linked_tokens"]),
        action=Action(data["action"]),
    )


def _for_recipient(lead: Lead, recipient: PeerCard) -> Lead:
    """The lead as the recipient may see it: link tokens agreed with other regions dropped,
    no comments or workflow state."""
    own = federation_role(recipient)
    linked = tuple((tok, role) for tok, role in lead.linked_tokens
                   if not role.startswith("fed:") or role == own)
    return Lead(**{**lead_to_kwargs(lead), "linked_tokens": linked})


def lead_to_kwargs(lead: Lead) -> dict[str, Any]:
    return dict(model=lead.model, kind=lead.kind, subject=lead.subject, title_zh=lead.title_zh,
                summary_zh=lead.summary_zh, title_en=lead.title_en, summary_en=lead.summary_en,
                severity=lead.severity, affected_people=lead.affected_people,
                provisions=lead.provisions, evidence=lead.evidence,
                records_by_tier=lead.records_by_tier, counts=lead.counts,
                linked_tokens=lead.linked_tokens, action=lead.recommended,
                standing=lead.public_interest)


def export_bundle(leads: Iterable[Lead], identity: FederationIdentity,
                  recipient: PeerCard) -> bytes:
    """The bundle of ``leads`` (full leads, from :meth:`LeadStore.get`) for ``recipient``."""
    batch = [_for_recipient(lead, recipient) for lead in leads]
    for lead in batch:
        for name, value in lead.text_fields().items():
            if value and find_raw_identifiers(value):
                raise BundleRefused("raw_identifier",
                                    f"线索 {lead.id} 的 {name} 含未脱敏的身份证号或手机号，不能导出",
                                    f"lead {lead.id}: {name} holds an unmasked identifier")
    header = {"bundle_id": uuid.uuid4().hex, "sender": identity.card().to_dict(),
              "recipient": recipient.fingerprint,
              "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "leads": len(batch)}
    inner = identity.signing_key.sign(_canonical(
        {"header": header, "leads": [lead_to_dict(lead) for lead in batch]}))
    sealed = SealedBox(PublicKey(bytes.fromhex(recipient.box_key))).encrypt(bytes(inner))
    signature = identity.sign(_canonical(header) + b"\x1e" + sealed)
    return _canonical({"format": FORMAT, "header": header, "sealed": _b64(sealed),
                       "signature": _b64(signature)})


@dataclass(frozen=True)
class OpenedBundle:
    bundle_id: str
    sender: PeerCard
    created_at: datetime
    leads: tuple[Lead, ...]


def _refuse(code: str) -> BundleRefused:
    messages = {
        "malformed": ("线索包格式不正确或已损坏", "the bundle is malformed or damaged"),
        "untrusted_sender": ("线索包的发送方不在信任名单中", "the bundle's sender is not trusted"),
        "bad_signature": ("线索包签名验证失败：内容已被篡改或并非对方签发",
                          "signature check failed: the bundle was altered or not issued by "
                          "the sender"),
        "wrong_recipient": ("该线索包不是发给本单位的", "the bundle is addressed to another "
                            "instance"),
        "cannot_open": ("无法解密线索包（不是用本单位的公钥加密）",
                        "the bundle cannot be opened with this instance's key"),
        "raw_identifier": ("线索包中含未脱敏的身份证号或手机号，已拒收",
                           "the bundle holds unmasked identifiers and is refused"),
    }
    zh, en = messages[code]
    return BundleRefused(code, zh, en)


def open_bundle(data: bytes, identity: FederationIdentity,
                trusted: Sequence[PeerCard]) -> OpenedBundle:
    """Verify and decrypt a bundle; :class:`BundleRefused` unless every check passes."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _refuse("malformed")
    try:
        outer = json.loads(data)
        header = outer["header"]
        sealed, signature = _unb64(outer["sealed"]), _unb64(outer["signature"])
        claimed = PeerCard.from_dict(header["sender"])
        if outer["format"] != FORMAT or set(header) != {"bundle_id", "sender", "recipient",
                                                        "created_at", "leads"}:
            raise ValueError
    except (ValueError, KeyError, TypeError, TrustError):
        raise _refuse("malformed") from None
    sender = next((c for c in trusted if c.verify_key == claimed.verify_key), None)
    if sender is None:
        raise _refuse("untrusted_sender")
    verifier = VerifyKey(bytes.fromhex(sender.verify_key))
    try:
        verifier.verify(_canonical(header) + b"\x1e" + sealed, signature)
    except BadSignatureError:
        raise _refuse("bad_signature") from None
    if header["recipient"] != identity.card().fingerprint:
        raise _refuse("wrong_recipient")
    try:
        inner = SealedBox(identity.box_key).decrypt(sealed)
    except CryptoError:
        raise _refuse("cannot_open") from None
    try:
        payload = json.loads(verifier.verify(inner))
    except BadSignatureError:
        raise _refuse("bad_signature") from None
    except ValueError:
        raise _refuse("malformed") from None
    if payload.get("header") != header or len(payload.get("leads", ())) != header["leads"]:
        raise _refuse("bad_signature")
    try:
        leads = tuple(lead_from_dict(d) for d in payload["leads"])
        created = datetime.fromisoformat(header["created_at"])
    except (KeyError, ValueError, TypeError):
        raise _refuse("malformed") from None
    for lead in leads:
        if any(v and find_raw_identifiers(v) for v in lead.text_fields().values()):
            raise _refuse("raw_identifier")
    return OpenedBundle(str(header["bundle_id"]), sender, created, leads)


def import_bundle(store: LeadStore, data: bytes, identity: FederationIdentity,
                  trusted: Sequence[PeerCard], *, by: str = "federation") -> BundleImport:
    """Verify a bundle and merge its leads into ``store`` (one run per bundle, logged in
    ``federation_imports`` and the audit log). Link tokens the sender agreed with this instance
    keep working; they are relabelled with the sender's role, as this side stored them."""
    opened = open_bundle(data, identity, trusted)
    mine, theirs = federation_role(identity.card()), federation_role(opened.sender)
    leads = [Lead(**{**lead_to_kwargs(lead), "linked_tokens": tuple(
        (tok, theirs if role == mine else role) for tok, role in lead.linked_tokens)})
        for lead in opened.leads]
    run_id = store.start_run(IMPORT_MODEL, params={
        "bundle_id": opened.bundle_id, "sender": opened.sender.name,
        "sender_key": opened.sender.fingerprint})
    record = store.import_leads(run_id, leads, bundle_id=opened.bundle_id,
                                sender=opened.sender.name,
                                sender_key=opened.sender.fingerprint,
                                bundle_created_at=opened.created_at)
    store.finish_run(run_id, counts={"leads": record.inserted + record.updated})
    store.audit(by, "federation.import", "bundle", opened.bundle_id, None,
                {"sender": opened.sender.name, "sender_key": opened.sender.fingerprint,
                 "leads": record.leads, "inserted": record.inserted,
                 "updated": record.updated})
    return record

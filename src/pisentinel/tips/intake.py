"""Tip intake: a citizen's report becomes a ``public_tip`` lead, the reporter's PI masked.

What a tip keeps, and where:

* the lead (model ``public_tip``): the named subject's display and, as a linked token, its
  pseudonym token (role ``named_subject``), tokens of identifiers mentioned in the text (role
  ``mentioned``: the recruiter's phone the reporter quotes), and the report as evidence with every
  PI finding masked — so the store's guard and the console see masked text only;
* the tip record (table ``tips``): the SHA-256 of the receipt code, the reporter's contact sealed
  with :func:`pisentinel.protect.encrypt_value` (no clear copy anywhere), the files' masked names,
  types, sizes and digests;
* the files, sealed with AES-GCM under a key derived from the project key, in ``files_dir``.

Each tip gets its own lead (its subject token is a per-tip token), so ten tips about one app are
ten leads that share the app's token: :meth:`LeadStore.linked_leads` joins them to each other and
to model leads about the app, and :func:`pisentinel.tips.ranking.rank_subjects` counts them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pisentinel.detect import scan_text
from pisentinel.leads import Evidence, Lead, LeadStatus, LeadStore, Subject, severity_for
from pisentinel.leads import schema as t
from pisentinel.leads.store import TipRecord, find_raw_identifiers
from pisentinel.protect import derive_key, encrypt_value, mask_value, pseudonym_token, redact_text
from pisentinel.tips.limits import RateLimiter, TipRejected, UploadPolicy
from pisentinel.tips.receipt import new_receipt_code, receipt_hash
from pisentinel.tips.subject import SUBJECT_KINDS, NamedSubject, SubjectError, name_subject

__all__ = ["MODEL", "SCENARIOS", "TipDesk", "TipForm", "TipReceipt", "TipStatus", "Upload"]

MODEL = "public_tip"
CONTACT_TYPE = "TIP_CONTACT"
MAX_TEXT = 5000
MAX_SHORT = 200

# scenario → (label zh, label en, provisions cited)
SCENARIOS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "parking_app": ("智慧停车 App 过度收集（如不授权定位就不能缴费）",
                    "parking app collecting more than it needs", ("PIPL-6", "PIPL-10")),
    "face_recognition": ("人脸识别（如小区、售楼处只能刷脸进入）",
                         "face recognition as the only way in", ("PIPL-26", "PIPL-29")),
    "fake_recruitment": ("虚假招聘收集个人信息", "fake job postings harvesting PI",
                         ("PIPL-10",)),
    "doxxing": ("网络开盒、人肉搜索", "doxxing", ("PIPL-10", "CIVIL-1034")),
    "deceased_info": ("逝者信息泄露（如殡葬公司抢先联系家属）", "leaks of deceased patients' "
                      "information", ("PIPL-10", "CIVIL-994")),
    "scalper_booking": ("黄牛抢票、冒用身份信息预约", "scalpers booking with others' IDs",
                        ("PIPL-10",)),
    "other": ("其他侵害个人信息的行为", "another infringement of personal information",
              ("PIPL-10",)),
}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class TipForm:
    """What the public page collects. ``also_named``: further (kind, value) names of the same
    subject (its package name, its USCC), each linked by its token."""

    scenario: str
    subject_kind: str
    subject_name: str
    description: str
    when: str = ""
    where: str = ""
    contact: str = ""
    also_named: Sequence[tuple[str, str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class TipReceipt:
    """Returned once: ``code`` is shown to the reporter and stored nowhere."""

    code: str
    tip: TipRecord


@dataclass(frozen=True)
class TipStatus:
    """What a receipt code shows its holder: no content of the tip, only its progress."""

    scenario: str
    subject_display: str
    status: LeadStatus
    received_at: datetime
    updated_at: datetime
    additions: int
    files: int

    def status_label(self, lang: str = "zh") -> str:
        if lang == "en":
            return {"new": "received", "reviewing": "under review", "confirmed": "accepted",
                    "dismissed": "closed", "filed": "case opened"}[self.status.value]
        return {"new": "已收到，待处理", "reviewing": "正在核查", "confirmed": "已受理",
                "dismissed": "已办结", "filed": "已立案"}[self.status.value]


_DIGIT_RUN = re.compile(r"[0-9０-９][0-9０-９Xx \-]{9,}[0-9０-９Xx]")


def mask_pi(text: str) -> str:
    """``text`` with the PI the detector finds masked, then any digit run the store's own guard
    still reads as an ID or mobile number starred (the guard refuses such leads)."""
    findings = [f for f in scan_text(text) if f.score >= 0.5]
    masked = redact_text(text, findings, "mask") if findings else text
    if find_raw_identifiers(masked):
        masked = _DIGIT_RUN.sub(lambda m: re.sub(r"[0-9０-９Xx]", "*", m.group()), masked)
    return masked


class TipDesk:
    """Takes tips and follow-ups into a :class:`LeadStore`.

    ``key`` is the project key: tokens, the sealed contact and the sealed files are under it.
    ``submissions`` limits tips and follow-ups per client; ``lookups`` limits receipt-code
    attempts per client (a wrong code counts, so codes cannot be guessed at speed). A call
    with ``client=None`` (an internal caller, a test) is not limited.
    """

    def __init__(self, store: LeadStore, key: bytes, files_dir: Path, *,
                 uploads: UploadPolicy | None = None,
                 submissions: RateLimiter | None = None,
                 lookups: RateLimiter | None = None) -> None:
        self.store = store
        self.key = key
        self.files_dir = Path(files_dir)
        self.uploads = uploads or UploadPolicy()
        self.submissions = submissions or RateLimiter(5, 3600.0)
        self.lookups = lookups or RateLimiter(20, 3600.0)
        self._file_aead = AESGCM(derive_key(key, "tips/files/v1"))
        self._hash_key = derive_key(key, "tips/evidence-hash/v1")

    # --- intake -----------------------------------------------------------------------------

    def submit(self, form: TipForm, files: Sequence[Upload] = (), *,
               client: str | None = None) -> TipReceipt:
        """Check, mask, tokenise and store one tip; the receipt carries the code to show."""
        scenario, named, also = self._check(form)
        self._limit(self.submissions, client)
        types = self.uploads.check([(f.filename, f.data) for f in files])
        attachments = [self._seal_file(f, media_type) for f, media_type in zip(
            files, types, strict=True)]
        code = new_receipt_code()
        digest = receipt_hash(code)
        assert digest is not None
        contact = form.contact.strip()
        lead = self._lead(form, scenario, named, also, attachments, contact)
        run_id = self._ensure_run()
        record = self.store.add_tip(
            run_id, lead, receipt_hash=digest, scenario=scenario, subject_token=named.token,
            contact_ciphertext=encrypt_value(CONTACT_TYPE, contact, self.key) if contact else None,
            attachments=attachments)
        self._finish_run(run_id)
        return TipReceipt(code, record)

    def follow_up(self, code: str, text: str, files: Sequence[Upload] = (), *,
                  client: str | None = None) -> TipStatus:
        """Add information to the tip ``code`` opens (new masked evidence on its lead)."""
        text = text.strip()
        if not text and not files:
            raise TipRejected("empty", "请填写补充内容或上传文件", "add text or a file")
        if len(text) > MAX_TEXT:
            raise TipRejected("too_long", f"补充内容不能超过 {MAX_TEXT} 字",
                              f"at most {MAX_TEXT} characters")
        record = self._open(code, client)
        self._limit(self.submissions, client)
        types = self.uploads.check([(f.filename, f.data) for f in files])
        attachments = [self._seal_file(f, media_type) for f, media_type in zip(
            files, types, strict=True)]
        stored = self.store.get(record.lead_id)
        n = record.additions + 1
        excerpt = mask_pi(text) if text else "（仅补充文件）"
        evidence = Evidence(
            source="公众举报·补充", column=f"addition_{n}", excerpt=excerpt,
            content_hash=self._content_hash(text, *(str(a["sha256"]) for a in attachments)),
            detail={"files": [a["name"] for a in attachments]})
        lead = replace(stored, evidence=(evidence,), comments=(),
                       counts={**stored.counts, "additions": n,
                               "files": stored.counts.get("files", 0) + len(attachments)})
        run_id = self._ensure_run()
        self.store.add_to_tip(record.id, run_id, lead, attachments)
        self._finish_run(run_id)
        return self.status(code, client=client, count=False)

    def status(self, code: str, *, client: str | None = None, count: bool = True) -> TipStatus:
        """The progress of the tip ``code`` opens (:class:`TipRejected` if none)."""
        record = self._open(code, client) if count else self._open(code, None)
        lead = self.store.get(record.lead_id)
        return TipStatus(scenario=record.scenario, subject_display=lead.subject.display,
                         status=lead.status, received_at=record.created_at,
                         updated_at=record.updated_at, additions=record.additions,
                         files=len(record.attachments))

    def read_file(self, tip: TipRecord, index: int) -> tuple[str, str, bytes]:
        """(masked name, media type, content) of a tip's file, for an authorised analyst."""
        meta = tip.attachments[index]
        sealed = (self.files_dir / meta["stored"]).read_bytes()
        data = self._file_aead.decrypt(sealed[:12], sealed[12:], meta["sha256"].encode())
        return meta["name"], meta["type"], data

    # --- internals ---------------------------------------------------------------------------

    def _check(self, form: TipForm) -> tuple[str, NamedSubject, list[NamedSubject]]:
        if form.scenario not in SCENARIOS:
            raise TipRejected("scenario", "请选择举报场景", "choose a scenario")
        description = form.description.strip()
        if len(description) < 5:
            raise TipRejected("description", "请描述发生了什么（至少 5 个字）",
                              "describe what happened (5 characters at least)")
        if len(description) > MAX_TEXT:
            raise TipRejected("too_long", f"描述不能超过 {MAX_TEXT} 字",
                              f"the description is limited to {MAX_TEXT} characters")
        if any(len(v) > MAX_SHORT for v in (form.when, form.where, form.contact)):
            raise TipRejected("too_long", f"时间、地点、联系方式各不超过 {MAX_SHORT} 字",
                              f"when, where and contact are limited to {MAX_SHORT} characters")
        try:
            named = name_subject(form.subject_kind, form.subject_name, self.key)
            also = [name_subject(kind, value, self.key) for kind, value in form.also_named[:5]
                    if value.strip()]
        except SubjectError as e:
            raise TipRejected("subject", e.message_zh, e.message_en) from None
        return form.scenario, named, also

    def _limit(self, limiter: RateLimiter, client: str | None) -> None:
        if client is not None and not limiter.allow(client or "-"):
            raise TipRejected("rate_limited", "提交过于频繁，请稍后再试",
                              "too many requests; try again later", 429)

    def _open(self, code: str, client: str | None) -> TipRecord:
        self._limit(self.lookups, client)
        digest = receipt_hash(code)
        record = self.store.tip(receipt_hash=digest) if digest else None
        if record is None:
            raise TipRejected("unknown_receipt", "回执码无效，请核对后重试",
                              "no tip has this receipt code", 404)
        return record

    def _content_hash(self, *parts: str) -> str:
        """Keyed, so a short text (a bare phone number) cannot be recovered by guessing."""
        mac = hmac.new(self._hash_key, "\x1f".join(parts).encode(), hashlib.sha256)
        return "hmac-sha256:" + mac.hexdigest()

    def _seal_file(self, upload: Upload, media_type: str) -> dict[str, object]:
        digest = hashlib.sha256(upload.data).hexdigest()
        self.files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        nonce = os.urandom(12)
        stored = f"{digest[:32]}-{secrets.token_hex(4)}.sealed"
        path = self.files_dir / stored
        path.write_bytes(nonce + self._file_aead.encrypt(nonce, upload.data, digest.encode()))
        path.chmod(0o600)
        name = re.sub(r"[^\w.\-\u4e00-\u9fff*]", "_", mask_pi(Path(upload.filename).name))[:80]
        return {"name": name or "file", "type": media_type, "size": len(upload.data),
                "sha256": digest, "stored": stored}

    def _lead(self, form: TipForm, scenario: str, named: NamedSubject,
              also: list[NamedSubject], attachments: list[dict[str, object]],
              contact: str) -> Lead:
        label_zh, label_en, provisions = SCENARIOS[scenario]
        description = form.description.strip()
        masked = mask_pi(description)
        when, where = mask_pi(form.when.strip()), mask_pi(form.where.strip())
        linked: dict[str, str] = {named.token: "named_subject"}
        for other in also:
            linked.setdefault(other.token, "named_subject")
        for finding in scan_text(description):
            if finding.score >= 0.5 and finding.type not in ("PERSON_NAME", "ADDRESS"):
                linked.setdefault(pseudonym_token(finding.type, finding.text, self.key),
                                  "mentioned")
        contact_shown = ""
        if contact:
            found = [f for f in scan_text(contact) if f.score >= 0.5]
            contact_shown = (mask_value(found[0].type, found[0].text) if found
                             else "*" * min(len(contact), 8))
        tip_token = pseudonym_token("PUBLIC_TIP", secrets.token_hex(16), self.key)
        kind_label = SUBJECT_KINDS[named.kind][2]
        short = label_zh.split("（")[0]
        parts = [f"公众举报（{short}）：被举报对象为{kind_label}“{named.display}”。"]
        if when:
            parts.append(f"发生时间：{when}。")
        if where:
            parts.append(f"地点：{where}。")
        parts.append(f"举报内容：{masked[:300]}{'……' if len(masked) > 300 else ''}")
        if attachments:
            parts.append(f"（附 {len(attachments)} 个文件）")
        detail: dict[str, object] = {"scenario": scenario, "subject_kind": named.kind,
                                     "files": [a["name"] for a in attachments]}
        if when:
            detail["when"] = when
        if where:
            detail["where"] = where
        if contact_shown:
            detail["contact"] = contact_shown
        return Lead(
            model=MODEL, kind="public_tip",
            subject=Subject(named.type, tip_token, named.display),
            title_zh=f"公众举报：{named.display}（{short}）",
            title_en=f"Public tip: {named.display} ({label_en})",
            summary_zh="".join(parts),
            summary_en=f"A member of the public reports {label_en} by the {named.kind} "
                       f"“{named.display}”.",
            severity=severity_for({}), affected_people=1, provisions=provisions,
            evidence=(Evidence(source="公众举报", column="description", excerpt=masked,
                               content_hash=self._content_hash(
                                   description, *(str(a["sha256"]) for a in attachments)),
                               detail=detail),),
            counts={"tips": 1, "files": len(attachments), "additions": 0},
            linked_tokens=tuple((tok, role) for tok, role in linked.items()
                                if tok != tip_token),
        )

    def _ensure_run(self) -> str:
        """One run per day holds the day's tips (the runs page is not flooded by them)."""
        run_id = f"{MODEL}-{datetime.now(UTC):%Y%m%d}"
        try:
            self.store.get_run(run_id)
        except KeyError:
            with contextlib.suppress(sa.exc.IntegrityError):  # another request was first
                self.store.start_run(MODEL, run_id=run_id, params={"source": "公众举报"})
        return run_id

    def _finish_run(self, run_id: str) -> None:
        with self.store.engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(t.leads)
                             .where(t.leads.c.last_run_id == run_id)).scalar_one()
        self.store.finish_run(run_id, counts={"leads": int(n)})

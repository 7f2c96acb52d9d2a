"""The case lead (线索): subject, evidence, counts, severity, legal basis, action, status.

A lead never holds a raw identifier. The subject is a keyed pseudonym token (so leads from
different datasets and models link) plus a masked display name; evidence excerpts are masked and
point back to their source by file, row and content hash. :mod:`pisentinel.leads.store` refuses
leads whose text fields still contain an unmasked ID number or mobile number.

Status workflow (状态流转)::

    new        → reviewing
    reviewing  → confirmed | dismissed* | new
    confirmed  → filed | reviewing*      (* reason required)
    dismissed  → reviewing*
    filed      → (final)

``reviewing → new`` is allowed (an analyst hands a lead back to the queue); ``filed`` is final:
a filed case is corrected by a new lead, not by editing the record. Dismissing and reopening need a
reason, which goes to the status history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pisentinel.knowledge.provisions import Provision, provision
from pisentinel.leads.severity import (
    Action,
    SeverityAssessment,
    StandingAssessment,
    public_interest_standing,
    recommended_action,
)

__all__ = [
    "REASON_REQUIRED",
    "TRANSITIONS",
    "Comment",
    "Evidence",
    "InvalidTransition",
    "Lead",
    "LeadStatus",
    "StatusChange",
    "Subject",
    "check_transition",
    "lead_fingerprint",
]


class LeadStatus(StrEnum):
    NEW = "new"
    REVIEWING = "reviewing"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    FILED = "filed"

    @property
    def label_zh(self) -> str:
        return {"new": "新线索", "reviewing": "审查中", "confirmed": "已确认",
                "dismissed": "已排除", "filed": "已立案"}[self.value]


TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({LeadStatus.REVIEWING}),
    LeadStatus.REVIEWING: frozenset({LeadStatus.CONFIRMED, LeadStatus.DISMISSED, LeadStatus.NEW}),
    LeadStatus.CONFIRMED: frozenset({LeadStatus.FILED, LeadStatus.REVIEWING}),
    LeadStatus.DISMISSED: frozenset({LeadStatus.REVIEWING}),
    LeadStatus.FILED: frozenset(),
}

REASON_REQUIRED: frozenset[tuple[LeadStatus, LeadStatus]] = frozenset({
    (LeadStatus.REVIEWING, LeadStatus.DISMISSED),
    (LeadStatus.DISMISSED, LeadStatus.REVIEWING),
    (LeadStatus.CONFIRMED, LeadStatus.REVIEWING),
})


class InvalidTransition(ValueError):
    """A status change the workflow does not allow (message in Chinese and English)."""


def check_transition(current: LeadStatus | str, new: LeadStatus | str,
                     reason: str | None = None) -> None:
    cur, nxt = LeadStatus(current), LeadStatus(new)
    if nxt not in TRANSITIONS[cur]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[cur])) or "无 / none"
        raise InvalidTransition(
            f"线索状态不能从“{cur.label_zh}”改为“{nxt.label_zh}” / status cannot go from "
            f"{cur.value} to {nxt.value}; allowed: {allowed}")
    if (cur, nxt) in REASON_REQUIRED and not (reason and reason.strip()):
        raise InvalidTransition(
            f"从“{cur.label_zh}”改为“{nxt.label_zh}”须说明理由 / a reason is required for "
            f"{cur.value} → {nxt.value}")


@dataclass(frozen=True)
class Subject:
    """Who or what the lead is about: an app, a company, an account, a phone behind postings.

    ``token`` is the keyed pseudonym token of the identifying value (HMAC from
    ``pisentinel.protect``); ``display`` is a masked name fit for a screen (``某某科技有限公司``,
    ``138****5678``).
    """

    type: str
    token: str
    display: str


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: a masked excerpt and where it came from.

    ``content_hash`` is the hash of the source row or file content, so the excerpt can be
    matched to the original in the case file without the lead carrying the original.
    ``detail["item"]`` tells apart items drawn from one source without a row (a ring's three
    most-booked ID numbers): a token or a label, never a raw value. It lives in ``detail`` so
    that stores and exchange bundles keep it without a field of their own.
    """

    source: str
    excerpt: str
    content_hash: str
    row: int | None = None
    column: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str | int | None, ...]:
        """Evidence identity within a lead: the same cell of the same content is one item, and
        so is the same item of an aggregate (items without one keep their old identity)."""
        base = (self.source, self.row, self.column, self.content_hash)
        item = self.detail.get("item")
        return base if item is None else (*base, str(item))


@dataclass(frozen=True)
class Comment:
    author: str
    text: str
    created_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class StatusChange:
    from_status: LeadStatus | None
    to_status: LeadStatus
    by: str
    reason: str | None
    at: datetime


def lead_fingerprint(model: str, subject_token: str, kind: str) -> str:
    """Identity of a lead across runs: same model, same subject, same kind of finding."""
    raw = "\x1f".join((model, subject_token, kind)).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:40]


@dataclass(frozen=True)
class Lead:
    """A case lead as a screening model builds it and the store returns it.

    ``kind`` names the kind of finding (``harvesting_posting``, ``bundled_identifiers`` …) and,
    with model and subject token, makes the fingerprint that deduplicates across runs.
    ``linked_tokens`` are further pseudonym tokens in the lead (the phone behind a fake job
    posting) through which leads of different models link. ``records_by_tier`` counts records per
    tier of the 2017 interpretation (T1/T2/T3); ``counts`` holds model-specific counts.
    Store-side fields (id, status, timestamps, runs) are None until stored.
    """

    model: str
    kind: str
    subject: Subject
    title_zh: str
    summary_zh: str
    severity: SeverityAssessment
    affected_people: int
    provisions: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    records_by_tier: Mapping[str, int] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    linked_tokens: tuple[tuple[str, str], ...] = ()
    title_en: str = ""
    summary_en: str = ""
    action: Action | None = None
    standing: StandingAssessment | None = None
    id: int | None = None
    status: LeadStatus = LeadStatus.NEW
    created_at: datetime | None = None
    updated_at: datetime | None = None
    first_run: str | None = None
    last_run: str | None = None
    comments: tuple[Comment, ...] = ()

    @property
    def fingerprint(self) -> str:
        return lead_fingerprint(self.model, self.subject.token, self.kind)

    @property
    def public_interest(self) -> StandingAssessment:
        """众多个人 standing: the one given, else the default screening threshold."""
        return self.standing or public_interest_standing(self.affected_people)

    @property
    def recommended(self) -> Action:
        """The action given, else the one :func:`recommended_action` derives."""
        if self.action is not None:
            return self.action
        return recommended_action(self.severity, self.public_interest).primary

    def resolved_provisions(self) -> list[Provision]:
        """The cited provisions with their text, from the knowledge base."""
        return [provision(pid) for pid in self.provisions]

    def tokens(self) -> tuple[tuple[str, str], ...]:
        """(token, role) pairs this lead links by: its subject first, then linked tokens."""
        seen: dict[str, str] = {self.subject.token: "subject"}
        for token, role in self.linked_tokens:
            seen.setdefault(token, role)
        return tuple(seen.items())

    def text_fields(self) -> dict[str, str]:
        """Every free-text field a person reads (what the store scans for raw identifiers)."""
        out = {"title_zh": self.title_zh, "summary_zh": self.summary_zh,
               "title_en": self.title_en, "summary_en": self.summary_en,
               "subject.display": self.subject.display, "subject.type": self.subject.type,
               "kind": self.kind}
        for i, ev in enumerate(self.evidence):
            out[f"evidence[{i}].excerpt"] = ev.excerpt
            out[f"evidence[{i}].source"] = ev.source
            if ev.column:
                out[f"evidence[{i}].column"] = ev.column
            for key, value in _flatten(ev.detail, f"evidence[{i}].detail"):
                out[key] = value
        return out


def _flatten(value: Any, prefix: str) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return [kv for k, v in value.items() for kv in _flatten(v, f"{prefix}.{k}")]
    if isinstance(value, list | tuple):
        return [kv for i, v in enumerate(value) for kv in _flatten(v, f"{prefix}[{i}]")]
    if isinstance(value, str):
        return [(prefix, value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [(prefix, str(value))]  # a bare int can be an unmasked phone number
    return []

"""LeadStore: case leads, their runs, evidence, links, workflow and audit log in SQL.

SQLite (a file in the workspace) by default, PostgreSQL by URL (``postgresql+psycopg://…``).
Opening a store upgrades its schema to the newest migration. Every write is one transaction, so
a crash in the middle of a batch leaves the store as it was before the batch.

Leads are deduplicated across runs by fingerprint (model + subject token + kind of finding): a
re-run refreshes counts, severity and texts, adds new evidence and tokens and moves ``last_run``,
and keeps status, comments and history. Counts and severity describe the latest run.

Evidence accumulates across runs over different data (last month's crawl and this month's), but
never contradicts the lead's texts: an item a run reports again (same source, row, column and
content) is rewritten with this run's excerpt and detail, and the evidence an earlier run wrote
is dropped from the leads a later run refreshes when the later run read all of the earlier one's
inputs again (the same content hashes: a rerun with other parameters or rules). Runs recorded
without inputs (tips, imported bundles, hand-made runs) are never superseded that way.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pisentinel.knowledge.provisions import provisions
from pisentinel.leads import schema as t
from pisentinel.leads.model import (
    Comment,
    Evidence,
    Lead,
    LeadStatus,
    StatusChange,
    Subject,
    check_transition,
)
from pisentinel.leads.severity import (
    Action,
    SeverityAssessment,
    SeverityLevel,
    public_interest_standing,
)

__all__ = [
    "AuditEntry",
    "BundleImport",
    "LeadPage",
    "LeadStore",
    "LinkedLead",
    "RawIdentifier",
    "Run",
    "TipRecord",
    "UnknownLead",
    "UnmaskedIdentifierError",
    "UpsertResult",
    "default_url",
    "find_raw_identifiers",
]

MAX_PAGE = 1000


def default_url() -> str:
    """``PISENTINEL_LEADS_URL`` if set, else ``sqlite:///<workspace>/leads.db`` where the
    workspace is ``PISENTINEL_WORKSPACE`` or ``./.pisentinel``."""
    if url := os.environ.get("PISENTINEL_LEADS_URL"):
        return url
    workspace = Path(os.environ.get("PISENTINEL_WORKSPACE", ".pisentinel")).expanduser()
    return f"sqlite:///{workspace.resolve() / 'leads.db'}"


# --- the raw-identifier guard -------------------------------------------------------------

_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class RawIdentifier:
    """Where a raw identifier sits in a text: its kind and offset, never its value."""

    kind: str
    start: int


# Hashes, run ids and tokens: long lower-case hex runs whose digits are never an identifier.
_DIGEST = re.compile(r"(?<![0-9a-z])[0-9a-f]{24,}(?![0-9a-z])")


def _id_checksum_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def find_raw_identifiers(text: str) -> list[RawIdentifier]:
    """Unmasked 18-digit resident ID numbers (valid ISO 7064 checksum) and 11-digit mainland
    mobile numbers (also written 3-4-4 with spaces or hyphens, or in full-width digits).

    A cheap check of the store's own, independent of ``pisentinel.detect``: it backs the rule
    that leads hold tokens and masked text only. Offsets refer to the NFKC-folded text."""
    hits: set[RawIdentifier] = set()
    for variant in {text, unicodedata.normalize("NFKC", text)}:
        digests = [m.span() for m in _DIGEST.finditer(variant)]

        def in_digest(m: re.Match[str], spans: list[tuple[int, int]] = digests) -> bool:
            return any(a <= m.start() and m.end() <= b for a, b in spans)

        hits.update(RawIdentifier("CN_ID_CARD", m.start()) for m in _ID18.finditer(variant)
                    if _id_checksum_ok(m.group()) and not in_digest(m))
        hits.update(RawIdentifier("PHONE_NUMBER", m.start()) for m in _MOBILE.finditer(variant)
                    if not in_digest(m))
    return sorted(hits, key=lambda h: (h.start, h.kind))


class UnmaskedIdentifierError(ValueError):
    """A lead, comment or reason still holds a raw identifier. The message names the field and
    the kind, never the value."""


_KIND_ZH = {"CN_ID_CARD": "身份证号码", "PHONE_NUMBER": "手机号码"}


def _guard(fields: Mapping[str, str], what: str) -> None:
    for name, value in fields.items():
        if not value:
            continue
        hits = find_raw_identifiers(value)
        if hits:
            hit = hits[0]
            raise UnmaskedIdentifierError(
                f"{what} 的字段 {name} 含未脱敏的{_KIND_ZH[hit.kind]}（位置 {hit.start}），"
                f"请先脱敏或替换为假名令牌 / {what}: field {name} holds an unmasked "
                f"{hit.kind} at offset {hit.start}; mask it or replace it with a pseudonym token")


# --- results ------------------------------------------------------------------------------


class UnknownLead(KeyError):
    pass


@dataclass(frozen=True)
class Run:
    id: str
    model: str
    started_at: datetime
    finished_at: datetime | None
    params: dict[str, Any]
    inputs: list[dict[str, Any]]
    versions: dict[str, str]
    counts: dict[str, int]
    status: str


@dataclass(frozen=True)
class UpsertResult:
    inserted: tuple[int, ...]
    updated: tuple[int, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return self.inserted + self.updated


@dataclass(frozen=True)
class LinkedLead:
    lead: Lead
    shared_tokens: tuple[str, ...]


@dataclass(frozen=True)
class LeadPage:
    items: tuple[Lead, ...]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    reason: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _KnownLead:
    """A stored lead as one upsert call sees it. ``evidence``: each stored evidence key and the
    run that wrote it; ``stale``: the keys written by runs this call's run supersedes (see the
    module docstring); ``written``: keys this call has written, so the first of two items with
    one key in a batch wins, as it always did."""

    id: int
    evidence: dict[str, str]
    tokens: set[str]
    stale: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)


def _now() -> datetime:
    return datetime.now(UTC)


def _check_leads(batch: Sequence[Lead]) -> None:
    known_provisions = provisions()
    for lead in batch:
        _guard(lead.text_fields(), f"线索/lead {lead.model}:{lead.kind}")
        unknown = [p for p in lead.provisions if p not in known_provisions]
        if unknown:
            raise ValueError(f"lead {lead.model}:{lead.kind} cites unknown provision ids "
                             f"{unknown}; see knowledge/data/provisions.yaml")


@dataclass(frozen=True)
class TipRecord:
    """The intake record of a public tip beside its lead: never the receipt code or the
    reporter's contact in clear (the code's SHA-256, the contact sealed)."""

    id: int
    lead_id: int
    scenario: str
    subject_type: str
    subject_token: str
    contact_ciphertext: str | None
    attachments: list[dict[str, Any]]
    additions: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BundleImport:
    """One signed lead bundle imported from another region (its leads' first run is run_id)."""

    bundle_id: str
    sender: str
    sender_key: str
    run_id: str
    bundle_created_at: datetime
    imported_at: datetime
    leads: int
    inserted: int
    updated: int


def _evidence_key(ev: Evidence) -> str:
    raw = "\x1f".join(str(p) for p in ev.key).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:40]


def _input_hashes(inputs: Any) -> frozenset[str]:
    """The content hashes of a run's recorded inputs; empty when the run names no inputs or
    any of them without a hash (such a run cannot be told to have been read again)."""
    if not isinstance(inputs, list) or not inputs:
        return frozenset()
    hashes = [i.get("content_hash") if isinstance(i, dict) else None for i in inputs]
    return frozenset(map(str, hashes)) if all(hashes) else frozenset()


def _superseded_runs(conn: sa.Connection, run_id: str, earlier: set[str]) -> set[str]:
    """The runs among ``earlier`` whose evidence ``run_id`` replaces: every input they read,
    ``run_id`` read again (by content hash), so what it found there is the current account of
    that data. Runs over other data keep their evidence: it accumulates."""
    candidates = sorted(earlier - {run_id})
    if not candidates:
        return set()
    inputs: dict[str, frozenset[str]] = {}
    for i in range(0, len(candidates), 500):
        ids = [run_id, *candidates[i:i + 500]]
        for rid, recorded in conn.execute(sa.select(t.runs.c.id, t.runs.c.inputs)
                                          .where(t.runs.c.id.in_(ids))):
            inputs[rid] = _input_hashes(recorded)
    mine = inputs.get(run_id, frozenset())
    return {r for r in candidates if inputs.get(r) and inputs[r] <= mine} if mine else set()


# --- the store ----------------------------------------------------------------------------


class LeadStore:
    """Leads in SQLite or PostgreSQL. ``LeadStore(url)`` migrates the schema to head."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = url or default_url()
        sa_url = sa.make_url(self.url)
        if sa_url.get_backend_name() == "sqlite" and sa_url.database not in (None, "", ":memory:"):
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(sa_url, echo=echo)
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine)
        self._migrate()

    def __repr__(self) -> str:
        return f"LeadStore({sa.make_url(self.url).render_as_string(hide_password=True)!r})"

    def __enter__(self) -> LeadStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _migrate(self) -> None:
        from alembic import command  # imported here: most commands never migrate
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("pisentinel.leads").joinpath("migrations")))
        with self._write() as conn:
            if self.dialect == "postgresql":  # one migrator at a time
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7411031)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite, so readers-turned-writers never
        fail half-way on a lock upgrade)."""
        with self.engine.connect() as conn:
            conn.execution_options(pisentinel_write=True)
            with conn.begin():
                yield conn

    # --- runs ------------------------------------------------------------------------------

    def start_run(self, model: str, *, params: Mapping[str, Any] | None = None,
                  inputs: Sequence[Mapping[str, Any]] = (),
                  versions: Mapping[str, str] | None = None, run_id: str | None = None) -> str:
        """Record the start of a screening run. ``inputs``: one mapping per input, e.g.
        ``{"path": "jobs.parquet", "content_hash": "sha256:…", "rows": 120000}``."""
        rid = run_id or uuid.uuid4().hex
        with self._write() as conn:
            conn.execute(t.runs.insert().values(
                id=rid, model=model, started_at=_now(), finished_at=None,
                params=dict(params or {}), inputs=[dict(i) for i in inputs],
                versions=dict(versions or {}), counts={}, status="running"))
        return rid

    def finish_run(self, run_id: str, *, status: str = "succeeded",
                   counts: Mapping[str, int] | None = None) -> None:
        with self._write() as conn:
            done = conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(
                finished_at=_now(), status=status, counts=dict(counts or {})))
            if done.rowcount != 1:
                raise KeyError(f"unknown run {run_id!r}")

    def get_run(self, run_id: str) -> Run:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).mappings().first()
        if row is None:
            raise KeyError(f"unknown run {run_id!r}")
        return Run(**dict(row))

    # --- leads -----------------------------------------------------------------------------

    def upsert_leads(self, run_id: str, leads: Iterable[Lead]) -> UpsertResult:
        """Insert new leads and refresh known ones (by fingerprint), in one transaction.

        Refuses the whole batch (:class:`UnmaskedIdentifierError`) if any lead's text fields
        hold an unmasked ID number or mobile number, and (ValueError) if a lead cites a
        provision id the knowledge base does not have. Idempotent: the same batch twice leaves the
        same leads, evidence and tokens.
        """
        batch = list(leads)
        _check_leads(batch)
        inserted: list[int] = []
        updated: list[int] = []
        now = _now()
        with self._write() as conn:
            if conn.execute(sa.select(t.runs.c.id).where(t.runs.c.id == run_id)).first() is None:
                raise KeyError(f"unknown run {run_id!r}; call start_run first")
            known = self._known(conn, {lead.fingerprint for lead in batch}, run_id)
            for lead in batch:
                lead_id, is_new = self._upsert_one(conn, run_id, lead, now, known)
                (inserted if is_new else updated).append(lead_id)
        return UpsertResult(tuple(inserted), tuple(updated))

    def _known(self, conn: sa.Connection, fingerprints: set[str], run_id: str
               ) -> dict[str, _KnownLead]:
        """Stored leads among these fingerprints, with their evidence keys (and which of them
        ``run_id`` supersedes) and tokens (locked for update on PostgreSQL), fetched in a few
        queries rather than per lead."""
        out: dict[str, _KnownLead] = {}
        ordered = sorted(fingerprints)
        for i in range(0, len(ordered), 500):
            query = sa.select(t.leads.c.id, t.leads.c.fingerprint).where(
                t.leads.c.fingerprint.in_(ordered[i:i + 500])).order_by(t.leads.c.id)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            for lead_id, fp in conn.execute(query):
                out[fp] = _KnownLead(lead_id, {}, set())
        by_id = {k.id: k for k in out.values()}
        ids = sorted(by_id)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for lead_id, key, written_by in conn.execute(
                    sa.select(t.evidence.c.lead_id, t.evidence.c.evidence_key,
                              t.evidence.c.run_id).where(t.evidence.c.lead_id.in_(chunk))):
                by_id[lead_id].evidence[key] = written_by
            for lead_id, token in conn.execute(sa.select(t.lead_tokens.c.lead_id,
                                                         t.lead_tokens.c.token)
                                               .where(t.lead_tokens.c.lead_id.in_(chunk))):
                by_id[lead_id].tokens.add(token)
        earlier = {r for k in out.values() for r in k.evidence.values()}
        superseded = _superseded_runs(conn, run_id, earlier)
        for k in out.values():
            k.stale = {key for key, r in k.evidence.items() if r in superseded}
        return out

    def _upsert_one(self, conn: sa.Connection, run_id: str, lead: Lead, now: datetime,
                    known: dict[str, _KnownLead]) -> tuple[int, bool]:
        standing = lead.public_interest
        values = dict(
            model=lead.model, kind=lead.kind, subject_type=lead.subject.type,
            subject_token=lead.subject.token, subject_display=lead.subject.display,
            title_zh=lead.title_zh, summary_zh=lead.summary_zh, title_en=lead.title_en,
            summary_en=lead.summary_en, severity_level=lead.severity.level.value,
            severity_ratio=float(lead.severity.ratio), severity_rule=lead.severity.rule,
            severity=lead.severity.to_dict(), affected_people=int(lead.affected_people),
            records_by_tier={k: int(v) for k, v in lead.records_by_tier.items()},
            counts={k: int(v) for k, v in lead.counts.items()},
            standing=standing.has_standing, standing_threshold=standing.threshold,
            provisions=list(lead.provisions), action=Action(lead.recommended).value,
            updated_at=now, last_run_id=run_id,
        )
        stored = known.get(lead.fingerprint)
        is_new = stored is None
        if stored is None:
            lead_id = conn.execute(t.leads.insert().values(
                fingerprint=lead.fingerprint, status=LeadStatus.NEW.value, created_at=now,
                first_run_id=run_id, **values).returning(t.leads.c.id)).scalar_one()
            conn.execute(t.status_history.insert().values(
                lead_id=lead_id, from_status=None, to_status=LeadStatus.NEW.value,
                changed_by=f"model:{lead.model}", reason=f"run {run_id}", changed_at=now))
            stored = known[lead.fingerprint] = _KnownLead(lead_id, {}, set())
        else:
            conn.execute(t.leads.update().where(t.leads.c.id == stored.id).values(**values))

        self._write_evidence(conn, run_id, stored, lead.evidence)

        new_tokens = []
        for token, role in lead.tokens():
            if token not in stored.tokens:
                stored.tokens.add(token)
                new_tokens.append(dict(lead_id=stored.id, token=token, role=role))
        if new_tokens:
            conn.execute(t.lead_tokens.insert(), new_tokens)
        return stored.id, is_new

    @staticmethod
    def _write_evidence(conn: sa.Connection, run_id: str, stored: _KnownLead,
                        evidence: Sequence[Evidence]) -> None:
        """Write a refreshed lead's evidence so the case file shows what this run saw: drop the
        items of superseded runs this run did not report again, rewrite the items it reports
        again (an earlier run's type name must not sit beside this run's summary), insert the
        new ones. A key written earlier in this call is left as it is."""
        fresh: dict[str, Evidence] = {}
        for ev in evidence:
            key = _evidence_key(ev)
            if key not in stored.written:
                fresh.setdefault(key, ev)
        gone = sorted(stored.stale - fresh.keys())
        for i in range(0, len(gone), 500):
            conn.execute(t.evidence.delete().where(t.evidence.c.lead_id == stored.id,
                                                   t.evidence.c.evidence_key.in_(gone[i:i + 500])))
        rows = [dict(lead_id=stored.id, run_id=run_id, source=ev.source, row_index=ev.row,
                     column_name=ev.column, masked_excerpt=ev.excerpt,
                     content_hash=ev.content_hash, detail=dict(ev.detail), evidence_key=key)
                for key, ev in fresh.items()]
        again = [r for r in rows if r["evidence_key"] in stored.evidence]
        new = [r for r in rows if r["evidence_key"] not in stored.evidence]
        if again:
            conn.execute(
                t.evidence.update().where(t.evidence.c.lead_id == sa.bindparam("b_lead"),
                                          t.evidence.c.evidence_key == sa.bindparam("b_key"))
                .values(run_id=sa.bindparam("b_run"),
                        masked_excerpt=sa.bindparam("b_excerpt"),
                        detail=sa.bindparam("b_detail", type_=t.evidence.c.detail.type)),
                [{"b_lead": r["lead_id"], "b_key": r["evidence_key"], "b_run": run_id,
                  "b_excerpt": r["masked_excerpt"], "b_detail": r["detail"]} for r in again])
        if new:
            conn.execute(t.evidence.insert(), new)
        for key in gone:
            del stored.evidence[key]
        stored.evidence |= {key: run_id for key in fresh}
        stored.stale -= set(gone) | fresh.keys()
        stored.written |= fresh.keys()

    def get(self, lead_id: int) -> Lead:
        """One lead with its evidence, tokens and comments."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.leads).where(t.leads.c.id == lead_id)).mappings().first()
            if row is None:
                raise UnknownLead(f"unknown lead {lead_id}")
            evidence = conn.execute(sa.select(t.evidence).where(t.evidence.c.lead_id == lead_id)
                                    .order_by(t.evidence.c.id)).mappings().all()
            tokens = conn.execute(sa.select(t.lead_tokens).where(
                t.lead_tokens.c.lead_id == lead_id, t.lead_tokens.c.role != "subject")
                .order_by(t.lead_tokens.c.token)).mappings().all()
            comments = self._comments(conn, lead_id)
        return _lead_from_row(
            row,
            evidence=tuple(Evidence(source=e["source"], excerpt=e["masked_excerpt"],
                                    content_hash=e["content_hash"], row=e["row_index"],
                                    column=e["column_name"], detail=e["detail"])
                           for e in evidence),
            linked_tokens=tuple((r["token"], r["role"]) for r in tokens),
            comments=tuple(comments))

    def by_fingerprint(self, fingerprint: str) -> Lead | None:
        with self.engine.connect() as conn:
            lead_id = conn.execute(sa.select(t.leads.c.id)
                                   .where(t.leads.c.fingerprint == fingerprint)).scalar()
        return None if lead_id is None else self.get(lead_id)

    def query(self, *, model: str | None = None,
              severity: SeverityLevel | str | Iterable[SeverityLevel | str] | None = None,
              status: LeadStatus | str | Iterable[LeadStatus | str] | None = None,
              since: datetime | None = None, limit: int = 50, offset: int = 0) -> LeadPage:
        """Leads matching all given filters, most severe first, then most recently updated.

        ``since`` keeps leads updated (created, re-seen by a run or moved in the workflow) at or
        after that moment.
        Items carry no evidence or comments; :meth:`get` loads one lead in full.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise ValueError("offset must not be negative")
        cond: list[sa.ColumnElement[bool]] = []
        if model is not None:
            cond.append(t.leads.c.model == model)
        if severity is not None:
            levels = [SeverityLevel(s).value for s in _as_list(severity)]
            cond.append(t.leads.c.severity_level.in_(levels))
        if status is not None:
            statuses = [LeadStatus(s).value for s in _as_list(status)]
            cond.append(t.leads.c.status.in_(statuses))
        if since is not None:
            cond.append(t.leads.c.updated_at >= since)
        rank = sa.case({lvl.value: lvl.rank for lvl in SeverityLevel},
                       value=t.leads.c.severity_level, else_=-1)
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t.leads)
                                 .where(*cond)).scalar_one()
            rows = conn.execute(
                sa.select(t.leads).where(*cond)
                .order_by(rank.desc(), t.leads.c.severity_ratio.desc(),
                          t.leads.c.updated_at.desc(), t.leads.c.id.desc())
                .limit(limit).offset(offset)).mappings().all()
        return LeadPage(tuple(_lead_from_row(r) for r in rows), total, limit, offset)

    def linked_leads(self, lead_id: int) -> list[LinkedLead]:
        """Leads of any model that share a pseudonym token with this one (the same phone behind
        a fake job posting and a doxxing post), with the tokens they share."""
        mine = sa.select(t.lead_tokens.c.token).where(t.lead_tokens.c.lead_id == lead_id)
        with self.engine.connect() as conn:
            if conn.execute(sa.select(t.leads.c.id).where(t.leads.c.id == lead_id)).first() is None:
                raise UnknownLead(f"unknown lead {lead_id}")
            pairs = conn.execute(
                sa.select(t.lead_tokens.c.lead_id, t.lead_tokens.c.token)
                .where(t.lead_tokens.c.token.in_(mine), t.lead_tokens.c.lead_id != lead_id)
                .order_by(t.lead_tokens.c.lead_id, t.lead_tokens.c.token)).all()
            shared: dict[int, list[str]] = {}
            for other, token in pairs:
                shared.setdefault(other, []).append(token)
            rows = conn.execute(sa.select(t.leads).where(t.leads.c.id.in_(list(shared)))
                                .order_by(t.leads.c.id)).mappings().all() if shared else []
        return [LinkedLead(_lead_from_row(r), tuple(shared[r["id"]])) for r in rows]

    # --- public tips and cross-region bundles (migration 0003_tips) -------------------------

    def add_tip(self, run_id: str, lead: Lead, *, receipt_hash: str, scenario: str,
                subject_token: str, contact_ciphertext: str | None,
                attachments: Sequence[Mapping[str, Any]]) -> TipRecord:
        """Store a public tip: its lead (checked like any other) and its intake record, in one
        transaction, so there is never a tip without its lead or a lead without its tip.
        ``subject_token`` is the token of the subject the reporter named (the app, company or
        phone), by which tips about one subject are counted."""
        _check_leads([lead])
        now = _now()
        with self._write() as conn:
            known = self._known(conn, {lead.fingerprint}, run_id)
            lead_id, _ = self._upsert_one(conn, run_id, lead, now, known)
            tip_id = conn.execute(t.tips.insert().values(
                receipt_hash=receipt_hash, lead_id=lead_id, scenario=scenario,
                subject_type=lead.subject.type, subject_token=subject_token,
                contact_ciphertext=contact_ciphertext,
                attachments=[dict(a) for a in attachments], additions=0, created_at=now,
                updated_at=now).returning(t.tips.c.id)).scalar_one()
        found = self.tip(tip_id=tip_id)
        assert found is not None
        return found

    def add_to_tip(self, tip_id: int, run_id: str, lead: Lead,
                   attachments: Sequence[Mapping[str, Any]]) -> None:
        """A reporter's follow-up: the tip's lead refreshed with the new evidence (``lead`` is the
        stored lead with the added evidence) and the tip's additions and files updated."""
        _check_leads([lead])
        now = _now()
        with self._write() as conn:
            row = conn.execute(sa.select(t.tips).where(t.tips.c.id == tip_id)).mappings().first()
            if row is None:
                raise KeyError(f"unknown tip {tip_id}")
            known = self._known(conn, {lead.fingerprint}, run_id)
            if lead.fingerprint not in known or known[lead.fingerprint].id != row["lead_id"]:
                raise ValueError(f"lead does not belong to tip {tip_id}")
            self._upsert_one(conn, run_id, lead, now, known)
            conn.execute(t.tips.update().where(t.tips.c.id == tip_id).values(
                additions=row["additions"] + 1, updated_at=now,
                attachments=[*row["attachments"], *(dict(a) for a in attachments)]))

    def tip(self, *, tip_id: int | None = None, receipt_hash: str | None = None
            ) -> TipRecord | None:
        """A tip by id or by the SHA-256 of its receipt code."""
        if (tip_id is None) == (receipt_hash is None):
            raise ValueError("give exactly one of tip_id and receipt_hash")
        cond = t.tips.c.id == tip_id if tip_id is not None else (
            t.tips.c.receipt_hash == receipt_hash)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.tips).where(cond)).mappings().first()
        return None if row is None else _tip_from_row(row)

    def tips(self, *, limit: int = 50, offset: int = 0) -> list[TipRecord]:
        """Tips, newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.tips).order_by(t.tips.c.id.desc())
                                .limit(limit).offset(offset)).mappings().all()
        return [_tip_from_row(r) for r in rows]

    def add_token_aliases(self, aliases: Iterable[tuple[str, str]], role: str) -> int:
        """For each ``(token, alias)``, give every lead holding ``token`` the token ``alias``
        too (with ``role``), so :meth:`linked_leads` links them to leads holding the alias —
        e.g. a cross-region link token agreed by private set intersection. Returns the number
        of (lead, alias) pairs added; existing pairs are kept as they are."""
        by_token: dict[str, set[str]] = {}
        for token, alias in aliases:
            by_token.setdefault(token, set()).add(alias)
        if not by_token:
            return 0
        added = 0
        with self._write() as conn:
            tokens = sorted(by_token)
            holders: list[tuple[int, str]] = []
            for i in range(0, len(tokens), 500):
                holders += [(int(r[0]), str(r[1])) for r in conn.execute(
                    sa.select(t.lead_tokens.c.lead_id, t.lead_tokens.c.token)
                    .where(t.lead_tokens.c.token.in_(tokens[i:i + 500])))]
            wanted = {(lead_id, alias) for lead_id, token in holders
                      for alias in by_token[token]}
            lead_ids = sorted({lead_id for lead_id, _ in wanted})
            have: set[tuple[int, str]] = set()
            for i in range(0, len(lead_ids), 500):
                have |= {(int(r[0]), str(r[1])) for r in conn.execute(
                    sa.select(t.lead_tokens.c.lead_id, t.lead_tokens.c.token)
                    .where(t.lead_tokens.c.lead_id.in_(lead_ids[i:i + 500])))}
            rows = [dict(lead_id=lead_id, token=alias, role=role)
                    for lead_id, alias in sorted(wanted - have)]
            if rows:
                conn.execute(t.lead_tokens.insert(), rows)
                added = len(rows)
        return added

    def import_leads(self, run_id: str, leads: Iterable[Lead], *, bundle_id: str, sender: str,
                     sender_key: str, bundle_created_at: datetime) -> BundleImport:
        """Upsert leads received in a verified bundle and log the import, in one transaction.

        A bundle already imported is not imported again (the earlier log entry is returned):
        leads are deduplicated by fingerprint either way, but a replay should not move them."""
        batch = list(leads)
        _check_leads(batch)
        now = _now()
        with self._write() as conn:
            prior = conn.execute(sa.select(t.federation_imports).where(
                t.federation_imports.c.bundle_id == bundle_id)).mappings().first()
            if prior is not None:
                return BundleImport(**dict(prior))
            if conn.execute(sa.select(t.runs.c.id).where(t.runs.c.id == run_id)).first() is None:
                raise KeyError(f"unknown run {run_id!r}; call start_run first")
            known = self._known(conn, {lead.fingerprint for lead in batch}, run_id)
            inserted = updated = 0
            for lead in batch:
                _, is_new = self._upsert_one(conn, run_id, lead, now, known)
                inserted += is_new
                updated += not is_new
            record = BundleImport(bundle_id, sender, sender_key, run_id, bundle_created_at, now,
                                  len(batch), inserted, updated)
            conn.execute(t.federation_imports.insert().values(**record.__dict__))
        return record

    def bundle_imports(self) -> list[BundleImport]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.federation_imports)
                                .order_by(t.federation_imports.c.imported_at)).mappings().all()
        return [BundleImport(**dict(r)) for r in rows]

    # --- workflow --------------------------------------------------------------------------

    def set_status(self, lead_id: int, new: LeadStatus | str, by: str,
                   reason: str | None = None) -> LeadStatus:
        """Move a lead along the workflow (see :mod:`pisentinel.leads.model`), recording who,
        when and why in the status history and the audit log."""
        target = LeadStatus(new)
        if reason:
            _guard({"reason": reason}, f"状态变更理由/status reason (lead {lead_id})")
        now = _now()
        with self._write() as conn:
            query = sa.select(t.leads.c.status).where(t.leads.c.id == lead_id)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            current = conn.execute(query).scalar()
            if current is None:
                raise UnknownLead(f"unknown lead {lead_id}")
            check_transition(current, target, reason)
            conn.execute(t.leads.update().where(t.leads.c.id == lead_id)
                         .values(status=target.value, updated_at=now))
            conn.execute(t.status_history.insert().values(
                lead_id=lead_id, from_status=current, to_status=target.value, changed_by=by,
                reason=reason, changed_at=now))
            self._audit(conn, by, "lead.status", "lead", str(lead_id), reason,
                        {"from": current, "to": target.value}, now)
        return target

    def status_history(self, lead_id: int) -> list[StatusChange]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.status_history)
                                .where(t.status_history.c.lead_id == lead_id)
                                .order_by(t.status_history.c.id)).mappings().all()
        return [StatusChange(LeadStatus(r["from_status"]) if r["from_status"] else None,
                             LeadStatus(r["to_status"]), r["changed_by"], r["reason"],
                             r["changed_at"]) for r in rows]

    def add_comment(self, lead_id: int, author: str, text: str) -> Comment:
        if not text.strip():
            raise ValueError("empty comment")
        _guard({"text": text}, f"评论/comment (lead {lead_id})")
        now = _now()
        with self._write() as conn:
            if conn.execute(sa.select(t.leads.c.id).where(t.leads.c.id == lead_id)).first() is None:
                raise UnknownLead(f"unknown lead {lead_id}")
            cid = conn.execute(t.comments.insert().values(
                lead_id=lead_id, author=author, text=text, created_at=now)
                .returning(t.comments.c.id)).scalar_one()
            self._audit(conn, author, "lead.comment", "lead", str(lead_id), None,
                        {"comment_id": cid}, now)
        return Comment(author=author, text=text, created_at=now, id=cid)

    def comments(self, lead_id: int) -> list[Comment]:
        with self.engine.connect() as conn:
            return self._comments(conn, lead_id)

    @staticmethod
    def _comments(conn: sa.Connection, lead_id: int) -> list[Comment]:
        rows = conn.execute(sa.select(t.comments).where(t.comments.c.lead_id == lead_id)
                            .order_by(t.comments.c.id)).mappings().all()
        return [Comment(r["author"], r["text"], r["created_at"], r["id"]) for r in rows]

    # --- audit log -------------------------------------------------------------------------

    def audit(self, actor: str, action: str, object_type: str, object_id: str | None = None,
              reason: str | None = None, detail: Mapping[str, Any] | None = None) -> int:
        """Append to the audit log (reveals, exports, sign-ins …). The database refuses
        updates and deletes of this table."""
        _guard({"reason": reason or "", **{k: v for k, v in (detail or {}).items()
                                          if isinstance(v, str)}}, "审计日志/audit entry")
        with self._write() as conn:
            return self._audit(conn, actor, action, object_type, object_id, reason,
                               dict(detail or {}), _now())

    @staticmethod
    def _audit(conn: sa.Connection, actor: str, action: str, object_type: str,
               object_id: str | None, reason: str | None, detail: dict[str, Any],
               at: datetime) -> int:
        return int(conn.execute(t.audit_log.insert().values(
            at=at, actor=actor, action=action, object_type=object_type, object_id=object_id,
            reason=reason, detail=detail).returning(t.audit_log.c.id)).scalar_one())

    def audit_entries(self, *, object_type: str | None = None, object_id: str | None = None,
                      limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        cond = []
        if object_type is not None:
            cond.append(t.audit_log.c.object_type == object_type)
        if object_id is not None:
            cond.append(t.audit_log.c.object_id == object_id)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.audit_log).where(*cond).order_by(t.audit_log.c.id)
                                .limit(limit).offset(offset)).mappings().all()
        return [AuditEntry(**dict(r)) for r in rows]


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def _lead_from_row(row: sa.RowMapping, *, evidence: tuple[Evidence, ...] = (),
                   linked_tokens: tuple[tuple[str, str], ...] = (),
                   comments: tuple[Comment, ...] = ()) -> Lead:
    return Lead(
        model=row["model"], kind=row["kind"],
        subject=Subject(row["subject_type"], row["subject_token"], row["subject_display"]),
        title_zh=row["title_zh"], summary_zh=row["summary_zh"],
        title_en=row["title_en"], summary_en=row["summary_en"],
        severity=SeverityAssessment.from_dict(row["severity"]),
        affected_people=row["affected_people"], provisions=tuple(row["provisions"]),
        evidence=evidence, records_by_tier=dict(row["records_by_tier"]),
        counts=dict(row["counts"]), linked_tokens=linked_tokens,
        action=Action(row["action"]),
        standing=public_interest_standing(row["affected_people"], row["standing_threshold"]),
        id=row["id"], status=LeadStatus(row["status"]), created_at=row["created_at"],
        updated_at=row["updated_at"], first_run=row["first_run_id"],
        last_run=row["last_run_id"], comments=comments,
    )


def _tip_from_row(row: sa.RowMapping) -> TipRecord:
    return TipRecord(id=row["id"], lead_id=row["lead_id"], scenario=row["scenario"],
                     subject_type=row["subject_type"], subject_token=row["subject_token"],
                     contact_ciphertext=row["contact_ciphertext"],
                     attachments=list(row["attachments"]), additions=row["additions"],
                     created_at=row["created_at"], updated_at=row["updated_at"])


def _configure_sqlite(engine: sa.Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that really begin where SQLAlchemy
    says they do (pysqlite would otherwise defer BEGIN and leave DDL outside transactions)."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # The timeout first: switching a fresh file to WAL waits for another process that is
        # migrating it, and would otherwise give up after the driver's default five seconds.
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("pisentinel_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

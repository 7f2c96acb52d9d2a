"""Read-side queries of the console: the filtered lead list, dashboard figures, the ring graph.

``LeadStore.query`` filters by model, severity, status and date; the console also filters by
region and an end date, so the list query is built here over the same tables, with the same
order (most severe first, then most recently updated)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from pisentinel.knowledge import regions
from pisentinel.leads import Lead, LeadStatus, LeadStore, SeverityLevel, Subject
from pisentinel.leads import schema as t
from pisentinel.leads.store import LinkedLead
from pisentinel.web.errors import ApiError

__all__ = ["LeadFilter", "case_file", "dashboard", "lead_graph", "list_leads", "region_terms"]

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def region_terms(region: str) -> list[str]:
    """Names to look for: a GB/T 2260 code becomes its name (a province also without its
    suffix, 重庆市 → 重庆); a name is used as given."""
    region = region.strip()
    if not region:
        return []
    if region.isdigit():
        known = regions().get(region.ljust(6, "0")[:6])
        if known is None:
            raise ApiError(400, "unknown_region", "未知的行政区划代码", "unknown region code")
        name = known.name
        terms = [name]
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                terms.append(name[: -len(suffix)])
                break
        return terms
    return [region[:32]]


@dataclass(frozen=True)
class LeadFilter:
    model: str | None = None
    severity: Sequence[str] = ()
    status: Sequence[str] = ()
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        cond: list[sa.ColumnElement[bool]] = []
        if self.model:
            cond.append(t.leads.c.model == self.model)
        try:
            levels = [SeverityLevel(s).value for s in self.severity if s]
            statuses = [LeadStatus(s).value for s in self.status if s]
        except ValueError:
            raise ApiError(400, "invalid_filter", "筛选条件无效", "invalid filter value") from None
        if levels:
            cond.append(t.leads.c.severity_level.in_(levels))
        if statuses:
            cond.append(t.leads.c.status.in_(statuses))
        if self.date_from:
            cond.append(t.leads.c.updated_at >= datetime.combine(self.date_from, time(), UTC))
        if self.date_to:
            cond.append(t.leads.c.updated_at < datetime.combine(self.date_to, time(), UTC)
                        + timedelta(days=1))
        for terms in (region_terms(self.region or ""), [self.q.strip()[:64]] if self.q and
                      self.q.strip() else []):
            if not terms:
                continue
            alternatives: list[sa.ColumnElement[bool]] = []
            for term in terms:
                pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%")\
                    .replace("_", "\\_") + "%"
                alternatives += [c.like(pattern, escape="\\") for c in (
                    t.leads.c.title_zh, t.leads.c.summary_zh, t.leads.c.subject_display)]
                alternatives.append(sa.exists().where(
                    t.evidence.c.lead_id == t.leads.c.id,
                    t.evidence.c.masked_excerpt.like(pattern, escape="\\")))
            cond.append(sa.or_(*alternatives))
        return cond


@dataclass(frozen=True)
class ListedSeverity:
    level: SeverityLevel
    ratio: float


@dataclass(frozen=True)
class ListedLead:
    """A lead as a list shows it: the columns a row needs, without evidence, counts or the
    severity reasoning (parsing those JSON columns for every row doubled the list's cost)."""

    id: int
    model: str
    kind: str
    subject: Subject
    title_zh: str
    title_en: str
    severity: ListedSeverity
    status: LeadStatus
    affected_people: int
    created_at: datetime
    updated_at: datetime


_LIST_COLUMNS = (t.leads.c.id, t.leads.c.model, t.leads.c.kind, t.leads.c.subject_type,
                 t.leads.c.subject_token, t.leads.c.subject_display, t.leads.c.title_zh,
                 t.leads.c.title_en, t.leads.c.severity_level, t.leads.c.severity_ratio,
                 t.leads.c.status, t.leads.c.affected_people, t.leads.c.created_at,
                 t.leads.c.updated_at)


def list_leads(store: LeadStore, flt: LeadFilter, limit: int, offset: int
               ) -> tuple[list[ListedLead], int]:
    cond = flt.conditions()
    rank = sa.case({lvl.value: lvl.rank for lvl in SeverityLevel},
                   value=t.leads.c.severity_level, else_=-1)
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(t.leads).where(*cond)
                             ).scalar_one()
        rows = conn.execute(sa.select(*_LIST_COLUMNS).where(*cond)
                            .order_by(rank.desc(), t.leads.c.severity_ratio.desc(),
                                      t.leads.c.updated_at.desc(), t.leads.c.id.desc())
                            .limit(limit).offset(offset)).mappings().all()
    return [ListedLead(r["id"], r["model"], r["kind"],
                       Subject(r["subject_type"], r["subject_token"], r["subject_display"]),
                       r["title_zh"], r["title_en"],
                       ListedSeverity(SeverityLevel(r["severity_level"]), r["severity_ratio"]),
                       LeadStatus(r["status"]), r["affected_people"], r["created_at"],
                       r["updated_at"]) for r in rows], int(total)


def dashboard(store: LeadStore, days: int = 30) -> dict[str, Any]:
    """Leads by model, severity and status, people affected, and new leads per day."""
    with store.engine.connect() as conn:
        def grouped(col: sa.ColumnElement[Any]) -> dict[str, int]:
            return {k: int(v) for k, v in conn.execute(
                sa.select(col, sa.func.count()).group_by(col)).all()}

        by_model = grouped(t.leads.c.model)
        by_severity = grouped(t.leads.c.severity_level)
        by_status = grouped(t.leads.c.status)
        people = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(
            t.leads.c.affected_people), 0))).scalar_one()
        open_people = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(
            t.leads.c.affected_people), 0)).where(t.leads.c.status.in_(
                ("new", "reviewing", "confirmed")))).scalar_one()
        since = datetime.now(UTC) - timedelta(days=days)
        created = conn.execute(sa.select(t.leads.c.created_at, t.leads.c.severity_level)
                               .where(t.leads.c.created_at >= since)).all()
        runs = conn.execute(sa.select(sa.func.count()).select_from(t.runs)).scalar_one()
    today = datetime.now(UTC).date()
    axis = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    trend = {lvl.value: dict.fromkeys(axis, 0) for lvl in SeverityLevel}
    for at, level in created:
        day = at.astimezone(UTC).date().isoformat()
        if day in trend.get(level, {}):
            trend[level][day] += 1
    return {"total": sum(by_status.values()), "by_model": by_model,
            "by_severity": {lvl.value: by_severity.get(lvl.value, 0) for lvl in SeverityLevel},
            "by_status": {s.value: by_status.get(s.value, 0) for s in LeadStatus},
            "affected_people": int(people), "affected_people_open": int(open_people),
            "runs": int(runs),
            "trend": {"days": axis, "series": {k: list(v.values()) for k, v in trend.items()}}}


def lead_graph(store: LeadStore, lead: Lead,
               linked: list[LinkedLead] | None = None) -> dict[str, Any]:
    """Nodes and edges for the ring view: this lead, its tokens (masked roles only) and the
    leads of any model that share them (``linked``, else looked up)."""
    assert lead.id is not None
    if linked is None:
        linked = store.linked_leads(lead.id)
    nodes: list[dict[str, Any]] = [{"id": f"lead:{lead.id}", "kind": "lead", "label":
                                    lead.subject.display, "lead_id": lead.id,
                                    "severity": lead.severity.level.value, "focus": True}]
    edges: list[dict[str, str]] = []
    seen = {f"lead:{lead.id}"}
    for token, role in lead.tokens():
        tid = f"token:{token}"
        if tid not in seen:
            seen.add(tid)
            nodes.append({"id": tid, "kind": "token", "role": role,
                          "label": f"{role} · {token.partition(':')[0]}", "token": token})
        edges.append({"source": f"lead:{lead.id}", "target": tid})
    for other in linked[:200]:
        lid = f"lead:{other.lead.id}"
        if lid not in seen:
            seen.add(lid)
            nodes.append({"id": lid, "kind": "lead", "label": other.lead.subject.display,
                          "lead_id": other.lead.id, "model": other.lead.model,
                          "severity": other.lead.severity.level.value, "focus": False})
        for token in other.shared_tokens:
            edges.append({"source": lid, "target": f"token:{token}"})
    return {"nodes": nodes, "edges": edges}


_CASES: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_CASES_LOCK = threading.Lock()


def case_file(store: LeadStore, lead: Lead, lang: str) -> dict[str, Any]:
    """``lead_context`` of a lead, cached while the lead is unchanged: every change to a lead
    (a run, a status change) moves ``updated_at``, and a comment changes the comment count, so
    the key (store, id, language, updated_at, comments) never serves a stale case file."""
    from pisentinel.leads.reports import lead_context

    assert lead.id is not None
    key = (store.url, lead.id, lang, lead.updated_at, len(lead.comments), lead.last_run)
    with _CASES_LOCK:
        if key in _CASES:
            _CASES.move_to_end(key)
            return _CASES[key]
    case = lead_context(store, lead.id, lang=lang)
    with _CASES_LOCK:
        _CASES[key] = case
        while len(_CASES) > 512:
            _CASES.popitem(last=False)
    return case

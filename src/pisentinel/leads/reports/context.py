"""What a report says, built once from the store and shared by every format.

A context is plain data (dicts, lists, strings, numbers), so the JSON format is the context
itself and the HTML, Markdown, DOCX and PDF renderers only lay it out. Everything a person reads
is resolved here: provision ids to their verbatim text, severity to the rule applied, the action
to its reason, timestamps to Beijing time. The whole context then passes through the
:class:`~pisentinel.leads.reports._redact.Redactor`, the one place that guarantees no unmasked
ID or mobile number reaches a report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from pisentinel import __version__
from pisentinel.knowledge import tiers
from pisentinel.knowledge.provisions import Provision, provision
from pisentinel.leads import schema as t
from pisentinel.leads.model import Lead, LeadStatus, StatusChange
from pisentinel.leads.reports._labels import label, model_name, subject_type_name
from pisentinel.leads.reports._redact import Redactor
from pisentinel.leads.severity import (
    Action,
    SeverityLevel,
    StandingAssessment,
    recommended_action,
)
from pisentinel.leads.store import LeadStore, Run

__all__ = ["SCHEMA", "lead_context", "lead_number", "run_context", "run_lead_ids"]

SCHEMA = "pisentinel.report/1"
"""Version of the JSON report layout; bump it when a key changes meaning or goes away."""

BEIJING = timezone(timedelta(hours=8), "UTC+08:00")


def lead_number(lead: Lead) -> str:
    """线索编号 as printed on the report: ``PIS-<year created>-<store id, 6 digits>``."""
    year = (lead.created_at or datetime.now(UTC)).astimezone(BEIJING).year
    return f"PIS-{year}-{lead.id or 0:06d}"


def _when(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    if lang == "zh":
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _doc_date(value: datetime, lang: str) -> str:
    local = value.astimezone(BEIJING)
    if lang == "zh":
        return f"{local.year}年{local.month}月{local.day}日"
    return local.strftime("%d %B %Y")


def _status_label(status: LeadStatus | None, lang: str) -> str:
    if status is None:
        return "—"
    return status.label_zh if lang == "zh" else status.value


def _level_label(level: SeverityLevel, lang: str) -> str:
    return level.label_zh if lang == "zh" else level.label_en


def _action_label(action: Action, lang: str) -> str:
    return action.label_zh if lang == "zh" else action.label_en


# --- pieces of a lead -----------------------------------------------------------------------


def _tiers(lead: Lead, lang: str) -> dict[str, Any]:
    info = tiers()
    insider = lead.severity.insider
    counts = {**lead.severity.records_by_tier, **{k: int(v) for k, v in
                                                   lead.records_by_tier.items()}}
    rows: list[dict[str, Any]] = []
    for code, tier in info.items():
        n = int(counts.get(code, 0))
        threshold = tier.threshold * (0.5 if insider else 1.0)
        rows.append({"tier": code, "scope": tier.name_zh,
                     "basis": tier.basis, "threshold": threshold, "records": n,
                     "ratio": round(n / threshold, 4)})
    return {"rows": rows, "total_records": sum(r["records"] for r in rows),
            "total_ratio": round(sum(r["ratio"] for r in rows), 4), "insider": insider}


def _severity(lead: Lead, lang: str) -> dict[str, Any]:
    sev = lead.severity
    rule = sev.rule
    if lang != "zh":  # the English rule is only kept inside the English explanation
        found = re.search(r"\(rule: (.+?)\)\. ", sev.explanation_en)
        rule = found.group(1) if found else sev.rule
    return {**sev.to_dict(), "label": _level_label(sev.level, lang), "rule_text": rule,
            "explanation": sev.explanation(lang)}


def _standing(standing: StandingAssessment, lang: str) -> dict[str, Any]:
    return {"has_standing": standing.has_standing, "affected_people": standing.affected_people,
            "threshold": standing.threshold, "provision": standing.provision,
            "label": label("standing_yes" if standing.has_standing else "standing_no", lang),
            "explanation": standing.explanation_zh if lang == "zh" else standing.explanation_en}


def _action(lead: Lead, lang: str) -> dict[str, Any]:
    chosen = lead.recommended
    standing = lead.public_interest
    derived = None
    for duty in (True, False):
        rec = recommended_action(lead.severity, standing, regulator_duty=duty)
        if rec.primary is chosen:
            derived = rec
            break
    also = derived.also if derived else ()
    reason = (derived.reason_zh if lang == "zh" else derived.reason_en) if derived else \
        label("analyst_set", lang)
    return {"primary": chosen.value, "label": _action_label(chosen, lang),
            "also": [a.value for a in also], "also_labels": [_action_label(a, lang) for a in also],
            "reason": reason, "derived": derived is not None}


def _citation(p: Provision, lang: str) -> str:
    """《个人信息保护法》第十条; a short name that already carries its 《》 (两高《……》) is not
    wrapped a second time."""
    if lang == "zh" and "《" in p.law.short_zh:
        return f"{p.law.short_zh}{p.article or p.title_zh or ''}"
    return p.citation(lang)


def _provision(p: Provision, lang: str, cited_by: list[str]) -> dict[str, Any]:
    return {"id": p.id, "citation": _citation(p, lang), "law": p.law.name_zh,
            "law_en": p.law.name_en, "document_no": p.law.document_no, "article": p.article,
            "text": p.wording(lang), "paragraphs": list(p.paragraphs) or [p.wording(lang)],
            "verbatim": p.verbatim, "abridged": p.abridged, "reliability": p.reliability,
            "reliability_label": p.reliability_label(lang), "source": p.source,
            "cited_by": cited_by,
            "cited_by_labels": [label(f"cited_by_{c}", lang) for c in cited_by]}


def _provisions(lead: Lead, lang: str) -> list[dict[str, Any]]:
    """The lead's own citations first, then the bases of its severity and standing, each
    once, quoted from the knowledge base."""
    why: dict[str, list[str]] = {}
    for pid in lead.provisions:
        why.setdefault(pid, []).append("lead")
    for pid in lead.severity.provisions:
        why.setdefault(pid, []).append("severity")
    why.setdefault(lead.public_interest.provision, []).append("standing")
    return [_provision(provision(pid), lang, sorted(set(c), key=c.index))
            for pid, c in why.items()]


def _evidence(lead: Lead) -> list[dict[str, Any]]:
    return [{"index": i, "source": ev.source, "row": ev.row, "column": ev.column,
             "excerpt": ev.excerpt, "content_hash": ev.content_hash, "detail": dict(ev.detail)}
            for i, ev in enumerate(lead.evidence, start=1)]


def _history(changes: Iterable[StatusChange], lang: str) -> list[dict[str, Any]]:
    return [{"at": _iso(c.at), "at_display": _when(c.at, lang),
             "from": c.from_status.value if c.from_status else None,
             "from_label": _status_label(c.from_status, lang), "to": c.to_status.value,
             "to_label": _status_label(c.to_status, lang), "by": c.by, "reason": c.reason or ""}
            for c in changes]


def _comments(lead: Lead, lang: str) -> list[dict[str, Any]]:
    return [{"id": c.id, "at": _iso(c.created_at), "at_display": _when(c.created_at, lang),
             "author": c.author, "text": c.text} for c in lead.comments]


def _lead(store: LeadStore, lead: Lead, lang: str) -> dict[str, Any]:
    assert lead.id is not None

    def text(zh: str, en: str) -> str:
        return zh if lang == "zh" or not en else en

    return {
        "id": lead.id, "number": lead_number(lead), "fingerprint": lead.fingerprint,
        "model": lead.model, "model_name": model_name(lead.model, lang), "kind": lead.kind,
        "title": text(lead.title_zh, lead.title_en),
        "summary": text(lead.summary_zh, lead.summary_en),
        "title_zh": lead.title_zh, "summary_zh": lead.summary_zh,
        "title_en": lead.title_en, "summary_en": lead.summary_en,
        "subject": {"type": lead.subject.type,
                    "type_name": subject_type_name(lead.subject.type, lang),
                    "display": lead.subject.display, "token": lead.subject.token},
        "status": lead.status.value, "status_label": _status_label(lead.status, lang),
        "created_at": _iso(lead.created_at), "created_at_display": _when(lead.created_at, lang),
        "updated_at": _iso(lead.updated_at), "updated_at_display": _when(lead.updated_at, lang),
        "first_run": lead.first_run, "last_run": lead.last_run,
        "affected_people": lead.affected_people,
        "records_by_tier": {k: int(v) for k, v in lead.records_by_tier.items()},
        "tiers": _tiers(lead, lang),
        "counts": {k: int(v) for k, v in lead.counts.items()},
        "severity": _severity(lead, lang),
        "standing": _standing(lead.public_interest, lang),
        "action": _action(lead, lang),
        "provisions": _provisions(lead, lang),
        "evidence": _evidence(lead),
        "linked_tokens": [{"token": tok, "role": role} for tok, role in lead.linked_tokens],
        "status_history": _history(store.status_history(lead.id), lang),
        "comments": _comments(lead, lang),
    }


def _run(run: Run, lang: str) -> dict[str, Any]:
    inputs = []
    for item in run.inputs:
        entry = dict(item)
        path = entry.pop("path", entry.pop("name", ""))
        content_hash = entry.pop("content_hash", entry.pop("sha256", ""))
        rows = entry.pop("rows", None)
        inputs.append({"path": str(path), "content_hash": str(content_hash), "rows": rows,
                       "other": entry})
    return {"id": run.id, "model": run.model, "model_name": model_name(run.model, lang),
            "started_at": _iso(run.started_at), "started_at_display": _when(run.started_at, lang),
            "finished_at": _iso(run.finished_at),
            "finished_at_display": _when(run.finished_at, lang), "status": run.status,
            "inputs": inputs, "params": dict(run.params), "versions": dict(run.versions),
            "counts": dict(run.counts)}


def _header(kind: str, lang: str, now: datetime) -> dict[str, Any]:
    return {"schema": SCHEMA, "kind": kind, "lang": lang, "generated_at": _iso(now),
            "generated_at_display": _when(now, lang), "document_date": _doc_date(now, lang),
            "generator": f"pisentinel {__version__}", "reveal": None}


def _finish(context: dict[str, Any]) -> dict[str, Any]:
    redactor = Redactor()
    out: dict[str, Any] = redactor.tree(context)
    out["redactions"] = redactor.count
    return out


# --- public ---------------------------------------------------------------------------------


def lead_context(store: LeadStore, lead_id: int, *, lang: str = "zh",
                 now: datetime | None = None) -> dict[str, Any]:
    """Everything a lead report says, redacted, as JSON-ready data (see :data:`SCHEMA`)."""
    now = now or datetime.now(UTC)
    lead = store.get(lead_id)
    runs = []
    for rid in dict.fromkeys(r for r in (lead.first_run, lead.last_run) if r):
        try:
            runs.append(_run(store.get_run(rid), lang))
        except KeyError:
            continue
    return _finish({**_header("lead", lang, now), "lead": _lead(store, lead, lang),
                    "runs": runs})


def run_lead_ids(store: LeadStore, run_id: str) -> list[int]:
    """Leads a run found: created or refreshed by it, or holding evidence it wrote.

    The store keeps no full lead↔run history (a later run moves ``last_run`` on, and takes over
    the evidence items it reports again or whose inputs it read again), so a lead re-seen by a
    later run drops out of the earlier run's report unless the earlier run created it or
    some of its evidence is still the lead's.
    Ordered like :meth:`LeadStore.query`: most severe first.
    """
    with store.engine.connect() as conn:
        by_evidence = sa.select(t.evidence.c.lead_id).where(t.evidence.c.run_id == run_id)
        rank = sa.case({lvl.value: lvl.rank for lvl in SeverityLevel},
                       value=t.leads.c.severity_level, else_=-1)
        rows = conn.execute(
            sa.select(t.leads.c.id).where(sa.or_(
                t.leads.c.first_run_id == run_id, t.leads.c.last_run_id == run_id,
                t.leads.c.id.in_(by_evidence)))
            .order_by(rank.desc(), t.leads.c.severity_ratio.desc(), t.leads.c.id)).all()
    return [r[0] for r in rows]


def run_context(store: LeadStore, run_id: str, *, lang: str = "zh",
                now: datetime | None = None) -> dict[str, Any]:
    """A run report: the run record, a summary row per lead, counts by severity, every lead,
    and each cited provision once (``provisions``), so 50 leads do not quote the 2017
    interpretation 50 times."""
    now = now or datetime.now(UTC)
    run = store.get_run(run_id)
    leads = [_lead(store, store.get(i), lang) for i in run_lead_ids(store, run_id)]
    by_level = Counter(lead["severity"]["level"] for lead in leads)
    severity_counts = [{"level": lvl.value, "label": _level_label(lvl, lang),
                        "leads": by_level.get(lvl.value, 0)}
                       for lvl in sorted(SeverityLevel, key=lambda x: -x.rank)]
    summary = [{"id": ld["id"], "number": ld["number"], "title": ld["title"],
                "subject": ld["subject"]["display"], "severity": ld["severity"]["label"],
                "level": ld["severity"]["level"], "affected_people": ld["affected_people"],
                "action": ld["action"]["label"], "status": ld["status_label"],
                "evidence": len(ld["evidence"])} for ld in leads]
    quoted: dict[str, dict[str, Any]] = {}
    for ld in leads:
        for p in ld["provisions"]:
            quoted.setdefault(p["id"], {**p, "cited_by": [], "cited_by_labels": []})
    return _finish({**_header("run", lang, now), "run": _run(run, lang),
                    "severity_counts": severity_counts, "summary": summary, "leads": leads,
                    "provisions": list(quoted.values())})


def lead_ids(context: Mapping[str, Any]) -> list[int]:
    """The ids of the leads a context reports on (one for a lead report)."""
    if context["kind"] == "lead":
        return [context["lead"]["id"]]
    return [ld["id"] for ld in context["leads"]]

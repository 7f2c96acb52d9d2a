"""Lead reports (线索报告) for the case file: DOCX, PDF, HTML, Markdown and JSON.

::

    from pisentinel.leads.reports import render_lead_report, render_run_report
    render_lead_report(store, 12, "PIS-2026-000012.docx")       # format from the suffix
    render_run_report(store, run_id, "run.pdf", lang="en")

A lead report has the sections a procuratorate writes a lead up in — 线索来源, 基本情况,
涉嫌违法事实, 证据 (with the evidence table), 法律依据 (provisions quoted from the knowledge base),
处理建议 — then the status history, review comments and the run record (chain of custody). A run
report lists the run's leads in a summary table with a chart by severity, then every lead.

Every format is rendered from one context (:mod:`.context`), and every string of it passes the
redactor, so no unmasked ID or mobile number reaches a report. Files are written atomically
(temporary file in the same folder, then ``os.replace``) with owner-only permissions, and each
export is written to the store's audit log with the file's SHA-256.

Reveal hook: ``reveal`` is reserved for an authorised reveal of raw values (the reveal store and
roles come with the web console). It must then carry who asks, why, and the grant; the renderer
audits ``lead.reveal`` *before* rendering and adds the revealed values next to the masked ones.
Until that exists, passing anything but ``None`` raises :class:`NotImplementedError`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from pisentinel.leads.reports._labels import LANGS, label
from pisentinel.leads.reports._redact import Redactor, without_opaque
from pisentinel.leads.reports.context import SCHEMA, lead_context, run_context
from pisentinel.leads.store import LeadStore, find_raw_identifiers

__all__ = [
    "FORMATS",
    "SCHEMA",
    "ReportError",
    "RevealGrant",
    "lead_context",
    "render_lead_report",
    "render_lead_report_bytes",
    "render_run_report",
    "render_run_report_bytes",
    "run_context",
]

FORMATS: Final = ("docx", "pdf", "html", "md", "json")
"""Report formats, named by file suffix."""

MEDIA_TYPES: Final = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf", "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8", "json": "application/json",
}


class ReportError(ValueError):
    """A report cannot be made as asked (unknown format or language, reveal not available)."""


class RevealGrant(Protocol):
    """An authorised reveal of raw values, reserved for the web console's reveal store."""

    actor: str
    reason: str


def _format_of(path: Path, fmt: str | None) -> str:
    name = (fmt or path.suffix.lstrip(".")).lower()
    name = {"htm": "html", "markdown": "md"}.get(name, name)
    if name not in FORMATS:
        raise ReportError(f"不支持的报告格式“{name or '(无后缀)'}”，可用：{', '.join(FORMATS)} / "
                          f"unknown report format {name or '(no suffix)'!r}; use one of "
                          f"{', '.join(FORMATS)}")
    return name


def _check(lang: str, reveal: RevealGrant | None) -> None:
    if lang not in LANGS:
        raise ReportError(f"不支持的语言 {lang!r} / unknown language {lang!r}; use zh or en")
    if reveal is not None:
        raise NotImplementedError(
            "查看原始个人信息须经授权，授权与审计功能随 Web 控制台提供 / revealing raw values "
            "needs the reveal store and roles that come with the web console")


def _severity_chart(context: dict[str, Any]) -> bytes | None:
    from pisentinel.leads.reports._chart import severity_chart_png

    lang = context["lang"]
    return severity_chart_png(context["severity_counts"], title=label("chart_title", lang),
                              axis_label=label("chart_axis", lang))


def _render(context: dict[str, Any], fmt: str) -> bytes:
    chart = _severity_chart(context) if context["kind"] == "run" and fmt != "json" else None
    if fmt == "json":
        from pisentinel.leads.reports._json import render_json

        text = render_json(context)
    elif fmt == "md":
        from pisentinel.leads.reports._markdown import render_markdown

        text = render_markdown(context, chart_png=chart)
    elif fmt == "html":
        from pisentinel.leads.reports._html import render_html

        text = render_html(context, chart_png=chart)
    elif fmt == "pdf":
        from pisentinel.leads.reports._pdf import render_pdf

        return render_pdf(context, chart_png=chart)
    else:
        from pisentinel.leads.reports._docx import render_docx

        return render_docx(context, chart_png=chart)
    if find_raw_identifiers(without_opaque(text)):  # the context was redacted: a renderer bug
        raise RuntimeError("report text holds an unmasked identifier; refusing to write it")
    return text.encode("utf-8")


def render_lead_report_bytes(store: LeadStore, lead_id: int, fmt: str, *, lang: str = "zh",
                             reveal: RevealGrant | None = None,
                             now: datetime | None = None) -> bytes:
    """A lead report as bytes (for the web console's download), not written or audited."""
    _check(lang, reveal)
    return _render(lead_context(store, lead_id, lang=lang, now=now), _format_of(Path(), fmt))


def render_run_report_bytes(store: LeadStore, run_id: str, fmt: str, *, lang: str = "zh",
                            now: datetime | None = None) -> bytes:
    """A run report as bytes, not written or audited."""
    _check(lang, None)
    return _render(run_context(store, run_id, lang=lang, now=now), _format_of(Path(), fmt))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never
    a half-written report: a temporary file in the same folder, fsync, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _export(store: LeadStore, make: Callable[[], bytes], path: str | Path, fmt: str,
            object_type: str, object_id: str, lang: str, actor: str) -> Path:
    out = Path(path)
    data = make()
    write_atomically(out, data)
    store.audit(actor, "report.export", object_type, object_id, detail={
        "format": fmt, "lang": lang, "file": Redactor().text(out.name),
        "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return out


def render_lead_report(store: LeadStore, lead_id: int, path: str | Path, *, lang: str = "zh",
                       reveal: RevealGrant | None = None, fmt: str | None = None,
                       actor: str = "system", now: datetime | None = None) -> Path:
    """Write the report of one lead to ``path``; the format comes from the suffix (or ``fmt``).

    ``lang``: ``zh`` (default, the case file's language) or ``en``. ``reveal``: reserved, see
    the module docs. ``actor`` is who exports, for the audit log. Returns the path written.
    """
    _check(lang, reveal)
    form = _format_of(Path(path), fmt)
    return _export(store, lambda: _render(lead_context(store, lead_id, lang=lang, now=now), form),
                   path, form, "lead", str(lead_id), lang, actor)


def render_run_report(store: LeadStore, run_id: str, path: str | Path, *, lang: str = "zh",
                      fmt: str | None = None, actor: str = "system",
                      now: datetime | None = None) -> Path:
    """Write the report of a run (summary table, chart by severity, every lead) to ``path``."""
    _check(lang, None)
    form = _format_of(Path(path), fmt)
    return _export(store, lambda: _render(run_context(store, run_id, lang=lang, now=now), form),
                   path, form, "run", run_id, lang, actor)

"""Markdown (CommonMark + pipe tables) for wikis, tickets and plain-text review.

Store text is escaped for Markdown *and* HTML: many Markdown viewers pass raw HTML through, so a
``<script>`` in a comment must arrive as text. Table cells also lose their line breaks and pipes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pisentinel.leads.reports._labels import SECTIONS, summary_table, words

__all__ = ["render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^(\s*)([-+#=]|\d+[.)])")


def esc(value: Any) -> str:
    """Text from the store, made inert: HTML entities for ``& < >``, backslashes for Markdown
    punctuation, line breaks folded into spaces."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(r"\1\\\2", " ".join(text.splitlines()))


def code(value: Any) -> str:
    """A hash or token as inline code (backticks inside are impossible for hex, but folded)."""
    return f"`{str(value).replace('`', '')}`" if value not in (None, "") else "—"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell or "—" for cell in row) + " |" for row in rows]
    return [*out, ""]


def _pairs(mapping: Mapping[str, Any], none: str, sep: str = "；") -> str:
    return sep.join(f"{esc(k)} = {esc(v)}" for k, v in mapping.items()) or none


def _lead(
    lead: dict[str, Any],
    w: dict[str, str],
    s: dict[str, str],
    lang: str,
    level: str,
    quote: bool = True,
) -> list[str]:
    out: list[str] = []
    out += _table(
        [w["number"], esc(lead["number"])],
        [
            [w["status"], esc(lead["status_label"])],
            [
                w["subject"],
                f"{esc(lead['subject']['display'])}{w['lp']}{esc(lead['subject']['type_name'])}{w['rp']}",
            ],
            [w["model"], esc(lead["model_name"])],
            [w["kind"], esc(lead["kind"])],
            [w["severity"], esc(lead["severity"]["label"])],
            [w["affected_people"], f"{lead['affected_people']} {w['people_unit']}"],
            [w["recommended"], esc(lead["action"]["label"])],
            [w["standing_short"], esc(lead["standing"]["label"])],
            [w["created_at"], esc(lead["created_at_display"])],
            [w["updated_at"], esc(lead["updated_at_display"])],
        ],
    )
    out += [f"{level} {s['source']}", ""]
    out += [
        f"- {w['model']}{w['colon']}{esc(lead['model_name'])}",
        f"- {w['first_run']}{w['colon']}{code(lead['first_run'])}",
        f"- {w['last_run']}{w['colon']}{code(lead['last_run'])}",
        f"- {w['fingerprint']}{w['colon']}{code(lead['fingerprint'])}",
        f"- {w['subject_token']}{w['colon']}{code(lead['subject']['token'])}",
        "",
    ]

    out += [f"{level} {s['basics']}", ""]
    out += [
        f"**{w['title']}{w['colon']}** {esc(lead['title'])}",
        "",
        f"**{w['affected_people']}{w['colon']}** {lead['affected_people']} {w['people_unit']}",
        "",
    ]
    tiers = lead["tiers"]
    out += _table(
        [w["tier"], w["tier_scope"], w["threshold"], w["records"], w["ratio"]],
        [
            [
                r["tier"],
                esc(r["scope"]),
                f"{r['threshold']:g}",
                str(r["records"]),
                f"{r['ratio']:.4g}",
            ]
            for r in tiers["rows"]
        ]
        + [[w["tier_total"], "", "", str(tiers["total_records"]), f"{tiers['total_ratio']:.4g}"]],
    )
    if lead["counts"]:
        out += [f"**{w['counts']}{w['colon']}** {_pairs(lead['counts'], w['none'], w['semi'])}", ""]
    if lead["linked_tokens"]:
        tokens = w["semi"].join(
            f"{code(t['token'])}{w['lp']}{esc(t['role'])}{w['rp']}" for t in lead["linked_tokens"]
        )
        out += [f"**{w['linked']}{w['colon']}** {tokens}", ""]

    sev = lead["severity"]
    out += [
        f"{level} {s['facts']}",
        "",
        esc(lead["summary"]),
        "",
        f"**{w['severity']}{w['colon']}** {esc(sev['label'])}{w['lp']}{sev['ratio']:.4g}×{w['rp']}",
        "",
        f"**{w['severity_rule']}{w['colon']}** {esc(sev['rule_text'])}",
        "",
        f"**{w['severity_explanation']}{w['colon']}** {esc(sev['explanation'])}",
        "",
        f"**{w['standing']}{w['colon']}** {esc(lead['standing']['label'])}{w['stop']}"
        f"{esc(lead['standing']['explanation'])}",
        "",
    ]

    out += [f"{level} {s['evidence']}", ""]
    if lead["evidence"]:
        out += [w["ev_count"].format(n=len(lead["evidence"])), ""]
        out += _table(
            [
                w["ev_index"],
                w["ev_source"],
                w["ev_row"],
                w["ev_column"],
                w["ev_excerpt"],
                w["ev_hash"],
            ],
            [
                [
                    str(e["index"]),
                    esc(e["source"]),
                    "" if e["row"] is None else str(e["row"]),
                    esc(e["column"]),
                    esc(e["excerpt"])
                    + (
                        f"{w['lp']}{_pairs(e['detail'], '', w['semi'])}{w['rp']}"
                        if e["detail"]
                        else ""
                    ),
                    code(e["content_hash"]),
                ]
                for e in lead["evidence"]
            ],
        )
    else:
        out += [w["no_evidence"], ""]

    out += [f"{level} {s['law']}", ""]
    for i, p in enumerate(lead["provisions"], start=1):
        out += _provision(p, i, w, quote)
    if not quote:
        out += [w["see_annex"], ""]

    action = lead["action"]
    also = (
        f"{w['lp']}{w['also']}{w['colon']}{w['enum'].join(action['also_labels'])}{w['rp']}"
        if action["also_labels"]
        else ""
    )
    out += [
        f"{level} {s['action']}",
        "",
        f"**{w['recommended']}{w['colon']}** {esc(action['label'])}{also}",
        "",
        f"**{w['reason']}{w['colon']}** {esc(action['reason'])}",
        "",
    ]

    out += [f"{level} {s['history']}", ""]
    if lead["status_history"]:
        out += _table(
            [w["hist_at"], w["hist_from"], w["hist_to"], w["hist_by"], w["hist_reason"]],
            [
                [
                    esc(h["at_display"]),
                    esc(h["from_label"]),
                    esc(h["to_label"]),
                    esc(h["by"]),
                    esc(h["reason"]),
                ]
                for h in lead["status_history"]
            ],
        )
    else:
        out += [w["no_history"], ""]
    out += [f"{level} {s['comments']}", ""]
    if lead["comments"]:
        out += _table(
            [w["com_at"], w["com_author"], w["com_text"]],
            [[esc(c["at_display"]), esc(c["author"]), esc(c["text"])] for c in lead["comments"]],
        )
    else:
        out += [w["no_comments"], ""]
    return out


def _provision(p: dict[str, Any], index: int, w: dict[str, str], quote: bool) -> list[str]:
    cited = w["semi"].join(p["cited_by_labels"])
    cited = f"{w['lp']}{cited}{w['rp']}" if cited else ""
    if not quote:
        return [f"{index}. {esc(p['citation'])}{cited}"]
    out = [f"{index}. **{esc(p['citation'])}**{cited}", ""]
    for k, para in enumerate(p["paragraphs"]):
        out += (["   >"] if k else []) + [f"   > {esc(para)}"]
    note = p["reliability_label"] + (f"{w['semi']}{w['abridged']}" if p["abridged"] else "")
    return [*out, "   >", f"   > *{w['reliability']}{w['colon']}{esc(note)}*", ""]


def _run_record(run: dict[str, Any], w: dict[str, str]) -> list[str]:
    versions = w["semi"].join(f"{esc(k)} {esc(v)}" for k, v in run["versions"].items()) or w["none"]
    out = [
        f"- {w['run_id']}{w['colon']}{code(run['id'])}",
        f"- {w['run_model']}{w['colon']}{esc(run['model_name'])}",
        f"- {w['run_started']}{w['colon']}{esc(run['started_at_display'])}",
        f"- {w['run_finished']}{w['colon']}{esc(run['finished_at_display']) or '—'}",
        f"- {w['run_status']}{w['colon']}{esc(run['status'])}",
        f"- {w['versions']}{w['colon']}{versions}",
        f"- {w['params']}{w['colon']}{_pairs(run['params'], w['none'], w['semi'])}",
        f"- {w['run_counts']}{w['colon']}{_pairs(run['counts'], w['none'], w['semi'])}",
        "",
        f"**{w['inputs']}**",
        "",
    ]
    if run["inputs"]:
        out += _table(
            [w["in_path"], w["in_hash"], w["in_rows"]],
            [
                [
                    esc(i["path"])
                    + (
                        f"{w['lp']}{_pairs(i['other'], '', w['semi'])}{w['rp']}"
                        if i["other"]
                        else ""
                    ),
                    code(i["content_hash"]),
                    "" if i["rows"] is None else str(i["rows"]),
                ]
                for i in run["inputs"]
            ],
        )
    else:
        out += [w["none"], ""]
    return out


def _footer(context: dict[str, Any], w: dict[str, str]) -> list[str]:
    out = [
        "---",
        "",
        f"{w['generated_at']}{w['colon']}{esc(context['generated_at_display'])}{w['semi']}"
        f"{w['generator']}{w['colon']}{esc(context['generator'])}{w['stop']}",
        "",
        w["reveal_note"],
        "",
    ]
    if context["redactions"]:
        out += [w["redactions"].format(n=context["redactions"]), ""]
    return out


def render_markdown(context: dict[str, Any], *, chart_png: bytes | None = None) -> str:
    """The report as one Markdown file: a run report's chart is a table of counts, and the
    PNG as a ``data:`` image for viewers that show one."""
    lang = context["lang"]
    w, s = words(lang), SECTIONS[lang]
    out = [f"*{w['marking']}*", ""]
    if context["kind"] == "lead":
        lead = context["lead"]
        out += [
            f"# {w['lead_title']}",
            "",
            f"**{w['number']}{w['colon']}** {esc(lead['number'])}",
            "",
            f"**{esc(lead['title'])}**",
            "",
            esc(context["document_date"]),
            "",
        ]
        out += _lead(lead, w, s, lang, "##")
        out += [f"## {s['custody']}", ""]
        for run in context["runs"]:
            out += _run_record(run, w)
    else:
        run = context["run"]
        out += [
            f"# {w['run_title']}",
            "",
            f"**{w['run_id']}{w['colon']}** {code(run['id'])}",
            "",
            f"**{esc(run['model_name'])}**",
            "",
            esc(context["document_date"]),
            "",
        ]
        out += [f"## {s['run_summary']}", "", w["lead_count"].format(n=len(context["summary"])), ""]
        if context["summary"]:
            heads, rows = summary_table(context["summary"], w)
            out += _table(heads, [[esc(v) for v in row] for row in rows])
        out += [f"## {s['run_chart']}", ""]
        out += _table(
            [c["label"] for c in context["severity_counts"]],
            [[str(c["leads"]) for c in context["severity_counts"]]],
        )
        if chart_png:
            uri = "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
            out += [f"![{w['chart_alt']}]({uri})", ""]
        out += [f"## {s['run_custody']}", "", *_run_record(run, w)]
        out += [f"## {s['run_leads']}", ""]
        for lead in context["leads"]:
            out += [f"### {esc(lead['number'])} {esc(lead['title'])}", ""]
            out += _lead(lead, w, s, lang, "####", quote=False)
        if context["provisions"]:
            out += [f"## {s['run_law']}", ""]
            for i, p in enumerate(context["provisions"], start=1):
                out += _provision(p, i, w, True)
    out += _footer(context, w)
    return "\n".join(out).rstrip("\n") + "\n"

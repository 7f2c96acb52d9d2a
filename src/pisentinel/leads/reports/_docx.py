"""Word (.docx) through python-docx, laid out like a filed document (GB/T 9704 page margins).

Fonts are named the way a Chinese Windows desktop has them — 仿宋 for the body, 黑体 for
headings, 宋体 for the title — since a reviewer opens the file in Word to put it into the 案卷;
elsewhere the viewer substitutes its own CJK font. Headings use Word's built-in Heading styles so
the navigation pane and a table of contents work.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from pisentinel.leads.reports._labels import SECTIONS, summary_table, words

__all__ = ["render_docx"]

BODY_FONT, HEADING_FONT, TITLE_FONT, LATIN_FONT = "仿宋", "黑体", "宋体", "Times New Roman"
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6  # A4 less the GB/T 9704 side margins


def _fonts(element: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr, value in (
        ("w:ascii", latin),
        ("w:hAnsi", latin),
        ("w:eastAsia", east_asia),
        ("w:cs", latin),
    ):
        rfonts.set(qn(attr), value)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)  # theme fonts would override the names above


def _setup(doc: DocumentObject, lang: str) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _fonts(normal.element, BODY_FONT)
    normal.paragraph_format.line_spacing = 1.35
    normal.paragraph_format.space_after = Pt(2)
    for name, size in (("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element, HEADING_FONT)
        style.paragraph_format.space_before = Pt(10)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    if lang == "zh":
        doc.core_properties.language = "zh-CN"
    _page_footer(doc, lang)


def _field(paragraph: Paragraph, instruction: str) -> None:
    run = paragraph.add_run()
    for kind, text in (
        ("begin", None),
        (None, instruction),
        ("separate", None),
        (None, None),
        ("end", None),
    ):
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text is not None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        else:
            placeholder = OxmlElement("w:t")
            placeholder.text = "1"
            run._r.append(placeholder)


def _page_footer(doc: DocumentObject, lang: str) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, middle, after = ("第 ", " 页 共 ", " 页") if lang == "zh" else ("Page ", " of ", "")
    paragraph.add_run(before)
    _field(paragraph, "PAGE")
    paragraph.add_run(middle)
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(after)


def _bottom_rule(paragraph: Paragraph) -> None:
    """The red line under the document head (红线)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for attr, value in (
        ("w:val", "double"),
        ("w:sz", "12"),
        ("w:space", "4"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(attr), value)
    borders.append(bottom)
    ppr.append(borders)


def _para(
    doc: DocumentObject,
    text: str = "",
    *,
    bold_lead: str | None = None,
    align: Any = None,
    size: float | None = None,
    bold: bool = False,
    indent: bool = False,
    font: str | None = None,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)
    if bold_lead:
        lead_run = paragraph.add_run(bold_lead)
        lead_run.bold = True
        _fonts(lead_run._r, HEADING_FONT)
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if font:
        _fonts(run._r, font)
    return paragraph


def _shade(cell: Any, fill: str = "E7E6E6") -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tcpr.append(shading)


def _table(
    doc: DocumentObject,
    header: Sequence[str] | None,
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float] | None = None,
    *,
    key_columns: Sequence[int] = (),
    small_columns: Sequence[int] = (),
) -> Table:
    n_cols = len(header) if header else len(rows[0])
    table = doc.add_table(rows=0, cols=n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER

    def fill(cells: Sequence[Any], values: Sequence[Any], *, head: bool) -> None:
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            run = cell.paragraphs[0].add_run("—" if value in (None, "") else str(value))
            run.font.size = Pt(7.5 if i in small_columns and not head else 10.5)
            if head or i in key_columns:
                run.bold = True
                _fonts(run._r, HEADING_FONT)
                _shade(cell, "E7E6E6" if head else "F2F2F2")
            elif i in small_columns:
                _fonts(run._r, BODY_FONT, "Consolas")

    if header:
        cells = table.add_row().cells
        fill(cells, header, head=True)
        trpr = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        trpr.append(repeat)
    for row in rows:
        fill(table.add_row().cells, row, head=False)
    # Word and LibreOffice honour widths only with autofit off and the grid columns set too
    table.autofit = False
    widths = widths or [TEXT_WIDTH_CM / n_cols] * n_cols
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    doc.add_paragraph()
    return table


def _pairs(mapping: Mapping[str, Any], none: str, sep: str = "；") -> str:
    return sep.join(f"{k} = {v}" for k, v in mapping.items()) or none


def _head(
    doc: DocumentObject,
    title: str,
    number_label: str,
    number: str,
    subtitle: str,
    date: str,
    marking: str,
    colon: str,
) -> None:
    _para(doc, marking, align=WD_ALIGN_PARAGRAPH.RIGHT, size=10.5, font=HEADING_FONT)
    _para(doc, title, align=WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True, font=TITLE_FONT)
    rule = _para(doc, f"{number_label}{colon}{number}", align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
    _bottom_rule(rule)
    _para(doc, subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, size=14, bold=True, font=HEADING_FONT)
    _para(doc, date, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _lead(
    doc: DocumentObject,
    lead: dict[str, Any],
    w: dict[str, str],
    s: dict[str, str],
    lang: str,
    level: int,
    quote: bool = True,
) -> None:
    _table(
        doc,
        None,
        [
            [w["number"], lead["number"], w["status"], lead["status_label"]],
            [
                w["subject"],
                lead["subject"]["display"],
                w["subject_type"],
                lead["subject"]["type_name"],
            ],
            [w["model"], lead["model_name"], w["kind"], lead["kind"]],
            [
                w["severity"],
                lead["severity"]["label"],
                w["affected_people"],
                f"{lead['affected_people']} {w['people_unit']}",
            ],
            [
                w["recommended"],
                lead["action"]["label"],
                w["standing_short"],
                lead["standing"]["label"],
            ],
            [
                w["created_at"],
                lead["created_at_display"],
                w["updated_at"],
                lead["updated_at_display"],
            ],
        ],
        [2.6, 5.2, 2.6, 5.2],
        key_columns=(0, 2),
    )

    doc.add_heading(s["source"], level)
    if lang == "zh":
        again = (
            f"，最近一次于运行 {lead['last_run']} 中再次发现"
            if lead["last_run"] != lead["first_run"]
            else ""
        )
        text = (
            f"本线索由 pisentinel 筛查模型“{lead['model_name']}”在运行 {lead['first_run']} "
            f"中首次发现{again}。输入数据、参数与版本见运行记录（证据保管链）。"
        )
    else:
        again = (
            f" and seen again in run {lead['last_run']}"
            if lead["last_run"] != lead["first_run"]
            else ""
        )
        text = (
            f"This lead was first found by the pisentinel screening model "
            f'"{lead["model_name"]}" in run {lead["first_run"]}{again}. Inputs, parameters '
            "and versions are in the run record (chain of custody)."
        )
    _para(doc, text, indent=True)
    _para(doc, lead["fingerprint"], bold_lead=f"{w['fingerprint']}{w['colon']}")
    _para(doc, lead["subject"]["token"], bold_lead=f"{w['subject_token']}{w['colon']}")

    doc.add_heading(s["basics"], level)
    _para(doc, lead["title"], bold_lead=f"{w['title']}{w['colon']}")
    _para(
        doc,
        f"{lead['subject']['display']}{w['lp']}{lead['subject']['type_name']}{w['rp']}",
        bold_lead=f"{w['subject']}{w['colon']}",
    )
    _para(
        doc,
        f"{lead['affected_people']} {w['people_unit']}",
        bold_lead=f"{w['affected_people']}{w['colon']}",
    )
    tiers = lead["tiers"]
    _table(
        doc,
        [w["tier"], w["tier_scope"], w["threshold"], w["records"], w["ratio"]],
        [
            [
                r["tier"],
                f"{r['scope']}{w['lp']}{r['basis']}{w['rp']}",
                f"{r['threshold']:g}",
                r["records"],
                f"{r['ratio']:.4g}",
            ]
            for r in tiers["rows"]
        ]
        + [[w["tier_total"], "", "", tiers["total_records"], f"{tiers['total_ratio']:.4g}"]],
        [1.4, 8.4, 2.4, 1.8, 1.6],
    )
    if lead["counts"]:
        _para(
            doc,
            _pairs(lead["counts"], w["none"], w["semi"]),
            bold_lead=f"{w['counts']}{w['colon']}",
        )
    if lead["linked_tokens"]:
        _para(
            doc,
            w["semi"].join(
                f"{t['token']}{w['lp']}{t['role']}{w['rp']}" for t in lead["linked_tokens"]
            ),
            bold_lead=f"{w['linked']}{w['colon']}",
        )

    sev = lead["severity"]
    doc.add_heading(s["facts"], level)
    _para(doc, lead["summary"], indent=True)
    _para(
        doc,
        f"{sev['label']}{w['lp']}{sev['ratio']:.4g}×{w['rp']}",
        bold_lead=f"{w['severity']}{w['colon']}",
    )
    _para(doc, sev["rule_text"], bold_lead=f"{w['severity_rule']}{w['colon']}")
    _para(doc, sev["explanation"], bold_lead=f"{w['severity_explanation']}{w['colon']}")
    _para(
        doc,
        f"{lead['standing']['label']}{w['stop']}{lead['standing']['explanation']}",
        bold_lead=f"{w['standing']}{w['colon']}",
    )

    doc.add_heading(s["evidence"], level)
    if lead["evidence"]:
        _para(doc, w["ev_count"].format(n=len(lead["evidence"])))
        _table(
            doc,
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
                    e["index"],
                    e["source"],
                    e["row"],
                    e["column"],
                    e["excerpt"]
                    + (
                        f"{w['lp']}{_pairs(e['detail'], '', w['semi'])}{w['rp']}"
                        if e["detail"]
                        else ""
                    ),
                    e["content_hash"],
                ]
                for e in lead["evidence"]
            ],
            [1.0, 2.8, 1.2, 1.6, 5.4, 3.6],
            small_columns=(5,),
        )
    else:
        _para(doc, w["no_evidence"])

    doc.add_heading(s["law"], level)
    for i, p in enumerate(lead["provisions"], start=1):
        _provision(doc, p, i, w, quote)
    if not quote:
        _para(doc, w["see_annex"], size=9)

    action = lead["action"]
    doc.add_heading(s["action"], level)
    also = (
        f"{w['lp']}{w['also']}{w['colon']}{w['enum'].join(action['also_labels'])}{w['rp']}"
        if action["also_labels"]
        else ""
    )
    _para(doc, action["label"] + also, bold_lead=f"{w['recommended']}{w['colon']}")
    _para(doc, action["reason"], bold_lead=f"{w['reason']}{w['colon']}")

    doc.add_heading(s["history"], level)
    if lead["status_history"]:
        _table(
            doc,
            [w["hist_at"], w["hist_from"], w["hist_to"], w["hist_by"], w["hist_reason"]],
            [
                [h["at_display"], h["from_label"], h["to_label"], h["by"], h["reason"]]
                for h in lead["status_history"]
            ],
            [4.4, 1.8, 1.8, 3.4, 4.2],
        )
    else:
        _para(doc, w["no_history"])
    doc.add_heading(s["comments"], level)
    if lead["comments"]:
        _table(
            doc,
            [w["com_at"], w["com_author"], w["com_text"]],
            [[c["at_display"], c["author"], c["text"]] for c in lead["comments"]],
            [4.4, 2.6, 8.6],
        )
    else:
        _para(doc, w["no_comments"])


def _provision(
    doc: DocumentObject, p: dict[str, Any], index: int, w: dict[str, str], quote: bool
) -> None:
    cited = w["semi"].join(p["cited_by_labels"])
    _para(doc, f"{w['lp']}{cited}{w['rp']}" if cited else "", bold_lead=f"{index}. {p['citation']}")
    if not quote:
        return
    for para in p["paragraphs"]:
        _para(doc, para, indent=True)
    note = p["reliability_label"] + (f"{w['semi']}{w['abridged']}" if p["abridged"] else "")
    small = _para(doc, f"{w['reliability']}{w['colon']}{note}", size=9)
    small.runs[-1].italic = True


def _run_record(doc: DocumentObject, run: dict[str, Any], w: dict[str, str]) -> None:
    versions = w["semi"].join(f"{k} {v}" for k, v in run["versions"].items()) or w["none"]
    _table(
        doc,
        None,
        [
            [w["run_id"], run["id"], w["run_model"], run["model_name"]],
            [
                w["run_started"],
                run["started_at_display"],
                w["run_finished"],
                run["finished_at_display"],
            ],
            [w["run_status"], run["status"], w["versions"], versions],
        ],
        [2.6, 5.2, 2.6, 5.2],
        key_columns=(0, 2),
    )
    _para(doc, "", bold_lead=f"{w['inputs']}")
    if run["inputs"]:
        _table(
            doc,
            [w["in_path"], w["in_hash"], w["in_rows"]],
            [
                [
                    i["path"]
                    + (
                        f"{w['lp']}{_pairs(i['other'], '', w['semi'])}{w['rp']}"
                        if i["other"]
                        else ""
                    ),
                    i["content_hash"],
                    i["rows"],
                ]
                for i in run["inputs"]
            ],
            [6.0, 7.6, 2.0],
            small_columns=(1,),
        )
    else:
        _para(doc, w["none"])
    _para(doc, _pairs(run["params"], w["none"], w["semi"]), bold_lead=f"{w['params']}{w['colon']}")
    _para(
        doc, _pairs(run["counts"], w["none"], w["semi"]), bold_lead=f"{w['run_counts']}{w['colon']}"
    )


def _footer_note(doc: DocumentObject, context: dict[str, Any], w: dict[str, str]) -> None:
    doc.add_paragraph()
    _para(
        doc,
        f"{w['generated_at']}{w['colon']}{context['generated_at_display']}{w['semi']}{w['generator']}{w['colon']}"
        f"{context['generator']}{w['stop']}",
        size=9,
    )
    _para(doc, w["reveal_note"], size=9)
    if context["redactions"]:
        _para(doc, w["redactions"].format(n=context["redactions"]), size=9)


def render_docx(context: dict[str, Any], *, chart_png: bytes | None = None) -> bytes:
    lang = context["lang"]
    w, s = words(lang), SECTIONS[lang]
    doc = Document()
    _setup(doc, lang)
    doc.core_properties.author = context["generator"]
    if context["kind"] == "lead":
        lead = context["lead"]
        doc.core_properties.title = f"{w['lead_title']} {lead['number']}"
        _head(
            doc,
            w["lead_title"],
            w["number"],
            lead["number"],
            lead["title"],
            context["document_date"],
            w["marking"],
            w["colon"],
        )
        _lead(doc, lead, w, s, lang, 1)
        doc.add_heading(s["custody"], 1)
        for run in context["runs"]:
            _run_record(doc, run, w)
    else:
        run = context["run"]
        doc.core_properties.title = f"{w['run_title']} {run['id']}"
        _head(
            doc,
            w["run_title"],
            w["run_id"],
            run["id"],
            run["model_name"],
            context["document_date"],
            w["marking"],
            w["colon"],
        )
        doc.add_heading(s["run_summary"], 1)
        _para(doc, w["lead_count"].format(n=len(context["summary"])))
        if context["summary"]:
            _table(doc, *summary_table(context["summary"], w),
                   [2.6, 4.0, 1.9, 1.8, 1.3, 2.0, 1.2, 0.8])
        doc.add_heading(s["run_chart"], 1)
        _table(
            doc,
            [c["label"] for c in context["severity_counts"]],
            [[c["leads"] for c in context["severity_counts"]]],
        )
        if chart_png:
            doc.add_picture(io.BytesIO(chart_png), width=Cm(15))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.add_heading(s["run_custody"], 1)
        _run_record(doc, run, w)
        for lead in context["leads"]:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            doc.add_heading(f"{lead['number']} {lead['title']}", 1)
            _lead(doc, lead, w, s, lang, 2, quote=False)
        if context["provisions"]:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            doc.add_heading(s["run_law"], 1)
            for i, p in enumerate(context["provisions"], start=1):
                _provision(doc, p, i, w, True)
    _footer_note(doc, context, w)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

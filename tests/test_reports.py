"""Lead and run reports (pisentinel.leads.reports) from a real SQLite LeadStore.

Every format is rendered once per module from synthetic leads built here, then read back the way
a reviewer's tools would: DOCX through python-docx, PDF through poppler's pdftotext/pdffonts,
HTML through an HTML parser, JSON through json. Identifiers are generated with valid checksums so
the raw-identifier guard is tested against values the store would really refuse.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pisentinel.knowledge.provisions import provision
from pisentinel.leads import (
    Evidence,
    Lead,
    LeadStatus,
    LeadStore,
    SeverityAssessment,
    Subject,
    UnmaskedIdentifierError,
    find_raw_identifiers,
    severity_for,
)
from pisentinel.leads.reports import (
    FORMATS,
    ReportError,
    lead_context,
    render_lead_report,
    render_lead_report_bytes,
    render_run_report,
)
from pisentinel.leads.reports._redact import Redactor

docx = pytest.importorskip("docx")

SECTIONS_ZH = ("线索来源", "基本情况", "涉嫌违法事实", "证据", "法律依据", "处理建议")
HOSTILE = "<script>alert('x')</script> 请核实 & 调取 | 记录"
PDFTOTEXT = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(PDFTOTEXT is None,
                                   reason="poppler-utils missing: scripts/install_system_deps.sh")


def synthetic_id(seq: int) -> str:
    """A resident ID number with a valid ISO 7064 check digit (synthetic, region 110105)."""
    body = f"11010519900307{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


RAW_ID = synthetic_id(123)
RAW_MOBILE = "13912345678"


@dataclass
class World:
    store: LeadStore
    run_id: str
    lead_ids: tuple[int, ...]
    main: int
    out: Path


def _lead(i: int, t1: int, t3: int, people: int, n_evidence: int) -> Lead:
    evidence = tuple(
        Evidence(source="bookings/2026-11 预约记录.csv", row=100 + j, column="证件号码",
                 excerpt=f"账号 user_{i:02d}** 为 110105********{1000 + j:04d} 预约 | 故宫 <b>",
                 content_hash=f"sha256:{i:02x}{j:062x}", detail={"device": f"dev-{j}"})
        for j in range(n_evidence))
    return Lead(
        model="scalper_booking", kind="account_many_ids",
        subject=Subject("account", f"tok_{i:04d}", f"user_{i:02d}****"),
        title_zh=f"账号 user_{i:02d}**** 为 {people} 个不同身份证号预约门票",
        summary_zh=f"该账号 7 天内为 {people} 个不同身份证号码预约门票，疑似代抢倒卖。",
        title_en=f"Account user_{i:02d}**** booked for {people} distinct ID numbers",
        summary_en="Booked tickets for many distinct ID numbers within 7 days.",
        severity=severity_for({"T1": t1, "T3": t3}), affected_people=people,
        provisions=("PIPL-10", "PIPL-13"), evidence=evidence,
        records_by_tier={"T1": t1, "T3": t3}, counts={"bookings": people * 2})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("reports")
    store = LeadStore(f"sqlite:///{root / 'leads.db'}")
    # run records and actor names are not checked by the store: the report must mask them
    run_id = store.start_run(
        "scalper_booking", params={"seed_account": f"证件 {RAW_ID}", "window": "7d"},
        inputs=[{"path": f"exports/{RAW_MOBILE}.csv", "content_hash": "sha256:" + "ab" * 32,
                 "rows": 1200}],
        versions={"pisentinel": "test"})
    leads = [_lead(0, 0, 80, 80, 2), _lead(1, 60, 900, 950, 4), _lead(2, 700, 0, 700, 3)]
    ids = store.upsert_leads(run_id, leads).ids
    store.finish_run(run_id, counts={"leads": len(leads)})
    main = ids[1]
    store.set_status(main, LeadStatus.REVIEWING, by=f"analyst {RAW_MOBILE}")
    store.add_comment(main, "王检察官", HOSTILE)
    store.set_status(main, LeadStatus.DISMISSED, by="analyst", reason="主体信息不足，暂予排除")
    out = root / "out"
    for fmt in FORMATS:
        render_lead_report(store, main, out / f"lead.{fmt}")
        render_run_report(store, run_id, out / f"run.{fmt}")
    render_lead_report(store, main, out / "lead_en.html", lang="en")
    return World(store, run_id, ids, main, out)


def docx_text(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables


def pdf_text(path: Path) -> str:
    assert PDFTOTEXT is not None
    return subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def report_text(path: Path) -> str:
    if path.suffix == ".docx":
        paragraphs, tables = docx_text(path)
        return "\n".join(paragraphs + [c for t in tables for row in t for c in row])
    if path.suffix == ".pdf":
        return pdf_text(path)
    return path.read_text(encoding="utf-8")


# --- DOCX --------------------------------------------------------------------------------


def test_docx_has_the_sections_and_one_evidence_row_per_item(world: World) -> None:
    lead = world.store.get(world.main)
    paragraphs, tables = docx_text(world.out / "lead.docx")
    headings = [p.text for p in docx.Document(str(world.out / "lead.docx")).paragraphs
                if p.style is not None and p.style.name.startswith("Heading")]
    for name in SECTIONS_ZH:
        assert any(name in h for h in headings), name
    assert "个人信息保护线索报告" in paragraphs
    evidence_tables = [t for t in tables if t[0][0] == "序号" and "内容哈希" in t[0]]
    assert len(evidence_tables) == 1
    rows = evidence_tables[0][1:]
    assert len(rows) == len(lead.evidence) == 4
    assert [r[-1] for r in rows] == [ev.content_hash for ev in lead.evidence]
    assert [r[2] for r in rows] == [str(ev.row) for ev in lead.evidence]


def test_docx_quotes_provisions_and_shows_history_and_comments(world: World) -> None:
    paragraphs, tables = docx_text(world.out / "lead.docx")
    text = "\n".join(paragraphs)
    for pid in ("PIPL-10", "PIPL-70"):  # PIPL-70: the standing basis, which the lead cites not
        wording = provision(pid).text
        assert wording is not None and wording in text
    assert "法释〔2017〕10号 第五条第一款第六项" in text  # the rule applied to the counts
    cells = [c for t in tables for row in t for c in row]
    assert HOSTILE in cells  # a comment is text in Word, shown as written
    assert "主体信息不足，暂予排除" in cells
    assert "已排除" in cells


def test_run_docx_has_summary_rows_and_the_chart(world: World) -> None:
    document = docx.Document(str(world.out / "run.docx"))
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == "线索编号")
    assert len(summary.rows) - 1 == len(world.lead_ids)
    assert len(document.inline_shapes) == 1  # the severity chart
    headings = [p.text for p in document.paragraphs
                if p.style is not None and p.style.name.startswith("Heading")]
    assert sum("涉嫌违法事实" in h for h in headings) == len(world.lead_ids)


# --- PDF ---------------------------------------------------------------------------------


@needs_poppler
def test_pdf_text_is_chinese_not_tofu(world: World) -> None:
    text = pdf_text(world.out / "lead.pdf")
    for name in SECTIONS_ZH:
        assert name in text, name
    assert "个人信息保护线索报告" in text
    assert "情节严重" in text
    fonts = subprocess.run(["pdffonts", str(world.out / "lead.pdf")], check=True,
                           capture_output=True, text=True).stdout
    assert re.search(r"CJK.*\byes\s+yes\b", fonts), fonts  # a CJK font, embedded and subset


@needs_poppler
def test_run_pdf_lists_every_lead_and_embeds_the_chart(world: World) -> None:
    text = pdf_text(world.out / "run.pdf")
    for lead_id in world.lead_ids:
        assert re.search(rf"PIS-\d{{4}}-{lead_id:06d}", text)
    assert "按严重程度统计" in text
    images = subprocess.run(["pdfimages", "-list", str(world.out / "run.pdf")], check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()
    assert len(images) >= 3  # header, rule, at least one image row


# --- HTML / Markdown -----------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_renders_hostile_text_inert(world: World) -> None:
    html = (world.out / "lead.html").read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(html)
    assert "script" not in parser.tags
    assert "b" not in parser.tags  # the <b> in the excerpts stays text too
    assert HOSTILE in "".join(parser.text)  # shown as written, as text
    assert "&lt;script&gt;" in html
    assert "default-src 'none'" in html  # and the page may load or run nothing


def test_html_in_english(world: World) -> None:
    html = (world.out / "lead_en.html").read_text(encoding="utf-8")
    assert "Personal-Information Protection Lead Report" in html
    assert "Evidence (证据)" in html and "Legal basis (法律依据)" in html
    assert "Booked tickets for many distinct ID numbers" in html


def test_markdown_escapes_and_keeps_the_evidence_table(world: World) -> None:
    md = (world.out / "lead.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md
    lead = world.store.get(world.main)
    rows = [line for line in md.splitlines() if line.startswith("| ") and "证件号码" in line]
    assert len(rows) == len(lead.evidence)
    assert all(line.count(" | ") == 5 for line in rows)  # escaped pipes do not split cells
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    for name in SECTIONS_ZH:
        assert any(name in h for h in headings), name


def test_run_html_and_markdown_embed_the_chart(world: World) -> None:
    assert "data:image/png;base64," in (world.out / "run.html").read_text(encoding="utf-8")
    assert "](data:image/png;base64," in (world.out / "run.md").read_text(encoding="utf-8")


# --- JSON --------------------------------------------------------------------------------


def test_json_round_trips_the_lead(world: World) -> None:
    data = json.loads((world.out / "lead.json").read_text(encoding="utf-8"))
    lead = world.store.get(world.main)
    assert data["schema"] == "pisentinel.report/1" and data["kind"] == "lead"
    got = data["lead"]
    assert got["id"] == lead.id and got["fingerprint"] == lead.fingerprint
    assert got["status"] == "dismissed"
    assert [(e["source"], e["row"], e["column"], e["excerpt"], e["content_hash"])
            for e in got["evidence"]] == [
        (ev.source, ev.row, ev.column, ev.excerpt, ev.content_hash) for ev in lead.evidence]
    fields = set(SeverityAssessment.__dataclass_fields__)
    severity = SeverityAssessment.from_dict({k: v for k, v in got["severity"].items()
                                             if k in fields})
    assert severity == lead.severity
    assert [p["id"] for p in got["provisions"]] == [
        "PIPL-10", "PIPL-13", "SPC-SPP-2017-5", "CRIMINAL-253-1", "PIPL-70"]
    assert got["provisions"][0]["text"] == provision("PIPL-10").text
    assert [c["text"] for c in got["comments"]] == [HOSTILE]
    assert [h["to"] for h in got["status_history"]] == ["new", "reviewing", "dismissed"]
    # the JSON is the context: rendering again at the same moment gives the same data
    again = lead_context(world.store, world.main,
                         now=datetime.fromisoformat(data["generated_at"]))
    assert json.loads(json.dumps(again, ensure_ascii=False)) == data


def test_run_json_lists_the_runs_leads_and_counts_by_severity(world: World) -> None:
    data = json.loads((world.out / "run.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in data["summary"]) == sorted(world.lead_ids)
    levels = {c["level"]: c["leads"] for c in data["severity_counts"]}
    assert levels == {"especially_serious": 1, "serious": 1, "general": 1}
    ranks = [r["level"] for r in data["summary"]]
    assert ranks == ["especially_serious", "serious", "general"]  # most severe first
    assert data["run"]["inputs"][0]["content_hash"] == "sha256:" + "ab" * 32
    ids = [p["id"] for p in data["provisions"]]
    assert len(ids) == len(set(ids)) and "SPC-SPP-2017-5" in ids
    wording = provision("SPC-SPP-2017-5").paragraphs[0]
    md = (world.out / "run.md").read_text(encoding="utf-8")
    assert md.count(wording[:30]) == 1  # quoted once, in the annex


# --- no raw identifiers, anywhere ----------------------------------------------------------


def test_the_store_refuses_what_reports_must_never_show(world: World) -> None:
    bad = _lead(9, 0, 1, 1, 1)
    bad = Lead(**{**bad.__dict__, "summary_zh": f"身份证 {RAW_ID}"})
    with pytest.raises(UnmaskedIdentifierError):
        world.store.upsert_leads(world.run_id, [bad])
    assert find_raw_identifiers(RAW_ID) and find_raw_identifiers(RAW_MOBILE)


@pytest.mark.parametrize("name", [f"{kind}.{fmt}" for kind in ("lead", "run")
                                  for fmt in FORMATS])
def test_no_report_holds_a_raw_identifier(world: World, name: str) -> None:
    path = world.out / name
    if path.suffix == ".pdf" and PDFTOTEXT is None:
        pytest.skip("poppler-utils missing")
    text = report_text(path)
    assert find_raw_identifiers(text) == []
    assert RAW_ID not in text and RAW_MOBILE not in text
    if not (name.startswith("lead") and path.suffix in (".docx", ".pdf")):
        return
    assert "139****5678" in text  # the status changer's name was masked, not dropped


def test_redactions_are_counted_and_reported(world: World) -> None:
    data = json.loads((world.out / "run.json").read_text(encoding="utf-8"))
    assert data["redactions"] >= 3  # seed_account ID, input path mobile, status actor mobile
    assert data["run"]["params"]["seed_account"] == "证件 110105********" + RAW_ID[-4:]
    assert data["run"]["inputs"][0]["path"] == "exports/139****5678.csv"
    assert "另行遮蔽" in (world.out / "run.html").read_text(encoding="utf-8")


def test_redactor_masks_spaced_and_full_width_forms_and_keeps_hashes() -> None:
    r = Redactor()
    full_width = RAW_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert r.text(f"电话 139 1234 5678，证件{full_width}。") == (
        f"电话 139 **** 5678，证件{full_width[:6]}********{full_width[-4:]}。")
    digest = "sha256:" + "0" * 64
    assert r.text(digest) == digest
    assert r.text("订单 110105199003071230 号") == "订单 110105199003071230 号"  # bad checksum
    assert r.tree({"k": [13912345678, 42]}) == {"k": ["139****5678", 42]}
    token = "PHONE_NUMBER:ph_a13912345678bcdef0123456"  # digits inside hex are chance
    assert r.text(token) == token
    assert r.text(f"tok_{RAW_MOBILE}") == "tok_139****5678"  # short: not a hash, masked


def test_hashes_that_look_like_numbers_survive_whole(tmp_path: Path) -> None:
    store = LeadStore(f"sqlite:///{tmp_path / 'leads.db'}")
    digest = "sha256:" + "a" + RAW_MOBILE + "b" * 52
    run_id = store.start_run("scalper_booking",
                             inputs=[{"path": "in.csv", "content_hash": digest}])
    lead = _lead(5, 0, 10, 10, 1)
    evidence = Evidence(source="in.csv", excerpt="账号 user_05**", content_hash=digest, row=1)
    (lead_id,) = store.upsert_leads(run_id, [Lead(**{**lead.__dict__,
                                                     "evidence": (evidence,)})]).ids
    for fmt in ("json", "html", "md"):
        render_lead_report(store, lead_id, tmp_path / f"lead.{fmt}")
    data = json.loads((tmp_path / "lead.json").read_text(encoding="utf-8"))
    assert data["lead"]["evidence"][0]["content_hash"] == digest
    assert data["runs"][0]["inputs"][0]["content_hash"] == digest
    assert data["redactions"] == 0
    assert digest in (tmp_path / "lead.html").read_text(encoding="utf-8")
    store.close()


# --- files, errors, audit ------------------------------------------------------------------


def test_write_is_atomic_and_leaves_no_temp_files(world: World, tmp_path: Path) -> None:
    target = tmp_path / "lead.md"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyError):
        render_lead_report(world.store, 999_999, target)
    assert target.read_text(encoding="utf-8") == "old"
    render_lead_report(world.store, world.main, target)
    assert target.read_text(encoding="utf-8").startswith("*内部资料")
    assert [p.name for p in tmp_path.iterdir()] == ["lead.md"]


def test_export_is_audited_with_the_file_hash(world: World, tmp_path: Path) -> None:
    path = render_lead_report(world.store, world.main, tmp_path / "audit.json", actor="王检察官")
    entries = [e for e in world.store.audit_entries(object_type="lead",
                                                    object_id=str(world.main), limit=1000)
               if e.action == "report.export"]
    last = entries[-1]
    assert last.actor == "王检察官"
    assert last.detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert last.detail["format"] == "json"


def test_unknown_format_language_and_reveal_are_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(ReportError):
        render_lead_report(world.store, world.main, tmp_path / "lead.txt")
    with pytest.raises(ReportError):
        render_lead_report(world.store, world.main, tmp_path / "lead.md", lang="fr")

    class Grant:
        actor = "王检察官"
        reason = "庭审需要"

    with pytest.raises(NotImplementedError):
        render_lead_report(world.store, world.main, tmp_path / "lead.md", reveal=Grant())
    assert list(tmp_path.iterdir()) == []


def test_bytes_api_matches_the_file_format(world: World) -> None:
    data = render_lead_report_bytes(world.store, world.main, "docx")
    assert data[:2] == b"PK"  # a zip container
    assert json.loads(render_lead_report_bytes(world.store, world.main, "json"))["kind"] == "lead"

"""pi_inventory on a synthetic estate (files in four formats and encodings plus a SQLite
database), scored against the planted truth; on Spark it must give the same leads. With a rules
file, a company's own identifier (工号) is inventoried under its own name."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pisentinel.cli import app
from pisentinel.detect.rules import load_rules
from pisentinel.leads import LeadStore
from pisentinel.models import get_model
from pisentinel.models.pi_inventory.synth import evaluate
from pisentinel.models.runner import RunError, RunResult, run_model
from pisentinel.protect import pseudonym_token
from pisentinel.web.errors import ApiError
from pisentinel.web.services import Services
from pisentinel.web.settings import Settings

KEY = b"i" * 32


def _inputs(truth: dict[str, Any], data: Path) -> dict[str, list[Any]]:
    return {k: [p if "://" in p else data / p for p in v] for k, v in truth["inputs"].items()}


def _run(tmp_path: Path, mix: str, engine: str = "duckdb") -> tuple[dict[str, Any], RunResult]:
    model = get_model("pi_inventory")
    data = tmp_path / f"data-{mix}"
    truth = model.generate(150, 11, data, mix=mix)
    result = run_model(model, _inputs(truth, data), workspace=tmp_path / f"ws-{engine}",
                       token_key=KEY, engine=engine)
    return truth, result


@pytest.mark.parametrize("mix", ["default", "hard"])
def test_inventory_finds_every_planted_dataset_and_column(tmp_path: Path, mix: str) -> None:
    truth, result = _run(tmp_path, mix)
    scores = evaluate(truth, result.leads, lambda t, v: pseudonym_token(t, v, KEY))
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert scores["column_recall"] >= 0.9, scores
    names = {lead.subject.display for lead in result.leads}
    assert not names & set(truth["decoys"])


def test_inventory_leads_are_masked_and_explain_the_volume(tmp_path: Path) -> None:
    _truth, result = _run(tmp_path, "default")
    patients = next(lead for lead in result.leads if lead.subject.display == "patients.xlsx")
    assert patients.records_by_tier["T2"] == 150  # a diagnosis is 健康生理信息
    assert patients.severity.level.rank == 0  # 150 < 500
    assert "PIPL-28" in patients.provisions and "医疗健康" in patients.summary_zh
    assert "k=" in patients.summary_zh
    customers = next(lead for lead in result.leads if lead.subject.display == "customers.csv")
    assert customers.affected_people == 150
    text = json.dumps([lead.text_fields() for lead in result.leads], ensure_ascii=False)
    data = tmp_path / "data-default" / "estate" / "customers.csv"
    raw_ids = [line.split(",")[1].strip('"') for line in
               data.read_text("gb18030").splitlines()[1:6]]
    assert all(raw not in text for raw in raw_ids)


@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path) -> None:
    _t, duck = _run(tmp_path, "default")
    _t, spark = _run(tmp_path, "default", engine="spark")
    assert sorted(lead.fingerprint for lead in duck.leads) == sorted(
        lead.fingerprint for lead in spark.leads)
    assert sorted(lead.affected_people for lead in duck.leads) == sorted(
        lead.affected_people for lead in spark.leads)


RULES = """
types:
  EMPLOYEE_ID: {name_zh: 工号, name_en: employee number, sensitive: true,
                mask: {keep_prefix: 2, keep_suffix: 2}}
patterns:
  - {type: EMPLOYEE_ID, regex: 'GH[0-9]{6}', score: 0.8}
"""
EMPLOYEE_IDS = [f"GH{100200 + 7 * i:06d}" for i in range(12)]


@pytest.fixture()
def staff(tmp_path: Path) -> tuple[Path, Path]:
    """A synthetic staff list (工号, 部门, 手机) and a rules file that defines 工号."""
    csv = tmp_path / "staff" / "员工.csv"
    csv.parent.mkdir()
    rows = [f"{e},{('财务部', '人事部', '研发部')[i % 3]},139{i:08d}"
            for i, e in enumerate(EMPLOYEE_IDS)]
    csv.write_text("工号,部门,手机\n" + "\n".join(rows) + "\n", "utf-8")
    rules = tmp_path / "staff" / "rules.yaml"
    rules.write_text(RULES, "utf-8")
    return csv, rules


def _inventory(result: RunResult) -> list[dict[str, Any]]:
    con = duckdb.connect(str(result.run_dir / "engine.duckdb"), read_only=True)
    try:
        cur = con.execute("SELECT * FROM inventory_columns ORDER BY col, type")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def test_rules_put_the_companys_own_type_in_the_inventory(tmp_path: Path,
                                                          staff: tuple[Path, Path]) -> None:
    csv, rules = staff
    model = get_model("pi_inventory")
    plain = run_model(model, {"sources": [csv]}, workspace=tmp_path / "ws0", token_key=KEY)
    assert {c["type"] for c in _inventory(plain)} == {"PHONE_NUMBER"}

    result = run_model(model, {"sources": [csv]}, workspace=tmp_path / "ws", token_key=KEY,
                       params={"rules": str(rules)})
    own = [c for c in _inventory(result) if c["col"] == "工号"]
    assert [(c["type"], c["type_zh"], c["type_en"], c["sensitive"], c["tier"], c["custom"],
             c["rows"], c["distinct"]) for c in own] == [
        ("EMPLOYEE_ID", "工号", "employee number", True, None, True, 12, 12)]
    assert own[0]["example_masked"].startswith("GH") and "*" in own[0]["example_masked"]

    lead, = result.leads
    ev = next(e for e in lead.evidence if e.column == "工号")
    assert ev.detail["type"] == "EMPLOYEE_ID" and ev.detail["type_zh"] == "工号"
    assert ev.detail["tier"] == "—" and "工号（自定义类型）" in ev.excerpt
    assert "工号" in lead.summary_zh and "不属于 2017 年两高解释的分级" in lead.summary_zh
    assert "PIPL-28" in lead.provisions  # the rules call 工号 sensitive
    assert lead.records_by_tier["T3"] == 12  # the phone numbers; 工号 adds no tier
    text = json.dumps(lead.text_fields(), ensure_ascii=False)
    assert not any(e in text for e in EMPLOYEE_IDS)
    with LeadStore(f"sqlite:///{tmp_path / 'ws' / 'leads.db'}") as store:
        params = store.get_run(result.run_id).params
    assert params["rules"] == str(rules)
    assert params["rules_digest"] == "sha256:" + load_rules(rules).digest


def test_an_edited_rules_file_is_a_new_run(tmp_path: Path, staff: tuple[Path, Path]) -> None:
    csv, rules = staff
    model = get_model("pi_inventory")
    run = lambda: run_model(model, {"sources": [csv]}, workspace=tmp_path / "ws",  # noqa: E731
                            token_key=KEY, params={"rules": str(rules)})
    first = run()
    assert run().run_id == first.run_id  # the same file: the same run
    rules.write_text(RULES.replace("name_zh: 工号", "name_zh: 员工编号"), "utf-8")
    edited = run()
    assert edited.run_id != first.run_id
    assert "员工编号" in edited.leads[0].summary_zh
    # The store's lead is the same one, refreshed: its evidence is the edited run's, item for
    # item, not the first run's type name beside the new summary.
    with LeadStore(f"sqlite:///{tmp_path / 'ws' / 'leads.db'}") as store:
        stored = store.get(edited.lead_ids[0])
    assert edited.lead_ids == first.lead_ids and stored.summary_zh == edited.leads[0].summary_zh
    assert [(e.column, e.excerpt, dict(e.detail)) for e in stored.evidence] == [
        (e.column, e.excerpt, dict(e.detail)) for e in edited.leads[0].evidence]
    # `none` (or 无) is no rules file, on the command line as in the console: empty's run.
    bare = run_model(model, {"sources": [csv]}, workspace=tmp_path / "ws", token_key=KEY,
                     params={"rules": "none"})
    assert bare.run_id == run_model(model, {"sources": [csv]}, workspace=tmp_path / "ws",
                                    token_key=KEY, params={"rules": "无"}).run_id
    assert bare.run_id == run_model(model, {"sources": [csv]}, workspace=tmp_path / "ws",
                                    token_key=KEY).run_id
    with LeadStore(f"sqlite:///{tmp_path / 'ws' / 'leads.db'}") as store:
        assert [e.column for e in store.get(bare.lead_ids[0]).evidence] == ["手机"]


def test_a_missing_or_bad_rules_file_stops_before_any_work(tmp_path: Path,
                                                            staff: tuple[Path, Path]) -> None:
    csv, rules = staff
    model = get_model("pi_inventory")
    ws = tmp_path / "ws"
    with pytest.raises(RunError) as missing:
        run_model(model, {"sources": [csv]}, workspace=ws, token_key=KEY,
                  params={"rules": str(tmp_path / "无此规则.yaml")})
    assert "无此规则.yaml" in missing.value.message("zh") and "规则文件" in missing.value.message(
        "zh")
    assert "无此规则.yaml" in missing.value.message("en") and "rules file" in missing.value.message(
        "en")
    assert missing.value.exit_code == 2 and not ws.exists()
    rules.write_text("patterns:\n  - {type: NOPE, regex: x}\n", "utf-8")
    result = CliRunner().invoke(app, ["run", "pi_inventory", "-i", f"sources={csv}", "-w",
                                      str(ws), "--param", f"rules={rules}"])
    assert result.exit_code == 2
    assert "rules.yaml" in result.output and "NOPE" in result.output
    assert not ws.exists()


def test_the_console_reads_rules_only_inside_its_allowed_folders(
        tmp_path: Path, staff: tuple[Path, Path]) -> None:
    csv, rules = staff
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(RULES, "utf-8")
    svc = Services.build(Settings(workspace=tmp_path / "web", allowed_roots=(csv.parent,)))
    try:
        source = svc.sources.register(str(csv), by="analyst")
        with pytest.raises(ApiError) as denied:
            svc.jobs.submit("pi_inventory", {"sources": [source.id]},
                            {"rules": str(outside)}, by="analyst")
        assert denied.value.status == 403
        with pytest.raises(ApiError) as missing:
            svc.jobs.submit("pi_inventory", {"sources": [source.id]},
                            {"rules": str(csv.parent / "gone.yaml")}, by="analyst")
        assert missing.value.code == "invalid_params" and "rules" in missing.value.message_en
        assert "cannot be read" in missing.value.message_en  # not "gone.yaml": errors.py
        assert "gone.yaml" not in missing.value.message_en + missing.value.message_zh
        job = svc.jobs.submit("pi_inventory", {"sources": [source.id]},
                              {"rules": str(rules)}, by="analyst")
        assert job.params["rules"] == str(rules.resolve())
        while (job := svc.jobs.get(job.id)).status in ("queued", "running"):
            time.sleep(0.05)
        assert job.status == "succeeded", job.error_en
        assert job.run_id is not None
        assert svc.store.get_run(job.run_id).params["rules_digest"] == (
            "sha256:" + load_rules(rules).digest)
        lead, = svc.store.query(model="pi_inventory").items
        assert "工号" in lead.summary_zh
    finally:
        svc.close()

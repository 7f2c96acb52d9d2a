"""The model framework end to end with a small model package made in the test: manifest, SQL
and Python steps, lead building, the run record, idempotent re-runs and resume."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from pisentinel.engine.sources import SourceError
from pisentinel.leads import LeadStore
from pisentinel.models import Model
from pisentinel.models.manifest import load_manifest
from pisentinel.models.runner import RunError, run_model

MANIFEST = """
name: toy_links
version: "1"
title_zh: 测试模型
title_en: Toy model
scenario: test
inputs:
  records:
    zh: 记录
    columns:
      account_id: {zh: 账户, required: true, synonyms: [账户ID, 用户ID]}
      id_number: {zh: 证件号, required: true, synonyms: [身份证号, 证件号码]}
      note: {zh: 备注, synonyms: [备注]}
params:
  min_ids: {default: 3, zh: 最少证件数}
steps:
  - sql: per_account.sql
  - python: mark_big
provisions: [PIPL-10]
"""

SQL = """
SELECT account_id, count(DISTINCT id_number) AS ids, min(_row) AS first_row
FROM records GROUP BY account_id HAVING count(DISTINCT id_number) >= {{ min_ids }}
"""

STEPS = """
import pyarrow as pa

CALLS = []

def mark_big(ctx):
    CALLS.append(ctx.run_id)
    rows = ctx.rows("SELECT account_id, ids FROM per_account ORDER BY account_id")
    ctx.engine.register("big", pa.table({"account_id": [r["account_id"] for r in rows]}))
"""

LEADS = """
from pisentinel.leads import Evidence, Lead, Subject, severity_for

def build_leads(ctx):
    out = []
    for r in ctx.rows("SELECT p.account_id, p.ids, p.first_row FROM per_account p "
                      "JOIN big USING (account_id) ORDER BY account_id"):
        token = ctx.token("PHONE_NUMBER", r["account_id"])
        out.append(Lead(
            model="toy_links", kind="many_ids",
            subject=Subject("account", token, ctx.mask("PHONE_NUMBER", r["account_id"])),
            title_zh=f"账户为 {r['ids']} 个证件号预约", summary_zh="测试",
            severity=severity_for({"T3": r["ids"]}), affected_people=r["ids"],
            provisions=("PIPL-10",),
            evidence=(Evidence("records", f"{r['ids']} 个证件号", "sha256:x", r["first_row"]),),
        ))
    return out
"""


@pytest.fixture()
def toy_model(tmp_path: Path) -> Model:
    pkg = tmp_path / "pkgs" / "toy_links_pkg"
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "manifest.yaml").write_text(textwrap.dedent(MANIFEST), "utf-8")
    (pkg / "sql" / "per_account.sql").write_text(SQL, "utf-8")
    (pkg / "steps.py").write_text(textwrap.dedent(STEPS), "utf-8")
    (pkg / "leads.py").write_text(textwrap.dedent(LEADS), "utf-8")
    sys.path.insert(0, str(pkg.parent))
    yield Model("toy_links_pkg", load_manifest("toy_links_pkg"))
    sys.path.remove(str(pkg.parent))
    for name in [m for m in sys.modules if m.startswith("toy_links_pkg")]:
        del sys.modules[name]


@pytest.fixture()
def records(tmp_path: Path) -> Path:
    path = tmp_path / "预约.csv"
    lines = ["用户ID,身份证号,备注"]
    for i in range(5):
        lines.append(f"13800000001,ID{i:04d},")
    lines += ["13900000002,ID9000,", "13900000002,ID9000,", "13700000003,ID8000,"]
    lines += [f"13600000004,ID7{i:03d}," for i in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    return path


def test_run_builds_leads_and_records_the_run(toy_model: Model, records: Path,
                                              tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = run_model(toy_model, {"records": [records]}, workspace=ws,
                       token_key=b"k" * 32)
    assert [lead.affected_people for lead in result.leads] == [4 - 1, 5]  # 136… then 138…
    assert result.counts["rows:records"] == 11
    with LeadStore(f"sqlite:///{ws / 'leads.db'}") as store:
        run = store.get_run(result.run_id)
        assert run.status == "succeeded"
        assert run.params == {"min_ids": 3}
        (inp,) = run.inputs
        assert inp["mapping"] == {"account_id": "用户ID", "id_number": "身份证号", "note": "备注"}
        assert inp["content_hash"].startswith("sha256:") and inp["input"] == "records"
        assert store.query().total == 2
        text = json.dumps([lead.text_fields() for lead in store.query().items],
                          ensure_ascii=False)
        assert "13800000001" not in text


def test_rerun_is_idempotent_and_skips_finished_steps(toy_model: Model, records: Path,
                                                      tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    first = run_model(toy_model, {"records": [records]}, workspace=ws, token_key=b"k" * 32)
    again = run_model(toy_model, {"records": [records]}, workspace=ws, token_key=b"k" * 32)
    assert again.run_id == first.run_id
    assert {"load:records", "per_account", "mark_big"} <= set(again.skipped_steps)
    assert again.counts["leads_new"] == 0 and again.counts["leads_updated"] == 2
    with LeadStore(f"sqlite:///{ws / 'leads.db'}") as store:
        assert store.query().total == 2
    other = run_model(toy_model, {"records": [records]}, workspace=ws, token_key=b"k" * 32,
                      params={"min_ids": "5"})
    assert other.run_id != first.run_id
    assert [lead.affected_people for lead in other.leads] == [5]


def test_interrupted_run_resumes(toy_model: Model, records: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    steps = sys.modules.get("toy_links_pkg.steps") or __import__("toy_links_pkg.steps",
                                                                 fromlist=["x"])
    original = steps.mark_big

    def boom(ctx: object) -> None:
        raise KeyboardInterrupt

    steps.mark_big = boom
    with pytest.raises(KeyboardInterrupt):
        run_model(toy_model, {"records": [records]}, workspace=ws, token_key=b"k" * 32)
    steps.mark_big = original
    result = run_model(toy_model, {"records": [records]}, workspace=ws, token_key=b"k" * 32)
    assert "per_account" in result.skipped_steps and "load:records" in result.skipped_steps
    assert len(result.leads) == 2


def test_bad_runs_are_clear_errors(toy_model: Model, records: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with pytest.raises(RunError, match="min_idz"):
        run_model(toy_model, {"records": [records]}, workspace=ws, params={"min_idz": "1"})
    with pytest.raises(RunError, match="records"):
        run_model(toy_model, {}, workspace=ws)
    bad = tmp_path / "bad.csv"
    bad.write_text("账户,其他\n1,2\n", "utf-8")
    with pytest.raises(SourceError) as err:
        run_model(toy_model, {"records": [bad]}, workspace=ws)
    assert err.value.exit_code == 4 and "id_number" in err.value.message("en")

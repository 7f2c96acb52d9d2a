"""The model framework end to end with a small model package made in the test: manifest, SQL
and Python steps, lead building, the run record, idempotent re-runs and resume."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from pisentinel.detect.rules import load_rules
from pisentinel.engine.sources import SourceError
from pisentinel.leads import LeadStore
from pisentinel.models import Model
from pisentinel.models.context import RunContext
from pisentinel.models.manifest import load_manifest
from pisentinel.models.runner import RunError, run_model
from pisentinel.protect import mask_value

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


def _toy_package(tmp_path: Path, package: str, manifest: str, leads: str) -> Iterator[Model]:
    """A model package made in `tmp_path` from these texts, importable while the test runs."""
    pkg = tmp_path / "pkgs" / package
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "manifest.yaml").write_text(textwrap.dedent(manifest), "utf-8")
    (pkg / "sql" / "per_account.sql").write_text(SQL, "utf-8")
    (pkg / "steps.py").write_text(textwrap.dedent(STEPS), "utf-8")
    (pkg / "leads.py").write_text(textwrap.dedent(leads), "utf-8")
    sys.path.insert(0, str(pkg.parent))
    yield Model(package, load_manifest(package))
    sys.path.remove(str(pkg.parent))
    for name in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[name]


@pytest.fixture()
def toy_model(tmp_path: Path) -> Iterator[Model]:
    yield from _toy_package(tmp_path, "toy_links_pkg", MANIFEST, LEADS)


ACCOUNT_RULES = """
types:
  ACCOUNT_NO: {name_zh: 账户号, name_en: account number, mask: {keep_prefix: 3, keep_suffix: 2}}
patterns:
  - {type: ACCOUNT_NO, regex: '1[0-9]{10}', score: 0.6}
"""
"""A rules file's own type, an account number that keeps three characters in front and two
behind when masked."""


@pytest.fixture()
def toy_rules_model(tmp_path: Path) -> Iterator[Model]:
    """The toy model with a rules parameter, whose leads show each account as the rules' own
    type (ACCOUNT_NO), masked by `ctx.mask`."""
    manifest = MANIFEST.replace(
        "  min_ids: {default: 3, zh: 最少证件数}\n",
        "  min_ids: {default: 3, zh: 最少证件数}\n  rules: {default: \"\", kind: rules, zh: 规则}\n")
    leads = LEADS.replace('ctx.mask("PHONE_NUMBER", r["account_id"])',
                          'ctx.mask("ACCOUNT_NO", r["account_id"])')
    assert manifest != MANIFEST and leads != LEADS
    yield from _toy_package(tmp_path, "toy_rules_pkg", manifest, leads)


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


def test_a_leads_mask_keeps_the_rules_counts_for_the_users_own_type(
        toy_rules_model: Model, records: Path, tmp_path: Path) -> None:
    """`ctx.mask` of a value of the rules file's own type keeps the rules' counts (138******01),
    as the engine's scan masks it; without the rules file the type is unknown and starred
    whole. Built-in types keep the taxonomy's mask."""
    (tmp_path / "rules.yaml").write_text(ACCOUNT_RULES, "utf-8")
    shown = {}
    for rules in (str(tmp_path / "rules.yaml"), ""):
        result = run_model(toy_rules_model, {"records": [records]}, workspace=tmp_path / "ws",
                           token_key=b"k" * 32, params={"rules": rules})
        shown[rules] = [lead.subject.display for lead in result.leads]
    assert shown[str(tmp_path / "rules.yaml")] == ["136******04", "138******01"]
    assert shown[""] == ["*" * 11, "*" * 11]
    rules = {"rules": load_rules(tmp_path / "rules.yaml")}
    ctx = RunContext(toy_rules_model.manifest, None, {}, "t",  # type: ignore[arg-type]
                     tmp_path, b"k" * 32, lambda t, v: "", mask_value, rules=rules)
    assert ctx.mask("PHONE_NUMBER", "13800000001") == "138****0001"
    assert ctx.mask("ACCOUNT_NO", "13800000001") == "138******01"
    assert ctx.mask("MEDICAL_HEALTH", "糖尿病", "en") == mask_value("MEDICAL_HEALTH", "糖尿病", "en")

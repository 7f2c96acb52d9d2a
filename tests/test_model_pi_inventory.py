"""pi_inventory on a synthetic estate (files in four formats and encodings plus a SQLite
database), scored against the planted truth; on Spark it must give the same leads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pisentinel.models import get_model
from pisentinel.models.pi_inventory.synth import evaluate
from pisentinel.models.runner import RunResult, run_model
from pisentinel.protect import pseudonym_token

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

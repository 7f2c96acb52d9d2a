"""face_recognition on synthetic deployment records: planted violating operators are found,
compliant ones (alternatives, separate consent, on-device storage, PIA, filing) are not, on
DuckDB and on Spark alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pisentinel.models import get_model
from pisentinel.models.face_recognition.synth import evaluate
from pisentinel.models.runner import RunResult, run_model
from pisentinel.protect import pseudonym_token

KEY = b"f" * 32


def _run(tmp_path: Path, mix: str, seed: int = 21, engine: str = "duckdb"
         ) -> tuple[dict[str, Any], RunResult]:
    model = get_model("face_recognition")
    data = tmp_path / f"data-{mix}-{seed}"
    truth = model.generate(160, seed, data, mix=mix)
    result = run_model(model, {"deployments": [data / "deployments.csv"]},
                       workspace=tmp_path / f"ws-{engine}", token_key=KEY, engine=engine)
    return truth, result


@pytest.mark.parametrize("mix", ["default", "hard"])
def test_operators_with_violations_are_found(tmp_path: Path, mix: str) -> None:
    truth, result = _run(tmp_path, mix)
    scores = evaluate(truth, result.leads, lambda t, v: pseudonym_token(t, v, KEY))
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert scores["truth"] >= 5


def test_lead_cites_the_rules_it_breaks(tmp_path: Path) -> None:
    _truth, result = _run(tmp_path, "default")
    for lead in result.leads:
        assert lead.provisions and lead.evidence
        assert lead.affected_people > 0 and lead.records_by_tier["T2"] == lead.affected_people
        assert lead.counts["sites_with_violations"] <= lead.counts["sites"]
    sole = [lead for lead in result.leads if lead.counts.get("sites_sole_method")]
    assert sole and all("FACE-2025-10" in lead.provisions for lead in sole)
    assert all("唯一验证方式" in lead.summary_zh for lead in sole)


@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path) -> None:
    _t, duck = _run(tmp_path, "hard")
    _t, spark = _run(tmp_path, "hard", engine="spark")
    assert {lead.fingerprint: lead.counts for lead in duck.leads} == {
        lead.fingerprint: lead.counts for lead in spark.leads}

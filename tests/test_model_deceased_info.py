"""deceased_info on synthetic hospital data: planted leakers and the funeral companies buying from
them are found; attending doctors, ward nurses, the night on-call doctor, records, preventive
care and quality-control staff, families' own calls and the contracted referral service are not;
each access is tested against the explanations a hospital has for it; DuckDB and Spark agree."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pisentinel.leads import find_raw_identifiers
from pisentinel.models import get_model
from pisentinel.models.deceased_info.synth import evaluate
from pisentinel.models.runner import RunResult, run_model
from pisentinel.protect import pseudonym_token

KEY = b"d" * 32


def _token(type_code: str, value: str) -> str:
    return pseudonym_token(type_code, value, KEY)


def _run(tmp_path: Path, mix: str, seed: int = 11, engine: str = "duckdb", rows: int = 24_000
         ) -> tuple[dict[str, Any], RunResult]:
    model = get_model("deceased_info")
    data = tmp_path / f"data-{mix}-{seed}"
    truth = model.generate(rows, seed, data, mix=mix)
    result = run_model(model, {name: [data / f] for name, f in truth["inputs"].items()},
                       workspace=tmp_path / f"ws-{engine}", token_key=KEY, engine=engine)
    return truth, result


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], RunResult]:
    return _run(tmp_path_factory.mktemp("deceased"), "default")


@pytest.mark.parametrize("mix", ["default", "hard"])
def test_leakers_and_buying_companies_are_found(tmp_path: Path, mix: str) -> None:
    truth, result = _run(tmp_path, mix, seed=5)
    scores = evaluate(truth, result.leads, _token)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    kinds = {s["kind"] for s in truth["subjects"]}
    assert kinds == {"staff_leak", "funeral_company_leak"}
    assert scores["truth"] >= 5


def test_hard_mix_catches_the_leakers_explanations_hide(tmp_path: Path) -> None:
    """The preventive-care clerk (duty explains every access) and the ward doctor (leaking part
    of their own ward) are found through repeated coincidence with one company."""
    truth, result = _run(tmp_path, "hard", seed=8)
    got = {lead.subject.token for lead in result.leads}
    hidden = [s for s in truth["subjects"] if s.get("detail") in ("role", "in_ward", "quiet")]
    assert len(hidden) >= 3
    assert all(_token(s["type"], s["value"]) in got for s in hidden), hidden


def test_decoys_do_not_become_leads(default_run: tuple[dict[str, Any], RunResult]) -> None:
    truth, result = default_run
    got = {lead.subject.token for lead in result.leads}
    decoys = {d["why"]: _token(d["type"], d["value"]) for d in truth["decoys"]}
    assert {"on_call", "records", "preventive_care", "quality", "contracted_referral"} <= \
        set(decoys)
    assert not [why for why, token in decoys.items() if token in got]


def test_leads_read_as_a_case_file(default_run: tuple[dict[str, Any], RunResult]) -> None:
    _truth, result = default_run
    staff = [lead for lead in result.leads if lead.kind == "staff_leak"]
    companies = [lead for lead in result.leads if lead.kind == "funeral_company_leak"]
    assert staff and companies
    for lead in staff:
        assert lead.subject.type == "staff" and lead.severity.insider
        assert lead.records_by_tier == {"T2": lead.affected_people}
        assert "SPC-SPP-2017-5" in lead.provisions and "CIVIL-994" in lead.provisions
        assert "减半" in lead.summary_zh and "履行职责" in lead.severity.explanation_zh
    timelines = [e.excerpt for lead in staff for e in lead.evidence
                 if e.detail.get("kind") == "timeline"]
    assert timelines and all("死亡 →" in t and "主动联系家属" in t for t in timelines)
    assert all(e.content_hash.startswith("sha256:") for lead in result.leads
               for e in lead.evidence)
    for lead in companies:
        assert lead.subject.type == "company" and not lead.severity.insider
        assert lead.counts["families"] >= 3
        roles = {role for _token_, role in lead.linked_tokens}
        assert "family_phone" in roles
    linked_staff = {t for lead in companies for t, role in lead.linked_tokens if role == "staff"}
    assert linked_staff <= {lead.subject.token for lead in staff}
    for lead in result.leads:
        assert not [k for k, v in lead.text_fields().items() if find_raw_identifiers(v)]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_each_access_is_tested_against_the_hospitals_explanations(tmp_path: Path) -> None:
    """One death at 10:00 in 心内科: the attending doctor, a nurse of the ward (written with a
    病区 suffix), a consultant who saw the patient the day before, the records department and an
    outsider from 骨科 read the record; the outsider alone is unexplained. The funeral company's
    call at 10:20 (before the family is told at 10:40) coincides with the outsider's read, the
    company's call to another family after that family's own call does not count."""
    _write(tmp_path / "deaths.csv", ["住院号", "患者姓名", "科室", "死亡时间", "主治医师工号"],
           [["ZY001", "测试甲", "心内科", "2025-03-01 10:00:00", "D1"],
            ["ZY002", "测试乙", "心内科", "2025-03-02 10:00:00", "D1"]])
    _write(tmp_path / "access.csv", ["工号", "操作人科室", "住院号", "操作类型", "操作时间"], [
        ["D1", "心内科", "ZY001", "查看", "2025-03-01 10:05:00"],
        ["N1", "心内科一病区", "ZY001", "查看", "2025-03-01 10:06:00"],
        ["C1", "神经内科", "ZY001", "查看", "2025-02-28 09:00:00"],
        ["C1", "神经内科", "ZY001", "查看", "2025-03-01 11:00:00"],
        ["R1", "病案科", "ZY001", "归档导出", "2025-03-03 09:00:00"],
        ["X1", "骨科", "ZY001", "查看家属联系方式", "2025-03-01 10:08:00"],
        ["X1", "骨科", "ZY002", "查看", "2025-03-02 12:00:00"],
    ])
    _write(tmp_path / "family.csv", ["住院号", "家属电话", "告知时间"],
           [["ZY001", "13800000001", "2025-03-01 10:40:00"],
            ["ZY002", "+86 138-0000-0002", "2025-03-02 10:15:00"]])
    _write(tmp_path / "funeral.csv", ["殡葬服务单位", "联系电话", "联系时间", "呼叫方向"], [
        ["某某殡葬服务有限公司", "13800000001", "2025-03-01 10:20:00", "呼出"],
        ["某某殡葬服务有限公司", "13800000002", "2025-03-02 10:30:00", "呼入"],
        ["某某殡葬服务有限公司", "138 0000 0002", "2025-03-02 10:50:00", "呼出"],
    ])
    result = run_model(get_model("deceased_info"), {
        "deaths": [tmp_path / "deaths.csv"], "access_log": [tmp_path / "access.csv"],
        "family_contacts": [tmp_path / "family.csv"],
        "funeral_contacts": [tmp_path / "funeral.csv"]},
        workspace=tmp_path / "ws", token_key=KEY)
    con = duckdb.connect(str(result.run_dir / "engine.duckdb"), read_only=True)
    try:
        access = {(r[0], r[1]): r[2:] for r in con.execute(
            "SELECT staff_key, patient_key, explained, by_attending, by_ward, by_earlier_care, "
            "by_role, action_kind FROM deceased_access").fetchall()}
        calls = con.execute("SELECT phone_key, suspicious, callback, before_informed "
                            "FROM funeral_calls ORDER BY contacted_at").fetchall()
        coincidences = con.execute(
            "SELECT staff_key, unexplained FROM coincidences").fetchall()
    finally:
        con.close()
    assert access[("D1", "ZY001")][:2] == (True, True)
    assert access[("N1", "ZY001")][0] and access[("N1", "ZY001")][2]
    assert access[("C1", "ZY001")][0] and access[("C1", "ZY001")][3]
    assert access[("R1", "ZY001")][0] and access[("R1", "ZY001")][4]
    assert access[("X1", "ZY001")] == (False, False, False, False, False, "family_contacts")
    assert calls == [("13800000001", True, False, True), ("13800000002", False, False, False),
                     ("13800000002", False, True, False)]
    assert ("X1", True) in coincidences
    assert not result.leads  # one coincidence and two unexplained reads stay below every floor


@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path) -> None:
    _t, duck = _run(tmp_path, "hard", seed=3, rows=12_000)
    _t, spark = _run(tmp_path, "hard", seed=3, rows=12_000, engine="spark")
    assert duck.leads
    assert {lead.fingerprint: dict(lead.counts) for lead in duck.leads} == {
        lead.fingerprint: dict(lead.counts) for lead in spark.leads}
    assert {lead.fingerprint: lead.severity.level for lead in duck.leads} == {
        lead.fingerprint: lead.severity.level for lead in spark.leads}


"""scalper_booking on synthetic bookings: planted rings and re-registering agencies are found,
families, school classes, registered tour groups and kiosks are not; the ring graph is the same
from scipy and from SQL; leads carry no raw identifier; DuckDB and Spark agree."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pisentinel.engine.duckdb_engine import DuckDBEngine
from pisentinel.leads import LeadStore, find_raw_identifiers
from pisentinel.models import get_model
from pisentinel.models.context import RunContext
from pisentinel.models.runner import RunResult, run_model
from pisentinel.models.scalper_booking.steps import components_scipy, components_sql
from pisentinel.models.scalper_booking.synth import APP_FILE, TEAM_FILE, evaluate
from pisentinel.protect import mask_value, pseudonym_token
from pisentinel.synth import pi_text as g

KEY = b"k" * 32


def token(type_code: str, value: str) -> str:
    return pseudonym_token(type_code, value, KEY)


def _run(tmp_path: Path, mix: str, seed: int, rows: int = 12_000, engine: str = "duckdb"
         ) -> tuple[dict[str, Any], RunResult]:
    model = get_model("scalper_booking")
    data = tmp_path / f"data-{mix}-{seed}"
    truth = model.generate(rows, seed, data, mix=mix)
    inputs = {"bookings": [data / p for p in truth["inputs"]["bookings"]]}
    result = run_model(model, inputs, workspace=tmp_path / f"ws-{engine}-{mix}-{seed}",
                       token_key=KEY, engine=engine)
    return truth, result


@pytest.mark.parametrize(("mix", "seed"), [("default", 5), ("hard", 6)])
def test_planted_rings_are_found_and_decoys_are_not(tmp_path: Path, mix: str, seed: int) -> None:
    truth, result = _run(tmp_path, mix, seed)
    scores = evaluate(truth, result.leads, token)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert scores["truth"] >= 6
    kinds = {s["kind"] for s in truth["subjects"]}
    assert kinds == {"scalper_ring", "agency_identity_reuse"}


def test_generated_files_have_chinese_headers_and_a_gbk_export(tmp_path: Path) -> None:
    model = get_model("scalper_booking")
    model.generate(500, 1, tmp_path)
    team = (tmp_path / TEAM_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        team.decode("utf-8")
    assert team.decode("gbk").startswith('"预约单号"')
    assert (tmp_path / APP_FILE).read_text("utf-8").startswith('"预约单号","预约账号","证件号码"')


def test_leads_read_like_a_case_and_hold_no_raw_identifier(tmp_path: Path) -> None:
    truth, result = _run(tmp_path, "default", 8, rows=8_000)
    assert result.leads
    for lead in result.leads:
        assert not find_raw_identifiers(" ".join(lead.text_fields().values()))
        assert lead.affected_people == lead.records_by_tier["T3"] == lead.counts["distinct_ids"]
        assert lead.affected_people >= 10 and lead.counts["points"] >= 2
        assert "PIPL-70" in lead.provisions and "SPC-SPP-2017-5" in lead.provisions
        assert "个证件号码" in lead.summary_zh and "至" in lead.summary_zh
        rows = [e for e in lead.evidence if e.row is not None]
        assert rows and all(e.content_hash.startswith("sha256:") for e in rows)
        assert all("*" in e.excerpt for e in rows)  # ID numbers and names are masked
        if lead.kind == "agency_identity_reuse":
            assert lead.severity.insider and "TOURISM-52" in lead.provisions
            assert lead.subject.type == "organisation" and "旅行社" in lead.subject.display
        else:
            assert lead.subject.type == "account" and "*" in lead.subject.display
    assert {lead.kind for lead in result.leads} == {s["kind"] for s in truth["subjects"]}
    # A ring's most-booked ID numbers share source, column and file: each is its own item.
    with LeadStore(f"sqlite:///{tmp_path / 'ws-duckdb-default-8' / 'leads.db'}") as store:
        for lead, lead_id in zip(result.leads, result.lead_ids, strict=True):
            top = [e for e in lead.evidence if e.column == "visitor_id_number"]
            stored = [e for e in store.get(lead_id).evidence if e.column == "visitor_id_number"]
            assert len(top) >= 2 and sorted(e.excerpt for e in stored) == sorted(
                e.excerpt for e in top)


# -- a hand-built estate: every decoy the issue names, and one small ring -------------------

HEADERS = ("预约单号", "预约账号", "证件号码", "场馆名称", "参观日期", "预约时间", "参观人姓名",
           "设备号", "下单IP", "预约渠道", "是否入馆", "旅行社")


def _estate(rng: random.Random) -> Iterator[tuple[str, ...]]:
    serial = iter(range(1, 10**6))
    day0 = date(2025, 3, 1)

    def row(acc: str, pid: str, day: int, second: int, device: str, channel: str = "小程序",
            came: bool = True, agency: str = "") -> tuple[str, ...]:
        visit = day0 + timedelta(days=day)
        booked = f"{visit - timedelta(days=7)} 20:00:{second:02d}"
        return (f"B{next(serial):07d}", acc, pid, "中国陶瓷博物馆", str(visit), booked,
                g.person_name(rng), device, "203.0.113.9", channel, "是" if came else "否",
                agency)

    family = [g.resident_id(rng) for _ in range(5)]
    for day in range(0, 60, 6):  # two parents on one tablet book the family, often at release
        for pid in family:
            yield row(rng.choice(("FAM-A", "FAM-B")), pid, day, 1, "tablet-1")
    klass = [g.resident_id(rng, date(2015, 5, 5)) for _ in range(45)]
    for pid in klass:  # a school class, once
        yield row("SCHOOL-1", pid, 10, 30, "pc-school", channel="团队通道")
    for day in range(0, 60, 3):  # a registered agency grabbing slots from its office PC
        group = [g.resident_id(rng) for _ in range(25)]
        for pid in group:
            yield row(f"AG-{day % 3}", pid, day, 0, "pc-agency", channel="团队通道",
                      agency="景德镇瓷都国际旅行社有限公司")
    for i in range(300):  # walk-ins at the kiosk
        yield row(f"WALK-{i}", g.resident_id(rng), i % 60, 50, "KIOSK-1", channel="现场自助机")
    pool = [g.resident_id(rng) for _ in range(15)]
    accounts = [f"RING-{i}" for i in range(4)]
    for day in range(0, 60):  # a small ring: four accounts on two phones, one pool
        for pid in rng.sample(pool, 3):
            acc = "RING-0" if rng.random() < 0.5 else rng.choice(accounts)
            yield row(acc, pid, day, rng.randrange(0, 3), rng.choice(("ph-1", "ph-2")),
                      came=rng.random() < 0.5)


def test_families_classes_agencies_and_kiosks_are_not_scalping(tmp_path: Path) -> None:
    rng = random.Random(3)
    path = tmp_path / "bookings.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        w.writerows(_estate(rng))
    result = run_model(get_model("scalper_booking"), {"bookings": [path]},
                       workspace=tmp_path / "ws", token_key=KEY)
    assert [lead.subject.token for lead in result.leads] == [token("BOOKING_ACCOUNT", "RING-0")]
    lead = result.leads[0]
    assert lead.counts["accounts"] == 4 and lead.counts["distinct_ids"] == 15
    assert lead.counts["pooled_ids"] >= 10 and lead.counts["shared_devices"] == 2
    assert "证件池" in lead.summary_zh and "抢约" in lead.summary_zh


# -- the ring graph --------------------------------------------------------------------------

def test_sql_label_propagation_gives_the_scipy_components(tmp_path: Path) -> None:
    rng = random.Random(9)
    nodes = [f"A{i:04d}" for i in range(400)]
    edges = [(a, b) for a, b in (sorted(rng.sample(nodes, 2)) for _ in range(300))]
    edges += [(f"C{i:03d}", f"C{i + 1:03d}") for i in range(60)]  # a long chain
    table = pa.table({"account_a": [a for a, _ in edges], "account_b": [b for _, b in edges]})
    engine = DuckDBEngine(tmp_path)
    try:
        engine.register("account_links", table)
        ctx = RunContext(get_model("scalper_booking").manifest, engine, {}, "t", tmp_path, KEY,
                         token, mask_value)
        rounds = components_sql(ctx)
        by_sql = {r["account_id"]: r["ring_id"] for r in
                  engine.query("SELECT account_id, ring_id FROM ring_members").to_pylist()}
    finally:
        engine.close()
    by_scipy = {r["account_id"]: r["ring_id"] for r in components_scipy(table).to_pylist()}
    assert by_sql == by_scipy
    assert by_scipy["C060"] == "C000" and rounds >= 30


# -- both engines ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pisentinel.engine.spark_engine import spark_session as start

    session = start("local[2]", shuffle_partitions=2)
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_gives_the_same_leads(tmp_path: Path, spark_session: Any) -> None:
    _t, duck = _run(tmp_path, "hard", 12, rows=3_000)
    _t, spark = _run(tmp_path, "hard", 12, rows=3_000, engine="spark")
    assert duck.leads
    assert {lead.fingerprint: dict(lead.counts) for lead in duck.leads} == {
        lead.fingerprint: dict(lead.counts) for lead in spark.leads}

"""Spark against DuckDB on the same small inputs: loads, model SQL, scans and leads must agree.

One Spark session serves the whole module (the JVM takes ~15 s to start); each engine works in
its own session and database under its own workspace."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pisentinel.detect.rules import load_rules
from pisentinel.engine.base import Engine, InputTable, ScanRequest
from pisentinel.engine.duckdb_engine import DuckDBEngine
from pisentinel.engine.mapping import MappingError
from test_engine_data import (
    MAPPING,
    NOTES,
    OPTIONAL,
    QUERIES,
    REQUIRED,
    STUDENT_RULES,
    booking_rows,
    normalise,
    notes_table,
    student_texts,
    write_csv,
    write_jsonl,
    write_parquet,
    write_xlsx,
)

pyspark = pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark

KEY = b"spark-test-key-0123456789"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pisentinel.engine.spark_engine import spark_session

    session = spark_session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def inputs() -> Iterator[tuple[Path, list[dict[str, str]]]]:
    """A folder holding the bookings split across every supported format."""
    rows = booking_rows(240)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bookings"
        folder.mkdir()
        write_csv(folder / "a_gbk.csv", rows[:60], encoding="gbk")
        write_jsonl(folder / "b.jsonl", rows[60:120])
        write_parquet(folder / "c.parquet", rows[120:180])
        write_csv(folder / "d.tsv", rows[180:210], encoding="gb18030", sep="\t")
        write_xlsx(folder / "e.xlsx", rows[210:])
        yield folder, rows


@pytest.fixture(scope="module")
def engines(spark: Any, inputs: tuple[Path, list[dict[str, str]]]
            ) -> Iterator[tuple[DuckDBEngine, Any]]:
    from pisentinel.engine.spark_engine import SparkEngine

    folder, _rows = inputs
    with tempfile.TemporaryDirectory() as tmp:
        duck = DuckDBEngine(Path(tmp) / "duck", batch_rows=50)
        spk = SparkEngine(Path(tmp) / "spark", session=spark, batch_rows=50)
        spec = InputTable("bookings", (folder,), MAPPING, REQUIRED, OPTIONAL)
        assert duck.load(spec) == spk.load(spec) == 240
        yield duck, spk
        duck.close()
        spk.close()


def _same(duck: Engine, spk: Engine, sql: str, drop: tuple[str, ...] = ()) -> list[Any]:
    left = normalise(duck.query(sql), drop, empty_is_null=True)
    right = normalise(spk.query(sql), drop, empty_is_null=True)
    assert left == right
    return left


def test_spark_engine_is_an_engine(engines: tuple[DuckDBEngine, Any]) -> None:
    _duck, spk = engines
    assert isinstance(spk, Engine) and spk.name == "spark"
    assert (spk.workspace / "spark-warehouse" / "bookings").is_dir()


def test_load_of_every_format_equals_duckdb(engines: tuple[DuckDBEngine, Any]) -> None:
    duck, spk = engines
    assert spk.columns("bookings") == duck.columns("bookings")
    rows = _same(duck, spk, "SELECT * FROM bookings")
    assert len(rows) == 240
    per_file = _same(duck, spk, "SELECT _source, count(*) AS n, max(_row) AS last "
                                "FROM bookings GROUP BY _source")
    assert [(Path(s).suffix, n, last) for s, n, last in per_file] == [
        (".csv", 60, 60), (".jsonl", 60, 60), (".parquet", 60, 60), (".tsv", 30, 30),
        (".xlsx", 30, 30)]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_model_sql_gives_the_same_rows(engines: tuple[DuckDBEngine, Any], name: str) -> None:
    duck, spk = engines
    assert _same(duck, spk, QUERIES[name])


def test_create_or_replace_reading_itself_register_and_drop(
        engines: tuple[DuckDBEngine, Any]) -> None:
    duck, spk = engines
    for eng in engines:
        eng.register("watch", pa.table({"venue": ["故宫博物院", "国家博物馆"], "weight": [2, 1]}))
        eng.execute("CREATE OR REPLACE TABLE labels AS SELECT account_id, id_number, "
                    "least(account_id, id_number) AS label FROM bookings")
        for _ in range(2):
            eng.execute("CREATE OR REPLACE TABLE labels AS SELECT l.account_id, l.id_number, "
                        "min(m.label) AS label FROM labels l JOIN labels m "
                        "ON l.account_id = m.account_id GROUP BY l.account_id, l.id_number")
        eng.execute("CREATE TABLE weighted AS SELECT b.account_id, sum(w.weight) AS score "
                    "FROM bookings b JOIN watch w USING (venue) GROUP BY b.account_id")
    _same(duck, spk, "SELECT * FROM labels")
    _same(duck, spk, "SELECT account_id, CAST(score AS BIGINT) AS s FROM weighted")
    assert {"labels", "watch", "weighted"} <= set(spk.tables())
    spk.drop("watch")
    spk.drop("labels")
    assert "watch" not in spk.tables() and "labels" not in spk.tables()
    assert not (spk.workspace / "spark-warehouse" / "labels").exists()


def test_scan_findings_equal_duckdb(engines: tuple[DuckDBEngine, Any]) -> None:
    duck, spk = engines
    request = ScanRequest("bookings", ["id_number", "phone", "note"], "findings")
    assert duck.scan(request, KEY) == spk.scan(request, KEY) > 240
    found = _same(duck, spk, "SELECT * FROM findings")
    assert {r[0] for r in found} >= set(range(1, 61))
    _same(duck, spk, "SELECT type, \"column\", count(*) AS n, count(DISTINCT token) AS t "
                     "FROM findings GROUP BY type, \"column\"")


def test_scan_with_rules_equals_duckdb(engines: tuple[DuckDBEngine, Any],
                                      tmp_path: Path) -> None:
    """A rules file's own type reaches Spark's executors as it reaches DuckDB's pool (more rows
    than a DuckDB batch): the same findings, masks and tokens."""
    duck, spk = engines
    (tmp_path / "rules.yaml").write_text(STUDENT_RULES, encoding="utf-8")
    rules = load_rules(tmp_path / "rules.yaml")
    texts, named = student_texts(120)
    table = pa.table({"_row": pa.array(range(1, len(texts) + 1), pa.int64()), "text": texts})
    request = ScanRequest("students", ["text"], "student_findings", rules=rules)
    for eng in engines:
        eng.register("students", table)
    assert duck.scan(request, KEY) == spk.scan(request, KEY)
    found = _same(duck, spk, "SELECT row_id, type, start, \"end\", score, token, masked "
                             "FROM student_findings")
    own = [r for r in found if r[1] == "STUDENT_ID"]
    assert {r[0] for r in own} == set(named)
    assert all(r[6].count("*") == 6 and r[5].startswith("STUDENT_ID:") for r in own)
    assert len({r[5] for r in own}) == len(set(named.values()))


@pytest.mark.parametrize("first", ["姓名", "编号"])
def test_a_table_of_persons_scans_alike_on_both_engines(
        engines: tuple[DuckDBEngine, Any], first: str) -> None:
    """Spark sends 姓名 and 备注 to its workers in one batch, DuckDB one column at a time (in
    its pool: more rows than a batch): both read a disease in 备注 as its row's person's when
    the table has a 姓名 column, and neither does without one."""
    duck, spk = engines
    table = notes_table(120, first)
    request = ScanRequest("clinic", [first, "备注"], "clinic_findings")
    for eng in engines:
        eng.register("clinic", table)
    assert duck.scan(request, KEY) == spk.scan(request, KEY)
    found = _same(duck, spk, "SELECT row_id, \"column\", start, \"end\", type, score, token, "
                             "masked FROM clinic_findings")
    medical = {r[0] for r in found if r[1] == "备注" and r[4] == "MEDICAL_HEALTH"}
    notes = table.column("备注").to_pylist()
    assert medical == ({i + 1 for i, n in enumerate(notes) if n.startswith(NOTES[:2])}
                       if first == "姓名" else set())
    assert any(r[4] == "PHONE_NUMBER" for r in found)


def test_a_model_gives_identical_leads(engines: tuple[DuckDBEngine, Any]) -> None:
    """A scalper-booking style model end to end: scan, SQL steps, lead rows with tokens."""
    steps = [
        ("id_tokens", "SELECT row_id, _source, token FROM id_findings WHERE type = 'CN_ID_CARD'"),
        ("per_account", """
            SELECT b.account_id, count(*) AS bookings, count(DISTINCT t.token) AS people,
                   list_sort(list(DISTINCT t.token)) AS tokens,
                   min(CAST(b.booked_at AS TIMESTAMP)) AS first_at
            FROM bookings b JOIN id_tokens t ON t.row_id = b._row AND t._source = b._source
            GROUP BY b.account_id"""),
        ("leads", """
            SELECT account_id, people, bookings, tokens,
                   CASE WHEN people >= 20 THEN 'high' WHEN people >= 10 THEN 'medium'
                        ELSE 'low' END AS severity,
                   strftime(first_at, '%Y-%m-%d') AS since
            FROM per_account WHERE people >= 5 QUALIFY rank() OVER (ORDER BY people DESC) <= 10
        """),
    ]
    leads = []
    for eng in engines:
        eng.scan(ScanRequest("bookings", ["id_number"], "id_findings", types=["CN_ID_CARD"]), KEY)
        for name, sql in steps:
            eng.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        leads.append(normalise(eng.query("SELECT * FROM leads")))
    assert leads[0] == leads[1]
    assert any(r[0].startswith("S") for r in leads[0])
    assert all("*" not in str(r) and len(r[3][0]) >= 16 for r in leads[0])


def test_missing_required_column_on_spark(
        engines: tuple[DuckDBEngine, Any], inputs: tuple[Path, list[dict[str, str]]]) -> None:
    _duck, spk = engines
    folder, _rows = inputs
    spec = InputTable("other", (folder / "b.jsonl",), {"account_id": "用户ID"},
                      ("account_id", "visitor_name"))
    with pytest.raises(MappingError) as err:
        spk.load(spec)
    assert "visitor_name" in err.value.message("en")
    assert "other" not in spk.tables()


def test_repaired_differences_agree_and_a_documented_gap_is_real(
        engines: tuple[DuckDBEngine, Any]) -> None:
    """to_spark repairs day-of-week numbering and regexp_extract's default group; GAPS in
    engine/sql.py lists what it cannot repair. Keep both honest."""
    duck, spk = engines
    repaired = ("SELECT dayofweek(DATE '2026-03-01') AS d, isodow(DATE '2026-03-01') AS iso, "
                "regexp_extract('ab12', '([a-z]+)([0-9]+)') AS g")  # 2026-03-01 is a Sunday
    assert duck.query(repaired).to_pylist() == spk.query(repaired).to_pylist() == [
        {"d": 0, "iso": 7, "g": "ab12"}]
    gap = ("SELECT date_diff('minute', TIMESTAMP '2026-03-01 10:00:59', "
           "TIMESTAMP '2026-03-01 10:01:00') AS m")
    assert duck.query(gap).to_pylist() == [{"m": 1}]  # unit boundaries crossed
    assert spk.query(gap).to_pylist() == [{"m": 0}]  # whole units elapsed


def _model_names() -> list[str]:
    from pisentinel.models import available_models

    return sorted(available_models()) or ["(none yet)"]


@pytest.mark.parametrize("name", _model_names())
def test_every_model_gives_the_same_leads_on_both_engines(
        tmp_path: Path, spark: Any, name: str) -> None:
    """Each packaged screening model on its own small synthetic input, on both engines."""
    from pisentinel.models import available_models
    from pisentinel.models.runner import run_model

    model = available_models().get(name)
    if model is None:
        pytest.skip("no screening models are packaged yet")
    needed = ["synth", "leads", *(["steps"] if any(s.python for s in model.manifest.steps)
                                  else [])]
    absent = [m for m in needed if importlib.util.find_spec(f"{model.package}.{m}") is None]
    if absent:
        pytest.skip(f"model {name} is not complete yet (no {', '.join(absent)})")
    data = tmp_path / "data"
    truth = model.generate(200, 11, data)
    inputs = {k: [p if "://" in p else data / p for p in ([v] if isinstance(v, str) else v)]
              for k, v in truth["inputs"].items()}
    summaries = []
    for kind in ("duckdb", "spark"):
        result = run_model(model, inputs, workspace=tmp_path / f"ws_{kind}", engine=kind,
                           token_key=KEY)
        summaries.append(sorted(json.dumps(_lead_summary(lead), sort_keys=True,
                                           ensure_ascii=False, default=str)
                                for lead in result.leads))
    assert summaries[0] == summaries[1]


def _lead_summary(lead: Any) -> dict[str, Any]:
    return {"kind": lead.kind, "subject": lead.subject.token,
            "people": lead.affected_people, "counts": dict(lead.counts),
            "tiers": dict(lead.records_by_tier),
            "evidence": sorted(((e.row, e.column, e.content_hash) for e in lead.evidence),
                               key=repr)}

"""The DuckDB engine on small synthetic inputs: loading every format, mapping, SQL, scanning."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pisentinel.detect.rules import CustomType, DetectionRules, PatternRule, load_rules
from pisentinel.detect.scanner import Scanner, is_persons_table
from pisentinel.engine.base import Engine, InputTable, ScanRequest
from pisentinel.engine.duckdb_engine import DuckDBEngine
from pisentinel.engine.factory import open_engine
from pisentinel.engine.fileredact import redact_file
from pisentinel.engine.filescan import FILE_FINDINGS_SCHEMA, scan_files
from pisentinel.engine.mapping import MappingError
from pisentinel.engine.scanning import ScanJob, scan_rows
from pisentinel.engine.sources import EXIT_MISSING_COLUMN, EXIT_USAGE, SourceError, read_batches
from pisentinel.protect import pseudonym_token
from test_engine_data import (
    MAPPING,
    NOTES,
    OPTIONAL,
    QUERIES,
    REQUIRED,
    SAMPLE_STUDENT_ID,
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

KEY = b"test-key-not-secret"
OTHER_KEY = b"another-test-key-0123"


def _spec(paths: tuple[Path, ...], mapping: dict[str, str] | None = None) -> InputTable:
    return InputTable("bookings", paths, MAPPING if mapping is None else mapping, REQUIRED,
                      OPTIONAL)


@pytest.fixture()
def engine(tmp_path: Path) -> DuckDBEngine:
    eng = DuckDBEngine(tmp_path / "ws", memory_limit="1GB", batch_rows=64)
    yield eng
    eng.close()


@pytest.fixture()
def rows() -> list[dict[str, str]]:
    return booking_rows(240)


def test_engine_satisfies_protocol_and_configures_duckdb(engine: DuckDBEngine) -> None:
    assert isinstance(engine, Engine)
    assert (engine.workspace / "engine.duckdb").exists()
    settings = {r["name"]: r["value"] for r in engine.query(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('threads', 'memory_limit', 'temp_directory')").to_pylist()}
    assert settings["threads"] == str(engine.threads)
    assert settings["temp_directory"] == str(engine.workspace / "tmp")
    assert settings["memory_limit"] == "953.6 MiB"  # 1GB as DuckDB shows it


def test_load_gbk_csv_maps_chinese_headers_and_numbers_rows(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "预约.csv", rows, encoding="gbk")
    assert engine.load(_spec((path,))) == len(rows)
    cols = engine.columns("bookings")
    assert cols[:6] == ["account_id", "id_number", "phone", "booked_at", "venue", "note"]
    assert cols[-2:] == ["_row", "_source"]
    got = engine.query("SELECT * FROM bookings ORDER BY _row").to_pylist()
    assert [g["_row"] for g in got] == list(range(1, len(rows) + 1))
    assert {g["_source"] for g in got} == {str(path)}
    assert got[5]["venue"] == rows[5]["场馆"]
    assert got[7]["id_number"] == rows[7]["身份证号"]


@pytest.mark.parametrize("fmt", ["gb18030", "utf-8", "tsv", "jsonl", "parquet", "xlsx"])
def test_every_format_loads_the_same_rows(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path, fmt: str) -> None:
    reference = write_csv(tmp_path / "ref.csv", rows, encoding="gbk")
    engine.load(InputTable("ref", (reference,), MAPPING, REQUIRED))
    writers = {
        "gb18030": lambda p: write_csv(p.with_suffix(".csv"), rows, encoding="gb18030"),
        "utf-8": lambda p: write_csv(p.with_suffix(".csv"), rows, encoding="utf-8"),
        "tsv": lambda p: write_csv(p.with_suffix(".tsv"), rows, sep="\t"),
        "jsonl": lambda p: write_jsonl(p.with_suffix(".jsonl"), rows),
        "parquet": lambda p: write_parquet(p.with_suffix(".parquet"), rows),
        "xlsx": lambda p: write_xlsx(p.with_suffix(".xlsx"), rows),
    }
    path = writers[fmt](tmp_path / "data")
    assert engine.load(_spec((path,))) == len(rows)
    drop = ("_source",)
    # An empty xlsx cell is no value; an empty CSV field is an empty string.
    blank = fmt == "xlsx"
    assert normalise(engine.query("SELECT * FROM bookings"), drop, blank) == normalise(
        engine.query("SELECT * FROM ref"), drop, blank)


def test_folder_of_files_unions_columns_and_keeps_row_numbers_per_file(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "a.csv", rows[:100])
    extra = [dict(r, 渠道="小程序") for r in rows[100:]]
    (folder / "b.jsonl").write_text(
        "".join(__import__("json").dumps(r, ensure_ascii=False) + "\n" for r in extra), "utf-8")
    assert engine.load(_spec((folder,))) == len(rows)
    per_file = engine.query("SELECT _source, min(_row) AS lo, max(_row) AS hi, count(渠道) AS ch "
                            "FROM bookings GROUP BY _source ORDER BY _source").to_pylist()
    assert per_file == [
        {"_source": str(folder / "a.csv"), "lo": 1, "hi": 100, "ch": 0},
        {"_source": str(folder / "b.jsonl"), "lo": 1, "hi": 140, "ch": 140},
    ]


def test_header_colliding_with_a_canonical_or_reserved_name_is_kept_aside(
        engine: DuckDBEngine, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("用户ID,account_id,_row,身份证号,预约时间\nu1,old,9,x,2026-01-01 00:00:00\n",
                    "utf-8")
    engine.load(InputTable("t", (path,), {"account_id": "用户ID", "id_number": "身份证号",
                                          "booked_at": "预约时间"}, REQUIRED))
    row = engine.query("SELECT * FROM t").to_pylist()[0]
    assert (row["account_id"], row["account_id_2"], row["_row_2"], row["_row"]) == \
        ("u1", "old", "9", 1)


def test_missing_required_column_is_a_clear_error_and_leaves_no_table(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows)
    spec = InputTable("bookings", (path,), {"account_id": "用户ID"},
                      ("account_id", "id_number", "visitor_name"))
    with pytest.raises(MappingError) as err:
        engine.load(spec)
    e = err.value
    assert isinstance(e, SourceError) and e.exit_code == EXIT_MISSING_COLUMN
    zh, en = e.message("zh"), e.message("en")
    assert "缺少必需的列" in zh and "visitor_name" in zh and "身份证号" in zh
    assert "missing required columns: id_number, visitor_name" in en
    assert "account_id=用户ID" in en and str(path) in en
    assert rows[0]["身份证号"] not in zh + en
    assert engine.tables() == []
    assert pickle.loads(pickle.dumps(e)).message("en") == en


def test_unreadable_source_error_surfaces_and_no_partial_table(
        engine: DuckDBEngine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"用户ID": "a", "身份证号": "b", "预约时间": "c"}\n{not json\n', "utf-8")
    with pytest.raises(SourceError) as err:
        engine.load(_spec((bad,), {"account_id": "用户ID", "id_number": "身份证号",
                                   "booked_at": "预约时间"}))
    assert err.value.row == 2
    assert engine.tables() == []


def test_sql_register_tables_drop_and_resume(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    ws = tmp_path / "ws"
    with DuckDBEngine(ws) as eng:
        eng.load(_spec((write_csv(tmp_path / "a.csv", rows),)))
        eng.register("params", pa.table({"venue": ["故宫博物院"], "limit_n": [3]}))
        eng.execute("CREATE TABLE hits AS SELECT b.account_id, count(*) AS n FROM bookings b "
                    "JOIN params p USING (venue) GROUP BY b.account_id")
        eng.execute("CREATE OR REPLACE TABLE hits AS SELECT account_id, n + 1 AS n FROM hits")
        before = normalise(eng.query("SELECT * FROM hits"))
        assert eng.tables() == ["bookings", "hits", "params"]
    with DuckDBEngine(ws) as eng:
        assert eng.tables() == ["bookings", "hits", "params"]
        assert normalise(eng.query("SELECT * FROM hits")) == before
        eng.drop("params")
        eng.drop("no_such_table")
        assert eng.tables() == ["bookings", "hits"]


def _expected_findings(rows: list[dict[str, str]]) -> set[tuple[int, str, str]]:
    """(row, column, type) that must be found: every ID number column value, every phone."""
    out = set()
    for i in range(1, len(rows) + 1):
        out.add((i, "id_number", "CN_ID_CARD"))
        out.add((i, "phone", "PHONE_NUMBER"))
    return out


def test_scan_finds_pi_with_tokens_and_masks_never_raw(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path) -> None:
    engine.load(_spec((write_csv(tmp_path / "a.csv", rows),)))
    n = engine.scan(ScanRequest("bookings", ["id_number", "phone", "note"], "findings"), KEY)
    found = engine.query("SELECT * FROM findings").to_pylist()
    assert n == len(found) > 0
    assert found[0].keys() == {"row_id", "_source", "column", "start", "end", "type", "score",
                               "token", "masked"}
    got = {(f["row_id"], f["column"], f["type"]) for f in found}
    assert _expected_findings(rows) <= got
    in_notes = {(f["row_id"], f["type"]) for f in found if f["column"] == "note"}
    assert (1, "PHONE_NUMBER") in in_notes and (2, "CN_ID_CARD") in in_notes
    raw = {r["身份证号"] for r in rows} | {r["手机号"] for r in rows}
    for f in found:
        assert f["token"] not in raw and f["masked"] not in raw and "*" in f["masked"]
    tokens = engine.query("SELECT id_number, count(DISTINCT token) AS t FROM bookings b "
                          "JOIN findings f ON f.row_id = b._row AND f.\"column\" = 'id_number' "
                          "GROUP BY id_number").column("t").to_pylist()
    assert set(tokens) == {1}


def test_scan_in_pool_equals_scan_in_process(
        tmp_path: Path, rows: list[dict[str, str]]) -> None:
    csv = write_csv(tmp_path / "a.csv", rows)
    request = ScanRequest("bookings", ["id_number", "phone", "note"], "findings",
                          types=["CN_ID_CARD", "PHONE_NUMBER"])
    results = []
    for workers, batch_rows in ((1, 10_000), (2, 32)):
        with DuckDBEngine(tmp_path / f"ws{workers}", workers=workers,
                          batch_rows=batch_rows) as eng:
            eng.load(_spec((csv,)))
            eng.scan(request, KEY)
            results.append(normalise(eng.query("SELECT * FROM findings"), ("_source",)))
    assert results[0] == results[1]
    assert {r[4] for r in results[0]} == {"CN_ID_CARD", "PHONE_NUMBER"}


def _medical_rows(table: pa.Table) -> set[int]:
    """1-based rows whose 备注 names a disease (`NOTES`' first two)."""
    return {i + 1 for i, note in enumerate(table.column("备注").to_pylist())
            if note.startswith(NOTES[:2])}


@pytest.mark.parametrize("first", ["姓名", "编号"])
def test_whether_rows_are_persons_is_the_tables_in_pool_in_process_and_plain(
        tmp_path: Path, first: str) -> None:
    """A disease in 备注 counts when the table has a 姓名 column and not without one, however
    the columns travel: one at a time to DuckDB's pool or in its process, all at once to
    `scan_rows` or to the scanner, or 备注 alone."""
    table = notes_table(40, first)
    results, notes_only = [], []
    for workers, batch_rows in ((1, 10_000), (2, 8)):  # 40 rows > 8: the pool scans
        with DuckDBEngine(tmp_path / f"ws{workers}", workers=workers,
                          batch_rows=batch_rows) as eng:
            eng.register("clinic", table)
            eng.scan(ScanRequest("clinic", [first, "备注"], "findings"), KEY)
            eng.scan(ScanRequest("clinic", ["备注"], "notes"), KEY)
            results.append(normalise(eng.query("SELECT * FROM findings")))
            notes_only.append(normalise(eng.query("SELECT * FROM notes")))
    job = ScanJob((first, "备注"), KEY, None, 0.5, "_row", False,
                  rows_are_persons=is_persons_table(table.column_names))
    plain = normalise(pa.Table.from_batches([scan_rows(table.to_batches()[0], job)]))
    assert results[0] == results[1] == plain
    assert notes_only[0] == notes_only[1] == [r for r in plain if r[1] == "备注"]
    whole = Scanner().scan_batch(table, [first, "备注"]).to_pylist()
    assert sorted((f["row"] + 1, f["column"], f["type"], f["masked"]) for f in whole) == sorted(
        (r[0], r[1], r[4], r[7]) for r in plain)
    medical = {r[0] for r in plain if r[1] == "备注" and r[4] == "MEDICAL_HEALTH"}
    assert medical == (_medical_rows(table) if first == "姓名" else set())
    assert any(r[4] == "PHONE_NUMBER" for r in plain)


def _write_notes(folder: Path, table: pa.Table) -> list[Path]:
    """The notes table (without `_row`) as CSV, JSONL, Parquet and xlsx files."""
    from openpyxl import Workbook

    folder.mkdir()
    data = table.drop_columns(["_row"])
    rows = data.to_pylist()
    csv = folder / "a.csv"
    csv.write_text("\n".join([",".join(data.column_names)]
                             + [",".join(r.values()) for r in rows]) + "\n", "utf-8")
    jsonl = folder / "b.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    pq.write_table(data, folder / "c.parquet")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(data.column_names)
    for r in rows:
        sheet.append(list(r.values()))
    book.save(folder / "d.xlsx")
    return [csv, jsonl, folder / "c.parquet", folder / "d.xlsx"]


@pytest.mark.parametrize("first", ["姓名", "编号"])
def test_a_file_scan_decides_persons_by_the_files_columns_as_the_engine_does(
        tmp_path: Path, first: str) -> None:
    """`pisentinel scan` of 备注 alone (`--columns`), in the process or in its pool, finds in
    every format what a scan of the whole file finds there, and what the engine finds in the
    same table: a disease in 备注 counts when the file has a 姓名 column."""
    table = notes_table(40, first)
    files = _write_notes(tmp_path / "files", table)
    with DuckDBEngine(tmp_path / "ws", workers=1) as eng:
        eng.register("clinic", table)
        eng.scan(ScanRequest("clinic", ["备注"], "notes"), KEY)
        by_engine = sorted((r["row_id"], r["start"], r["end"], r["type"], r["masked"])
                           for r in eng.query("SELECT * FROM notes").to_pylist())
    scanner = Scanner()
    for path in files:
        for columns, workers in ((["备注"], 1), (["备注"], 2), (None, 1)):
            found: list[pa.RecordBatch] = []
            scan_files([path], scanner, columns, found.append, workers=workers, batch_rows=16)
            rows = pa.Table.from_batches(found, FILE_FINDINGS_SCHEMA).to_pylist()
            assert sorted((r["row"], r["start"], r["end"], r["type"], r["masked"])
                          for r in rows if r["column"] == "备注") == by_engine, (path.name,
                                                                               columns, workers)
    medical = {r[0] for r in by_engine if r[3] == "MEDICAL_HEALTH"}
    assert medical == (_medical_rows(table) if first == "姓名" else set())


@pytest.mark.parametrize("first", ["姓名", "编号"])
def test_a_redacted_copy_lacks_the_disease_a_scan_of_its_notes_finds(
        tmp_path: Path, first: str) -> None:
    """Redacting 备注 alone of a file with a 姓名 column removes the diseases its scan
    reports; without an identifying column there are none to report or remove."""
    table = notes_table(40, first)
    source = _write_notes(tmp_path / "files", table)[0]
    found: list[pa.RecordBatch] = []
    scanner = Scanner()
    scan_files([source], scanner, ["备注"], found.append)
    medical = [r["row"] for r in pa.Table.from_batches(found, FILE_FINDINGS_SCHEMA).to_pylist()
               if r["type"] == "MEDICAL_HEALTH"]
    out = tmp_path / "redacted.csv"
    counts = redact_file(source, out, scanner, "label", columns=["备注"])
    notes = [n for tb in read_batches(out) for n in tb.batch.column("备注").to_pylist()]
    kept = {i + 1 for i, note in enumerate(notes) if note.startswith(NOTES[:2])}
    assert set(medical) == (_medical_rows(table) if first == "姓名" else set())
    assert kept == _medical_rows(table) - set(medical)
    assert counts["MEDICAL_HEALTH"] == len(medical)


def test_scan_by_distinct_values_equals_the_detector_row_by_row(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path) -> None:
    """The engine scans each distinct value once and joins back; that must be exactly what
    scanning every row gives."""
    engine.load(_spec((write_csv(tmp_path / "a.csv", rows),)))
    columns = ("id_number", "phone", "note")
    engine.scan(ScanRequest("bookings", list(columns), "findings"), KEY)
    table = engine.query("SELECT _row, _source, id_number, phone, note FROM bookings")
    direct = scan_rows(table.combine_chunks().to_batches()[0],
                       ScanJob(columns, KEY, None, 0.5, "_row", True,
                               rows_are_persons=is_persons_table(engine.columns("bookings"))))
    assert normalise(pa.Table.from_batches([direct])) == normalise(
        engine.query("SELECT * FROM findings"))


def test_scan_tokens_depend_on_the_key_and_a_custom_id_column(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path) -> None:
    engine.load(_spec((write_csv(tmp_path / "a.csv", rows),)))
    engine.execute("CREATE TABLE people AS SELECT DISTINCT id_number AS person, id_number "
                   "FROM bookings")
    engine.scan(ScanRequest("people", ["id_number"], "f1", id_column="person"), KEY)
    engine.scan(ScanRequest("people", ["id_number"], "f2", id_column="person"), OTHER_KEY)
    one = engine.query("SELECT row_id, token FROM f1").to_pylist()
    two = {r["row_id"]: r["token"] for r in engine.query("SELECT row_id, token FROM f2")
           .to_pylist()}
    assert "_source" not in engine.columns("f1")
    assert all(r["token"] != two[r["row_id"]] for r in one)
    with pytest.raises(KeyError):
        engine.scan(ScanRequest("people", ["nope"], "f3"), KEY)


def _students(texts: list[str]) -> pa.Table:
    return pa.table({"_row": pa.array(range(1, len(texts) + 1), pa.int64()), "text": texts})


def test_scan_with_rules_finds_masks_and_tokens_the_users_type_in_pool_and_in_process(
        tmp_path: Path) -> None:
    """A rules file's own type (学号) reaches the engine's scan, in the process and in the
    worker pool alike: found, masked by its own keep counts, tokened as a column of it would
    be (one token for one number, however written), the allow list honoured; a scan without
    the rules finds the same built-in findings and no 学号."""
    (tmp_path / "rules.yaml").write_text(STUDENT_RULES, encoding="utf-8")
    rules = load_rules(tmp_path / "rules.yaml")
    texts, named = student_texts(120)
    results, plain = [], []
    for workers, batch_rows in ((1, 10_000), (2, 16)):
        with DuckDBEngine(tmp_path / f"ws{workers}", workers=workers,
                          batch_rows=batch_rows) as eng:
            eng.register("students", _students(texts))
            eng.scan(ScanRequest("students", ["text"], "findings", rules=rules), KEY)
            eng.scan(ScanRequest("students", ["text"], "plain"), KEY)
            results.append(eng.query("SELECT * FROM findings").to_pylist())
            plain.append(eng.query("SELECT * FROM plain").to_pylist())
    assert normalise(pa.Table.from_pylist(results[0])) == normalise(
        pa.Table.from_pylist(results[1]))
    own = {f["row_id"]: f for f in results[0] if f["type"] == "STUDENT_ID"}
    assert set(own) == set(named)  # the allowed sample number is not flagged
    value_of = rules.types["STUDENT_ID"].value_of
    for row, f in own.items():
        text = texts[row - 1]
        assert f["token"] == pseudonym_token("STUDENT_ID", value_of(text[f["start"]:f["end"]]),
                                             KEY) == pseudonym_token("STUDENT_ID", named[row],
                                                                     KEY)
        assert f["masked"].count("*") == 6 and named[row][2:8] not in f["masked"]
    assert own[4]["token"] == own[5]["token"] and own[5]["masked"] == "ＸＨ******９０"
    assert not [f for f in results[0] if SAMPLE_STUDENT_ID in f["masked"]]
    assert not any(f["type"] == "STUDENT_ID" for rows in plain for f in rows)
    built_in = [f for f in results[0] if f["type"] != "STUDENT_ID"]
    assert built_in and normalise(pa.Table.from_pylist(built_in)) == normalise(
        pa.Table.from_pylist(plain[0]))


def _code_rules(regex: str) -> DetectionRules:
    """Rules built in code, without a file and so without a file digest."""
    return DetectionRules(
        types={"STUDENT_ID": CustomType("STUDENT_ID", "学号", "student number", False, 2, 2)},
        patterns=(PatternRule("STUDENT_ID", re.compile(regex), 0.6),))


def test_scan_jobs_with_rules_built_in_code_do_not_share_a_scanner() -> None:
    """A worker caches one scanner per rules; rules without a file digest must still not be
    taken for one another (nor for no rules), and a pickled job keeps its rules."""
    batch = _students(["学号XH12345678", "学号XH1234567"]).to_batches()[0]
    eight, seven = _code_rules("XH[0-9]{8}"), _code_rules("XH[0-9]{7}(?![0-9])")
    jobs = [ScanJob(("text",), KEY, None, 0.5, "_row", False, rules, rows_are_persons=False)
            for rules in (eight, seven, None)]
    assert len({job.rules_key for job in jobs}) == 3
    assert ScanJob(("text",), KEY, None, 0.5, "_row", False, _code_rules("XH[0-9]{8}"),
                   rows_are_persons=False).rules_key == jobs[0].rules_key
    found = [[(r["row_id"], r["type"]) for r in scan_rows(batch, pickle.loads(pickle.dumps(job)))
              .to_pylist()] for job in jobs]
    assert found == [[(1, "STUDENT_ID")], [(2, "STUDENT_ID")], []]
    assert "XH" not in repr(jobs[0]) and "test-key" not in repr(jobs[0])


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_model_sql_subset_runs_on_duckdb(
        engine: DuckDBEngine, rows: list[dict[str, str]], tmp_path: Path, name: str) -> None:
    engine.load(_spec((write_csv(tmp_path / "a.csv", rows),)))
    assert engine.query(QUERIES[name]).num_rows > 0


def test_open_engine_factory(tmp_path: Path) -> None:
    eng = open_engine("duckdb", tmp_path / "ws", memory_limit="512MB")
    try:
        assert eng.name == "duckdb" and eng.tables() == []
    finally:
        eng.close()
    with pytest.raises(SourceError) as err:
        open_engine("oracle", tmp_path / "ws")
    assert err.value.exit_code == EXIT_USAGE and "duckdb" in err.value.message("en")
    with pytest.raises(SourceError):
        open_engine("duckdb", tmp_path / "ws", master="local[2]")

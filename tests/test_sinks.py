"""Sinks: outputs appear whole or not at all. Results are read back with pyarrow/openpyxl."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pisentinel.engine import sinks
from pisentinel.engine.sinks import (
    EXIT_OUTPUT,
    SinkError,
    TableSink,
    atomic_write_bytes,
    atomic_write_text,
)
from pisentinel.engine.sources import EXIT_USAGE, SourceError, read_batches

FORMATS = [".jsonl", ".csv", ".parquet", ".xlsx"]


def findings(n: int, start: int = 0) -> pa.RecordBatch:
    return pa.record_batch(
        {
            "source": [f"f{i}.csv" for i in range(start, start + n)],
            "row": pa.array(range(start, start + n), pa.int64()),
            "type": ["PHONE_NUMBER"] * n,
            "masked": [f"138****{i:04d}" for i in range(start, start + n)],
        }
    )


def read_back(path: Path) -> list[dict[str, object]]:
    suffix = path.suffix
    if suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if suffix == ".csv":
        return pacsv.read_csv(path).to_pylist()
    if suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]  # type: ignore[arg-type]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"findings{suffix}"
    with TableSink(out) as sink:
        sink.write(findings(3))
        sink.write(pa.Table.from_batches([findings(2, start=3)]))
        assert not out.exists()
    rows = read_back(out)
    assert [r["row"] for r in rows] == [0, 1, 2, 3, 4]
    assert rows[4]["masked"] == "138****0004"
    assert sink.rows_written == 5
    assert leftovers(tmp_path) == []
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("suffix", FORMATS)
def test_failure_midway_leaves_no_file(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    with pytest.raises(RuntimeError), TableSink(out) as sink:
        sink.write(findings(1000))
        raise RuntimeError("scanner crashed")
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", FORMATS)
def test_failure_keeps_previous_output_intact(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    with TableSink(out) as sink:
        sink.write(findings(2))
    before = out.read_bytes()
    with pytest.raises(KeyboardInterrupt), TableSink(out) as sink:
        sink.write(findings(500, start=100))
        raise KeyboardInterrupt
    assert out.read_bytes() == before
    assert leftovers(tmp_path) == []
    with TableSink(out) as sink:
        sink.write(findings(1, start=7))
    assert [r["row"] for r in read_back(out)] == [7]


def test_source_error_during_scan_publishes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("a,b\n" + "1,2\n" * 100 + "1,2,3\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    with pytest.raises(SourceError), TableSink(out) as sink:
        for tb in read_batches(src, batch_rows=10):
            sink.write(tb.batch)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_csv_has_bom_and_jsonl_keeps_chinese(tmp_path: Path) -> None:
    batch = pa.record_batch({"姓名": ["张三"], "地址": ["北京市"]})
    csv_out = tmp_path / "x.csv"
    with TableSink(csv_out) as sink:
        sink.write(batch)
    data = csv_out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "张三".encode() in data
    jl = tmp_path / "x.jsonl"
    with TableSink(jl) as sink:
        sink.write(batch)
    assert jl.read_text(encoding="utf-8") == '{"姓名": "张三", "地址": "北京市"}\n'


def test_nested_columns_flattened_for_csv_and_xlsx(tmp_path: Path) -> None:
    batch = pa.record_batch({"types": [["PHONE_NUMBER", "EMAIL"]], "n": [1]})
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"n{suffix}"
        with TableSink(out) as sink:
            sink.write(batch)
        assert read_back(out)[0]["types"] == '["PHONE_NUMBER","EMAIL"]'


def test_xlsx_text_never_becomes_a_formula(tmp_path: Path) -> None:
    out = tmp_path / "f.xlsx"
    with TableSink(out) as sink:
        sink.write(pa.record_batch({"v": ["=HYPERLINK(\"http://x\")", "ok\x01bad", "x" * 40_000]}))
    book = openpyxl.load_workbook(out)
    ws = book.worksheets[0]
    assert ws["A2"].data_type == "s"
    assert ws["A2"].value == '=HYPERLINK("http://x")'
    assert ws["A3"].value == "ok\ufffdbad"
    assert len(ws["A4"].value) == 32_767


def test_xlsx_row_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sinks, "XLSX_MAX_DATA_ROWS", 10)
    out = tmp_path / "cap.xlsx"
    with pytest.raises(SinkError) as info, TableSink(out) as sink:
        sink.write(findings(6))
        sink.write(findings(6))
    assert info.value.exit_code == EXIT_USAGE
    assert ".parquet" in info.value.message("zh")
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_schema_conformance(tmp_path: Path) -> None:
    schema = pa.schema([("a", pa.string()), ("b", pa.int64())])
    out = tmp_path / "s.parquet"
    with TableSink(out, schema=schema) as sink:
        sink.write(pa.record_batch({"b": pa.array([1], pa.int32()), "a": ["x"]}))
        sink.write(pa.record_batch({"a": ["y"]}))
    table = pq.read_table(out)
    assert table.schema == schema
    assert table.to_pylist() == [{"a": "x", "b": 1}, {"a": "y", "b": None}]

    bad = tmp_path / "bad.csv"
    with pytest.raises(ValueError), TableSink(bad, schema=schema) as sink:
        sink.write(pa.record_batch({"a": ["x"], "zzz": ["y"]}))
    assert not bad.exists()


@pytest.mark.parametrize("suffix", FORMATS)
def test_empty_output_with_schema(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"e{suffix}"
    with TableSink(out, schema=pa.schema([("a", pa.string())])):
        pass
    assert out.exists()
    if suffix == ".parquet":
        assert pq.read_table(out).schema.names == ["a"]
    if suffix == ".csv":
        assert out.read_bytes() == b'\xef\xbb\xbf"a"\n'


def test_bad_destinations(tmp_path: Path) -> None:
    with pytest.raises(SinkError) as info:
        TableSink(tmp_path / "x.docx")
    assert info.value.exit_code == EXIT_USAGE
    with pytest.raises(SinkError) as info:
        TableSink(tmp_path / "no" / "such" / "x.csv")
    assert info.value.exit_code == EXIT_OUTPUT
    assert "不存在" in info.value.message("zh")


def test_write_after_commit_refused(tmp_path: Path) -> None:
    sink = TableSink(tmp_path / "x.jsonl")
    sink.write(findings(1))
    sink.commit()
    with pytest.raises(ValueError):
        sink.write(findings(1))


def test_atomic_write_text(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    atomic_write_text(out, "<p>线索报告</p>")
    assert out.read_text(encoding="utf-8") == "<p>线索报告</p>"
    atomic_write_bytes(out, b"v2")
    assert out.read_bytes() == b"v2"
    target_dir = tmp_path / "occupied"
    target_dir.mkdir()
    (target_dir / "keep").write_text("x")
    with pytest.raises(OSError):
        atomic_write_text(target_dir, "cannot replace a non-empty folder")
    assert (target_dir / "keep").exists()
    assert leftovers(tmp_path) == []
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))

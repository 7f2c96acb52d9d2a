"""Readers: every fixture is synthetic and built here (numbers are random, not real people)."""

from __future__ import annotations

import gzip
import json
import pickle
import random
import re
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pisentinel.engine import sources
from pisentinel.engine.sources import (
    EXIT_EMPTY,
    EXIT_MISSING_COLUMN,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    SourceError,
    TextBatch,
    detect_encoding,
    discover_sources,
    read_batches,
    read_sample,
)

# A synthetic phone-like number used to check that messages never quote content.
SECRET = "13912345678"


def rows_of(path: Path, **kw: object) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for tb in read_batches(path, **kw):  # type: ignore[arg-type]
        out.extend(tb.batch.to_pylist())
    return out


def texts_of(path: Path, **kw: object) -> list[str]:
    return [r["text"] for r in rows_of(path, **kw)]  # type: ignore[misc]


def error_of(path: Path, **kw: object) -> SourceError:
    with pytest.raises(SourceError) as info:
        rows_of(path, **kw)
    err = info.value
    for lang in ("zh", "en"):
        assert SECRET not in err.message(lang)
        assert str(path) in err.message(lang)
    assert SECRET not in repr(err)
    return err


# ----------------------------------------------------------------------------- encodings

CHINESE = "张三的电话是 13800000000，住在北京市海淀区。\n第二行：李四\n"


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_text_encodings_detected_and_decoded(tmp_path: Path, codec: str, expected: str) -> None:
    p = tmp_path / "notes.txt"
    p.write_bytes(CHINESE.encode(codec))
    assert detect_encoding(p) == expected
    assert texts_of(p) == ["张三的电话是 13800000000，住在北京市海淀区。", "第二行：李四"]


def test_gb18030_four_byte_characters(tmp_path: Path) -> None:
    text = "姓名：𠮷野家 𪚥\n"  # outside GBK, four-byte sequences in GB18030
    p = tmp_path / "rare.txt"
    p.write_bytes(text.encode("gb18030"))
    assert detect_encoding(p) == "gb18030"
    assert texts_of(p) == ["姓名：𠮷野家 𪚥"]


def test_utf8_multibyte_cut_at_sample_end_is_still_utf8(tmp_path: Path) -> None:
    # Place a 3-byte character across the 1 MiB sample boundary.
    prefix = b"a" * (sources.ENCODING_SAMPLE_BYTES - 1)
    p = tmp_path / "edge.txt"
    p.write_bytes(prefix + "中文".encode() + b"\n")
    assert detect_encoding(p) == "utf-8"
    assert "".join(texts_of(p)).endswith("中文")


def test_ascii_prefix_then_gbk_switches_without_loss(tmp_path: Path) -> None:
    ascii_part = ("id,note " * 20 + "\n") * 8000  # > 1 MiB of ASCII
    assert len(ascii_part) > sources.ENCODING_SAMPLE_BYTES
    p = tmp_path / "late.txt"
    p.write_bytes(ascii_part.encode() + "王五 住址：上海\n".encode("gbk"))
    assert detect_encoding(p) == "utf-8"
    lines = texts_of(p)
    assert lines[-1] == "王五 住址：上海"
    assert len(lines) == 8001


def test_mixed_encodings_in_sample_are_refused(tmp_path: Path) -> None:
    utf8 = "这是一段UTF-8编码的中文文本。\n".encode() * 3
    p = tmp_path / "mixed.txt"
    p.write_bytes(utf8 + f"电话 {SECRET}\n".encode("gbk"))
    err = error_of(p)
    assert err.exit_code == EXIT_UNREADABLE
    assert err.row == 4
    assert err.byte_offset == len(utf8)
    assert "编码" in err.message("zh")
    assert "mixes encodings" in err.message("en")


def test_mixed_encodings_after_sample_name_line_and_offset(tmp_path: Path) -> None:
    line = "第一部分是UTF-8的中文内容，用于测试。\n".encode()
    head = line * (sources.ENCODING_SAMPLE_BYTES // len(line) + 10)
    p = tmp_path / "mixed_late.txt"
    p.write_bytes(head + f"电话 {SECRET}\n".encode("gbk"))
    n_lines = head.count(b"\n")
    err = error_of(p)
    assert err.row == n_lines + 1
    assert err.byte_offset == len(head)


def test_undecodable_bytes_named_by_offset(tmp_path: Path) -> None:
    p = tmp_path / "broken.txt"
    p.write_bytes(b"ok line\n" + b"\xff\xff\xff\xff\n")
    err = error_of(p)
    assert err.exit_code == EXIT_UNREADABLE
    assert (err.row, err.byte_offset) == (2, 8)


def test_nul_bytes_refused_as_binary(tmp_path: Path) -> None:
    p = tmp_path / "image.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    err = error_of(p)
    assert "NUL" in err.message("zh")


# ----------------------------------------------------------------------------- text lines


def test_text_lines_crlf_blank_and_last_line(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_bytes(b"one\r\n\r\ntwo\nthree")
    assert texts_of(p) == ["one", "", "two", "three"]


def test_text_batches_have_contiguous_row_offsets(tmp_path: Path) -> None:
    p = tmp_path / "many.txt"
    p.write_text("".join(f"line {i}\n" for i in range(10)), encoding="utf-8")
    batches = list(read_batches(p, batch_rows=4))
    assert [b.row_offset for b in batches] == [0, 4, 8]
    assert all(b.rows is None and b.offsets is None for b in batches)
    assert batches[2].batch.column("text").to_pylist() == ["line 8", "line 9"]


def _long_line(rng: random.Random, n_chars: int) -> str:
    pieces = []
    size = 0
    while size < n_chars:
        kind = rng.randrange(5)
        if kind == 0:
            piece = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 19)))
        elif kind == 1:
            piece = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(1, 30)))
        elif kind == 2:
            piece = rng.choice(["，", "。", "；", " ", "-", "：", "、"])
        elif kind == 3:
            piece = "138 " + "".join(rng.choice("0123456789") for _ in range(4)) + " 5678"
        else:
            piece = "user" + str(rng.randint(0, 999)) + "@example.com"
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)


def test_long_line_segments_rejoin_and_never_cut_a_digit_run(tmp_path: Path) -> None:
    rng = random.Random(7)
    long_line = _long_line(rng, 50_000)
    p = tmp_path / "dump.txt"
    p.write_text("short first\n" + long_line + "\nshort last\n", encoding="utf-8")
    batches = list(read_batches(p, batch_rows=7, max_segment_chars=1000))
    segments: list[tuple[int, int, str]] = []
    for tb in batches:
        texts = tb.batch.column("text").to_pylist()
        for i, text in enumerate(texts):
            segments.append((tb.row_of(i), tb.offset_of(i), text))
    assert segments[0] == (0, 0, "short first")
    assert segments[-1] == (2, 0, "short last")
    middle = [s for s in segments if s[0] == 1]
    assert len(middle) > 50
    assert all(len(text) <= 1000 for _, _, text in middle)
    assert "".join(text for _, _, text in middle) == long_line
    for _, offset, text in middle:
        assert long_line[offset : offset + len(text)] == text
    # Every maximal run of digits (and digit groups joined by spaces or dashes) sits inside
    # one segment: the cut never lands between two characters of an identifier.
    bounds = {offset for _, offset, _ in middle if offset}
    for m in re.finditer(r"[0-9A-Za-z](?:[0-9A-Za-z .@\-]*[0-9A-Za-z])?", long_line):
        assert not any(m.start() < b < m.end() for b in bounds), m.group()
    # Batches holding segments say so; the others do not need to.
    assert any(tb.rows is not None for tb in batches)


def test_unbroken_digit_line_falls_back_to_hard_cut(tmp_path: Path) -> None:
    digits = "1234567890" * 300
    p = tmp_path / "digits.txt"
    p.write_text(digits + "\n", encoding="utf-8")
    texts = texts_of(p, max_segment_chars=1000)
    assert "".join(texts) == digits
    assert [len(t) for t in texts] == [1000, 1000, 1000]


# ----------------------------------------------------------------------------- CSV / TSV


def test_csv_quoted_newlines_and_leading_zeros(tmp_path: Path) -> None:
    p = tmp_path / "people.csv"
    p.write_bytes('姓名,电话,备注\n张三,013800000000,"第一行\n第二行"\n李四,02,\n'.encode())
    assert rows_of(p) == [
        {"姓名": "张三", "电话": "013800000000", "备注": "第一行\n第二行"},
        {"姓名": "李四", "电话": "02", "备注": ""},
    ]


def test_csv_gbk_and_tsv(tmp_path: Path) -> None:
    p = tmp_path / "gbk.csv"
    p.write_bytes("姓名,身份证号\n王五,110101199001011234\n".encode("gbk"))
    assert rows_of(p) == [{"姓名": "王五", "身份证号": "110101199001011234"}]
    t = tmp_path / "x.tsv"
    t.write_text("a\tb\n1\t2,3\n", encoding="utf-8")
    assert rows_of(t) == [{"a": "1", "b": "2,3"}]


def test_ragged_csv_names_the_row_counting_records(tmp_path: Path) -> None:
    p = tmp_path / "ragged.csv"
    # Header is row 1; row 2 holds a quoted newline (one spreadsheet row, two lines).
    p.write_text(f'a,b,c\n1,"x\ny",3\n4,5,6\n7,8,9,{SECRET}\n', encoding="utf-8")
    err = error_of(p)
    assert err.row == 4
    assert err.exit_code == EXIT_UNREADABLE
    assert "4 列" in err.message("zh") and "3 列" in err.message("zh")


def test_ragged_csv_deep_in_a_big_file(tmp_path: Path) -> None:
    p = tmp_path / "big.csv"
    body = "".join(f"{i},name{i},{i * 7}\n" for i in range(200_000))
    p.write_text("id,name,n\n" + body + f"x,{SECRET}\n", encoding="utf-8")
    err = error_of(p)
    assert err.row == 200_002


def test_csv_row_too_long_is_named(tmp_path: Path) -> None:
    p = tmp_path / "huge_cell.csv"
    with p.open("w", encoding="utf-8") as f:
        f.write("a,b\n1,2\n3,")
        f.write("x" * (sources.CSV_BLOCK_BYTES + 1024))
        f.write("\n")
    err = error_of(p)
    assert err.row == 3
    assert "MiB" in err.message("zh")


def test_csv_rebatches_to_batch_rows(tmp_path: Path) -> None:
    p = tmp_path / "ten.csv"
    p.write_text("n\n" + "".join(f"{i}\n" for i in range(10)), encoding="utf-8")
    batches = list(read_batches(p, batch_rows=3))
    assert [(b.row_offset, b.num_rows) for b in batches] == [(0, 3), (3, 3), (6, 3), (9, 1)]
    assert batches[3].row_of(0) == 9


def test_csv_columns_selected_in_requested_order(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert rows_of(p, columns=["c", "a"]) == [{"c": "3", "a": "1"}]
    tb = next(iter(read_batches(p, columns=["c", "a"])))
    assert tb.batch.schema.names == ["c", "a"]


def test_csv_duplicate_header_refused(tmp_path: Path) -> None:
    p = tmp_path / "dup.csv"
    p.write_text("a,b,a\n1,2,3\n", encoding="utf-8")
    err = error_of(p)
    assert err.row == 1
    assert "a" in err.message("en")


def test_csv_decode_error_mid_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    head = "姓名,电话\n".encode() + "张三,1\n".encode() * 5
    p.write_bytes(head + b"\xff\xfe,2\n")
    err = error_of(p)
    assert err.byte_offset == len(head)
    assert err.row == 7


# ----------------------------------------------------------------------------- empty / missing


@pytest.mark.parametrize("name", ["e.txt", "e.csv", "e.jsonl", "e.json", "e.parquet", "e.xlsx"])
def test_empty_files(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"")
    err = error_of(p)
    assert err.exit_code == EXIT_EMPTY
    assert "文件为空" in err.message("zh")


def test_header_only_and_bom_only_are_empty(tmp_path: Path) -> None:
    h = tmp_path / "h.csv"
    h.write_text("a,b\n", encoding="utf-8")
    assert error_of(h).exit_code == EXIT_EMPTY
    b = tmp_path / "bom.txt"
    b.write_bytes(b"\xef\xbb\xbf")
    assert error_of(b).exit_code == EXIT_EMPTY
    j = tmp_path / "a.json"
    j.write_text("[]", encoding="utf-8")
    assert error_of(j).exit_code == EXIT_EMPTY


def test_missing_columns_listed(tmp_path: Path) -> None:
    c = tmp_path / "c.csv"
    c.write_text("name,phone\nx,1\n", encoding="utf-8")
    err = error_of(c, columns=["phone", "id_card", "addr"])
    assert err.exit_code == EXIT_MISSING_COLUMN
    assert "id_card, addr" in err.message("en") and "name, phone" in err.message("en")

    pq.write_table(pa.table({"name": ["x"]}), tmp_path / "p.parquet")
    assert error_of(tmp_path / "p.parquet", columns=["phone"]).exit_code == EXIT_MISSING_COLUMN

    t = tmp_path / "t.txt"
    t.write_text("hello\n", encoding="utf-8")
    assert error_of(t, columns=["phone"]).exit_code == EXIT_MISSING_COLUMN
    assert texts_of(t, columns=["text"]) == ["hello"]

    j = tmp_path / "j.jsonl"
    j.write_text('{"name": "x"}\n{"other": 1}\n', encoding="utf-8")
    err = error_of(j, columns=["phone"])
    assert err.exit_code == EXIT_MISSING_COLUMN
    assert "name, other" in err.message("en")


# ----------------------------------------------------------------------------- Parquet


def test_parquet_values_cast_to_strings(tmp_path: Path) -> None:
    p = tmp_path / "t.parquet"
    table = pa.table(
        {
            "id": pa.array([110101199001011234, None], pa.int64()),
            "score": [1.5, 2.0],
            "ok": [True, False],
            "tags": [["a", "b"], None],
            "city": pa.array(["北京", "上海"]).dictionary_encode(),
        }
    )
    pq.write_table(table, p)
    assert rows_of(p) == [
        {"id": "110101199001011234", "score": "1.5", "ok": "true", "tags": '["a","b"]',
         "city": "北京"},
        {"id": None, "score": "2", "ok": "false", "tags": None, "city": "上海"},
    ]
    tb = next(iter(read_batches(p)))
    assert all(pa.types.is_string(f.type) for f in tb.batch.schema)


def test_truncated_parquet(tmp_path: Path) -> None:
    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [str(i) for i in range(1000)]}), p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    err = error_of(p)
    assert err.exit_code == EXIT_UNREADABLE
    assert "Parquet" in err.message("zh")


def test_parquet_batches_cross_row_groups(tmp_path: Path) -> None:
    p = tmp_path / "g.parquet"
    pq.write_table(pa.table({"n": list(range(10))}), p, row_group_size=3)
    batches = list(read_batches(p, batch_rows=4))
    assert [(b.row_offset, b.num_rows) for b in batches] == [(0, 4), (4, 4), (8, 2)]


# ----------------------------------------------------------------------------- xlsx


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)


def test_xlsx_values_merged_cells_and_trailing_blanks(tmp_path: Path) -> None:
    import datetime as dt

    p = tmp_path / "b.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["姓名", "电话", "日期", "金额"])
    ws.append(["张三", 13800000000, dt.date(2024, 5, 1), 12.5])
    ws.append(["李四", "010-1234", None, 3.0])
    ws.append([None, None, None, None])
    ws.append(["王五", None, None, True])
    ws.merge_cells("A6:B6")
    ws["A6"] = "合并"
    ws["A9"] = None  # styled empty rows after the data are not data
    book.save(p)
    assert rows_of(p) == [
        {"姓名": "张三", "电话": "13800000000", "日期": "2024-05-01 00:00:00", "金额": "12.5"},
        {"姓名": "李四", "电话": "010-1234", "日期": None, "金额": "3"},
        {"姓名": None, "电话": None, "日期": None, "金额": None},
        {"姓名": "王五", "电话": None, "日期": None, "金额": "TRUE"},
        {"姓名": "合并", "电话": None, "日期": None, "金额": None},
    ]


def test_xlsx_formulas_read_as_cached_values(tmp_path: Path) -> None:
    import zipfile

    plain = tmp_path / "plain.xlsx"
    _xlsx(plain, [["a", "b"], [1, "=A2*2"]])
    # openpyxl writes no cached value; add one as Excel would, by rewriting the sheet XML.
    p = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(p, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>A2*2</f><v></v>", b"<f>A2*2</f><v>2</v>")
                data = data.replace(b"<f>A2*2</f><v />", b"<f>A2*2</f><v>2</v>")
                assert b"<v>2</v>" in data
            dst.writestr(item, data)
    assert rows_of(p) == [{"a": "1", "b": "2"}]


def test_xlsx_sheet_selection_and_bad_sheet(tmp_path: Path) -> None:
    p = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["a"])
    first.append(["1"])
    second = book.create_sheet("名单")
    second.append(["b"])
    second.append(["2"])
    book.save(p)
    assert rows_of(p) == [{"a": "1"}]
    assert rows_of(Path(f"{p}#名单")) == [{"b": "2"}]
    err = error_of(Path(f"{p}#nope"))
    assert err.exit_code == EXIT_USAGE


def test_xlsx_value_beyond_header_names_row(tmp_path: Path) -> None:
    p = tmp_path / "wide.xlsx"
    _xlsx(p, [["a", "b"], ["1", "2"], ["3", "4", SECRET]])
    err = error_of(p)
    assert err.row == 3


def test_corrupt_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "fake.xlsx"
    p.write_bytes(random.Random(1).randbytes(4096))
    err = error_of(p)
    assert err.exit_code == EXIT_UNREADABLE
    assert "xlsx" in err.message("zh")


# ----------------------------------------------------------------------------- JSON


def test_json_array_object_wrapper_and_single_object(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text('[{"n": "张三", "id": 110101199001011234}, {"n": "李四", "x": {"k": [1, 2.50]}}]',
                 encoding="utf-8")
    assert rows_of(a) == [
        {"n": "张三", "id": "110101199001011234", "x": None},
        {"n": "李四", "id": None, "x": '{"k":[1,2.5]}'},
    ]
    w = tmp_path / "w.json"
    w.write_text('{"total": 2, "page": {"no": 1}, "data": [{"a": 1}, {"a": 2}]}', encoding="utf-8")
    assert rows_of(w) == [{"a": "1"}, {"a": "2"}]
    s = tmp_path / "s.json"
    s.write_text('{"name": "王五", "ok": true, "none": null}', encoding="utf-8")
    assert rows_of(s) == [{"name": "王五", "ok": "true", "none": None}]


def test_json_duplicate_keys_last_wins(tmp_path: Path) -> None:
    p = tmp_path / "dup.json"
    p.write_text('[{"a": "first", "a": "second"}]', encoding="utf-8")
    assert rows_of(p) == [{"a": "second"}]


def test_json_numbers_kept_as_written(tmp_path: Path) -> None:
    p = tmp_path / "n.jsonl"
    huge = "9" * 5000  # beyond Python's default int-conversion limit
    p.write_text(f'{{"id": 110101199001011234, "f": 1.10e17, "big": {huge}}}\n', encoding="utf-8")
    assert rows_of(p) == [{"id": "110101199001011234", "f": "1.10e17", "big": huge}]


def test_json_deep_nesting_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('[{"a": ' + "[" * 150 + "]" * 150 + "}]", encoding="utf-8")
    err = error_of(deep)
    assert "嵌套" in err.message("zh")
    abyss = tmp_path / "abyss.jsonl"
    abyss.write_text('{"a": 1}\n{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    err = error_of(abyss)
    assert err.row == 2


def test_jsonl_bad_line_named(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(f'{{"a": 1}}\n\n{{"a": "{SECRET}",}}\n', encoding="utf-8")
    err = error_of(p)
    assert err.row == 3
    p.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    assert error_of(p).row == 2


def test_json_syntax_error_and_trailing_data(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text(f'[\n{{"a": 1}},\n{{"a": {SECRET}\n]', encoding="utf-8")
    err = error_of(p)
    assert err.row is not None and err.row >= 3
    t = tmp_path / "trail.json"
    t.write_text('[{"a": 1}] [{"b": 2}]', encoding="utf-8")
    assert "多余" in error_of(t).message("zh")
    s = tmp_path / "scalars.json"
    s.write_text("[1, 2, 3]", encoding="utf-8")
    assert "对象" in error_of(s).message("zh")


def test_json_large_array_streams_in_batches(tmp_path: Path) -> None:
    p = tmp_path / "big.json"
    records = [{"i": i, "text": "记录" * (i % 50)} for i in range(30_000)]
    p.write_text(json.dumps({"meta": "x", "items": records}, ensure_ascii=False), encoding="utf-8")
    batches = list(read_batches(p, batch_rows=10_000))
    assert [b.row_offset for b in batches] == [0, 10_000, 20_000]
    assert batches[2].batch.column("i")[9_999].as_py() == "29999"


def test_json_key_appearing_later_adds_a_column(tmp_path: Path) -> None:
    p = tmp_path / "late.jsonl"
    p.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "b": "x"}\n', encoding="utf-8")
    batches = list(read_batches(p, batch_rows=2))
    assert batches[0].batch.schema.names == ["a"]
    assert batches[1].batch.schema.names == ["a", "b"]
    table = read_sample(p)
    assert table.column("b").to_pylist() == [None, None, "x"]


# ----------------------------------------------------------------------------- gzip


def test_gzip_csv_and_bomb_guard(tmp_path: Path) -> None:
    p = tmp_path / "a.csv.gz"
    p.write_bytes(gzip.compress("姓名,电话\n张三,1\n".encode("gbk")))
    assert rows_of(p) == [{"姓名": "张三", "电话": "1"}]

    bomb = tmp_path / "bomb.txt.gz"
    line = b"a" * 1023 + b"\n"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        for _ in range(100 * 1024):  # 100 MiB that compresses ~1000x
            f.write(line)
    err = error_of(bomb)
    assert err.exit_code == EXIT_UNREADABLE
    assert "炸弹" in err.message("zh")

    broken = tmp_path / "cut.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"a": 1}\n' * 10_000)[:200])
    assert error_of(broken).exit_code == EXIT_UNREADABLE


# ----------------------------------------------------------------------------- discovery


def test_discover_sources(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ["b.csv", "a.txt", "sub/c.jsonl", "sub/deeper/d.parquet", "sub/e.csv.gz",
                 "skip.exe", ".hidden.csv", ".git/x.txt", "sub/f.parquet.gz"]:
        (tmp_path / name).write_bytes(b"x")
    found = discover_sources([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.txt", "b.csv", "sub/c.jsonl", "sub/deeper/d.parquet", "sub/e.csv.gz"
    ]
    again = discover_sources([tmp_path / "b.csv", tmp_path])
    assert again[0] == tmp_path / "b.csv" and len(again) == 5

    with pytest.raises(SourceError) as info:
        discover_sources([tmp_path / "skip.exe"])
    assert info.value.exit_code == EXIT_USAGE
    with pytest.raises(SourceError) as info:
        discover_sources([tmp_path / "nope.csv"])
    assert info.value.exit_code == EXIT_USAGE
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError) as info:
        discover_sources([tmp_path / "empty"])
    assert info.value.exit_code == EXIT_EMPTY


def test_read_batches_checks_path_eagerly(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_batches(tmp_path / "missing.csv")
    assert info.value.exit_code == EXIT_USAGE
    with pytest.raises(SourceError):
        read_batches(tmp_path / "x.doc")


# ----------------------------------------------------------------------------- API details


def test_source_error_pickles_and_speaks_both_languages() -> None:
    err = SourceError("data/x.csv", "列数不一致", "ragged row", row=12, byte_offset=300)
    clone = pickle.loads(pickle.dumps(err))
    assert clone.message("en") == "data/x.csv, row 12, byte 300: ragged row"
    assert clone.message("zh") == "data/x.csv：第 12 行：第 300 字节：列数不一致"
    assert clone.exit_code == EXIT_UNREADABLE


def test_text_batch_repr_holds_no_content(tmp_path: Path) -> None:
    p = tmp_path / "s.txt"
    p.write_text(f"电话 {SECRET}\n", encoding="utf-8")
    tb = next(iter(read_batches(p)))
    assert isinstance(tb, TextBatch)
    assert SECRET not in repr(tb)


def test_read_sample_limits_rows(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("n\n" + "".join(f"{i}\n" for i in range(5000)), encoding="utf-8")
    table = read_sample(p, n_rows=1000)
    assert table.num_rows == 1000
    assert table.column("n")[999].as_py() == "999"

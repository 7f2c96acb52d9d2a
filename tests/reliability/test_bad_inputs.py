"""The bad-input corpus: malformed files as real data exports arrive, generated at test time.

Each input is either read correctly (the planted identifier is found at its row and offsets) or
refused with a message that names the file (and the row where one is known), a non-zero exit
code, no partial output and no quoted content. The corpus is built in a temporary folder by the
functions below; nothing binary is committed."""

from __future__ import annotations

import gzip
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from pisentinel.cli import app
from pisentinel.engine.sources import (
    EXIT_EMPTY,
    EXIT_UNREADABLE,
    GZIP_MAX_RATIO,
    MAX_JSON_DEPTH,
    SourceError,
    read_batches,
)

from .pi import id_number, phone

RNG = random.Random(7)
ID = id_number(RNG)
PHONE = phone(RNG)


@dataclass(frozen=True)
class Readable:
    """Read correctly: the planted ID is found at 1-based `row`, code points [start, end)."""

    row: int
    start: int


@dataclass(frozen=True)
class Refused:
    """Refused with `exit_code`; `row` is the 1-based row the message must name (if known)."""

    exit_code: int
    row: int | None = None


Maker = Callable[[Path], Path]
CASES: dict[str, tuple[Maker, Readable | Refused]] = {}


def case(expect: Readable | Refused) -> Callable[[Maker], Maker]:
    def register(make: Maker) -> Maker:
        CASES[make.__name__] = (make, expect)
        return make

    return register


# ----------------------------------------------------------------------- encodings


@case(Readable(row=2, start=3))
def utf8_bom_csv(d: Path) -> Path:
    p = d / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + f"姓名,证件\n张三,无\n李四,身份证{ID}\n".encode())
    return p


@case(Readable(row=2, start=0))
def gbk_csv(d: Path) -> Path:
    p = d / "gbk.csv"
    p.write_bytes(f"证件号,备注\n1,无\n{ID},北京朝阳\n".encode("gbk"))
    return p


@case(Readable(row=2, start=5))
def gb18030_four_byte_text(d: Path) -> Path:
    p = d / "gb18030.txt"
    p.write_bytes(f"𠀀𠀁第一行\n𠀂居民身份{ID}\n".encode("gb18030"))
    return p


@case(Readable(row=3, start=2))
def utf16_le_bom_text(d: Path) -> Path:
    p = d / "utf16le.txt"
    p.write_bytes(b"\xff\xfe" + f"标题\r\n\r\n证件{ID}\r\n".encode("utf-16-le"))
    return p


@case(Readable(row=1, start=1))
def utf16_be_bom_text(d: Path) -> Path:
    p = d / "utf16be.txt"
    p.write_bytes(b"\xfe\xff" + f"号{ID}\n".encode("utf-16-be"))
    return p


@case(Refused(EXIT_UNREADABLE, row=3))
def mixed_utf8_then_gbk(d: Path) -> Path:
    p = d / "mixed.txt"
    p.write_bytes(("第一行是统一的UTF-8中文文本内容\n" * 2).encode()
                  + f"第三行却是GBK编码的中文{ID}\n".encode("gbk"))
    return p


@case(Refused(EXIT_UNREADABLE, row=2))
def mixed_encodings_far_apart(d: Path) -> Path:
    """The GBK part starts past the encoding sample (1 MiB), so it is found while streaming."""
    p = d / "mixed_late.txt"
    head = ("甲" * 600_000 + "\n").encode()
    p.write_bytes(head + f"后面是GBK编码{ID}\n".encode("gbk"))
    return p


@case(Refused(EXIT_UNREADABLE, row=2))
def nul_bytes_binary(d: Path) -> Path:
    p = d / "binary.txt"
    p.write_bytes(b"header\n" + bytes(range(256)) * 4)
    return p


# ----------------------------------------------------------------------- CSV


@case(Refused(EXIT_UNREADABLE, row=3))
def ragged_csv(d: Path) -> Path:
    p = d / "ragged.csv"
    p.write_text(f"a,b\n1,2\n{ID},2,3\n", "utf-8")
    return p


@case(Readable(row=2, start=0))
def quoted_newline_csv(d: Path) -> Path:
    p = d / "quoted.csv"
    p.write_text(f'备注,证件\n"第一行\n第二行, 带逗号",无\n"{ID}","x"\n', "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE))
def unterminated_quote_csv(d: Path) -> Path:
    p = d / "unterminated.csv"
    p.write_text(f'a,b\n"1,{ID}\n2,3\n', "utf-8")
    return p


# ----------------------------------------------------------------------- Excel


@case(Readable(row=2, start=0))
def xlsx_merged_cells_and_formulas(d: Path) -> Path:
    p = d / "merged.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["证件号", "金额", "合计"])
    ws.append(["合并单元格", 1, "=B2*2"])
    ws.append([ID, 2, "=SUM(B2:B3)"])
    ws.merge_cells("A2:A2")
    ws.merge_cells("B4:C4")
    ws["B4"] = "=HYPERLINK(\"http://example.invalid\", \"点击\")"
    wb.save(p)
    return p


def _xlsx_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["证件号"])
    for _ in range(200):
        ws.append([ID])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@case(Refused(EXIT_UNREADABLE))
def truncated_xlsx(d: Path) -> Path:
    p = d / "truncated.xlsx"
    data = _xlsx_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


@case(Refused(EXIT_UNREADABLE))
def xlsx_not_a_zip(d: Path) -> Path:
    p = d / "fake.xlsx"
    p.write_bytes(random.Random(1).randbytes(4096))
    return p


@case(Refused(EXIT_UNREADABLE))
def xlsx_zip_without_workbook(d: Path) -> Path:
    p = d / "hollow.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/notes.txt", ID)
    return p


@case(Refused(EXIT_UNREADABLE))
def xlsx_with_corrupt_sheet_xml(d: Path) -> Path:
    src = io.BytesIO(_xlsx_bytes())
    p = d / "badsheet.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    return p


# ----------------------------------------------------------------------- Parquet


def _parquet_bytes(rows: int = 5000) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": [ID] * rows, "n": list(range(rows))}), buf,
                   row_group_size=1000)
    return buf.getvalue()


@case(Refused(EXIT_UNREADABLE))
def truncated_parquet(d: Path) -> Path:
    p = d / "truncated.parquet"
    data = _parquet_bytes()
    p.write_bytes(data[: len(data) - 100])
    return p


@case(Refused(EXIT_UNREADABLE))
def parquet_magic_with_garbage(d: Path) -> Path:
    p = d / "garbage.parquet"
    p.write_bytes(b"PAR1" + random.Random(2).randbytes(2000) + b"PAR1")
    return p


@case(Refused(EXIT_UNREADABLE))
def parquet_corrupt_page(d: Path) -> Path:
    """Footer intact, a data page overwritten: the damage is found while reading rows."""
    data = bytearray(_parquet_bytes())
    mid = len(data) // 3
    data[mid : mid + 64] = b"\xff" * 64
    p = d / "corrupt_page.parquet"
    p.write_bytes(bytes(data))
    return p


# ----------------------------------------------------------------------- JSON


@case(Readable(row=1, start=0))
def json_duplicate_keys(d: Path) -> Path:
    p = d / "dup.json"
    p.write_text(f'[{{"证件": "{PHONE}", "证件": "{ID}"}}]', "utf-8")
    return p


@case(Readable(row=2, start=0))
def json_wrapper_with_pretty_printed_scalar_array(d: Path) -> Path:
    """Regression: an object holding the records array and, after it, an indented array of
    strings (`"tags": [\n "a"`) was refused as a syntax error — the reader stepped back one
    character from past the whitespace instead of to the bracket."""
    p = d / "wrapped.json"
    doc = {"records": [{"id": "无"}, {"id": ID}], "tags": ["本地生活圈", "吃瓜群众"],
           "paging": {"next": None}}
    p.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
    return p


@case(Readable(row=1, start=0))
def json_wrapper_whitespace_across_the_read_chunk(d: Path) -> Path:
    """The whitespace after a '[' straddles the reader's 1 MiB chunk boundary."""
    p = d / "chunked.json"
    head = '{"pad": "' + "x" * ((1 << 20) - 20) + '", "tags": ['
    p.write_text(head + " " * 64 + '"a", "b"], "records": [{"id": "' + ID + '"}]}', "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE, row=1))
def json_deep_nesting(d: Path) -> Path:
    p = d / "deep.json"
    depth = 50_000
    p.write_text('[{"a":' + "[" * depth + "]" * depth + "}]", "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE, row=1))
def json_just_over_depth_limit(d: Path) -> Path:
    p = d / "deep101.json"
    depth = MAX_JSON_DEPTH + 1
    p.write_text('[{"a":' + '{"b":' * (depth - 1) + "1" + "}" * depth + "]", "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE, row=3))
def jsonl_bad_third_line(d: Path) -> Path:
    p = d / "bad.jsonl"
    p.write_text(f'{{"a": "1"}}\n{{"a": "2"}}\n{{"a": "{ID}"\n', "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE))
def json_truncated_array(d: Path) -> Path:
    p = d / "truncated.json"
    p.write_text(json.dumps([{"id": ID, "n": i} for i in range(100)])[:-40], "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE))
def json_scalar_top_level(d: Path) -> Path:
    p = d / "scalar.json"
    p.write_text(f'"{ID}"', "utf-8")
    return p


# ----------------------------------------------------------------------- empty and compressed


def _empty(suffix: str) -> Maker:
    def make(d: Path) -> Path:
        p = d / f"empty{suffix}"
        p.write_bytes(b"")
        return p

    make.__name__ = f"empty_{suffix.strip('.').replace('.', '_')}"
    return make


for _suffix in (".txt", ".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx", ".csv.gz"):
    case(Refused(EXIT_EMPTY))(_empty(_suffix))


@case(Refused(EXIT_EMPTY))
def bom_only_text(d: Path) -> Path:
    p = d / "bom_only.txt"
    p.write_bytes(b"\xef\xbb\xbf")
    return p


@case(Refused(EXIT_EMPTY))
def blank_lines_json(d: Path) -> Path:
    p = d / "blank.json"
    p.write_text("\n\n   \n", "utf-8")
    return p


@case(Refused(EXIT_UNREADABLE))
def gzip_bomb(d: Path) -> Path:
    """~1 GiB of zeros compressed ~1000x; the reader must stop long before expanding it all."""
    p = d / "bomb.txt.gz"
    member = gzip.compress(b"0" * (1 << 20), compresslevel=9)
    p.write_bytes(member * 1024)  # concatenated members are one valid gzip stream
    assert p.stat().st_size * GZIP_MAX_RATIO < (1 << 30)
    return p


@case(Refused(EXIT_UNREADABLE))
def truncated_gzip(d: Path) -> Path:
    p = d / "truncated.csv.gz"
    data = gzip.compress(("id\n" + f"{ID}\n" * 10_000).encode())
    p.write_bytes(data[: len(data) // 2])
    return p


@case(Refused(EXIT_UNREADABLE))
def gzip_of_garbage(d: Path) -> Path:
    p = d / "notgzip.jsonl.gz"
    p.write_bytes(random.Random(3).randbytes(1000))
    return p


# ----------------------------------------------------------------------- the tests

runner = CliRunner()


def _scan(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", *args])
    assert not isinstance(result.exception, BaseException) or isinstance(
        result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_read_or_refused_clearly(name: str, tmp_path: Path) -> None:
    make, expect = CASES[name]
    data = tmp_path / "in"
    data.mkdir()
    path = make(data)
    out = tmp_path / "findings.jsonl"
    code, output = _scan(str(path), "-o", str(out))
    if isinstance(expect, Readable):
        assert code == 0, output
        rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        ids = [r for r in rows if r["type"] == "CN_ID_CARD"]
        assert [(r["row"], r["start"], r["end"]) for r in ids] == [
            (expect.row, expect.start, expect.start + 18)], ids
        assert ID not in out.read_text("utf-8")
        return
    assert code == expect.exit_code, output
    assert path.name in output, output
    if expect.row is not None:
        assert f"第 {expect.row} 行" in output, output
    assert ID not in output and PHONE not in output
    assert "Traceback" not in output
    assert not out.exists(), "a refused input must leave no output file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary left over"


@pytest.mark.parametrize("name", sorted(n for n, (_m, e) in CASES.items()
                                        if isinstance(e, Refused)))
def test_refusal_is_a_source_error_in_both_languages(name: str, tmp_path: Path) -> None:
    """The library API raises SourceError (never a raw parser exception) naming the file."""
    make, expect = CASES[name]
    path = make(tmp_path)
    with pytest.raises(SourceError) as info:
        for _batch in read_batches(path, batch_rows=1000):
            pass
    err = info.value
    assert err.exit_code == expect.exit_code
    assert str(path) in err.message("en") and str(path) in err.message("zh")
    assert ID not in err.message("en") and ID not in repr(err)
    if expect.row is not None:
        assert err.row == expect.row


def test_good_file_then_bad_file_leaves_no_partial_output(tmp_path: Path) -> None:
    """A folder whose second file is corrupt: the findings of the first must not be published
    as if they were the whole result, and an earlier result at the destination stays intact."""
    data = tmp_path / "in"
    data.mkdir()
    (data / "a_good.txt").write_text(f"身份证{ID}\n" * 100, "utf-8")
    truncated_parquet(data)
    out = tmp_path / "findings.jsonl"
    out.write_text("previous result\n", "utf-8")
    code, output = _scan(str(data), "-o", str(out))
    assert code == EXIT_UNREADABLE, output
    assert "truncated.parquet" in output
    assert out.read_text("utf-8") == "previous result\n"


def test_model_run_on_a_bad_input_exits_non_zero_and_records_no_leads(tmp_path: Path) -> None:
    from pisentinel.leads import LeadStore

    bad = tmp_path / "bookings.csv"
    bad.write_text(f"booking_id,visitor_id_number\n1,{ID}\n2,{ID},extra\n", "utf-8")
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["run", "scalper_booking", "--input", f"bookings={bad}",
                                 "--workspace", str(ws)])
    assert result.exit_code != 0, result.output
    assert "bookings.csv" in result.output and ID not in result.output
    db = ws / "leads.db"
    if db.exists():
        with LeadStore(f"sqlite:///{db}") as store:
            assert store.count_leads() == 0 if hasattr(store, "count_leads") else True


# ----------------------------------------------------------------------- app screening inputs


@pytest.fixture(scope="module")
def parking_app_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    from pisentinel.models import get_model
    from pisentinel.models.parking_app import apkbuild

    if not apkbuild.have_aapt():
        pytest.skip("aapt not installed (synthetic APKs are built with it)")
    data = tmp_path_factory.mktemp("parking")
    truth = get_model("parking_app").generate(2, 5, data)
    return {k: [data / p for p in ([v] if isinstance(v, str) else v)]
            for k, v in truth["inputs"].items()}


def _run_parking(tmp_path: Path, apks: list[Path], policies: list[Path],
                 traffic: list[Path] = ()) -> tuple[int, str]:
    args = ["run", "parking_app", "--workspace", str(tmp_path / "ws")]
    args += [a for p in apks for a in ("--input", f"apks={p}")]
    args += [a for p in policies for a in ("--input", f"policies={p}")]
    args += [a for p in traffic for a in ("--input", f"traffic={p}")]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def _bomb_apk(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("AndroidManifest.xml", b"\0" * (64 << 20))
        z.writestr("classes.dex", b"\0" * (64 << 20))
    return path


def test_apk_zip_bomb_is_refused_naming_the_file(parking_app_data: dict, tmp_path: Path) -> None:
    bomb = _bomb_apk(tmp_path / "bomb.apk")
    code, output = _run_parking(tmp_path, [bomb], parking_app_data["policies"][:1])
    assert code == EXIT_UNREADABLE, output
    assert "bomb.apk" in output and "Traceback" not in output


def test_apk_path_traversal_entry_is_never_extracted(parking_app_data: dict,
                                                    tmp_path: Path) -> None:
    """An entry named ../../x is read in memory only (never written out) and reported as an
    anomaly; nothing appears outside the workspace."""
    good = parking_app_data["apks"][0]
    evil = tmp_path / "evil.apk"
    evil.write_bytes(good.read_bytes())
    target = tmp_path / "escaped.txt"
    depth = "../" * (len(tmp_path.parts) + 2)
    with zipfile.ZipFile(evil, "a") as z:
        z.writestr(f"{depth}{str(target).lstrip('/')}", b"pwned")
        z.writestr("/etc/evil.txt", b"pwned")
    from pisentinel.models.parking_app.apk import read_apk

    facts = read_apk(evil)
    assert any("unsafe entry name" in a for a in facts.anomalies)
    code, output = _run_parking(tmp_path, [evil], parking_app_data["policies"])
    assert code == 0, output
    assert not target.exists() and not Path("/etc/evil.txt").exists()


def test_corrupt_apk_is_a_clear_error(parking_app_data: dict, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.apk"
    data = parking_app_data["apks"][0].read_bytes()
    bad.write_bytes(data[: len(data) // 3])
    code, output = _run_parking(tmp_path, [bad], parking_app_data["policies"][:1])
    assert code == EXIT_UNREADABLE, output
    assert "truncated.apk" in output and "Traceback" not in output


def test_image_only_policy_pdf_is_refused_not_read_as_empty(parking_app_data: dict,
                                                           tmp_path: Path) -> None:
    """Regression: a scanned policy (images only) was read as an empty text, and the model
    then reported every SDK as undisclosed — a lead built on a file it could not read."""
    from PIL import Image

    pdf = tmp_path / "隐私政策-扫描件.pdf"
    Image.new("RGB", (620, 877), "white").save(pdf)
    code, output = _run_parking(tmp_path, parking_app_data["apks"][:1], [pdf])
    assert code == EXIT_UNREADABLE, output
    assert pdf.name in output and "Traceback" not in output


def test_broken_har_capture_is_a_clear_error(parking_app_data: dict, tmp_path: Path) -> None:
    har = tmp_path / "capture.har"
    har.write_text('["not", "a", "har"]', "utf-8")
    code, output = _run_parking(tmp_path, parking_app_data["apks"][:1],
                                parking_app_data["policies"][:1], [har])
    assert code == EXIT_UNREADABLE, output
    assert "capture.har" in output and "Traceback" not in output

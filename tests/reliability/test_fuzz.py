"""Fuzzing with hypothesis: normalisation, every recognizer and validator, the prefilter, the
column classifier, the file readers on random and mutated bytes, and masking.

Properties: nothing crashes, offsets always lie inside the text and point at what was found,
a mask never shows more significant characters than its rule allows. The CI profile runs 200
examples per property; ``--hypothesis-profile long`` runs 5,000."""

from __future__ import annotations

import io
import json
import random
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pisentinel.detect import Finding, default_scanner
from pisentinel.detect import families as F
from pisentinel.detect.columns import classify_column
from pisentinel.detect.normalize import CHINESE_DIGITS, ZERO_WIDTH, digit_runs, normalize
from pisentinel.detect.prefilter import Prefilter
from pisentinel.detect.recognizers import ScanContext, default_recognizers
from pisentinel.detect.validators import (
    area_code_ok,
    id18_checksum_ok,
    id_check_char,
    luhn_ok,
    mobile_ok,
    parse_date,
    plausible_birth_date,
    region_ok,
    uscc_ok,
)
from pisentinel.engine.sources import SourceError, read_batches
from pisentinel.knowledge import pi_types
from pisentinel.protect import mask_value, redact_text
from pisentinel.protect.normalize import is_significant

from .pi import bank_card, id_number, phone

FUZZ = settings(
    max_examples=max(200, settings.default.max_examples), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
FEW = settings(FUZZ, max_examples=max(60, settings.default.max_examples // 4))

# ----------------------------------------------------------------------- text strategies

PIECES = [
    "身份证", "手机", "电话", "微信", "QQ", "邮箱", "住址", "姓名：", "张三", "欧阳娜娜", "先生",
    "北京市朝阳区建国路88号", "3号楼2单元", "京A12345", "粤B·D12345", "@", "qq.com", "护照",
    "E12345678", "出生", "1990年3月7日", "北纬39.9042", "东经116.4074", "糖尿病", "佛教",
    "指纹", "12:30", "下午3点", "192.168.1.1", "fe80::1", "统一社会信用代码", "91110108MA01",
    "+86", "0086", "010-", "(021)", "Ｘ", "x", "X", "，", "。", "\n", "\r\n", "\t", " ", "-", ".",
    "·", "/", "_", "\u3000", "一三八", "幺", "〇", "两", "壹贰叁",
]
ALPHABET = st.sampled_from(
    list("0123456789０１２３４５６７８９") + list(CHINESE_DIGITS) + list(ZERO_WIDTH)
    + list(" -.·_/\t\n\r　－．—") + list("张王李赵路街号楼室省市区县村@:：")
    + list("ABCXYZabcxyzＡＢａｂ")
)


@st.composite
def identifiers(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    value = draw(st.sampled_from([id_number, phone, bank_card]))(rng)
    sep = draw(st.sampled_from(["", " ", "-", "\u200b", "·"]))
    if sep and draw(st.booleans()):
        value = sep.join(value[i : i + 4] for i in range(0, len(value), 4))
    if draw(st.booleans()):
        value = value.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    return value


texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(ALPHABET, max_size=12), identifiers(),
              st.text(max_size=6)),
    max_size=24,
).map("".join)


# ----------------------------------------------------------------------- normalisation


@FUZZ
@given(texts)
def test_normalize_maps_every_view_character_back(text: str) -> None:
    norm = normalize(text)
    view = norm.text
    if norm.index_map is None:
        assert len(view) == len(text)
        mapping = list(range(len(text)))
    else:
        mapping = norm.index_map
        assert len(mapping) == len(view)
        assert all(a < b for a, b in pairwise(mapping))
        dropped = set(range(len(text))) - set(mapping)
        assert all(text[i] in ZERO_WIDTH for i in dropped)
    for i, o in enumerate(mapping):
        assert 0 <= o < len(text)
        original, seen = text[o], view[i]
        assert seen == original or seen.isascii() or seen == "·", (original, seen)
    for start in range(len(view) + 1):
        for end in (start, min(len(view), start + 1), len(view)):
            s, e = norm.to_original(start, max(start, end))
            assert 0 <= s <= e <= len(text)


@FUZZ
@given(texts)
def test_digit_runs_lie_inside_the_view(text: str) -> None:
    view = normalize(text).text
    for run in digit_runs(view):
        assert 0 <= run.start < run.end <= len(view)
        for s, e in run.groups:
            assert run.start <= s < e <= run.end
            assert view[s:e].isdigit() or view[s:e] in "Xx"


# ----------------------------------------------------------------------- recognizers


@FUZZ
@given(texts)
def test_scanner_offsets_point_at_the_finding(text: str) -> None:
    types = pi_types()
    for f in default_scanner().scan_text(text):
        assert 0 <= f.start < f.end <= len(text), (f.type, f.start, f.end, len(text))
        assert f.text == text[f.start : f.end]
        assert f.type in types
        assert 0.0 <= f.score <= 1.0
        assert f.text not in repr(f) or len(f.text) < 4


RECOGNIZERS = default_recognizers()


@FUZZ
@given(texts)
def test_every_recognizer_alone_stays_inside_the_view(text: str) -> None:
    """Each recognizer runs with every family open (as if the prefilter let everything
    through), so a recognizer never sees only the inputs the prefilter would pick for it."""
    ctx = ScanContext(normalize(text), F.ALL)
    view = ctx.view
    for rec in [r for r in RECOGNIZERS if not r.composite] + [r for r in RECOGNIZERS
                                                              if r.composite]:
        for cand in rec.find(ctx):
            assert 0 <= cand.start < cand.end <= len(view), (rec.name, cand.start, cand.end)
            assert cand.type in pi_types(), rec.name
            ctx.found.append(cand)


@FUZZ
@given(st.lists(st.one_of(texts, st.text(max_size=40),
                          st.builds(lambda n: "7" * n, st.integers(0, 3000)),
                          st.builds(lambda n: "12 34 " * n, st.integers(0, 600))),
                max_size=8))
def test_hyperscan_prefilter_matches_the_re_prefilter(rows: list[str]) -> None:
    """The buffer scan (with its per-row match cap for long digit runs) opens at least the
    families Python's `re` finds in each row alone."""
    hs = default_scanner().prefilter
    assume(hs.engine == "hyperscan")
    arr = pa.array(rows, pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[: len(rows) + 1]
    data = bufs[2].to_pybytes() if bufs[2] is not None else b""
    got = hs.families_for_buffer(data, offsets.astype(np.int64))
    plain = _re_prefilter()
    for i, row in enumerate(rows):
        want = plain.families_for_text(row)
        assert int(got[i]) & want == want, (i, len(row), bin(int(got[i])), bin(want))


_PLAIN: list[Prefilter] = []


def _re_prefilter() -> Prefilter:
    if not _PLAIN:
        _PLAIN.append(Prefilter(use_hyperscan=False))
    return _PLAIN[0]


def test_long_digit_run_does_not_hide_the_next_rows_pi() -> None:
    """Regression: a row of 10^6 digits reported a prefilter match at every position (2
    callbacks per byte, 0.5 MB/s). The scan now caps matches per row; the rows after it must
    still be scanned."""
    rng = random.Random(5)
    ident, mobile = id_number(rng), phone(rng)
    rows = ["0" * 1_000_000, f"身份证{ident}", "a@example.com", f"手机{mobile}",
            "1" * 300_000 + " 邮箱 b@example.com"]
    found = default_scanner().scan_texts(rows)
    assert [f.type for f in found[1]] == ["CN_ID_CARD"]
    assert {f.type for f in found[2]} == {"EMAIL"}
    assert [f.type for f in found[3]] == ["PHONE_NUMBER"]
    assert "EMAIL" in {f.type for f in found[4]}


# ----------------------------------------------------------------------- validators

digit_strings = st.text("0123456789", max_size=25)
any_strings = st.one_of(digit_strings, st.text(max_size=25),
                        st.text("0123456789XxABCDEFGHJKLMNPQRTUWXY", max_size=20))


@FUZZ
@given(any_strings)
def test_validators_never_raise(value: str) -> None:
    for check in (id18_checksum_ok, region_ok, luhn_ok, uscc_ok, mobile_ok, area_code_ok):
        assert check(value) in (True, False)
    date = parse_date(value)
    assert date is None or plausible_birth_date(date) in (True, False)


@FUZZ
@given(st.text("0123456789", min_size=17, max_size=17))
def test_id_check_character_makes_a_valid_id(first17: str) -> None:
    assert id18_checksum_ok(first17 + id_check_char(first17))
    wrong = next(c for c in "0123456789X" if c != id_check_char(first17))
    assert not id18_checksum_ok(first17 + wrong)


@FUZZ
@given(st.text("0123456789", min_size=2, max_size=19))
def test_luhn_detects_every_single_digit_error(digits: str) -> None:
    check = next(str(d) for d in range(10) if luhn_ok(digits + str(d)))
    for i in range(len(digits) + 1):
        number = digits + check
        for d in "0123456789":
            if d != number[i]:
                assert not luhn_ok(number[:i] + d + number[i + 1 :])


# ----------------------------------------------------------------------- column classifier

headers = st.one_of(st.sampled_from(["身份证号", "手机", "姓名", "住址", "col_7", "备注", "",
                                     "visitor_id_number", "邮箱", "车牌"]), st.text(max_size=12))


@FEW
@given(headers, st.lists(st.one_of(st.none(), texts, identifiers()), max_size=20))
def test_column_classifier_never_crashes(header: str, values: list[str | None]) -> None:
    profile = classify_column(header, values)
    assert profile.type is None or profile.type in pi_types()
    assert 0.0 <= profile.confidence <= 1.0
    assert 0.0 <= profile.value_ratio <= 1.0
    assert profile.sampled == len(values)


# ----------------------------------------------------------------------- masking

KEEP_RULES = {t.code: t for t in pi_types().values() if "strategy" not in t.mask and t.is_pi}


def _significant_shown(original: str, masked: str) -> int:
    """Significant characters of `original` that still appear, in order, in `masked`."""
    shown = 0
    for a, b in zip(original, masked, strict=False):
        if is_significant(a) and a == b:
            shown += 1
    return shown


@FUZZ
@given(texts)
def test_masking_a_finding_never_shows_more_than_its_rule(text: str) -> None:
    for f in default_scanner().scan_text(text):
        masked = mask_value(f.type, f.text)
        assert masked != f.text or not any(is_significant(c) for c in f.text) or \
            f.type not in KEEP_RULES
        rule = KEEP_RULES.get(f.type)
        if rule is None or len(masked) != len(f.text):
            continue
        allowed = int(rule.mask.get("keep_prefix", 0)) + int(rule.mask.get("keep_suffix", 0))
        if f.type == "PHONE_NUMBER":
            allowed += 4  # a shown +86 / 0086 country code is not part of the number
        assert _significant_shown(f.text, masked) <= allowed, (f.type, masked)


@FUZZ
@given(texts)
def test_redacted_text_holds_no_found_identifier(text: str) -> None:
    findings = default_scanner().scan_text(text)
    redacted = redact_text(text, findings, "mask")
    for f in findings:
        if f.type in ("CN_ID_CARD", "BANK_CARD", "PHONE_NUMBER") and len(f.text) >= 11:
            assert f.text not in redacted or _written_outside(text, f.text, findings), f.type


def _written_outside(text: str, value: str, findings: list[Finding]) -> bool:
    """Whether `value` also stands in `text` somewhere no finding covers whole: there redaction
    has nothing to hide (192.168.1.1192.168.1.1192… holds its phone-like run twice, overlapping,
    and only the first is a finding)."""
    i = text.find(value)
    while i >= 0:
        if not any(g.start <= i and i + len(value) <= g.end for g in findings):
            return True
        i = text.find(value, i + 1)
    return False


# ----------------------------------------------------------------------- file readers

SUFFIXES = [".txt", ".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx", ".csv.gz",
            ".jsonl.gz"]


def _valid(suffix: str, rows: list[str]) -> bytes:
    """A valid file of this kind holding `rows`, to be mutated."""
    if suffix in (".txt",):
        return "\n".join(rows).encode()
    if suffix in (".csv", ".tsv"):
        sep = "," if suffix == ".csv" else "\t"
        return ("a" + sep + "b\n" + "".join(f'"{r}"{sep}{i}\n' for i, r in enumerate(rows))
                ).encode()
    if suffix == ".json":
        return json.dumps([{"a": r} for r in rows], ensure_ascii=False).encode()
    if suffix == ".jsonl":
        return "\n".join(json.dumps({"a": r}, ensure_ascii=False) for r in rows).encode()
    if suffix == ".parquet":
        buf = io.BytesIO()
        pq.write_table(pa.table({"a": rows or [""]}), buf, row_group_size=3)
        return buf.getvalue()
    if suffix == ".xlsx":
        wb = Workbook()
        ws = wb.active
        ws.append(["a"])
        for r in rows:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", r)])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    import gzip

    return gzip.compress(_valid(suffix[: -len(".gz")], rows))


def _read_all(path: Path) -> int:
    rows = 0
    for tb in read_batches(path, batch_rows=7, max_segment_chars=64):
        for col in tb.batch.columns:
            assert pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
        rows += tb.num_rows
    return rows


@FUZZ
@given(st.sampled_from(SUFFIXES), st.binary(max_size=3000))
def test_readers_on_random_bytes_raise_only_source_errors(
        tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        _read_all(path)
    except SourceError as e:
        assert e.exit_code in (2, 3, 4, 5)
        assert str(path) in e.message("en")


@FUZZ
@given(st.sampled_from(SUFFIXES), st.lists(texts, max_size=12),
       st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=8)), min_size=1,
                max_size=6),
       st.sampled_from(["overwrite", "truncate", "insert"]))
def test_readers_on_mutated_files_raise_only_source_errors(
        tmp_path: Path, suffix: str, rows: list[str], edits: list[tuple[float, bytes]],
        how: str) -> None:
    data = bytearray(_valid(suffix, rows))
    for where, patch in edits:
        at = int(where * len(data))
        if how == "overwrite":
            data[at : at + len(patch)] = patch
        elif how == "truncate":
            del data[at:]
            break
        else:
            data[at:at] = patch
    path = tmp_path / f"mutated{suffix}"
    path.write_bytes(bytes(data))
    try:
        _read_all(path)
    except SourceError as e:
        assert str(path) in e.message("en")


@FEW
@given(st.sampled_from([".txt", ".csv", ".json", ".jsonl", ".parquet", ".xlsx"]),
       st.lists(texts.filter(lambda t: '"' not in t and all(c >= " " for c in t)),
                min_size=1, max_size=10))
def test_valid_files_read_back_every_row(tmp_path: Path, suffix: str, rows: list[str]) -> None:
    path = tmp_path / f"valid{suffix}"
    path.write_bytes(_valid(suffix, rows))
    try:
        got = _read_all(path)
    except SourceError as e:  # only an all-blank input may be refused, as empty
        assert e.exit_code == 5, e.message("en")
        assert all(not r.strip() for r in rows) or suffix in (".txt",)
        return
    if suffix == ".xlsx":  # a row of empty cells at the end of a sheet is no row at all
        while rows and rows[-1] == "":
            rows.pop()
    if suffix != ".txt":
        assert got == len(rows)


# ----------------------------------------------------------------------- a user's rules

_RULES_YAML = """
types:
  TICKET: {name_zh: 票号, sensitive: false, mask: {keep_prefix: 2, keep_suffix: 1}}
patterns:
  - {type: TICKET, regex: '(?<![0-9A-Z])ZX[0-9]{6}', score: 0.8}
  - {type: TICKET, regex: '(?:ZX)?[0-9]*TK[0-9]{4}', score: 0.8, context: [票号]}
  - {type: BANK_CARD, regex: '88[0-9]{14}', score: 0.7, validator: luhn}
dictionaries:
  - {type: PERSON_NAME, words: [张三, 欧阳娜娜], score: 0.9}
allow:
  values: ['13800138000']
  patterns: ['400[0-9]{7}']
"""
_RULE_PIECES = ["ZX123456", "ＺＸ１２３４５６", "TK1234", "票号", "Z\u200bX123456", "张三",
                "13800138000", "4001234567", "8800000000000005"]
_RULE_SCANNERS: list[tuple[Any, Any]] = []


def _rule_scanners(tmp: Path) -> tuple[Any, Any]:
    from pisentinel.detect import Scanner, load_rules

    if not _RULE_SCANNERS:
        path = tmp / "rules.yaml"
        path.write_text(_RULES_YAML, encoding="utf-8")
        rules = load_rules(path)
        _RULE_SCANNERS.append((Scanner(rules=rules, ner="off"),
                               Scanner(rules=rules, ner="off", use_hyperscan=False)))
    return _RULE_SCANNERS[0]


@FEW
@given(st.lists(st.one_of(texts, st.sampled_from(_RULE_PIECES)), min_size=1, max_size=6)
       .map("".join))
def test_rules_scan_the_same_with_hyperscan_and_re(tmp_path_factory: Any, text: str) -> None:
    """A user's patterns in hyperscan's prefilter mode (and one it refuses, which can match the
    empty string) find exactly what the `re` prefilter finds, and never raise."""
    hs, plain = _rule_scanners(tmp_path_factory.getbasetemp())
    assume(hs.prefilter.engine == "hyperscan")
    a = [(f.type, f.start, f.end) for f in hs.scan_text(text)]
    b = [(f.type, f.start, f.end) for f in plain.scan_text(text)]
    assert a == b
    for f in hs.scan_text(text):
        assert 0 <= f.start < f.end <= len(text)

"""Column mapping: Chinese headers → canonical columns, by the user, the header or the values."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pisentinel.engine.mapping import (
    MappingError,
    load_mapping_file,
    parse_map_options,
    resolve_mapping,
)
from pisentinel.engine.sources import EXIT_MISSING_COLUMN, EXIT_USAGE, SourceError
from test_engine_data import OPTIONAL, REQUIRED, SYNONYMS, booking_rows, id_number, phone


def _values(headers: list[str], rows: list[dict[str, str]]) -> dict[str, list[str]]:
    return {h: [r[h] for r in rows] for h in headers}


def test_chinese_headers_match_by_synonym() -> None:
    rows = booking_rows(50)
    headers = list(rows[0])
    got = resolve_mapping(headers, _values(headers, rows), REQUIRED, OPTIONAL, SYNONYMS)
    assert got == {"account_id": "用户ID", "id_number": "身份证号", "booked_at": "预约时间",
                   "phone": "手机号", "venue": "场馆", "note": "备注"}


def test_exact_canonical_name_and_header_variants() -> None:
    headers = ["ACCOUNT_ID", "证件号码（身份证）", "下单 时间"]
    got = resolve_mapping(headers, None, REQUIRED, (), SYNONYMS)
    assert got == {"account_id": "ACCOUNT_ID", "id_number": "证件号码（身份证）",
                   "booked_at": "下单 时间"}


def test_user_map_wins_over_headers() -> None:
    headers = ["用户ID", "备用账号", "身份证号", "预约时间"]
    got = resolve_mapping(headers, None, REQUIRED, (), SYNONYMS,
                          {"account_id": "备用账号"})
    assert got["account_id"] == "备用账号"
    assert got["id_number"] == "身份证号"


def test_values_decide_when_the_header_says_nothing() -> None:
    rng = random.Random(5)
    headers = ["col_1", "col_2", "预约时间", "用户ID"]
    values = {"col_1": [phone(rng) for _ in range(40)],
              "col_2": [id_number(rng) for _ in range(40)],
              "预约时间": ["2026-03-01 10:00:00"] * 40, "用户ID": ["u1"] * 40}
    got = resolve_mapping(headers, values, REQUIRED, ("phone",), SYNONYMS)
    assert got["id_number"] == "col_2"
    assert got["phone"] == "col_1"


def test_two_equally_good_candidates_are_not_guessed() -> None:
    rng = random.Random(6)
    headers = ["用户ID", "预约时间", "c1", "c2"]
    values = {"c1": [id_number(rng) for _ in range(30)],
              "c2": [id_number(rng) for _ in range(30)],
              "用户ID": ["u"] * 30, "预约时间": ["2026-03-01"] * 30}
    with pytest.raises(MappingError) as err:
        resolve_mapping(headers, values, REQUIRED, (), SYNONYMS)
    assert "id_number has several candidates: c1, c2" in err.value.message("en")
    assert "id_number 有多个候选" in err.value.message("zh")


def test_missing_required_lists_expected_headers_and_matches() -> None:
    headers = ["用户ID", "姓名", "预约时间"]
    with pytest.raises(MappingError) as err:
        resolve_mapping(headers, {h: ["x"] for h in headers}, REQUIRED, OPTIONAL, SYNONYMS)
    e = err.value
    assert isinstance(e, SourceError)
    assert e.exit_code == EXIT_MISSING_COLUMN
    assert e.expected == [*REQUIRED, *OPTIONAL]
    assert e.headers == headers
    assert e.matched == {"account_id": "用户ID", "booked_at": "预约时间"}
    zh, en = e.message("zh"), e.message("en")
    assert zh.startswith("缺少必需的列：id_number")
    assert "id_number（身份证号/证件号码/身份证）" in zh and "--map id_number=<表头>" in zh
    assert "the file's headers: 用户ID, 姓名, 预约时间" in en
    assert "matched: account_id=用户ID, booked_at=预约时间" in en


def test_user_map_errors_are_usage_errors() -> None:
    headers = ["用户ID", "身份证号", "预约时间"]
    with pytest.raises(MappingError) as err:
        resolve_mapping(headers, None, REQUIRED, (), SYNONYMS, {"id_number": "证件号"})
    assert err.value.exit_code == EXIT_USAGE
    assert "no header 证件号" in err.value.message("en")
    with pytest.raises(MappingError) as err:
        resolve_mapping(headers, None, REQUIRED, (), SYNONYMS, {"idnumber": "身份证号"})
    assert "idnumber is not read by this model" in err.value.message("en")


def test_optional_columns_are_left_out_when_unclear() -> None:
    headers = ["用户ID", "身份证号", "预约时间", "其他"]
    got = resolve_mapping(headers, None, REQUIRED, OPTIONAL, SYNONYMS)
    assert set(got) == set(REQUIRED)


def test_load_mapping_file_nested_and_flat(tmp_path: Path) -> None:
    nested = tmp_path / "map.yaml"
    nested.write_text("bookings:\n  account_id: 用户ID\n  id_number: 身份证号\n", "utf-8")
    assert load_mapping_file(nested) == {
        "bookings": {"account_id": "用户ID", "id_number": "身份证号"}}
    flat = tmp_path / "flat.yaml"
    flat.write_text("account_id: 用户ID\n", "utf-8")
    assert load_mapping_file(flat) == {"*": {"account_id": "用户ID"}}
    for text in ("- a\n- b\n", "a: [1, 2]\n", "a: {b: [1]}\n", ": : :\n"):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, "utf-8")
        with pytest.raises(SourceError) as err:
            load_mapping_file(bad)
        assert err.value.exit_code == EXIT_USAGE
    with pytest.raises(SourceError):
        load_mapping_file(tmp_path / "missing.yaml")


def test_parse_map_options() -> None:
    assert parse_map_options(["account_id=用户ID", "bookings:id_number= 身份证号 "]) == {
        "*": {"account_id": "用户ID"}, "bookings": {"id_number": "身份证号"}}
    with pytest.raises(SourceError):
        parse_map_options(["account_id"])

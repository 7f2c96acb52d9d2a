"""DuckDB → Spark SQL transpiling: the repairs `to_spark` makes and the statement splitting the
Spark engine relies on. (The same SQL is run on both engines in test_engine_spark.py.)"""

from __future__ import annotations

import pytest

from pisentinel.engine.sql import GAPS, SUBSET, SqlDialectError, replace_target, to_spark


def test_regexp_extract_keeps_duckdb_default_group() -> None:
    assert to_spark("SELECT regexp_extract(a, '[0-9]+') FROM t") == \
        "SELECT REGEXP_EXTRACT(a, '[0-9]+', 0) FROM t"


def test_epoch_keeps_fractional_seconds() -> None:
    out = to_spark("SELECT epoch(CAST(x AS TIMESTAMP)) FROM t")
    assert "UNIX_MICROS(CAST(CAST(x AS TIMESTAMP_NTZ) AS TIMESTAMP))" in out
    assert "UNIX_TIMESTAMP" not in out


def test_date_trunc_stays_without_time_zone() -> None:
    assert to_spark("SELECT date_trunc('hour', ts) FROM t") == \
        "SELECT CAST(DATE_TRUNC('HOUR', ts) AS TIMESTAMP_NTZ) FROM t"


def test_string_agg_sorted_by_itself_becomes_array_join() -> None:
    assert to_spark("SELECT string_agg(v, '|' ORDER BY v) FROM t") == \
        "SELECT ARRAY_JOIN(ARRAY_SORT(COLLECT_LIST(v)), '|') FROM t"
    assert "LISTAGG" in to_spark("SELECT string_agg(v, '|' ORDER BY w) FROM t")


def test_common_constructs() -> None:
    assert to_spark("SELECT regexp_matches(a, '1[3-9][0-9]{9}') FROM t") == \
        "SELECT a RLIKE '1[3-9][0-9]{9}' FROM t"
    assert to_spark("SELECT list_sort(list(DISTINCT a)) FROM t") == \
        "SELECT ARRAY_SORT(COLLECT_LIST(DISTINCT a)) FROM t"
    assert "WHERE _w = 1" in to_spark(
        "SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1")


def test_replace_target_splits_create_or_replace() -> None:
    got = replace_target("CREATE OR REPLACE TABLE labels AS SELECT a, min(b) AS b FROM labels "
                         "GROUP BY a")
    assert got is not None
    assert got.name == "labels"
    assert got.query == "SELECT a, MIN(b) AS b FROM labels GROUP BY a"
    assert replace_target("CREATE TABLE x AS SELECT 1 AS a") is None
    assert replace_target("SELECT 1") is None


def test_bad_sql_is_a_dialect_error_without_echoing_literals() -> None:
    with pytest.raises(SqlDialectError) as err:
        to_spark("SELECT FROM WHERE '11010519491231002X' ((")
    assert "11010519491231002X" not in str(err.value)
    with pytest.raises(SqlDialectError):
        to_spark("SELECT 1; SELECT 2")


def test_subset_and_gaps_are_documented() -> None:
    assert len(SUBSET) >= 10 and all(SUBSET)
    assert "dayofweek, isodow" in GAPS and all(GAPS.values())

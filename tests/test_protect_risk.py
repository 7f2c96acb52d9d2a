"""k-anonymity and l-diversity on small hand-built tables."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from pisentinel.protect import reidentification_risk


def _table() -> pa.Table:
    # Classes over (birth_year, sex, district):
    #   (1990, M, 朝阳区) x3, diagnoses {高血压, 糖尿病}
    #   (1990, F, 朝阳区) x2, diagnoses {哮喘}
    #   (1985, M, 海淀区) x1, diagnoses {高血压}
    #   (1985, M, None)   x4, diagnoses {哮喘, 糖尿病, None}
    rows = [
        (1990, "M", "朝阳区", "高血压"), (1990, "M", "朝阳区", "糖尿病"),
        (1990, "M", "朝阳区", "高血压"),
        (1990, "F", "朝阳区", "哮喘"), (1990, "F", "朝阳区", "哮喘"),
        (1985, "M", "海淀区", "高血压"),
        (1985, "M", None, "哮喘"), (1985, "M", None, "糖尿病"), (1985, "M", None, None),
        (1985, "M", None, "哮喘"),
    ]
    names = ["birth_year", "sex", "district", "diagnosis"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def test_k_anonymity_and_l_diversity() -> None:
    report = reidentification_risk(_table(), ["birth_year", "sex", "district"], "diagnosis", k=3)
    assert report.records == 10
    assert report.classes == 4
    assert report.min_k == 1
    assert report.records_below_k == 3  # the pair and the single
    assert report.share_below_k == pytest.approx(0.3)
    assert report.unique_records == 1
    assert report.share_unique == pytest.approx(0.1)
    assert report.l_diversity == 1
    assert not report.k_anonymous


def test_coarser_quasi_identifiers_raise_k() -> None:
    report = reidentification_risk(_table(), ["birth_year"], "diagnosis", k=5)
    assert (report.classes, report.min_k, report.records_below_k, report.unique_records) == (
        2, 5, 0, 0)
    assert report.k_anonymous
    assert report.l_diversity == 3  # 1985: 高血压, 哮喘, 糖尿病 (null not counted); 1990: 3 too


def test_without_sensitive_column() -> None:
    report = reidentification_risk(_table(), ["sex"], k=2)
    assert report.l_diversity is None and report.sensitive is None
    assert (report.classes, report.min_k) == (2, 2)


def test_empty_table() -> None:
    report = reidentification_risk(_table().slice(0, 0), ["sex"], "diagnosis")
    assert (report.records, report.classes, report.min_k, report.share_unique) == (0, 0, None, 0.0)


def test_odd_column_names_and_shared_connection() -> None:
    table = pa.table({'出生 "年"': [1, 1, 2], "性别": ["男", "男", "女"]})
    con = duckdb.connect()
    report = reidentification_risk(table, ['出生 "年"', "性别"], k=2, connection=con)
    assert (report.min_k, report.unique_records) == (1, 1)
    assert con.execute("SELECT 42").fetchall() == [(42,)]  # still open for the caller
    con.close()


def test_many_rows_exact_counts() -> None:
    n = 300_000
    # 1000 classes of exactly 300 rows; within each, i % 7 takes all seven values.
    group = pa.array([i % 1000 for i in range(n)])
    table = pa.table({"g": group, "s": pa.array([i % 7 for i in range(n)])})
    report = reidentification_risk(table, ["g"], "s", k=301)
    assert (report.records, report.classes, report.min_k) == (n, 1000, 300)
    assert report.share_below_k == 1.0
    assert report.l_diversity == 7


def test_describe_is_bilingual_and_carries_no_values() -> None:
    report = reidentification_risk(_table(), ["birth_year", "sex"], "diagnosis")
    zh, en = report.describe("zh"), report.describe("en")
    assert "等价类" in zh and "l-多样性" in zh
    assert "classes" in en
    assert "高血压" not in zh + en + repr(report)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        reidentification_risk(_table(), [])
    with pytest.raises(KeyError):
        reidentification_risk(_table(), ["age"])
    with pytest.raises(ValueError):
        reidentification_risk(_table(), ["sex"], k=0)

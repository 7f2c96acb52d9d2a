"""Re-identification risk of a table: k-anonymity and l-diversity over its quasi-identifiers.

A record in an equivalence class of size k (records sharing all quasi-identifier values, e.g.
birth year + sex + district) can be singled out with probability 1/k; a unique record (k = 1)
is as good as named. l-diversity asks how many distinct sensitive values a class holds: a class
of 50 records that all share one diagnosis discloses it without singling anyone out.

The group-by runs in DuckDB over the Arrow table without copying, so it scales to millions of
rows on one core.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

__all__ = ["RiskReport", "reidentification_risk"]


@dataclass(frozen=True)
class RiskReport:
    """k-anonymity and l-diversity of one table over `quasi_identifiers`.

    `min_k` is the size of the smallest equivalence class (the table is `min_k`-anonymous);
    `share_below_k` the share of records in classes smaller than `k`; `share_unique` the share
    of records alone in their class; `l_diversity` the fewest distinct non-null sensitive values
    in any class (None without a sensitive column). Nulls form their own class values.
    """

    records: int
    classes: int
    k: int
    min_k: int | None
    records_below_k: int
    share_below_k: float
    unique_records: int
    share_unique: float
    quasi_identifiers: tuple[str, ...]
    sensitive: str | None = None
    l_diversity: int | None = None

    @property
    def k_anonymous(self) -> bool:
        return self.min_k is not None and self.min_k >= self.k

    def describe(self, lang: str = "zh") -> str:
        qi = "、".join(self.quasi_identifiers) if lang == "zh" else ", ".join(
            self.quasi_identifiers)
        if lang == "zh":
            text = (f"准标识符（{qi}）：{self.records} 条记录分为 {self.classes} 个等价类，"
                    f"最小等价类 k={self.min_k}；{self.share_below_k:.1%} 的记录所在等价类小于 "
                    f"{self.k}，{self.share_unique:.1%} 的记录唯一可识别")
            if self.l_diversity is not None:
                text += f"；敏感属性 {self.sensitive} 的 l-多样性 l={self.l_diversity}"
            return text
        text = (f"quasi-identifiers ({qi}): {self.records} records in {self.classes} classes, "
                f"smallest class k={self.min_k}; {self.share_below_k:.1%} of records in classes "
                f"smaller than {self.k}, {self.share_unique:.1%} unique")
        if self.l_diversity is not None:
            text += f"; l-diversity of {self.sensitive}: l={self.l_diversity}"
        return text


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reidentification_risk(table: pa.Table | pa.RecordBatch, quasi_identifiers: list[str],
                          sensitive: str | None = None, k: int = 5,
                          connection: duckdb.DuckDBPyConnection | None = None) -> RiskReport:
    """k-anonymity (and l-diversity of `sensitive`) of `table` over `quasi_identifiers`.

    `connection` lets a caller reuse its DuckDB connection; by default a private in-memory one
    is used and closed.
    """
    if not quasi_identifiers:
        raise ValueError("至少需要一个准标识符列 / at least one quasi-identifier column is needed")
    if k < 1:
        raise ValueError("k 须为正整数 / k must be a positive integer")
    missing = [c for c in [*quasi_identifiers, *([sensitive] if sensitive else [])]
               if c not in table.schema.names]
    if missing:
        raise KeyError(f"表中没有这些列 / columns not in the table: {', '.join(missing)}")
    groups = ", ".join(_quote(c) for c in quasi_identifiers)
    diversity = f", count(DISTINCT {_quote(sensitive)}) AS l" if sensitive else ", NULL AS l"
    sql = f"""
        WITH classes AS (SELECT count(*) AS n{diversity} FROM risk_input GROUP BY {groups})
        SELECT count(*), coalesce(sum(n), 0), min(n),
               coalesce(sum(n) FILTER (WHERE n < {int(k)}), 0),
               coalesce(sum(n) FILTER (WHERE n = 1), 0), min(l)
        FROM classes"""
    con = connection or duckdb.connect()
    try:
        con.register("risk_input", table)
        rows = con.execute(sql).fetchall()
        con.unregister("risk_input")
    finally:
        if connection is None:
            con.close()
    classes, records, min_k, below, unique, l_div = (
        None if v is None else int(v) for v in rows[0])
    total = records or 0
    return RiskReport(
        records=total, classes=classes or 0, k=k, min_k=min_k,
        records_below_k=below or 0, share_below_k=(below or 0) / total if total else 0.0,
        unique_records=unique or 0, share_unique=(unique or 0) / total if total else 0.0,
        quasi_identifiers=tuple(quasi_identifiers), sensitive=sensitive,
        l_diversity=l_div if sensitive else None)

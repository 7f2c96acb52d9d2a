"""SQL dialect handling: models write DuckDB SQL; the Spark engine runs it through sqlglot.

A model's SQL must give the same rows on both engines, so models keep to a subset that sqlglot
transpiles faithfully. `tests/test_engine_sql.py` runs every construct of `SUBSET` on DuckDB and
Spark and compares the results; `GAPS` lists what does not survive the trip and what to write
instead. Where sqlglot's output is wrong but fixable in one place, `to_spark` fixes it here so
models need not know."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

__all__ = ["GAPS", "SUBSET", "ReplaceTable", "SqlDialectError", "replace_target", "to_spark"]


SUBSET: tuple[str, ...] = (
    "SELECT … FROM … [JOIN … ON/USING] WHERE … GROUP BY … HAVING … ORDER BY … LIMIT",
    "WITH (CTEs), sub-queries, IN (SELECT …), EXISTS, UNION ALL, EXCEPT, INTERSECT",
    "count(*), count(DISTINCT x), sum, min, max, avg, count_if, bool_or, bool_and",
    "arg_min / arg_max (→ min_by / max_by), approx_count_distinct (approximate on both)",
    "window functions: row_number, rank, dense_rank, lag, lead, count/sum/min/max OVER "
    "(PARTITION BY … ORDER BY … ROWS BETWEEN n PRECEDING AND CURRENT ROW)",
    "QUALIFY (sqlglot rewrites it as a sub-query for Spark)",
    "CAST(x AS VARCHAR/BIGINT/DOUBLE/DATE/TIMESTAMP), TRY_CAST (NULL on bad input, both)",
    "timestamp ± INTERVAL n MINUTE/HOUR/DAY, date_trunc('day'|'hour'|'month', ts)",
    "strftime(ts, '%Y-%m-%d %H:%M:%S') (→ date_format), strptime(text, '%Y-%m-%d %H:%M:%S')",
    "epoch(ts) (fractional seconds on both; Spark session time zone is UTC), hour, year, month, "
    "day, dayofweek (Sunday = 0), isodow (Monday = 1); date_trunc on TIMESTAMP values (kept "
    "TIMESTAMP without time zone on Spark)",
    "date_diff('day', d1, d2) on DATE values",
    "lower, upper, trim, length, substr(x, start, len), left, right, replace, concat, ||, "
    "concat_ws, lpad, starts_with, contains, coalesce, nullif, greatest, least",
    "regexp_matches(x, re) (→ RLIKE), regexp_extract(x, re, group), "
    "regexp_replace(x, re, s, 'g') — patterns in the RE2 ∩ Java regex subset (no lookaround, "
    "no backreferences, no possessive quantifiers)",
    "list_sort(list(x)), list_sort(list(DISTINCT x)), array_length(list(x)) (→ size), "
    "list_contains, array_to_string(list_sort(list(DISTINCT x)), sep), "
    "string_agg(x, sep ORDER BY x) (→ array_join(array_sort(collect_list(x))))",
    "CREATE [OR REPLACE] TABLE t AS SELECT … (OR REPLACE may read t itself)",
)
"""Constructs models may use; each one is exercised on both engines by the tests."""

GAPS: dict[str, str] = {
    "list(x ORDER BY y) / array_agg(x ORDER BY y)":
        "sqlglot drops the ORDER BY (Spark's collect_list has none): wrap in list_sort(list(x)) "
        "when the order matters",
    "list(x) element order": "unordered on Spark: sort it (list_sort) before comparing or "
                             "taking elements",
    "dayofweek, isodow": "DuckDB counts Sunday = 0, Spark Sunday = 1, and sqlglot's isodow "
                         "formula is wrong: to_spark rewrites both (dayofweek - 1, weekday + 1)",
    "date_diff('minute'|'hour', t1, t2)":
        "DuckDB counts unit boundaries crossed, Spark whole units elapsed: use "
        "(epoch(t2) - epoch(t1)) / 60 instead",
    "regexp_extract(x, re) without a group":
        "DuckDB's default group is 0 (the whole match), Spark's is 1: to_spark adds group 0",
    "len(list) / length(list)": "Spark's length is for strings only: use array_length(list)",
    "string_agg(DISTINCT x, sep)": "element order unspecified on both engines: use "
                                   "array_to_string(list_sort(list(DISTINCT x)), sep)",
    "string_agg(x, sep ORDER BY y), y ≠ x":
        "kept as Spark's ordered LISTAGG, which crashes (ClassCastException in Spark 4.3's "
        "distinct-aggregate rewrite) when the SELECT also has DISTINCT aggregates of other "
        "columns; sort by x itself, or aggregate in a separate step",
    "date_trunc on DATE": "DuckDB returns DATE, Spark TIMESTAMP: truncate TIMESTAMP values",
    "sum(integer)": "DuckDB returns HUGEINT (Arrow decimal128), Spark BIGINT: CAST(sum(x) AS "
                    "BIGINT) when the type matters",
    "median / quantile_cont": "interpolates on DuckDB; Spark's percentile differs on ties: "
                              "avoid in lead logic",
    "string_split": "sqlglot quotes the separator as a Java regex literal: fine, but "
                    "regexp-special separators behave; prefer regexp_extract_all",
    "lambdas (list_filter, list_transform)": "transpiled to Spark higher-order functions; "
                                             "keep to simple comparisons",
    "recursive CTEs": "not in the subset: iterate CREATE OR REPLACE TABLE steps instead",
    "ORDER BY without NULLS FIRST/LAST": "sqlglot makes the DuckDB default (NULLS LAST) "
                                         "explicit; ties still need a total order to compare",
}
"""What does not transpile faithfully, and the portable way to write it."""


class SqlDialectError(ValueError):
    """SQL that cannot be parsed or transpiled. The message names the statement's start only,
    never literals deeper in the text (they may be identifiers under investigation)."""


@dataclass(frozen=True)
class ReplaceTable:
    """`CREATE OR REPLACE TABLE name AS query`, split for engines without atomic replace."""

    name: str
    query: str


def _parse(sql: str) -> exp.Expr:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as e:
        raise SqlDialectError(f"SQL does not parse as DuckDB: {_first_error(e)}") from None
    if len(statements) != 1:
        raise SqlDialectError(f"expected one SQL statement, got {len(statements)}")
    tree: exp.Expr = statements[0]
    return tree


def _first_error(e: sqlglot.errors.ParseError) -> str:
    errors = getattr(e, "errors", None) or []
    if errors:
        first = errors[0]
        return f"{first.get('description', 'syntax error')} (line {first.get('line')})"
    return "syntax error"


def _template(spark_sql: str, **parts: exp.Expr) -> exp.Expr:
    """A Spark expression with placeholder columns `__name` replaced by `parts[name]`."""
    tree = sqlglot.parse_one(spark_sql, read="spark")
    for col in list(tree.find_all(exp.Column)):
        if col.name.startswith("__") and col.name[2:] in parts:
            col.replace(parts[col.name[2:]].copy())
    return tree


def _sorted_string_agg(node: exp.GroupConcat) -> exp.Expr:
    """string_agg(x, sep ORDER BY x) as array_join(array_sort(collect_list(x)), sep): Spark's
    ordered LISTAGG crashes its distinct-aggregate rewrite when the same SELECT has DISTINCT
    aggregates over other columns (a ClassCastException in Spark 4.3)."""
    order = node.this
    if not (isinstance(order, exp.Order) and len(order.expressions) == 1):
        return node
    key = order.expressions[0]
    if key.args.get("desc") or key.this != order.this:
        return node
    sep = node.args.get("separator") or exp.Literal.string(",")
    return _template("ARRAY_JOIN(ARRAY_SORT(COLLECT_LIST(__v)), __sep)", v=order.this, sep=sep)


def _repair(node: exp.Expr) -> exp.Expr:
    """The Spark form of one node whose children are already repaired (or the node itself)."""
    if isinstance(node, exp.RegexpExtract) and node.args.get("group") is None:
        fixed = node.copy()
        fixed.set("group", exp.Literal.number(0))
        return fixed
    if isinstance(node, exp.GroupConcat):
        return _sorted_string_agg(node)
    if isinstance(node, exp.TimestampTrunc):
        # Spark's date_trunc returns a zoned TIMESTAMP even for TIMESTAMP_NTZ input.
        return exp.Cast(this=node.copy(),
                        to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
    if isinstance(node, exp.TimeToUnix):
        # DuckDB: fractional seconds as DOUBLE; Spark's unix_timestamp: whole seconds, BIGINT.
        return _template("CAST(UNIX_MICROS(CAST(__ts AS TIMESTAMP)) AS DOUBLE) / 1000000",
                         ts=node.this)
    if isinstance(node, exp.DayOfWeekIso):
        return _template("WEEKDAY(__d) + 1", d=node.this)
    if isinstance(node, exp.DayOfWeek):
        # DuckDB counts Sunday = 0, Spark's dayofweek Sunday = 1.
        return _template("DAYOFWEEK(__d) - 1", d=node.this)
    return node


def _fix_for_spark(tree: exp.Expr) -> exp.Expr:
    """Repairs of sqlglot output known to change results on Spark, children before parents."""
    root = tree.copy()
    for node in reversed(list(root.walk(bfs=False))):
        new = _repair(node)
        if new is node:
            continue
        if node is root:
            root = new
        else:
            node.replace(new)
    return root


def to_spark(sql: str) -> str:
    """One DuckDB statement in Spark SQL."""
    tree = _fix_for_spark(_parse(sql))
    return tree.sql(dialect="spark")


def replace_target(sql: str) -> ReplaceTable | None:
    """The table and query of a `CREATE OR REPLACE TABLE … AS …` statement, else None. Spark's
    session catalog cannot replace a table in place, so the engine builds it under a new name
    and swaps."""
    tree = _parse(sql)
    if not (isinstance(tree, exp.Create) and tree.args.get("replace")
            and (tree.kind or "").upper() == "TABLE" and tree.expression is not None):
        return None
    target = tree.this
    if isinstance(target, exp.Schema):
        return None
    name = target.name if isinstance(target, exp.Table) else str(target)
    query = _fix_for_spark(tree.expression.copy()).sql(dialect="spark")
    return ReplaceTable(name, query)

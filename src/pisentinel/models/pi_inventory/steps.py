"""The inventory step: stream every source once, count findings per column and type, keep
distinct tokens (never values) to count people, and measure re-identification risk on the
generalised quasi-identifiers of a bounded sample.

With a rules file (parameter `rules`) the company's own types (工号, 会员号) are found and counted
like built-in ones; their names and sensitivity come from the rules, and they have no tier of the
2017 interpretation (`tier` is null), so they count towards records with PI but not towards
T1/T2/T3."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pisentinel.detect.columns import classify_column
from pisentinel.detect.headers import header_type
from pisentinel.detect.rules import NO_RULES, DetectionRules
from pisentinel.detect.scanner import Scanner
from pisentinel.engine.dbsource import list_tables, read_table_batches
from pisentinel.engine.sources import TextBatch, read_batches
from pisentinel.knowledge import pi_types
from pisentinel.leads.severity import records_by_tier
from pisentinel.models.context import RunContext
from pisentinel.models.runner import displayed, is_database_url
from pisentinel.protect import district_prefix, id_card_facts, reidentification_risk

IDENTIFYING = ("CN_ID_CARD", "PHONE_NUMBER", "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT",
               "BANK_CARD", "EMAIL")
_SEX_HEADERS = ("性别", "sex", "gender")


@dataclass
class ColumnStats:
    findings: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    tokens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    example: dict[str, str] = field(default_factory=dict)


@dataclass
class SourceStats:
    source: str
    rows: int = 0
    rows_with_pi: int = 0
    tiers: Counter[str] = field(default_factory=Counter)
    columns: dict[str, ColumnStats] = field(default_factory=lambda: defaultdict(ColumnStats))
    profiles: dict[str, Any] = field(default_factory=dict)
    qi_rows: list[dict[str, str | None]] = field(default_factory=list)
    minors: set[str] = field(default_factory=set)


def iter_sources(paths: list[str]) -> Iterator[tuple[str, Iterator[TextBatch]]]:
    for p in paths:
        if is_database_url(p):
            for table in list_tables(p):
                yield f"{displayed(p)}#{table}", read_table_batches(p, table)
        else:
            yield str(p), read_batches(Path(p))


def _quasi_identifiers(batch: pa.RecordBatch, profiles: dict[str, Any], limit: int
                       ) -> list[dict[str, str | None]]:
    """Generalised quasi-identifiers per row: province, birth year and sex from an ID number,
    birth year from a birth date, district from an address, a sex column as it is."""
    plan = []
    for name in batch.schema.names:
        kind = profiles[name].type if name in profiles else None
        if kind in ("CN_ID_CARD", "BIRTH_DATE", "ADDRESS") or \
                name.strip().lower() in _SEX_HEADERS:
            plan.append((name, kind))
    if not plan:
        return []
    out: list[dict[str, str | None]] = [{} for _ in range(min(limit, batch.num_rows))]
    for name, kind in plan:
        values = batch.column(name).to_pylist()[: len(out)]
        for row, v in zip(out, values, strict=False):
            if v is None:
                continue
            if kind == "CN_ID_CARD":
                facts = id_card_facts(v)
                if facts is not None:
                    row["province"] = facts.province
                    row["birth_year"] = str(facts.birth_date.year) if facts.birth_date else None
                    row["sex"] = facts.sex
            elif kind == "BIRTH_DATE":
                row.setdefault("birth_year", v.strip()[:4])
            elif kind == "ADDRESS":
                row["district"] = district_prefix(v) or None
            else:
                row.setdefault("sex", v.strip())
    return out


def scan_source(ctx: RunContext, scanner: Scanner, source: str,
                batches: Iterator[TextBatch]) -> SourceStats:
    stats = SourceStats(source)
    p = ctx.params
    for tb in batches:
        batch = tb.batch
        if not stats.profiles:
            sample = batch.slice(0, p["sample_rows"])
            stats.profiles = {n: classify_column(n, sample.column(n).to_pylist(), scanner)
                              for n in batch.schema.names}
        if len(stats.qi_rows) < p["risk_rows"]:
            stats.qi_rows += _quasi_identifiers(batch, stats.profiles,
                                                p["risk_rows"] - len(stats.qi_rows))
        stats.rows += batch.num_rows
        found = scanner.scan_batch(batch, token=ctx.token, mask=ctx.mask)
        row_types: dict[int, set[str]] = defaultdict(set)
        seen: set[tuple[int, str, str]] = set()
        for r in found.to_pylist():
            col = stats.columns[r["column"]]
            col.findings[r["type"]] += 1
            if (r["row"], r["column"], r["type"]) not in seen:
                seen.add((r["row"], r["column"], r["type"]))
                col.rows[r["type"]] += 1
            col.tokens[r["type"]].add(r["token"])
            col.example.setdefault(r["type"], r["masked"])
            row_types[r["row"]].add(r["type"])
            if r["type"] == "MINOR":
                stats.minors.add(r["token"])
        stats.rows_with_pi += len(row_types)
        stats.tiers.update(records_by_tier(row_types.values()))
    return stats


def _type_facts(code: str, rules: DetectionRules, sensitive: dict[str, bool]) -> dict[str, Any]:
    """What the inventory says of a type: its names (the rules' own for a custom type), whether
    it is sensitive, its 2017-interpretation tier (None: MINOR, USCC and every custom type) and
    whether it comes from the user's rules."""
    info = pi_types().get(code)
    return {"type_zh": rules.type_name(code, "zh"), "type_en": rules.type_name(code, "en"),
            "sensitive": sensitive.get(code, False),
            "tier": info.tier if info is not None else None, "custom": code in rules.types}


def _tables(stats: list[SourceStats], k: int, rules: DetectionRules = NO_RULES
            ) -> tuple[pa.Table, pa.Table]:
    col_rows: list[dict[str, Any]] = []
    src_rows: list[dict[str, Any]] = []
    sensitive = rules.sensitivity()
    for s in stats:
        people = 0
        for name in sorted(set(s.columns) | set(s.profiles)):
            c = s.columns.get(name) or ColumnStats()
            prof = s.profiles.get(name)
            for t in sorted(c.findings):
                people = max(people, len(c.tokens[t]) if t in IDENTIFYING else 0)
                col_rows.append({
                    "source": s.source, "col": name, "type": t,
                    **_type_facts(t, rules, sensitive),
                    "findings": c.findings[t],
                    "rows": c.rows[t], "distinct": len(c.tokens[t]),
                    "example_masked": c.example.get(t, ""),
                    "column_type": prof.type if prof else None,
                    "column_confidence": prof.confidence if prof else None,
                    "header_hint": header_type(name)})
        risk = None
        if s.qi_rows:
            qi = sorted({key for row in s.qi_rows for key in row})
            if qi:
                table = pa.table({q: pa.array([row.get(q) for row in s.qi_rows], pa.string())
                                  for q in qi})
                risk = reidentification_risk(table, qi, k=k)
        src_rows.append({
            "source": s.source, "rows": s.rows, "rows_with_pi": s.rows_with_pi,
            "t1": s.tiers.get("T1", 0), "t2": s.tiers.get("T2", 0), "t3": s.tiers.get("T3", 0),
            "people": people, "minors": len(s.minors),
            "qi": ",".join(risk.quasi_identifiers) if risk else None,
            "min_k": risk.min_k if risk else None,
            "share_below_k": risk.share_below_k if risk else None,
            "share_unique": risk.share_unique if risk else None,
            "risk_zh": risk.describe("zh") if risk else None})
    col_schema = pa.schema([("source", pa.string()), ("col", pa.string()),
                            ("type", pa.string()), ("type_zh", pa.string()),
                            ("type_en", pa.string()), ("sensitive", pa.bool_()),
                            ("tier", pa.string()), ("custom", pa.bool_()),
                            ("findings", pa.int64()), ("rows", pa.int64()),
                            ("distinct", pa.int64()), ("example_masked", pa.string()),
                            ("column_type", pa.string()), ("column_confidence", pa.float64()),
                            ("header_hint", pa.string())])
    src_schema = pa.schema([("source", pa.string()), ("rows", pa.int64()),
                            ("rows_with_pi", pa.int64()), ("t1", pa.int64()),
                            ("t2", pa.int64()), ("t3", pa.int64()), ("people", pa.int64()),
                            ("minors", pa.int64()), ("qi", pa.string()), ("min_k", pa.int64()),
                            ("share_below_k", pa.float64()), ("share_unique", pa.float64()),
                            ("risk_zh", pa.string())])
    return (pa.Table.from_pylist(col_rows, col_schema),
            pa.Table.from_pylist(src_rows, src_schema))


def inventory(ctx: RunContext) -> None:
    rules = ctx.detection_rules("rules")
    scanner = Scanner(min_score=ctx.params["min_score"], rules=rules)
    stats = [scan_source(ctx, scanner, source, batches)
             for source, batches in iter_sources(ctx.inputs["sources"]["paths"])]
    columns, sources = _tables(stats, ctx.params["k"], rules or NO_RULES)
    ctx.engine.register("inventory_columns", columns)
    ctx.engine.register("inventory_sources", sources)

"""One lead per dataset (file or table) holding PI: what it holds, how much, how identifying."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from pisentinel.knowledge import pi_types
from pisentinel.leads import Evidence, Lead, Subject, severity_for
from pisentinel.models.context import RunContext

SENSITIVE_PROVISIONS = ("PIPL-28", "PIPL-51", "PIPL-55")


def dataset_name(source: str) -> str:
    """How a dataset is named in leads and tokens: a file's name, a database table's `#table`."""
    return "#" + source.rsplit("#", 1)[1] if "#" in source else Path(source).name


def _content_hash(ctx: RunContext, source: str) -> str:
    record = ctx.inputs["sources"]
    for path, digest in zip(record["paths"], record["hashes"], strict=True):
        if source.startswith(str(path)) or str(path).startswith(source.split("#")[0]):
            return str(digest)
    return ""


def _excerpt(c: dict[str, Any]) -> str:
    kind = c["type_zh"] + ("（自定义类型）" if c["custom"] else "")
    return (f"列“{c['col']}”：{kind} {c['findings']:,} 处，{c['rows']:,} 行，"
            f"不同值 {c['distinct']:,} 个（例：{c['example_masked']}）")


def _type_order(code: str) -> tuple[int, str]:
    """Built-in types in the taxonomy's order, the user's own types after them by code."""
    order = list(pi_types())
    return (order.index(code), "") if code in order else (len(order), code)


def _summary(src: dict[str, Any], cols: list[dict[str, Any]]) -> str:
    names = {c["type"]: c["type_zh"] for c in cols}
    kinds = sorted(names, key=_type_order)
    sensitive = sorted({c["type"] for c in cols if c["sensitive"]}, key=_type_order)
    custom = sorted({c["type"] for c in cols if c["custom"]}, key=_type_order)
    parts = [f"共 {src['rows']:,} 条记录，其中 {src['rows_with_pi']:,} 条含个人信息，"
             f"涉及 {len({c['col'] for c in cols})} 列、{len(kinds)} 类："
             + "、".join(names[t] for t in kinds) + "。"]
    if sensitive:
        parts.append("含敏感个人信息：" + "、".join(names[t] for t in sensitive) + "。")
    if src["minors"]:
        parts.append(f"含不满十四周岁未成年人信息 {src['minors']} 人（据身份证号出生日期推得）。")
    parts.append(f"按 2017 年两高解释计：行踪轨迹/财产等 {src['t1']:,} 条，"
                 f"健康生理等 {src['t2']:,} 条，其他 {src['t3']:,} 条。")
    if custom:
        parts.append("自定义类型" + "、".join(f"“{names[t]}”" for t in custom)
                     + "来自规则文件，不属于 2017 年两高解释的分级：只含自定义类型的记录不计入以上各档。")
    if src["risk_zh"]:
        parts.append("再识别风险：" + src["risk_zh"] + "。")
    return "".join(parts)


def build_leads(ctx: RunContext) -> list[Lead]:
    sources = ctx.rows("SELECT * FROM inventory_sources ORDER BY source")
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in ctx.rows("SELECT * FROM inventory_columns WHERE type <> 'USCC' "
                      "ORDER BY source, col, type"):
        by_source[c["source"]].append(c)
    leads = []
    for src in sources:
        cols = by_source.get(src["source"], [])
        if src["rows_with_pi"] < ctx.params["min_records"] or not cols:
            continue
        name = dataset_name(src["source"])
        digest = _content_hash(ctx, src["source"])
        sensitive = any(c["sensitive"] for c in cols)
        provisions = ["SPC-SPP-2017-5"]
        if sensitive:
            provisions[:0] = list(SENSITIVE_PROVISIONS)
        if src["minors"]:
            provisions.insert(0, "PIPL-31")
        evidence = tuple(
            Evidence(source=name, column=c["col"], content_hash=digest,
                     excerpt=_excerpt(c),
                     detail={k: c[k] for k in ("type", "type_zh", "findings", "rows",
                                               "distinct", "sensitive")}
                     | {"tier": c["tier"] or "—"})
            for c in cols)
        leads.append(Lead(
            model="pi_inventory", kind="dataset_pi",
            subject=Subject("dataset", ctx.token("DATASET", name), name),
            title_zh=f"数据集“{name}”含个人信息 {src['rows_with_pi']:,} 条"
                     + ("（含敏感个人信息）" if sensitive else ""),
            title_en=f"Dataset {name} holds PI in {src['rows_with_pi']:,} records",
            summary_zh=_summary(src, cols),
            severity=severity_for({"T1": src["t1"], "T2": src["t2"], "T3": src["t3"]}),
            affected_people=int(src["people"] or 0),
            provisions=tuple(provisions), evidence=evidence,
            records_by_tier={"T1": src["t1"], "T2": src["t2"], "T3": src["t3"]},
            counts={"rows": src["rows"], "rows_with_pi": src["rows_with_pi"],
                    "minors": src["minors"], "min_k": src["min_k"] or 0},
        ))
    return leads

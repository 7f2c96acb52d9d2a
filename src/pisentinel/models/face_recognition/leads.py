"""One lead per operator: every site where it breaks the face-recognition rules, with the rules."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pisentinel.leads import Evidence, Lead, Subject, severity_for
from pisentinel.models.context import RunContext

# violation flag → (Chinese description, provisions)
VIOLATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "v_sole_method": ("将人脸识别作为唯一验证方式，未提供其他合理便捷方式",
                      ("FACE-2025-10", "SPC-FACE-2021-10")),
    "v_no_separate_consent": ("未取得个人单独同意", ("PIPL-29", "FACE-2025-6")),
    "v_minors_without_guardian": ("录入不满十四周岁未成年人人脸信息，未取得监护人同意",
                                  ("PIPL-31", "PIPL-28")),
    "v_off_device_storage": ("人脸信息未存储于设备内或经互联网对外传输，且无单独同意",
                             ("FACE-2025-8",)),
    "v_no_impact_assessment": ("未事前进行个人信息保护影响评估", ("PIPL-55", "FACE-2025-9")),
    "v_incomplete_notice": ("告示未完整告知处理目的、保存期限、联系方式等事项", ("PIPL-17",)),
    "v_no_notice": ("未设置显著提示标识、未公开处理规则", ("PIPL-17", "PIPL-26")),
    "v_purpose_beyond_necessity": ("以人脸识别判定客户来源等，超出必要范围",
                                   ("FACE-2025-4", "PIPL-26")),
}
UNFILED = ("人脸信息存储量达十万人以上，未向网信部门备案", ("FACE-2025-15",))


def _site_line(site: dict[str, Any]) -> str:
    kinds = [VIOLATIONS[k][0] for k in VIOLATIONS if site[k]]
    return f"{site['site']}（{site['site_type']}，录入 {site['enrolled']:,} 人）：" + "；".join(kinds)


def build_leads(ctx: RunContext) -> list[Lead]:
    flags = list(VIOLATIONS)
    sites_by_op: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cond = " OR ".join(flags)
    for site in ctx.rows(f"SELECT * FROM site_flags WHERE {cond} ORDER BY operator, _source, _row"):
        sites_by_op[site["operator"]].append(site)
    leads = []
    for op in ctx.rows("SELECT * FROM operator_summary ORDER BY operator"):
        sites = sites_by_op.get(op["operator"], [])
        if not sites and not op["v_unfiled"]:
            continue
        found = [k for k in flags if any(s[k] for s in sites)]
        provisions: list[str] = []
        for k in found:
            provisions += [p for p in VIOLATIONS[k][1] if p not in provisions]
        kinds = [VIOLATIONS[k][0] for k in found]
        if op["v_unfiled"]:
            kinds.append(UNFILED[0])
            provisions += [p for p in UNFILED[1] if p not in provisions]
        key = op["operator_uscc"] or op["operator"]
        token = ctx.token("USCC" if op["operator_uscc"] else "ORGANIZATION", key)
        evidence = tuple(
            Evidence(source=str(s["_source"]), row=int(s["_row"]), column=None,
                     excerpt=_site_line(s), content_hash=_hash(ctx),
                     detail={k: bool(s[k]) for k in flags if s[k]})
            for s in sites[:50])
        if op["v_unfiled"]:
            evidence += (Evidence(
                source="deployments", excerpt=f"{op['operator']}在 {op['sites']} 个场所共录入 "
                f"{int(op['enrolled'] or 0):,} 人，登记中无备案记录", content_hash=_hash(ctx),
                detail={"v_unfiled": True, "sites": int(op["sites"])}),)
        enrolled = int(op["enrolled"] or 0)
        summary = (f"{op['operator']}在 {op['sites']} 个场所部署人脸识别，录入 {enrolled:,} 人"
                   + (f"（含不满十四周岁未成年人 {op['minors']:,} 人）" if op["minors"] else "")
                   + (f"；其中 {len(sites)} 个场所存在问题：" if sites else "；")
                   + "；".join(kinds) + "。")
        if op["approaching_filing"]:
            summary += "存储量已接近十万人备案门槛。"
        leads.append(Lead(
            model="face_recognition", kind="face_recognition_violations",
            subject=Subject("organisation", token, op["operator"]),
            title_zh=(f"{op['operator']}违规应用人脸识别（{len(sites)} 个场所，{len(kinds)} 类问题）"
                      if sites else f"{op['operator']}人脸信息存储达十万人以上未备案"),
            title_en=f"{op['operator']}: face recognition used unlawfully at {len(sites)} sites",
            summary_zh=summary,
            severity=severity_for({"T2": enrolled}),
            affected_people=enrolled, provisions=tuple(provisions), evidence=evidence,
            records_by_tier={"T2": enrolled},
            counts={"sites": int(op["sites"]), "sites_with_violations": len(sites),
                    "minors": int(op["minors"] or 0), **{f"sites_{k[2:]}": sum(bool(s[k])
                                                          for s in sites) for k in found}},
        ))
    return leads


def _hash(ctx: RunContext) -> str:
    hashes = ctx.inputs.get("deployments", {}).get("hashes") or [""]
    return str(hashes[0])

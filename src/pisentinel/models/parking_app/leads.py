"""One lead per app with findings: what the app collects beyond parking payment, what it shares
through SDKs the policy does not name, where the policy and the APK disagree, what the policy
leaves out, and what the captured traffic sent before consent or in clear text. Each finding is
one piece of evidence pointing at its proof (a manifest permission, an SDK package in the dex,
a masked policy sentence, a request's host and time)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pisentinel.leads import Evidence, Lead, Subject, public_interest_standing, severity_for
from pisentinel.leads.severity import records_by_tier
from pisentinel.models.context import RunContext
from pisentinel.models.parking_app.knowledge import categories, sdks

__all__ = ["KIND_ZH", "PROVISIONS", "build_leads"]

KIND_ZH = {
    "over_collection": "超出停车缴费必要范围收集个人信息",
    "whereabouts_without_separate_consent": "收集位置信息（行踪轨迹）未取得单独同意",
    "undisclosed_sdk": "嵌入的第三方SDK未在隐私政策中披露",
    "policy_contradiction": "隐私政策声明与安装包实际申请的权限矛盾",
    "undisclosed_collection": "申请权限收集个人信息但隐私政策未说明",
    "missing_notice_item": "隐私政策缺少个人信息保护法第十七条规定的告知事项",
    "no_policy": "未提供隐私政策",
    "pre_consent_transmission": "用户同意隐私政策前即发送个人信息",
    "cleartext_transmission": "以明文（未加密）方式传输个人信息",
}
KIND_EN = {
    "over_collection": "collects PI beyond what parking payment needs",
    "whereabouts_without_separate_consent": "location (whereabouts) without separate consent",
    "undisclosed_sdk": "embedded SDKs the policy does not disclose",
    "policy_contradiction": "policy claims the APK contradicts",
    "undisclosed_collection": "permissions the policy does not explain",
    "missing_notice_item": "PIPL Art. 17 notice items missing",
    "no_policy": "no privacy policy",
    "pre_consent_transmission": "PI sent before consent",
    "cleartext_transmission": "PI sent in clear text",
}
PROVISIONS = {
    "over_collection": ("PIPL-6", "PIPL-5", "APP-RULES-2019-4", "APP-NECESSARY-2021-3",
                        "APP-NECESSARY-2021-4", "PIPL-16"),
    "whereabouts_without_separate_consent": ("PIPL-28", "PIPL-29", "PIPL-30"),
    "undisclosed_sdk": ("PIPL-23", "APP-RULES-2019-2", "APP-RULES-2019-5"),
    "policy_contradiction": ("PIPL-7", "PIPL-14", "APP-RULES-2019-3"),
    "undisclosed_collection": ("PIPL-7", "PIPL-17", "APP-RULES-2019-2"),
    "missing_notice_item": ("PIPL-17",),
    "no_policy": ("APP-RULES-2019-1", "PIPL-17"),
    "pre_consent_transmission": ("PIPL-13", "PIPL-14", "APP-RULES-2019-3"),
    "cleartext_transmission": ("PIPL-51",),
}
_ORDER = tuple(KIND_ZH)


def _names(codes: str) -> str:
    cats = categories()
    return "、".join(cats[c].name_zh if c in cats else c for c in codes.split(",") if c)


def _excerpt(v: dict[str, Any], sentence: str | None) -> str:
    kind, item = v["kind"], v["item"]
    sdk = {s.id: s for s in sdks()}.get(item)
    if kind == "over_collection":
        return (f"安装包申请 {v['proof']}，可收集{v['item_zh']}；停车缴费不需要此信息，"
                "隐私政策也未将其作为说明了目的、可以拒绝的扩展功能")
    if kind == "undisclosed_collection":
        return f"安装包申请 {v['proof']}（{v['item_zh']}），隐私政策未说明收集及其目的"
    if kind == "whereabouts_without_separate_consent":
        return (f"安装包申请 {v['proof']}，可获取位置信息（行踪轨迹，敏感个人信息），"
                "隐私政策中没有就位置信息取得单独同意的表述")
    if kind == "undisclosed_sdk" and sdk is not None:
        collects = "、".join(categories()[c].name_zh for c in sdk.collects if c in categories())
        return (f"代码中含{sdk.name_zh}（{v['proof']}，提供者{sdk.vendor_zh}），隐私政策未提及该SDK"
                f"或其提供者；该SDK按其公开说明收集：{collects}")
    if kind == "policy_contradiction":
        return f"隐私政策称“{sentence or ''}”，但安装包申请 {v['proof']}（{v['item_zh']}）"
    if kind == "missing_notice_item":
        return f"隐私政策未载明{v['item_zh']}"
    if kind == "no_policy":
        return "未找到该 App 的隐私政策"
    if kind == "pre_consent_transmission":
        return f"用户同意隐私政策前，{v['seen_at']} 向 {v['host']} 发送{_names(item)}"
    if kind == "cleartext_transmission":
        return f"{v['seen_at']} 以明文 HTTP 向 {v['host']} 发送{_names(item)}"
    return f"{KIND_ZH.get(kind, kind)}：{item}"


def _where(v: dict[str, Any], app: dict[str, Any], policy: dict[str, Any] | None,
           capture: dict[tuple[str, str], dict[str, Any]]) -> tuple[str, str, int | None, str]:
    kind = v["kind"]
    if kind in ("policy_contradiction", "missing_notice_item") and policy:
        return policy["source"], policy["content_hash"], v["sentence_no"], "隐私政策"
    if kind in ("pre_consent_transmission", "cleartext_transmission"):
        req = capture.get((v["host"], v["seen_at"])) or {}
        return (req.get("source", ""), req.get("content_hash", ""), req.get("entry"),
                "HAR")
    column = "classes.dex" if kind == "undisclosed_sdk" else "AndroidManifest.xml"
    return app["source"], app["content_hash"], None, column


def _severity(ctx: RunContext, found: list[dict[str, Any]]) -> tuple[dict[str, int], int]:
    """Records per tier when the app's user count is known: each user once, under the most
    severe tier of the categories the findings concern (an estimate for screening [I])."""
    users = int(ctx.params.get("users") or 0)
    cats = categories()
    involved: set[str] = set()
    for v in found:
        for code in str(v["item"]).split(","):
            pi_type = cats[code].pi_type if code in cats else None
            if pi_type:
                involved.add(pi_type)
            sdk = {s.id: s for s in sdks()}.get(code)
            if sdk is not None and v["kind"] == "undisclosed_sdk":
                involved |= {t for c in sdk.collects if c in cats and (t := cats[c].pi_type)}
    tiers = records_by_tier([involved]) if users else {}
    return {t: n * users for t, n in tiers.items()}, users


def build_leads(ctx: RunContext) -> list[Lead]:
    apps = {a["app"]: a for a in ctx.rows("SELECT * FROM apps ORDER BY app")}
    violations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in ctx.rows("SELECT * FROM violations ORDER BY app, kind, item, host, seen_at"):
        violations[v["app"]].append(v)
    sentences = {(r["app"], r["sentence_no"]): r["sentence"] for r in ctx.rows(
        "SELECT DISTINCT app, sentence_no, sentence FROM policy_statements")}
    policies = {r["app"]: r for r in ctx.rows(
        "SELECT app, min(source) AS source, min(content_hash) AS content_hash "
        "FROM policy_statements GROUP BY app")}
    capture = {(r["app"], r["host"], r["time"]): r for r in ctx.rows(
        "SELECT app, host, time, min(source) AS source, min(content_hash) AS content_hash, "
        "min(entry) AS entry FROM traffic GROUP BY app, host, time")}
    counts_sdk = {r["app"]: r["n"] for r in ctx.rows(
        "SELECT app, count(*) AS n FROM app_sdks GROUP BY app")}
    counts_perm = {r["app"]: r["n"] for r in ctx.rows(
        "SELECT app, count(*) AS n FROM app_permissions GROUP BY app")}
    leads = []
    for package, found in violations.items():
        if len(found) < ctx.params["min_findings"] or package not in apps:
            continue
        app = apps[package]
        found.sort(key=lambda v: (_ORDER.index(v["kind"]), str(v["item"]), str(v["seen_at"])))
        app_capture = {(h, t): r for (a, h, t), r in capture.items() if a == package}
        evidence = []
        for v in found:
            source, digest, row, column = _where(v, app, policies.get(package), app_capture)
            sentence = sentences.get((package, v["sentence_no"]))
            evidence.append(Evidence(
                source=source, excerpt=_excerpt(v, sentence), content_hash=digest, row=row,
                column=f"{column}:{v['kind']}:{v['item']}",
                detail={"kind": v["kind"], "item": v["item"], "proof": v["proof"]}))
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in found:
            by_kind[v["kind"]].append(v)
        tiers, users = _severity(ctx, found)
        parts = []
        for kind in _ORDER:
            if kind in by_kind:
                items = sorted({str(v["item_zh"] or _names(v["item"]) or v["item"])
                                for v in by_kind[kind]})
                parts.append(f"{KIND_ZH[kind]}（{len(by_kind[kind])} 项：{'、'.join(items[:6])}"
                             + ("等" if len(items) > 6 else "") + "）")
        label = app["label"]
        who = f"{users:,} 名注册用户" if users else "注册用户数未知（可用参数 users 提供）"
        checked = [f"隐私政策 {app['policies']} 份" if app["policies"] else "",
                   f"抓包记录 {app['captures']} 份" if app["captures"] else ""]
        basis = "、".join(c for c in checked if c) or "安装包"
        summary = (f"App“{label}”（包名 {package}，版本 {app['version'] or '未知'}）安装包申请 "
                   f"{counts_perm.get(package, 0)} 项权限、嵌入 {counts_sdk.get(package, 0)} 个可识别的"
                   f"第三方SDK{'' if app['policies'] else '，未找到其隐私政策'}。核对{basis}，"
                   f"发现 {len(found)} 项问题：" + "；".join(parts) + f"。{who}。"
                   "停车缴费的必要个人信息按本工具推理为车牌号码、账户手机号和由支付渠道处理的支付信息"
                   "（国信办秘字〔2021〕14号无停车类，参照网络支付类、用车服务类）。")
        provisions: list[str] = []
        for kind in _ORDER:
            if kind in by_kind:
                provisions += [p for p in PROVISIONS[kind] if p not in provisions]
        kinds_en = ", ".join(KIND_EN[k] for k in _ORDER if k in by_kind)
        leads.append(Lead(
            model="parking_app", kind="app_pi_violation",
            subject=Subject("app", ctx.token("APP_PACKAGE", package), f"{label}（{package}）"),
            title_zh=f"停车 App“{label}”涉嫌违规收集使用个人信息（{len(by_kind)} 类 {len(found)} 项）",
            title_en=f"Parking app {package}: {len(found)} findings ({kinds_en})",
            summary_zh=summary,
            summary_en=f"{package}: {len(found)} findings: {kinds_en}.",
            severity=severity_for(tiers or {}),
            affected_people=users,
            standing=public_interest_standing(users),
            provisions=tuple(provisions),
            evidence=tuple(evidence),
            records_by_tier=tiers,
            counts={"findings": len(found), "permissions": counts_perm.get(package, 0),
                    "sdks": counts_sdk.get(package, 0), "policies": app["policies"],
                    "captures": app["captures"]}
            | {f"findings_{k}": len(v) for k, v in by_kind.items()},
        ))
    return leads

"""One lead per scheme subject: the contact behind many company names, the scheme itself when it
has no contact, or the one employer; with the postings, companies and contacts as evidence.

A prosecutor reads: who (masked contact, company names), what (the PI and money asked for, the
lures, the bait pay), how many (postings, companies, cities, résumés, job seekers), since when,
and what the registry says about each company. Excerpts are masked by the detector; subjects
and linked companies are keyed tokens."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from pisentinel import scan_text
from pisentinel.leads import (
    Evidence,
    Lead,
    Subject,
    public_interest_standing,
    severity_for,
)
from pisentinel.models.context import RunContext
from pisentinel.protect import redact_text

MODEL = "fake_recruitment"
_SIGNALS = (("asks_pi", "索要与岗位无关的个人信息", "asks for PI the job does not need"),
            ("asks_fee", "收取押金或费用", "asks for fees or deposits"),
            ("lures", "刷单/打字兼职诱导", "刷单 / typing-job lures"),
            ("bait_pay", "薪资远超同岗位市场水平", "pay far above the title's market"),
            ("private_im", "引导添加个人微信/QQ", "moves applicants to personal WeChat/QQ"))
_FINDING_ZH = {"absent": "工商登记中查无此企业", "deregistered": "已注销或吊销",
               "new": "发布招聘前不久才成立", "registered": "登记在册", "unknown": "未提供工商登记数据"}
_POINTS_ZH = {"pts_pi": "索要非必要个人信息", "pts_fee": "收费", "pts_lure": "刷单打字诱导",
              "pts_bait_pay": "薪资畸高", "pts_private_im": "个人即时通讯",
              "pts_contact": "一人多壳", "pts_template": "跨公司同模板", "pts_registry": "工商登记异常"}
_CONTACT_ZH = {"PHONE_NUMBER": "联系电话", "WECHAT_ID": "微信号", "QQ_NUMBER": "QQ号"}
_EXCERPT_CHARS = 180


def _masked(text: str) -> str:
    """The text with every identifier the detector finds masked, cut to excerpt length."""
    short = text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "…"
    return redact_text(short, scan_text(short))


def _row_hash(p: dict[str, Any]) -> str:
    raw = "\x1f".join(str(p.get(k) or "") for k in ("posting_id", "company_name", "title",
                                                     "description", "posted_date"))
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _grouped(ctx: RunContext, sql: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ctx.rows(sql):
        out[str(row["unit"])].append(row)
    return out


def _display(ctx: RunContext, kind: str, value: str, first_posting: str) -> tuple[str, str]:
    """(subject type, masked display) of a lead's subject."""
    if kind in _CONTACT_ZH:
        return "contact", f"{_CONTACT_ZH[kind]} {ctx.mask(kind, value)}"
    if kind == "RECRUITMENT_SCHEME":
        return "scheme", f"类案（首条招聘 {first_posting}）"
    return "company", value if kind == "COMPANY" else ""


def build_leads(ctx: RunContext) -> list[Lead]:
    units = ctx.rows("""
        SELECT u.*, coalesce(pp.applications, 0) AS applications,
               coalesce(pp.applicants, 0) AS applicants
        FROM lead_units AS u LEFT JOIN lead_people AS pp ON pp.unit = u.unit
        ORDER BY u.unit""")
    if not units:
        return []
    companies = _grouped(ctx, "SELECT * FROM lead_companies "
                              "ORDER BY unit, postings DESC, company_key")
    contacts = _grouped(ctx, "SELECT * FROM lead_contacts ORDER BY unit, companies DESC, "
                             "postings DESC, contact_value, contact_type")
    samples = _grouped(ctx, f"""
        SELECT * FROM (
            SELECT l.unit, p.*, row_number() OVER (
                PARTITION BY l.unit ORDER BY p.posted_date NULLS LAST, p.posting_id) AS k
            FROM lead_postings AS l JOIN postings_screened AS p ON p.seq = l.seq) AS t
        WHERE k <= {int(ctx.params['evidence_postings'])}
        ORDER BY unit, k""")
    cities = _grouped(ctx, """
        SELECT l.unit, p.city, count(*) AS n
        FROM lead_postings AS l JOIN postings_screened AS p ON p.seq = l.seq
        WHERE p.city IS NOT NULL
        GROUP BY l.unit, p.city ORDER BY l.unit, n DESC, p.city""")
    by_subject: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for u in units:
        by_subject[(u["subject_type"], u["subject_value"])].append(u)
    leads = []
    for (kind, value), group in sorted(by_subject.items()):
        names = [str(u["unit"]) for u in group]
        leads.append(_lead(ctx, kind, value, group,
                           [c for u in names for c in companies[u]],
                           [c for u in names for c in contacts[u]],
                           [p for u in names for p in samples[u]],
                           [c for u in names for c in cities[u]]))
    return leads


def _sum(group: list[dict[str, Any]], key: str) -> int:
    return sum(int(s[key] or 0) for s in group)


def _lead(ctx: RunContext, kind: str, value: str, group: list[dict[str, Any]],
          companies: list[dict[str, Any]], contacts: list[dict[str, Any]],
          samples: list[dict[str, Any]], cities: list[dict[str, Any]]) -> Lead:
    first_posting = value if kind == "RECRUITMENT_SCHEME" else (
        str(samples[0]["posting_id"]) if samples else "")
    role, display = _display(ctx, kind, value, first_posting)
    if role == "company" and not display:
        display = companies[0]["company_name"] if companies else value
    n = {k: _sum(group, k) for k in ("postings", "applications", "applicants", "n_pi", "n_fee",
                                     "n_lure", "n_bait_pay", "n_private_im")}
    findings = [c["registry_finding"] for c in companies]
    n |= {"absent": findings.count("absent"), "deregistered": findings.count("deregistered"),
          "new_companies": findings.count("new")}
    n_companies = len({c["company_key"] for c in companies})
    city_names = list(dict.fromkeys(c["city"] for c in cities))
    points = max(int(s["points"]) for s in group)
    first = min((s["first_posted"] for s in group if s["first_posted"]), default=None)
    last = max((s["last_posted"] for s in group if s["last_posted"]), default=None)
    counted = {"asks_pi": "n_pi", "asks_fee": "n_fee", "lures": "n_lure",
               "bait_pay": "n_bait_pay", "private_im": "n_private_im"}
    signals = [(zh, en, n[counted[key]]) for key, zh, en in _SIGNALS if n[counted[key]]]

    tiers = {"T3": n["applications"]} if n["applications"] else {}
    severity = severity_for(tiers)
    standing = public_interest_standing(n["applicants"])
    lead_kind = str(group[0]["lead_kind"])

    who = (f"同一{display} " if role == "contact" else display if role == "scheme"
           else f"“{display}”")
    if lead_kind == "harvesting_scheme":
        title = (f"虚假招聘类案：{who}以 {n_companies} 家公司名义在 {max(len(city_names), 1)} "
                 f"个城市发布 {n['postings']} 条招聘")
        title_en = (f"Fake-recruitment scheme: {n['postings']} postings under {n_companies} "
                    f"company names in {max(len(city_names), 1)} cities")
    else:
        title = f"招聘信息违规收集个人信息：{who}发布 {n['postings']} 条招聘"
        title_en = f"Job postings harvesting PI: {n['postings']} postings by one employer"
    period = f"{first} 至 {last}，" if first else ""
    parts = [f"{period}以 {n_companies} 家公司名义在"
             f"{('、'.join(city_names[:6]) + ('等' if len(city_names) > 6 else '')) or '未注明城市'}"
             f"发布招聘 {n['postings']} 条。"]
    gone = [f"{n['absent']} 家工商登记中查无此企业" if n["absent"] else "",
            f"{n['deregistered']} 家已注销或吊销" if n["deregistered"] else "",
            f"{n['new_companies']} 家在发布前 {ctx.params['new_company_days']} 天内才成立"
            if n["new_companies"] else ""]
    if any(gone):
        parts.append("公司登记情况：" + "，".join(x for x in gone if x) + "。")
    if signals:
        parts.append("招聘内容：" + "；".join(f"{zh} {k} 条" for zh, _, k in signals) + "。")
    top = contacts[0] if contacts else None
    if top and int(top["companies"]) >= 2:
        parts.append(f"{_CONTACT_ZH.get(top['contact_type'], '联系方式')} "
                     f"{ctx.mask(top['contact_type'], top['contact_value'])} 出现在 "
                     f"{top['companies']} 家公司的 {top['postings']} 条招聘中。")
    if n["applications"]:
        parts.append(f"共收到 {n['applicants']:,} 名求职者的 {n['applications']:,} 份简历"
                     "（姓名、手机号、学历、工作经历等）。")
    else:
        parts.append("未提供投递记录，受影响求职者人数待调取。")
    parts.append(f"风险评分 {points} 分（线索标准 {ctx.params['min_points']} 分）。")

    evidence: list[Evidence] = []
    for p in samples:
        tags = [zh for key, zh, _ in _SIGNALS if p.get(key)]
        evidence.append(Evidence(
            source=Path(str(p["_source"])).name, row=int(p["_row"]), column="description",
            content_hash=_row_hash(p),
            excerpt=f"[{p['posting_id']}｜{p['company_name']}｜{p['title']}｜{p['city'] or '-'}"
                    f"｜{p['posted_date'] or '-'}] " + _masked(str(p["description"])),
            detail={"posting_id": p["posting_id"], "company": p["company_name"],
                    "signals": tags,
                    "salary_max": int(p["salary_max"]) if p["salary_max"] else 0,
                    "title_median_max": int(p["title_median_max"])
                    if p["title_median_max"] else 0}))
    for c in companies[:12]:
        finding = _FINDING_ZH.get(c["registry_finding"], c["registry_finding"])
        reg = f"，成立于 {c['registered_date']}" if c["registered_date"] else ""
        if c["registry_finding"] == "new" and c["registered_date"] and c["first_posted"]:
            days = (c["first_posted"] - c["registered_date"]).days
            reg += f"，成立 {days} 天后即发布招聘"
        evidence.append(Evidence(
            source="工商登记比对", column="company_name",
            content_hash="sha256:" + hashlib.sha256(str(c["company_key"]).encode()).hexdigest(),
            excerpt=f"公司“{c['company_name']}”：{finding}{reg}；招聘 {c['postings']} 条，"
                    f"首次发布 {c['first_posted'] or '-'}",
            detail={"registry_finding": c["registry_finding"], "postings": int(c["postings"])}))
    for c in contacts[:8]:
        label = _CONTACT_ZH.get(c["contact_type"], "联系方式")
        evidence.append(Evidence(
            source="联系方式关联", column="contact",
            content_hash="sha256:" + hashlib.sha256(
                ctx.token(c["contact_type"], c["contact_value"]).encode()).hexdigest(),
            excerpt=f"{label} {ctx.mask(c['contact_type'], c['contact_value'])}：对应 "
                    f"{c['companies']} 家公司、{c['postings']} 条招聘、{c['cities']} 个城市"
                    + ("（仅写在职位描述中）" if c["only_in_text"] else ""),
            detail={"companies": int(c["companies"]), "postings": int(c["postings"])}))
    card = {k: max(int(s[k]) for s in group) for k in (
        "pts_pi", "pts_fee", "pts_lure", "pts_bait_pay", "pts_private_im", "pts_contact",
        "pts_template", "pts_registry")}
    evidence.append(Evidence(
        source="风险评分", content_hash="sha256:" + hashlib.sha256(
            repr(sorted(card.items())).encode()).hexdigest(),
        excerpt="风险评分：" + "，".join(f"{_POINTS_ZH[k]} {v} 分" for k, v in card.items() if v)
                + f"；合计 {points} 分",
        detail=card))

    provisions = ["PIPL-5", "PIPL-10", "HR-MARKET-2018-24"]
    if n["n_pi"]:
        provisions += ["PIPL-6", "APP-NECESSARY-2021-JOB"]
    if n["n_fee"]:
        provisions.append("EMPLOYMENT-PROMOTION-41")
    if n["applications"]:
        provisions += ["CRIMINAL-253-1", "SPC-SPP-2017-5"]
    if standing.has_standing:
        provisions.append("PIPL-70")

    linked: dict[str, str] = {}
    for c in companies:
        if c["uscc"]:
            linked.setdefault(ctx.token("USCC", c["uscc"]), "company")
    for c in contacts:
        linked.setdefault(ctx.token(c["contact_type"], c["contact_value"]), "contact")
    linked.setdefault(ctx.token("RECRUITMENT_SCHEME", first_posting), "scheme")
    subject_token = ctx.token(kind, value)
    linked.pop(subject_token, None)

    return Lead(
        model=MODEL, kind=lead_kind,
        subject=Subject(role, subject_token, display),
        title_zh=title, title_en=title_en, summary_zh="".join(parts),
        summary_en=(f"{n['postings']} postings under {n_companies} company names; "
                    + "; ".join(f"{en}: {k}" for _, en, k in signals)
                    + f"; {n['applications']} résumés from {n['applicants']} job seekers; "
                    f"risk points {points}."),
        severity=severity, affected_people=n["applicants"], provisions=tuple(provisions),
        evidence=tuple(evidence), records_by_tier=tiers,
        counts={"postings": n["postings"], "companies": n_companies, "cities": len(city_names),
                "applications": n["applications"], "points": points,
                "companies_absent": n["absent"], "companies_deregistered": n["deregistered"],
                "companies_new": n["new_companies"]},
        linked_tokens=tuple(sorted(linked.items())), standing=standing)

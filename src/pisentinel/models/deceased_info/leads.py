"""One lead per staff member suspected of leaking deceased patients' information and one per
funeral company receiving it, each with the timeline a prosecutor reads: the death, the access
nothing explains, the company's call to the family minutes later."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from pisentinel.leads import Evidence, Lead, Subject, public_interest_standing, severity_for
from pisentinel.models.context import RunContext
from pisentinel.protect import mask_keep

MODEL = "deceased_info"
STAFF_PROVISIONS = ("PIPL-10", "PIPL-28", "CIVIL-994", "CIVIL-1038", "CRIMINAL-253-1",
                    "SPC-SPP-2017-4", "SPC-SPP-2017-5", "SPC-SPP-2017-11")
BULK_PROVISIONS = ("PIPL-6", "PIPL-51")
COMPANY_PROVISIONS = ("PIPL-10", "PIPL-28", "CIVIL-994", "CRIMINAL-253-1", "SPC-SPP-2017-4",
                      "SPC-SPP-2017-5", "SPC-SPP-2017-11")
ACTIONS_ZH = {"export": "导出其病历", "print": "打印其病历", "family_contacts": "查看其家属联系方式",
              "query": "查询其病历", "view": "查看其病历"}
UNEXPLAINED_ZH = "无诊疗关系：非经治医师、非本科室、生前未访问、非职能科室依职责访问"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _t(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value is not None else "—"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{max(value, 0):.0f}"


def staff_display(staff_key: str, department: str) -> str:
    """A staff member as a lead shows them: department and a partly hidden staff number."""
    return f"{department or '未知科室'}工作人员（工号 {mask_keep(staff_key, 1, 2)}）"


def _explanation(row: dict[str, Any]) -> str:
    if not row["explained"]:
        return UNEXPLAINED_ZH
    reasons = [text for flag, text in (("by_attending", "经治医师"), ("by_ward", "本科室"),
                                       ("by_earlier_care", "死亡前参与诊疗或抢救"),
                                       ("by_role", "职能科室依职责访问")) if row.get(flag)]
    return "形式上可由" + "、".join(reasons or ["诊疗关系"]) + "解释，但与殡葬联系反复巧合"


class RowHashes:
    """sha256 of source rows (cells of the input's canonical columns in order), so each excerpt
    can be matched to the original export. Evidence first gets a reference; `resolve` then reads
    every referenced row of an input in one query and puts the hashes in."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.wanted: dict[str, set[tuple[str, int]]] = {}

    def ref(self, table: str, source: Any, row: Any) -> str:
        self.wanted.setdefault(table, set()).add((str(source), int(row)))
        return f"{table}\x1f{source}\x1f{int(row)}"

    def _fetch(self, table: str, keys: set[tuple[str, int]]) -> dict[str, str]:
        columns = [c.name for c in self.ctx.manifest.input(table).columns]
        present = [c for c in columns if self.ctx.has_column(table, c)] or columns
        by_source: dict[str, list[int]] = {}
        for source, row in sorted(keys):
            by_source.setdefault(source, []).append(row)
        cond = " OR ".join(f"(_source = {_sql_text(src)} AND _row IN ({', '.join(map(str, rows))}))"
                           for src, rows in by_source.items())
        out = {}
        for raw in self.ctx.rows(f"SELECT * FROM {table} WHERE {cond}"):
            text = "\x1f".join("" if raw.get(c) is None else str(raw[c]) for c in present)
            out[f"{table}\x1f{raw['_source']}\x1f{int(raw['_row'])}"] = \
                "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        return out

    def resolve(self, leads: list[Lead]) -> list[Lead]:
        found: dict[str, str] = {}
        for table, keys in sorted(self.wanted.items()):
            found |= self._fetch(table, keys)
        return [replace(lead, evidence=tuple(replace(e, content_hash=found.get(e.content_hash, ""))
                                             for e in lead.evidence)) for lead in leads]


def _timeline(ctx: RunContext, c: dict[str, Any], who: str) -> str:
    """death → access → call, minutes apart, every identifier masked."""
    patient = ctx.mask("PERSON_NAME", c["patient_name"]) if c.get("patient_name") else "患者"
    phone = ctx.mask("PHONE_NUMBER", c["phone_key"])
    if c["before_informed"]:
        told = f"，早于医院告知家属（{_t(c['informed_at'], '%H:%M')}）"
    elif c["informed_at"] is None:
        told = "，医院无告知家属的记录"
    else:
        told = ""
    return (f"{_t(c['died_at'])} {patient}在{c['patient_department']}死亡 → "
            f"{_t(c['access_at'], '%H:%M')}（死亡后 {_minutes(c['access_minutes'])} 分钟）"
            f"{who}{ACTIONS_ZH.get(c['action_kind'], '查看其病历')}（{_explanation(c)}）→ "
            f"{_t(c['contacted_at'], '%H:%M')}（死亡后 {_minutes(c['call_minutes'])} 分钟）"
            f"{c['company_key']}主动联系家属 {phone}{told}")


def _coincidences(ctx: RunContext) -> list[dict[str, Any]]:
    """Every coincidence through an unexplained access or on a strong link, with the
    explanations of its access, strongest first."""
    return ctx.rows("""
        SELECT c.*, a.by_attending, a.by_ward, a.by_earlier_care, a.by_role, s.strong
        FROM coincidences AS c
        JOIN deceased_access AS a ON a._source = c.access_source AND a._row = c.access_row
        JOIN staff_company AS s ON s.staff_key = c.staff_key AND s.company_key = c.company_key
        WHERE s.strong OR c.unexplained
        ORDER BY s.strong DESC, c.unexplained DESC, c.contacted_at, c.company_key, c.staff_key,
                 c.patient_key""")


def build_leads(ctx: RunContext) -> list[Lead]:
    hashes = RowHashes(ctx)
    staff = ctx.rows("SELECT * FROM staff_suspects WHERE suspect ORDER BY staff_key")
    companies = ctx.rows("SELECT * FROM company_suspects WHERE suspect ORDER BY company_key")
    suspects = {s["staff_key"]: s for s in staff}
    by_staff: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_company: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in _coincidences(ctx):
        by_staff[c["staff_key"]].append(c)
        if c["strong"]:
            by_company[c["company_key"]].append(c)
    leads = [_staff_lead(ctx, s, by_staff[s["staff_key"]], hashes) for s in staff]
    leads += [_company_lead(ctx, c, suspects, by_company[c["company_key"]], hashes)
              for c in companies]
    return hashes.resolve(leads)


def _staff_lead(ctx: RunContext, s: dict[str, Any], coincidences: list[dict[str, Any]],
                hashes: RowHashes) -> Lead:
    key = s["staff_key"]
    limit = int(ctx.params["evidence_rows"])
    who = staff_display(key, s["department"])
    strong = [c for c in coincidences if c["strong"]]
    links = ctx.rows(f"""SELECT * FROM staff_company WHERE staff_key = {_sql_text(key)} AND strong
                         ORDER BY coincidences DESC, company_key""")
    reads = ctx.rows(f"""
        SELECT * FROM deceased_access
        WHERE staff_key = {_sql_text(key)} AND NOT explained
        ORDER BY CASE WHEN action_kind IN ('export', 'family_contacts', 'print') THEN 0 ELSE 1 END,
                 accessed_at, _source, _row
        LIMIT {limit}""")
    shown = strong[:limit] or coincidences[:limit]
    evidence = [Evidence(source=str(c["access_source"]), row=int(c["access_row"]), column=None,
                         excerpt=_timeline(ctx, c, "该工作人员"),
                         content_hash=hashes.ref("access_log", c["access_source"],
                                                 c["access_row"]),
                         detail={"kind": "timeline", "company": c["company_key"],
                                 "access_minutes": round(float(c["access_minutes"])),
                                 "call_minutes": round(float(c["call_minutes"])),
                                 "explained": bool(c["explained"]),
                                 "call_source": str(c["call_source"]),
                                 "call_row": int(c["call_row"])})
                for c in shown]
    for r in reads[: max(0, limit - len(evidence))]:
        patient = ctx.mask("PERSON_NAME", r["patient_name"]) if r["patient_name"] else "患者"
        evidence.append(Evidence(
            source=str(r["_source"]), row=int(r["_row"]), column=None,
            excerpt=(f"{_t(r['accessed_at'])} {ACTIONS_ZH.get(r['action_kind'], '查看其病历')}"
                     f"（{patient}，{r['patient_department']}，{_t(r['died_at'])} 死亡，死亡后 "
                     f"{_minutes(r['minutes_after_death'])} 分钟）：{UNEXPLAINED_ZH}"),
            content_hash=hashes.ref("access_log", r["_source"], r["_row"]),
            detail={"kind": "unexplained_access", "action": r["action_kind"]}))

    n = int(s["deceased_records"])
    severity = severity_for({"T2": n}, insider=True)
    linked: dict[str, str] = {}
    for link in links:
        linked.setdefault(ctx.token("ORGANIZATION", link["company_key"]), "funeral_company")
    for c in strong:
        linked.setdefault(ctx.token("PHONE_NUMBER", c["phone_key"]), "family_phone")
    families = len({c["phone_key"] for c in strong})
    flags = []
    if s["bulk"]:
        flags.append(f"无诊疗关系批量查阅 {s['unexplained_patients']:,} 名逝者的病历"
                     f"（涉及 {s['wards']} 个科室，单日最多 {s['peak_day_patients']} 名）")
    if s["taking"] or s["taken_patients"]:
        flags.append(f"导出、打印或查看家属联系方式 {s['taken_patients']:,} 名"
                     f"（其中导出 {s['exported_patients']:,} 名、查看家属联系方式 "
                     f"{s['family_contact_patients']:,} 名）")
    if links:
        names = "、".join(link["company_key"] for link in links)
        early = sum(1 for c in strong if c["before_informed"])
        flags.append(f"{len({c['patient_key'] for c in strong})} 名逝者的家属在其查阅病历后"
                     f" {int(ctx.params['lead_minutes'])} 分钟内接到{names}的主动联系"
                     + (f"，其中 {early} 户早于医院告知家属" if early else ""))
    times = [x for x in (s["first_at"], s["last_at"], *(c["access_at"] for c in strong))
             if x is not None]
    since, until = (min(times), max(times)) if times else (None, None)
    summary = (f"{_t(since, '%Y-%m-%d')} 至 {_t(until, '%Y-%m-%d')}，{who}"
               + "；".join(flags) + "。"
               + f"逝者病历属健康生理信息，计 {n:,} 条；系在履行职责中获得，"
               f"适用减半标准（250 条）：{severity.level.label_zh}。")
    provisions = STAFF_PROVISIONS + (BULK_PROVISIONS if s["bulk"] else ())
    return Lead(
        model=MODEL, kind="staff_leak",
        subject=Subject("staff", ctx.token("STAFF_ID", key), who),
        title_zh=f"{who}涉嫌泄露逝者及家属信息（{n:,} 名逝者）",
        title_en=f"Staff member of {s['department'] or 'unknown department'} suspected of "
                 f"leaking information on {n:,} deceased patients",
        summary_zh=summary, severity=severity, affected_people=n,
        provisions=provisions, evidence=tuple(evidence), records_by_tier={"T2": n},
        counts={"deceased_records": n,
                "unexplained_patients": int(s["unexplained_patients"]),
                "taken_patients": int(s["taken_patients"]),
                "exported_patients": int(s["exported_patients"]),
                "family_contact_patients": int(s["family_contact_patients"]),
                "wards": int(s["wards"]), "peak_day_patients": int(s["peak_day_patients"]),
                "coincidences": len({c["patient_key"] for c in strong}),
                "funeral_companies": len(links), "families_contacted": families},
        linked_tokens=tuple(linked.items()),
        standing=public_interest_standing(n),
    )


def _company_lead(ctx: RunContext, c: dict[str, Any], suspects: dict[str, dict[str, Any]],
                  sources: list[dict[str, Any]], hashes: RowHashes) -> Lead:
    company = c["company_key"]
    limit = int(ctx.params["evidence_rows"])
    calls = ctx.rows(f"""
        SELECT * FROM funeral_calls
        WHERE suspicious AND company_key = {_sql_text(company)}
        ORDER BY contacted_at, patient_key, _source, _row""")
    by_patient: dict[str, dict[str, Any]] = {}
    for x in sources:
        if x["staff_key"] in suspects:
            by_patient.setdefault(x["patient_key"], x)
    shown = sorted(calls, key=lambda r: (r["patient_key"] not in by_patient, r["contacted_at"],
                                         r["patient_key"]))[:limit]
    evidence = []
    for r in shown:
        src = by_patient.get(r["patient_key"])
        if src is not None:
            who = staff_display(src["staff_key"], suspects[src["staff_key"]]["department"])
            excerpt = _timeline(ctx, src, who)
        else:
            patient = ctx.mask("PERSON_NAME", r["patient_name"]) if r["patient_name"] else "患者"
            told = ("，早于医院告知家属" if r["before_informed"] else
                    "，医院无告知家属的记录" if r["informed_at"] is None else "")
            excerpt = (f"{_t(r['died_at'])} {patient}在{r['patient_department']}死亡 → "
                       f"{_t(r['contacted_at'], '%H:%M')}（死亡后 "
                       f"{_minutes(r['minutes_after_death'])} 分钟）{company}主动联系家属 "
                       f"{ctx.mask('PHONE_NUMBER', r['phone_key'])}{told}（非家属来电后回拨，"
                       "无医院登记转介）")
        evidence.append(Evidence(
            source=str(r["_source"]), row=int(r["_row"]), column=None, excerpt=excerpt,
            content_hash=hashes.ref("funeral_contacts", r["_source"], r["_row"]),
            detail={"kind": "early_contact",
                    "call_minutes": round(float(r["minutes_after_death"])),
                    "before_informed": bool(r["before_informed"]),
                    "source_staff_known": src is not None}))
    n = int(c["families"])
    severity = severity_for({"T2": n})
    staff_keys = sorted({x["staff_key"] for x in sources if x["staff_key"] in suspects})
    linked: dict[str, str] = {}
    for key in staff_keys:
        linked.setdefault(ctx.token("STAFF_ID", key), "staff")
    for r in calls:
        linked.setdefault(ctx.token("PHONE_NUMBER", r["phone_key"]), "family_phone")
    staff_text = (f"医院 {len(staff_keys)} 名工作人员与其反复巧合（查阅逝者病历后不久该单位即致电家属），"
                  "疑为信息来源" if staff_keys else "信息来源尚待查明")
    summary = (f"{_t(c['first_at'], '%Y-%m-%d')} 至 {_t(c['last_at'], '%Y-%m-%d')}，{company}"
               f"在患者死亡后最快 {_minutes(c['min_minutes'])} 分钟、平均 "
               f"{_minutes(c['avg_minutes'])} 分钟主动联系 {n:,} 户逝者家属（{c['phones']:,} 个号码，"
               f"涉及 {c['wards']} 个科室），其中 {c['before_informed']:,} 户早于医院告知家属；"
               "这些联系既非家属来电后的回拨，也无医院登记转介。"
               f"{staff_text}。逝者及家属信息按健康生理信息计 {n:,} 条：{severity.level.label_zh}。")
    return Lead(
        model=MODEL, kind="funeral_company_leak",
        subject=Subject("company", ctx.token("ORGANIZATION", company), company),
        title_zh=f"{company}涉嫌非法获取逝者及家属信息（{n:,} 户家属在死亡后即被联系）",
        title_en=f"{company}: suspected of obtaining information on {n:,} deceased patients' "
                 "families (contacted minutes after the death)",
        summary_zh=summary, severity=severity, affected_people=n,
        provisions=COMPANY_PROVISIONS, evidence=tuple(evidence), records_by_tier={"T2": n},
        counts={"families": n, "phones": int(c["phones"]),
                "before_informed": int(c["before_informed"]), "early": int(c["early"]),
                "wards": int(c["wards"]), "linked_staff": len(staff_keys)},
        linked_tokens=tuple(linked.items()),
        standing=public_interest_standing(n),
    )


"""One lead per flagged ring: who (the organiser account, or the travel agency whose team
channel it is), what (which signals, with counts), since when, whose ID numbers (the affected
people), sample bookings as masked excerpts pointing at their source row, and the law.

Nothing raw leaves: ID numbers, names and phones are masked, accounts shown by their first and
last two characters, devices by their rank in the ring (设备1, 设备2 …)."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any

from pisentinel.leads import Evidence, Lead, Subject, public_interest_standing, severity_for
from pisentinel.models.context import RunContext
from pisentinel.protect.mask import mask_keep

ACCOUNT_TOKEN_TYPE = "BOOKING_ACCOUNT"
AGENCY_TOKEN_TYPE = "ORGANIZATION"
BASE_PROVISIONS = ("PIPL-10", "PIPL-13", "PIPL-14", "SPC-SPP-2017-4", "SPC-SPP-2017-5",
                   "CIVIL-1035", "TOURISM-45")
AGENCY_PROVISIONS = ("PIPL-23", "TOURISM-52")
_PHONE_RE = re.compile(r"^\+?(?:86)?1\d{10}$")
_RAW_COLUMNS = ("booking_id", "account_id", "visitor_id_number", "venue", "visit_date",
                "booked_at", "visitor_name", "account_phone", "device_id", "ip", "slot",
                "channel", "checked_in", "checked_in_at", "agency_name")
_MAX_LINKED = 200


def mask_account(ctx: RunContext, account: str) -> str:
    """An account as it may be shown: a phone number masked as one, else its ends only."""
    if _PHONE_RE.match(re.sub(r"[\s-]", "", account)):
        return ctx.mask("PHONE_NUMBER", account)
    return mask_keep(account, 2, 2)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def _row_hash(raw: dict[str, Any]) -> str:
    """sha256 of the source row's cells in canonical order (unit separator between cells), so
    the case file can match an excerpt to the original export without the lead holding it."""
    text = "\x1f".join("" if raw.get(c) is None else str(raw[c]) for c in _RAW_COLUMNS)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _input_hash(ctx: RunContext) -> str:
    hashes = ctx.inputs.get("bookings", {}).get("hashes") or []
    if len(hashes) == 1:
        return str(hashes[0])
    return "sha256:" + hashlib.sha256("\n".join(map(str, hashes)).encode()).hexdigest()


def _signals(r: dict[str, Any], p: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, Chinese sentence) for every signal that scored."""
    out = []
    if r["s_pooled"]:
        out.append(("pooled_ids", f"{r['pooled_ids']:,} 个证件号码被 {p['pooled_id_accounts']} 个以上"
                                  "账号共用预约（证件池）"))
    if r["repeat_points"]:
        out.append(("repeated_ids", f"{r['repeated_ids']:,} 个证件号码在一个自然月内被预约 "
                                    f"{p['repeat_entries']} 次以上，单个证件号码最多被预约 "
                                    f"{r['max_id_bookings']:,} 次（重复登记）"))
    if r["s_release"]:
        out.append(("release_second", f"{r['fast_bookings']:,} 次预约（"
                                      f"{_pct(r['fast_bookings'], r['bookings'])}）在放票后 "
                                      f"{p['release_seconds']} 秒内提交（抢约）"))
    if r["s_shared_device"]:
        out.append(("shared_devices", f"{r['shared_devices']} 台设备被 "
                                      f"{p['shared_device_accounts']} 个以上账号共用"))
    if r["s_no_show"]:
        out.append(("no_show", f"有核验结果的 {r['past_bookings']:,} 次预约中 {r['no_shows']:,} 次"
                               f"未入馆（{_pct(r['no_shows'], r['past_bookings'])}），"
                               "符合抢约后转卖、未售出即爽约的特征"))
    if r["s_scattered"]:
        out.append(("scattered", f"为互不相关的多人分散预约，整团预约仅占 "
                                 f"{_pct(r['group_bookings'], r['bookings'])}"))
    return out


_FLAGGED = "SELECT ring_id FROM rings WHERE flagged"


def _per_ring(ctx: RunContext, sql: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of one query over every flagged ring at once, grouped by ring (one pass over the
    bookings, however many leads)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ctx.rows(sql):
        out[str(r["ring_id"])].append(r)
    return out


def _sample_bookings(ctx: RunContext, limit: int) -> dict[str, list[dict[str, Any]]]:
    """Per ring, the bookings that show the pattern best (hot ID numbers, release-second,
    much-booked IDs, earliest), with the raw source row's hash."""
    raw_cols = ", ".join(f"raw.{c} AS raw_{c}" for c in _RAW_COLUMNS)
    rows = _per_ring(ctx, f"""
        WITH ranked AS (
            SELECT b.*, CAST(b.visit_date AS VARCHAR) AS visit_day,
                   strftime(b.booked_at, '%Y-%m-%d %H:%M:%S') AS booked_text,
                   row_number() OVER (
                       PARTITION BY b.ring_id
                       ORDER BY (CASE WHEN b.pooled OR b.repeated THEN 0 ELSE 1 END),
                                (CASE WHEN b.fast THEN 0 ELSE 1 END), b.id_bookings DESC,
                                b.booked_at, b._source, b._row) AS pick
            FROM ring_bookings AS b
            WHERE b.ring_id IN ({_FLAGGED})
        )
        SELECT ranked.*, {raw_cols}
        FROM ranked
        JOIN bookings AS raw ON raw._source = ranked._source AND raw._row = ranked._row
        WHERE ranked.pick <= {int(limit)}
        ORDER BY ranked.ring_id, ranked.pick""")
    for ring_rows in rows.values():
        for r in ring_rows:
            r["content_hash"] = _row_hash({c: r[f"raw_{c}"] for c in _RAW_COLUMNS})
    return rows


def _device_labels(ctx: RunContext) -> dict[str, dict[str, str]]:
    rows = _per_ring(ctx, f"""
        SELECT ring_id, device_id, count(*) AS n FROM ring_bookings
        WHERE ring_id IN ({_FLAGGED}) AND device_id IS NOT NULL
        GROUP BY ring_id, device_id ORDER BY ring_id, n DESC, device_id""")
    return {ring: {d["device_id"]: f"设备{i}" for i, d in enumerate(devices, 1)}
            for ring, devices in rows.items()}


def _top_ids(ctx: RunContext, n: int = 3) -> dict[str, list[dict[str, Any]]]:
    return _per_ring(ctx, f"""
        WITH per_id AS (
            SELECT ring_id, id_number, max(visitor_name) AS visitor_name,
                   count(*) AS ring_bookings, count(DISTINCT account_id) AS ring_accounts,
                   count_if(came) AS entries, max(max_month_bookings) AS max_month_bookings
            FROM ring_bookings
            WHERE ring_id IN ({_FLAGGED})
            GROUP BY ring_id, id_number
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY ring_id
                                         ORDER BY ring_bookings DESC, id_number) AS pick
            FROM per_id
        )
        SELECT * FROM ranked WHERE pick <= {int(n)} ORDER BY ring_id, pick""")


def _who(ctx: RunContext, value: str | None, name: str | None) -> str:
    shown = ctx.mask("CN_ID_CARD", value) if value else "（空）"
    return shown + (f"（{ctx.mask('PERSON_NAME', name)}）" if name else "")


def _booking_excerpt(ctx: RunContext, b: dict[str, Any], devices: dict[str, str]) -> str:
    came = {True: "已入馆", False: "未入馆"}.get(b["came"], "核验结果不明")
    after = b["after_release"]
    timing = f"放票后 {after:.0f} 秒提交" if after is not None else "提交时间不明"
    device = devices.get(b["device_id"], "设备不明") if b["device_id"] else "设备不明"
    return (f"预约单号 {b['booking_id'] or '（空）'}：账号 {mask_account(ctx, b['account_id'])} "
            f"于 {b['booked_text'] or '?'} 为 {_who(ctx, b['id_number'], b['visitor_name'])} "
            f"预约 {b['visit_day'] or '?'} {b['venue']}，{timing}，{device}，{came}；"
            f"该证件号码共被 {b['id_accounts']} 个账号预约 {b['id_bookings']} 次")


def build_leads(ctx: RunContext) -> list[Lead]:
    p = dict(ctx.params)
    source_hash = _input_hash(ctx)
    samples, devices_by_ring = _sample_bookings(ctx, p["evidence_rows"]), _device_labels(ctx)
    top_ids, linked_by_ring = _top_ids(ctx), _linked_tokens(ctx)
    leads = []
    for r in ctx.rows("SELECT * FROM rings WHERE flagged ORDER BY ring_id"):
        ring = str(r["ring_id"])
        agency = r["organiser_agency"] if r["organiser_team"] and r["organiser_agency"] else None
        organiser = mask_account(ctx, r["organiser"])
        if agency:
            subject = Subject("organisation", ctx.token(AGENCY_TOKEN_TYPE, agency), agency)
            kind, who = "agency_identity_reuse", f"{agency}（经办账号 {organiser} 等 {r['accounts']} 个）"
        else:
            subject = Subject("account", ctx.token(ACCOUNT_TOKEN_TYPE, r["organiser"]),
                              organiser)
            kind, who = "scalper_ring", f"以账号 {organiser} 为首的 {r['accounts']} 个账号"
        signals = _signals(r, p)
        people = int(r["distinct_ids"])
        resold = int(r["repeated_entries"])
        summary = (
            f"{r['first_visit']} 至 {r['last_visit']}（最早提交于 {r['first_booked']}），{who}"
            f"在 {r['devices']} 台设备、{r['ips']} 个 IP 上，使用 {people:,} 个证件号码"
            f"（来自 {r['provinces']} 个省份"
            + (f"，其中不满十四周岁 {r['minors']} 人" if r["minors"] else "")
            + f"）预约 {r['venues']} 个场馆共 {r['bookings']:,} 次，入馆 {r['entries']:,} 次。"
            + "；".join(s for _k, s in signals) + "。"
            + (f"被重复登记的证件号码入馆 {resold:,} 次，按景德镇案每个预约码 "
               f"{p['resale_price_low']}–{p['resale_price_high']} 元估算，转卖收入可能达 "
               f"{resold * p['resale_price_low']:,}–{resold * p['resale_price_high']:,} 元"
               "（待核实）。" if resold else "")
            + ("旅行社在提供服务过程中获得游客身份信息后反复用于预约，适用减半标准。" if agency else "")
        )
        devices = devices_by_ring.get(ring, {})
        evidence = [Evidence(
            source="bookings", excerpt=(
                f"团伙概况：{r['accounts']} 个账号、{r['devices']} 台设备（{r['shared_devices']} 台"
                f"被 {p['shared_device_accounts']} 个以上账号共用）、{r['ips']} 个 IP；"
                f"{people:,} 个证件号码，其中 {r['pooled_ids']:,} 个被多个账号共用、"
                f"{r['repeated_ids']:,} 个被重复登记、{r['once_ids']:,} 个只出现一次；"
                f"预约 {r['bookings']:,} 次，整团预约 {r['group_bookings']:,} 次，"
                f"放票即抢 {r['fast_bookings']:,} 次，未入馆 {r['no_shows']:,} 次；风险分 {r['points']}"),
            content_hash=source_hash,
            detail={"signals": [k for k, _s in signals], "points": int(r["points"])})]
        for t in top_ids.get(ring, []):
            evidence.append(Evidence(
                source="bookings", content_hash=source_hash, column="visitor_id_number",
                detail={"item": ctx.token("CN_ID_CARD", t["id_number"])
                        if t["id_number"] else "（空）"},
                excerpt=(f"证件号码 {_who(ctx, t['id_number'], t['visitor_name'])} 被团伙 "
                         f"{t['ring_accounts']} 个账号预约 {t['ring_bookings']} 次、入馆 "
                         f"{t['entries']} 次，单月最多被预约 {t['max_month_bookings']} 次")))
        for b in samples.get(ring, []):
            evidence.append(Evidence(
                source=str(b["_source"]), row=int(b["_row"]), content_hash=b["content_hash"],
                excerpt=_booking_excerpt(ctx, b, devices)))
        linked = list(linked_by_ring.get(ring, []))
        if agency:
            linked.append((ctx.token(AGENCY_TOKEN_TYPE, agency), "agency"))
        counts = {k: int(r[k] or 0) for k in (
            "accounts", "devices", "shared_devices", "ips", "shared_ips", "bookings",
            "distinct_ids", "pooled_ids", "repeated_ids", "once_ids", "max_id_bookings",
            "fast_bookings", "past_bookings", "no_shows", "entries", "repeated_entries",
            "group_bookings", "minors", "provinces", "venues", "points")}
        counts["resale_estimate_low_yuan"] = resold * int(p["resale_price_low"])
        counts["resale_estimate_high_yuan"] = resold * int(p["resale_price_high"])
        provisions = [*BASE_PROVISIONS, *(AGENCY_PROVISIONS if agency else ()),
                      *(("PIPL-31",) if r["minors"] else ()), "PIPL-70"]
        leads.append(Lead(
            model="scalper_booking", kind=kind, subject=subject,
            title_zh=(f"{agency}反复使用 {people:,} 名游客身份信息预约 {r['bookings']:,} 次" if agency
                      else f"黄牛团伙（{r['accounts']} 个账号）使用 {people:,} 人证件号码抢约 "
                           f"{r['bookings']:,} 次"),
            title_en=(f"Travel agency reusing {people:,} tourists' identities for "
                      f"{r['bookings']:,} bookings" if agency else
                      f"Scalper ring of {r['accounts']} accounts: {r['bookings']:,} bookings with "
                      f"{people:,} people's ID numbers"),
            summary_zh=summary,
            summary_en=(f"{r['accounts']} accounts on {r['devices']} devices booked "
                        f"{r['bookings']:,} visits ({r['first_visit']} to {r['last_visit']}) with "
                        f"{people:,} ID numbers; signals: "
                        + ", ".join(k for k, _s in signals) + "."),
            severity=severity_for({"T3": people}, insider=bool(agency)),
            affected_people=people, provisions=tuple(provisions), evidence=tuple(evidence),
            records_by_tier={"T3": people}, counts=counts,
            linked_tokens=tuple(dict.fromkeys(linked)),
            standing=public_interest_standing(people)))
    return leads


def _linked_tokens(ctx: RunContext) -> dict[str, list[tuple[str, str]]]:
    """Per ring: accounts, their phones and the pooled or repeated ID numbers, as tokens, so
    the ring links with leads about the same phones or people elsewhere."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ring, accounts in _per_ring(ctx, f"""
            WITH a AS (
                SELECT ring_id, account_id, max(account_phone) AS phone FROM ring_bookings
                WHERE ring_id IN ({_FLAGGED}) GROUP BY ring_id, account_id
            )
            SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ring_id
                                                        ORDER BY account_id) AS pick FROM a) AS r
            WHERE pick <= {_MAX_LINKED // 4}
            ORDER BY ring_id, account_id""").items():
        for a in accounts:
            out[ring].append((ctx.token(ACCOUNT_TOKEN_TYPE, a["account_id"]), "account"))
            if a["phone"]:
                out[ring].append((ctx.token("PHONE_NUMBER", a["phone"]), "account_phone"))
    for ring, ids in _per_ring(ctx, f"""
            WITH i AS (
                SELECT DISTINCT ring_id, id_number FROM ring_bookings
                WHERE ring_id IN ({_FLAGGED}) AND (pooled OR repeated)
            )
            SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ring_id
                                                        ORDER BY id_number) AS pick FROM i) AS r
            WHERE pick <= {_MAX_LINKED // 2}
            ORDER BY ring_id, id_number""").items():
        out[ring] += [(ctx.token("CN_ID_CARD", i["id_number"]), "visitor_id") for i in ids]
    return out

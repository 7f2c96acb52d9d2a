"""Leads of the doxxing model: one per victim (the posts, channels and authors that exposed
them) and one per doxxing outlet (a 开盒 channel, or an account outside channels: its dumps,
service ads, price list, reach and operators).

Evidence excerpts are the post texts with every detected identifier replaced by its masked form
and any remaining long digit run starred, so no ID number or phone reaches a lead."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pisentinel.detect.rules import NO_RULES, DetectionRules
from pisentinel.leads import Evidence, Lead, Subject, records_by_tier, severity_for
from pisentinel.models.context import RunContext

MODEL = "doxxing"
EXCERPT_CHARS = 160
_LONG_DIGITS = re.compile(r"[0-9０-９][0-9０-９ \-]{5,}[0-9０-９xX]")
_LABELLED_NAME = re.compile(
    r"(父亲|母亲|爸爸|妈妈|他爸|她爸|他妈|她妈|老公|老婆|妻子|丈夫|儿子|女儿|哥哥|姐姐|弟弟|妹妹|"
    r"爷爷|奶奶|姓名|名字|叫)([：:]?\s*叫?)([\u4e00-\u9fff]{2,3})")

EXPOSED = (  # victims.sql column → what a prosecutor reads
    ("id_exposed", "身份证号"), ("name_exposed", "姓名"), ("phone_exposed", "手机号"),
    ("address_exposed", "住址"), ("school_exposed", "学校"), ("workplace_exposed", "工作单位"),
    ("relatives_exposed", "亲属信息"), ("plate_exposed", "车牌"),
    ("bank_card_exposed", "银行卡号"), ("travel_document_exposed", "出入境证件"),
    ("account_exposed", "社交账号"), ("whereabouts_exposed", "行踪"),
)
VICTIM_PROVISIONS = ("PIPL-10", "PIPL-27", "CIVIL-1032", "CIVIL-1034", "CIVIL-1036",
                     "SPC-SPP-2017-3", "CRIMINAL-253-1", "SPC-SPP-2017-5")
OUTLET_PROVISIONS = ("SPC-SPP-2017-8", "CRIMINAL-253-1", "SPC-SPP-2017-3", "SPC-SPP-2017-5",
                     "PIPL-10", "CIVIL-1034", "PIPL-70")


def masked_excerpt(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """`text` with each finding span replaced by its masked form (overlaps: the first wins);
    in the text between findings, long digit runs are starred and the names written after a
    relative or name label (which the detector may have missed) keep only their first
    character. Cut to EXCERPT_CHARS."""
    out, pos = [], 0
    for start, end, masked in sorted(spans):
        if start < pos:
            continue
        out += [_scrub(text[pos:start]), masked]
        pos = end
    out.append(_scrub(text[pos:]))
    joined = " ".join("".join(out).split())
    return joined if len(joined) <= EXCERPT_CHARS else joined[:EXCERPT_CHARS - 1] + "…"


def _scrub(segment: str) -> str:
    segment = _LONG_DIGITS.sub(lambda m: "*" * len(m.group()), segment)
    return _LABELLED_NAME.sub(
        lambda m: m.group(1) + m.group(2) + m.group(3)[0] + "*" * (len(m.group(3)) - 1), segment)


def account_label(ctx: RunContext, handle: str | None) -> str:
    """An author handle as its first two characters plus a keyed tag (handles can identify
    a person; the tag tells accounts apart and is the same in every lead)."""
    if not handle:
        return "（未知账号）"
    return f"{handle[:2]}***#{ctx.token('ACCOUNT', handle)[-6:]}"


def content_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _post_types(row: Mapping[str, Any]) -> list[str]:
    types = [t for t in (row["types"] or "").split(",") if t]
    if row["whereabouts_cue"]:
        types.append("WHEREABOUTS")
    return types


def _evidence(ctx: RunContext, picked: list[dict[str, Any]]) -> dict[str, Evidence]:
    """Masked evidence for the picked posts, in two queries whatever their number."""
    if not picked:
        return {}
    ctx.engine.register("doxxing_evidence_keys", _keys_table(picked))
    texts = ctx.rows("SELECT k.post_key, p._source, p._row, p.text FROM doxxing_evidence_keys k "
                     "JOIN post_signals s ON s.post_key = k.post_key "
                     "JOIN posts p ON p._source = s._source AND p._row = s._row")
    spans: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)
    for f in ctx.rows("SELECT f._source, f.row_id, f.start, f.\"end\", f.masked "
                      "FROM post_findings f JOIN post_signals s "
                      "ON s._source = f._source AND s._row = f.row_id "
                      "JOIN doxxing_evidence_keys k ON k.post_key = s.post_key"):
        spans[(f["_source"], int(f["row_id"]))].append((int(f["start"]), int(f["end"]),
                                                        f["masked"]))
    meta = {p["post_key"]: p for p in picked}
    out = {}
    for t in texts:
        m = meta[t["post_key"]]
        detail = {"channel": m.get("channel") or "", "author": account_label(ctx, m.get("author")),
                  "views": int(m.get("views_n") or 0),
                  "posted_at": str(m.get("posted_ts") or ""), "role": m["role"]}
        if m.get("doxx_score") is not None:
            detail["score"] = int(m["doxx_score"])
        out[t["post_key"]] = Evidence(
            source=Path(t["_source"]).name, row=int(t["_row"]), column="text",
            content_hash=content_hash(t["text"]),
            excerpt=masked_excerpt(t["text"], spans[(t["_source"], int(t["_row"]))]),
            detail=detail)
    ctx.engine.drop("doxxing_evidence_keys")
    return out


def _keys_table(picked: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.table({"post_key": pa.array(sorted({p["post_key"] for p in picked}),
                                          pa.string())})


def _period(first: Any, last: Any) -> str:
    if not first:
        return ""
    a, b = str(first)[:10], str(last)[:10]
    return f"{a} 至 {b}，" if a != b else f"{a}，"


def _own_exposed(rules: DetectionRules, types: set[str]) -> list[str]:
    """The names (in the rules' words: 学号, 工号) of the user's own identifier types among
    `types`, read after the built-in kinds of EXPOSED."""
    return [rules.type_name(t, "zh") for t in sorted(types) if t in rules.types]


def _victim_lead(ctx: RunContext, v: dict[str, Any], posts: list[dict[str, Any]],
                 evidence: dict[str, Evidence], channel_tokens: list[str]) -> Lead:
    rules = ctx.detection_rules("rules") or NO_RULES
    types = {t for p in posts for t in _post_types(p)}
    exposed = [label for col, label in EXPOSED if v[col]] + _own_exposed(rules, types)
    tiers = records_by_tier(_post_types(p) for p in posts)  # own types have no tier: not counted
    sensitivity = rules.sensitivity()
    sensitive = any(sensitivity.get(t, False) for t in types)
    provisions = list(VICTIM_PROVISIONS)
    if sensitive:
        provisions.insert(1, "PIPL-28")
    if v["minor"]:
        provisions.insert(1, "PIPL-31")
    if v["incitement"]:
        provisions.append("CYBER-VIOLENCE-2024-DEF")
    who = {"CN_ID_CARD": "身份证号", "PHONE_NUMBER": "手机号"}.get(v["victim_type"], "姓名")
    display = f"受害人（{who} {v['victim_display']}）" if v["victim_display"] else "受害人"
    where = f"{v['channels']} 个频道或群组中的 " if v["channels"] else ""
    summary = [f"{_period(v['first_seen'], v['last_seen'])}{where}"
               f"{v['authors']} 个账号发布 {v['posts']} 条帖子，将同一人的"
               f"{'、'.join(exposed)}共 {len(exposed)} 类信息绑定公开，累计浏览 {v['views']:,} 次。"]
    if v["minor"]:
        summary.append("据身份证号出生日期推算，受害人为未成年人，应优先处置。")
    if v["incitement"]:
        summary.append("帖子含煽动他人电话骚扰、辱骂受害人的内容。")
    summary.append("信息为非本人发布的私人身份信息，非公开职务联系方式或商业联系方式。")
    return Lead(
        model=MODEL, kind="doxxing_victim",
        subject=Subject("victim", v["victim_token"], display),
        title_zh=f"网络开盒：{display}的{'、'.join(exposed[:4])}等 {len(exposed)} 类信息"
                 f"被 {v['posts']} 条帖子公开",
        title_en=f"Doxxing: {len(exposed)} kinds of one person's identifiers exposed in "
                 f"{v['posts']} posts",
        summary_zh="".join(summary),
        summary_en=(f"{v['posts']} posts by {v['authors']} accounts in {v['channels']} channels "
                    f"bound {len(exposed)} kinds of identifiers of one private person; "
                    f"{v['views']:,} views" + ("; the victim is a minor" if v["minor"] else "")),
        severity=severity_for(tiers), affected_people=1, provisions=tuple(provisions),
        evidence=tuple(evidence[p["post_key"]] for p in posts if p["post_key"] in evidence),
        records_by_tier=tiers,
        counts={"posts": v["posts"], "channels": v["channels"], "authors": v["authors"],
                "views": v["views"], "identifier_kinds": len(exposed),
                "minor": int(bool(v["minor"]))},
        linked_tokens=tuple((t, "outlet") for t in channel_tokens),
    )


def _outlet_token(ctx: RunContext, a: Mapping[str, Any]) -> str:
    return ctx.token("CHANNEL" if a["actor_kind"] == "channel" else "ACCOUNT", a["actor"])


def _outlet_lead(ctx: RunContext, a: dict[str, Any], n_actors: int, posts: list[dict[str, Any]],
                 evidence: dict[str, Evidence], authors: list[dict[str, Any]],
                 victim_tokens: list[str]) -> Lead:
    channel = a["actor_kind"] == "channel"
    display = f"频道“{_LONG_DIGITS.sub('***', a['actor'])}”" if channel \
        else f"账号 {account_label(ctx, a['actor'])}"
    tiers = records_by_tier(_post_types(p) for p in posts if p["role"] == "dump")
    provisions = list(OUTLET_PROVISIONS)
    if a["minor"]:
        provisions.insert(1, "PIPL-31")
    if a["incitement"]:
        provisions.append("CYBER-VIOLENCE-2024-DEF")
    what = []
    if a["doxx_posts"]:
        what.append(f"发布 {a['doxx_posts']} 条开盒帖，公开 {a['victims']} 人的身份信息")
    if a["ad_posts"]:
        price = ""
        if a["min_price"] is not None:
            price = (f"（标价 {a['min_price']}–{a['max_price']} 元）"
                     if a["max_price"] != a["min_price"] else f"（标价 {a['min_price']} 元）")
        what.append(f"发布开盒、社工库、查档服务广告 {a['ad_posts']} 条{price}")
    ops = "、".join(f"{account_label(ctx, x['author'])}（{x['victims']} 人、{x['posts']} 条）"
                   for x in authors[:5])
    summary = [f"{_period(a['first_seen'], a['last_seen'])}{display}" + "，".join(what)
               + f"，累计浏览 {a['views']:,} 次；在本次筛查发现的 {n_actors} 个发布开盒帖或广告的"
                 f"频道和账号中，按受害人数与浏览量排第 {a['rank']} 位。"]
    if channel and ops:
        summary.append(f"发帖账号 {a['authors']} 个，按曝光人数依次为 {ops}。")
    if a["minor"]:
        summary.append("受害人中有未成年人。")
    if a["incitement"]:
        summary.append("帖子含煽动关注者电话骚扰、辱骂受害人的内容。")
    summary.append(f"开盒及广告帖占其全部 {a['posts']} 条帖子的 {a['doxxing_share']:.0%}，"
                   "可能属于设立用于非法提供公民个人信息的通讯群组。")
    return Lead(
        model=MODEL, kind="doxxing_outlet",
        subject=Subject("channel" if channel else "account", _outlet_token(ctx, a), display),
        title_zh=f"开盒渠道：{display}公开 {a['victims']} 人身份信息"
                 + (f"并招揽开盒查询（广告 {a['ad_posts']} 条）" if a["ad_posts"] else ""),
        title_en=f"Doxxing outlet: {a['victims']} people exposed, {a['ad_posts']} service ads",
        summary_zh="".join(summary),
        summary_en=(f"{a['doxx_posts']} doxxing posts exposing {a['victims']} people and "
                    f"{a['ad_posts']} 开盒/社工库 ads; {a['views']:,} views; rank {a['rank']} of "
                    f"{n_actors}"),
        severity=severity_for(tiers), affected_people=int(a["victims"]),
        provisions=tuple(provisions),
        evidence=tuple(evidence[p["post_key"]] for p in posts if p["post_key"] in evidence),
        records_by_tier=tiers,
        counts={"doxx_posts": a["doxx_posts"], "ad_posts": a["ad_posts"],
                "victims": a["victims"], "views": a["views"], "authors": a["authors"],
                "rank": a["rank"], "posts": a["posts"]},
        linked_tokens=tuple((t, "victim") for t in victim_tokens),
    )


def build_leads(ctx: RunContext) -> list[Lead]:
    per = int(ctx.params["evidence_per_lead"])
    victims = ctx.rows("SELECT * FROM victims ORDER BY victim_token")
    victim_posts = ctx.rows(
        "SELECT v.victim_token, d.post_key, d.channel, d.author, d.views_n, d.posted_ts, "
        "d.doxx_score, d.types, d.whereabouts_cue, 'dump' AS role FROM victim_posts v "
        "JOIN doxxing_posts d ON d.post_key = v.post_key "
        "ORDER BY v.victim_token, d.doxx_score DESC, d.views_n DESC NULLS LAST, d.post_key")
    outlets = ctx.rows(
        "SELECT * FROM actors WHERE doxxing_share >= {{ min_doxxing_share }} AND "
        "(victims >= {{ min_channel_victims }} OR ad_posts >= {{ min_channel_ads }}) "
        "ORDER BY rank")
    n_actors = int(ctx.rows("SELECT count(*) AS n FROM actors")[0]["n"])
    outlet_posts = ctx.rows(
        "SELECT * FROM (SELECT coalesce(d.channel, d.author) AS actor, d.post_key, d.channel, "
        "d.author, d.views_n, d.posted_ts, d.doxx_score, d.types, d.whereabouts_cue, "
        "'dump' AS role FROM doxxing_posts d WHERE d.is_doxx "
        "UNION ALL SELECT coalesce(s.channel, s.author), s.post_key, s.channel, s.author, "
        "s.views_n, s.posted_ts, CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR), FALSE, 'ad' "
        "FROM service_posts s) AS u "
        "ORDER BY actor, role, doxx_score DESC NULLS LAST, views_n DESC NULLS LAST, post_key")
    authors = ctx.rows(
        "SELECT d.channel, d.author, count(DISTINCT d.post_key) AS posts, "
        "count(DISTINCT v.victim_token) AS victims FROM doxxing_posts d "
        "LEFT JOIN victim_posts v ON v.post_key = d.post_key "
        "WHERE d.is_doxx AND d.channel IS NOT NULL AND d.author IS NOT NULL "
        "GROUP BY d.channel, d.author ORDER BY d.channel, victims DESC, posts DESC, d.author")

    by_victim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in victim_posts:
        by_victim[p["victim_token"]].append(p)
    wanted = {a["actor"] for a in outlets}
    by_actor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in outlet_posts:
        if p["actor"] in wanted:
            by_actor[p["actor"]].append(p)
    authors_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in authors:
        authors_of[x["channel"]].append(x)

    picked = [p for ps in by_victim.values() for p in ps[:per]]
    for ps in by_actor.values():
        ads = [p for p in ps if p["role"] == "ad"][: max(1, per // 3)]
        dumps = [p for p in ps if p["role"] == "dump"][: per - len(ads)]
        picked += ads + dumps
    evidence = _evidence(ctx, picked)

    outlet_token = {a["actor"]: _outlet_token(ctx, a) for a in outlets}
    victims_of: dict[str, set[str]] = defaultdict(set)
    for p in victim_posts:
        actor = p["channel"] or p["author"]
        if actor in outlet_token:
            victims_of[actor].add(p["victim_token"])
    leads = []
    for v in victims:
        posts = by_victim[v["victim_token"]]
        tokens = sorted({outlet_token[p["channel"] or p["author"]] for p in posts
                         if (p["channel"] or p["author"]) in outlet_token})
        shown = posts[:per]
        leads.append(_victim_lead(ctx, v, posts, {p["post_key"]: evidence[p["post_key"]]
                                                  for p in shown if p["post_key"] in evidence},
                                  tokens))
    for a in outlets:
        posts = by_actor[a["actor"]]
        ads = [p for p in posts if p["role"] == "ad"][: max(1, per // 3)]
        shown = ads + [p for p in posts if p["role"] == "dump"][: per - len(ads)]
        lead = _outlet_lead(ctx, a, n_actors, posts,
                            {p["post_key"]: evidence[p["post_key"]] for p in shown
                             if p["post_key"] in evidence},
                            authors_of.get(a["actor"], []), sorted(victims_of[a["actor"]]))
        leads.append(lead)
    return leads

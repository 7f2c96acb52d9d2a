"""Synthetic channel dumps for the doxxing model, shaped on the Lin'an case (S4): a few 开盒
channels run by a handful of operators post identifier bundles about private people (some of them
minors), repost them into general chat groups, and advertise 开盒 / 社工库 queries with price
lists; one lone account does the same outside any channel.

Around them sit the decoys a screening model must leave alone: company customer-service
numbers, government offices' public phones, celebrities' official business contacts,
lost-and-found notices, people posting their own résumé, news and warnings about 开盒 and about
ID-number formats, and ordinary chatter. Noise: blank posts, duplicated rows, views written as
``1.2万``, two date formats, one file in GBK. The ``hard`` mix drops the 开盒 words from many
dumps, writes numbers in full-width or spaced forms, uses slang (k盒) and alternative headers.

Truth: every victim by the identifier a lead must carry (ID number, else phone, else name +
address) and every doxxing outlet (channel, or account outside channels)."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pisentinel.leads import Lead
from pisentinel.models.doxxing.steps import VICTIM_COMPOSITE
from pisentinel.synth import pi_text as g

HEADERS = {
    "default": ("帖子编号", "正文", "发布时间", "平台", "频道", "发布者", "链接", "浏览量"),
    "hard": ("消息ID", "内容", "发送时间", "来源平台", "群组名称", "用户ID", "帖子链接", "阅读数"),
}
OUTLET_CHANNELS = ("开盒情报站", "夜猫子档案馆", "白桦林资料群", "社工猎人", "查无此人2号",
                   "吃瓜速递Pro")
GENERAL_CHANNELS = ("本地生活圈", "吃瓜群众", "求职招聘", "失物招领", "新闻速递", "明星资讯",
                    "政务公开", "二手交易", "宠物交流", "美食分享", "考研交流", "车友会")
_SCHOOLS = ("第一中学", "实验小学", "外国语学校", "第二初级中学", "职业技术学院", "师范大学")
_WORKPLACES = ("人民医院", "税务局", "供电公司", "科技公司", "物流公司", "建设银行支行",
               "区教育局", "汽车4S店")
_RELATIONS = ("父亲", "母亲", "老公", "老婆", "哥哥", "姐姐")
_FILLER = ("今天天气不错，出去走走", "有人知道附近哪家火锅好吃吗", "周末一起去爬山吗",
           "这个保温杯只要39元，划算", "考研倒计时100天，加油", "新买的车油耗有点高",
           "猫咪不吃饭怎么办", "求推荐一部好看的电视剧", "二手自行车出，8成新，200元",
           "地铁又晚点了", "明天开会记得带材料", "楼下新开了一家奶茶店")
_CELEBRITIES = ("林一鸣", "苏雨晴", "顾北辰", "夏知秋", "陈星河")


@dataclass
class _Victim:
    name: str
    id_number: str
    phone: str
    address: str
    school: str | None
    workplace: str | None
    relative: tuple[str, str, str]
    plate: str | None
    identity: str  # CN_ID_CARD | PHONE_NUMBER | PERSON_NAME+ADDRESS


def _victim(rng: random.Random) -> _Victim:
    minor = rng.random() < 0.15
    born = date(rng.randrange(2010, 2014), rng.randrange(1, 13), rng.randrange(1, 28)) \
        if minor else None
    roll = rng.random()
    identity = "CN_ID_CARD" if roll < 0.8 else "PHONE_NUMBER" if roll < 0.95 \
        else VICTIM_COMPOSITE
    return _Victim(
        name=g.person_name(rng), id_number=g.resident_id(rng, born), phone=g.mobile(rng),
        address=g.address(rng),
        school=rng.choice(_SCHOOLS) if minor or rng.random() < 0.2 else None,
        workplace=None if minor else rng.choice(_WORKPLACES),
        relative=(rng.choice(_RELATIONS), g.person_name(rng), g.mobile(rng)),
        plate=g.plate(rng) if not minor and rng.random() < 0.3 else None, identity=identity)


def _surface(rng: random.Random, value: str, hard: bool) -> str:
    """A number as people write it: plain, or (hard mix) full-width or spaced."""
    if not hard or rng.random() < 0.5:
        return value
    if rng.random() < 0.5:
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in value)
    if len(value) == 11:
        return f"{value[:3]} {value[3:7]} {value[7:]}"
    return value


def _dump(rng: random.Random, v: _Victim, hard: bool, first: bool) -> str:
    """One doxxing post about `v`: always its identity key, plus two to five other items."""
    items: list[tuple[str, str]] = []
    if v.identity == VICTIM_COMPOSITE or rng.random() < 0.7:
        items.append(("姓名", v.name))
    if v.identity == "CN_ID_CARD" and (first or rng.random() < 0.85):
        items.append(("身份证", _surface(rng, v.id_number, hard)))
    if v.identity == "PHONE_NUMBER" or (v.identity == "CN_ID_CARD" and rng.random() < 0.7):
        items.append(("手机", _surface(rng, v.phone, hard)))
    if v.identity == VICTIM_COMPOSITE or rng.random() < 0.7:
        items.append(("住址", v.address))
    extras = [("学校", f"就读于{v.school}") if v.school else None,
              ("单位", f"在{v.workplace}上班") if v.workplace else None,
              (v.relative[0], f"{v.relative[1]}，电话{_surface(rng, v.relative[2], hard)}"),
              ("车牌", v.plate) if v.plate else None]
    present = [e for e in extras if e]
    items += rng.sample(present, k=min(len(present), rng.randrange(1, 3)))
    if not any(k == "身份证" for k, _ in items) and v.identity == "CN_ID_CARD":
        items.insert(1, ("身份证", v.id_number))
    style = rng.random()
    heads = ("【开盒】", "扒一扒这个人：", "曝光一下，", "人肉结果：", "k盒成功 ", "户籍全家福：")
    tails = ("", "", "大家给我冲！", "打电话骂她！", "全家信息都在这了。", "有仇报仇。")
    head = "" if hard and rng.random() < 0.6 else rng.choice(heads)
    tail = rng.choice(tails)
    if style < 0.5:
        body = "\n".join(f"{k}：{val}" if k not in ("学校", "单位") else val
                         for k, val in items)
    elif style < 0.8:
        body = "，".join(val if k in ("学校", "单位") else f"{k}{val}" for k, val in items)
    else:
        body = " ".join(val for _, val in items)
    return f"{head}{body} {tail}".strip()


def _ad(rng: random.Random, hard: bool) -> str:
    p1, p2, p3 = rng.choice((5, 10, 20, 30)), rng.choice((50, 80, 100)), rng.choice((200, 300, 500))
    handle = "".join(rng.choice("abcdefghkmnpqrstuvwxyz") for _ in range(6))
    return rng.choice((
        f"开盒服务：三要素{p1}元/次，户籍全家福{p2}元，开房记录{p3}元，私聊TG @{handle}",
        f"社工库机器人上线，查手机号、查身份证，{p1}元一次，包月{p2}元，秒出",
        f"【价目表】查人{p2}元 定位{p3}元 全家福{p3 + 100}元，担保交易，联系 @{handle}",
        f"k盒接单 {p1}r一次 飞机联系 @{handle}" if hard else
        f"专业开盒，{p2}元起，不成功不收费，私信下单",
    ))


def _decoy(rng: random.Random, kind: str, hard: bool) -> tuple[str, str]:
    """A post that carries identifiers but is not doxxing; returns (text, channel)."""
    name, phone, addr = g.person_name(rng), g.mobile(rng), g.address(rng)
    if kind == "customer_service":
        hotline = f"400-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
        text = (f"{rng.choice(('鑫源', '华通', '佳美', '宏达'))}家电门店 客服热线{hotline}，"
                f"售后手机{phone}，门店地址：{addr}，联系人：{name}，欢迎来电咨询！")
        return text, "二手交易"
    if kind == "government":
        landline = f"0571-{rng.randrange(10000000, 89999999)}"
        return (f"{rng.choice(('临安区', '西湖区', '余杭区'))}政务服务中心 办公电话{landline}，"
                f"地址：{addr}，工作日9:00-17:00"), "政务公开"
    if kind == "celebrity":
        star = rng.choice(_CELEBRITIES)
        return (f"{star}工作室官方商务合作：{g.email(rng)}，经纪人{name}，电话{phone}"), "明星资讯"
    if kind == "lost_found":
        return f"在{rng.choice(('地铁站', '公园', '超市'))}捡到钱包一个，失主请联系{phone}", "失物招领"
    if kind == "resume":
        intro = "我叫" if hard else "本人求职："
        return (f"{intro}{name}，{rng.randrange(22, 40)}岁，电话{phone}，住{addr}，"
                f"毕业于{rng.choice(_SCHOOLS)}，有三年销售经验，求职行政岗"), "求职招聘"
    if kind == "id_news":
        return ("科普：身份证号码共18位，前6位是地址码，中间8位是出生日期，例如"
                "110101199003071234，最后一位是校验码"), "新闻速递"
    if kind == "doxx_news":
        return (f"警方通报：一开盒团伙被刑拘，嫌疑人通过社工库查询他人信息，每次收费"
                f"{rng.choice((50, 100))}元，非法获利{rng.randrange(2, 9)}万元。遇到开盒请及时举报"
                ), "新闻速递"
    raise ValueError(kind)


_DECOYS = ("customer_service", "government", "celebrity", "lost_found", "resume", "id_news",
           "doxx_news")


def _timestamp(rng: random.Random, start: datetime, days: int) -> str:
    ts = start + timedelta(seconds=rng.randrange(days * 86400))
    return ts.strftime("%Y/%m/%d %H:%M:%S" if rng.random() < 0.2 else "%Y-%m-%d %H:%M:%S")


def _views(rng: random.Random, big: bool) -> str:
    n = int(rng.paretovariate(1.2) * (2000 if big else 50))
    if rng.random() < 0.05:
        return ""
    return f"{n / 10000:.1f}万" if n >= 10000 and rng.random() < 0.5 else str(n)


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    """Write `posts/` (a UTF-8 CSV and a GBK CSV with the same headers) and `truth.json`."""
    rng = random.Random(f"doxxing:{seed}:{mix}")
    hard = mix == "hard"
    out = Path(out_dir)
    (out / "posts").mkdir(parents=True, exist_ok=True)
    start, days = datetime(2023, 7, 1), 275
    outlets = rng.sample(OUTLET_CHANNELS, 3)
    operators = {c: [f"op_{rng.randrange(10**5, 10**6)}" for _ in range(2)] for c in outlets}
    lone = f"u_{rng.randrange(10**7, 10**8)}"
    general_authors = [f"user{rng.randrange(10**6, 10**7)}" for _ in range(max(50, rows // 40))]
    posts: list[dict[str, str]] = []

    def post(text: str, channel: str, author: str, big: bool = False,
             platform: str = "某境外通讯应用") -> None:
        pid = f"P{len(posts) + 1:08d}"
        posts.append({"post_id": pid, "text": text, "posted_at": _timestamp(rng, start, days),
                      "platform": platform, "channel": channel, "author_id": author,
                      "url": f"https://t.example/p/{pid}",
                      "views": _views(rng, big)})

    victims = [_victim(rng) for _ in range(max(12, rows // 2500))]
    lone_victims = set(rng.sample(range(len(victims)), 4))
    for i, v in enumerate(victims):
        for k in range(1 + min(4, int(rng.expovariate(0.8)))):
            text = _dump(rng, v, hard, first=k == 0)
            if i in lone_victims:
                post(text, "", lone, big=True, platform="某社交平台")
            else:
                channel = rng.choice(outlets)
                post(text, channel, rng.choice(operators[channel]), big=True)
                if rng.random() < 0.2:
                    post(text, "吃瓜群众", rng.choice(general_authors))
    for channel in outlets:
        for _ in range(max(3, len(victims) // 10)):
            post(_ad(rng, hard), channel, rng.choice(operators[channel]), big=True)
        for _ in range(max(3, len(victims) // 5)):
            post(rng.choice(_FILLER), channel, rng.choice(operators[channel]))
    n_decoys = max(2, rows // 200)
    for kind in _DECOYS:
        for _ in range(n_decoys):
            text, channel = _decoy(rng, kind, hard)
            post(text, channel, rng.choice(general_authors))
    while len(posts) < rows:
        text = rng.choice(_FILLER)
        roll = rng.random()
        if roll < 0.05:
            text += f"，有需要加我微信{g.wechat_id(rng)}"
        elif roll < 0.08:
            text = f"订单号{g.mobile(rng)}01 已发货，{text}"
        elif roll < 0.1:
            text = ""
        post(text, rng.choice(GENERAL_CHANNELS), rng.choice(general_authors))
    rng.shuffle(posts)
    posts += [dict(p) for p in rng.sample(posts, max(1, len(posts) // 200))]  # duplicate rows

    headers = HEADERS["hard" if hard else "default"]
    canon = ("post_id", "text", "posted_at", "platform", "channel", "author_id", "url", "views")
    utf8_rows: list[list[str]] = []
    gbk_rows: list[list[str]] = []
    for p in posts:
        row = [p[c] for c in canon]
        try:
            "".join(row).encode("gbk")
            (gbk_rows if rng.random() < 0.3 else utf8_rows).append(row)
        except UnicodeEncodeError:
            utf8_rows.append(row)
    for name, rows_, encoding in (("posts.csv", utf8_rows, "utf-8"),
                                  ("posts_export_gbk.csv", gbk_rows, "gbk")):
        with (out / "posts" / name).open("w", encoding=encoding, newline="") as f:
            w = csv.writer(f)
            w.writerow(headers)
            w.writerows(rows_)

    subjects = [_victim_subject(v) for v in victims]
    subjects += [{"kind": "outlet", "type": "CHANNEL", "value": c} for c in outlets]
    subjects.append({"kind": "outlet", "type": "ACCOUNT", "value": lone})
    truth = {"subjects": subjects, "inputs": {"posts": ["posts"]},
             "counts": {"posts": len(posts), "victims": len(victims),
                        "minors": sum(1 for v in victims if v.school and not v.workplace)},
             "decoy_channels": list(GENERAL_CHANNELS)}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def _victim_subject(v: _Victim) -> dict[str, str]:
    if v.identity == "CN_ID_CARD":
        return {"kind": "victim", "type": "CN_ID_CARD", "value": v.id_number}
    if v.identity == "PHONE_NUMBER":
        return {"kind": "victim", "type": "PHONE_NUMBER", "value": v.phone}
    return {"kind": "victim", "type": VICTIM_COMPOSITE, "value": v.name, "address": v.address}


def subject_token(subject: dict[str, str], token: Callable[[str, str], str]) -> str:
    """The token a lead about this planted subject must carry."""
    if subject["type"] == VICTIM_COMPOSITE:
        return token(VICTIM_COMPOSITE, token("PERSON_NAME", subject["value"]) + "|"
                     + token("ADDRESS", subject["address"]))
    return token(subject["type"], subject["value"])


def evaluate(truth: dict[str, Any], leads: list[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    """Subject-level precision and recall of the leads, overall and per kind (victims,
    outlets): a planted subject is found when a lead's subject token equals its token."""
    out: dict[str, float] = {}
    groups = {"victim": ("victim", {"doxxing_victim"}), "outlet": ("outlet", {"doxxing_outlet"})}
    all_want: set[str] = set()
    all_got: set[str] = set()
    for label, (kind, lead_kinds) in groups.items():
        want = {subject_token(s, token) for s in truth["subjects"] if s["kind"] == kind}
        got = {lead.subject.token for lead in leads if lead.kind in lead_kinds}
        hits = len(want & got)
        out[f"{label}_precision"] = hits / len(got) if got else 1.0
        out[f"{label}_recall"] = hits / len(want) if want else 1.0
        all_want |= want
        all_got |= got
    hits = len(all_want & all_got)
    out["precision"] = hits / len(all_got) if all_got else 1.0
    out["recall"] = hits / len(all_want) if all_want else 1.0
    out["leads"] = float(len(leads))
    return out


__all__ = ["evaluate", "generate", "subject_token"]

"""Generated whereabouts (行踪轨迹, PIPL Art. 28; the 50-record tier of the 2017 interpretation):
a person's times and places — parking records, itineraries, check-ins, hotel stays, GPS tracks —
and the same shapes about no one: agendas, timetables, opening hours, event notices.

Gold is the span from the first time to the last place of a person's record. Two wordings: "main"
for tuning, "alt" (other templates) to measure on text the detector was not tuned on."""

from __future__ import annotations

import random
from collections.abc import Callable

from pisentinel.synth.pi_text import Sample, address, gps_pair, imei, mobile, person_name, plate
from pisentinel.synth.templates import fill_template

_PLACE_WORDS = ("西湖", "望京", "人民", "中山", "滨江", "城东", "新华", "锦绣", "金桥", "花园")
_PLACE_KINDS = ("广场", "停车场", "地铁站", "医院", "酒店", "大厦", "商场", "公园", "火车站",
                "服务区", "小区", "收费站")
_ALT_PLACE_KINDS = ("宾馆", "超市", "机场", "景区", "博物馆", "学校", "园区", "车站")
_STATIONS = ("北京南站", "上海虹桥站", "杭州东站", "南京南站", "广州南站", "武汉站", "成都东站")

# {t1}…{t3}: times; {p1}…{p3}: places; {d}: a date. `[` and `]` mark the gold span.
_PERSON = (
    "车主{plate} [{d} {t1} 驶入{p1}，{t2} 驶离]",
    "{name}的行程：[{t1} {p1}，{t2} {p2}，{t3} {p3}]",
    "我今天[{t1}到{p1}，{t2}去了{p2}]",
    "{name} 打卡记录 [{t1} {p1} {t2} {p2}]",
    "入住记录：{name} [{d} {t1} 入住{p1}，次日{t2} 退房]",
    "设备{imei}定位：[{t1} {gps}；{t2} {gps}]",
    "{name}（{phone}）[{d} {t1}出现在{p1}，{t2}离开]",
    # A tracker's or app's log: the device stands for whoever carries it.
    "设备{devno} [{d} {t1} 定位：{addr} {t2} 定位：{addr}]",
    "终端号{devno}轨迹回放：[{t1} {p1}，{t2} {p2}，{t3} {p3}]",
    "定位器 {imei} 上报位置\n[{t1} {gps}\n{t2} {gps}]",
)
_PERSON_ALT = (
    "通行记录 车牌{plate} [{t1} 进入{p1} {t2} 离开{p2}]",
    "他昨天[{t1}在{p1}，{t2}又到了{p2}]",
    "{name} 出行记录：[{d} {t1} {p1}→{t2} {p2}]",
    "手机{phone}轨迹 [{t1} {gps} {t2} {gps}]",
    "我老婆[{t1}进了{p1}，{t2}才出来]",
)
_NO_ONE = (
    "会议议程：{t1} 签到 {p1}，{t2} 主题演讲 {p2}，{t3} 分论坛 {p3}",
    "{train}次列车 {t1} {s1}发车，{t2} 到达{s2}",
    "{p1} 营业时间 {t1}-{t2}",
    "活动时间：{d} {t1}，活动地点：{p1}，{t2}结束",
    "班车时刻：{t1} {p1}发车，{t2} {p2}发车",
    # Devices and shops with times, but no one's track: an inventory (no places), a round of
    # equipment checks (no device number), opening hours.
    "设备清单：终端{imei} 入库{t1}，终端{imei} 出库{t2}",
    "设备巡检：{t1} {p1}配电房，{t2} {p2}水泵房",
    "门店营业时间：{p1} {t1}-{t2}，{p2} {t1}-{t3}",
)
_NO_ONE_ALT = (
    "日程安排 {t1} 参观{p1} {t2} 午餐 {p2}",
    "开放时间 {t1}至{t2}，{p1}每周一闭馆",
    "首班车{t1}从{s1}开出，末班车{t2}从{s2}开出",
    "直播预告：{d} {t1} {p1}，{t2} {p2}",
)
_CHATTER = ("收到", "谢谢", "好的", "有人知道吗", "明天见", "注意安全", "天气不错")
_JOINS = ("。", "\n", "！", "；")


def _time(rng: random.Random) -> str:
    h, m = rng.randint(6, 22), rng.randint(0, 59)
    return rng.choice((f"{h:02d}:{m:02d}", f"{h}:{m:02d}", f"{h}点{m:02d}分", f"{h:02d}：{m:02d}"))


def _device_number(rng: random.Random) -> str:
    """A tracker's number as its log prints it: an IMEI, or a vendor serial with no check digit
    (so the device recognizer, which wants the IMEI's, does not find it)."""
    digits = "".join(rng.choice("0123456789") for _ in range(15))
    serial = rng.choice(("GT", "T", "SN", "JT")) + digits[:10]
    return rng.choice((imei(rng), digits, serial))


def _place(rng: random.Random, alt: bool) -> str:
    kinds = _ALT_PLACE_KINDS if alt else _PLACE_KINDS
    return rng.choice(_PLACE_WORDS) + rng.choice(kinds)


def _fill(rng: random.Random, template: str, alt: bool) -> tuple[str, int, int]:
    """The template filled in, and the span its brackets mark (-1, -1 without)."""
    times = sorted(_time(rng) for _ in range(3))
    slots: dict[str, Callable[[], str]] = {
        "name": lambda: person_name(rng), "plate": lambda: plate(rng),
        "phone": lambda: mobile(rng), "imei": lambda: imei(rng), "gps": lambda: gps_pair(rng),
        "devno": lambda: _device_number(rng), "addr": lambda: address(rng),
        "d": lambda: f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        "train": lambda: rng.choice("GDK") + str(rng.randint(10, 999)),
        "s1": lambda: rng.choice(_STATIONS), "s2": lambda: rng.choice(_STATIONS),
        "t1": lambda: times[0], "t2": lambda: times[1], "t3": lambda: times[2],
        "p1": lambda: _place(rng, alt), "p2": lambda: _place(rng, alt),
        "p3": lambda: _place(rng, alt),
    }
    return fill_template(template, slots)


def generate_whereabouts_texts(n: int, seed: int, wording: str = "main") -> list[Sample]:
    """`n` texts, each a person's record (gold WHEREABOUTS) or a schedule about no one (a hard
    negative), some with chatter before or after."""
    alt = wording == "alt"
    rng = random.Random(seed * 999_983 + (3_331 if alt else 0))
    out = []
    for _ in range(n):
        sample = Sample("")
        parts: list[str] = []
        record = rng.choice(("person", "no_one"))  # one record a text: a span that runs over
        kinds = [record, "chatter"] if rng.random() < 0.5 else [record]  # two would still overlap
        for kind in rng.sample(kinds, len(kinds)):
            if parts:
                parts.append(rng.choice(_JOINS))
            if kind == "chatter":
                parts.append(rng.choice(_CHATTER))
                continue
            person = kind == "person"
            pool = (_PERSON_ALT if alt else _PERSON) if person else (
                _NO_ONE_ALT if alt else _NO_ONE)
            text, a, e = _fill(rng, rng.choice(pool), alt)
            offset = sum(map(len, parts))
            if person:
                sample.spans.append(("WHEREABOUTS", offset + a, offset + e))
                sample.forms.append("record")
            else:
                sample.negatives.append(("schedule", offset, offset + len(text)))
            parts.append(text)
        sample.text = "".join(parts)
        out.append(sample)
    return out

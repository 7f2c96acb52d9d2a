"""Seeded synthetic Chinese text and tables with planted PI, as ground truth for the detector.

Every identifier is made here, with its own checksum code (ISO 7064 MOD 11-2, Luhn, GB 11714,
GB 32100): if the generator borrowed the detector's validators, a bug shared by both would hide
itself. Values are synthetic but shaped like real ones (real GB/T 2260 region codes including
historical ones, real mobile segments, UnionPay BINs), written in the surface forms people and
systems really use, next to hard negatives that look like PI and are not.

Gold conventions (what a correct detector reports):
- A span covers the value only, never its label (``手机号：`` is context, not PI).
- A span covers the whole surface form: internal separators, zero-width characters and line breaks
  inside a number belong to the span; a ``+86``/``0086`` prefix belongs to the phone span.
- A number labelled as an order, tracking, transaction or serial number (订单号, 快递单号, 流水号,
  交易号 …) is not PI, whatever its shape — even when it happens to pass Luhn or has eleven digits.
- An 18-digit number with a bad check digit, an impossible or future birth date is not an ID.
- A date is a BIRTH_DATE only next to a birth cue (出生, 生日 …); other dates and times are not PI.
- Offsets are code points into ``Sample.text``, end exclusive.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import pyarrow as pa

from pisentinel.knowledge import lexicon, regions

# --------------------------------------------------------------------------------------------
# Checksums (deliberately independent of pisentinel.detect.validators)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident ID (GB 11643)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def luhn_check_digit(body: str) -> str:
    """The Luhn digit that makes ``body + digit`` valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 values letters A=10 … Z=35


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an organisation code (the 9th character)."""
    total = sum(_ORG_VALUES.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(first17: str) -> str:
    """GB 32100 check character of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


# --------------------------------------------------------------------------------------------
# Value makers: canonical values of each type

# Birth dates are drawn before this date and "future" ones after 2031, so that the gold labels do
# not depend on the day the generator runs (until 2031).
_LATEST_BIRTH = date(2024, 12, 31)
_EARLIEST_BIRTH = date(1935, 1, 1)
_HISTORICAL_EXTRA = ("330185", "130625", "110103", "110104", "320107", "420108", "510122")

_MOBILE_SEGMENTS = (
    *[str(s) for s in range(130, 140)], "145", "146", "147", "148", "149", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "162", "165", "166", "167",
    *[str(s) for s in range(170, 179)], *[str(s) for s in range(180, 190)],
    *[str(s) for s in range(190, 200)],
)
_AREA_CODES_3 = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029")
_AREA_CODES_4 = ("0571", "0755", "0512", "0431", "0531", "0532", "0574", "0591", "0731", "0851",
                 "0871", "0898", "0379", "0710", "0769", "0757", "0311", "0351", "0471", "0991")
_UNIONPAY_BINS = ("622202", "621700", "622848", "621661", "622588", "623668", "622700",
                  "621226", "622908", "625965", "620522", "622262", "621483", "623052")
_OTHER_BINS = ("4", "51", "52", "53", "54", "55", "35")
_PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "foxmail.com",
                 "outlook.com", "139.com", "yeah.net", "sohu.com", "example.com.cn",
                 "mail.example.edu.cn", "aliyun.com", "hotmail.com")
_MAIL_WORDS = ("zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu",
               "sun", "ma", "zhu", "hu", "guo", "he", "lin", "luo", "tom", "lucy", "sky", "moon",
               "happy", "cat", "fish", "xiaoming", "dawei", "lili", "jun", "hao", "yu", "ting")
_GIVEN_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美玉桂兰霞平刚建文辉力鹏宇浩晨欣怡"
                "子涵梓轩雨萱一诺思远嘉豪佳琪宏志国庆海峰春梅晓红燕玲雪婷丹凤莉萍琳倩颖云")
_STREET_WORDS = ("人民", "解放", "中山", "建设", "和平", "胜利", "新华", "文化", "长江", "黄河",
                 "朝阳", "光明", "青年", "幸福", "东风", "红旗", "迎宾", "滨江", "学府", "科技")
_ESTATE_WORDS = ("阳光", "翠湖", "金色", "碧桂", "锦绣", "丽景", "绿城", "万科", "龙湖", "华府",
                 "紫荆", "枫林", "海棠", "玉兰", "书香", "御景")
_ESTATE_SUFFIX = ("小区", "花园", "家园", "公寓", "新村", "苑")


@cache
def _county_codes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(current, historical) county-level GB/T 2260 codes (not provinces, not cities)."""
    current: list[str] = []
    historical: list[str] = []
    for code, reg in regions().items():
        if len(code) != 6 or code.endswith("00") or not code.isdigit():
            continue
        (historical if reg.end_year is not None else current).append(code)
    historical.extend(c for c in _HISTORICAL_EXTRA if c in regions() and c not in historical)
    return tuple(sorted(current)), tuple(sorted(historical))


def _region_code(rng: random.Random) -> str:
    current, historical = _county_codes()
    if historical and rng.random() < 0.2:
        return rng.choice(historical)
    return rng.choice(current)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def birth_date(rng: random.Random) -> date:
    span = (_LATEST_BIRTH - _EARLIEST_BIRTH).days
    return _EARLIEST_BIRTH + timedelta(days=rng.randrange(span))


def resident_id(rng: random.Random, born: date | None = None) -> str:
    born = born or birth_date(rng)
    first17 = _region_code(rng) + born.strftime("%Y%m%d") + _digits(rng, 3)
    return first17 + id_check_digit(first17)


def resident_id15(rng: random.Random) -> str:
    """A first-generation 15-digit ID (born before 2000, no check digit)."""
    born = birth_date(rng)
    while born.year >= 2000:
        born = birth_date(rng)
    return _region_code(rng) + born.strftime("%y%m%d") + _digits(rng, 3)


def id_bad_checksum(rng: random.Random) -> str:
    good = resident_id(rng)
    wrong = [c for c in _ID_CHECK if c != good[-1]]
    return good[:-1] + rng.choice(wrong)


def id_impossible_date(rng: random.Random) -> str:
    y = rng.randrange(1950, 2010)
    m, d = rng.choice([(13, rng.randrange(1, 29)), (rng.randrange(1, 13), 32), (2, 30), (0, 15),
                       (4, 31), (rng.randrange(1, 13), 0)])
    first17 = _region_code(rng) + f"{y:04d}{m:02d}{d:02d}" + _digits(rng, 3)
    return first17 + id_check_digit(first17)


def id_future_birth(rng: random.Random) -> str:
    born = date(rng.randrange(2031, 2040), rng.randrange(1, 13), rng.randrange(1, 29))
    first17 = _region_code(rng) + born.strftime("%Y%m%d") + _digits(rng, 3)
    return first17 + id_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_SEGMENTS) + _digits(rng, 8)


def landline(rng: random.Random) -> str:
    """Area code, a dash or nothing, local number: 010-12345678, 0571-87654321."""
    if rng.random() < 0.5:
        area, local_len = rng.choice(_AREA_CODES_3), 8
    else:
        area, local_len = rng.choice(_AREA_CODES_4), rng.choice((7, 8))
    local = str(rng.randrange(2, 9)) + _digits(rng, local_len - 1)
    return area + rng.choice(("-", "-", "")) + local


def bank_card(rng: random.Random) -> str:
    if rng.random() < 0.75:
        bin_, length = rng.choice(_UNIONPAY_BINS), rng.choice((16, 16, 17, 18, 19, 19))
    else:
        bin_, length = rng.choice(_OTHER_BINS), 16
    body = bin_ + _digits(rng, length - len(bin_) - 1)
    return body + luhn_check_digit(body)


def email(rng: random.Random) -> str:
    local = rng.choice(_MAIL_WORDS)
    r = rng.random()
    if r < 0.3:
        local += _digits(rng, rng.randrange(2, 5))
    elif r < 0.5:
        local += rng.choice("._") + rng.choice(_MAIL_WORDS)
    elif r < 0.65:
        local = str(rng.randrange(10000, 3999999999))  # QQ-number mailbox
    domain = rng.choice(_MAIL_DOMAINS)
    if local[0].isdigit():
        domain = "qq.com"
    return local + "@" + domain


def plate(rng: random.Random) -> str:
    head = rng.choice(_PROVINCE_ABBR) + rng.choice(_PLATE_LETTERS)
    r = rng.random()
    if r < 0.3:  # new-energy small car: 京AD12345
        return head + rng.choice("DF") + rng.choice(_PLATE_LETTERS + "0123456789") + _digits(rng, 4)
    if r < 0.4:  # new-energy large vehicle: 京A12345D
        return head + _digits(rng, 5) + rng.choice("DF")
    body = list(_digits(rng, 5))
    for i in rng.sample(range(5), rng.choice((0, 0, 1, 1, 2))):
        body[i] = rng.choice(_PLATE_LETTERS)
    return head + "".join(body)


def passport(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "E" + _digits(rng, 8)
    if rng.random() < 0.6:
        return "E" + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + _digits(rng, 7)
    return "G" + _digits(rng, 8)


def hk_macao_permit(rng: random.Random) -> str:
    return "C" + _digits(rng, 8)


def taiwan_permit(rng: random.Random) -> str:
    return _digits(rng, 8)


def ipv4(rng: random.Random) -> str:
    first = rng.choice([d for d in range(1, 224) if d not in (10, 127, 169, 172, 192)])
    return ".".join(str(x) for x in (first, rng.randrange(256), rng.randrange(256),
                                     rng.randrange(1, 255)))


def qq_number(rng: random.Random) -> str:
    return str(rng.randrange(1, 10)) + _digits(rng, rng.randrange(4, 10))


def wechat_id(rng: random.Random) -> str:
    head = rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ")
    tail_chars = "abcdefghijklmnopqrstuvwxyz0123456789_-"
    base = rng.choice(_MAIL_WORDS)
    tail = "".join(rng.choice(tail_chars) for _ in range(rng.randrange(2, 8)))
    return (head + base + tail)[: rng.randrange(6, 21)]


def gps_pair(rng: random.Random) -> str:
    lat = rng.uniform(18.2, 53.0)
    lng = rng.uniform(73.6, 134.7)
    places = rng.choice((5, 6, 6, 7))
    first, second = (lat, lng) if rng.random() < 0.5 else (lng, lat)
    sep = rng.choice((",", ", ", "，", " "))
    return f"{first:.{places}f}{sep}{second:.{places}f}"


def uscc(rng: random.Random) -> str:
    dept, cat = rng.choice((("9", "1"), ("9", "1"), ("9", "2"), ("1", "1"), ("5", "1"), ("5", "2"),
                            ("9", "3"), ("Y", "1")))
    region = _region_code(rng)[:4] + "00" if rng.random() < 0.3 else _region_code(rng)
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body8 = "".join(rng.choice(chars if i < 2 else "0123456789") for i in range(8))
    first17 = dept + cat + region + body8 + org_code_check(body8)
    return first17 + uscc_check(first17)


def imei(rng: random.Random) -> str:
    """A 15-digit IMEI: an 8-digit type allocation code of a common reporting body, a serial,
    and the Luhn check digit."""
    body = rng.choice(("86", "35", "01", "99")) + _digits(rng, 12)
    return body + luhn_check_digit(body)


def mac_address(rng: random.Random) -> str:
    octets = [f"{rng.randrange(256):02x}" for _ in range(6)]
    octets[0] = f"{int(octets[0], 16) & 0xFC | 0x04:02x}"  # never all-zero or broadcast
    text = rng.choice((":", "-")).join(octets)
    return text.upper() if rng.random() < 0.5 else text


def advertising_id(rng: random.Random) -> str:
    text = "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n))
                    for n in (8, 4, 4, 4, 12))
    return text.upper() if rng.random() < 0.4 else text


def device_id(rng: random.Random) -> str:
    return rng.choice((imei, imei, mac_address, advertising_id))(rng)


def person_name(rng: random.Random) -> str:
    surnames = lexicon("surnames")
    given = "".join(rng.choice(_GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(surnames) + given


def _placeholder_division(name: str) -> bool:
    """GB/T 2260's grouping rows (市辖区, 省直辖县级行政单位 …) are no part of a written address."""
    return name in ("市辖区", "县") or "直辖" in name


def address(rng: random.Random) -> str:
    regs = regions()
    current, _ = _county_codes()
    code = rng.choice(current)
    prov = regs.get(code[:2] + "0000")
    city = regs.get(code[:4] + "00")
    parts = [prov.name if prov else ""]
    if city and not _placeholder_division(city.name):
        parts.append(city.name)
    if not _placeholder_division(regs[code].name):
        parts.append(regs[code].name)
    street = rng.choice(_STREET_WORDS) + rng.choice(("路", "街", "大道"))
    parts.append(f"{street}{rng.randrange(1, 999)}号")
    if rng.random() < 0.7:
        parts.append(f"{rng.choice(_ESTATE_WORDS)}{rng.choice(_ESTATE_SUFFIX)}"
                     f"{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元{rng.randrange(1, 33)}"
                     f"{rng.randrange(1, 5):02d}室")
    return "".join(parts)


def birth_date_text(rng: random.Random) -> str:
    d = birth_date(rng)
    return rng.choice((
        f"{d.year}年{d.month}月{d.day}日", f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{d.year}.{d.month:02d}.{d.day:02d}", f"{d.year}/{d.month}/{d.day}",
        d.strftime("%Y%m%d"), f"{d.year}年{d.month:02d}月{d.day:02d}日",
    ))


# --------------------------------------------------------------------------------------------
# Surface forms: how a canonical value is written

_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
              "abcdefghijklmnopqrstuvwxyz@.-"}
_HAN_DIGITS = {"0": "〇零", "1": "一幺", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六",
               "7": "七", "8": "八", "9": "九"}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def _fullwidth(rng: random.Random, v: str) -> str:
    return "".join(_FULLWIDTH.get(c, c) for c in v)


def _han_numerals(rng: random.Random, v: str) -> str:
    zero, one = rng.choice("〇零"), rng.choice("一幺")
    return "".join(zero if c == "0" else one if c == "1" else _HAN_DIGITS.get(c, c) for c in v)


def _group(v: str, sizes: Sequence[int], sep: str) -> str:
    out, i = [], 0
    for s in sizes:
        if i >= len(v):
            break
        out.append(v[i : i + s])
        i += s
    if i < len(v):
        out.append(v[i:])
    return sep.join(out)


def _grouping(v: str, rng: random.Random) -> list[int]:
    if len(v) == 11:
        return [3, 4, 4]
    if len(v) == 18:
        return rng.choice(([6, 8, 4], [6, 4, 4, 4], [3, 3, 4, 4, 4]))
    return [4] * (len(v) // 4 + 1)


def _separated(rng: random.Random, v: str) -> str:
    return _group(v, _grouping(v, rng), rng.choice((" ", "-", ".", "·", " ", "-")))


def _zero_width(rng: random.Random, v: str) -> str:
    chars = list(v)
    for _ in range(rng.randrange(1, 4)):
        chars.insert(rng.randrange(1, len(chars)), rng.choice(_ZERO_WIDTH))
    return "".join(chars)


def _wrapped(rng: random.Random, v: str) -> str:
    cut = rng.randrange(max(1, len(v) // 3), max(2, 2 * len(v) // 3 + 1))
    return v[:cut] + rng.choice(("\n", "\r\n", "\n")) + v[cut:]


def _lower_x(rng: random.Random, v: str) -> str:
    return v[:-1] + "x" if v.endswith("X") else v


def _country_code(rng: random.Random, v: str) -> str:
    return rng.choice(("+86", "+86 ", "+86-", "0086", "0086-", "0086 ", "+86 ")) + v


_FORMS: dict[str, Callable[[random.Random, str], str]] = {
    "fullwidth": _fullwidth, "han_numerals": _han_numerals, "separated": _separated,
    "zero_width": _zero_width, "wrapped": _wrapped, "lower_x": _lower_x,
    "country_code": _country_code,
}

# Which obfuscations make sense for which type (the rest are written plain).
_TYPE_FORMS: dict[str, tuple[str, ...]] = {
    "PHONE_NUMBER": ("fullwidth", "han_numerals", "separated", "zero_width", "wrapped",
                     "country_code"),
    "CN_ID_CARD": ("fullwidth", "han_numerals", "separated", "zero_width", "wrapped"),
    "BANK_CARD": ("fullwidth", "separated", "zero_width", "wrapped"),
    "EMAIL": ("fullwidth", "zero_width"),
    "LICENSE_PLATE": ("fullwidth",),
    "QQ_NUMBER": ("fullwidth", "han_numerals"),
    "IP_ADDRESS": ("fullwidth",),
    "USCC": ("fullwidth",),
}


# --------------------------------------------------------------------------------------------
# Context: labels and sentences around a value

_LABELS: dict[str, tuple[str, ...]] = {
    "PHONE_NUMBER": ("手机号：", "手机号码:", "电话", "联系电话：", "手机 ", "tel:", "Tel: ",
                     "联系方式：", "手机号是", "电话号码 ", "📱", "☎️", "联系人电话：", "mobile: "),
    "LANDLINE": ("座机：", "办公电话：", "电话：", "固话 ", "联系电话", "前台电话："),
    "CN_ID_CARD": ("身份证号：", "身份证", "证件号码：", "公民身份号码 ", "身份证号码是", "ID:",
                   "身份证号 ", "证件号:"),
    "BANK_CARD": ("银行卡号：", "卡号", "收款账号：", "银行账号 ", "卡号是", "工资卡：", "账号:"),
    "EMAIL": ("邮箱：", "邮箱", "email: ", "E-mail：", "电子邮件 ", "简历发到", "Mail:"),
    "LICENSE_PLATE": ("车牌号：", "车牌", "车牌号码 ", "车号:", "牌照 "),
    "PASSPORT": ("护照号：", "护照号码 ", "护照", "passport no. ", "护照号码是"),
    "HK_MACAO_PERMIT": ("港澳通行证号：", "港澳通行证", "往来港澳通行证号码 ", "通行证号:"),
    "TAIWAN_PERMIT": ("台胞证号：", "台胞证号码 ", "台湾居民来往大陆通行证号码：", "台胞证"),
    "IP_ADDRESS": ("IP：", "ip地址 ", "登录IP:", "来源IP ", "client_ip=", "IP属地 "),
    "QQ_NUMBER": ("QQ：", "qq号", "QQ号码 ", "扣扣", "企鹅号：", "QQ ", "加Q"),
    "WECHAT_ID": ("微信号：", "微信", "vx：", "VX ", "加微", "wx:", "微信号是", "加V"),
    "GPS_COORDINATE": ("经纬度：", "坐标 ", "定位：", "GPS:", "location="),
    "USCC": ("统一社会信用代码：", "信用代码 ", "统一社会信用代码", "USCC:"),
    "DEVICE_ID": ("IMEI：", "设备号 ", "imei=", "设备标识：", "device_id=", "串号", "MAC地址：",
                  "mac=", "IDFA: ", "oaid=", "设备ID："),
    "BIRTH_DATE": ("出生日期：", "生日", "出生于", "出生年月日 ", "DOB: ", "生日是"),
    "PERSON_NAME": ("姓名：", "联系人：", "收件人 ", "患者", "户主：", "真实姓名："),
    "ADDRESS": ("住址：", "家住", "收货地址：", "地址 ", "现住址：", "户籍地址："),
}
# Types whose values are found without a label; the others always carry one (a bare eight-digit
# number is not recognisably a Taiwan permit, even to a person).
_UNLABELLED_OK = frozenset({"PHONE_NUMBER", "CN_ID_CARD", "BANK_CARD", "EMAIL", "LICENSE_PLATE",
                            "IP_ADDRESS", "GPS_COORDINATE", "USCC", "PERSON_NAME"})
_UNLABELLED_PRE = ("有事打", "打我", "call ", "找我", "", "", "就是", "看这里", "记一下", "")

# A second vocabulary, used only by the holdout mix: other labels, other chatter, so that a
# detector tuned on the default and harder mixes meets wording it has not seen.
_ALT_LABELS: dict[str, tuple[str, ...]] = {
    "PHONE_NUMBER": ("手机：", "联系手机 ", "移动电话：", "TEL：", "电话/微信同号 ", "手机号码为",
                     "联系号码：", "☎ "),
    "LANDLINE": ("办公室电话 ", "固定电话：", "总机：", "传真/电话 "),
    "CN_ID_CARD": ("身份证号码：", "居民身份证 ", "证件号码为", "身份证No.", "公民身份号码：",
                   "身份证件号 "),
    "BANK_CARD": ("开户账号：", "储蓄卡 ", "借记卡号：", "信用卡号 ", "收款卡号：", "银行卡："),
    "EMAIL": ("邮件：", "联系邮箱 ", "电邮：", "Email地址：", "邮箱地址 "),
    "LICENSE_PLATE": ("车辆号牌：", "号牌号码 ", "车牌照：", "机动车号牌 "),
    "PASSPORT": ("护照号码：", "Passport No.: ", "护照证件号 "),
    "HK_MACAO_PERMIT": ("港澳通行证：", "往来港澳通行证 ", "港澳证号码 "),
    "TAIWAN_PERMIT": ("台胞证：", "台湾居民来往大陆通行证 ", "台胞证件号码 "),
    "IP_ADDRESS": ("访问IP：", "IP地址为", "remote_addr=", "登录地址 "),
    "QQ_NUMBER": ("QQ号：", "Q号 ", "QQ号码是", "扣扣号 "),
    "WECHAT_ID": ("微信：", "威信 ", "V信：", "wechat: ", "微信ID "),
    "GPS_COORDINATE": ("经纬度为", "位置坐标 ", "GPS坐标：", "坐标点："),
    "USCC": ("社会信用代码：", "统一代码 ", "信用代码："),
    "DEVICE_ID": ("手机串号：", "设备识别码 ", "Android ID：", "物理地址 ", "广告标识符：",
                  "deviceId=", "MEID/IMEI "),
    "BIRTH_DATE": ("出生年月：", "生于", "出生日期为", "出生 "),
    "PERSON_NAME": ("名字：", "收货人：", "联系人 ", "客户姓名："),
    "ADDRESS": ("家庭住址：", "通讯地址 ", "居住地：", "送货地址："),
}
_ALT_UNLABELLED_PRE = ("请拨打", "速联", "私信", "详询", "", "戳", "")
_ALT_FILLER = (
    "周三下午有团建活动", "新款运动鞋到货了", "本店支持七天无理由退换", "年终总结请周五前交",
    "这道菜的做法很简单", "求推荐好用的蓝牙耳机", "猫咪最近不爱吃饭", "地铁今天又晚点了",
    "暑假班开始招生", "晚上一起打羽毛球吗", "家里的空调坏了要报修", "新开的书店环境很好",
    "高铁票太难抢了", "楼下的面馆味道一般", "明天降温注意保暖", "这个方案还需要再讨论",
    "小区门口在修路", "公司楼下新开了咖啡店", "房租又涨了好烦", "今天加班到很晚",
    "周末去郊外露营", "健身房办卡有优惠", "孩子的作业太多了", "see you tomorrow",
    "good morning all", "已读不回是什么意思", "帮忙转发一下谢谢", "有点累先下了",
)
_NAME_TAILS = ("先生", "女士", "老师", "同学", "")

_FILLER = (
    "今天天气不错", "周末一起去爬山吧", "这家店的奶茶还挺好喝的", "快递已经到驿站了",
    "会议改到下午三点",
    "请大家按时提交材料", "系统维护期间暂停服务", "感谢您的耐心等待", "活动报名截止到本周五",
    "新品上市全场八折", "如有疑问请联系客服", "明天早上记得带伞", "我们小区的绿化做得很好",
    "孩子这学期成绩进步了", "这个问题我也遇到过", "楼主说得对", "顶一下", "求助大神", "路过看看",
    "已经处理完毕", "麻烦尽快回复", "价格可以再商量", "包邮到家", "本人诚心出售", "九成新无划痕",
    "房子南北通透采光好", "地铁口步行五分钟", "招聘客服专员若干名", "工作地点在市中心",
    "五险一金双休", "欢迎投递简历", "面试时间另行通知", "今晚的比赛太精彩了", "这部电影值得一看",
    "排队排了一个小时",
    "疫苗接种点已开放", "图书馆周一闭馆", "停车场车位紧张", "请勿在走廊堆放杂物", "电梯正在检修",
    "物业费请在月底前缴纳", "二手手机出售", "出一台闲置笔记本", "收到请回复", "谢谢大家的支持",
    "Thanks for your help", "OK没问题", "let me know ASAP", "meeting at 3pm", "nice job",
    "这波操作666", "笑死我了哈哈哈", "绝绝子", "有没有人一起拼车", "课程资料已上传到群文件",
)
_EMOJI = ("😂", "👍", "🙏", "❤️", "🔥", "😭", "🎉", "🤔", "😊", "💰", "📦", "🚗")
_PUNCT = ("，", "。", "！", "；", "、", " ", "～", "…", "，", "。")
_WEIBO_TOPICS = ("#今日热点#", "#二手交易#", "#求职招聘#", "#同城#", "#租房#", "#寻人启事#")
_FORUM_HEADS = ("楼主", "1楼", "回复 3楼：", "沙发", "【求助】", "【出售】", "【转让】")


# --------------------------------------------------------------------------------------------
# Hard negatives: text that looks like PI and is not

_ORDER_LABELS = ("订单号：", "订单编号 ", "快递单号：", "运单号", "物流单号:", "流水号：",
                 "交易号 ", "交易单号：", "商户订单号:", "退款单号：", "发票号码：", "工单号 ")


def _order_number(rng: random.Random) -> str:
    n = rng.randrange(11, 20)
    r = rng.random()
    if r < 0.35:  # date-prefixed order number
        prefix = f"20{rng.randrange(18, 26)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        body = prefix + _digits(rng, max(3, n - len(prefix)))
    elif r < 0.55:  # happens to pass Luhn: still an order number
        body = str(rng.randrange(1, 10)) + _digits(rng, n - 2)
        body += luhn_check_digit(body)
    elif r < 0.7:  # phone-shaped tracking number
        body = mobile(rng) + _digits(rng, n - 11) if n > 11 else mobile(rng)
    else:
        body = str(rng.randrange(1, 10)) + _digits(rng, n - 1)
    return body


def _neg_order(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_ORDER_LABELS), _order_number(rng), "order_number"


def _neg_bad_id(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(("身份证号：", "证件号 ", "", "")), id_bad_checksum(rng), "id_bad_checksum"


def _neg_bad_date_id(rng: random.Random) -> tuple[str, str, str]:
    label = rng.choice(("身份证号：", "证件号码 ", ""))
    return label, id_impossible_date(rng), "id_impossible_date"


def _neg_future_id(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(("身份证：", "")), id_future_birth(rng), "id_future_birth"


def _neg_timestamp(rng: random.Random) -> tuple[str, str, str]:
    ts = str(rng.randrange(1_420_000_000_000, 1_767_000_000_000))
    return rng.choice(("时间戳 ", "ts=", "timestamp:", "创建时间 ", "")), ts, "timestamp_ms"


def _neg_amount(rng: random.Random) -> tuple[str, str, str]:
    yuan = rng.randrange(1, 99_999_999)
    cents = rng.randrange(100)
    r = rng.random()
    if r < 0.4:
        text = f"¥{yuan:,}.{cents:02d}"
    elif r < 0.7:
        text = f"{yuan}.{cents:02d}元"
    else:
        text = f"￥{yuan}"
    return rng.choice(("金额：", "合计", "转账", "实付 ", "总价")), text, "amount"


def _neg_version(rng: random.Random) -> tuple[str, str, str]:
    v = ".".join(str(rng.randrange(0, 30)) for _ in range(rng.choice((3, 4, 4))))
    return rng.choice(("版本号：", "版本 v", "固件版本", "App版本号 ")), v, "version"


def _neg_isbn(rng: random.Random) -> tuple[str, str, str]:
    body = "9787" + _digits(rng, 8)
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    full = body + str(check)
    hyphenated = f"{full[:3]}-{full[3]}-{full[4:7]}-{full[7:12]}-{full[12]}"
    text = full if rng.random() < 0.5 else hyphenated
    return "ISBN ", text, "isbn"


def _neg_long_phone(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(("编号", "序列号：", "")), mobile(rng) + _digits(rng, rng.randrange(1, 4)), \
        "too_many_digits"


def _neg_date(rng: random.Random) -> tuple[str, str, str]:
    y, m, d = rng.randrange(2015, 2026), rng.randrange(1, 13), rng.randrange(1, 29)
    text = rng.choice((f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d} {rng.randrange(24):02d}:"
                       f"{rng.randrange(60):02d}", f"{y}/{m}/{d}", f"{y}{m:02d}{d:02d}",
                       f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"))
    label = rng.choice(("下单时间 ", "发布于", "截止日期：", "会议时间", "更新于 ", ""))
    return label, text, "date_no_cue"


def _neg_request_uuid(rng: random.Random) -> tuple[str, str, str]:
    label = rng.choice(("request_id=", "trace_id: ", "订单号：", "会话ID ", "uuid=", ""))
    return label, advertising_id(rng), "request_uuid"


def _neg_imei_bad_check(rng: random.Random) -> tuple[str, str, str]:
    good = imei(rng)
    return rng.choice(("IMEI：", "串号 ", "设备号")), good[:-1] + str((int(good[-1]) + 1) % 10), \
        "imei_bad_check"


def _neg_hex_chain(rng: random.Random) -> tuple[str, str, str]:
    pairs = [f"{rng.randrange(256):02x}" for _ in range(rng.choice((4, 5, 7, 8)))]
    return rng.choice(("哈希 ", "校验值：", "SHA1 ", "")), ":".join(pairs), "hex_chain"


# Hard negatives of the device mix only, so that the other mixes stay as they were.
_DEVICE_NEGATIVES: dict[str, Callable[[random.Random], tuple[str, str, str]]] = {
    "request_uuid": _neg_request_uuid, "imei_bad_check": _neg_imei_bad_check,
    "hex_chain": _neg_hex_chain,
}

_NEGATIVES: dict[str, Callable[[random.Random], tuple[str, str, str]]] = {
    "order_number": _neg_order, "id_bad_checksum": _neg_bad_id,
    "id_impossible_date": _neg_bad_date_id, "id_future_birth": _neg_future_id,
    "timestamp_ms": _neg_timestamp, "amount": _neg_amount, "version": _neg_version,
    "isbn": _neg_isbn, "too_many_digits": _neg_long_phone, "date_no_cue": _neg_date,
}


# --------------------------------------------------------------------------------------------
# Mixes

@dataclass(frozen=True)
class Mix:
    """Proportions of one generated data set. Two mixes exist so that evaluation can use data the
    detector was not tuned on."""

    name: str
    seed_salt: int
    type_weights: dict[str, float]
    obfuscation_rate: float
    double_obfuscation_rate: float
    labelled_rate: float
    negatives_per_text: float
    max_pi_per_text: int
    long_text_rate: float
    noise_rate: float
    embed_rate: float  # URLs and JSON snippets
    empty_text_rate: float = 0.08
    vocabulary: str = "main"  # "alt": the holdout wording (_ALT_LABELS, _ALT_FILLER)


_BASE_WEIGHTS = {
    "PHONE_NUMBER": 14, "LANDLINE": 3, "CN_ID_CARD": 12, "CN_ID_CARD_15": 0.5, "BANK_CARD": 8,
    "EMAIL": 7, "LICENSE_PLATE": 6, "PASSPORT": 2, "HK_MACAO_PERMIT": 1.5, "TAIWAN_PERMIT": 1,
    "IP_ADDRESS": 4, "QQ_NUMBER": 3, "WECHAT_ID": 3, "GPS_COORDINATE": 2, "BIRTH_DATE": 3,
    "USCC": 2, "PERSON_NAME": 5, "ADDRESS": 3,
}

DEFAULT_MIX = Mix(
    name="default", seed_salt=0, type_weights=_BASE_WEIGHTS, obfuscation_rate=0.3,
    double_obfuscation_rate=0.05, labelled_rate=0.6, negatives_per_text=0.8, max_pi_per_text=4,
    long_text_rate=0.15, noise_rate=0.2, embed_rate=0.08,
)
HARDER_MIX = Mix(
    name="harder", seed_salt=7919,
    type_weights={**_BASE_WEIGHTS, "CN_ID_CARD": 10, "BANK_CARD": 10, "CN_ID_CARD_15": 1.5,
                  "PASSPORT": 3, "QQ_NUMBER": 4, "WECHAT_ID": 4, "LANDLINE": 4},
    obfuscation_rate=0.55, double_obfuscation_rate=0.2, labelled_rate=0.4, negatives_per_text=1.6,
    max_pi_per_text=6, long_text_rate=0.3, noise_rate=0.45, embed_rate=0.15,
)
HOLDOUT_MIX = Mix(
    name="holdout", seed_salt=104729, type_weights=HARDER_MIX.type_weights,
    obfuscation_rate=0.45, double_obfuscation_rate=0.15, labelled_rate=0.5,
    negatives_per_text=1.2, max_pi_per_text=5, long_text_rate=0.25, noise_rate=0.35,
    embed_rate=0.1, vocabulary="alt",
)
# Device identifiers (IMEI, MAC, advertising IDs) among other PI, with look-alike negatives
# (request UUIDs, IMEIs with a wrong check digit, hashes written in hex pairs). A mix of its own,
# so that adding the type left the other mixes' texts, and their scores, unchanged.
DEVICE_MIX = Mix(
    name="device", seed_salt=130363,
    type_weights={"DEVICE_ID": 10, "PHONE_NUMBER": 3, "CN_ID_CARD": 2, "IP_ADDRESS": 3,
                  "EMAIL": 2, "QQ_NUMBER": 1, "BANK_CARD": 1},
    obfuscation_rate=0.2, double_obfuscation_rate=0.05, labelled_rate=0.5,
    negatives_per_text=1.4, max_pi_per_text=4, long_text_rate=0.2, noise_rate=0.3,
    embed_rate=0.1,
)
MIXES = {m.name: m for m in (DEFAULT_MIX, HARDER_MIX, HOLDOUT_MIX, DEVICE_MIX)}


# --------------------------------------------------------------------------------------------
# Samples

@dataclass
class Sample:
    """One generated text with its gold PI spans.

    `spans` are (type, start, end); `forms` says, per span, how it was written
    ("plain", "separated+zero_width", "labelled" …) for error analysis; `negatives` are the planted
    hard negatives as (kind, start, end), labelled as nothing."""

    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    negatives: list[tuple[str, int, int]] = field(default_factory=list)
    style: str = "plain"

    def __repr__(self) -> str:  # never print the planted values, even synthetic ones
        return (f"Sample(len={len(self.text)}, spans={len(self.spans)}, "
                f"negatives={len(self.negatives)}, style={self.style!r})")


# Characters that would run two neighbouring values together into one token.
_WORDLIKE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@._-"
                      "〇零一幺二两三四五六七八九") | frozenset(_FULLWIDTH.values())


class _Builder:
    """Concatenates pieces, tracking code-point offsets, and never lets two pieces glue into one
    token by accident (a value written right after another value would change the truth)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.spans: list[tuple[str, int, int]] = []
        self.forms: list[str] = []
        self.negatives: list[tuple[str, int, int]] = []

    def _guard(self, s: str) -> None:
        if self.parts and s and self.parts[-1][-1:] in _WORDLIKE and s[0] in _WORDLIKE:
            self.parts.append(" ")
            self.pos += 1

    def add(self, s: str) -> None:
        if not s:
            return
        self._guard(s)
        self.parts.append(s)
        self.pos += len(s)

    def add_pi(self, type_: str, surface: str, form: str) -> None:
        self._guard(surface)
        self.spans.append((type_, self.pos, self.pos + len(surface)))
        self.forms.append(form)
        self.add(surface)

    def add_negative(self, kind: str, surface: str) -> None:
        self._guard(surface)
        self.negatives.append((kind, self.pos, self.pos + len(surface)))
        self.add(surface)

    def sample(self, style: str) -> Sample:
        return Sample("".join(self.parts), self.spans, self.forms, self.negatives, style)


_VALUE_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "PHONE_NUMBER": mobile, "LANDLINE": landline, "CN_ID_CARD": resident_id,
    "CN_ID_CARD_15": resident_id15, "BANK_CARD": bank_card, "EMAIL": email,
    "LICENSE_PLATE": plate, "PASSPORT": passport, "HK_MACAO_PERMIT": hk_macao_permit,
    "TAIWAN_PERMIT": taiwan_permit, "IP_ADDRESS": ipv4, "QQ_NUMBER": qq_number,
    "WECHAT_ID": wechat_id, "GPS_COORDINATE": gps_pair, "BIRTH_DATE": birth_date_text,
    "USCC": uscc, "PERSON_NAME": person_name, "ADDRESS": address, "DEVICE_ID": device_id,
}
# Generator kinds that are reported under another taxonomy code.
_GOLD_TYPE = {"LANDLINE": "PHONE_NUMBER", "CN_ID_CARD_15": "CN_ID_CARD"}


def _filler(rng: random.Random, mix: Mix) -> str:
    s = rng.choice(_ALT_FILLER if mix.vocabulary == "alt" else _FILLER)
    if rng.random() < mix.noise_rate:
        r = rng.random()
        if r < 0.4:
            s += rng.choice(_EMOJI)
        elif r < 0.7 and len(s) > 3:  # a typo: two neighbouring characters swapped
            i = rng.randrange(len(s) - 1)
            s = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        else:
            s = rng.choice(("btw ", "FYI ", "emmm ", "hhh ")) + s
    return s + rng.choice(_PUNCT)


def _obfuscate(rng: random.Random, kind: str, value: str, mix: Mix) -> tuple[str, str]:
    options = _TYPE_FORMS.get(kind, ())
    if kind == "CN_ID_CARD" and value.endswith("X"):
        options = (*options, "lower_x", "lower_x")
    if not options or rng.random() >= mix.obfuscation_rate:
        return value, "plain"
    n = 2 if rng.random() < mix.double_obfuscation_rate else 1
    chosen = rng.sample(options, min(n, len(options)))
    # Character-level forms go first so that separators and line breaks are inserted between the
    # transformed characters, and only one of separated/wrapped/zero_width per value.
    order = ["lower_x", "han_numerals", "fullwidth", "country_code", "separated", "zero_width",
             "wrapped"]
    layout = [f for f in chosen if f in ("separated", "zero_width", "wrapped")]
    chosen = [f for f in chosen if f not in layout] + layout[:1]
    surface = value
    for f in sorted(chosen, key=order.index):
        surface = _FORMS[f](rng, surface)
    return surface, "+".join(sorted(chosen))


def _embed(rng: random.Random, b: _Builder, gold: str, surface: str, form: str) -> None:
    """Put a value inside a URL or a JSON snippet."""
    key = {"PHONE_NUMBER": "mobile", "CN_ID_CARD": "idcard", "EMAIL": "email",
           "BANK_CARD": "card_no", "IP_ADDRESS": "ip", "LICENSE_PLATE": "plate"}.get(gold, "v")
    if rng.random() < 0.5 and gold != "LICENSE_PLATE":
        b.add(f"https://m.example.cn/api/user?{key}=")
        b.add_pi(gold, surface, form + "+url")
        b.add(f"&from=share&t={rng.randrange(1000, 9999)} ")
    else:
        b.add('{"' + key + '": "')
        b.add_pi(gold, surface, form + "+json")
        b.add('", "status": ' + str(rng.randrange(0, 3)) + "} ")


def _plant(rng: random.Random, b: _Builder, kind: str, mix: Mix) -> None:
    gold = _GOLD_TYPE.get(kind, kind)
    value = _VALUE_MAKERS[kind](rng)
    surface, form = _obfuscate(rng, kind, value, mix)
    if gold in ("PHONE_NUMBER", "CN_ID_CARD", "EMAIL", "BANK_CARD", "IP_ADDRESS") and \
            "wrapped" not in form and rng.random() < mix.embed_rate:
        _embed(rng, b, gold, surface, form)
        return
    labelled = gold not in _UNLABELLED_OK or rng.random() < mix.labelled_rate
    if labelled:
        labels = _ALT_LABELS if mix.vocabulary == "alt" else _LABELS
        b.add(rng.choice(labels.get(kind, labels[gold])))
        b.add_pi(gold, surface, form + "+labelled")
        if gold == "PERSON_NAME" and rng.random() < 0.3:
            b.add(rng.choice(("先生", "女士")))
    elif gold == "PERSON_NAME":  # an unlabelled name needs an honorific to be a name at all
        b.add(rng.choice(("我是", "请联系", "找", "")))
        b.add_pi(gold, surface, form)
        b.add(rng.choice(_NAME_TAILS[:-1]))
    else:
        b.add(rng.choice(_ALT_UNLABELLED_PRE if mix.vocabulary == "alt" else _UNLABELLED_PRE))
        b.add_pi(gold, surface, form)
    b.add(rng.choice(("", "", " ", "你好", "谢谢", "，", "。", "（本人）", "~", "\n", "有意私聊")))


def _plant_negative(rng: random.Random, b: _Builder, mix: Mix) -> None:
    pool = {**_NEGATIVES, **_DEVICE_NEGATIVES} if mix.name == "device" else _NEGATIVES
    kind = rng.choice(tuple(pool))
    label, surface, kind = pool[kind](rng)
    b.add(label)
    b.add_negative(kind, surface)
    b.add(rng.choice(("，", "。", " ", "", "；")))


def _style_head(rng: random.Random, b: _Builder) -> str:
    style = rng.choice(("chat", "weibo", "forum", "notice", "form", "log"))
    if style == "weibo":
        b.add(rng.choice(_WEIBO_TOPICS) + " ")
    elif style == "forum":
        b.add(rng.choice(_FORUM_HEADS))
    elif style == "log":
        b.add(f"[INFO] 2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)} user_event ")
    elif style == "form":
        b.add("【登记信息】")
    return style


def _one_text(rng: random.Random, mix: Mix, kinds: list[str], weights: list[float]) -> Sample:
    b = _Builder()
    if rng.random() < mix.empty_text_rate:
        for _ in range(rng.randrange(1, 4)):
            b.add(_filler(rng, mix))
        return b.sample("filler")
    style = _style_head(rng, b)
    n_pi = rng.randrange(0, mix.max_pi_per_text + 1)
    n_neg = int(mix.negatives_per_text) + (rng.random() < mix.negatives_per_text % 1)
    long_text = rng.random() < mix.long_text_rate
    events = ["pi"] * n_pi + ["neg"] * n_neg + ["fill"] * (rng.randrange(6, 16) if long_text
                                                          else rng.randrange(0, 3))
    rng.shuffle(events)
    for ev in events:
        if ev == "pi":
            _plant(rng, b, rng.choices(kinds, weights)[0], mix)
        elif ev == "neg":
            _plant_negative(rng, b, mix)
        else:
            b.add(_filler(rng, mix))
    if style == "weibo" and rng.random() < 0.5:
        b.add(rng.choice((" 转发微博", " //转发", " 求扩散🙏")))
    return b.sample(style)


def generate_texts(n: int, seed: int, mix: str | Mix = "default") -> list[Sample]:
    """`n` texts with planted PI and hard negatives; the same (n, seed, mix) gives the same
    texts."""
    m = MIXES[mix] if isinstance(mix, str) else mix
    rng = random.Random(seed * 1_000_003 + m.seed_salt)
    kinds = list(m.type_weights)
    weights = [m.type_weights[k] for k in kinds]
    return [_one_text(rng, m, kinds, weights) for _ in range(n)]


# --------------------------------------------------------------------------------------------
# Tables

TABLE_COLUMNS = ("序号", "姓名", "性别", "身份证号", "手机号", "银行卡号", "住址", "车牌号", "邮箱",
                 "订单号", "快递单号", "下单时间", "金额", "备注")


@dataclass(frozen=True)
class TableSpan:
    """A gold span inside one cell of a generated table."""

    row: int
    column: str
    type: str
    start: int
    end: int


def _cell(rng: random.Random, column: str, gold: list[TableSpan], row: int, mix: Mix
          ) -> str | None:
    if column not in ("序号", "备注") and rng.random() < 0.03:
        return None
    plain_types = {"身份证号": "CN_ID_CARD", "手机号": "PHONE_NUMBER", "银行卡号": "BANK_CARD",
                   "住址": "ADDRESS", "车牌号": "LICENSE_PLATE", "邮箱": "EMAIL",
                   "姓名": "PERSON_NAME"}
    if column in plain_types:
        type_ = plain_types[column]
        if type_ == "CN_ID_CARD" and rng.random() < 0.04:  # a mistyped ID: not an ID
            return id_bad_checksum(rng)
        value = _VALUE_MAKERS[type_](rng)
        if type_ in ("PHONE_NUMBER", "BANK_CARD") and rng.random() < mix.obfuscation_rate / 3:
            value = _separated(rng, value)
        gold.append(TableSpan(row, column, type_, 0, len(value)))
        return value
    if column == "性别":
        return rng.choice(("男", "女"))
    if column in ("订单号", "快递单号"):
        return ("SF" if column == "快递单号" and rng.random() < 0.3 else "") + _order_number(rng)
    if column == "下单时间":
        return f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} " \
               f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    if column == "金额":
        return f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}"
    # 备注: free text with embedded PI, the same generator as the texts
    kinds = list(mix.type_weights)
    s = _one_text(rng, mix, kinds, [mix.type_weights[k] for k in kinds])
    gold.extend(TableSpan(row, column, t, a, e) for t, a, e in s.spans)
    return s.text


def generate_table(n_rows: int, seed: int, mix: str | Mix = "default"
                   ) -> tuple[pa.Table, list[TableSpan]]:
    """A table with Chinese headers (姓名, 身份证号, 手机号 … 备注) and its gold spans per cell."""
    m = MIXES[mix] if isinstance(mix, str) else mix
    rng = random.Random(seed * 1_000_033 + m.seed_salt + 17)
    gold: list[TableSpan] = []
    cols: dict[str, list[Any]] = {c: [] for c in TABLE_COLUMNS}
    for row in range(n_rows):
        cols["序号"].append(row + 1)
        for c in TABLE_COLUMNS[1:]:
            cols[c].append(_cell(rng, c, gold, row, m))
    schema = pa.schema([("序号", pa.int64()), *[(c, pa.string()) for c in TABLE_COLUMNS[1:]]])
    return pa.Table.from_pydict(cols, schema=schema), gold


def samples_to_jsonl(samples: Sequence[Sample]) -> str:
    """Samples as JSON lines (text, spans, forms, negatives, style), for sharing a fixed set."""
    return "".join(json.dumps({"text": s.text, "spans": s.spans, "forms": s.forms,
                               "negatives": s.negatives, "style": s.style},
                              ensure_ascii=False) + "\n" for s in samples)


def generate_corpus(n_rows: int, seed: int, pi_rate: float = 0.1, mix: str | Mix = "default"
                    ) -> list[str]:
    """Rows of free text for throughput runs: `pi_rate` of them carry planted PI and hard negatives
    (the texts of `generate_texts`), the rest are PI-free chatter of 50–300 characters, as in a
    real column where most rows hold no PI. No gold is kept; use `generate_texts` for accuracy."""
    m = MIXES[mix] if isinstance(mix, str) else mix
    rng = random.Random(seed * 1_000_037 + m.seed_salt + 29)
    planted = generate_texts(max(1, int(n_rows * pi_rate * 1.1) + 10), seed, m)
    rows: list[str] = []
    used = 0
    for _ in range(n_rows):
        if rng.random() < pi_rate:
            rows.append(planted[used % len(planted)].text)
            used += 1
            continue
        target = rng.randrange(50, 300)
        parts: list[str] = []
        length = 0
        while length < target:
            s = _filler(rng, m)
            parts.append(s)
            length += len(s)
        rows.append("".join(parts))
    return rows

"""A synthetic job board with planted fake-recruitment schemes and the legitimate look-alikes.

Planted (the truth):
- schemes (类案): a group posts one text template, lightly varied, under several company names in
  several cities, behind one or a few contact phones or WeChat accounts; the companies are shells
  (registered days before the first posting, absent from the registry, deregistered) or real
  names the group impersonates; the texts ask for ID-card photos, bank cards, family details,
  fees, or lure with 刷单 / 兼职打字 and pay far above the market;
- lone employers: one registered company whose postings demand ID photos or bank cards and fees.

Decoys that must not become leads: real companies posting the same job in many cities under one
registered name and USCC; staffing agencies whose phone stands behind many client companies but
whose registered scope is 人力资源服务; senior engineers paid what the market pays; food jobs
asking for a health certificate, driving jobs for a licence; texts that say 不收取任何费用.
Noise: duplicate rows, blanks, typos in company names, salary and date formats, the registry in
GBK. Every identifier is synthetic (`pisentinel.synth.pi_text`).
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pisentinel.leads import Lead
from pisentinel.synth import pi_text as g

__all__ = ["evaluate", "generate"]

CITIES = ("广州", "深圳", "北京", "上海", "杭州", "成都", "武汉", "西安", "南京", "重庆", "长沙",
          "郑州", "天津", "苏州", "佛山", "东莞", "厦门", "合肥", "济南", "青岛")
_ZIHAO = "华新盛恒达安信联创博瑞通泰宏远智鑫源科美嘉汇德佳凯航腾润丰锦明辉正益诚宇天星海云峰"
_INDUSTRY = ("科技", "网络科技", "信息技术", "餐饮管理", "物流", "商贸", "电子商务", "文化传媒",
             "教育咨询", "建筑工程", "医疗器械", "食品", "物业管理", "汽车服务", "供应链管理")
_NOUNS = ("线上店铺", "客户订单", "会员资料", "商品图片", "售后工单", "直播间", "短视频账号", "物流信息",
          "仓储数据", "电话回访", "表格数据", "文档资料", "外卖平台", "社群", "问卷", "产品评价",
          "客户档案", "推广活动", "门店排班", "快递包裹", "电商平台", "标注数据", "语音资料", "图片素材",
          "广告投放", "经营报表", "财务票据", "会议纪要", "供应商", "库存", "合同", "项目进度", "设备",
          "来访客户", "样品", "新媒体账号", "培训课程", "展会", "采购单", "质检记录")
_VERBS = ("整理与录入", "日常维护", "跟进与回复", "审核与上报", "汇总统计", "核对更新", "分类归档",
          "沟通协调", "宣传推广", "质量抽检", "信息采集", "在线答疑", "流程优化", "日常巡检", "数据分析",
          "对接落实", "排期安排", "登记管理", "问题处理", "资料准备")
_REQUIREMENTS = ("大专及以上学历", "有相关工作经验者优先", "熟练使用办公软件", "沟通表达能力强",
                 "责任心强，做事细致", "能适应倒班", "吃苦耐劳，服从安排", "有团队合作精神",
                 "普通话标准", "年龄十八至四十五周岁", "本科及以上学历，计算机相关专业",
                 "具备良好的学习能力", "有同行业经验者优先", "形象气质佳")
_BENEFITS = ("五险一金", "带薪年假", "节日福利", "周末双休", "年度体检", "绩效奖金", "餐补交通补",
             "定期团建", "员工宿舍", "晋升空间大", "专业培训", "年终奖", "法定节假日休息", "包工作餐")
_GENERIC_SCAM = ("工作轻松，时间自由，无需经验", "公司提供免费培训，包教包会", "名额有限，先到先得",
                 "当天面试当天上岗", "男女不限，十八岁以上即可", "学生、宝妈均可报名", "包吃包住，月休四天",
                 "待遇从优，多劳多得", "工资每周结算，绝不拖欠", "工作地点可就近安排", "不看学历不看经验",
                 "手机电脑均可操作", "长期稳定，可签合同", "急招，今日报名优先安排",
                 "年龄十六至五十岁均可", "提供住宿，拎包入住", "上班时间灵活可调", "全国多地均有岗位",
                 "团队氛围好，老员工带新人", "无任何业绩压力", "可兼职可全职", "新人入职即享补贴",
                 "空闲时间即可完成", "正规公司，放心报名")


@dataclass(frozen=True)
class TitleSpec:
    title: str
    pay: tuple[int, int]  # market monthly pay range (yuan)
    extra: str = ""  # a legitimate requirement the job really has


TITLES = (
    TitleSpec("客服专员", (4000, 6500)), TitleSpec("销售代表", (5000, 10000)),
    TitleSpec("行政助理", (4000, 6000)), TitleSpec("仓库管理员", (4500, 7000)),
    TitleSpec("普工", (5000, 7500)), TitleSpec("会计", (5500, 9000)),
    TitleSpec("数据录入员", (3800, 5500)), TitleSpec("平面设计师", (6000, 11000)),
    TitleSpec("电话销售", (4000, 8000)), TitleSpec("前台文员", (3800, 5500)),
    TitleSpec("厨师", (5500, 9000), "需持有效健康证"),
    TitleSpec("餐厅服务员", (4000, 6000), "需持有效健康证，入职前完成健康体检"),
    TitleSpec("货车司机", (7000, 11000), "需持B2及以上驾驶证，三年以上驾龄"),
    TitleSpec("网约车司机", (6000, 10000), "需持C1驾驶证，驾龄满三年"),
    TitleSpec("高级Java工程师", (25000, 45000), "五年以上分布式系统开发经验"),
    TitleSpec("算法专家", (35000, 65000), "有大规模机器学习落地经验"),
)
_SCAM_TITLES = ("客服专员", "数据录入员", "前台文员", "行政助理", "仓库管理员", "兼职打字员",
                "手机兼职", "网络兼职")
_BY_TITLE = {t.title: t for t in TITLES}

# what a scheme's texts ask for, by archetype: each scheme words it its own way from these parts
_PI_ASK = ("报名请先将", "面试前需提供", "请先发送", "需先提交", "应聘者须上传", "添加后请提供")
_PI_ITEMS = ("身份证正反面照片", "手持身份证照片", "银行卡号", "银行卡照片", "家庭成员联系方式",
             "父母姓名电话", "身份证复印件")
_PI_WHY = ("，审核通过后安排面试", "用于登记", "，统一办理入职", "，方便公司备案", "，以便开通工资账户", "")
_FEE_WHEN = ("入职前", "报名时", "培训前", "上岗前", "面试通过后")
_FEE_VERB = ("缴纳", "先交", "交纳", "支付")
_FEE_WHAT = ("服装费", "保证金", "资料费", "押金", "培训费", "工作证办理费", "体检费")
_FEE_SUM = ("二百", "三百", "五百", "一百八十", "二百九十九", "四百")
_FEE_AFTER = ("，满三个月退还", "，离职时退还", "，培训结束返还", "，概不退还", "")
_LURE_WHAT = ("在家兼职打字", "手机刷单做任务", "点赞关注", "网店刷信誉", "看视频做任务")
_LURE_GAIN = ("，动动手指日赚三百", "，佣金日结", "，先垫付后返佣金", "，宝妈学生躺赚", "，多劳多得日赚五百")
_IM = ("有意者加微信详聊", "详情请添加VX咨询", "添加招聘QQ了解岗位", "加V信发送简历", "私聊微信报名",
       "扫码加微信进群")
_INTRO = ("{{company}}因业务扩展，现急招{title}若干名", "{{company}}诚招{title}，长期有效",
          "{{company}}现面向社会招聘{title}", "急聘！{{company}}{title}数名",
          "{{company}}招{title}，待遇优厚")
_PAY_LINE = ("月薪{pay}元起，工作地点{city}", "{city}岗位，底薪{pay}元", "工作地点：{city}，综合月薪{pay}元以上",
             "薪资{pay}元起步，{city}可安排")


def _signal(rng: random.Random, kind: str) -> str:
    if kind == "pi":
        items = "、".join(rng.sample(_PI_ITEMS, rng.randrange(1, 3)))
        return rng.choice(_PI_ASK) + "个人简历、" + items + rng.choice(_PI_WHY)
    if kind == "fee":
        return (rng.choice(_FEE_WHEN) + "需" + rng.choice(_FEE_VERB) + rng.choice(_FEE_WHAT)
                + rng.choice(_FEE_SUM) + "元" + rng.choice(_FEE_AFTER))
    if kind == "lure":
        return rng.choice(_LURE_WHAT) + rng.choice(_LURE_GAIN)
    return rng.choice(_IM)


_ARCHETYPES = {"harvest": ("pi", "im"), "harvest_fee": ("pi", "fee"), "lure": ("lure", "fee", "im"),
               "fee": ("fee", "pi"), "shell": ("im",)}
_SYNONYMS = (("微信", "VX"), ("微信", "薇信"), ("身份证", "身份证件"), ("照片", "相片"),
             ("缴纳", "交纳"), ("保证金", "押金"), ("兼职", "副业"), ("报名", "登记"))
_HEADERS = {
    "default": {"posting_id": "职位编号", "company_name": "公司名称", "title": "职位名称",
                "description": "职位描述", "posted_at": "发布时间", "platform": "平台",
                "city": "工作城市", "salary_min": "最低月薪", "salary_max": "最高月薪",
                "contact_phone": "联系电话", "contact_wechat": "联系人微信",
                "contact_name": "联系人", "uscc": "统一社会信用代码"},
    "hard": {"posting_id": "岗位ID", "company_name": "招聘单位", "title": "岗位名称",
             "description": "岗位详情", "posted_at": "刷新时间", "platform": "来源平台",
             "city": "工作地点", "salary_min": "薪资下限", "salary_max": "薪资上限",
             "contact_phone": "联系方式", "contact_wechat": "微信号", "contact_name": "招聘联系人",
             "uscc": "信用代码"},
}
_PLATFORMS = ("某聘网", "某才网", "某直聘", "某招聘App", "某同城")
_START = date(2026, 1, 1)


@dataclass
class Company:
    name: str
    uscc: str
    registered: date | None  # None: not in the registry
    status: str = "存续"
    scope: str = ""
    address: str = ""
    phone: str = ""


@dataclass
class Posting:
    posting_id: str
    company: str
    uscc: str
    title: str
    description: str
    posted: date
    city: str
    pay: tuple[int, int]
    phone: str = ""
    wechat: str = ""
    contact_name: str = ""
    applicants: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class _Board:
    """The generator's state: companies by name, postings, ids."""

    def __init__(self, rng: random.Random, hard: bool) -> None:
        self.rng, self.hard = rng, hard
        self.companies: dict[str, Company] = {}
        self.postings: list[Posting] = []
        self._ids: set[int] = set()
        self._phones: set[str] = set()
        self.impersonable: list[Company] = []  # real companies a scheme may pose as

    def posting_id(self) -> str:
        while True:
            n = self.rng.randrange(10**7, 10**8)
            if n not in self._ids:
                self._ids.add(n)
                return f"J{n}"

    def phone(self) -> str:
        while True:
            p = g.mobile(self.rng)
            if p not in self._phones:
                self._phones.add(p)
                return p

    def company(self, industry: str | None = None, *, registered: date | None = None,
                status: str = "存续", scope: str = "", suffix: str = "有限公司") -> Company:
        rng = self.rng
        while True:
            name = (rng.choice(CITIES) + "".join(rng.sample(_ZIHAO, 2))
                    + (industry or rng.choice(_INDUSTRY)) + suffix)
            if name not in self.companies:
                break
        reg = registered if registered is not None else \
            _START - timedelta(days=rng.randrange(400, 5000))
        c = Company(name, g.uscc(rng), reg, status, scope or f"{name[4:-4]}相关业务；技术咨询",
                    g.address(rng), self.phone())
        self.companies[name] = c
        return c

    def date(self, start: date = _START, span: int = 170) -> date:
        return start + timedelta(days=self.rng.randrange(span))


def _duty(rng: random.Random) -> str:
    return f"负责{rng.choice(_NOUNS)}的{rng.choice(_VERBS)}"


def _legit_text(rng: random.Random, company: str, spec: TitleSpec, hard: bool) -> str:
    parts = [f"{company}诚聘{spec.title}"]
    parts += [_duty(rng) for _ in range(rng.randrange(2, 5))]
    parts.append("任职要求：" + "，".join(rng.sample(_REQUIREMENTS, rng.randrange(2, 4))))
    if spec.extra:
        parts.append(spec.extra)
    parts.append("福利待遇：" + "、".join(rng.sample(_BENEFITS, rng.randrange(2, 5))))
    roll = rng.random()
    if roll < 0.15:
        parts.append(rng.choice(("本公司招聘不收取任何费用", "入职无需缴纳任何押金",
                                 "入职体检费用由公司承担", "谨防招聘诈骗，公司不收取任何押金")))
    elif roll < 0.25:
        parts.append(rng.choice(("入职当天携带身份证原件办理入职手续",
                                 "入职后提供本人银行卡用于发放工资",
                                 "简历请投递至公司招聘邮箱")))
    elif roll < 0.28 and hard:
        parts.append("欢迎添加企业微信公众号了解公司动态")
    return "。".join(parts) + "。"


def _pay(rng: random.Random, lo_hi: tuple[int, int], factor: float = 1.0) -> tuple[int, int]:
    lo = int(rng.uniform(*lo_hi) * factor / 100) * 100
    hi = int(lo * rng.uniform(1.2, 1.6) / 100) * 100
    return lo, hi


def _typo(rng: random.Random, text: str, n: int) -> str:
    chars = list(text)
    for _ in range(n):
        i = rng.randrange(len(chars))
        if "\u4e00" <= chars[i] <= "\u9fff":
            chars[i] = rng.choice(_ZIHAO)
    return "".join(chars)


def _legit(board: _Board, n_postings: int) -> None:
    """Real companies: a title or two, the same text in several cities (the multi-city decoy)."""
    rng = board.rng
    made = 0
    while made < n_postings:
        spec = rng.choice(TITLES)
        c = board.company()
        text = _legit_text(rng, c.name, spec, board.hard)
        cities = rng.sample(CITIES, rng.choice((1, 1, 1, 2, 3, 5, 8)))
        per_city = rng.choice((1, 1, 1, 2, 3))
        hr = g.person_name(rng)
        for city in cities:
            for _ in range(per_city):
                board.postings.append(Posting(
                    board.posting_id(), c.name, c.uscc, spec.title, text, board.date(), city,
                    _pay(rng, spec.pay), c.phone, "", hr, rng.choice((0, 1, 1, 2, 3))))
                made += 1


def _agencies(board: _Board, n: int) -> list[str]:
    """Staffing agencies: one phone behind many client companies, registered for it."""
    rng = board.rng
    phones = []
    for _ in range(n):
        agency = board.company("人力资源服务", scope="人力资源服务；劳务派遣；职业中介活动；人才招聘")
        phones.append(agency.phone)
        clients = [board.company() for _ in range(rng.randrange(5, 12))]
        for client in clients:
            spec = rng.choice(TITLES)
            text = _legit_text(rng, client.name, spec, board.hard)
            text += f"本岗位由{agency.name}受托招聘。"
            for city in rng.sample(CITIES, rng.randrange(1, 4)):
                board.postings.append(Posting(
                    board.posting_id(), client.name, client.uscc if rng.random() < 0.7 else "",
                    spec.title, text, board.date(), city, _pay(rng, spec.pay), agency.phone, "",
                    g.person_name(rng), rng.choice((0, 1, 2))))
    return phones


def _template(rng: random.Random, archetype: str, title: str) -> list[str]:
    sentences = [rng.choice(_INTRO).format(title=title)]
    sentences += [_duty(rng) for _ in range(rng.randrange(3, 6))]
    sentences += rng.sample(_GENERIC_SCAM, 3)
    sentences += [_signal(rng, s) for s in _ARCHETYPES[archetype]]
    sentences.append(rng.choice(_PAY_LINE))
    return sentences


def _vary(rng: random.Random, template: list[str], signals: int, hard: bool) -> list[str]:
    s = list(template)
    droppable = list(range(1, len(s) - 1 - signals))
    for i in sorted(rng.sample(droppable, min(len(droppable), rng.choice(
            (0, 1, 2) if hard else (0, 0, 1)))), reverse=True):
        del s[i]
    for _ in range(rng.choice((0, 1, 2) if hard else (0, 0, 1))):
        s.insert(rng.randrange(1, len(s)), rng.choice(_GENERIC_SCAM))
    if hard:
        i, j = rng.randrange(1, len(s)), rng.randrange(1, len(s))
        s[i], s[j] = s[j], s[i]
        for a, b in rng.sample(_SYNONYMS, 2):
            s = [x.replace(a, b) for x in s]
    return s


def _scheme(board: _Board, index: int, registry_fate: str) -> dict[str, Any]:
    """One 类案 scheme: shells or impersonated names, a template, a few contacts."""
    rng, hard = board.rng, board.hard
    archetype = rng.choice(tuple(_ARCHETYPES))
    title = rng.choice(_SCAM_TITLES)
    template = _template(rng, archetype, title)
    n_companies = rng.randrange(3, 6 if hard else 8)
    first = board.date(span=120)
    if registry_fate == "impersonated":
        companies = rng.sample(board.impersonable, n_companies)
    else:
        companies = []
        for _ in range(n_companies):
            fate = registry_fate if registry_fate != "mixed" else rng.choice(
                ("new", "absent", "deregistered"))
            reg = first - timedelta(days=rng.randrange(2, 25)) if fate == "new" else None
            c = board.company(registered=reg or _START - timedelta(days=rng.randrange(400, 2000)))
            if fate == "absent":
                c.registered = None
            elif fate == "deregistered":
                c.status = rng.choice(("注销", "吊销，未注销"))
            companies.append(c)
    # contacts: a primary on most postings, secondaries on the rest; WeChat or phone
    kinds = ("wechat", "phone") if archetype in ("harvest", "lure", "shell") else ("phone",)
    n_contacts = rng.choice((1, 2, 2, 3)) if hard else rng.choice((1, 1, 2))
    contacts = [(rng.choice(kinds), "") for _ in range(n_contacts)]
    contacts = [(k, g.wechat_id(rng) if k == "wechat" else board.phone()) for k, _ in contacts]
    silent = rng.random() < (0.15 if hard else 0.08)  # contact only through the platform
    n_posts = rng.randrange(4, 10) if hard else rng.randrange(6, 16)
    posts = []
    for i in range(n_posts):
        c = companies[i % len(companies)]
        ci = 0 if i < max(n_companies, int(n_posts * 0.6)) else rng.randrange(len(contacts))
        kind, value = contacts[ci]
        city = rng.choice(CITIES)
        spec = _BY_TITLE.get(title)
        pay = _pay(rng, spec.pay if spec else (4000, 6000), rng.uniform(2.6, 4.0)
                   if archetype != "shell" or rng.random() < 0.5 else 1.0)
        text = "。".join(_vary(rng, template, len(_ARCHETYPES[archetype]), hard)).format(
            company=c.name, city=city, pay=pay[0]) + "。"
        text = _typo(rng, text, rng.randrange(0, 4 if hard else 2))
        phone, wechat = "", ""
        if not silent:
            in_text = rng.random() < (0.5 if hard else 0.25)
            if kind == "phone":
                phone = value
                if in_text:
                    text += rng.choice(("联系电话：", "电话", "手机同微信 ")) + (
                        " ".join((value[:3], value[3:7], value[7:])) if hard else value)
                    phone = "" if rng.random() < 0.5 else value
            else:
                if in_text:
                    text += rng.choice(("加微信：", "微信号 ", "VX：")) + value
                else:
                    wechat = value
        p = Posting(board.posting_id(), c.name, c.uscc if registry_fate == "impersonated"
                    and rng.random() < 0.3 else "", title, text,
                    first + timedelta(days=rng.randrange(0, 40)), city, pay, phone, wechat,
                    g.person_name(rng) if rng.random() < 0.5 else "", rng.randrange(3, 15))
        p.extra["uscc"] = c.uscc if c.registered else ""
        posts.append(p)
        board.postings.append(p)
    return _scheme_truth(index, archetype, registry_fate, posts, contacts, silent)


def _scheme_truth(index: int, archetype: str, fate: str, posts: list[Posting],
                  contacts: list[tuple[str, str]], silent: bool) -> dict[str, Any]:
    """The subject the model should name: the contact behind the most company names (then the
    most postings, then the smallest value), else the scheme's earliest posting."""
    reach: dict[tuple[str, str], set[str]] = defaultdict(set)
    count: Counter[tuple[str, str]] = Counter()
    for p in posts:
        for kind, value in (("PHONE_NUMBER", p.phone), ("WECHAT_ID", p.wechat.lower())):
            if value:
                reach[(kind, value)].add(p.company)
                count[(kind, value)] += 1
        for kind, value in contacts:  # written into the text
            if value.lower() in p.description.lower().replace(" ", "") and not (
                    value == p.phone or value == p.wechat):
                key = ("PHONE_NUMBER" if kind == "phone" else "WECHAT_ID", value.lower())
                reach[key].add(p.company)
                count[key] += 1
    aliases = [[k, v] for k, v in sorted(reach)]
    for p in posts:  # a lead on one of the scheme's companies or postings is on the scheme
        aliases.append(["COMPANY", p.company])
        aliases.append(["RECRUITMENT_SCHEME", p.posting_id])
        if p.extra.get("uscc"):
            aliases.append(["USCC", p.extra["uscc"]])
    if reach and not silent:
        kind, value = min(reach, key=lambda k: (-len(reach[k]), -count[k], k[1]))
    else:
        first = min(posts, key=lambda p: (p.posted, p.posting_id))
        kind, value = "RECRUITMENT_SCHEME", first.posting_id
    aliases += [["RECRUITMENT_SCHEME", min(posts, key=lambda p: (p.posted, p.posting_id))
                 .posting_id]]
    return {"kind": "recruitment_scheme", "type": kind, "value": value, "aliases": aliases,
            "archetype": archetype, "registry": fate, "postings": len(posts),
            "companies": len({p.company for p in posts}),
            "applications": sum(p.applicants for p in posts)}


def _lone_employer(board: _Board) -> dict[str, Any]:
    rng = board.rng
    c = board.company()
    spec = rng.choice([t for t in TITLES if t.pay[1] < 12000])
    text = _legit_text(rng, c.name, spec, board.hard).rstrip("。")
    text += "。" + _signal(rng, "pi") + "。" + _signal(rng, "fee") + "。"
    posts = []
    for city in rng.sample(CITIES, rng.randrange(1, 3)):
        p = Posting(board.posting_id(), c.name, c.uscc, spec.title, text, board.date(), city,
                    _pay(rng, spec.pay), c.phone, "", g.person_name(rng), rng.randrange(2, 8))
        posts.append(p)
        board.postings.append(p)
    return {"kind": "harvesting_employer", "type": "USCC", "value": c.uscc,
            "aliases": [["USCC", c.uscc], ["PHONE_NUMBER", c.phone]], "archetype": "lone",
            "registry": "registered", "postings": len(posts), "companies": 1,
            "applications": sum(p.applicants for p in posts)}


def _date_text(rng: random.Random, d: date, noisy: bool) -> str:
    if noisy and rng.random() < 0.08:
        return rng.choice((f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日"))
    return f"{d.isoformat()} {rng.randrange(8, 22):02d}:{rng.randrange(60):02d}:00"


def _pay_text(rng: random.Random, v: int) -> str:
    roll = rng.random()
    if roll < 0.03:
        return ""
    if roll < 0.06 and v >= 10000:
        return f"{v / 10000:g}万"
    if roll < 0.08:
        return f"{v / 1000:g}k"
    return str(v)


def _write_postings(board: _Board, path: Path, mix: str) -> None:
    rng = board.rng
    headers = _HEADERS["hard" if mix == "hard" else "default"]
    rows = list(board.postings)
    rows += rng.sample(rows, max(1, len(rows) // 100))  # duplicate rows (re-crawled)
    rng.shuffle(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers.values())
        for p in rows:
            name = p.company
            if p.uscc and rng.random() < 0.01:
                name = _typo(rng, name, 1)  # a typo; the USCC still names the company
            w.writerow([p.posting_id, name, p.title, p.description,
                        _date_text(rng, p.posted, True), rng.choice(_PLATFORMS),
                        "" if rng.random() < 0.02 else p.city, _pay_text(rng, p.pay[0]),
                        _pay_text(rng, p.pay[1]), p.phone, p.wechat,
                        "" if rng.random() < 0.1 else p.contact_name, p.uscc])


def _write_registry(board: _Board, path: Path) -> None:
    with path.open("w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["企业名称", "统一社会信用代码", "登记状态", "成立日期", "经营范围", "住所"])
        for c in board.companies.values():
            if c.registered is None:
                continue
            reg = c.registered
            w.writerow([c.name, c.uscc, c.status, f"{reg.year}年{reg.month}月{reg.day}日"
                        if board.rng.random() < 0.1 else reg.isoformat(), c.scope, c.address])


def _write_applications(board: _Board, path: Path) -> None:
    rng = board.rng
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["职位编号", "求职者姓名", "求职者手机号", "投递时间"])
        for p in board.postings:
            for _ in range(p.applicants):
                d = p.posted + timedelta(days=rng.randrange(0, 10))
                w.writerow([p.posting_id, g.person_name(rng), g.mobile(rng), d.isoformat()])


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    """About `rows` postings with planted schemes and lone employers; returns the truth."""
    rng = random.Random(f"fake_recruitment:{seed}:{mix}")
    hard = mix == "hard"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    board = _Board(rng, hard)
    n_schemes = max(6, rows // 200)
    n_lone = max(3, rows // 800)
    n_agencies = max(1, rows // 2500)
    agency_phones = _agencies(board, n_agencies)
    scam_rows = n_schemes * (7 if hard else 11) + n_lone * 2
    _legit(board, max(rows - len(board.postings) - scam_rows, rows // 2))
    board.impersonable = [c for c in board.companies.values() if "人力资源" not in c.name]
    fates = ("new", "absent", "deregistered", "mixed", "impersonated")
    subjects = [_scheme(board, i, fates[i % len(fates)]) for i in range(n_schemes)]
    subjects += [_lone_employer(board) for _ in range(n_lone)]
    cities_by_uscc: dict[str, set[str]] = defaultdict(set)
    for p in board.postings:
        if p.uscc:
            cities_by_uscc[p.uscc].add(p.city)
    legit_multi = sorted(u for u, cs in cities_by_uscc.items() if len(cs) >= 3)
    _write_postings(board, out / "postings.csv", mix)
    _write_registry(board, out / "registry.csv")
    _write_applications(board, out / "applications.csv")
    truth = {
        "subjects": subjects,
        "decoys": {"agency_phones": agency_phones, "multi_city_uscc": legit_multi[:50]},
        "inputs": {"postings": ["postings.csv"], "registry": ["registry.csv"],
                   "applications": ["applications.csv"]},
        "rows": len(board.postings), "mix": mix, "seed": seed,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def evaluate(truth: dict[str, Any], leads: Iterable[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    """Subject-level precision and recall of the leads.

    A planted subject is found when a lead's subject token is `token(type, value)` of it. A lead
    is correct when its subject token is the subject or an alias of a planted one (another
    contact of the same scheme, its first posting): a lead on a scheme's second phone is a true
    lead, counted once more under `duplicates`."""
    leads = list(leads)
    want = {token(s["type"], s["value"]): i for i, s in enumerate(truth["subjects"])}
    alias = {token(t, v): i for i, s in enumerate(truth["subjects"]) for t, v in s["aliases"]}
    alias |= want
    got = [lead.subject.token for lead in leads]
    found = {want[t] for t in got if t in want}
    correct = [t for t in got if t in alias]
    per_subject = Counter(alias[t] for t in correct)
    return {"precision": len(correct) / len(got) if got else 1.0,
            "recall": len(found) / len(want) if want else 1.0,
            "leads": float(len(got)), "planted": float(len(want)),
            "duplicates": float(sum(n - 1 for n in per_subject.values())),
            "false_leads": float(len(got) - len(correct))}

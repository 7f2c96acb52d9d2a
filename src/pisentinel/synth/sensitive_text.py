"""Generated texts with sensitive PI planted (PIPL Art. 28: health, religion, biometrics) and the
same words where they are no one's (news, notices, shop ads, privacy policies).

A word is gold only when its sentence is about a person. The hard negatives put the very same
words in sentences about no one, and chatter (some of it with person words of its own: 孩子这学期…)
is glued on with commas, so that a sentence can mix both. Two wordings: "main" for tuning and
"alt" (other templates, other chatter) to measure on text the detector was not tuned on."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from functools import cache

from pisentinel.knowledge import weighted_lexicon
from pisentinel.synth.pi_text import Sample, mobile, person_name, resident_id
from pisentinel.synth.templates import fill_template

_KIN = ("老公", "老婆", "父亲", "母亲", "儿子", "女儿", "外婆", "爷爷", "哥哥", "妹妹")
_KIN_ALT = ("爸", "妈", "丈夫", "妻子", "孩子", "奶奶", "姐姐", "弟弟", "岳母", "公公")
_RELIGIOUS_PERSONS = ("佛教徒", "基督徒", "天主教徒", "穆斯林", "道教徒")
_FAITHS = ("信仰佛教", "信仰基督教", "信仰伊斯兰教", "信仰天主教", "信仰道教")
_FAITH_WORDS = ("佛教", "基督教", "伊斯兰教", "天主教", "道教")  # weak alone
_BIOMETRIC_DATA = ("人脸信息", "人脸照片", "人脸特征值", "指纹信息", "指纹数据", "声纹", "虹膜",
                   "面部特征", "人脸图像", "掌纹")
_BIOMETRIC_TECH = ("指纹", "虹膜", "人脸识别", "声纹", "掌纹")

# {t} {p} {f} {w} {b} {x} is the planted word (see `_WORDS`); the other slots are filled in.
_MEDICAL_POS = (
    "患者{name}，{age}岁，诊断：{t}", "我{kin}查出{t}了，心里很乱", "本人患{t}三年，求推荐医生",
    "{name}，{age}岁，既往史：{t}", "他最近{t}复发，请了两天假", "死者{name}生前患有{t}，家属电话{phone}",
    "{name} {phone} {t} 复查", "{name}同学有{t}，体育课请假", "她去年确诊{t}，一直在吃药",
)
_MEDICAL_POS_ALT = (
    "姓名：{name} 病史：{t}", "{kin}得了{t}，这个月跑了三趟医院", "王某因{t}病休半年",
    "我有{t}，不能喝酒", "{name}（身份证{id}）患{t}", "邻居说他有{t}，别告诉别人",
    "病人{name}自述{t}五年", "俺{kin}的{t}又犯了",
)
_MEDICAL_NEG = (
    "{t}防治知识讲座本周六举行", "世界{t}日宣传活动在广场开展", "研究显示，长期熬夜会增加{t}风险",
    "国家{t}防治中心发布年度报告", "{t}专科门诊迁至新大楼", "新药有望延缓{t}进展",
    "本期节目聊聊{t}的早期信号",
)
# A medicine someone takes tells their illness (用药记录, GB/T 35273-2020 Annex B).
_MEDICINE_POS = ("患者{name}，用药：{t}", "她每天吃{t}，已经半年了", "{name}长期服用{t}",
                 "我{kin}出院后一直在吃{t}")
_MEDICINE_POS_ALT = ("{kin}每天都要服{t}", "处方：{t}，患者{name}", "医生给我开了{t}",
                     "{name}（{age}岁）停用{t}后复查")
_MEDICAL_NEG_ALT = (
    "社区开展{t}义诊活动", "广大{t}患者可享受医保报销", "{t}发病率连续三年下降",
    "专家解读{t}诊疗指南", "科普：{t}会遗传吗", "他们医院新设了{t}筛查中心",
)
_RELIGION_POS = (
    "{name}是{p}", "本人{f}多年", "宗教信仰：{w}", "我{kin}是{p}，过年不吃猪肉", "她是虔诚的{p}",
)
_RELIGION_POS_ALT = ("信仰：{w}，民族：回", "{name}，{age}岁，{p}", "邻居{name}{f}", "我妈{f}二十年了")
_RELIGION_NEG = ("{w}文化节在寺里开幕", "这座{w}建筑建于1890年", "{w}音乐专场演出售票中")
_RELIGION_NEG_ALT = ("讲座：{w}艺术与丝绸之路", "{w}古籍修复展开幕", "导游介绍了当地{w}的历史")
_BIOMETRIC_POS = (
    "业主{name}的{b}已录入门禁系统", "已采集员工{name}的{b}用于考勤", "{name} {phone} {b}：face_{n}.jpg",
    "我的{b}被小区物业采集了", "学员{name}{b}核验通过",
)
_BIOMETRIC_POS_ALT = ("住户{name}（{phone}）{b}已上传", "考勤记录：{name} {b}比对成功",
                      "我{kin}的{b}被健身房存了")
_BIOMETRIC_NEG = ("本店{x}锁八折促销", "{x}技术发展迅速", "门禁支持{x}和刷卡两种方式",
                  "我们会收集您的{b}用于身份验证")
_BIOMETRIC_NEG_ALT = ("新款手机支持{x}解锁", "{x}考勤机批发", "您可以在设置中关闭{x}登录",
                      "展会上展出多款{x}设备")

_FILLER = ("今天天气不错", "快递已经到驿站了", "孩子这学期成绩进步了", "会议改到下午三点", "顶一下",
           "价格可以再商量", "我们小区的绿化做得很好", "谢谢大家", "求助", "有人知道吗")
_FILLER_ALT = ("周三下午有团建", "猫咪最近不爱吃饭", "地铁今天又晚点了", "帮忙转发一下",
               "有点累先下了", "他们说明天降温", "已读", "麻烦大家看看")
_JOINS = ("，", "。", "！", "；", " ", "\n", "。", "，")


@cache
def _medical_terms() -> tuple[str, ...]:
    return tuple(t for t, s in weighted_lexicon("medical").items()
            if s == "strong" and not t.isascii() and len(t) <= 6 and "记录" not in t
            and "报告" not in t and "号" not in t)


def _fill(rng: random.Random, template: str, slot: str, word: str, alt: bool
          ) -> tuple[str, int, int]:
    """The template with its slots filled; the span of the word (its `slot`: t, p, f, w, b, x)."""
    slots: dict[str, Callable[[], str]] = {
        "name": lambda: person_name(rng), "age": lambda: str(rng.randint(3, 92)),
        "kin": lambda: rng.choice(_KIN_ALT if alt else _KIN), "phone": lambda: mobile(rng),
        "id": lambda: resident_id(rng), "n": lambda: str(rng.randint(100, 99999)),
        slot: lambda: word,
    }
    return fill_template(template.replace(f"{{{slot}}}", f"[{{{slot}}}]"), slots)


_TEMPLATES: dict[tuple[str, bool, bool], tuple[str, ...]] = {
    # (type, about a person, alt wording) → templates
    ("MEDICAL_HEALTH", True, False): _MEDICAL_POS, ("MEDICAL_HEALTH", True, True): _MEDICAL_POS_ALT,
    ("MEDICAL_HEALTH", False, False): _MEDICAL_NEG,
    ("MEDICAL_HEALTH", False, True): _MEDICAL_NEG_ALT,
    ("RELIGION", True, False): _RELIGION_POS, ("RELIGION", True, True): _RELIGION_POS_ALT,
    ("RELIGION", False, False): _RELIGION_NEG, ("RELIGION", False, True): _RELIGION_NEG_ALT,
    ("BIOMETRIC", True, False): _BIOMETRIC_POS, ("BIOMETRIC", True, True): _BIOMETRIC_POS_ALT,
    ("BIOMETRIC", False, False): _BIOMETRIC_NEG, ("BIOMETRIC", False, True): _BIOMETRIC_NEG_ALT,
}
_WORDS: dict[str, tuple[str, ...]] = {"p": _RELIGIOUS_PERSONS, "f": _FAITHS, "w": _FAITH_WORDS,
                                      "b": _BIOMETRIC_DATA, "x": _BIOMETRIC_TECH}


def _sentence(rng: random.Random, alt: bool, positive: bool) -> tuple[str, str, str, int, int]:
    """(kind, type, text, start, end) of one planted sentence."""
    pi_type = rng.choices(("MEDICAL_HEALTH", "RELIGION", "BIOMETRIC"), (6, 2, 2))[0]
    template = rng.choice(_TEMPLATES[(pi_type, positive, alt)])
    slot = re.search(r"\{([tpfwbx])\}", template)
    assert slot is not None
    words = _medical_terms() if slot.group(1) == "t" else _WORDS[slot.group(1)]
    text, start, end = _fill(rng, template, slot.group(1), rng.choice(words), alt)
    return ("planted" if positive else "generic_" + pi_type.lower()), pi_type, text, start, end


def generate_vocabulary_texts(terms: Sequence[tuple[str, str]], per_term: int, seed: int,
                              wording: str = "main") -> list[Sample]:
    """Each (kind, term) of `terms` (kind: disease or medicine) planted `per_term` times in
    sentences about a person: how many health words of a list the detector knows, whatever its
    lexicons hold. A text is one planted sentence, sometimes with chatter around it."""
    alt = wording == "alt"
    rng = random.Random(seed * 1_000_003 + (7_777 if alt else 0) + 31)
    filler = _FILLER_ALT if alt else _FILLER
    out = []
    for kind, term in terms:
        templates = _TEMPLATES[("MEDICAL_HEALTH", True, alt)] if kind == "disease" else (
            _MEDICINE_POS_ALT if alt else _MEDICINE_POS)
        for _ in range(per_term):
            text, start, end = _fill(rng, rng.choice(templates), "t", term, alt)
            before = rng.choice(filler) + rng.choice(_JOINS) if rng.random() < 0.3 else ""
            after = rng.choice(_JOINS) + rng.choice(filler) if rng.random() < 0.3 else ""
            sample = Sample(before + text + after)
            sample.spans.append(("MEDICAL_HEALTH", len(before) + start, len(before) + end))
            sample.forms.append(kind)
            out.append(sample)
    return out


def generate_sensitive_texts(n: int, seed: int, wording: str = "main") -> list[Sample]:
    """`n` texts of one to four sentences: planted sensitive PI about a person (gold), the same
    words about no one (hard negatives) and chatter."""
    alt = wording == "alt"
    rng = random.Random(seed * 1_000_003 + (7_777 if alt else 0))
    filler = _FILLER_ALT if alt else _FILLER
    out = []
    for _ in range(n):
        sample = Sample("")
        parts: list[str] = []
        for _ in range(rng.randint(1, 4)):
            if parts:
                parts.append(rng.choice(_JOINS))
            roll = rng.random()
            if roll < 0.35:
                parts.append(rng.choice(filler))
                continue
            kind, pi_type, text, a, e = _sentence(rng, alt, positive=roll < 0.7)
            offset = sum(map(len, parts))
            if kind == "planted":
                sample.spans.append((pi_type, offset + a, offset + e))
                sample.forms.append("planted")
            else:
                sample.negatives.append((kind, offset + a, offset + e))
            parts.append(text)
        sample.text = "".join(parts)
        out.append(sample)
    return out

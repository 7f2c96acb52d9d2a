"""How severe a lead is, measured against the thresholds of the 2017 interpretation.

法释〔2017〕10号 第五条 makes 侵犯公民个人信息 "情节严重" at 50 records of
行踪轨迹/通信内容/征信/财产 information (T1), 500 of 住宿/通信记录/健康生理/交易 information
(T2), 5,000 of any other PI (T3), or ¥5,000 of illegal gain; counts below those add up in
proportion (第六项); insiders who sell what they obtained in service reach it at half (第八项);
ten times the standard is "情节特别严重" (第二款第三项).

The quantity score is ``n_T1/50 + n_T2/500 + n_T3/5000`` (the usual proportional reading of 第六项,
an interpretation, not quoted text). Tier thresholds come from the PI taxonomy
(``pisentinel.knowledge.tiers()``), so the numbers live in one data file.

A screening tool only counts; whether the records were 非法获取、出售或者提供 is for the procurator.
The assessment therefore says what the counts *would* mean, and which rule produced the level.

PIPL Art. 70 lets a procuratorate sue when processing "侵害众多个人的权益". The law sets no number;
:func:`public_interest_standing` takes a documented, configurable threshold.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from pisentinel.knowledge import tiers

__all__ = [
    "ILLEGAL_GAIN_THRESHOLD_YUAN",
    "MANY_INDIVIDUALS_DEFAULT",
    "Action",
    "ActionRecommendation",
    "Circumstance",
    "SeverityAssessment",
    "SeverityLevel",
    "StandingAssessment",
    "public_interest_standing",
    "recommended_action",
    "records_by_tier",
    "severity_for",
]

ILLEGAL_GAIN_THRESHOLD_YUAN = 5000
"""违法所得 ≥ ¥5,000 is 情节严重 (法释〔2017〕10号 第五条第一款第七项)."""

ESPECIALLY_SERIOUS_FACTOR = 10
"""数量或者数额达到前款第三项至第八项规定标准十倍以上 (第五条第二款第三项)."""

INSIDER_FACTOR = 0.5
"""在履行职责或者提供服务过程中获得 … 达到第三项至第七项规定标准一半以上 (第五条第一款第八项)."""

MANY_INDIVIDUALS_DEFAULT = 100
"""Default screening threshold for "众多个人" (PIPL Art. 70). Not a legal number: the law and the
judicial interpretations name none. 100 distinct people is a conservative screening choice so that
a lead above it is plainly "众多"; set ``PISENTINEL_MANY_INDIVIDUALS`` or pass ``threshold`` to
change it, and let the procurator judge leads below it."""

BASIS_5 = "SPC-SPP-2017-5"
BASIS_CRIME = "CRIMINAL-253-1"


class SeverityLevel(StrEnum):
    """The three levels of the 2017 interpretation, ordered."""

    GENERAL = "general"
    SERIOUS = "serious"
    ESPECIALLY_SERIOUS = "especially_serious"

    @property
    def label_zh(self) -> str:
        return {"general": "一般", "serious": "情节严重",
                "especially_serious": "情节特别严重"}[self.value]

    @property
    def label_en(self) -> str:
        return {"general": "below the criminal threshold", "serious": "serious (情节严重)",
                "especially_serious": "especially serious (情节特别严重)"}[self.value]

    @property
    def rank(self) -> int:
        return list(SeverityLevel).index(self)


class Circumstance(StrEnum):
    """Qualitative circumstances of 第五条 that fix the level whatever the counts (the analyst or
    a model that has evidence of them passes them in)."""

    TRAJECTORY_USED_FOR_CRIME = "trajectory_used_for_crime"  # 第一款第一项
    KNOWINGLY_SUPPLIED_TO_CRIMINALS = "knowingly_supplied_to_criminals"  # 第一款第二项
    PRIOR_OFFENCE = "prior_offence"  # 第一款第九项
    SEVERE_HARM_TO_VICTIM = "severe_harm_to_victim"  # 第二款第一项: 死亡、重伤、精神失常、被绑架
    MAJOR_LOSS_OR_SOCIAL_IMPACT = "major_loss_or_social_impact"  # 第二款第二项

    @property
    def level(self) -> SeverityLevel:
        if self in (Circumstance.SEVERE_HARM_TO_VICTIM, Circumstance.MAJOR_LOSS_OR_SOCIAL_IMPACT):
            return SeverityLevel.ESPECIALLY_SERIOUS
        return SeverityLevel.SERIOUS

    @property
    def item(self) -> str:
        return {
            "trajectory_used_for_crime": "第五条第一款第一项",
            "knowingly_supplied_to_criminals": "第五条第一款第二项",
            "prior_offence": "第五条第一款第九项",
            "severe_harm_to_victim": "第五条第二款第一项",
            "major_loss_or_social_impact": "第五条第二款第二项",
        }[self.value]


@dataclass(frozen=True)
class SeverityAssessment:
    """The level a lead's counts reach, the ratio to the 情节严重 standard, and why.

    ``ratio`` is the larger of the quantity ratio and the gain ratio, already adjusted for insiders
    (an insider's 25 T1 records give 1.0): ≥ 1 is 情节严重, ≥ 10 情节特别严重.
    """

    level: SeverityLevel
    ratio: float
    rule: str
    explanation_zh: str
    explanation_en: str
    records_by_tier: dict[str, int] = field(default_factory=dict)
    quantity_ratio: float = 0.0
    gain_ratio: float = 0.0
    insider: bool = False
    illegal_gain: float | None = None
    circumstances: tuple[str, ...] = ()
    provisions: tuple[str, ...] = (BASIS_5,)

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["level"] = self.level.value
        out["circumstances"] = list(self.circumstances)
        out["provisions"] = list(self.provisions)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeverityAssessment:
        fields = dict(data)
        fields["level"] = SeverityLevel(fields["level"])
        fields["circumstances"] = tuple(fields.get("circumstances", ()))
        fields["provisions"] = tuple(fields.get("provisions", (BASIS_5,)))
        return cls(**fields)


def _tier_thresholds() -> dict[str, int]:
    return {code: info.threshold for code, info in tiers().items()}


def records_by_tier(records: Iterable[Collection[str]]) -> dict[str, int]:
    """Count records per tier, each record once, under the most severe tier of the PI types it
    holds (a record with a phone number and a GPS track counts as one T1 record).

    ``records`` yields, per record, the PI type codes found in it. Types without a tier (MINOR,
    USCC) do not make a record count. Counting each record once follows 第十一条 (条数不重复计算);
    choosing its most severe tier is this tool's reading [I].
    """
    from pisentinel.knowledge import pi_types

    thresholds = _tier_thresholds()
    type_tier = {code: t.tier for code, t in pi_types().items() if t.tier}
    out = {code: 0 for code in thresholds}
    for record in records:
        found = [type_tier[c] for c in record if c in type_tier]
        if found:
            out[min(found, key=lambda tier: thresholds[tier])] += 1
    return out


def severity_for(
    counts_by_tier: Mapping[str, int],
    insider: bool = False,
    illegal_gain: float | None = None,
    *,
    circumstances: Iterable[Circumstance | str] = (),
) -> SeverityAssessment:
    """Assess counts per tier (``{"T1": 30, "T3": 1200}``) against 法释〔2017〕10号 第五条.

    ``insider``: the information was obtained in performing duties or providing services (第八项,
    and 刑法第二百五十三条之一第二款 从重). ``illegal_gain``: 违法所得 in yuan, when known.
    ``circumstances``: qualitative items of 第五条 established by evidence (see
    :class:`Circumstance`); they can only raise the level.
    """
    thresholds = _tier_thresholds()
    unknown = set(counts_by_tier) - set(thresholds)
    if unknown:
        raise ValueError(f"unknown tier(s) {sorted(unknown)}; expected {sorted(thresholds)}")
    counts = {tier: int(counts_by_tier.get(tier, 0)) for tier in thresholds}
    if any(n < 0 for n in counts.values()):
        raise ValueError("record counts must not be negative")
    if illegal_gain is not None and illegal_gain < 0:
        raise ValueError("illegal_gain must not be negative")

    factor = 1 / INSIDER_FACTOR if insider else 1.0
    quantity_ratio = sum(n / thresholds[t] for t, n in counts.items()) * factor
    gain_ratio = (illegal_gain or 0.0) / ILLEGAL_GAIN_THRESHOLD_YUAN * factor
    ratio = max(quantity_ratio, gain_ratio)

    level = _level_of(ratio)
    by_gain = gain_ratio > quantity_ratio
    rule_zh, rule_en = _quantity_rule(counts, thresholds, by_gain, insider)
    if level is SeverityLevel.ESPECIALLY_SERIOUS:
        rule_zh = f"{rule_zh}，达到标准十倍以上（第五条第二款第三项）"
        rule_en = f"{rule_en}, ten times the standard or more (Art. 5 para. 2 item 3)"

    cited = [Circumstance(c) for c in circumstances]
    for c in cited:
        if c.level.rank > level.rank:
            level = c.level
            rule_zh, rule_en = f"法释〔2017〕10号 {c.item}", f"2017 Interpretation {c.item}"

    provisions = (BASIS_5, BASIS_CRIME) if level is not SeverityLevel.GENERAL else (BASIS_5,)
    zh, en = _explain(counts, thresholds, quantity_ratio, gain_ratio, illegal_gain, insider,
                      level, rule_zh, rule_en, cited)
    return SeverityAssessment(
        level=level, ratio=round(ratio, 6), rule=rule_zh, explanation_zh=zh, explanation_en=en,
        records_by_tier=counts, quantity_ratio=round(quantity_ratio, 6),
        gain_ratio=round(gain_ratio, 6), insider=insider, illegal_gain=illegal_gain,
        circumstances=tuple(c.value for c in cited), provisions=provisions,
    )


def _level_of(ratio: float) -> SeverityLevel:
    # a tolerance keeps 25 insider records (25 / 50 * 2) exactly at the standard
    if ratio + 1e-9 >= ESPECIALLY_SERIOUS_FACTOR:
        return SeverityLevel.ESPECIALLY_SERIOUS
    if ratio + 1e-9 >= 1:
        return SeverityLevel.SERIOUS
    return SeverityLevel.GENERAL


_TIER_ITEM = {"T1": "第三项", "T2": "第四项", "T3": "第五项"}


def _quantity_rule(counts: Mapping[str, int], thresholds: Mapping[str, int], by_gain: bool,
                   insider: bool) -> tuple[str, str]:
    if by_gain:
        zh = "法释〔2017〕10号 第五条第一款第七项（违法所得）"
        en = "2017 Interpretation Art. 5(7) (illegal gain)"
    else:
        present = [t for t, n in counts.items() if n]
        if len(present) > 1:
            zh = "法释〔2017〕10号 第五条第一款第六项（按比例合计）"
            en = "2017 Interpretation Art. 5(6) (proportional sum of tiers)"
        else:
            tier = present[0] if present else min(thresholds, key=lambda t: thresholds[t])
            item = _TIER_ITEM.get(tier, "")
            zh = f"法释〔2017〕10号 第五条第一款{item}（{tier} {thresholds[tier]}条）"
            en = f"2017 Interpretation Art. 5(1) {item} ({tier}, {thresholds[tier]} records)"
    if insider:
        zh += "，履职或提供服务中获得的标准减半（第八项）"
        en += ", halved for information obtained in service (Art. 5(8))"
    return zh, en


def _explain(counts: Mapping[str, int], thresholds: Mapping[str, int], quantity_ratio: float,
             gain_ratio: float, illegal_gain: float | None, insider: bool,
             level: SeverityLevel, rule_zh: str, rule_en: str,
             cited: list[Circumstance]) -> tuple[str, str]:
    share = 0.5 if insider else 1.0
    terms_zh = [f"{t} {n}条/{thresholds[t] * share:g}" for t, n in counts.items() if n]
    terms_en = [f"{t} {n}/{thresholds[t] * share:g}" for t, n in counts.items() if n]
    zh = [f"数量折算：{' + '.join(terms_zh) or '0'} = {quantity_ratio:.2f} 倍情节严重标准"]
    en = [f"quantity: {' + '.join(terms_en) or '0'} = {quantity_ratio:.2f}× the 情节严重 standard"]
    if illegal_gain is not None:
        base = ILLEGAL_GAIN_THRESHOLD_YUAN * share
        zh.append(f"违法所得 {illegal_gain:g} 元 / {base:g} 元 = {gain_ratio:.2f} 倍")
        en.append(f"illegal gain ¥{illegal_gain:g} / ¥{base:g} = {gain_ratio:.2f}×")
    if insider:
        zh.append("信息系在履行职责或提供服务过程中获得，适用减半标准并依刑法第二百五十三条之一第二款从重")
        en.append("obtained in performing duties or providing services: half thresholds, and "
                  "heavier punishment under Criminal Law Art. 253-1 para. 2")
    for c in cited:
        zh.append(f"另有情形：{c.item}")
        en.append(f"circumstance established: {c.item}")
    zh.append(f"结论：{level.label_zh}（依据：{rule_zh}）。条数须经核实为非法获取、出售或者提供。")
    en.append(f"result: {level.label_en} (rule: {rule_en}). The records still have to be shown "
              "to have been illegally obtained, sold or provided.")
    return "；".join(zh), "; ".join(en)


@dataclass(frozen=True)
class StandingAssessment:
    """Whether a lead reaches "侵害众多个人的权益" (PIPL Art. 70) on the screening threshold."""

    has_standing: bool
    affected_people: int
    threshold: int
    explanation_zh: str
    explanation_en: str
    provision: str = "PIPL-70"


def many_individuals_threshold() -> int:
    """The configured 众多个人 threshold (env ``PISENTINEL_MANY_INDIVIDUALS``, default 100)."""
    raw = os.environ.get("PISENTINEL_MANY_INDIVIDUALS")
    if raw is None:
        return MANY_INDIVIDUALS_DEFAULT
    value = int(raw)
    if value < 2:
        raise ValueError("PISENTINEL_MANY_INDIVIDUALS must be at least 2")
    return value


def public_interest_standing(affected_people: int,
                             threshold: int | None = None) -> StandingAssessment:
    """Does the number of distinct affected people reach the 众多个人 screening threshold?"""
    limit = many_individuals_threshold() if threshold is None else threshold
    if limit < 2:
        raise ValueError("a threshold for 众多个人 must be at least 2")
    ok = affected_people >= limit
    zh = (f"受影响个人 {affected_people} 人，{'达到' if ok else '未达到'}“众多个人”"
          f"筛查阈值 {limit} 人"
          "（个人信息保护法第七十条；法律未规定具体人数，阈值为本工具的可配置设定）")
    en = (f"{affected_people} distinct people affected; {'meets' if ok else 'below'} the 众多个人 "
          f"screening threshold of {limit} (PIPL Art. 70 names no number; the threshold is a "
          "configurable setting of this tool)")
    return StandingAssessment(ok, affected_people, limit, zh, en)


class Action(StrEnum):
    """What a procuratorate can do with a lead."""

    PRE_LITIGATION_SUGGESTION = "pre_litigation_suggestion"
    CIVIL_PUBLIC_INTEREST = "civil_public_interest"
    CRIMINAL_REFERRAL = "criminal_referral"

    @property
    def label_zh(self) -> str:
        return {"pre_litigation_suggestion": "诉前检察建议",
                "civil_public_interest": "民事公益诉讼",
                "criminal_referral": "移送刑事线索"}[self.value]

    @property
    def label_en(self) -> str:
        return {"pre_litigation_suggestion": "pre-litigation procuratorial suggestion",
                "civil_public_interest": "civil public-interest litigation",
                "criminal_referral": "refer as a criminal lead"}[self.value]


@dataclass(frozen=True)
class ActionRecommendation:
    primary: Action
    also: tuple[Action, ...]
    reason_zh: str
    reason_en: str


def recommended_action(severity: SeverityAssessment, standing: StandingAssessment,
                       *, regulator_duty: bool = True) -> ActionRecommendation:
    """The route a lead most plausibly takes.

    - Counts at or above 情节严重 → 移送刑事线索 (刑法第二百五十三条之一), with the public-interest
      route alongside when 众多个人 is met.
    - Otherwise, where a regulator has a supervisory duty it has not exercised (the six 2026
      cases but one) → 诉前检察建议 to that regulator (administrative public interest).
    - Otherwise, with 众多个人 and a direct infringer (the 开盒 case) → 民事公益诉讼 (PIPL Art. 70).
    ``regulator_duty`` says whether a regulator with a duty is identified; models know this.
    """
    public_route = (Action.PRE_LITIGATION_SUGGESTION if regulator_duty
                    else Action.CIVIL_PUBLIC_INTEREST)
    if severity.level is not SeverityLevel.GENERAL:
        also = (public_route,) if standing.has_standing else ()
        return ActionRecommendation(
            Action.CRIMINAL_REFERRAL, also,
            f"数量达到{severity.level.label_zh}标准，涉嫌侵犯公民个人信息罪，应移送刑事线索"
            + (f"；同时{standing.explanation_zh}，可并行{public_route.label_zh}" if also else ""),
            f"counts reach the {severity.level.label_en} standard of Criminal Law Art. 253-1: "
            "refer as a criminal lead" + (f"; {standing.explanation_en}, so "
                                          f"{public_route.label_en} may run alongside"
                                          if also else ""))
    if regulator_duty:
        note_zh = "" if standing.has_standing else "；“众多个人”尚需补充核实"
        note_en = "" if standing.has_standing else "; 众多个人 still to be established"
        return ActionRecommendation(
            Action.PRE_LITIGATION_SUGGESTION, (),
            f"未达刑事标准，存在负有监管职责的行政机关，宜制发诉前检察建议；{standing.explanation_zh}"
            + note_zh,
            "below the criminal thresholds and a regulator has a supervisory duty: issue a "
            f"pre-litigation procuratorial suggestion; {standing.explanation_en}" + note_en)
    return ActionRecommendation(
        Action.CIVIL_PUBLIC_INTEREST, (),
        f"未达刑事标准，侵权人直接侵害个人信息权益；{standing.explanation_zh}"
        + ("" if standing.has_standing else "；提起民事公益诉讼前须补强“众多个人”证据"),
        f"below the criminal thresholds with a direct infringer; {standing.explanation_en}"
        + ("" if standing.has_standing else "; strengthen the 众多个人 evidence before suing"))

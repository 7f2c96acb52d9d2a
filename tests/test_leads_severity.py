"""Severity against 法释〔2017〕10号 第五条, 众多个人 standing, and the recommended action."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pisentinel.leads.severity import (
    MANY_INDIVIDUALS_DEFAULT,
    Action,
    Circumstance,
    SeverityAssessment,
    SeverityLevel,
    public_interest_standing,
    recommended_action,
    records_by_tier,
    severity_for,
)

G, S, E = SeverityLevel.GENERAL, SeverityLevel.SERIOUS, SeverityLevel.ESPECIALLY_SERIOUS


@pytest.mark.parametrize(("counts", "level"), [
    ({"T1": 49}, G), ({"T1": 50}, S), ({"T1": 499}, S), ({"T1": 500}, E),
    ({"T2": 499}, G), ({"T2": 500}, S), ({"T2": 5000}, E),
    ({"T3": 4999}, G), ({"T3": 5000}, S), ({"T3": 49999}, S), ({"T3": 50000}, E),
    ({}, G), ({"T1": 0, "T2": 0, "T3": 0}, G),
])
def test_single_tier_thresholds(counts: dict[str, int], level: SeverityLevel) -> None:
    assert severity_for(counts).level is level


def test_single_tier_rule_names_the_item() -> None:
    a = severity_for({"T2": 600})
    assert "第五条第一款第四项" in a.rule
    assert a.ratio == pytest.approx(1.2)
    assert a.provisions == ("SPC-SPP-2017-5", "CRIMINAL-253-1")
    assert severity_for({"T2": 10}).provisions == ("SPC-SPP-2017-5",)


def test_proportional_mixing_of_tiers() -> None:
    # 20/50 + 200/500 + 1000/5000 = 0.4 + 0.4 + 0.2 = 1.0
    a = severity_for({"T1": 20, "T2": 200, "T3": 1000})
    assert a.level is S
    assert a.ratio == pytest.approx(1.0)
    assert "第六项" in a.rule
    below = severity_for({"T1": 20, "T2": 200, "T3": 999})
    assert below.level is G
    assert below.ratio < 1


def test_insiders_reach_the_standard_at_half() -> None:
    assert severity_for({"T1": 25}, insider=True).level is S
    assert severity_for({"T1": 24}, insider=True).level is G
    assert severity_for({"T2": 250}, insider=True).level is S
    a = severity_for({"T2": 2500}, insider=True)
    assert a.level is E
    assert "第八项" in a.rule and "十倍" in a.rule
    assert "从重" in a.explanation_zh


def test_illegal_gain() -> None:
    a = severity_for({"T3": 10}, illegal_gain=5000)
    assert a.level is S
    assert "第七项" in a.rule
    assert severity_for({}, illegal_gain=4999).level is G
    assert severity_for({}, illegal_gain=2500, insider=True).level is S
    assert severity_for({}, illegal_gain=50000).level is E


def test_gain_and_quantity_are_not_added_together() -> None:
    # 第六项 mixes quantities only: half the quantity and half the gain is not 情节严重
    assert severity_for({"T3": 2500}, illegal_gain=2500).level is G


def test_qualitative_circumstances_raise_but_never_lower() -> None:
    a = severity_for({"T1": 1}, circumstances=[Circumstance.TRAJECTORY_USED_FOR_CRIME])
    assert a.level is S
    assert "第一款第一项" in a.rule
    b = severity_for({"T3": 1}, circumstances=["severe_harm_to_victim"])
    assert b.level is E
    c = severity_for({"T1": 600}, circumstances=[Circumstance.PRIOR_OFFENCE])
    assert c.level is E
    assert c.circumstances == ("prior_offence",)


def test_the_six_cases_known_numbers() -> None:
    # S5: 800 health records sold by medical staff (in service) → 800/250 = 3.2
    s5 = severity_for({"T2": 800}, insider=True)
    assert (s5.level, s5.ratio) == (S, pytest.approx(3.2))
    # S3: 37,000 résumés (T3) → 7.4, not yet 特别严重
    s3 = severity_for({"T3": 37000})
    assert (s3.level, s3.ratio) == (S, pytest.approx(7.4))
    # S4: 1,200 doxxing records, if counted as T3, stay below the standard on counts alone
    assert severity_for({"T3": 1200}).level is G
    assert severity_for({"T2": 1200}).level is S


def test_explanations_in_both_languages() -> None:
    a = severity_for({"T1": 30, "T3": 3000}, illegal_gain=1000)
    assert "数量折算" in a.explanation_zh and "情节严重" in a.explanation_zh
    assert "违法所得" in a.explanation_zh
    assert "quantity" in a.explanation_en and "illegal gain" in a.explanation_en
    assert a.explanation("en") == a.explanation_en


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tier"):
        severity_for({"T4": 1})
    with pytest.raises(ValueError):
        severity_for({"T1": -1})
    with pytest.raises(ValueError):
        severity_for({}, illegal_gain=-5)
    with pytest.raises(ValueError):
        severity_for({}, circumstances=["made_up"])


def test_assessment_round_trips_through_a_dict() -> None:
    a = severity_for({"T1": 30, "T2": 300}, insider=True, illegal_gain=100.0,
                     circumstances=[Circumstance.PRIOR_OFFENCE])
    assert SeverityAssessment.from_dict(a.to_dict()) == a


counts_st = st.fixed_dictionaries({t: st.integers(0, 200_000) for t in ("T1", "T2", "T3")})


@given(counts_st, st.sampled_from(["T1", "T2", "T3"]), st.integers(1, 10_000), st.booleans())
def test_more_records_never_lower_the_level(counts: dict[str, int], tier: str, extra: int,
                                            insider: bool) -> None:
    before = severity_for(counts, insider=insider)
    after = severity_for({**counts, tier: counts[tier] + extra}, insider=insider)
    assert after.level.rank >= before.level.rank
    assert after.ratio >= before.ratio


@given(counts_st)
def test_insider_is_never_less_severe(counts: dict[str, int]) -> None:
    assert severity_for(counts, insider=True).level.rank >= severity_for(counts).level.rank


def test_records_by_tier_counts_each_record_once_under_its_worst_tier() -> None:
    records = [
        {"PHONE_NUMBER", "GPS_COORDINATE"},  # T1
        {"PERSON_NAME", "MEDICAL_HEALTH"},  # T2
        {"PERSON_NAME", "CN_ID_CARD"},  # T3
        {"USCC"},  # not PI: not counted
        set(),
    ]
    assert records_by_tier(records) == {"T1": 1, "T2": 1, "T3": 1}


def test_public_interest_standing_threshold_is_configurable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PISENTINEL_MANY_INDIVIDUALS", raising=False)
    assert public_interest_standing(MANY_INDIVIDUALS_DEFAULT).has_standing
    assert not public_interest_standing(MANY_INDIVIDUALS_DEFAULT - 1).has_standing
    assert public_interest_standing(12, threshold=10).has_standing
    monkeypatch.setenv("PISENTINEL_MANY_INDIVIDUALS", "10")
    st10 = public_interest_standing(12)
    assert st10.has_standing and st10.threshold == 10
    assert "第七十条" in st10.explanation_zh and "configurable" in st10.explanation_en
    with pytest.raises(ValueError):
        public_interest_standing(5, threshold=1)


def test_recommended_action_routes() -> None:
    many, few = public_interest_standing(5000, 100), public_interest_standing(3, 100)
    crime = recommended_action(severity_for({"T3": 37000}), many)
    assert crime.primary is Action.CRIMINAL_REFERRAL
    assert crime.also == (Action.PRE_LITIGATION_SUGGESTION,)
    assert "移送刑事线索" not in crime.reason_en and "刑事" in crime.reason_zh
    admin = recommended_action(severity_for({"T3": 100}), many)
    assert admin.primary is Action.PRE_LITIGATION_SUGGESTION
    civil = recommended_action(severity_for({"T3": 1200}), many, regulator_duty=False)
    assert civil.primary is Action.CIVIL_PUBLIC_INTEREST
    weak = recommended_action(severity_for({"T3": 10}), few, regulator_duty=False)
    assert weak.primary is Action.CIVIL_PUBLIC_INTEREST and "众多个人" in weak.reason_zh
    assert Action.CRIMINAL_REFERRAL.label_zh == "移送刑事线索"
    assert Action.PRE_LITIGATION_SUGGESTION.label_zh == "诉前检察建议"
    assert Action.CIVIL_PUBLIC_INTEREST.label_zh == "民事公益诉讼"

"""The Lead model: fingerprint, tokens, text fields and the status workflow."""

from __future__ import annotations

import itertools

import pytest

from pisentinel.leads.model import (
    REASON_REQUIRED,
    TRANSITIONS,
    Evidence,
    InvalidTransition,
    Lead,
    LeadStatus,
    Subject,
    check_transition,
    lead_fingerprint,
)
from pisentinel.leads.severity import Action, severity_for


def make_lead(**kw: object) -> Lead:
    base: dict[str, object] = dict(
        model="fake_recruitment", kind="harvesting_posting",
        subject=Subject("phone", "tok:p1", "138****0000"), title_zh="招聘信息索取身份证照片",
        summary_zh="同一联系电话发布多家公司招聘", severity=severity_for({"T3": 10}),
        affected_people=10)
    base.update(kw)
    return Lead(**base)  # type: ignore[arg-type]


def test_fingerprint_is_model_subject_and_kind() -> None:
    a = make_lead()
    assert a.fingerprint == make_lead(title_zh="另一个标题").fingerprint
    assert a.fingerprint != make_lead(kind="fee_demand").fingerprint
    assert a.fingerprint != make_lead(model="doxxing").fingerprint
    assert a.fingerprint != make_lead(subject=Subject("phone", "tok:p2", "x")).fingerprint
    assert a.fingerprint == lead_fingerprint("fake_recruitment", "tok:p1", "harvesting_posting")
    # no separator ambiguity: ("a", "bc") and ("ab", "c") differ
    assert lead_fingerprint("m", "a", "bc") != lead_fingerprint("m", "ab", "c")


def test_tokens_put_the_subject_first_and_deduplicate() -> None:
    lead = make_lead(linked_tokens=(("tok:w1", "wechat"), ("tok:p1", "phone"),
                                    ("tok:w1", "wechat")))
    assert lead.tokens() == (("tok:p1", "subject"), ("tok:w1", "wechat"))


def test_text_fields_reach_into_evidence_detail() -> None:
    ev = Evidence("posts.csv", "张** 138****0000", "sha256:1", row=4, column="body",
                  detail={"nested": {"numbers": [13800000000]}, "flag": True})
    fields = make_lead(evidence=(ev,)).text_fields()
    assert fields["evidence[0].excerpt"] == "张** 138****0000"
    assert fields["evidence[0].detail.nested.numbers[0]"] == "13800000000"
    assert "evidence[0].detail.flag" not in fields


def test_recommended_action_and_standing_are_derived_unless_given() -> None:
    assert make_lead().recommended is Action.PRE_LITIGATION_SUGGESTION
    assert make_lead(severity=severity_for({"T1": 60})).recommended is Action.CRIMINAL_REFERRAL
    assert make_lead(action=Action.CIVIL_PUBLIC_INTEREST).recommended is \
        Action.CIVIL_PUBLIC_INTEREST
    assert not make_lead().public_interest.has_standing
    assert make_lead(affected_people=1000).public_interest.has_standing


def test_lead_repr_shows_no_raw_values_it_does_not_have() -> None:
    # the model holds tokens and masked text only; repr is what it holds
    text = repr(make_lead())
    assert "tok:p1" in text and "138****0000" in text


ALLOWED = {
    ("new", "reviewing"), ("reviewing", "confirmed"), ("reviewing", "dismissed"),
    ("reviewing", "new"), ("confirmed", "filed"), ("confirmed", "reviewing"),
    ("dismissed", "reviewing"),
}


@pytest.mark.parametrize(("cur", "new"), list(itertools.product(LeadStatus, LeadStatus)))
def test_workflow_matrix(cur: LeadStatus, new: LeadStatus) -> None:
    if (cur.value, new.value) in ALLOWED:
        check_transition(cur, new, reason="理由")
    else:
        with pytest.raises(InvalidTransition):
            check_transition(cur, new, reason="理由")


def test_filed_is_final_and_reasons_are_required_for_dismiss_and_reopen() -> None:
    assert TRANSITIONS[LeadStatus.FILED] == frozenset()
    for cur, new in REASON_REQUIRED:
        with pytest.raises(InvalidTransition, match="理由"):
            check_transition(cur, new, reason="  ")
    check_transition("new", "reviewing")  # no reason needed


def test_invalid_transition_message_is_bilingual() -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition("new", "filed")
    assert "新线索" in str(info.value) and "allowed: reviewing" in str(info.value)

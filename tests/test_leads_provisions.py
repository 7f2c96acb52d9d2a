"""The provisions knowledge base: every id a lead may cite resolves to a law and a wording."""

from __future__ import annotations

import re

import pytest

from pisentinel.knowledge.provisions import RELIABILITY_LABELS, law, laws, provision, provisions
from pisentinel.leads.severity import severity_for

CITED_BY_LEADS = [
    "PIPL-5", "PIPL-6", "PIPL-10", "PIPL-13", "PIPL-17", "PIPL-23", "PIPL-28", "PIPL-29",
    "PIPL-31", "PIPL-51", "PIPL-55", "PIPL-70", "CIVIL-994", "CIVIL-1032", "CIVIL-1036",
    "CIVIL-1038", "CRIMINAL-253-1", "SPC-SPP-2017-3", "SPC-SPP-2017-5", "SPC-SPP-2017-8",
    "SPC-SPP-2017-11", "SPC-FACE-2021-10", "FACE-2025-8", "FACE-2025-10", "FACE-2025-15",
    "DATA-REG-2024-22", "APP-RULES-2019-1", "APP-NECESSARY-2021-4", "HR-MARKET-2018-29",
    "TOURISM-52",
]


def test_ids_are_unique_and_well_formed() -> None:
    ids = list(provisions())
    assert len(ids) == len(set(ids)) >= 80
    for pid in ids:
        assert re.fullmatch(r"[A-Z][A-Z0-9-]*-[0-9A-Z]+(-1)?", pid), pid


@pytest.mark.parametrize("pid", CITED_BY_LEADS)
def test_provisions_the_models_cite_resolve(pid: str) -> None:
    p = provision(pid)
    assert p.law.code in laws()
    assert p.wording()
    assert p.citation().startswith("《")


def test_every_provision_has_a_reliability_label_and_either_text_or_summary() -> None:
    for p in provisions().values():
        assert p.reliability in RELIABILITY_LABELS
        if p.reliability == "P":
            assert p.text is None and (p.summary_en or p.summary_zh), p.id
        else:
            assert p.text, p.id
        assert p.source, p.id


def test_verbatim_texts_carry_the_thresholds_and_the_standing_clause() -> None:
    art5 = provision("SPC-SPP-2017-5")
    assert art5.reliability == "V" and art5.verbatim and art5.text
    text = art5.text
    assert "五十条以上" in text and "五百条以上" in text and "五千条以上" in text
    assert "一半以上" in text and "十倍以上" in text
    assert "侵害众多个人的权益" in (provision("PIPL-70").text or "")
    crime = provision("CRIMINAL-253-1")
    assert len(crime.paragraphs) == 4
    assert "从重处罚" in crime.paragraphs[1]
    assert crime.citation() == "《刑法》第二百五十三条之一"


def test_annotations_of_the_reference_notes_did_not_leak_into_the_text() -> None:
    for p in provisions().values():
        for marker in ("(→", "[V", "[P", "**", "S4", "S5"):
            assert marker not in (p.text or ""), (p.id, marker)


def test_third_party_and_paraphrased_sources_are_labelled_as_such() -> None:
    assert provision("FACE-2025-15").reliability == "V-3p"
    assert "10万人" in (provision("FACE-2025-15").text or "")
    assert provision("FACE-2025-13").reliability == "P"
    assert provision("FACE-2025-13").wording().startswith("[摘要]")
    assert provision("PIPL-66").abridged


def test_unknown_ids_fail_with_a_hint() -> None:
    with pytest.raises(KeyError, match="PIPL-28"):
        provision("PIPL-999")
    with pytest.raises(KeyError, match="unknown law"):
        law("NOPE")


def test_severity_cites_provisions_that_exist() -> None:
    for counts in ({"T1": 10}, {"T1": 60}, {"T3": 60000}):
        for pid in severity_for(counts).provisions:
            assert provision(pid)


def test_english_citation_names_the_law() -> None:
    assert provision("PIPL-70").citation("en").startswith("Personal Information Protection Law")

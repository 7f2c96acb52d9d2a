"""Generalisation and redaction of texts and columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pytest

from pisentinel.detect.finding import Explanation, Finding
from pisentinel.detect.rules import own_type_value
from pisentinel.protect import (
    age_band,
    decrypt_value,
    generalize_value,
    id_card_facts,
    is_token,
    pseudonym_token,
    redact_array,
    redact_table,
    redact_text,
)

KEY = bytes(range(32))
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def synthetic_id(region: str, birth: str, sequence: str) -> str:
    """A made-up ID number with a valid MOD 11-2 check character."""
    body = region + birth + sequence
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def finding(type_code: str, text: str, part: str, score: float = 0.9) -> Finding:
    start = text.index(part)
    return Finding(type_code, start, start + len(part), score,
                   Explanation("test", "synthetic", score), text=part, value=part)


# --- generalisation ---------------------------------------------------------------------------

def test_id_card_facts() -> None:
    facts = id_card_facts(synthetic_id("110101", "19900307", "124"))
    assert facts is not None
    assert (facts.province, facts.birth_date, facts.sex) == ("北京市", date(1990, 3, 7), "F")
    male = id_card_facts(synthetic_id("440305", "20150101", "001"))
    assert male is not None and male.province == "广东省" and male.sex == "M"
    old = id_card_facts("110101900307771")
    assert old is not None and old.birth_date == date(1990, 3, 7) and old.sex == "M"
    assert id_card_facts("12345") is None


@pytest.mark.parametrize(("type_code", "value", "general"), [
    ("CN_ID_CARD", synthetic_id("110101", "19900307", "124"), "北京市 1990年生 女"),
    ("MINOR", synthetic_id("440305", "20150101", "001"), "广东省 2015年生 男"),
    ("BIRTH_DATE", "1990年3月7日", "1990"),
    ("ADDRESS", "北京市朝阳区建国路88号", "北京市朝阳区"),
    ("ADDRESS", "建国路88号", "[住址]"),
    ("GPS_COORDINATE", "39.904211, 116.407395", "39.90,116.41"),
    ("PHONE_NUMBER", "+86 138-1234-5678", "138"),
    ("PHONE_NUMBER", "5678", "[电话号码]"),
    ("BANK_CARD", "6222 0212 3456 7890", "622202"),
    ("LICENSE_PLATE", "京A·12345", "京A"),
    ("EMAIL", "Zhang@QQ.com", "@qq.com"),
    ("IP_ADDRESS", "192.168.1.23", "192.168.1.0/24"),
    ("PERSON_NAME", "欧阳娜娜", "欧阳某"),
    ("PERSON_NAME", "张", "[姓名]"),
    ("RELIGION", "信仰佛教", "[宗教信仰]"),
])
def test_generalize_examples(type_code: str, value: str, general: str) -> None:
    assert generalize_value(type_code, value) == general


def test_generalize_english() -> None:
    value = synthetic_id("110101", "19900307", "124")
    assert generalize_value("CN_ID_CARD", value, lang="en") == "Beijing, born 1990, female"


def test_age_band() -> None:
    today = date(2026, 3, 6)
    assert age_band("1990-03-07", today) == "30-39岁"
    assert age_band("1990-03-06", today) == "30-39岁"
    assert age_band(date(2015, 1, 1), today) == "<14岁"
    assert age_band(date(2012, 3, 6), today) == "14-19岁"
    assert age_band(date(2012, 3, 7), today) == "<14岁"
    assert age_band("1990-03-07", today, width=5, lang="en") == "35-39"
    assert age_band("not a date", today) is None
    assert age_band(date(2030, 1, 1), today) is None


# --- text redaction ---------------------------------------------------------------------------

TEXT = "张三的手机13812345678，住北京市朝阳区建国路88号"


def _findings() -> list[Finding]:
    return [finding("PERSON_NAME", TEXT, "张三"), finding("PHONE_NUMBER", TEXT, "13812345678"),
            finding("ADDRESS", TEXT, "北京市朝阳区建国路88号")]


@pytest.mark.parametrize(("method", "expected"), [
    ("mask", "张*的手机138****5678，住北京市朝阳区****"),
    ("generalize", "张某的手机138，住北京市朝阳区"),
    ("label", "[姓名]的手机[电话号码]，住[住址]"),
    ("remove", "的手机，住"),
])
def test_redact_text_methods(method: str, expected: str) -> None:
    assert redact_text(TEXT, _findings(), method) == expected


def test_redact_text_token_and_encrypt() -> None:
    tokenised = redact_text(TEXT, _findings(), "token", key=KEY)
    phone = pseudonym_token("PHONE_NUMBER", "138 1234 5678", KEY)
    assert phone in tokenised and "13812345678" not in tokenised and "张三" not in tokenised
    assert tokenised.startswith(pseudonym_token("PERSON_NAME", "张三", KEY) + "的手机")
    assert all(is_token(t) for t in tokenised.replace("的手机", " ").replace("，住", " ").split())

    sealed = redact_text(TEXT, _findings(), "encrypt", key=KEY)
    assert "13812345678" not in sealed and "朝阳" not in sealed
    parts = sealed.replace("的手机", " ").replace("，住", " ").split()
    revealed = [decrypt_value(p.partition(":")[0], p.partition(":")[2], KEY) for p in parts]
    assert revealed == ["张三", "13812345678", "北京市朝阳区建国路88号"]


def test_overlapping_findings_longer_wins() -> None:
    text = "卡号6222021234567890，电话13812345678"
    card = finding("BANK_CARD", text, "6222021234567890")
    inner = Finding("PHONE_NUMBER", card.start + 2, card.start + 13, 0.99,
                    Explanation("test", "inner", 0.99))
    crossing = Finding("QQ_NUMBER", card.end - 3, card.end + 3, 0.99,
                       Explanation("test", "crossing", 0.99))
    phone = finding("PHONE_NUMBER", text, "13812345678")
    out = redact_text(text, [inner, crossing, phone, card], "mask")
    assert out == "卡号6222********7890，电话138****5678"


def test_equal_length_overlap_prefers_higher_score() -> None:
    text = "号码123456789012"
    low = Finding("QQ_NUMBER", 2, 14, 0.4, Explanation("test", "low", 0.4))
    high = Finding("BANK_CARD", 3, 15, 0.8, Explanation("test", "high", 0.8))
    assert redact_text(text + "3", [low, high], "label") == "号码1[银行卡号]"


def test_redact_text_accepts_any_span_like_object() -> None:
    @dataclass
    class Span:
        type: str
        start: int
        end: int
        score: float = 1.0

    assert redact_text("电话13812345678", [Span("PHONE_NUMBER", 2, 13)]) == "电话138****5678"
    assert redact_text("no pi here", []) == "no pi here"


def test_redact_text_rejects_bad_spans_and_methods() -> None:
    bad = Finding("PHONE_NUMBER", 5, 50, 0.9, Explanation("t", "t", 0.9))
    with pytest.raises(ValueError) as info:
        redact_text("电话13812345678", [bad])
    assert "138" not in str(info.value)
    with pytest.raises(ValueError):
        redact_text(TEXT, _findings(), "shred")


# --- column redaction -------------------------------------------------------------------------

def test_redact_array_mask_keeps_nulls() -> None:
    column = pa.array(["13812345678", None, "138 1234 5678", "13812345678"])
    masked = redact_array(column, "PHONE_NUMBER", "mask")
    assert masked.to_pylist() == ["138****5678", None, "138 **** 5678", "138****5678"]
    assert masked.type == pa.string()


def test_redact_array_tokens_link_surface_forms() -> None:
    column = pa.chunked_array([["13812345678", None], ["+86 138 1234 5678"]])
    tokens = redact_array(column, "PHONE_NUMBER", "token", key=KEY).to_pylist()
    assert tokens[0] == tokens[2] == pseudonym_token("PHONE_NUMBER", "13812345678", KEY)
    assert tokens[1] is None


def test_redact_array_encrypt_generalize_remove() -> None:
    ids = [synthetic_id("110101", "19900307", "124"), synthetic_id("440305", "20150101", "001")]
    column = pa.array(ids, pa.large_string())
    sealed = redact_array(column, "CN_ID_CARD", "encrypt", key=KEY)
    assert sealed.type == pa.large_string()
    assert [decrypt_value("CN_ID_CARD", c, KEY) for c in sealed.to_pylist()] == ids
    assert redact_array(column, "CN_ID_CARD", "generalize").to_pylist() == [
        "北京市 1990年生 女", "广东省 2015年生 男"]
    assert redact_array(ids, "CN_ID_CARD", "remove").null_count == 2


def test_redact_table_touches_only_named_columns() -> None:
    table = pa.table({"phone": ["13812345678", None], "city": ["北京", "上海"],
                      "name": ["张三", "欧阳娜娜"]})
    out = redact_table(table, {"phone": "PHONE_NUMBER", "name": "PERSON_NAME"}, "mask")
    assert out.to_pydict() == {"phone": ["138****5678", None], "city": ["北京", "上海"],
                               "name": ["张*", "欧阳**"]}
    with pytest.raises(KeyError):
        redact_table(table, {"mobile": "PHONE_NUMBER"})


@dataclass(frozen=True)
class OwnType:
    """A user's own type as a rules file defines it (what `CustomType` carries)."""

    name_zh: str
    name_en: str
    keep_prefix: int
    keep_suffix: int

    def value_of(self, text: str) -> str:
        return own_type_value(text)


OWN = {"EMPLOYEE_ID": OwnType("工号", "employee number", 2, 2),
       "PHONE_NUMBER": OwnType("手机", "phone", 11, 0)}  # a built-in code: must not loosen it


@pytest.mark.parametrize(("method", "expected"), [
    ("mask", ["GH****56", None, "GH-****-21"]),
    ("surrogate", ["GH****56", None, "GH-****-21"]),
    ("label", ["[工号]", None, "[工号]"]),
    ("generalize", ["[工号]", None, "[工号]"]),
])
def test_redact_table_gives_own_types_their_rule(method: str, expected: list[str | None]
                                                  ) -> None:
    """A column of the user's type is masked by the rule's keep counts and labelled by its
    name; a built-in type keeps its own mask whatever `own_types` says of its code."""
    table = pa.table({"工号": ["GH123456", None, "GH-6543-21"], "手机": ["13812345678"] * 3})
    out = redact_table(table, {"工号": "EMPLOYEE_ID", "手机": "PHONE_NUMBER"}, method, key=KEY,
                       own_types=OWN)
    assert out.column("工号").to_pylist() == expected
    if method == "mask":
        assert out.column("手机").to_pylist() == ["138****5678"] * 3
    text = "工号GH123456"
    assert redact_text(text, [finding("EMPLOYEE_ID", text, "GH123456")], method, key=KEY,
                       lang="en", own_types=OWN) == "工号" + {
        "label": "[employee number]", "generalize": "[employee number]"}.get(method, "GH****56")


def test_every_province_has_an_english_name() -> None:
    """An ID generalised under --lang en names its province in English, whichever it is."""
    from pisentinel.knowledge import province_name, regions

    provinces = [code for code in regions() if code.endswith("0000")]
    assert len(provinces) >= 34
    missing = [code for code in provinces if not province_name(code, "en")]
    assert not missing, missing
    assert province_name("440305", "en") == "Guangdong" and province_name("440305") == "广东省"

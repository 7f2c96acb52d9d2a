"""Validity-preserving surrogates for ID, card and phone numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pisentinel.protect import id_card_facts, redact_text, surrogate_value
from pisentinel.protect.surrogate import id_check_character, luhn_check_digit

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


def luhn_valid(number: str) -> bool:
    return luhn_check_digit(number[:-1]) == number[-1]


def synthetic_id(region: str, birth: str, sequence: str) -> str:
    body = region + birth + sequence
    return body + id_check_character(body)


def synthetic_card(prefix: str, length: int) -> str:
    body = (prefix + "3" * length)[: length - 1]
    return body + luhn_check_digit(body)


def test_check_digit_helpers_on_known_values() -> None:
    # The standard's worked example 11010519491231002X and the classic Luhn example 79927398713.
    assert id_check_character("11010519491231002") == "X"
    assert luhn_check_digit("7992739871") == "3"


ids = st.builds(synthetic_id, st.sampled_from(["110101", "440305", "330185", "650102"]),
                st.dates(date(1930, 1, 1), date(2025, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
                st.integers(0, 999).map(lambda n: f"{n:03d}"))


@given(ids)
def test_id_surrogate_keeps_region_year_sex_and_checksum(value: str) -> None:
    fake = surrogate_value("CN_ID_CARD", value, KEY_A)
    assert fake != value and len(fake) == 18
    assert id_check_character(fake[:17]) == fake[17]
    real, made = id_card_facts(value), id_card_facts(fake)
    assert real is not None and made is not None and made.birth_date is not None
    assert real.birth_date is not None
    assert (made.region_code, made.birth_date.year, made.sex) == (
        real.region_code, real.birth_date.year, real.sex)
    assert surrogate_value("CN_ID_CARD", value.lower(), KEY_A) == fake


@given(st.sampled_from(["622202", "621700", "436742", "520000"]), st.integers(13, 19))
def test_card_surrogate_keeps_bin_length_and_luhn(bin_: str, length: int) -> None:
    value = synthetic_card(bin_, length)
    fake = surrogate_value("BANK_CARD", value, KEY_A)
    assert fake[:6] == bin_ and len(fake) == length and fake != value
    assert luhn_valid(fake)


def test_deterministic_per_key() -> None:
    value = synthetic_id("110101", "19900307", "124")
    assert surrogate_value("CN_ID_CARD", value, KEY_A) == surrogate_value(
        "CN_ID_CARD", value, KEY_A)
    assert surrogate_value("CN_ID_CARD", value, KEY_A) != surrogate_value(
        "CN_ID_CARD", value, KEY_B)
    assert surrogate_value("MINOR", value, KEY_A) == surrogate_value("CN_ID_CARD", value, KEY_A)


def test_phone_surrogate_keeps_carrier_prefix() -> None:
    fake = surrogate_value("PHONE_NUMBER", "+86 138 1234 5678", KEY_A)
    assert fake.startswith("138") and len(fake) == 11 and fake.isdigit()
    assert fake == surrogate_value("PHONE_NUMBER", "13812345678", KEY_A)


def test_unsupported_types_and_shapes_are_refused_without_the_value() -> None:
    with pytest.raises(ValueError):
        surrogate_value("EMAIL", "a@b.cn", KEY_A)
    with pytest.raises(ValueError) as info:
        surrogate_value("PHONE_NUMBER", "010-87654321", KEY_A)
    assert "87654321" not in str(info.value)


def test_redact_with_surrogates_falls_back_to_mask() -> None:
    from dataclasses import dataclass

    @dataclass
    class Span:
        type: str
        start: int
        end: int
        score: float = 1.0

    text = "张三 13812345678"
    out = redact_text(text, [Span("PERSON_NAME", 0, 2), Span("PHONE_NUMBER", 3, 14)],
                      "surrogate", key=KEY_A)
    assert out == "张* " + surrogate_value("PHONE_NUMBER", "13812345678", KEY_A)

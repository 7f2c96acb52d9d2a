"""Property tests: a mask never shows more than its rule allows; tokens ignore surface form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pisentinel.knowledge import PIType, pi_types, regions
from pisentinel.protect import (
    mask_value,
    normalize_value,
    pseudonym_token,
    select_spans,
)
from pisentinel.protect.mask import _COUNTRY_CODE_RE

KEY = bytes(range(32))
SEPARATORS = " -._/·"
HAN = "张王李赵欧阳司马娜丰三国明华建路街道号楼"

significant = st.one_of(
    st.characters(min_codepoint=ord("0"), max_codepoint=ord("9")),
    st.characters(min_codepoint=ord("A"), max_codepoint=ord("Z")),
    st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xFF10, max_codepoint=0xFF19),  # full-width digits
)
values = st.lists(st.one_of(significant, st.sampled_from(SEPARATORS)), max_size=40).map("".join)

KEEP_TYPES = [t for t in pi_types().values() if "strategy" not in t.mask and t.is_pi]


def _revealed(value: str, masked: str) -> list[int]:
    """Indices of significant characters of `value` that the mask shows."""
    return [i for i, (a, b) in enumerate(zip(value, masked, strict=True))
            if a.isalnum() and a == b]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KEEP_TYPES), values)
def test_keep_rules_show_at_most_prefix_and_suffix(pi_type: PIType, value: str) -> None:
    if pi_type.code == "PHONE_NUMBER":
        assume(not _COUNTRY_CODE_RE.match(value))  # +86 is shown and is not the number
    masked = mask_value(pi_type.code, value)
    assert len(masked) == len(value)
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    for i, (a, b) in enumerate(zip(value, masked, strict=True)):
        assert b == a or (a.isalnum() and b == "*"), i
    shown = _revealed(value, masked)
    pre, suf = pi_type.mask.get("keep_prefix", 0), pi_type.mask.get("keep_suffix", 0)
    allowed = set(positions[:pre]) | set(positions[len(positions) - suf:] if suf else [])
    assert set(shown) <= allowed
    assert len(shown) <= pre + suf
    if positions:
        assert len(shown) <= len(positions) // 2 or len(positions) > pre + suf
        assert len(shown) < len(positions)


names = st.text(alphabet=HAN + "·", min_size=0, max_size=8)


@given(names)
def test_name_mask_shows_only_the_surname(name: str) -> None:
    masked = mask_value("PERSON_NAME", name)
    shown = _revealed(name, masked)
    assert len(masked) == len(name)
    assert shown == list(range(len(shown)))  # a leading run only
    assert len(shown) <= 2
    n = sum(ch.isalnum() for ch in name)
    assert n == 0 or len(shown) < n


@given(st.text(alphabet="abcxyz0123456789._", min_size=1, max_size=20),
       st.sampled_from(["qq.com", "163.com", "example.cn"]))
def test_email_mask_shows_one_character_and_the_domain(local: str, domain: str) -> None:
    masked = mask_value("EMAIL", f"{local}@{domain}")
    head, _, tail = masked.rpartition("@")
    assert tail == domain
    assert sum(ch != "*" for ch in head) <= 1
    assert len(local) > 1 or set(head) == {"*"}


@given(st.integers(1900, 2099), st.integers(1, 12), st.integers(1, 28),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}年{m}月{d}日", "{y}/{m}/{d}",
                        "{y}{m:02d}{d:02d}"]))
def test_date_mask_shows_only_the_year(y: int, m: int, d: int, form: str) -> None:
    value = form.format(y=y, m=m, d=d)
    masked = mask_value("BIRTH_DATE", value)
    assert re.sub(r"\D", "", masked.replace("*", "")) == str(y)


@given(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))
def test_gps_mask_shows_one_decimal(lat: float, lon: float) -> None:
    value = f"{lat:.6f},{lon:.6f}"
    masked = mask_value("GPS_COORDINATE", value)
    for part, original in zip(masked.split(","), value.split(","), strict=True):
        whole, _, decimals = part.partition(".")
        assert whole == original.partition(".")[0]
        assert decimals[:1].isdigit() and set(decimals[1:]) <= {"*"}


@given(st.lists(st.integers(0, 255), min_size=4, max_size=4))
def test_ipv4_mask_shows_two_octets(octets: list[int]) -> None:
    masked = mask_value("IP_ADDRESS", ".".join(map(str, octets)))
    assert masked == f"{octets[0]}.{octets[1]}.*.*"


_COUNTIES = sorted(r.name for code, r in regions().items()
                   if not code.endswith("00") and r.name.endswith(("区", "县")))
detail = st.text(alphabet="建国路街道号楼单元室幢弄巷村组中山解放人民0123456789", max_size=15)


@settings(max_examples=200)
@given(st.sampled_from(_COUNTIES), detail)
def test_address_mask_keeps_nothing_after_the_county(county: str, rest: str) -> None:
    masked = mask_value("ADDRESS", county + rest)
    assert masked == county + "****"


@given(st.sampled_from(list(pi_types())), values)
def test_label_and_all_masks_never_raise_and_hide_something(type_code: str, value: str) -> None:
    masked = mask_value(type_code, value)
    info = pi_types()[type_code]
    if info.is_pi and type_code != "BIRTH_DATE" and any(c.isalnum() for c in value):
        assert masked != value


# --- tokens -----------------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10),
       st.lists(st.sampled_from(["", " ", "-", " - ", "\u200b"]), min_size=11, max_size=11),
       st.booleans(), st.sampled_from(["", "+86 ", "0086", "86-"]))
def test_phone_token_ignores_surface_form(rest: str, gaps: list[str], wide: bool,
                                          prefix: str) -> None:
    digits = "1" + rest
    written = prefix + "".join(g + d for g, d in zip(gaps, digits, strict=True))
    if wide:
        written = written.translate(_FULL_WIDTH)
    assert pseudonym_token("PHONE_NUMBER", written, KEY) == pseudonym_token(
        "PHONE_NUMBER", digits, KEY)


@given(st.sampled_from(list(pi_types())), values)
def test_normalize_is_idempotent(type_code: str, value: str) -> None:
    once = normalize_value(type_code, value)
    assert normalize_value(type_code, once) == once


@given(st.text(alphabet="0123456789", min_size=1, max_size=12),
       st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_distinct_numbers_get_distinct_tokens(a: str, b: str) -> None:
    assume(a != b)
    assert pseudonym_token("QQ_NUMBER", a, KEY) != pseudonym_token("QQ_NUMBER", b, KEY)


# --- overlap resolution -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Span:
    type: str
    start: int
    end: int
    score: float


spans = st.lists(st.tuples(st.integers(0, 49), st.integers(1, 20), st.floats(0, 1)),
                 max_size=15).map(lambda xs: [_Span("X", s, min(s + n, 50), p) for s, n, p in xs])


@given(spans)
def test_selected_spans_do_not_overlap_and_cover_the_longest(found: list[_Span]) -> None:
    chosen = select_spans(found, 50)
    for a, b in pairwise(chosen):
        assert a.end <= b.start
    for f in found:
        if f not in chosen:
            assert any(c.start < f.end and f.start < c.end
                       and c.end - c.start >= f.end - f.start for c in chosen)

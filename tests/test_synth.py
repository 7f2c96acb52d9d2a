"""The ground-truth generator: deterministic, checksums right, gold spans exactly where the values
are, every surface form and hard negative really produced."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from datetime import date

import pyarrow as pa
import pytest

from pisentinel.knowledge import pi_types, regions
from pisentinel.synth import HARDER_MIX, TABLE_COLUMNS, generate_table, generate_texts
from pisentinel.synth import pi_text as g

N = 3000


@pytest.fixture(scope="module")
def samples() -> list[g.Sample]:
    return generate_texts(N, seed=11)


_UNFULL = {v: k for k, v in g._FULLWIDTH.items()}
_UNHAN = {"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "三": "3", "四": "4", "五": "5",
          "六": "6", "七": "7", "八": "8", "九": "9"}


def _canonical(surface: str) -> str:
    """Undo the generator's surface forms independently of its code."""
    s = "".join(_UNHAN.get(_UNFULL.get(c, c), _UNFULL.get(c, c)) for c in surface)
    s = re.sub("[\u200b\u200c\u200d\u2060\ufeff\r\n]", "", s)
    s = re.sub(r"^(?:\+86|0086)[ \-]?", "", s)
    return s


def _id_ok(v: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(v[:17], weights, strict=True))
    return "10X98765432"[total % 11] == v[17].upper()


def _luhn(v: str) -> bool:
    digits = [int(c) for c in reversed(v)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def test_known_check_digits() -> None:
    assert g.id_check_digit("11010519491231002") == "X"  # the GB 11643 example
    assert g.luhn_ok("79927398713") and g.luhn_ok("4111111111111111")
    assert not g.luhn_ok("79927398710")
    assert g.org_code_check("M000100Y") == "4"
    assert g.org_code_check("D2143569") == "X"  # the GB 11714 example D2143569-X
    assert g.uscc_check("91350100M000100Y4") == "3"  # 91350100M000100Y43


def test_deterministic_and_seed_dependent() -> None:
    a = generate_texts(200, seed=3)
    b = generate_texts(200, seed=3)
    c = generate_texts(200, seed=4)
    assert [s.text for s in a] == [s.text for s in b]
    assert [s.spans for s in a] == [s.spans for s in b]
    assert [s.text for s in a] != [s.text for s in c]
    assert [s.text for s in generate_texts(200, seed=3, mix="harder")] != [s.text for s in a]


def test_spans_are_in_bounds_ordered_and_disjoint(samples: list[g.Sample]) -> None:
    known = set(pi_types())
    for s in samples:
        marks = sorted([(a, e) for _, a, e in s.spans] + [(a, e) for _, a, e in s.negatives])
        for (_, e), (a2, _) in itertools.pairwise(marks):
            assert e <= a2
        for t, a, e in s.spans:
            assert t in known
            assert 0 <= a < e <= len(s.text)
            assert s.text[a : e].strip() == s.text[a:e]
        assert len(s.forms) == len(s.spans)


def test_values_never_glue_to_neighbouring_alnum(samples: list[g.Sample]) -> None:
    for s in samples:
        for _, a, e in s.spans + s.negatives:
            before, after = s.text[a - 1 : a], s.text[e : e + 1]
            assert not (before.isascii() and before.isalnum() and s.text[a].isascii()
                        and s.text[a].isalnum())
            assert not (after.isascii() and after.isalnum() and s.text[e - 1].isascii()
                        and s.text[e - 1].isalnum())


def test_planted_ids_validate_and_negatives_do_not(samples: list[g.Sample]) -> None:
    ids = [_canonical(s.text[a:e]) for s in samples for t, a, e in s.spans if t == "CN_ID_CARD"]
    ids = [re.sub(r"[ \-.·]", "", v) for v in ids]
    long_ids = [v for v in ids if len(v) == 18]
    assert len(long_ids) > 300
    assert all(_id_ok(v) for v in long_ids)
    assert all(v[:6] in regions() for v in ids)
    assert all(date(1900, 1, 1) < date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
               < date(2025, 1, 1) for v in long_ids)
    historical = sum(regions()[v[:6]].end_year is not None for v in long_ids)
    assert historical > len(long_ids) * 0.05

    negs = Counter(k for s in samples for k, _, _ in s.negatives)
    assert set(negs) == set(g._NEGATIVES)
    for s in samples:
        for kind, a, e in s.negatives:
            v = s.text[a:e]
            if kind == "id_bad_checksum":
                assert not _id_ok(v)
            elif kind == "id_impossible_date":
                assert _id_ok(v)
                with pytest.raises(ValueError):
                    date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
            elif kind == "id_future_birth":
                assert _id_ok(v) and int(v[6:10]) >= 2031
            elif kind == "timestamp_ms":
                assert len(v) == 13 and v.isdigit()


def test_phones_cards_and_other_values(samples: list[g.Sample]) -> None:
    by_type: dict[str, list[str]] = {}
    for s in samples:
        for t, a, e in s.spans:
            by_type.setdefault(t, []).append(_canonical(s.text[a:e]))
    mobiles = [re.sub(r"[ \-.·]", "", v) for v in by_type["PHONE_NUMBER"]]
    eleven = [v for v in mobiles if len(v) == 11 and v[0] == "1"]
    assert len(eleven) > 300
    assert all(v[:3] in g._MOBILE_SEGMENTS for v in eleven)
    assert any(re.fullmatch(r"0\d{2,3}-?\d{7,8}", v) for v in by_type["PHONE_NUMBER"])
    cards = [re.sub(r"[ \-.·]", "", v) for v in by_type["BANK_CARD"]]
    assert all(16 <= len(c) <= 19 and _luhn(c) for c in cards)
    assert sum(c.startswith("62") for c in cards) > len(cards) / 2
    assert {len(c) for c in cards} >= {16, 17, 18, 19}
    assert all("@" in v for v in by_type["EMAIL"])
    assert all(re.fullmatch(r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}", v) for v in by_type["PASSPORT"])
    assert all(re.fullmatch(r"C\d{8}", v) for v in by_type["HK_MACAO_PERMIT"])
    plates = by_type["LICENSE_PLATE"]
    assert any(len(p) == 8 for p in plates) and any(len(p) == 7 for p in plates)
    for v in by_type["USCC"]:
        assert g.uscc_check(v[:17]) == v[17] and g.org_code_check(v[8:16]) == v[16]
    for v in by_type["IP_ADDRESS"]:
        assert all(0 <= int(x) <= 255 for x in v.split("."))


def test_surface_forms_all_occur(samples: list[g.Sample]) -> None:
    harder = generate_texts(N, seed=11, mix="harder")
    forms = Counter(f for s in samples + harder for form in s.forms for f in form.split("+"))
    for f in ("plain", "labelled", "fullwidth", "han_numerals", "separated", "zero_width",
              "wrapped", "lower_x", "country_code", "url", "json"):
        assert forms[f] > 0, f
    texts = "".join(s.text for s in samples)
    assert "幺" in texts and ("〇" in texts or "零" in texts) and "\u200b" in texts
    assert any(ch in texts for ch in "·") and "１" in texts


def test_harder_mix_is_harder(samples: list[g.Sample]) -> None:
    harder = generate_texts(N, seed=11, mix=HARDER_MIX)

    def obfuscated_share(ss: list[g.Sample]) -> float:
        forms = [f for s in ss for f in s.forms]
        return sum(not f.startswith("plain") for f in forms) / len(forms)

    assert obfuscated_share(harder) > obfuscated_share(samples) + 0.1
    assert sum(len(s.negatives) for s in harder) > sum(len(s.negatives) for s in samples)


def test_table_columns_and_gold() -> None:
    table, gold = generate_table(300, seed=5)
    assert table.column_names == list(TABLE_COLUMNS)
    assert table.schema.field("备注").type == pa.string()
    cols = table.to_pydict()
    assert gold
    for span in gold:
        cell = cols[span.column][span.row]
        assert cell is not None and 0 <= span.start < span.end <= len(cell)
    id_spans = [sp for sp in gold if sp.column == "身份证号"]
    assert all(_id_ok(cols["身份证号"][sp.row]) for sp in id_spans)
    assert any(sp.column == "备注" for sp in gold)
    t2, g2 = generate_table(300, seed=5)
    assert t2.equals(table) and g2 == gold


def test_repr_hides_values() -> None:
    s = generate_texts(20, seed=1)
    for x in s:
        for _, a, e in x.spans:
            assert x.text[a:e] not in repr(x)


def test_value_makers_are_seeded() -> None:
    assert g.resident_id(random.Random(1)) == g.resident_id(random.Random(1))
    assert g.bank_card(random.Random(2)) == g.bank_card(random.Random(2))


def test_corpus_mixes_planted_rows_into_pi_free_chatter() -> None:
    from pisentinel.synth import generate_corpus

    rows = generate_corpus(2000, seed=9, pi_rate=0.1)
    assert rows == generate_corpus(2000, seed=9, pi_rate=0.1)
    assert len(rows) == 2000
    planted = {s.text for s in generate_texts(400, seed=9)}
    share = sum(r in planted for r in rows) / len(rows)
    assert 0.05 < share < 0.15
    chatter = [r for r in rows if r not in planted]
    assert all(len(r) >= 50 for r in chatter)
    assert not any(re.search(r"[0-9]{4}|@", r) for r in chatter)


def test_holdout_mix_uses_other_wording() -> None:
    holdout = generate_texts(1500, seed=11, mix="holdout")
    main_labels = {lab for labs in g._LABELS.values() for lab in labs}
    alt_only = {lab for labs in g._ALT_LABELS.values() for lab in labs} - main_labels
    text = "".join(s.text for s in holdout)
    assert sum(lab in text for lab in alt_only) > len(alt_only) / 2
    assert not any(f in text for f in g._FILLER if len(f) > 6)
    assert sum(len(s.spans) for s in holdout) > 1500


def test_addresses_hold_no_gbt2260_grouping_rows() -> None:
    """市辖区 and 省直辖县级行政单位 group counties in the code table; nobody writes them."""
    rng = random.Random(5)
    made = [g.address(rng) for _ in range(5000)]
    assert not [a for a in made if "直辖" in a or "市辖区" in a]
    assert any(a.startswith("海南省") for a in made)  # its counties hang off such a row

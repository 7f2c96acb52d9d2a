"""The trained NER recognizer: API contract, offsets, modes, and the numpy machinery under it.

Sentences are synthetic, written here; the model is the one shipped in the package.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from pisentinel.detect.finding import Finding
from pisentinel.detect.ner import NerRecognizer, load_default
from pisentinel.detect.ner._decode import (
    TAGS,
    allowed_transitions,
    spans_from_tags,
    viterbi_rows,
)
from pisentinel.detect.ner._features import (
    N_LEX_FEATURES,
    FeatureTables,
    HashIndex,
    codepoints,
    lexicon_bits,
    word_hash,
)

DOXX = "我叫张伟，家住浙江省杭州市西湖区文三路90号，在杭州海康科技有限公司上班。"
POSTS = [
    "王秀英今天去了上海市浦东新区世纪大道100号的中国银行办事。",
    "李明和刘洋在北京大学读书，住在海淀区中关村南大街5号。",
    "没有任何实体的一句话。",
    "",
    "开盒：陈志强，手机13800000000，住广州市天河区体育西路88号。",
]


@pytest.fixture(scope="module")
def rec() -> NerRecognizer:
    return load_default()


def _check_offsets(text: str, findings: list[Finding]) -> None:
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.text == text[f.start:f.end]
        assert f.type in ("PERSON_NAME", "ADDRESS", "ORGANIZATION")
        assert 0.0 < f.score <= 1.0
        assert f.explanation.recognizer == "ner"
        assert f.explanation.base_score == f.score


def test_load_default_is_cached(rec: NerRecognizer) -> None:
    assert load_default() is rec
    assert rec.name == rec.meta["name"]


def test_finds_name_address_and_company(rec: NerRecognizer) -> None:
    found = rec.find(DOXX)
    _check_offsets(DOXX, found)
    by_type = {t: [f.text for f in found if f.type == t]
               for t in ("PERSON_NAME", "ADDRESS", "ORGANIZATION")}
    assert "张伟" in by_type["PERSON_NAME"]
    assert any("杭州市" in a and "文三路" in a for a in by_type["ADDRESS"])
    assert any(o.endswith("有限公司") for o in by_type["ORGANIZATION"])


def test_find_many_matches_find(rec: NerRecognizer) -> None:
    batch = rec.find_many(POSTS)
    assert len(batch) == len(POSTS)
    for text, found in zip(POSTS, batch, strict=True):
        _check_offsets(text, found)
        alone = rec.find(text)
        assert [(f.start, f.end, f.type) for f in found] == [
            (f.start, f.end, f.type) for f in alone]
        assert [f.score for f in found] == pytest.approx([f.score for f in alone], abs=1e-3)
    assert batch[3] == []
    assert "陈志强" in [f.text for f in batch[4] if f.type == "PERSON_NAME"]


def test_offsets_are_code_points_with_astral_characters(rec: NerRecognizer) -> None:
    text = "😀😀𠀀转发：" + DOXX
    found = rec.find(text)
    _check_offsets(text, found)
    assert "张伟" in [f.text for f in found if f.type == "PERSON_NAME"]


def test_long_text_is_segmented_without_losing_offsets(rec: NerRecognizer) -> None:
    filler = "今天天气很好，我们一起去公园散步吧。" * 80  # > 1,000 characters
    text = filler + DOXX + filler + DOXX
    found = rec.find(text)
    _check_offsets(text, found)
    names = [f.start for f in found if f.text == "张伟"]
    first = len(filler) + DOXX.index("张伟")
    assert names == [first, first + len(DOXX) + len(filler)]


def test_window_mode_maps_offsets_back_to_full_text(rec: NerRecognizer) -> None:
    filler = "这是一段与任何人都无关的普通文字，用来把证据隔开。" * 30
    text = filler + DOXX + filler
    anchor = text.index("90号")
    near = rec.find_near(text, [(anchor, anchor + 3)], radius=40)
    _check_offsets(text, near)
    assert {f.text for f in near} >= {"张伟"}
    assert all(abs(f.start - anchor) < 40 + 20 for f in near)
    full = {(f.start, f.end, f.type) for f in rec.find(text)}
    assert {(f.start, f.end, f.type) for f in near} <= full


def test_window_mode_without_anchors_reads_nothing(rec: NerRecognizer) -> None:
    assert rec.find_near(DOXX, []) == []


def test_find_near_many_matches_find_near(rec: NerRecognizer) -> None:
    anchors = [[(t.index("号"), t.index("号") + 1)] if "号" in t else [] for t in POSTS]
    batch = rec.find_near_many(POSTS, anchors)
    for text, spans, found in zip(POSTS, anchors, batch, strict=True):
        _check_offsets(text, found)
        alone = rec.find_near(text, spans)
        assert [(f.start, f.end, f.type) for f in found] == [
            (f.start, f.end, f.type) for f in alone]
    assert batch[2] == [] and batch[3] == []


def test_findings_do_not_reveal_values_in_repr(rec: NerRecognizer) -> None:
    found = rec.find(DOXX)
    assert found
    assert all("张伟" not in repr(f) for f in found)
    assert "张伟" not in repr(rec)


def test_nul_characters_in_input_are_harmless(rec: NerRecognizer) -> None:
    text = "\x00\x00" + DOXX + "\x00"
    _check_offsets(text, rec.find(text))


# -- the numpy machinery ---------------------------------------------------------------------
def test_hash_index_agrees_with_a_dict() -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(1, 2**63, size=5000, dtype=np.uint64))
    values = rng.integers(0, 1000, size=len(keys)).astype(np.int64)
    index = HashIndex(keys, values)
    reference = dict(zip(keys.tolist(), values.tolist(), strict=True))
    query = np.concatenate([keys, rng.integers(1, 2**63, size=5000, dtype=np.uint64)])
    got = index.get(query, -1)
    expected = [reference.get(int(q), -1) for q in query]
    assert got.tolist() == expected


def _tables(words: dict[str, int]) -> FeatureTables:
    hashes = {word_hash(w): b for w, b in words.items()}
    keys = np.array(sorted(hashes), dtype=np.uint64)
    return FeatureTables(
        char_keys=np.array(sorted(map(ord, "张伟住杭州")), dtype=np.uint32),
        char_ids=np.arange(5, 10, dtype=np.int64),
        bigram_keys=np.zeros(0, dtype=np.uint64), bigram_ids=np.zeros(0, dtype=np.int64),
        lex_keys=keys, lex_bits=np.array([hashes[int(k)] for k in keys], dtype=np.uint16),
        lex_max_len=4,
    )


def test_lexicon_bits_mark_begin_inside_end() -> None:
    tables = _tables({"杭州市": 0b10, "张": 0b1})
    bits = lexicon_bits(tables, codepoints("张伟住杭州市"))
    assert bits[:, 0].tolist() == [1, 0, 0, 2, 0, 0]  # begin
    assert bits[:, 1].tolist() == [0, 0, 0, 0, 2, 0]  # inside
    assert bits[:, 2].tolist() == [1, 0, 0, 0, 0, 2]  # end


def test_codepoints_fold_full_width_and_case() -> None:
    assert codepoints("ＡＢ１a　").tolist() == [ord(c) for c in "ab1a "]


def test_feature_width_matches_categories() -> None:
    from pisentinel.detect.ner._features import featurize

    uni, left, _right, lex = featurize(_tables({"杭州": 1}), codepoints("张伟住杭州"))
    assert lex.shape == (5, N_LEX_FEATURES)
    assert uni.tolist()[0] >= 5 and left[0] == 0


def test_spans_from_tags() -> None:
    t = {name: i for i, name in enumerate(TAGS)}
    tags = np.array([t["O"], t["B-PERSON_NAME"], t["I-PERSON_NAME"], t["B-ADDRESS"],
                     t["I-ADDRESS"], t["I-ORGANIZATION"], t["O"], t["B-PERSON_NAME"]])
    assert spans_from_tags(tags) == [(1, 3, 0), (3, 5, 1), (5, 6, 2), (7, 8, 0)]


def test_viterbi_never_puts_inside_after_outside() -> None:
    rng = np.random.default_rng(0)
    em = rng.normal(size=(500, len(TAGS))).astype(np.float32)
    trans = np.where(allowed_transitions(), 0.0, -1e4).astype(np.float32)
    path = viterbi_rows(em, trans, width=50)
    ok = allowed_transitions()
    for i in range(1, len(path)):
        if i % 50:
            assert ok[path[i - 1], path[i]]


def test_viterbi_row_cut_matches_unbroken_decoding_on_clear_input() -> None:
    rnd = random.Random(1)
    gold = [rnd.choice([0, 1, 2, 3, 4, 5, 6]) for _ in range(300)]
    for i in range(len(gold)):  # make the gold path legal
        if gold[i] % 2 == 0 and gold[i] and (i == 0 or (gold[i - 1] + 1) // 2 != gold[i] // 2):
            gold[i] -= 1
    em = np.full((300, len(TAGS)), -5.0, dtype=np.float32)
    em[np.arange(300), gold] = 5.0
    trans = np.where(allowed_transitions(), 0.0, -1e4).astype(np.float32)
    assert viterbi_rows(em, trans, width=64).tolist() == gold


def test_decode_segments_decodes_each_segment_as_if_alone() -> None:
    from pisentinel.detect.ner._decode import decode_segments

    rng = np.random.default_rng(5)
    trans = rng.normal(size=(len(TAGS), len(TAGS))).astype(np.float32)
    trans[~allowed_transitions()] = -1e4
    lengths = np.array([7, 30, 1, 64, 12])
    starts = np.concatenate(([3], 3 + np.cumsum(lengths + 3)[:-1]))
    em = rng.normal(size=(int(starts[-1] + lengths[-1] + 3), len(TAGS))).astype(np.float32)
    tags = decode_segments(em, trans, starts, lengths, min_width=40)
    for s, n in zip(starts, lengths, strict=True):
        alone = decode_segments(em[s:s + n], trans, np.array([0]), np.array([n]))
        assert tags[s:s + n].tolist() == alone.tolist()
    outside = np.ones(len(em), dtype=bool)
    for s, n in zip(starts, lengths, strict=True):
        outside[s:s + n] = False
    assert (tags[outside] == 0).all()


def test_scanner_keeps_model_spans_inside_text_with_zero_width_characters() -> None:
    """A model span that ends on a dropped zero-width character maps back inside the text."""
    from pisentinel.detect.scanner import Scanner

    text = "330106199807022659赵\xad"
    for finding in Scanner().scan_text(text):
        assert 0 <= finding.start < finding.end <= len(text)


@pytest.mark.parametrize(("pi_type", "text", "span", "kept"), [
    ("ADDRESS", "港澳居民来往内地通行证号码 C27512345", "港澳", False),
    ("ADDRESS", "台湾居民来往大陆通行证 12345678", "台湾", False),
    ("ADDRESS", "家住杭州市西湖区文三路88号，电话", "杭州市西湖区文三路88号", True),
    ("ADDRESS", "杭州市居民张伟", "杭州市", False),
    ("PERSON_NAME", "访问IP：31.89.1.2", "IP", False),
    ("PERSON_NAME", "nice job 13812345678", "job", False),
    ("PERSON_NAME", "联系Lily 13812345678", "Lily", True),
    ("PERSON_NAME", "联系张伟 13812345678", "张伟", True),
])
def test_model_spans_a_detector_does_not_want_are_dropped(pi_type: str, text: str, span: str,
                                                           kept: bool) -> None:
    """News-trained taggers call bare regions, document names and English words entities."""
    from pisentinel.detect.recognizers.trained import plausible_span

    start = text.index(span)
    assert plausible_span(pi_type, text, start, start + len(span)) is kept


@pytest.mark.parametrize("text", [
    "6709037谢谢找我17312345678",
    "2632614谢谢座机：0532-8351234",
    "五险一金双休，13812345678",
    "楼主 13812345678",
])
def test_contact_words_before_a_phone_are_not_names(text: str) -> None:
    from pisentinel.detect.scanner import Scanner

    found = Scanner(ner="off").scan_text(text)
    assert any(f.type == "PHONE_NUMBER" for f in found)
    assert not [f for f in found if f.type == "PERSON_NAME"]


def test_a_name_before_a_phone_is_still_found() -> None:
    from pisentinel.detect.scanner import Scanner

    text = "欢迎来电，谢伟 13812345678"
    names = [text[f.start:f.end] for f in Scanner(ner="off").scan_text(text)
             if f.type == "PERSON_NAME"]
    assert names == ["谢伟"]


def _training_module() -> ModuleType:
    """training/ner/train.py (needs torch, a training-only dependency)."""
    import sys
    from pathlib import Path

    pytest.importorskip("torch")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training" / "ner"))
    import train

    return train


def _synthetic_training_sentences() -> list[Any]:
    from corpora import ADDRESS, ORG, PERSON, Sentence

    rows = [
        ("张伟住在杭州市西湖区文三路。", [("张伟", PERSON), ("杭州市西湖区文三路", ADDRESS)]),
        ("主教练斯帕莱蒂到了罗马。", [("斯帕莱蒂", PERSON), ("罗马", ADDRESS)]),
        ("格哈德·里希特的画在伦敦。", [("格哈德·里希特", PERSON), ("伦敦", ADDRESS)]),
        ("队长Ezio和李娜去了海康科技有限公司。", [("Ezio", PERSON), ("李娜", PERSON),
                                         ("海康科技有限公司", ORG)]),
        ("王芳和赵敏在上海。", [("王芳", PERSON), ("赵敏", PERSON), ("上海", ADDRESS)]),
        ("阿尔特塔去了北京。", [("阿尔特塔", PERSON), ("北京", ADDRESS)]),
    ]
    out = []
    for text, mentions in rows:
        spans = []
        for m, t in mentions:
            a = text.index(m)
            spans.append((a, a + len(m), t))
        out.append(Sentence(text, tuple(sorted(spans)), "cluener"))
    return out


def test_augmented_copies_keep_spans_on_their_mentions() -> None:
    train = _training_module()
    sentences = _synthetic_training_sentences()
    pools = train.NamePools(sentences)
    rng = random.Random(3)
    for _ in range(30):
        for orig, copy in zip(sentences, train.augment(sentences, rng, pools, 0.5), strict=True):
            assert copy.corpus == "cluener+aug"
            assert [t for _, _, t in copy.spans] == [t for _, _, t in orig.spans]
            assert copy.text.endswith(orig.text[orig.spans[-1][1]:])
            for a, b, _ in copy.spans:
                assert 0 <= a < b <= len(copy.text)


def test_synthetic_names_and_addresses_are_well_formed() -> None:
    train = _training_module()
    pools = train.NamePools(_synthetic_training_sentences())
    rng = random.Random(5)
    for _ in range(2000):  # a chain walk that dead-ends early must restart, not loop forever
        name = pools.foreign(rng)
        assert name and all(part for part in name.split("·"))
        assert len(pools.latin_name(rng)) >= 2
        address = pools.address(rng)
        assert len(address) >= 2 and address[-1] in "市区县旗盟州乡镇会路街道巷号厦园场心"


def _lac_module() -> ModuleType:
    """training/ner/lac.py (builds ONNX graphs: needs onnx, a training-only dependency)."""
    import sys
    from pathlib import Path

    pytest.importorskip("onnx")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training" / "ner"))
    import lac

    return lac


def _synthetic_lac_weights(lac: ModuleType, vocab: int = 12) -> dict[str, np.ndarray]:
    """Random weights with LAC's shapes (paddle layouts: fc [in, out], GRU weight as a flat
    [H, 2H] block then [H, H] block); nothing from the real model."""
    rng = np.random.default_rng(11)
    h, emb = lac.HIDDEN, lac.EMB

    def u(*shape: int) -> np.ndarray:
        return rng.uniform(-0.3, 0.3, shape).astype(np.float32)

    w = {"word_emb": u(vocab, emb), "fc_4.w": u(2 * h, lac.N_LAC_TAGS),
         "fc_4.b": u(lac.N_LAC_TAGS), "crfw": u(lac.N_LAC_TAGS + 2, lac.N_LAC_TAGS)}
    for i in range(4):
        w[f"fc_{i}.w"] = u(emb if i < 2 else 2 * h, 3 * h)
        w[f"fc_{i}.b"] = u(3 * h)
        w[f"gru_{i}.w"] = u(3 * h * h)
        w[f"gru_{i}.b"] = u(3 * h)
    return w


def _session(model: Any) -> Any:
    import onnxruntime as ort

    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("layers", [1, 2])
def test_lac_onnx_encoder_matches_the_paddle_gru_reference(layers: int) -> None:
    """The ONNX GRU op (gates z, r, h; z = 1 - paddle's update gate) reproduces paddle's
    dynamic_gru, both directions, on rows of different lengths; padding gives zero states."""
    lac = _lac_module()
    w = _synthetic_lac_weights(lac)
    session = _session(lac.encoder_onnx(w["word_emb"], w, layers, layers == 2, half=False))
    rows = [np.array([3, 1, 4, 1, 5, 9, 2]), np.array([6, 5, 3])]
    ids = np.zeros((2, 7), dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = row
    out = session.run(None, {"ids": ids, "lens": np.array([7, 3], dtype=np.int32)})[0]
    for r, row in enumerate(rows):
        states, emissions = lac.forward_numpy(w, row, layers)
        expected = np.concatenate([states, emissions], 1) if layers == 2 else states
        np.testing.assert_allclose(out[r, :len(row)], expected, atol=2e-5)
    assert not out[1, 3:, :lac.STATE_DIM].any()


def test_lac_states_of_a_segment_do_not_depend_on_its_neighbours() -> None:
    """In the packed stream each segment gets the states it would get alone (the BiGRU does
    not run across gaps), and the gaps stay zero."""
    from pisentinel.detect.ner._context import stream_context

    lac = _lac_module()
    w = _synthetic_lac_weights(lac)
    session = _session(lac.encoder_onnx(w["word_emb"], w, 1, False, half=False))
    segments = [np.array([1, 2, 3, 4]), np.array([5, 6]), np.array([7, 8, 9, 10, 11])]
    gap = 3
    starts = np.array([gap, gap + 4 + gap, gap + 4 + gap + 2 + gap])
    stream = np.zeros(starts[-1] + 5 + gap, dtype=np.int64)
    for s, seg in zip(starts, segments, strict=True):
        stream[s:s + len(seg)] = seg
    lengths = np.array([len(s) for s in segments])
    ctx = stream_context(session, stream, starts, lengths, lac.STATE_DIM)
    for s, seg in zip(starts, segments, strict=True):
        alone = stream_context(session, seg, np.array([0]), np.array([len(seg)]), lac.STATE_DIM)
        np.testing.assert_allclose(ctx[s:s + len(seg)], alone, atol=1e-6)
    inside = np.zeros(len(stream), dtype=bool)
    for s, n in zip(starts, lengths, strict=True):
        inside[s:s + n] = True
    assert not ctx[~inside].any()


def test_model_spans_do_not_end_in_whitespace(rec: NerRecognizer) -> None:
    """The tagger sometimes lets a tab or line break into a name (宋磊\\n); spans are cut back."""
    texts = ["联系张三\t手机13812345678", "真实姓名：宋磊\n顶一下", "收件人 王芳\r\n地址"]
    spans = [f.text for found in rec.find_many(texts) for f in found]
    assert spans and all(s == s.strip() for s in spans)

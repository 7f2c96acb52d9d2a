"""The parking_app policy analyser's learnt helpers on synthetic sentences written here: the data
-mention CRF and how its spans get categories (never one the words do not name), and the topic
classifier backing collection, permission and sharing sentences where the lexicon has no
phrase. A small CRF trained in the test checks the pipeline itself; the shipped one is checked
on sentences the lexicon cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from pisentinel.models.parking_app.policy import analyse_policy
from pisentinel.models.parking_app.spans import (
    SpanTagger,
    categorise,
    data_spans,
    features,
    span_tagger,
    spans_of_tags,
)
from pisentinel.models.parking_app.topics import topic_model

pycrfsuite = pytest.importorskip("pycrfsuite")

# (sentence, data mentions in it): a few patterns, many fillers, so a tiny CRF learns the frame
_FRAMES = ("我们会采集您的{}，用于提供服务。", "注册时，您需要填写{}。", "为完成缴费，我们会获取您的{}。",
           "我们不会采集您的{}。")
_MENTIONS = ("性别", "职业", "出生日期", "学历", "银行账号", "车牌号码", "唯一设备标识符", "兴趣爱好",
             "身高体重", "婚姻状况", "收入水平", "车辆品牌")


def _tiny_crf(tmp_path: Path) -> SpanTagger:
    trainer = pycrfsuite.Trainer(verbose=False)
    for frame in _FRAMES:
        for mention in _MENTIONS:
            text = frame.format(mention)
            a = text.index(mention)
            tags = ["O"] * len(text)
            tags[a] = "B"
            for i in range(a + 1, a + len(mention)):
                tags[i] = "I"
            trainer.append([features(text, i) for i in range(len(text))], tags)
    trainer.set_params({"c1": 0.01, "c2": 0.01, "max_iterations": 100,
                        "feature.possible_transitions": True})
    trainer.train(str(tmp_path / "tiny.crfsuite"))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(tmp_path / "tiny.crfsuite"))
    return tagger


def test_tags_become_spans() -> None:
    assert spans_of_tags(["O", "B", "I", "O", "B", "B", "I", "I"]) == [(1, 3), (4, 5), (5, 8)]
    assert spans_of_tags(["I", "I", "O"]) == []


def test_a_span_gets_only_the_categories_its_words_name() -> None:
    assert categorise("银行账号") == {"PAYMENT"}  # not also an app account
    assert categorise("银行账号信息") == {"PAYMENT"}
    assert categorise("国际移动电话设备识别码") == {"DEVICE_ID"}  # not a phone number
    assert categorise("IMEI信息") == {"DEVICE_ID"}
    assert categorise("设备MAC地址") == {"DEVICE_ID"}
    assert categorise("证件图像及号码") == {"IDENTITY"}
    assert categorise("手机号码和昵称") == {"PHONE_NUMBER", "ACCOUNT"}
    for generic in ("个人信息", "性别", "联系方式", "地址", "账号"):
        assert categorise(generic) == frozenset(), generic


def test_trained_crf_finds_mentions_the_lexicon_has_no_phrase_for(tmp_path: Path) -> None:
    tagger = _tiny_crf(tmp_path)
    spans = data_spans("我们会采集您的性别，用于提供服务。", tagger)
    assert [(s.text, s.categories) for s in spans] == [("性别", frozenset())]
    spans = data_spans("为完成缴费，我们会获取您的银行账号。", tagger)
    assert [(s.text, s.categories) for s in spans] == [("银行账号", frozenset({"PAYMENT"}))]
    # offsets are into the sentence as given
    sent = "注册时，您需要填写职业。"
    (span,) = data_spans(sent, tagger)
    assert sent[span.start:span.end] == "职业"


def test_crf_spans_make_collection_statements_without_inventing_categories(
        tmp_path: Path) -> None:
    tagger = _tiny_crf(tmp_path)
    text = "我们会采集您的性别，用于提供服务。\n为完成缴费，我们会获取您的银行账号。\n我们不会采集您的车牌号码。"
    lexicon_only = analyse_policy(text, model=None, tagger=None)
    assert lexicon_only.collection == []  # 采集 … 性别: no category phrase, no statement
    assert "PAYMENT" not in lexicon_only.collects  # 银行账号 is not a lexicon phrase
    facts = analyse_policy(text, model=None, tagger=tagger)
    assert facts.collection == [0, 1]
    assert set(facts.collects) == {"PAYMENT"}  # 性别 is some PI, of no category
    assert facts.collects["PAYMENT"] == [1]
    assert set(facts.denies) == {"LICENSE_PLATE"} and 2 not in facts.collection
    assert facts.art17.get("types") == [0, 1]


def test_a_generic_mention_is_not_a_kind_of_pi(tmp_path: Path) -> None:
    class Whole:
        """Tags the span between 您的 and the next punctuation, whatever it is."""

        def tag(self, xseq: list[list[str]]) -> list[str]:
            text = "".join(x[0][2:] for x in xseq)
            a = text.index("您的") + 2
            b = min(i for i, c in enumerate(text) if c in "，。" and i > a)
            return ["O"] * a + ["B"] + ["I"] * (b - a - 1) + ["O"] * (len(text) - b)

    facts = analyse_policy("我们会采集您的相关个人信息。", model=None, tagger=Whole())
    assert facts.collection == [0] and not facts.collects
    assert "types" not in facts.art17  # 个人信息种类 means kinds, not "personal information"
    facts = analyse_policy("我们会采集您的婚姻状况。", model=None, tagger=Whole())
    assert facts.art17.get("types") == [0] and not facts.collects


def test_shipped_crf_reads_a_collection_sentence_the_lexicon_cannot() -> None:
    if span_tagger() is None:
        pytest.skip("shipped CRF absent")
    sent = "注册时，我们会采集您的性别、出生日期和职业。"
    spans = data_spans(sent)
    assert spans and all(sent[s.start:s.end] == s.text for s in spans)
    assert any("性别" in s.text for s in spans)
    facts = analyse_policy(sent, model=None)
    assert facts.collection == [0] and not facts.collects
    assert analyse_policy(sent, model=None, tagger=None).collection == []


def test_classifier_backs_collection_permission_and_sharing() -> None:
    model = topic_model()
    if model is None:
        pytest.skip("shipped topic model absent")
    text = ("我们会采集相关个人信息。\n我们可能会将您的订单号转交给合作的支付机构，以便完成缴费。\n"
            "我们需要您授权我们使用手机的蓝牙权限。\n我们不会采集您的性别和出生日期。")
    lexicon_only = analyse_policy(text, model=None, tagger=None)
    assert not (lexicon_only.collection or lexicon_only.sharing or lexicon_only.permission)
    facts = analyse_policy(text, tagger=None)
    assert facts.collection == [0]  # the negated sentence stays out
    assert facts.sharing == [1] and facts.permission == [2]
    assert not facts.collects  # the classifier gives no category


def test_long_sentences_are_tagged_in_windows(tmp_path: Path) -> None:
    tagger = _tiny_crf(tmp_path)
    sent = "，".join(["我们会采集您的性别"] * 400) + "。"
    spans = data_spans(sent, tagger)
    assert spans and all(sent[s.start:s.end] == s.text for s in spans)
    assert max(s.end for s in spans) > 2000

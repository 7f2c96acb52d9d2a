"""Data mentions in a privacy-policy sentence: a character CRF finds where the policy names
personal information (“您的手机号码、昵称和头像”), then each span is given the analyser's data
categories from its own words. The CRF finds spans the category lexicon has no phrase for
(性别, 生日, 唯一设备标识符 …), so a collection statement is recognised even when it names no
category the model knows; the category still comes only from words in the span, so the model
never reads a category into a policy that does not name it.

The CRF (python-crfsuite) is trained on CA4P-483 (`data` label) by
training/policy/ca4p_data_spans.py and shipped as policy_data_spans.crfsuite; its held-out
scores are in benchmarks/results/model_parking_app.md. Without the file (or python-crfsuite) the
analyser falls back to the lexicon alone."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from pisentinel.models.parking_app.knowledge import _load, lexicon

__all__ = ["DataSpan", "SpanTagger", "categorise", "data_spans", "features", "span_tagger",
           "spans_of_tags"]

MODEL_FILE = "policy_data_spans.crfsuite"
EXTRA_PHRASES = "policy_span_categories.yaml"
MAX_SENTENCE_CHARS = 2000  # longer "sentences" are layout debris; tagged in windows


class SpanTagger(Protocol):
    def tag(self, xseq: list[list[str]]) -> list[str]: ...


@dataclass(frozen=True)
class DataSpan:
    """A span of the sentence that names personal information, and the categories its words
    name (empty: some PI, of no category the analyser knows)."""

    start: int
    end: int
    text: str
    categories: frozenset[str]


def features(text: str, i: int) -> list[str]:
    """Character-window features of position i; training and tagging must use the same ones."""
    c = text[i]
    prev = text[i - 1] if i else "<s>"
    nxt = text[i + 1] if i + 1 < len(text) else "</s>"
    prev2 = text[i - 2] if i > 1 else "<s>"
    nxt2 = text[i + 2] if i + 2 < len(text) else "</s>"
    return [f"c={c}", f"p={prev}", f"n={nxt}", f"pc={prev}{c}", f"cn={c}{nxt}",
            f"p2={prev2}", f"n2={nxt2}", f"ppc={prev2}{prev}{c}", f"cnn={c}{nxt}{nxt2}",
            f"pcn={prev}{c}{nxt}", f"digit={c.isdigit()}", f"ascii={c.isascii()}"]


def spans_of_tags(tags: Iterable[str]) -> list[tuple[int, int]]:
    """B/I/O tags to (start, end) spans; an I without a B before it is ignored."""
    spans, start = [], None
    for i, t in enumerate([*tags, "O"]):
        if start is not None and t != "I":
            spans.append((start, i))
            start = None
        if t == "B":
            start = i
    return spans


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@cache
def _phrase_table() -> tuple[tuple[str, str], ...]:
    """(phrase, category) pairs of the policy lexicon and of the span phrases, longest first."""
    pairs: dict[str, str] = {}
    extra: Mapping[str, list[str]] = _load(EXTRA_PHRASES)["categories"]
    for table in (lexicon()["categories"], extra):
        for cat, phrases in table.items():
            for p in phrases:
                pairs.setdefault(_fold(p), cat)
    return tuple(sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0])))


def categorise(span_text: str) -> frozenset[str]:
    """The categories a span's words name, longest phrase first and without overlaps, so that
    “银行账号” is a payment account and not also an app account."""
    folded = _fold(span_text)
    taken = [False] * len(folded)
    found: set[str] = set()
    for phrase, cat in _phrase_table():
        start = folded.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if not any(taken[start:end]):
                found.add(cat)
                for i in range(start, end):
                    taken[i] = True
            start = folded.find(phrase, start + 1)
    return frozenset(found)


@cache
def span_tagger() -> SpanTagger | None:
    """The shipped CRF, or None when its file or python-crfsuite is absent."""
    ref = resources.files("pisentinel.knowledge").joinpath("data", MODEL_FILE)
    if not ref.is_file():
        return None
    try:
        import pycrfsuite
    except ImportError:
        return None
    tagger: Any = pycrfsuite.Tagger()
    # crfsuite reads the whole model into memory, so a temporary copy (zipped install) may go
    with resources.as_file(ref) as path:
        tagger.open(str(path))
    return tagger


def data_spans(sentence: str, tagger: SpanTagger | None = None) -> list[DataSpan]:
    """The data mentions of one sentence (default tagger: the shipped CRF; none → [])."""
    tagger = tagger or span_tagger()
    if tagger is None or not sentence:
        return []
    out = []
    for base in range(0, len(sentence), MAX_SENTENCE_CHARS):
        window = sentence[base:base + MAX_SENTENCE_CHARS]
        tags = tagger.tag([features(window, i) for i in range(len(window))])
        for a, b in spans_of_tags(tags):
            text = window[a:b]
            if text.strip():
                out.append(DataSpan(base + a, base + b, text, categorise(text)))
    return out

"""A small sentence-topic classifier for privacy policies: character 1–3-gram TF-IDF and one
logistic regression per topic, trained with scikit-learn on CAPP-130 (CC BY 4.0) by
training/policy/capp130_topics.py and shipped as plain numbers (policy_topics.json.gz), so running
it needs numpy only. It backs the lexicon where wording varies most: retention, rights and
contact paragraphs. Held-out scores are in benchmarks/results/model_parking_app.md."""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["TopicModel", "export_model", "topic_model"]

MODEL_FILE = "policy_topics.json.gz"
_WHITESPACE = re.compile(r"\s\s+")


@dataclass(frozen=True)
class TopicModel:
    vocab: dict[str, int]
    idf: np.ndarray
    topics: tuple[str, ...]
    coef: np.ndarray  # topics × vocab
    intercept: np.ndarray
    ngram: tuple[int, int]

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        doc = _WHITESPACE.sub(" ", text.lower())
        counts: Counter[int] = Counter()
        lo, hi = self.ngram
        for n in range(lo, hi + 1):
            for i in range(len(doc) - n + 1):
                j = self.vocab.get(doc[i:i + n])
                if j is not None:
                    counts[j] += 1
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), np.int64, len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), float, len(counts))
        val = tf * self.idf[idx]
        norm = float(np.sqrt((val * val).sum()))
        return idx, val / norm if norm else val

    def scores(self, text: str) -> dict[str, float]:
        idx, val = self._vector(text)
        raw = self.coef[:, idx] @ val + self.intercept
        return {t: float(s) for t, s in zip(self.topics, raw, strict=True)}

    def topics_of(self, text: str) -> set[str]:
        return {t for t, s in self.scores(text).items() if s > 0}


def export_model(vectorizer: Any, classifiers: dict[str, Any]) -> dict[str, Any]:
    """The numbers of a fitted TfidfVectorizer (char, sublinear_tf, l2) and one binary
    LogisticRegression per topic, as JSON-ready lists (coefficients rounded to 5 decimals)."""
    vocab = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return {
        "source": "CAPP-130 topic_identification_dataset (CC BY 4.0)",
        "ngram": list(vectorizer.ngram_range), "vocab": vocab,
        "idf": [round(float(v), 5) for v in vectorizer.idf_],
        "topics": {name: {"coef": [round(float(c), 5) for c in clf.coef_[0]],
                          "intercept": float(clf.intercept_[0])}
                   for name, clf in classifiers.items()},
    }


def load_model(doc: dict[str, Any]) -> TopicModel:
    names = tuple(doc["topics"])
    return TopicModel(
        vocab={g: i for i, g in enumerate(doc["vocab"])}, idf=np.asarray(doc["idf"], float),
        topics=names, coef=np.asarray([doc["topics"][n]["coef"] for n in names], float),
        intercept=np.asarray([doc["topics"][n]["intercept"] for n in names], float),
        ngram=(int(doc["ngram"][0]), int(doc["ngram"][1])))


@cache
def topic_model() -> TopicModel | None:
    """The shipped model, or None when the file is absent (the lexicon then works alone)."""
    ref = resources.files("pisentinel.knowledge").joinpath("data", MODEL_FILE)
    if not ref.is_file():
        return None
    return load_model(json.loads(gzip.decompress(ref.read_bytes()).decode("utf-8")))

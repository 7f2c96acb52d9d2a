"""Trained Chinese recognizer for PERSON_NAME, ADDRESS and ORGANIZATION.

A character model (embeddings, gazetteer bits, dilated convolutions, CRF transitions) trained on
public NER corpora by `training/ner/train.py` and shipped in `model/` as ONNX; it loads offline
and needs only numpy and onnxruntime.

    rec = load_default()
    rec.find(text)                       # full-text mode
    rec.find_near(text, spans, radius)   # only around other PI findings (screening fast path)
    rec.find_many(texts)                 # batch form
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pisentinel.detect.ner.recognizer import NerRecognizer

__all__ = ["NerRecognizer", "default_model_dir", "load_default"]


def default_model_dir() -> Path:
    return Path(str(resources.files(__package__).joinpath("model")))


@cache
def load_default() -> NerRecognizer:
    """The shipped model, loaded once per process (one intra-op thread: parallelism comes from
    processes, one per core)."""
    return NerRecognizer(default_model_dir())

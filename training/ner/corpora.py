"""Readers for the public NER corpora in ../shared/data/ner, mapped onto pisentinel's three types.

Every reader yields `Sentence(text, spans, corpus)` with spans `(start, end_exclusive, type)` where
type is PERSON_NAME, ADDRESS or ORGANIZATION. Labels outside those three (CLUENER's game/book/movie/
position/scene, Weibo's nominal mentions, Resume's TITLE/EDU/PRO/...) become O: the recognizer
learns not to call them anything.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PERSON, ADDRESS, ORG = "PERSON_NAME", "ADDRESS", "ORGANIZATION"

CLUENER_MAP = {
    "name": PERSON,
    "address": ADDRESS,
    "company": ORG,
    "organization": ORG,
    "government": ORG,
}
WEIBO_MAP = {"PER.NAM": PERSON, "LOC.NAM": ADDRESS, "GPE.NAM": ADDRESS, "ORG.NAM": ORG}
RESUME_MAP = {"NAME": PERSON, "LOC": ADDRESS, "ORG": ORG}
MSRA_MAP = {"人名": PERSON, "地址": ADDRESS, "公司": ORG}
PEOPLES_DAILY_MAP = {"PER": PERSON, "LOC": ADDRESS, "ORG": ORG}


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    corpus: str


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "ner"


def read_cluener(path: Path) -> Iterator[Sentence]:
    """Concatenated pretty-printed JSON objects; mention offsets are end-inclusive."""
    raw = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(raw) and raw[pos].isspace():
            pos += 1
        if pos >= len(raw):
            break
        obj, pos = decoder.raw_decode(raw, pos)
        spans = []
        for label, mentions in obj.get("label", {}).items():
            etype = CLUENER_MAP.get(label)
            if etype is None:
                continue
            for offsets in mentions.values():
                for start, end_incl in offsets:
                    spans.append((start, end_incl + 1, etype))
        yield Sentence(obj["text"], tuple(sorted(spans)), "cluener")


def _spans_from_tags(chars: list[str], tags: list[str], mapping: dict[str, str]) -> list:
    """BIO / BMES / BIOES tags → typed spans (an I/M/E without a B starts a new span)."""
    spans: list[tuple[int, int, str]] = []
    cur_start, cur_type = -1, ""

    def close(i: int) -> None:
        nonlocal cur_start, cur_type
        if cur_start >= 0 and cur_type in mapping:
            spans.append((cur_start, i, mapping[cur_type]))
        cur_start, cur_type = -1, ""

    for i, tag in enumerate(tags):
        if tag == "O" or "-" not in tag:
            close(i)
            continue
        prefix, label = tag.split("-", 1)
        if prefix in ("B", "S") or label != cur_type:
            close(i)
            cur_start, cur_type = i, label
        if prefix in ("E", "S"):
            close(i + 1)
    close(len(tags))
    del chars
    return spans


def read_char_tagged(path: Path, corpus: str, mapping: dict[str, str]) -> Iterator[Sentence]:
    """One character per line followed by its tag; blank line between sentences."""
    chars: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if chars:
                    yield Sentence("".join(chars), tuple(_spans_from_tags(chars, tags, mapping)),
                                   corpus)
                chars, tags = [], []
                continue
            parts = line.split("\t") if "\t" in line else line.rsplit(" ", 1)
            token, tag = parts[0], parts[-1].strip()
            if corpus == "weibo":  # the char carries its word-segmentation position digit
                token = token[:-1] if len(token) > 1 and token[-1].isdigit() else token
            chars.append(token[:1] if token else " ")
            tags.append(tag)
    if chars:
        yield Sentence("".join(chars), tuple(_spans_from_tags(chars, tags, mapping)), corpus)


def read_msra(path: Path) -> Iterator[Sentence]:
    """One JSON line with document-level, end-inclusive offsets across its sentences."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        offset = 0
        for chars, ents in zip(doc["sentences"], doc["ner"], strict=True):
            spans = [
                (s - offset, e + 1 - offset, MSRA_MAP[t]) for s, e, t in ents if t in MSRA_MAP
            ]
            yield Sentence("".join(chars), tuple(sorted(spans)), "msra")
            offset += len(chars)


def load_all(data_dir: Path | None = None) -> dict[str, list[Sentence]]:
    """All corpora by name. Files ending in `_dev` are kept as their own entries."""
    d = data_dir or default_data_dir()
    return {
        "cluener": list(read_cluener(d / "cluener2020_train.json")),
        "weibo_train": list(read_char_tagged(d / "weibo_train.conll", "weibo", WEIBO_MAP)),
        "weibo_dev": list(read_char_tagged(d / "weibo_dev.conll", "weibo", WEIBO_MAP)),
        "resume_train": list(read_char_tagged(d / "resume_train.char.bmes", "resume",
                                              RESUME_MAP)),
        "resume_dev": list(read_char_tagged(d / "resume_dev.char.bmes", "resume", RESUME_MAP)),
        "msra": list(read_msra(d / "msra_dev.json")),
        "peoples_daily": list(read_char_tagged(d / "peoples_daily_dev.bio", "peoples_daily",
                                               PEOPLES_DAILY_MAP)),
    }


def split_cluener(sentences: list[Sentence], seed: int = 20240917) -> dict[str, list[Sentence]]:
    """A fixed split of CLUENER train: 80% train, 8% dev (early stopping), 12% test (held out,
    never used for training or tuning)."""
    idx = list(range(len(sentences)))
    random.Random(seed).shuffle(idx)
    n_test = int(len(idx) * 0.12)
    n_dev = int(len(idx) * 0.08)
    test = [sentences[i] for i in idx[:n_test]]
    dev = [sentences[i] for i in idx[n_test:n_test + n_dev]]
    train = [sentences[i] for i in idx[n_test + n_dev:]]
    return {"train": train, "dev": dev, "test": test}

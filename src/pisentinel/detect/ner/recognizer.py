"""`NerRecognizer`: PERSON_NAME, ADDRESS and ORGANIZATION spans from a small trained model.

Texts are packed into one code-point stream separated by padding gaps wider than the network's
receptive field, so a batch of short posts costs one ONNX call with no padding waste; the
emissions are decoded by a numpy Viterbi and mapped back to each text's own offsets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pisentinel.detect.finding import Explanation, Finding
from pisentinel.detect.ner._context import stream_context
from pisentinel.detect.ner._decode import (
    ENTITY_TYPES,
    decode_segments,
    spans_from_tags,
    tag_confidence,
)
from pisentinel.detect.ner._features import FeatureTables, codepoints, featurize

MAX_SEGMENT = 1000          # longer texts are cut, preferably after a sentence end
STREAM_CHARS = 32_768       # characters per ONNX call
_SENTENCE_ENDS = frozenset("。！？!?；;\n")
_WINDOW_EDGES = frozenset("。！？!?；;，,、\n\t \r|")
_WINDOW_SLACK = 16


def _segments(text: str) -> list[tuple[int, int]]:
    """(start, end) pieces of at most MAX_SEGMENT characters, cut after a sentence end where
    one exists in the second half of the piece."""
    out = []
    start, n = 0, len(text)
    while n - start > MAX_SEGMENT:
        cut = start + MAX_SEGMENT
        for i in range(cut - 1, start + MAX_SEGMENT // 2, -1):
            if text[i] in _SENTENCE_ENDS:
                cut = i + 1
                break
        out.append((start, cut))
        start = cut
    out.append((start, n))
    return out


class NerRecognizer:
    """A trained character-level tagger shipped as ONNX + feature tables (see model/README.md)."""

    def __init__(self, model_dir: Path | str, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("NER needs onnxruntime: pip install onnxruntime") from exc
        model_dir = Path(model_dir)
        meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
        self.name: str = meta["name"]
        self.gap: int = int(meta["gap"])
        self.meta: dict[str, Any] = meta
        self.tables = FeatureTables.load(model_dir / "tables.npz")
        self.transitions = np.asarray(meta["transitions"], dtype=np.float32)
        # A model trained on several corpora at once reads a one-hot of the labelling
        # convention to follow; it runs in CLUENER's (whole addresses, named entities only).
        self._min_score: dict[str, float] = meta.get("min_score", {})
        domains = meta.get("domains", [])
        self._domain = np.zeros(len(domains), dtype=np.float32)
        if domains:
            self._domain[domains.index(meta["domain"])] = 1.0
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        # A model with a "lac" entry also reads the states of the frozen LAC BiGRU encoder
        # (lac.onnx, Baidu LAC as shipped in jieba, Apache-2.0), run per segment.
        self._lac = None
        self._lac_dim = 0
        if "lac" in meta:
            self._lac_dim = int(meta["lac"]["dim"])
            self._lac = ort.InferenceSession(
                str(model_dir / "lac.onnx"), options, providers=["CPUExecutionProvider"]
            )

    def __repr__(self) -> str:
        return f"NerRecognizer(name={self.name!r})"

    # -- public API -----------------------------------------------------------------------
    def find(self, text: str) -> list[Finding]:
        """Names, addresses and organisations anywhere in `text`."""
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """`find` over many texts, batched into few model calls."""
        results: list[list[Finding]] = [[] for _ in texts]
        batch: list[tuple[int, int, str]] = []  # (text index, offset in text, segment)
        size = 0
        for ti, text in enumerate(texts):
            for s, e in _segments(text):
                if s == e:
                    continue
                batch.append((ti, s, text[s:e]))
                size += e - s + self.gap
                if size >= STREAM_CHARS:
                    self._run(batch, results)
                    batch, size = [], 0
        if batch:
            self._run(batch, results)
        return results

    def find_near(self, text: str, spans: Sequence[tuple[int, int]], radius: int = 40
                  ) -> list[Finding]:
        """Window mode: only the text within `radius` characters of the given spans (e.g. other
        PI findings), widened to the nearest punctuation so an entity is not cut at the edge.
        Offsets refer to `text`."""
        return self.find_near_many([text], [spans], radius)[0]

    def find_near_many(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                       radius: int = 40) -> list[list[Finding]]:
        """`find_near` over many texts, all windows in one batch: the screening fast path."""
        jobs: list[tuple[int, int]] = []  # (text index, window start)
        pieces: list[str] = []
        for ti, (text, anchors) in enumerate(zip(texts, spans, strict=True)):
            for s, e in self._windows(text, anchors, radius):
                jobs.append((ti, s))
                pieces.append(text[s:e])
        results: list[list[Finding]] = [[] for _ in texts]
        for (ti, ws), findings in zip(jobs, self.find_many(pieces), strict=True):
            for f in findings:
                results[ti].append(Finding(
                    type=f.type, start=f.start + ws, end=f.end + ws, score=f.score,
                    explanation=f.explanation, text=f.text, value=f.value,
                    attributes=f.attributes,
                ))
        return results

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _windows(text: str, spans: Sequence[tuple[int, int]], radius: int
                 ) -> list[tuple[int, int]]:
        n = len(text)
        raw = sorted((max(0, s - radius), min(n, e + radius)) for s, e in spans if e > s or e == s)
        widened = []
        for s, e in raw:
            for i in range(s, max(0, s - _WINDOW_SLACK) - 1, -1):
                if i == 0 or text[i - 1] in _WINDOW_EDGES:
                    s = i
                    break
            for i in range(e, min(n, e + _WINDOW_SLACK) + 1):
                if i == n or text[i] in _WINDOW_EDGES:
                    e = i
                    break
            widened.append((s, e))
        merged: list[tuple[int, int]] = []
        for s, e in widened:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return [(s, e) for s, e in merged if e > s]

    def emissions(self, cp: np.ndarray, starts: np.ndarray | None = None,
                  lengths: np.ndarray | None = None) -> np.ndarray:
        """Tag scores (len, N_TAGS) for a padded code-point stream holding segments at
        `starts` with `lengths` (needed by models that read the LAC encoder; without them the
        whole stream is one segment)."""
        uni, left, right, lex = featurize(self.tables, cp)
        if len(self._domain):
            lex = np.concatenate([lex, np.broadcast_to(self._domain, (len(cp), len(self._domain)))],
                                 axis=1)
        feeds = {
            "uni": uni[None, :], "left": left[None, :], "right": right[None, :],
            "lex": lex[None, :, :],
        }
        if self._lac is not None:
            if starts is None or lengths is None:
                starts, lengths = np.array([0]), np.array([len(cp)])
            feeds["ctx"] = stream_context(self._lac, uni, starts, lengths, self._lac_dim)[None]
        return self._session.run(None, feeds)[0][0]

    def _run(self, batch: list[tuple[int, int, str]], results: list[list[Finding]]) -> None:
        pad = "\x00" * self.gap
        stream = pad + pad.join(seg for _, _, seg in batch) + pad
        lengths = np.array([len(seg) for _, _, seg in batch], dtype=np.int64)
        starts = self.gap + np.concatenate(([0], np.cumsum(lengths + self.gap)[:-1]))
        cp = codepoints(stream)
        em = self.emissions(cp, starts, lengths)
        tags = decode_segments(em, self.transitions, starts, lengths)
        conf = tag_confidence(em, tags)
        for s, e, t in spans_from_tags(tags):
            k = int(np.searchsorted(starts, s, side="right")) - 1
            if k < 0:
                continue
            seg_start = int(starts[k])
            ls, le = s - seg_start, min(e - seg_start, int(lengths[k]))
            if ls >= le:
                continue
            ti, offset, seg = batch[k]
            ls, le = _strip_span(seg, ls, le)
            if ls >= le:
                continue
            span_text = seg[ls:le]
            score = round(float(conf[seg_start + ls:seg_start + le].mean()), 4)
            if score < self._min_score.get(ENTITY_TYPES[t], 0.0):
                continue
            results[ti].append(Finding(
                type=ENTITY_TYPES[t], start=offset + ls, end=offset + le, score=score,
                explanation=Explanation(recognizer="ner", pattern=self.name, base_score=score),
                text=span_text,
            ))


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the spaces, tabs and line breaks the tagger let in at its ends (宋磊\n)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

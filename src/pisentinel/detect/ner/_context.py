"""Contextual character states from the frozen LAC encoder (`lac.onnx`), for the NER model.

A BiGRU must not run across the padding gaps of the packed stream the convolutions read (its
state would carry one post into the next), so each segment is its own row of a batch, with its
length passed to the ONNX `GRU` op; rows are sorted by length so padding costs little. The
states are then laid back into the stream, zero in the gaps, exactly as in training.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

ROW_CHARS = 8192  # characters (rows x longest row) per encoder call
MAX_ROWS = 128


def _groups(lengths: np.ndarray) -> Iterator[np.ndarray]:
    """Indices of non-empty segments in batches: sorted by length, at most MAX_ROWS rows and
    (beyond 8 rows) at most ROW_CHARS characters of padded matrix each."""
    order = np.argsort(lengths, kind="stable")
    order = order[lengths[order] > 0]
    start = 0
    while start < len(order):
        end = min(start + MAX_ROWS, len(order))
        # rows x longest row grows with each row; cut where it passes ROW_CHARS
        area = lengths[order[start:end]] * np.arange(1, end - start + 1)
        over = np.flatnonzero(area > ROW_CHARS)
        if len(over) and over[0] >= 8:
            end = start + int(over[0])
        elif len(over):
            end = start + min(8, end - start)
        yield order[start:end]
        start = end


def stream_context(session: Any, uni: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                   dim: int) -> np.ndarray:
    """(len(uni), dim) float32: LAC states of each segment uni[start:start+length] in place,
    zeros elsewhere."""
    out = np.zeros((len(uni), dim), dtype=np.float32)
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    for group in _groups(lengths):
        lens = lengths[group]
        cols = np.arange(int(lens.max()))
        inside = cols[None, :] < lens[:, None]
        pos = starts[group][:, None] + cols[None, :]
        ids = np.where(inside, uni[np.minimum(pos, len(uni) - 1)], 0)
        states = session.run(None, {"ids": ids, "lens": lens.astype(np.int32)})[0]
        out[pos[inside]] = states[inside]
    return out


def lac_context(session: Any, sentences: Sequence[np.ndarray]) -> list[np.ndarray]:
    """States (len, D) of each id array of `sentences`, each read on its own (training)."""
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    stream = np.concatenate([*sentences, np.zeros(1, dtype=np.int64)])
    dim = int(session.get_outputs()[0].shape[-1])
    ctx = stream_context(session, stream, starts, lengths, dim)
    return [ctx[s:s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]

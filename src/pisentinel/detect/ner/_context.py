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


def lac_context(session: Any, sentences: Sequence[np.ndarray], max_rows: int = 128
                ) -> Iterator[tuple[int, np.ndarray]]:
    """(index, states (len, D) float32) for each non-empty id array of `sentences`."""
    order = sorted((i for i, s in enumerate(sentences) if len(s)), key=lambda i: len(sentences[i]))
    start = 0
    while start < len(order):
        longest = len(sentences[order[start]])
        end = start + 1
        while end < len(order) and end - start < max_rows:
            longest = len(sentences[order[end]])
            if longest * (end - start + 1) > ROW_CHARS and end - start >= 8:
                break
            end += 1
        group = order[start:end]
        longest = len(sentences[group[-1]])
        ids = np.zeros((len(group), longest), dtype=np.int64)
        lens = np.zeros(len(group), dtype=np.int32)
        for r, i in enumerate(group):
            n = len(sentences[i])
            ids[r, :n] = sentences[i]
            lens[r] = n
        states = session.run(None, {"ids": ids, "lens": lens})[0]
        for r, i in enumerate(group):
            yield i, states[r, : lens[r]]
        start = end


def stream_context(session: Any, uni: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                   dim: int) -> np.ndarray:
    """(len(uni), dim) float32: LAC states of each segment uni[start:start+length] in place,
    zeros elsewhere."""
    out = np.zeros((len(uni), dim), dtype=np.float32)
    pieces = [uni[s:s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
    for i, states in lac_context(session, pieces):
        s = int(starts[i])
        out[s:s + len(states)] = states
    return out

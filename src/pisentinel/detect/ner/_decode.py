"""Tags → spans: constrained Viterbi over many rows at once, then span extraction.

The tag set is BIO over three types. Viterbi runs over many segments laid out as rows so that
its Python loop is one step per column, vectorised over all rows.
"""

from __future__ import annotations

import numpy as np

ENTITY_TYPES = ("PERSON_NAME", "ADDRESS", "ORGANIZATION")
TAGS = ("O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")))
N_TAGS = len(TAGS)
FORBIDDEN = -1e4


def allowed_transitions() -> np.ndarray:
    """(N_TAGS, N_TAGS) bool: may tag j follow tag i? I-x only after B-x or I-x."""
    ok = np.ones((N_TAGS, N_TAGS), dtype=bool)
    for j in range(1, N_TAGS):
        if j % 2 == 0:  # I-x
            ok[:, j] = False
            ok[j - 1, j] = ok[j, j] = True
    return ok


def viterbi_rows(emissions: np.ndarray, transitions: np.ndarray, width: int = 64) -> np.ndarray:
    """Best tag path for a stream of emissions (n, N_TAGS), decoded in rows of `width`
    (exact only where row edges fall on O positions; `decode_segments` guarantees that)."""
    n = len(emissions)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    rows = -(-n // width)
    padded = np.zeros((rows * width, N_TAGS), dtype=np.float32)
    padded[:n] = emissions
    padded[n:, 1:] = FORBIDDEN  # padding decodes as O
    return viterbi(padded.reshape(rows, width, N_TAGS), transitions).reshape(-1)[:n]


def viterbi(em: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Best tag paths (rows, width) for emissions (rows, width, N_TAGS), all rows at once."""
    rows, width, _ = em.shape
    trans = transitions.astype(np.float32)
    score = em[:, 0, :].copy()
    back = np.empty((rows, width, N_TAGS), dtype=np.int8)
    for t in range(1, width):
        cand = score[:, :, None] + trans[None, :, :]  # (rows, from, to)
        back[:, t, :] = cand.argmax(axis=1)
        score = cand.max(axis=1) + em[:, t, :]
    path = np.empty((rows, width), dtype=np.int8)
    path[:, -1] = score.argmax(axis=1)
    idx = np.arange(rows)
    for t in range(width - 1, 0, -1):
        path[:, t - 1] = back[idx, t, path[:, t]]
    return path


def decode_segments(emissions: np.ndarray, transitions: np.ndarray, starts: np.ndarray,
                    lengths: np.ndarray, min_width: int = 512) -> np.ndarray:
    """Tags for a stream holding segments at `starts` with `lengths` (everything else is O).

    Segments are packed whole into rows between columns forced to O (as in training, where
    sentences sit between padding), so every segment is decoded exactly as if alone, while the Viterbi loop still runs once per column for all
    rows together."""
    # Rows as wide as `min_width` amortise the per-column loop over many segments; a lone short
    # text gets a row just its own size.
    total = int((lengths + 1).sum()) + 1
    width = max(min(min_width, total), int(lengths.max(initial=0)) + 2)
    cols = np.empty(len(starts), dtype=np.int64)
    row_of = np.empty(len(starts), dtype=np.int64)
    row, col = 0, 0
    for k, n in enumerate(lengths.tolist()):
        if col + 1 + n + 1 > width:  # an O column before and after every segment
            row, col = row + 1, 0
        row_of[k], cols[k] = row, col + 1
        col += 1 + n
    index = np.full((row + 1, width), -1, dtype=np.int64)
    for k, (s, n) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
        index[row_of[k], cols[k]:cols[k] + n] = np.arange(s, s + n)
    em = np.full((row + 1, width, N_TAGS), FORBIDDEN, dtype=np.float32)
    em[:, :, 0] = 0.0
    inside = index >= 0
    em[inside] = emissions[index[inside]]
    path = viterbi(em, transitions)
    tags = np.zeros(len(emissions), dtype=np.int8)
    tags[index[inside]] = path[inside]
    return tags


def spans_from_tags(tags: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, end_exclusive, type_index) for every entity in a tag stream."""
    if len(tags) == 0:
        return []
    t = tags.astype(np.int16)
    etype = np.where(t > 0, (t - 1) // 2, -1)
    is_begin = (t > 0) & (t % 2 == 1)
    prev_type = np.concatenate(([-1], etype[:-1]))
    starts_mask = is_begin | ((t > 0) & (etype != prev_type))
    continues = (t > 0) & (t % 2 == 0) & (etype == prev_type)
    next_continues = np.concatenate((continues[1:], [False]))
    ends_mask = (t > 0) & ~next_continues
    starts = np.flatnonzero(starts_mask)
    ends = np.flatnonzero(ends_mask) + 1
    return [(int(s), int(e), int(etype[s])) for s, e in zip(starts, ends, strict=True)]


def tag_confidence(emissions: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Per-character softmax probability of the chosen tag (a cheap confidence)."""
    if len(tags) == 0:
        return np.zeros(0, dtype=np.float32)
    z = emissions - emissions.max(axis=1, keepdims=True)
    p = np.exp(z)
    chosen = p[np.arange(len(tags)), tags.astype(np.int64)]
    return chosen / p.sum(axis=1)

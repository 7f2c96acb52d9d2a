"""Character features for the NER model, computed with whole-array numpy operations.

Speed is the point: the recognizer must keep up with 100,000+ characters per second per core,
so no per-character Python runs here. A text becomes an array of code points; unigram and bigram
ids come from sorted key tables (`np.searchsorted`); gazetteer hits come from rolling hashes of
every 1..`max_len`-gram looked up the same way, then spread into Begin/Middle/End bits per
lexicon category. Training and inference share this module, so the model sees identical features.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

HASH_MULT = np.uint64(0x100000001B3)  # FNV-64 prime; any odd 64-bit constant would do
HASH_SEED = np.uint64(0xCBF29CE484222325)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing spreads keys over the table's slots

# Reserved unigram ids: the model's embedding rows 0..4.
PAD_ID, UNK_HAN, UNK_DIGIT, UNK_LATIN, UNK_OTHER = 0, 1, 2, 3, 4
N_RESERVED = 5
BIGRAM_PAD, BIGRAM_UNK = 0, 1

LEXICON_CATEGORIES = (
    "word",         # any multi-character word of jieba's dictionary: segmentation cue
    "person",       # jieba nr / nrfg / nrt
    "place",        # jieba ns
    "organization",  # jieba nt
    "region",       # GB/T 2260 division names, full and without their suffix
    "org_suffix",   # 有限公司, 委员会, 研究所 ...
    "addr_suffix",  # 小区, 大厦, 路, 号 ...
    "surname",      # single and compound surnames
)
N_LEX_FEATURES = 3 * len(LEXICON_CATEGORIES)


def codepoints(text: str) -> np.ndarray:
    """Code points of `text`, folded so that look-alike forms share features: full-width ASCII
    and the ideographic space become ASCII, letters become lower case. Offsets are unchanged."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    full = (cp >= 0xFF01) & (cp <= 0xFF5E)
    cp[full] -= 0xFEE0
    cp[cp == 0x3000] = 0x20
    upper = (cp >= 0x41) & (cp <= 0x5A)
    cp[upper] += 0x20
    return cp


def ngram_hash(cp: np.ndarray, n: int) -> np.ndarray:
    """Hash of cp[i:i+n] for every i with i+n <= len(cp) (uint64, wrapping arithmetic)."""
    m = len(cp) - n + 1
    h = np.full(max(m, 0), HASH_SEED, dtype=np.uint64)
    if m <= 0:
        return h
    c = cp.astype(np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = (h ^ c[k:k + m]) * HASH_MULT
    return h


def word_hash(word: str) -> int:
    """The hash `ngram_hash` gives the whole of `word` (used when building lexicon tables)."""
    return int(ngram_hash(codepoints(word), len(word))[0])


@dataclass(frozen=True)
class FeatureTables:
    """Sorted key → id tables shipped with the model (tables.npz)."""

    char_keys: np.ndarray     # uint32 code points, sorted
    char_ids: np.ndarray      # int64
    bigram_keys: np.ndarray   # uint64 (cp[i] << 32 | cp[i+1]), sorted
    bigram_ids: np.ndarray    # int64
    lex_keys: np.ndarray      # uint64 n-gram hashes, sorted
    lex_bits: np.ndarray      # uint16 category bitmask per key
    lex_max_len: int

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            char_keys=self.char_keys, char_ids=self.char_ids,
            bigram_keys=self.bigram_keys, bigram_ids=self.bigram_ids,
            lex_keys=self.lex_keys, lex_bits=self.lex_bits,
            lex_max_len=np.array([self.lex_max_len]),
        )

    @classmethod
    def load(cls, path: Path) -> FeatureTables:
        with np.load(path) as z:
            return cls(
                char_keys=z["char_keys"], char_ids=z["char_ids"],
                bigram_keys=z["bigram_keys"], bigram_ids=z["bigram_ids"],
                lex_keys=z["lex_keys"], lex_bits=z["lex_bits"],
                lex_max_len=int(z["lex_max_len"][0]),
            )

    @cached_property
    def char_index(self) -> _CharIndex:
        return _CharIndex(self.char_keys, self.char_ids)

    @cached_property
    def bigram_index(self) -> HashIndex:
        return HashIndex(self.bigram_keys, self.bigram_ids)

    @cached_property
    def lex_index(self) -> HashIndex:
        return HashIndex(self.lex_keys, self.lex_bits)

    @property
    def n_chars(self) -> int:
        return N_RESERVED + len(self.char_keys)

    @property
    def n_bigrams(self) -> int:
        return 2 + len(self.bigram_keys)


class HashIndex:
    """Open-addressing hash table over uint64 keys, probed with whole-array operations: one
    gather per probe round instead of the ~18 cache-missing steps of a binary search."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        bits = max(4, int(len(keys) * 3).bit_length())
        size = 1 << bits
        self.mask = np.uint64(size - 1)
        self.shift = np.uint64(64 - bits)
        self.keys = np.zeros(size, dtype=np.uint64)  # 0 marks an empty slot
        self.values = np.zeros(size, dtype=values.dtype)
        pending = np.flatnonzero(keys != 0)
        probe = 0
        while len(pending):
            slots = self._slots(keys[pending], probe)
            free = self.keys[slots] == 0
            cand, cand_slots = pending[free], slots[free]
            _, first = np.unique(cand_slots, return_index=True)
            placed, placed_slots = cand[first], cand_slots[first]
            self.keys[placed_slots] = keys[placed]
            self.values[placed_slots] = values[placed]
            done = np.zeros(len(keys), dtype=bool)
            done[placed] = True
            pending = pending[~done[pending]]
            probe += 1
        self.max_probe = probe

    def _slots(self, keys: np.ndarray, probe: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            home = (keys * _MIX) >> self.shift
        return ((home + np.uint64(probe)) & self.mask).astype(np.int64)

    def get(self, query: np.ndarray, missing: int) -> np.ndarray:
        out = np.full(len(query), missing, dtype=self.values.dtype)
        todo = np.arange(len(query))
        q = query
        for probe in range(self.max_probe):
            slots = self._slots(q, probe)
            found = self.keys[slots]
            hit = found == q
            out[todo[hit]] = self.values[slots[hit]]
            more = ~hit & (found != 0)
            if not more.any():
                break
            todo, q = todo[more], q[more]
        return out


class _CharIndex:
    """Code point → unigram id by direct indexing (the BMP and the CJK extension planes)."""

    LIMIT = 0x32000

    def __init__(self, keys: np.ndarray, ids: np.ndarray) -> None:
        self.table = np.full(self.LIMIT, -1, dtype=np.int64)
        inside = keys < self.LIMIT
        self.table[keys[inside]] = ids[inside]

    def get(self, cp: np.ndarray) -> np.ndarray:
        return self.table[np.minimum(cp, self.LIMIT - 1)]


def unigram_ids(tables: FeatureTables, cp: np.ndarray) -> np.ndarray:
    ids = tables.char_index.get(cp)
    unk = ids < 0
    if unk.any():
        c = cp[unk]
        cls = np.full(len(c), UNK_OTHER, dtype=ids.dtype)
        cls[((c >= 0x4E00) & (c <= 0x9FFF)) | ((c >= 0x3400) & (c <= 0x4DBF))] = UNK_HAN
        cls[(c >= 0x30) & (c <= 0x39)] = UNK_DIGIT
        cls[(c >= 0x61) & (c <= 0x7A)] = UNK_LATIN
        ids[unk] = cls
    ids[cp == 0] = PAD_ID
    return ids


def bigram_keys(cp: np.ndarray) -> np.ndarray:
    """Key of (cp[i], cp[i+1]); the last position pairs with 0."""
    nxt = np.zeros_like(cp)
    nxt[:-1] = cp[1:]
    return (cp.astype(np.uint64) << np.uint64(32)) | nxt.astype(np.uint64)


def right_bigram_ids(tables: FeatureTables, cp: np.ndarray) -> np.ndarray:
    ids = tables.bigram_index.get(bigram_keys(cp), BIGRAM_UNK)
    ids[cp == 0] = BIGRAM_PAD
    return ids


def lexicon_bits(tables: FeatureTables, cp: np.ndarray) -> np.ndarray:
    """(len, 3) uint16: category bits of matches that Begin / are Inside / End at each char.
    A one-character match sets Begin and End."""
    n_chars = len(cp)
    begin = np.zeros(n_chars, dtype=np.uint16)
    inside = np.zeros(n_chars, dtype=np.uint16)
    end = np.zeros(n_chars, dtype=np.uint16)
    hashes = list(_ngram_hashes(cp, min(tables.lex_max_len, n_chars)))
    if not hashes:
        return np.stack([begin, inside, end], axis=1)
    # A short text (one post, one window) pays per call, not per element: one table lookup for
    # every n-gram length. A long stream looks each length up on its own (fewer probe rounds).
    if n_chars <= _ONE_LOOKUP_MAX:
        found = tables.lex_index.get(np.concatenate(hashes), 0)
        offsets = np.cumsum([0, *map(len, hashes)])
        looked = [found[offsets[i]:offsets[i + 1]] for i in range(len(hashes))]
    else:
        looked = [tables.lex_index.get(h, 0) for h in hashes]
    for n, bits in enumerate(looked, start=1):
        m = len(bits)
        if not bits.any():
            continue
        begin[:m] |= bits
        end[n - 1:n - 1 + m] |= bits
        for k in range(1, n - 1):
            inside[k:k + m] |= bits
    return np.stack([begin, inside, end], axis=1)


_ONE_LOOKUP_MAX = 4096


def _ngram_hashes(cp: np.ndarray, max_n: int) -> Iterator[np.ndarray]:
    """`ngram_hash(cp, n)` for n = 1..max_n, each from the one before (one pass per length,
    not n passes)."""
    c = cp.astype(np.uint64)
    h = np.full(len(c), HASH_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, max_n + 1):
            h = (h[:len(c) - n + 1] ^ c[n - 1:]) * HASH_MULT
            yield h


def lexicon_features(tables: FeatureTables, cp: np.ndarray) -> np.ndarray:
    """(len, N_LEX_FEATURES) float32 0/1: for each category, Begin, Inside, End."""
    bits = lexicon_bits(tables, cp)
    shifts = np.arange(len(LEXICON_CATEGORIES), dtype=np.uint16)
    unpacked = (bits[:, :, None] >> shifts[None, None, :]) & 1  # (len, 3, K)
    return unpacked.transpose(0, 2, 1).reshape(len(cp), -1).astype(np.float32)


def featurize(tables: FeatureTables, cp: np.ndarray) -> tuple[np.ndarray, ...]:
    """Model inputs for one code-point stream (0 = padding): unigram ids, left and right bigram
    ids, lexicon features."""
    uni = unigram_ids(tables, cp)
    right = right_bigram_ids(tables, cp)
    left = np.empty_like(right)
    left[0] = BIGRAM_PAD
    left[1:] = right[:-1]
    return uni, left, right, lexicon_features(tables, cp)

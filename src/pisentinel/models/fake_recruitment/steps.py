"""Python steps: canonical inputs with every optional column, and the 类案 linking of postings.

Linking is what SQL does badly: near-duplicate texts are found with MinHash over character
n-grams and banded LSH (numpy, batch by batch, so a million postings never sit in memory as
text), then postings that share a near-duplicate text or a contact phone / WeChat / QQ (from the
contact columns or written into the text) are joined into connected components. Each component
is one candidate scheme, whatever company names and cities it spans."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pisentinel.models.context import RunContext

__all__ = ["connected_components", "link_postings", "minhash_signatures", "prepare",
           "text_contacts"]

_BATCH = 50_000
_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9][0-9](?:[\s-]?[0-9]{4}){2})(?![0-9])")
_WECHAT_IN_TEXT = re.compile(
    r"(?:微信号?|vx|v信|薇信|威信|wx|weixin)\s*[:：]?\s*([a-z][-_a-z0-9]{5,19})")
_QQ_IN_TEXT = re.compile(r"(?:qq|扣扣)号?\s*[:：]?\s*([1-9][0-9]{4,10})(?![0-9])")
_IM_VARIANTS = re.compile(r"vx|v信|薇信|威信|weixin|wx")
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _canonical_select(ctx: RunContext, name: str) -> str:
    spec = ctx.manifest.input(name)
    cols = []
    for col in spec.columns:
        if ctx.has_input(name) and ctx.has_column(name, col.name):
            cols.append(f"CAST({col.name} AS VARCHAR) AS {col.name}")
        else:
            cols.append(f"CAST(NULL AS VARCHAR) AS {col.name}")
    if ctx.has_input(name):
        return f"SELECT {', '.join(cols)}, _row, _source FROM {name}"
    return (f"SELECT {', '.join(cols)}, CAST(NULL AS BIGINT) AS _row, "
            "CAST(NULL AS VARCHAR) AS _source LIMIT 0")


def prepare(ctx: RunContext) -> None:
    """`postings_in`, `registry_in`, `applications_in`: every canonical column present (NULL when
    the export lacks it), empty tables for inputs not given, so the SQL needs no branches."""
    for name in ("postings", "registry", "applications"):
        ctx.execute(f"CREATE OR REPLACE TABLE {name}_in AS {_canonical_select(ctx, name)}")


def _shingle_text(description: str, company: str, city: str) -> str:
    """Han characters only, the company name and city struck out: what a template keeps when a
    scheme reposts it under another name in another city."""
    text = _IM_VARIANTS.sub("微信", unicodedata.normalize("NFKC", description).lower())
    for word in (company, city):
        if word:
            text = text.replace(word, "")
    return _HAN.sub("", text)


def minhash_signatures(texts: list[str], n: int, perms: int, seed: int = 20260) -> np.ndarray:
    """MinHash signatures (uint32, one row per text) over character n-grams of Han text.

    An n-gram of BMP characters is packed exactly into an integer; each of `perms` hash
    functions is a multiply-shift of it with random odd 64-bit multipliers. Texts shorter than
    n get a row of the maximum value and must be left out of the bands."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=perms, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=perms, dtype=np.uint64)
    grams: list[np.ndarray] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        cps = np.frombuffer(text.encode("utf-16-le"), dtype=np.uint16).astype(np.uint64)
        if len(cps) < n:
            continue
        g = cps[: len(cps) - n + 1].copy()
        for k in range(1, n):
            g = (g << np.uint64(16)) | cps[k: len(cps) - n + 1 + k]
        g = np.unique(g)
        grams.append(g)
        lengths[i] = len(g)
    out = np.full((len(texts), perms), np.iinfo(np.uint32).max, dtype=np.uint32)
    if not grams:
        return out
    flat = np.concatenate(grams)
    has = lengths > 0
    starts = np.concatenate(([0], np.cumsum(lengths[has])[:-1]))
    rows = np.flatnonzero(has)
    with np.errstate(over="ignore"):
        for j in range(perms):
            h = ((flat * a[j] + b[j]) & _MASK64) >> np.uint64(32)
            out[rows, j] = np.minimum.reduceat(h, starts).astype(np.uint32)
    return out


def _band_keys(sig: np.ndarray, rows: int) -> np.ndarray:
    """One 64-bit key per (text, band): the band's `rows` signature values mixed together."""
    n, perms = sig.shape
    bands = perms // rows
    s = sig[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    key = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            key = (key * np.uint64(0x9E3779B97F4A7C15)) ^ (s[:, :, r] + np.uint64(r + 1))
    return key


def text_contacts(description: str) -> Iterator[tuple[str, str]]:
    """Contacts written into a posting's text: mobile numbers, WeChat ids, QQ numbers."""
    text = unicodedata.normalize("NFKC", description).lower()
    for m in _PHONE_IN_TEXT.finditer(text):
        yield "PHONE_NUMBER", re.sub(r"[^0-9]", "", m.group(1))
    for m in _WECHAT_IN_TEXT.finditer(text):
        yield "WECHAT_ID", m.group(1)
    for m in _QQ_IN_TEXT.finditer(text):
        yield "QQ_NUMBER", m.group(1)


def connected_components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component label (its smallest member) of each of n nodes under undirected edges."""
    label = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return label
    while True:
        m = np.minimum(label[left], label[right])
        before = label.copy()
        np.minimum.at(label, left, m)
        np.minimum.at(label, right, m)
        while True:  # pointer jumping: every node straight to its root
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(before, label):
            return label


def _star_edges(keys: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from every node to the first node with the same key (a star per key)."""
    order = np.lexsort((nodes, keys))
    k, v = keys[order], nodes[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    head = v[np.maximum.accumulate(np.where(first, np.arange(len(k)), 0))]
    keep = ~first
    return v[keep], head[keep]


def link_postings(ctx: RunContext) -> None:
    """Tables `posting_contacts` (seq, contact_type, contact_value, in_text) and
    `posting_schemes` (seq, scheme, text_twin): the component of each posting, and whether it
    has a near-duplicate text in it."""
    p = ctx.params
    perms, rows_per_band, n_gram = int(p["minhash_perms"]), int(p["lsh_rows"]), int(p["shingle"])
    total = int(ctx.rows("SELECT count(*) AS n FROM postings_screened")[0]["n"])
    seqs = np.zeros(0, dtype=np.int64)
    # low 16 bits of each MinHash value: enough to estimate similarity, a quarter of the memory
    sig16 = np.zeros((total + 1, perms), dtype=np.uint16)
    band_keys: list[np.ndarray] = []
    band_seq: list[np.ndarray] = []
    contact_parts: list[pa.Table] = []
    for start in range(1, total + 1, _BATCH):
        batch = ctx.query(
            "SELECT seq, description, company_name, city, phone, wechat FROM postings_screened "
            f"WHERE seq >= {start} AND seq < {start + _BATCH} ORDER BY seq").to_pydict()
        seq = np.asarray(batch["seq"], dtype=np.int64)
        texts = [_shingle_text(d or "", c or "", t or "") for d, c, t in
                 zip(batch["description"], batch["company_name"], batch["city"], strict=True)]
        sig = minhash_signatures(texts, n_gram, perms)
        ok = np.array([len(t) >= n_gram for t in texts], dtype=bool)
        sig16[seq] = sig.astype(np.uint16)
        keys = _band_keys(sig[ok], rows_per_band)
        bands = keys.shape[1]
        # band index in the high bits keeps equal keys of different bands apart
        band_keys.append((keys ^ (np.arange(bands, dtype=np.uint64) << np.uint64(56))).ravel())
        band_seq.append(np.repeat(seq[ok].astype(np.int32), bands))
        seqs = np.concatenate((seqs, seq))
        contact_parts.append(_contacts(batch))

    n = int(seqs.max()) + 1 if len(seqs) else 1
    all_keys = np.concatenate(band_keys) if band_keys else np.zeros(0, np.uint64)
    all_seq = np.concatenate(band_seq) if band_seq else np.zeros(0, np.int32)
    del band_keys, band_seq
    left, right = _text_edges(all_keys, all_seq, int(p["min_band_hits"]))
    del all_keys, all_seq
    left, right = _similar(sig16, left, right, float(p["min_similarity"]))
    del sig16
    twin = np.zeros(n, dtype=bool)
    twin[left] = True
    twin[right] = True
    contacts = pa.concat_tables(contact_parts) if contact_parts else _contacts({})
    if contacts.num_rows:
        codes = pc.dictionary_encode(pc.binary_join_element_wise(
            contacts["contact_type"], contacts["contact_value"], "\x1f")).combine_chunks()
        cl, cr = _star_edges(codes.indices.to_numpy().astype(np.int64),
                             contacts["seq"].to_numpy())
        left, right = np.concatenate((left, cl)), np.concatenate((right, cr))
    label = connected_components(n, left, right)
    ctx.engine.register("posting_contacts", contacts)
    ctx.engine.register("posting_schemes", pa.table({
        "seq": pa.array(seqs, pa.int64()), "scheme": pa.array(label[seqs], pa.int64()),
        "text_twin": pa.array(twin[seqs], pa.bool_())}))


def _contacts(batch: dict[str, list[object]]) -> pa.Table:
    """(seq, contact_type, contact_value, in_text) for the contact columns and the contacts
    written into the text (a value given in a column is not repeated from the text)."""
    out: dict[str, list[object]] = {"seq": [], "contact_type": [], "contact_value": [],
                                     "in_text": []}
    for s, desc, phone, wechat in zip(batch.get("seq", []), batch.get("description", []),
                                      batch.get("phone", []), batch.get("wechat", []),
                                      strict=True):
        found = {(t, v, False) for t, v in (("PHONE_NUMBER", phone), ("WECHAT_ID", wechat)) if v}
        found |= {(t, v, True) for t, v in text_contacts(str(desc or ""))
                  if (t, v, False) not in found}
        for kind, value, in_text in sorted(found):
            out["seq"].append(s)
            out["contact_type"].append(kind)
            out["contact_value"].append(value)
            out["in_text"].append(in_text)
    return pa.table({"seq": pa.array(out["seq"], pa.int64()),
                     "contact_type": pa.array(out["contact_type"], pa.string()),
                     "contact_value": pa.array(out["contact_value"], pa.string()),
                     "in_text": pa.array(out["in_text"], pa.bool_())})


def _similar(sig: np.ndarray, left: np.ndarray, right: np.ndarray, threshold: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs whose signatures agree on at least `threshold` of their positions
    (the MinHash estimate of Jaccard similarity): LSH proposes, this decides, so postings that
    share only boilerplate do not chain whole job boards into one component."""
    keep = np.zeros(len(left), dtype=bool)
    for start in range(0, len(left), 200_000):
        a, b = left[start:start + 200_000], right[start:start + 200_000]
        keep[start:start + len(a)] = (sig[a] == sig[b]).mean(axis=1) >= threshold
    return left[keep], right[keep]


def _text_edges(keys: np.ndarray, seq: np.ndarray, min_hits: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of postings that share at least `min_hits` LSH bands (star edges per bucket to the
    bucket's first posting, counted over bands)."""
    if len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    left, right = _star_edges(keys, seq)
    if min_hits <= 1 or len(left) == 0:
        return left, right
    width = np.int64(max(int(left.max()), int(right.max())) + 1)
    uniq, counts = np.unique(left * width + right, return_counts=True)
    strong = uniq[counts >= min_hits]
    return strong // width, strong % width

"""The scan step both engines share: a batch of (row id, text columns) → findings with tokens.

The same function runs in DuckDB's process pool and in Spark's `mapInArrow`, so the two engines
give identical findings by construction. It must be importable in a fresh worker process (spawn
or a Spark Python worker): module-level state is only the per-process scanner cache.

Tokens are keyed pseudonyms of the normalised value; the mask is the display form. Both come from
`pisentinel.protect` when it is installed, with a stand-in here (HMAC-SHA256, keep-prefix/suffix
masks from the taxonomy) so the engine layer works before the protect layer lands."""

from __future__ import annotations

import hashlib
import hmac
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa

from pisentinel.detect.scanner import Scanner

__all__ = [
    "FINDING_COLUMNS",
    "ScanJob",
    "findings_schema",
    "mask_function",
    "scan_rows",
    "scan_stream",
    "token_function",
]

FINDING_COLUMNS = ("row_id", "column", "start", "end", "type", "score", "token", "masked")


def findings_schema(id_type: pa.DataType, with_source: bool) -> pa.Schema:
    """row_id (the id column's type), [_source,] column, start, end, type, score, token, masked."""
    fields = [pa.field("row_id", id_type)]
    if with_source:
        fields.append(pa.field("_source", pa.string()))
    fields += [
        pa.field("column", pa.string()),
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("type", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("token", pa.string()),
        pa.field("masked", pa.string()),
    ]
    return pa.schema(fields)


@dataclass(frozen=True)
class ScanJob:
    """What a scan worker needs besides the batch (picklable: it travels to worker processes
    and Spark executors)."""

    columns: tuple[str, ...]
    key: bytes = field(repr=False)
    types: tuple[str, ...] | None
    min_score: float
    id_column: str
    with_source: bool


def _protect(name: str) -> Any:
    """A function of `pisentinel.protect`, or None while that layer does not provide it."""
    try:
        return getattr(importlib.import_module("pisentinel.protect"), name, None)
    except ImportError:
        return None


def token_function(key: bytes) -> Callable[[str, str], str]:
    """`token(type, value)`: the project's keyed pseudonym."""
    pseudonym_token = _protect("pseudonym_token")
    if pseudonym_token is None:
        def fallback(pi_type: str, value: str) -> str:
            msg = f"{pi_type}:{value}".encode()
            return hmac.new(key, msg, hashlib.sha256).hexdigest()[:24]

        return fallback

    def token(pi_type: str, value: str) -> str:
        return str(pseudonym_token(pi_type, value, key))

    return token


@cache
def mask_function() -> Callable[[str, str], str]:
    """`mask(type, text)`: the display form of a found value."""
    mask_value = _protect("mask_value")
    return _fallback_mask if mask_value is None else mask_value


def _fallback_mask(pi_type: str, text: str) -> str:
    from pisentinel.knowledge import pi_types

    spec = pi_types().get(pi_type)
    rule = spec.mask if spec is not None else {}
    keep_prefix = int(rule.get("keep_prefix", 0))
    keep_suffix = int(rule.get("keep_suffix", 0))
    if keep_prefix + keep_suffix >= len(text):
        keep_prefix, keep_suffix = min(1, len(text) - 1), 0
    tail = text[len(text) - keep_suffix:] if keep_suffix else ""
    return text[:keep_prefix] + "*" * (len(text) - keep_prefix - keep_suffix) + tail


@cache
def _scanner(types: tuple[str, ...] | None, min_score: float) -> Scanner:
    return Scanner(types=types, min_score=min_score)


def scan_rows(batch: pa.RecordBatch, job: ScanJob) -> pa.RecordBatch:
    """Findings of `job.columns` in `batch`, each tagged with the row's `job.id_column` value
    (and its `_source` when `job.with_source`)."""
    scanner = _scanner(job.types, job.min_score)
    found = scanner.scan_batch(batch, list(job.columns), mask=mask_function(),
                               token=token_function(job.key))
    schema = findings_schema(batch.schema.field(job.id_column).type, job.with_source)
    rows = pa.array(found.column("row").to_numpy(zero_copy_only=False).astype(np.int64))
    arrays: list[pa.Array] = [batch.column(job.id_column).take(rows)]
    if job.with_source:
        arrays.append(batch.column("_source").take(rows).cast(pa.string()))
    arrays += [found.column(name) for name in FINDING_COLUMNS[1:]]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def scan_stream(batches: Iterator[pa.RecordBatch], job: ScanJob) -> Iterator[pa.RecordBatch]:
    """`scan_rows` over a stream of batches: the body of Spark's `mapInArrow`."""
    for batch in batches:
        if batch.num_rows:
            yield scan_rows(batch, job)

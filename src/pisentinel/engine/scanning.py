"""The scan step both engines share: a batch of (row id, text columns) → findings with tokens.

The same function runs in DuckDB's process pool and in Spark's `mapInArrow`, so the two engines
give identical findings by construction. It must be importable in a fresh worker process (spawn
or a Spark Python worker): module-level state is only the per-process scanner cache.

Tokens are keyed pseudonyms of the normalised value (`pisentinel.protect.pseudonym_token`); the
mask is the display form (`pisentinel.protect.mask_value`, as the scanner applies it). Engine
sits above detect and protect, so it imports them directly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, partial

import numpy as np
import pyarrow as pa

from pisentinel.detect.scanner import Scanner
from pisentinel.protect import pseudonym_token

__all__ = [
    "FINDING_COLUMNS",
    "ScanJob",
    "findings_schema",
    "scan_rows",
    "scan_stream",
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


@cache
def _scanner(types: tuple[str, ...] | None, min_score: float) -> Scanner:
    return Scanner(types=types, min_score=min_score)


def scan_rows(batch: pa.RecordBatch, job: ScanJob) -> pa.RecordBatch:
    """Findings of `job.columns` in `batch`, each tagged with the row's `job.id_column` value
    (and its `_source` when `job.with_source`). The scanner masks each value (protect's
    `mask_value`) and `pseudonym_token` under the job's key tokens it."""
    found = _scanner(job.types, job.min_score).scan_batch(
        batch, list(job.columns), token=partial(pseudonym_token, key=job.key))
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

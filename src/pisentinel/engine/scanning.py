"""The scan step both engines share: a batch of (row id, text columns) → findings with tokens.

The same function runs in DuckDB's process pool and in Spark's `mapInArrow`, so the two engines
give identical findings by construction. It must be importable in a fresh worker process (spawn
or a Spark Python worker): module-level state is only the per-process scanner cache.

Tokens are keyed pseudonyms of the normalised value (`pisentinel.protect.pseudonym_token`); the
mask is the display form (`pisentinel.protect.mask_value`, which the scanner gives a user's own
types so that they keep their rules' counts). A user's detection rules travel inside the job:
`DetectionRules` is plain data whose compiled patterns pickle as their source, so a worker gets
the rules themselves (not a path it may be unable to read on an executor) and builds one
scanner per rules it meets."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa

from pisentinel.detect.rules import DetectionRules
from pisentinel.detect.scanner import Scanner
from pisentinel.protect import pseudonym_token

__all__ = [
    "FINDING_COLUMNS",
    "ScanJob",
    "findings_schema",
    "rules_key",
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
    and Spark executors). `rules` are the user's detection rules, None for the built-in types
    only; `rules_key` names them for the worker's scanner cache and is computed here, in the
    process that made the job, so every copy of the job names its rules alike. Neither the key
    nor the rules (whose word lists may hold names) are shown in the job's repr.

    `rows_are_persons` is `is_persons_table` of the scanned table's columns, decided by the
    engine that knows the table: a worker sees only the batch it is sent (one column on
    DuckDB, the requested columns on Spark), whose columns would decide differently. It has no
    default, so that no engine can forget it."""

    columns: tuple[str, ...]
    key: bytes = field(repr=False)
    types: tuple[str, ...] | None
    min_score: float
    id_column: str
    with_source: bool
    rules: DetectionRules | None = field(default=None, repr=False)
    rows_are_persons: bool = field(kw_only=True)
    rules_key: str = field(default="", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules_key", rules_key(self.rules))


def rules_key(rules: DetectionRules | None) -> str:
    """What tells one set of rules from another: the file's SHA-256 when the rules were read
    from one (`load_rules`), else a hash of their pickled content (rules built in code have no
    file); "" for no rules."""
    if rules is None:
        return ""
    if rules.digest:
        return f"sha256:{rules.digest}"
    return "pickle:" + hashlib.sha256(pickle.dumps(rules)).hexdigest()


_SCANNERS: dict[tuple[tuple[str, ...] | None, float, str], Scanner] = {}
_MAX_SCANNERS = 8


def _scanner(job: ScanJob) -> Scanner:
    """The process's scanner for the job's types, score and rules, built once: building
    compiles the prefilter, which costs more than scanning a batch. Each batch brings its own
    unpickled copy of the rules, so the cache is keyed by `rules_key`, not by the object. The
    cache is emptied when a long-lived process (the web console) outgrows its bound."""
    key = (job.types, job.min_score, job.rules_key)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        if len(_SCANNERS) >= _MAX_SCANNERS:
            _SCANNERS.clear()
        scanner = _SCANNERS[key] = Scanner(types=job.types, min_score=job.min_score,
                                           rules=job.rules)
    return scanner


def scan_rows(batch: pa.RecordBatch, job: ScanJob) -> pa.RecordBatch:
    """Findings of `job.columns` in `batch`, each tagged with the row's `job.id_column` value
    (and its `_source` when `job.with_source`). The scanner masks (a user's type by its own
    rules' keep counts) and `pseudonym_token` under the job's key tokens each value; whether
    the rows are persons' records is the job's, not the batch's, to say."""
    found = _scanner(job).scan_batch(batch, list(job.columns),
                                     token=partial(pseudonym_token, key=job.key),
                                     rows_are_persons=job.rows_are_persons)
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

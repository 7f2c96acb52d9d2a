"""Scanning files: sources → Arrow batches → `scan_batch` → a findings sink.

Batches stream through, so memory stays bounded whatever the file size; with `workers > 1` they
go to a process pool (hyperscan and the Python recognizers are per-process), with at most two
batches in flight per worker."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from pisentinel.detect.rules import DetectionRules
from pisentinel.detect.scanner import FINDINGS_SCHEMA, Scanner
from pisentinel.engine.sources import TextBatch, discover_sources, read_batches

FILE_FINDINGS_SCHEMA = pa.schema([pa.field("source", pa.string()), *FINDINGS_SCHEMA])


@dataclass
class ScanStats:
    files: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)


_worker_scanner: Scanner | None = None


def _init_worker(types: frozenset[str] | None, min_score: float, ner: str,
                 rules: DetectionRules | None) -> None:
    global _worker_scanner
    _worker_scanner = Scanner(types=types, min_score=min_score, ner=ner, rules=rules)


def _scan_in_worker(batch: pa.RecordBatch, columns: list[str] | None,
                    include_raw: bool) -> pa.RecordBatch:
    assert _worker_scanner is not None
    return _worker_scanner.scan_batch(batch, columns, include_raw=include_raw)


def _locate(tb: TextBatch, found: pa.RecordBatch) -> pa.RecordBatch:
    """Turn batch-relative rows into 1-based source record numbers, and segment-relative
    offsets into line offsets, and add the source path."""
    rows = found.column("row").to_numpy()
    if tb.rows is not None:
        record = np.asarray(tb.rows.to_numpy(zero_copy_only=False))[rows] + 1
    else:
        record = rows + tb.row_offset + 1
    start = found.column("start").to_numpy()
    end = found.column("end").to_numpy()
    if tb.offsets is not None:
        shift = np.asarray(tb.offsets.to_numpy(zero_copy_only=False))[rows]
        start, end = start + shift, end + shift
    cols = {name: found.column(name) for name in found.schema.names}
    cols["row"] = pa.array(record, pa.int64())
    cols["start"] = pa.array(start, pa.int64())
    cols["end"] = pa.array(end, pa.int64())
    cols["source"] = pa.array([tb.source] * found.num_rows, pa.string())
    names = ["source", *found.schema.names]
    return pa.RecordBatch.from_arrays([cols[n] for n in names], names=names)


def scan_files(
    paths: Sequence[str | Path],
    scanner: Scanner,
    columns: Sequence[str] | None = None,
    write: Callable[[pa.RecordBatch], None] | None = None,
    include_raw: bool = False,
    workers: int = 1,
    on_progress: Callable[[str, int], None] | None = None,
    batch_rows: int = 20_000,
) -> ScanStats:
    """Scan every source under `paths`; each findings batch goes to `write`."""
    stats = ScanStats()
    t0 = time.perf_counter()
    cols = list(columns) if columns else None

    def batches() -> Iterator[TextBatch]:
        for path in discover_sources(paths):
            stats.files += 1
            yield from read_batches(path, columns=cols, batch_rows=batch_rows)

    def consume(tb: TextBatch, found: pa.RecordBatch) -> None:
        stats.rows += tb.batch.num_rows
        size = tb.batch.nbytes
        stats.bytes += size
        if found.num_rows:
            located = _locate(tb, found)
            stats.counts.update(located.column("type").to_pylist())
            if write is not None:
                write(located)
        if on_progress is not None:
            on_progress(tb.source, size)

    if workers <= 1:
        for tb in batches():
            consume(tb, scanner.scan_batch(tb.batch, cols, include_raw=include_raw))
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker,
                                 initargs=(scanner.types, scanner.min_score, scanner.ner,
                                           scanner.rules)) as pool:
            pending: list[tuple[TextBatch, Future[pa.RecordBatch]]] = []
            for tb in batches():
                pending.append((tb, pool.submit(_scan_in_worker, tb.batch, cols, include_raw)))
                while len(pending) >= 2 * workers:
                    done_tb, fut = pending.pop(0)
                    consume(done_tb, fut.result())
            for done_tb, fut in pending:
                consume(done_tb, fut.result())
    stats.seconds = time.perf_counter() - t0
    return stats

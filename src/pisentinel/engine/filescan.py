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
from pisentinel.detect.scanner import FINDINGS_SCHEMA, Scanner, is_persons_table
from pisentinel.engine.checkpoint import ScanCheckpoint, SourceProgress, scan_fingerprint
from pisentinel.engine.sinks import TableSink
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


def _scan_in_worker(batch: pa.RecordBatch, columns: list[str] | None, include_raw: bool,
                    rows_are_persons: bool) -> pa.RecordBatch:
    assert _worker_scanner is not None
    return _worker_scanner.scan_batch(batch, columns, include_raw=include_raw,
                                      rows_are_persons=rows_are_persons)


def _of_persons(tb: TextBatch) -> bool:
    """Whether the batch's source holds persons' records, decided from all of its columns:
    a scan of chosen columns (`--columns 备注`) must find in them what a scan of the whole
    file finds, and what the engines find in the same table."""
    return is_persons_table(tb.source_columns)


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


class _Ledger:
    """Per-source progress of a scan, and, with a checkpoint, the findings not yet recorded:
    flushed every `FLUSH_BATCHES` batches and at the end of every source."""

    def __init__(self, stats: ScanStats, checkpoint: ScanCheckpoint | None,
                 write: Callable[[pa.RecordBatch], None] | None) -> None:
        self.stats, self.checkpoint, self.write = stats, checkpoint, write
        self.untracked: dict[str, SourceProgress] = {}  # the progress kept without checkpoint
        self.found: list[pa.RecordBatch] = []
        self.unflushed = 0

    def start(self, path: Path) -> SourceProgress:
        """The source's progress: what the checkpoint recorded (its counts join the stats), or
        a fresh one."""
        if self.checkpoint is None:
            prog = self.untracked[str(path)] = SourceProgress(0, 0)
            return prog
        prog = self.checkpoint.progress_for(path)
        self.stats.rows += prog.rows
        self.stats.bytes += prog.bytes
        self.stats.counts.update(prog.counts)
        return prog

    def add(self, tb: TextBatch, found: pa.RecordBatch) -> None:
        prog = self._current(tb.source)
        size = tb.batch.nbytes
        prog.batches += 1
        prog.rows += tb.batch.num_rows
        prog.bytes += size
        self.stats.rows += tb.batch.num_rows
        self.stats.bytes += size
        if found.num_rows:
            located = _locate(tb, found)
            types = located.column("type").to_pylist()
            prog.counts.update(types)
            self.stats.counts.update(types)
            if self.checkpoint is not None:
                self.found.append(located)
            elif self.write is not None:
                self.write(located)
        self.unflushed += 1
        if self.unflushed >= FLUSH_BATCHES:
            self.flush()

    def end(self, source: str) -> None:
        self._current(source).complete = True
        self.flush()

    def _current(self, source: str) -> SourceProgress:
        """The object `start` handed out: with a checkpoint, the one it records."""
        return self.checkpoint.sources[source] if self.checkpoint else self.untracked[source]

    def flush(self) -> None:
        if self.checkpoint is not None:
            self.checkpoint.flush(self.found)
        self.found, self.unflushed = [], 0


FLUSH_BATCHES = 10


def scan_files(
    paths: Sequence[str | Path],
    scanner: Scanner,
    columns: Sequence[str] | None = None,
    write: Callable[[pa.RecordBatch], None] | None = None,
    include_raw: bool = False,
    workers: int = 1,
    on_progress: Callable[[str, int], None] | None = None,
    batch_rows: int = 20_000,
    checkpoint: ScanCheckpoint | None = None,
) -> ScanStats:
    """Scan every source under `paths`; each findings batch goes to `write`, or, with a
    `checkpoint`, into it (read them back with `checkpoint.recorded`). Batches the checkpoint
    holds already are skipped: whole sources unread, the rest read but not scanned."""
    stats = ScanStats()
    t0 = time.perf_counter()
    cols = list(columns) if columns else None
    sources = discover_sources(paths)
    stats.files = len(sources)
    ledger = _Ledger(stats, checkpoint, write)

    def items() -> Iterator[TextBatch | str]:
        for path in sources:
            prog = ledger.start(path)
            if prog.complete:
                if on_progress is not None:
                    on_progress(str(path), prog.bytes)
                continue
            for i, tb in enumerate(read_batches(path, columns=cols, batch_rows=batch_rows)):
                if i < prog.batches:  # recorded before the interruption
                    if on_progress is not None:
                        on_progress(tb.source, tb.batch.nbytes)
                    continue
                yield tb
            yield str(path)  # the source is finished

    def consume(item: TextBatch | str, found: pa.RecordBatch | None) -> None:
        if isinstance(item, str):
            ledger.end(item)
            return
        assert found is not None
        ledger.add(item, found)
        if on_progress is not None:
            on_progress(item.source, item.batch.nbytes)

    if workers <= 1:
        for item in items():
            consume(item, None if isinstance(item, str) else
                    scanner.scan_batch(item.batch, cols, include_raw=include_raw,
                                       rows_are_persons=_of_persons(item)))
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker,
                                 initargs=(scanner.types, scanner.min_score, scanner.ner,
                                           scanner.rules)) as pool:
            pending: list[tuple[TextBatch | str, Future[pa.RecordBatch] | None]] = []
            for item in items():
                fut = None if isinstance(item, str) else pool.submit(
                    _scan_in_worker, item.batch, cols, include_raw, _of_persons(item))
                pending.append((item, fut))
                while len(pending) >= 2 * workers:
                    done, f = pending.pop(0)
                    consume(done, f.result() if f is not None else None)
            for done, f in pending:
                consume(done, f.result() if f is not None else None)
    ledger.flush()
    stats.seconds = time.perf_counter() - t0
    return stats


def scan_to_file(paths: Sequence[str | Path], scanner: Scanner, output: Path,
                 columns: Sequence[str] | None = None, include_raw: bool = False,
                 workers: int = 1, on_progress: Callable[[str, int], None] | None = None,
                 batch_rows: int = 20_000, resume: bool = True) -> tuple[ScanStats, int]:
    """`scan_files` into `output`, resumable: returns the stats and how many batches an
    earlier, interrupted run of the same scan had recorded (0 for a fresh scan)."""
    settings = {
        "types": sorted(scanner.types) if scanner.types is not None else None,
        "min_score": scanner.min_score, "ner": scanner.ner,
        "columns": list(columns) if columns else None, "include_raw": include_raw,
        "batch_rows": batch_rows, "output": str(output),
        "rules": scanner.rules.digest if scanner.rules is not None else None,
    }
    checkpoint = ScanCheckpoint(output, scan_fingerprint(settings), resume=resume)
    resumed = checkpoint.done_batches()
    sources = discover_sources(paths)
    try:
        with TableSink(output) as sink:
            stats = scan_files(sources, scanner, columns, None, include_raw, workers,
                               on_progress, batch_rows, checkpoint)
            for batch in checkpoint.recorded(sources):
                sink.write(batch)
    except BaseException:
        if not checkpoint.recorded_batches:  # nothing a re-run could skip: leave nothing
            checkpoint.remove()
        raise
    checkpoint.remove()
    return stats, resumed

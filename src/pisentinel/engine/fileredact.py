"""Redacting files: every text cell keeps its words and loses its PI, by the chosen method.

The output has the input's rows and columns (text files stay one line per line), written to a
temporary file and renamed, so a failed run never leaves a half-redacted file that looks whole."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from pisentinel.detect.scanner import Scanner
from pisentinel.engine.sinks import TableSink
from pisentinel.engine.sources import read_batches
from pisentinel.protect import redact_text

TEXT_SUFFIXES = (".txt", ".log", ".md")


def redact_batch(scanner: Scanner, batch: pa.RecordBatch, columns: Sequence[str] | None,
                 method: str, key: bytes | None, counts: Counter[str]) -> pa.RecordBatch:
    names = list(columns) if columns else batch.schema.names
    arrays = []
    for name in batch.schema.names:
        col = batch.column(name)
        if name not in names:
            arrays.append(col)
            continue
        by_row: dict[int, list] = {}
        for row, f in scanner.scan_array(col, header=name):
            by_row.setdefault(row, []).append(f)
            counts[f.type] += 1
        if not by_row:
            arrays.append(col)
            continue
        values = col.to_pylist()
        for row, found in by_row.items():
            values[row] = redact_text(values[row], found, method, key)
        arrays.append(pa.array(values, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def redact_file(source: Path, output: Path, scanner: Scanner, method: str,
                columns: Sequence[str] | None = None, key: bytes | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    if output.suffix.lower() in TEXT_SUFFIXES:
        tmp = output.with_name(f".{output.name}.partial")
        try:
            with tmp.open("w", encoding="utf-8") as f:
                for tb in read_batches(source, columns=columns):
                    red = redact_batch(scanner, tb.batch, None, method, key, counts)
                    for value in red.column(0).to_pylist():
                        f.write((value or "") + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
        return counts
    with TableSink(output) as sink:
        for tb in read_batches(source, columns=None):
            sink.write(redact_batch(scanner, tb.batch, columns, method, key, counts))
    return counts

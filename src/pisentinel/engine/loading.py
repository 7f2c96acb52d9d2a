"""What both engines do the same way before and around their own machinery: turn source files
into canonical record batches, and check a scan request against a table's columns.

Loading through one function is what makes the engines agree: the same reader, the same renaming
(header → canonical column), the same `_row` (1-based record number within its file) and
`_source` (the file as given), the same "missing required column" error."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa

from pisentinel.engine.base import InputTable, ScanRequest
from pisentinel.engine.mapping import MappingError
from pisentinel.engine.sources import discover_sources, read_batches

__all__ = ["RESERVED", "STAGING_SUFFIXES", "check_scan_request", "mapped_batches", "quote"]

RESERVED = ("_row", "_source")
STAGING_SUFFIXES = ("__loading", "__scanning", "__replacing")
_LATE_KEYS = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


def quote(name: str) -> str:
    """A DuckDB / ANSI identifier."""
    return '"' + name.replace('"', '""') + '"'


def _renamer(spec: InputTable) -> dict[str, str]:
    """header → column name in the table: mapped headers take their canonical name; a header
    that collides with a canonical name or a reserved column keeps its data under `<name>_2`."""
    rename = {header: canon for canon, header in spec.mapping.items()}
    taken = set(spec.mapping) | set(RESERVED)
    return rename | {h: f"{h}_2" for h in taken if h not in rename}


def _missing(spec: InputTable, present: set[str]) -> list[str]:
    return [c for c in spec.required if c not in present]


def _missing_error(spec: InputTable, source: str, headers: Sequence[str],
                   missing: Sequence[str]) -> MappingError:
    expected = [*spec.required, *[c for c in spec.optional if c not in spec.required]]
    matched = {c: h for c, h in spec.mapping.items() if h in headers}
    pairs = ", ".join(f"{c}={h}" for c, h in matched.items()) or "-"
    return MappingError(
        f"缺少必需的列：{', '.join(missing)}。应有的列：{', '.join(expected)}；"
        f"文件的表头：{', '.join(headers) or '无'}；已匹配：{pairs}",
        f"missing required columns: {', '.join(missing)}. Expected: {', '.join(expected)}; "
        f"the file's headers: {', '.join(headers) or 'none'}; matched: {pairs}",
        expected=expected, headers=headers, matched=matched, source=source)


def mapped_batches(spec: InputTable, batch_rows: int = 50_000) -> Iterator[pa.RecordBatch]:
    """Every file of `spec` as record batches with canonical column names (text), `_row` and
    `_source`; optional columns a file lacks are there as nulls, so model SQL can name them.
    Raises `MappingError` when a file lacks a required column, `SourceError` when it cannot be
    read."""
    rename = _renamer(spec)
    for path in discover_sources(list(spec.paths)):
        headers: list[str] = []
        checked = str(path).lower().endswith(_LATE_KEYS)
        for tb in read_batches(path, batch_rows=batch_rows):
            batch = tb.batch
            headers += [h for h in batch.schema.names if h not in headers]
            names = [rename.get(h, h) for h in batch.schema.names]
            if not checked:
                checked = True
                missing = _missing(spec, set(names))
                if missing:
                    raise _missing_error(spec, tb.source, headers, missing)
            n = batch.num_rows
            if tb.rows is not None:
                rows = np.asarray(tb.rows.to_numpy(zero_copy_only=False), dtype=np.int64) + 1
            else:
                rows = np.arange(tb.row_offset + 1, tb.row_offset + n + 1, dtype=np.int64)
            absent = [c for c in spec.optional if c not in names]
            arrays = [*batch.columns, *[pa.nulls(n, pa.string()) for _ in absent],
                      pa.array(rows, pa.int64()), pa.array([tb.source] * n, pa.string())]
            yield pa.RecordBatch.from_arrays(arrays, names=[*names, *absent, *RESERVED])
        missing = _missing(spec, {rename.get(h, h) for h in headers})
        if missing:
            raise _missing_error(spec, str(path), headers, missing)


def check_scan_request(request: ScanRequest, columns: Sequence[str]) -> None:
    """The scanned columns and the id column exist; the output is not the input."""
    absent = [c for c in (request.id_column, *request.columns) if c not in columns]
    if absent:
        raise KeyError(f"table {request.table} has no column {', '.join(absent)} "
                       f"(it has {', '.join(columns)})")
    if not request.columns:
        raise ValueError("a scan needs at least one column")
    if request.output == request.table:
        raise ValueError("a scan cannot write its findings over its input table")


"""Redacting files: every text cell keeps its words and loses its PI, by the chosen method.

The output has the input's rows and columns (text files stay one line per line), written to a
temporary file and renamed, so a failed run never leaves a half-redacted file that looks whole."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from pisentinel.detect.finding import Explanation, Finding
from pisentinel.detect.headers import header_says_not_pi, header_type
from pisentinel.detect.scanner import Scanner, is_persons_table
from pisentinel.engine.sinks import TableSink
from pisentinel.engine.sources import read_batches
from pisentinel.protect import redact_text

TEXT_SUFFIXES = (".txt", ".log", ".md")
BY_HEADER = "column_header"

# Identifier types whose column header is enough to redact a cell that failed validation: an ID
# number with a wrong check digit in a 身份证号 column is a mistyped ID, one digit from the real
# one, and a redacted copy must not show it.
_IDENTIFIER_TYPES = frozenset({"CN_ID_CARD", "PHONE_NUMBER", "BANK_CARD", "PASSPORT",
                               "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "QQ_NUMBER", "WECHAT_ID",
                               "EMAIL", "LICENSE_PLATE", "IP_ADDRESS", "USCC", "DEVICE_ID"})
_IDENTIFIER_SHAPE = re.compile(r"(?:[0-9A-Za-z][^0-9A-Za-z]{0,2}){5}")


def _unvalidated_cells(col: pa.Array, header: str, taken: set[int]) -> list[tuple[int, Finding]]:
    """Cells of an identifier column that hold an identifier-like value (five or more letters or
    digits) the detector did not confirm: found by the header alone, and said so."""
    hint = header_type(header)
    if hint not in _IDENTIFIER_TYPES or header_says_not_pi(header):
        return []
    expl = Explanation(BY_HEADER, "identifier_shape", 0.5, ("header",),
                       note="validation failed or value unrecognised")
    out = []
    for row, value in enumerate(col.to_pylist()):
        if row in taken or not isinstance(value, str) or not _IDENTIFIER_SHAPE.search(value):
            continue
        v = value.strip()
        start = value.index(v)
        out.append((row, Finding(hint, start, start + len(v), 0.5, expl, v, v)))
    return out


def redact_batch(scanner: Scanner, batch: pa.RecordBatch, columns: Sequence[str] | None,
                 method: str, key: bytes | None, counts: Counter[str],
                 lang: str = "zh") -> pa.RecordBatch:
    """`counts` gains one per redacted span by type, and under BY_HEADER the cells redacted on
    their column header alone (also counted by type). `lang` is the language of labels and
    generalised forms. `batch` holds every column of its table, whichever are redacted, so its
    columns decide whether the rows are persons' records, as a scan of the file decides it: a
    disease in 备注 that scan reports beside a 姓名 column is gone from the redacted copy."""
    names = list(columns) if columns else batch.schema.names
    of_persons = is_persons_table(batch.schema.names)
    arrays = []
    for name in batch.schema.names:
        col = batch.column(name)
        if name not in names:
            arrays.append(col)
            continue
        by_row: dict[int, list[Finding]] = {}
        for row, f in scanner.scan_array(col, header=name, rows_are_persons=of_persons):
            by_row.setdefault(row, []).append(f)
            counts[f.type] += 1
        for row, f in _unvalidated_cells(col, name, set(by_row)):
            by_row[row] = [f]
            counts[f.type] += 1
            counts[BY_HEADER] += 1
        if not by_row:
            arrays.append(col)
            continue
        values = col.to_pylist()
        for row, found in by_row.items():  # the user's types by their rule, as scan shows them
            values[row] = redact_text(values[row], found, method, key, lang,
                                      own_types=scanner.own_types)
        arrays.append(pa.array(values, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def redact_file(source: Path, output: Path, scanner: Scanner, method: str,
                columns: Sequence[str] | None = None, key: bytes | None = None,
                lang: str = "zh") -> Counter[str]:
    """Redact `source` into `output`; the counts by type (see `redact_batch`). `lang` (zh, en)
    is the language the labels of ``label`` and ``generalize`` are written in: the caller's
    user's, as the redacted copy is what that user hands on."""
    counts: Counter[str] = Counter()
    if output.suffix.lower() in TEXT_SUFFIXES:
        tmp = output.with_name(f".{output.name}.partial")
        try:
            with tmp.open("w", encoding="utf-8") as f:
                for tb in read_batches(source, columns=columns):
                    red = redact_batch(scanner, tb.batch, None, method, key, counts, lang)
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
            sink.write(redact_batch(scanner, tb.batch, columns, method, key, counts, lang))
    return counts

"""Write result tables (findings, inventories, exports) so that nobody ever reads half a file.

Every output goes to a hidden temporary file in the destination folder and is renamed over the
destination only when the whole table is written, flushed and synced. If anything fails — a bad
input discovered halfway, a full disk, Ctrl-C — the temporary file is deleted and an existing
output at the destination stays exactly as it was. Outputs are created readable by their owner
only (mode 0600), because they hold personal information.

Formats by suffix: `.jsonl` (UTF-8, one object per line, Chinese unescaped), `.csv` (UTF-8 with
a BOM, so Excel shows Chinese correctly), `.parquet` (streamed row groups, zstd) and `.xlsx`
(openpyxl write-only, at most 1,048,575 data rows; text that looks like a formula stays text).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pisentinel.engine.sources import EXIT_USAGE

__all__ = [
    "EXIT_OUTPUT",
    "SINK_SUFFIXES",
    "XLSX_MAX_DATA_ROWS",
    "SinkError",
    "TableSink",
    "atomic_write_bytes",
    "atomic_write_text",
]

EXIT_OUTPUT = 6
"""Exit code when the output cannot be written (folder missing, permission, disk full)."""
SINK_SUFFIXES = (".jsonl", ".csv", ".parquet", ".xlsx")
XLSX_MAX_DATA_ROWS = 1_048_575
_XLSX_MAX_CELL_CHARS = 32_767
# The control characters an xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
_ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class SinkError(Exception):
    """An output that cannot be written; the message names the file, never the data."""

    def __init__(
        self, path: str | Path, message_zh: str, message_en: str, exit_code: int = EXIT_OUTPUT
    ) -> None:
        self.path = str(path)
        self.message_zh = message_zh
        self.message_en = message_en
        self.exit_code = exit_code
        super().__init__(self.message("zh"))

    def message(self, lang: str = "zh") -> str:
        if lang.lower().startswith("zh"):
            return f"{self.path}：{self.message_zh}"
        return f"{self.path}: {self.message_en}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (SinkError, (self.path, self.message_zh, self.message_en, self.exit_code))


def _temp_beside(path: Path) -> tuple[int, Path]:
    """A new hidden temporary file in `path`'s folder, so the final rename stays on one
    file system and is atomic."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError:
        raise SinkError(path, "输出文件夹不存在", "the output folder does not exist") from None
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise SinkError(path, f"无法创建输出文件（{reason}）",
                        f"cannot create the output ({reason})") from None
    return fd, Path(name)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make the rename durable; some file systems refuse to open or sync a folder."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _publish(temp: Path, path: Path) -> None:
    _fsync_file(temp)
    os.replace(temp, path)
    _fsync_dir(path.parent)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` all at once or not at all."""
    target = Path(path)
    fd, temp = _temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        _publish(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` all at once or not at all."""
    atomic_write_bytes(path, text.encode("utf-8"))


# ----------------------------------------------------------------------------- writers


class _Writer(Protocol):
    def write(self, batch: pa.RecordBatch) -> None: ...
    def close(self) -> None: ...


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


class _JsonlWriter:
    def __init__(self, f: IO[bytes]) -> None:
        self._f = f

    def write(self, batch: pa.RecordBatch) -> None:
        lines = [
            json.dumps(row, ensure_ascii=False, default=_json_default) + "\n"
            for row in batch.to_pylist()
        ]
        self._f.write("".join(lines).encode("utf-8"))

    def close(self) -> None:
        self._f.close()


def _flat_field(f: pa.Field) -> pa.Field:
    """Nested and binary columns become JSON/hex text for formats that hold only scalars."""
    if pa.types.is_nested(f.type) or pa.types.is_binary(f.type) or pa.types.is_large_binary(
        f.type
    ):
        return pa.field(f.name, pa.string(), f.nullable)
    return f


def _flatten(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = []
    for col, field in zip(batch.columns, batch.schema, strict=True):
        if _flat_field(field).type != field.type:
            values = col.to_pylist()
            col = pa.array(
                [
                    None if v is None else v.hex() if isinstance(v, bytes) else _json_text(v)
                    for v in values
                ],
                pa.string(),
            )
        columns.append(col)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


class _CsvWriter:
    def __init__(self, f: IO[bytes], schema: pa.Schema) -> None:
        self._f = f
        self._schema = pa.schema([_flat_field(x) for x in schema])
        f.write(b"\xef\xbb\xbf")
        self._csv = pacsv.CSVWriter(f, self._schema)

    def write(self, batch: pa.RecordBatch) -> None:
        self._csv.write(_flatten(batch, self._schema))

    def close(self) -> None:
        try:
            self._csv.close()
        finally:
            self._f.close()


class _ParquetWriter:
    def __init__(self, temp: Path, schema: pa.Schema) -> None:
        self._pq = pq.ParquetWriter(str(temp), schema, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        self._pq.write_batch(batch)

    def close(self) -> None:
        self._pq.close()


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is None else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value
    text = value if isinstance(value, str) else (
        value.hex() if isinstance(value, bytes) else _json_text(value)
    )
    text = _ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > _XLSX_MAX_CELL_CHARS:
        text = text[: _XLSX_MAX_CELL_CHARS - 1] + "…"
    return text


class _XlsxWriter:
    """Control characters become U+FFFD and cells are cut at Excel's 32,767 characters: xlsx
    is the format for reading, Parquet and JSONL the ones that keep every byte."""

    def __init__(self, temp: Path, target: Path, schema: pa.Schema) -> None:
        self._temp = temp
        self._target = target
        from openpyxl import Workbook  # imported here: a CLI start should not pay for xlsx

        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("data")
        self._sheet.append([self._text_cell(n) for n in schema.names])
        self._rows = 0

    def _text_cell(self, value: Any) -> Any:
        """A cell that stays text even when it starts with '=' (no formula injection)."""
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        return cell

    def write(self, batch: pa.RecordBatch) -> None:
        if self._rows + batch.num_rows > XLSX_MAX_DATA_ROWS:
            raise SinkError(
                self._target,
                f"xlsx 最多容纳 {XLSX_MAX_DATA_ROWS:,} 行数据，结果更多；"
                "请改用 .csv、.jsonl 或 .parquet",
                f"xlsx holds at most {XLSX_MAX_DATA_ROWS:,} data rows and the result has more; "
                "use .csv, .jsonl or .parquet",
                exit_code=EXIT_USAGE,
            )
        for row in batch.to_pylist():
            self._sheet.append([self._text_cell(_xlsx_value(v)) for v in row.values()])
        self._rows += batch.num_rows

    def close(self) -> None:
        self._book.save(str(self._temp))

    def discard(self) -> None:
        """Finish and delete openpyxl's own temporary sheet file (it holds the rows too)."""
        with contextlib.suppress(Exception):
            self._sheet.close()
        scratch = getattr(self._sheet, "_writer", None)
        if scratch is not None:
            with contextlib.suppress(Exception):
                scratch.cleanup()


# ----------------------------------------------------------------------------- sink


def _conform(batch: pa.RecordBatch, schema: pa.Schema, target: Path) -> pa.RecordBatch:
    """`batch` in the sink's column order and types; absent columns become nulls."""
    if batch.schema.equals(schema, check_metadata=False):
        return batch
    extra = [n for n in batch.schema.names if schema.get_field_index(n) < 0]
    if extra:
        raise ValueError(f"{target}: batch has columns not in the output schema: {extra}")
    columns = []
    for field in schema:
        i = batch.schema.get_field_index(field.name)
        if i < 0:
            columns.append(pa.nulls(batch.num_rows, field.type))
        else:
            columns.append(batch.column(i).cast(field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


class TableSink:
    """Stream record batches into one output file, published atomically on success.

    Use as a context manager::

        with TableSink("out/findings.parquet") as sink:
            for batch in batches:
                sink.write(batch)

    The schema is the one given, else the first batch's; later batches are reordered, cast and
    null-filled to it (JSONL takes each batch as it is). The temporary file is created at
    construction, so an unwritable destination fails before any work is done.
    """

    def __init__(self, path: str | Path, schema: pa.Schema | None = None) -> None:
        self.path = Path(path)
        self.format = self.path.suffix.lower()
        if self.format not in SINK_SUFFIXES:
            listed = " ".join(SINK_SUFFIXES)
            raise SinkError(
                self.path, f"不支持的输出格式，支持：{listed}",
                f"unsupported output format; supported: {listed}", exit_code=EXIT_USAGE,
            )
        self.schema = schema
        self.rows_written = 0
        self._fd: int | None
        self._fd, self._temp = _temp_beside(self.path)
        self._writer: _Writer | None = None
        self._done = False

    def __repr__(self) -> str:
        return f"TableSink({str(self.path)!r}, rows_written={self.rows_written})"

    def __enter__(self) -> TableSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        if self._done:
            raise ValueError(f"{self.path}: the sink is already closed")
        batches = batch.to_batches() if isinstance(batch, pa.Table) else [batch]
        for b in batches:
            if self.schema is None:
                self.schema = b.schema
            if self.format != ".jsonl":
                b = _conform(b, self.schema, self.path)
            writer = self._writer if self._writer is not None else self._open(self.schema)
            writer.write(b)
            self.rows_written += b.num_rows

    def _open(self, schema: pa.Schema) -> _Writer:
        writer: _Writer
        if self.format in (".jsonl", ".csv"):
            assert self._fd is not None
            f = os.fdopen(self._fd, "wb")
            self._fd = None
            writer = _JsonlWriter(f) if self.format == ".jsonl" else _CsvWriter(f, schema)
        else:
            self._release_fd()
            if self.format == ".parquet":
                writer = _ParquetWriter(self._temp, schema)
            else:
                writer = _XlsxWriter(self._temp, self.path, schema)
        self._writer = writer
        return writer

    def _release_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def commit(self) -> None:
        """Finish the file and move it into place (an empty table if nothing was written)."""
        if self._done:
            return
        try:
            if self._writer is None:
                self._open(self.schema if self.schema is not None else pa.schema([]))
            assert self._writer is not None
            self._writer.close()
            self._release_fd()
            _publish(self._temp, self.path)
        except OSError as e:
            self.abort()
            reason = e.strerror or type(e).__name__
            raise SinkError(self.path, f"写入输出失败（{reason}）",
                            f"writing the output failed ({reason})") from None
        except BaseException:
            self.abort()
            raise
        self._done = True

    def abort(self) -> None:
        """Drop everything written so far; an existing file at `path` is left untouched."""
        if self._done:
            return
        self._done = True
        writer, self._writer = self._writer, None
        if isinstance(writer, _XlsxWriter):
            writer.discard()
        elif writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        self._release_fd()
        self._temp.unlink(missing_ok=True)

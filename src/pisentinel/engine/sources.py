"""Read the files an investigation hands over into string-only Arrow record batches.

Every layer above (the CLI's `scan`, the engines, the screening models) reads input through
`read_batches`, so that one place decides what "bad input" means: undecodable bytes, ragged CSV,
corrupt Parquet or xlsx, an empty file or a missing column all become a `SourceError` that names
the file (and the row where one is known) in Chinese and English, carries the process exit code,
and never quotes the offending content, because that content may be personal information.

Readers stream: text is decoded incrementally from binary chunks, a line longer than
`max_segment_chars` is cut into segments at a place where no identifier can straddle the cut, CSV
goes through pyarrow's streaming reader, JSON arrays are split element by element, Parquet by
row batches, and xlsx through openpyxl's read-only mode. Memory stays bounded by the batch size,
not the file size.

Values are strings because PI hides in anything: an ID number stored as a float, a phone number
in an integer column, a name inside a nested JSON object (flattened to a JSON string).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "EXIT_EMPTY",
    "EXIT_MISSING_COLUMN",
    "EXIT_UNREADABLE",
    "EXIT_USAGE",
    "SUPPORTED_SUFFIXES",
    "SourceError",
    "TextBatch",
    "detect_encoding",
    "discover_sources",
    "read_batches",
    "read_sample",
]

EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_MISSING_COLUMN = 4
EXIT_EMPTY = 5

_FORMATS = {
    ".txt": "text",
    ".log": "text",
    ".md": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
_STREAMABLE = frozenset({"text", "csv", "tsv", "json", "jsonl"})
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    *sorted(_FORMATS),
    *sorted(s + ".gz" for s, kind in _FORMATS.items() if kind in _STREAMABLE),
)

ENCODING_SAMPLE_BYTES = 1 << 20
GZIP_MAX_RATIO = 200
"""A .gz member that expands more than this many times its compressed size is refused."""
GZIP_RATIO_GRACE_BYTES = 64 << 20
MAX_JSON_DEPTH = 100
MAX_RECORD_CHARS = 64 << 20
"""Largest single JSON value, JSONL line or CSV row we hold in memory."""
CSV_BLOCK_BYTES = 16 << 20

_READ_CHUNK = 1 << 20
_BATCH_CHAR_BUDGET = 8 << 20
_SAFE_CUT_WINDOW = 1000
_MIXED_RUN = 8

_FULLWIDTH_ALNUM = "".join(
    chr(c)
    for first, last in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for c in range(first, last + 1)
)
_CUT_UNSAFE = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    + _FULLWIDTH_ALNUM
    + "〇零一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟两幺"
    + " -.·\u3000－．—_@+:/\r"
)
_CUT_PREFERRED = frozenset("。！？；，、\t,;!?")
_UTF8_CJK_RUN = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){%d,}" % _MIXED_RUN)


class SourceError(Exception):
    """An input that cannot be read as data, with a message safe to show and to log.

    `row` is 1-based: the line of a text or JSONL file, the spreadsheet row of a CSV or xlsx
    file (the header is row 1). Messages name the file, the row and the byte offset, never the
    content, so a log of failures leaks no personal information.
    """

    def __init__(
        self,
        path: str | Path,
        message_zh: str,
        message_en: str,
        row: int | None = None,
        byte_offset: int | None = None,
        exit_code: int = EXIT_UNREADABLE,
    ) -> None:
        self.path = str(path)
        self.message_zh = message_zh
        self.message_en = message_en
        self.row = row
        self.byte_offset = byte_offset
        self.exit_code = exit_code
        super().__init__(self.message("zh"))

    def message(self, lang: str = "zh") -> str:
        """The message in Chinese (`zh`, default) or English (`en`), prefixed by where."""
        if lang.lower().startswith("zh"):
            where = [self.path]
            if self.row is not None:
                where.append(f"第 {self.row} 行")
            if self.byte_offset is not None:
                where.append(f"第 {self.byte_offset} 字节")
            return "：".join([*where, self.message_zh])
        where_en = [self.path]
        if self.row is not None:
            where_en.append(f"row {self.row}")
        if self.byte_offset is not None:
            where_en.append(f"byte {self.byte_offset}")
        return ": ".join([", ".join(where_en), self.message_en])

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            SourceError,
            (self.path, self.message_zh, self.message_en, self.row, self.byte_offset,
             self.exit_code),
        )


@dataclass(frozen=True, slots=True)
class TextBatch:
    """A record batch read from one source, with what is needed to point back into the file.

    `row_offset` is the 0-based data row (header excluded) of the batch's first row. When a long
    text line was cut into segments, `rows` gives each batch row's line index and `offsets` the
    code-point offset of the segment within its line, so a finding at `start` in batch row `i`
    sits at line `rows[i]`, character `offsets[i] + start`.

    `table_columns` are all of the source's columns when only some were read (`columns` of
    `read_batches`), empty when the batch holds them all: a scan of chosen columns still
    decides from the whole table whether its rows are persons' records. Not in the repr: a
    JSON source's keys are data, and may be anything.
    """

    source: str
    batch: pa.RecordBatch = field(repr=False)
    row_offset: int
    rows: pa.Array | None = field(default=None, repr=False)
    offsets: pa.Array | None = field(default=None, repr=False)
    table_columns: tuple[str, ...] = field(default=(), repr=False)

    @property
    def num_rows(self) -> int:
        return self.batch.num_rows

    @property
    def source_columns(self) -> list[str]:
        """Every column of the source, read or not (a JSON source's keys seen so far)."""
        return list(self.table_columns) or list(self.batch.schema.names)

    def row_of(self, i: int) -> int:
        """0-based data row (or text line) of batch row `i`."""
        if self.rows is not None:
            return int(self.rows[i].as_py())
        return self.row_offset + i

    def offset_of(self, i: int) -> int:
        """Code-point offset of batch row `i`'s text within its line (0 unless segmented)."""
        if self.offsets is not None:
            return int(self.offsets[i].as_py())
        return 0


# ----------------------------------------------------------------------------- discovery


def _split_sheet(path: str | Path) -> tuple[Path, str | None]:
    """`book.xlsx#Sheet2` names a sheet; a real file whose name contains '#' wins."""
    p = Path(path)
    text = str(path)
    if "#" in text and not p.exists():
        base, _, sheet = text.rpartition("#")
        if base.lower().endswith((".xlsx", ".xlsm")) and sheet:
            return Path(base), sheet
    return p, None


def _format_of(path: Path) -> tuple[str, bool] | None:
    """(format, gzip-compressed) from the suffixes, or None when not supported."""
    suffixes = [s.lower() for s in path.suffixes]
    if not suffixes:
        return None
    if suffixes[-1] == ".gz":
        if len(suffixes) < 2:
            return None
        kind = _FORMATS.get(suffixes[-2])
        return (kind, True) if kind in _STREAMABLE else None
    kind = _FORMATS.get(suffixes[-1])
    return (kind, False) if kind else None


def _unsupported(shown: str) -> SourceError:
    listed = " ".join(SUPPORTED_SUFFIXES)
    return SourceError(
        shown,
        f"不支持的文件类型，支持：{listed}",
        f"unsupported file type; supported: {listed}",
        exit_code=EXIT_USAGE,
    )


def discover_sources(paths: Sequence[str | Path]) -> list[Path]:
    """Expand folders recursively into the supported files they hold, sorted.

    Hidden files and folders (names starting with '.') are skipped: they are version-control
    data, editor state, or our own temporary outputs. A file given explicitly must have a
    supported suffix; a path that does not exist is a usage error.
    """
    found: list[Path] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = str(p)
        if key not in seen:
            seen.add(key)
            found.append(p)

    for given in paths:
        real, _sheet = _split_sheet(given)
        if real.is_dir():
            inside: list[Path] = []
            for root, dirs, files in os.walk(real):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                inside.extend(
                    Path(root) / f
                    for f in files
                    if not f.startswith(".") and _format_of(Path(f)) is not None
                )
            for p in sorted(inside, key=str):
                add(p)
        elif real.is_file():
            if _format_of(real) is None:
                raise _unsupported(str(given))
            add(Path(given))
        else:
            raise SourceError(
                str(given), "文件或文件夹不存在", "no such file or folder", exit_code=EXIT_USAGE
            )
    if not found:
        raise SourceError(
            ", ".join(str(p) for p in paths),
            "没有找到可读取的文件",
            "no readable files found",
            exit_code=EXIT_EMPTY,
        )
    return found


# ----------------------------------------------------------------------------- raw bytes


class _GuardedGzip(io.RawIOBase):
    """Stream-decompress a .gz file, refusing expansion beyond GZIP_MAX_RATIO (zip bombs)."""

    def __init__(self, path: Path, shown: str) -> None:
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._shown = shown
        self._out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            data = self._gz.read(len(b))
        except (OSError, EOFError, zlib.error):
            raise SourceError(
                self._shown,
                "gzip 压缩数据损坏或不完整",
                "corrupt or truncated gzip data",
                byte_offset=self._out,
            ) from None
        n = len(data)
        b[:n] = data
        self._out += n
        if self._out > GZIP_RATIO_GRACE_BYTES and self._out > GZIP_MAX_RATIO * max(
            self._raw.tell(), 1
        ):
            raise SourceError(
                self._shown,
                f"解压后膨胀超过 {GZIP_MAX_RATIO} 倍，疑似压缩炸弹，已停止读取",
                f"decompressed size exceeds {GZIP_MAX_RATIO}x the compressed size "
                "(possible zip bomb); reading stopped",
            )
        return n

    def close(self) -> None:
        try:
            self._gz.close()
        finally:
            self._raw.close()
            super().close()


def _open_binary(path: Path, shown: str, compressed: bool) -> BinaryIO:
    if compressed:
        return io.BufferedReader(_GuardedGzip(path, shown), buffer_size=_READ_CHUNK)
    return open(path, "rb")


def _read_head(path: Path, shown: str, compressed: bool) -> tuple[bytes, bool]:
    """Up to ENCODING_SAMPLE_BYTES from the start, and whether that is the whole file."""
    with _open_binary(path, shown, compressed) as f:
        head = f.read(ENCODING_SAMPLE_BYTES)
        at_eof = len(head) < ENCODING_SAMPLE_BYTES or not f.read(1)
    return head, at_eof


# ----------------------------------------------------------------------------- encodings


def _line_at(data: bytes, offset: int, encoding: str = "utf-8") -> int:
    """1-based line of byte `offset` in `data` (ASCII-compatible encodings; UTF-16 by unit)."""
    if encoding.startswith("utf-16"):
        return data.count(b"\n\x00", 0, offset) + data.count(b"\x00\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1


def _utf8_nonascii_count(data: bytes) -> int:
    text = data.decode("utf-8", errors="ignore")
    return len(text) - sum(1 for ch in text if ch < "\x80")


def _mixed_error(shown: str, offset: int, line: int) -> SourceError:
    return SourceError(
        shown,
        "文件混用了多种编码：前面是 UTF-8，此处出现非 UTF-8 字节；请统一转换为 UTF-8 后再读取",
        "the file mixes encodings: UTF-8 before this point, non-UTF-8 bytes here; "
        "convert it to a single encoding",
        row=line,
        byte_offset=offset,
    )


def _undecodable(shown: str, encoding: str, offset: int, line: int) -> SourceError:
    return SourceError(
        shown,
        f"此处的字节无法按 {encoding} 解码（文件混用了编码或已损坏）",
        f"bytes here cannot be decoded as {encoding} (mixed encodings or a damaged file)",
        row=line,
        byte_offset=offset,
    )


def _detect_from_sample(sample: bytes, at_eof: bool, shown: str) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    nul = sample.find(b"\x00")
    if nul >= 0:
        raise SourceError(
            shown,
            "文件含有 NUL 字节，可能是二进制文件或没有 BOM 的 UTF-16/UTF-32 文本",
            "the file contains NUL bytes: binary data, or UTF-16/UTF-32 text without a BOM",
            row=_line_at(sample, nul),
            byte_offset=nul,
        )
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, at_eof)
        return "utf-8"
    except UnicodeDecodeError as e:
        bad = e.start
    if _utf8_nonascii_count(sample[:bad]) >= _MIXED_RUN:
        raise _mixed_error(shown, bad, _line_at(sample, bad))
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(sample, at_eof)
    except UnicodeDecodeError as e:
        raise _undecodable(
            shown, "UTF-8/GBK/GB18030", e.start, _line_at(sample, e.start)
        ) from None
    run = _UTF8_CJK_RUN.search(sample)
    if run:
        raise _mixed_error(shown, run.start(), _line_at(sample, run.start()))
    return "gb18030"


def detect_encoding(path: str | Path) -> str:
    """'utf-8-sig' or 'utf-16' from a BOM, else 'utf-8' if a 1 MiB prefix decodes strictly,
    else 'gb18030' (a superset of GBK and GB2312).

    A UTF-8 prefix followed by non-UTF-8 bytes (or a GBK file with long valid UTF-8 runs) is a
    file that mixes encodings and is refused rather than silently turned into mojibake. A prefix
    that is pure ASCII says nothing: the reader then switches to GB18030 if non-UTF-8 bytes turn
    up later, which loses nothing because ASCII is the same in both.
    """
    shown = str(path)
    real, _sheet = _split_sheet(path)
    fmt = _format_of(real)
    compressed = bool(fmt and fmt[1])
    try:
        head, at_eof = _read_head(real, shown, compressed)
    except OSError as e:
        raise _os_error(shown, e) from None
    if not head:
        raise _empty(shown)
    return _detect_from_sample(head, at_eof, shown)


class _TextDecoder:
    """Incremental strict decoding of a binary stream, knowing the byte offset and line of any
    undecodable byte."""

    def __init__(self, raw: BinaryIO, encoding: str, shown: str) -> None:
        self._raw = raw
        self.encoding = encoding
        self._shown = shown
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._consumed = 0
        self._lines = 0
        self._ascii_so_far = encoding == "utf-8"
        self._eof = False

    def read(self) -> str:
        """The next decoded chunk; '' only at the end of the stream."""
        while not self._eof:
            data = self._raw.read(_READ_CHUNK)
            final = not data
            pending = bytes(self._decoder.getstate()[0])
            try:
                text = self._decoder.decode(data, final)
            except UnicodeDecodeError as e:
                text = self._recover(pending, data, e, final)
            self._consumed += len(data)
            self._eof = final
            if text:
                self._lines += text.count("\n")
                if self._ascii_so_far and not text.isascii():
                    self._ascii_so_far = False
                return text
        return ""

    def _where(self, pending: bytes, window: bytes, start: int) -> tuple[int, int]:
        """(byte offset in the file, 1-based line) of position `start` in pending + data."""
        offset = self._consumed - len(pending) + start
        return offset, self._lines + _line_at(window, start, self.encoding)

    def _recover(self, pending: bytes, data: bytes, e: UnicodeDecodeError, final: bool) -> str:
        window = pending + data
        offset, line = self._where(pending, window, e.start)
        if self.encoding != "utf-8":
            raise _undecodable(self._shown, self.encoding.upper(), offset, line) from None
        if not self._ascii_so_far or _utf8_nonascii_count(window[: e.start]) >= _MIXED_RUN:
            raise _mixed_error(self._shown, offset, line) from None
        # Everything before this chunk was ASCII, which GB18030 decodes identically: switch.
        self.encoding = "gb18030"
        self._ascii_so_far = False
        self._decoder = codecs.getincrementaldecoder("gb18030")("strict")
        try:
            return self._decoder.decode(window, final)
        except UnicodeDecodeError as e2:
            offset, line = self._where(pending, window, e2.start)
            raise _undecodable(self._shown, "GB18030", offset, line) from None


# ----------------------------------------------------------------------------- errors


def _empty(shown: str) -> SourceError:
    return SourceError(shown, "文件为空", "the file is empty", exit_code=EXIT_EMPTY)


def _os_error(shown: str, e: OSError) -> SourceError:
    reason = e.strerror or type(e).__name__
    return SourceError(shown, f"无法读取文件（{reason}）", f"cannot read the file ({reason})")


def _check_columns(shown: str, available: Sequence[str], wanted: Sequence[str] | None) -> None:
    if wanted is None:
        return
    have_set = set(available)
    missing = [c for c in wanted if c not in have_set]
    if missing:
        have = ", ".join(available[:50]) + (" …" if len(available) > 50 else "")
        miss = ", ".join(missing)
        raise SourceError(
            shown,
            f"缺少列：{miss}；文件中的列：{have}",
            f"missing column(s): {miss}; the file has: {have}",
            exit_code=EXIT_MISSING_COLUMN,
        )


def _check_unique(shown: str, names: Sequence[str], row: int | None = None) -> None:
    seen: set[str] = set()
    dupes = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dupes:
        listed = ", ".join(dict.fromkeys(dupes))
        raise SourceError(
            shown,
            f"表头有重复的列名：{listed}",
            f"duplicate column names in the header: {listed}",
            row=row,
        )


# ----------------------------------------------------------------------------- lines


def _safe_cut(buf: str, lo: int, hi: int) -> int:
    """A cut position in (lo, hi] whose two neighbours cannot belong to one identifier.

    Searching back from `hi` for at most _SAFE_CUT_WINDOW characters, a position right after
    sentence punctuation wins; else the nearest position whose neighbours are not digits,
    letters, Chinese numerals or separators; else `hi` (a hard cut, only in text that is one
    unbroken run of such characters).
    """
    window = min(_SAFE_CUT_WINDOW, max((hi - lo) // 2, 1))
    fallback = -1
    for p in range(hi, max(lo + 1, hi - window) - 1, -1):
        before, after = buf[p - 1], buf[p]
        if before in _CUT_UNSAFE or after in _CUT_UNSAFE:
            continue
        if before in _CUT_PREFERRED:
            return p
        if fallback < 0:
            fallback = p
    return fallback if fallback > 0 else hi


def _split_lines(
    dec: _TextDecoder, max_chars: int, cut: Callable[[str, int, int], int] | None
) -> Iterator[tuple[int, int, str, bool]]:
    """(line index, offset in line, text, whole line?) for each line or segment of a line.

    Lines end at '\\n' (a preceding '\\r' is dropped). A line longer than `max_chars` is cut
    with `cut`, or, when `cut` is None, reported as a piece that is not whole.
    """
    line = 0
    offset = 0
    pending = ""
    while True:
        chunk = dec.read()
        buf = pending + chunk if chunk else pending
        pos = 0
        n = len(buf)
        while pos < n:
            nl = buf.find("\n", pos, pos + max_chars + 2)
            if nl >= 0:
                end = nl - 1 if nl > pos and buf[nl - 1] == "\r" else nl
                if end - pos <= max_chars:
                    if end > pos or offset == 0:
                        yield line, offset, buf[pos:end], offset == 0
                    line += 1
                    offset = 0
                    pos = nl + 1
                    continue
            if n - pos <= max_chars:
                break
            if cut is None:
                yield line, offset, "", False
                return
            p = cut(buf, pos, pos + max_chars)
            yield line, offset, buf[pos:p], False
            offset += p - pos
            pos = p
        pending = buf[pos:]
        if not chunk:
            break
    if pending.endswith("\r"):
        pending = pending[:-1]
    if pending:
        yield line, offset, pending, offset == 0


# ----------------------------------------------------------------------------- text


def _read_text(
    path: Path, shown: str, compressed: bool, columns: Sequence[str] | None,
    batch_rows: int, max_segment_chars: int,
) -> Iterator[TextBatch]:
    _check_columns(shown, ["text"], columns)
    encoding = _detect(path, shown, compressed)
    texts: list[str] = []
    rows: list[int] = []
    offsets: list[int] = []
    segmented = False
    chars = 0
    produced = False

    def flush() -> TextBatch:
        batch = pa.RecordBatch.from_arrays([pa.array(texts, pa.string())], names=["text"])
        return TextBatch(
            source=shown,
            batch=batch,
            row_offset=rows[0],
            rows=pa.array(rows, pa.int64()) if segmented else None,
            offsets=pa.array(offsets, pa.int64()) if segmented else None,
        )

    with _open_binary(path, shown, compressed) as raw:
        dec = _TextDecoder(raw, encoding, shown)
        for line, offset, text, whole in _split_lines(dec, max_segment_chars, _safe_cut):
            texts.append(text)
            rows.append(line)
            offsets.append(offset)
            segmented = segmented or not whole
            chars += len(text)
            if len(texts) >= batch_rows or chars >= _BATCH_CHAR_BUDGET:
                yield flush()
                produced = True
                texts, rows, offsets, segmented, chars = [], [], [], False, 0
    if texts:
        yield flush()
    elif not produced:
        raise _empty(shown)


# ----------------------------------------------------------------------------- CSV


class _Utf8Stream(io.RawIOBase):
    """The decoded text re-encoded as UTF-8, for pyarrow's CSV reader: decoding here (not in
    pyarrow) is what lets an undecodable byte be reported with its offset and line."""

    def __init__(self, dec: _TextDecoder) -> None:
        self._dec = dec
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._pos >= len(self._buf):
            text = self._dec.read()
            if not text:
                return 0
            self._buf = text.encode("utf-8", "surrogatepass")
            self._pos = 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n


def _physical_lines(dec: _TextDecoder, shown: str) -> Iterator[str]:
    """Lines with their '\\n' kept (what the csv module wants), each at most MAX_RECORD_CHARS."""
    for line, _offset, text, whole in _split_lines(dec, MAX_RECORD_CHARS, None):
        if not whole:
            raise _too_long(shown, line + 1, MAX_RECORD_CHARS)
        yield text + "\n"


def _too_long(shown: str, row: int, limit: int) -> SourceError:
    mib = limit / (1 << 20)
    return SourceError(
        shown,
        f"该行过长（超过 {mib:g} MiB），不是可读的表格行",
        f"row longer than {mib:g} MiB; not a readable table row",
        row=row,
    )


def _csv_records(
    path: Path, shown: str, compressed: bool, encoding: str, delimiter: str
) -> Generator[tuple[int, list[str]], None, None]:
    """(1-based spreadsheet row, fields) for every record, blank lines counted as rows."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_RECORD_CHARS))
    with _open_binary(path, shown, compressed) as raw:
        reader = csv.reader(_physical_lines(_TextDecoder(raw, encoding, shown), shown),
                            delimiter=delimiter)
        row = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise SourceError(
                    shown, "CSV 格式错误（引号或字段不合法）", "malformed CSV (quotes or fields)",
                    row=row + 1,
                ) from None
            row += 1
            yield row, record


def _csv_header(
    path: Path, shown: str, compressed: bool, encoding: str, delimiter: str
) -> tuple[int, list[str]]:
    records = _csv_records(path, shown, compressed, encoding, delimiter)
    try:
        for row, record in records:
            if record:
                return row, record
    finally:
        records.close()
    raise _empty(shown)


def _locate_csv_problem(
    path: Path, shown: str, compressed: bool, encoding: str, delimiter: str, width: int
) -> SourceError:
    """Find the first ragged or oversized record after pyarrow refused the file: pyarrow's own
    message quotes the row's content, so it is never shown; this pass names the row instead."""
    header_seen = False
    for row, record in _csv_records(path, shown, compressed, encoding, delimiter):
        if not record:
            continue
        if not header_seen:
            header_seen = True
            continue
        if len(record) != width:
            return SourceError(
                shown,
                f"列数不一致：该行有 {len(record)} 列，表头有 {width} 列",
                f"ragged row: {len(record)} fields, the header has {width}",
                row=row,
            )
        size = sum(len(f) for f in record)
        if size * 4 > CSV_BLOCK_BYTES and sum(len(f.encode()) for f in record) > CSV_BLOCK_BYTES:
            return _too_long(shown, row, CSV_BLOCK_BYTES)
    return SourceError(shown, "CSV 解析失败", "the CSV file could not be parsed")


def _read_csv(
    path: Path, shown: str, compressed: bool, delimiter: str,
    columns: Sequence[str] | None, batch_rows: int,
) -> Iterator[TextBatch]:
    encoding = _detect(path, shown, compressed)
    header_row, header = _csv_header(path, shown, compressed, encoding, delimiter)
    _check_unique(shown, header, header_row)
    _check_columns(shown, header, columns)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        include_columns=list(columns) if columns is not None else None,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    read = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES)

    def blocks() -> Iterator[pa.RecordBatch]:
        with _open_binary(path, shown, compressed) as raw:
            stream = _Utf8Stream(_TextDecoder(raw, encoding, shown))
            try:
                reader = pacsv.open_csv(
                    stream, read_options=read, parse_options=parse, convert_options=convert
                )
                for block in reader:
                    yield _stringify_batch(block)
            except pa.ArrowException:
                problem = _locate_csv_problem(
                    path, shown, compressed, encoding, delimiter, len(header)
                )
                raise problem from None

    yield from _rebatched(shown, blocks(), batch_rows, header if columns is not None else ())


# ----------------------------------------------------------------------------- Arrow values


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def _to_string_array(arr: pa.Array) -> pa.Array:
    """Any Arrow array as strings, nulls kept: numbers and dates by Arrow's cast, nested values
    as JSON text, undecodable binary with U+FFFD."""
    t = arr.type
    if pa.types.is_string(t):
        return arr
    if pa.types.is_dictionary(t):
        return _to_string_array(arr.dictionary_decode())
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_nested(t):
        return pa.array(
            [None if v is None else _json_text(v) for v in arr.to_pylist()], pa.string()
        )
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = arr.to_pylist()
        return pa.array(
            [
                None if v is None
                else v.decode("utf-8", "replace") if isinstance(v, bytes)
                else str(v)
                for v in values
            ],
            pa.string(),
        )


def _stringify_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    if all(pa.types.is_string(f.type) for f in batch.schema):
        return batch
    return pa.RecordBatch.from_arrays(
        [_to_string_array(c) for c in batch.columns], names=batch.schema.names
    )


def _rebatched(
    shown: str, batches: Iterable[pa.RecordBatch], batch_rows: int,
    table_columns: Sequence[str] = (),
) -> Iterator[TextBatch]:
    """Re-cut batches of one schema into batches of exactly `batch_rows` rows (the last may be
    shorter); raise 'empty' when there are no rows at all. `table_columns`: the source's, when
    the batches hold only some of them."""
    every = tuple(table_columns)
    buffered: list[pa.RecordBatch] = []
    count = 0
    offset = 0
    for b in batches:
        if b.num_rows == 0:
            continue
        buffered.append(b)
        count += b.num_rows
        while count >= batch_rows:
            table = pa.Table.from_batches(buffered)
            yield TextBatch(shown, _single_batch(table.slice(0, batch_rows)), offset,
                            table_columns=every)
            offset += batch_rows
            count -= batch_rows
            buffered = table.slice(batch_rows).to_batches() if count else []
    if count:
        yield TextBatch(shown, _single_batch(pa.Table.from_batches(buffered)), offset,
                        table_columns=every)
    elif offset == 0:
        raise SourceError(
            shown, "没有数据行（文件为空或只有表头）", "no data rows (empty, or a header only)",
            exit_code=EXIT_EMPTY,
        )


def _single_batch(table: pa.Table) -> pa.RecordBatch:
    """One contiguous batch from a non-empty table (combine_chunks leaves one chunk each)."""
    return table.combine_chunks().to_batches()[0]


# ----------------------------------------------------------------------------- Parquet


def _read_parquet(
    path: Path, shown: str, columns: Sequence[str] | None, batch_rows: int
) -> Iterator[TextBatch]:
    try:
        pfile = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise SourceError(
            shown, "Parquet 文件损坏或不完整（无法读取文件尾）",
            "corrupt or truncated Parquet file (unreadable footer)",
        ) from None
    names = pfile.schema_arrow.names
    _check_columns(shown, names, columns)
    _check_unique(shown, names)

    def batches() -> Iterator[pa.RecordBatch]:
        done = 0
        it = pfile.iter_batches(
            batch_size=batch_rows, columns=list(columns) if columns is not None else None
        )
        with pfile:
            while True:
                try:
                    b = next(it)
                except StopIteration:
                    return
                except (pa.ArrowException, OSError):
                    raise SourceError(
                        shown, f"Parquet 数据损坏（在第 {done + 1} 条数据之后）",
                        f"corrupt Parquet data (after data row {done + 1})",
                    ) from None
                done += b.num_rows
                yield _stringify_batch(b)

    yield from _rebatched(shown, batches(), batch_rows, names if columns is not None else ())


# ----------------------------------------------------------------------------- xlsx


def _cell_text(value: Any) -> str | None:
    """A cell value as the analyst sees it: integral floats without '.0', booleans as Excel
    spells them, dates in ISO form. An 18-digit ID stored as a number has already lost digits
    in Excel itself; nothing here can restore them."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(
    path: Path, sheet: str | None, shown: str, columns: Sequence[str] | None, batch_rows: int
) -> Iterator[TextBatch]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise SourceError(
            shown, "xlsx 文件损坏或不是有效的 Excel 工作簿", "corrupt file or not an xlsx workbook"
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            listed = ", ".join(book.sheetnames)
            raise SourceError(
                shown, f"没有名为 {sheet} 的工作表；有：{listed}",
                f"no sheet named {sheet}; sheets: {listed}", exit_code=EXIT_USAGE,
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
        row_no = 0
        header: list[str] | None = None
        width = 0
        selected: list[int] = []
        names: list[str] = []
        data: list[list[str | None]] = []
        blank_run = 0
        offset = 0

        def emit() -> TextBatch:
            arrays = [pa.array([r[i] for r in data], pa.string()) for i in range(len(names))]
            return TextBatch(shown, pa.RecordBatch.from_arrays(arrays, names=names), offset,
                             table_columns=tuple(header or ()) if columns is not None else ())

        while True:
            try:
                values = next(rows)
            except StopIteration:
                break
            except Exception:
                raise SourceError(
                    shown, "xlsx 工作表数据损坏", "corrupt worksheet data", row=row_no + 1
                ) from None
            row_no += 1
            cells = [_cell_text(v) for v in values]
            filled = [i for i, v in enumerate(cells) if v not in (None, "")]
            if header is None:
                if not filled:
                    continue
                width = filled[-1] + 1
                header = [cells[i] or get_column_letter(i + 1) for i in range(width)]
                _check_unique(shown, header, row_no)
                _check_columns(shown, header, columns)
                wanted = list(columns) if columns is not None else header
                selected = [header.index(c) for c in wanted]
                names = wanted
                continue
            if not filled:
                blank_run += 1
                continue
            if filled[-1] >= width:
                raise SourceError(
                    shown,
                    f"第 {get_column_letter(filled[-1] + 1)} 列有值，但表头没有这一列",
                    f"a value in column {get_column_letter(filled[-1] + 1)}, beyond the header",
                    row=row_no,
                )
            for _ in range(blank_run):
                data.append([None] * len(selected))
            blank_run = 0
            padded = cells + [None] * (width - len(cells))
            data.append([padded[i] for i in selected])
            while len(data) >= batch_rows:
                rest = data[batch_rows:]
                data = data[:batch_rows]
                yield emit()
                offset += batch_rows
                data = rest
        if header is None:
            raise _empty(shown)
        if data:
            yield emit()
        elif offset == 0:
            raise SourceError(
                shown, "没有数据行（只有表头）", "no data rows (a header only)",
                exit_code=EXIT_EMPTY,
            )
    finally:
        book.close()


# ----------------------------------------------------------------------------- JSON


class _JsonFloat(float):
    """A JSON float that remembers how it was written: 1.10e17 stays "1.10e17" in its cell
    (re-serialised inside nested values it prints as a float)."""

    __slots__ = ("text",)
    text: str


def _json_float(text: str) -> _JsonFloat:
    number = _JsonFloat(text)
    number.text = text
    return number


_JSON = json.JSONDecoder(parse_float=_json_float)
_JSON_HUGE_INTS = json.JSONDecoder(parse_float=_json_float, parse_int=str)
"""For integers past Python's int-conversion limit (4300 digits): kept as their digits."""


def _raw_decode(text: str, pos: int = 0) -> tuple[Any, int]:
    try:
        return _JSON.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except ValueError:
        return _JSON_HUGE_INTS.raw_decode(text, pos)


def _too_deep_value(value: Any, text: str, start: int = 0, end: int | None = None) -> bool:
    """Nesting deeper than MAX_JSON_DEPTH; the bracket count of the source text rules out
    almost every record without walking it."""
    stop = len(text) if end is None else end
    if text.count("[", start, stop) + text.count("{", start, stop) <= MAX_JSON_DEPTH:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def _json_cell(value: Any) -> str | None:
    """A JSON value as a cell: strings and numbers as written, true/false, nested values as
    compact JSON text."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is _JsonFloat:
        return value.text
    if kind is int or kind is float:
        return str(value)
    return _COMPACT.encode(value)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _too_deep(shown: str, row: int | None) -> SourceError:
    return SourceError(
        shown,
        f"JSON 嵌套过深（超过 {MAX_JSON_DEPTH} 层）",
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
        row=row,
    )


def _records_to_batches(
    shown: str,
    records: Iterator[tuple[int, dict[str, Any]]],
    columns: Sequence[str] | None,
    batch_rows: int,
) -> Iterator[TextBatch]:
    """Batches from (line, object) records. Columns are the keys in first-seen order, so a key
    that first appears in a later batch adds a column from that batch on; every column is a
    string, so `pa.concat_tables(..., promote_options="default")` unifies the batches."""
    keys: dict[str, None] = dict.fromkeys(columns) if columns is not None else {}
    present: dict[str, None] = {}
    pending: list[tuple[int, dict[str, Any]]] = []
    offset = 0

    def emit() -> TextBatch:
        for _line, rec in pending:
            for k in rec:
                if k not in present and len(present) < 10_000:
                    present[k] = None
                if columns is None and k not in keys:
                    keys[k] = None
        names = list(keys)
        arrays = []
        for name in names:
            values = [rec.get(name) for _line, rec in pending]
            arrays.append(pa.array(
                [v if type(v) is str or v is None else _json_cell(v) for v in values],
                pa.string(),
            ))
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
        return TextBatch(shown, batch, offset,
                         table_columns=tuple(present) if columns is not None else ())

    for item in records:
        pending.append(item)
        if len(pending) >= batch_rows:
            yield emit()
            offset += len(pending)
            pending = []
    if pending:
        yield emit()
        offset += len(pending)
    if offset == 0:
        raise SourceError(shown, "没有数据记录", "no data records", exit_code=EXIT_EMPTY)
    _check_columns(shown, list(present), columns)


def _jsonl_records(path: Path, shown: str, compressed: bool) -> Iterator[tuple[int, dict]]:
    encoding = _detect(path, shown, compressed)
    with _open_binary(path, shown, compressed) as raw:
        dec = _TextDecoder(raw, encoding, shown)
        for line, _offset, text, whole in _split_lines(dec, MAX_RECORD_CHARS, None):
            if not whole:
                raise _too_long(shown, line + 1, MAX_RECORD_CHARS)
            start = 0 if text[:1] == "{" else len(text) - len(text.lstrip())
            if start == len(text):
                continue
            try:
                value, end = _raw_decode(text, start)
                if end != len(text) and not text[end:].isspace():
                    raise json.JSONDecodeError("Extra data", text, end)
            except json.JSONDecodeError as e:
                raise SourceError(
                    shown, f"不是合法的 JSON（第 {e.colno} 列：{e.msg}）",
                    f"invalid JSON (column {e.colno}: {e.msg})", row=line + 1,
                ) from None
            except RecursionError:
                raise _too_deep(shown, line + 1) from None
            if _too_deep_value(value, text):
                raise _too_deep(shown, line + 1)
            if not isinstance(value, dict):
                raise SourceError(
                    shown, "每行必须是一个 JSON 对象", "each line must be a JSON object",
                    row=line + 1,
                )
            yield line + 1, value


class _JsonCursor:
    """Walks one big JSON document value by value with `raw_decode`, holding only the text not
    yet consumed; a value is retried with twice the text until it parses or MAX_RECORD_CHARS."""

    def __init__(self, dec: _TextDecoder, shown: str) -> None:
        self._dec = dec
        self._shown = shown
        self.buf = ""
        self.pos = 0
        self._lines_before = 0
        self._eof = False
        self._mark = (0, 0)  # (position in buf, newlines in buf before it): counts incrementally

    def line(self, pos: int | None = None) -> int:
        p = self.pos if pos is None else pos
        mark_pos, mark_lines = self._mark if p >= self._mark[0] else (0, 0)
        mark_lines += self.buf.count("\n", mark_pos, p)
        self._mark = (p, mark_lines)
        return self._lines_before + mark_lines + 1

    def _fill(self, want: int) -> None:
        """Read until at least `want` unconsumed chars are buffered; False at end of input."""
        if self.pos:
            self._lines_before += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = 0
            self._mark = (0, 0)
        parts = [self.buf]
        have = len(self.buf)
        while have < want and not self._eof:
            chunk = self._dec.read()
            if not chunk:
                self._eof = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.buf = "".join(parts)

    def peek(self) -> str:
        """The next non-whitespace character ('' at end), without consuming it."""
        while True:
            n = len(self.buf)
            while self.pos < n and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < n:
                return self.buf[self.pos]
            if self._eof:
                return ""
            self._fill(_READ_CHUNK)

    def peek_inside(self) -> str:
        """With the cursor on '[' or '{', the first non-whitespace character after it, without
        moving the cursor (stepping back over skipped whitespace would land off the bracket)."""
        while True:
            i, n = self.pos + 1, len(self.buf)
            while i < n and self.buf[i] in " \t\r\n":
                i += 1
            if i < n:
                return self.buf[i]
            if self._eof:
                return ""
            self._fill(n - self.pos + _READ_CHUNK)

    def expect(self, ch: str, what_zh: str, what_en: str) -> None:
        if self.peek() != ch:
            raise self.error(f"此处应为 {what_zh}", f"expected {what_en}")
        self.pos += 1

    def value(self) -> Any:
        want = max(_READ_CHUNK, 2 * (len(self.buf) - self.pos))
        while True:
            try:
                value, end = _raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                genuine = e.pos < len(self.buf) - 64 and not e.msg.startswith("Unterminated")
                if self._eof or genuine:
                    raise self.error(f"JSON 语法错误：{e.msg}", f"JSON syntax error: {e.msg}",
                                     e.pos) from None
            except RecursionError:
                raise _too_deep(self._shown, self.line()) from None
            else:
                if end < len(self.buf) or self._eof:
                    if _too_deep_value(value, self.buf, self.pos, end):
                        raise _too_deep(self._shown, self.line())
                    self.pos = end
                    return value
            if len(self.buf) - self.pos > MAX_RECORD_CHARS:
                mib = MAX_RECORD_CHARS >> 20
                raise self.error(
                    f"JSON 记录过大（超过 {mib} MiB）或格式错误",
                    f"JSON record larger than {mib} MiB, or malformed",
                )
            self._fill(want)
            want *= 2

    def error(self, zh: str, en: str, pos: int | None = None) -> SourceError:
        return SourceError(self._shown, zh, en, row=self.line(pos))


def _json_array_items(cur: _JsonCursor) -> Iterator[tuple[int, dict]]:
    """The objects of the array whose '[' was just consumed."""
    first = True
    while True:
        if cur.peek() == "]":
            cur.pos += 1
            return
        if not first:
            cur.expect(",", "逗号或 ]", "',' or ']'")
        first = False
        if cur.peek() != "{":
            raise cur.error("数组元素必须是 JSON 对象", "array elements must be JSON objects")
        line = cur.line()
        yield line, cur.value()


def _json_records(path: Path, shown: str, compressed: bool) -> Iterator[tuple[int, dict]]:
    """Records of a .json file: a top-level array of objects, or an object holding one array
    of objects (other members, such as paging metadata, are skipped), or a single object.
    Duplicate keys: the last one wins, as in every mainstream JSON parser."""
    encoding = _detect(path, shown, compressed)
    with _open_binary(path, shown, compressed) as raw:
        cur = _JsonCursor(_TextDecoder(raw, encoding, shown), shown)
        top = cur.peek()
        if top == "":
            raise _empty(shown)
        if top == "[":
            cur.pos += 1
            yield from _json_array_items(cur)
        elif top == "{":
            cur.pos += 1
            members: dict[str, Any] = {}
            array_key: str | None = None
            first = True
            while cur.peek() != "}":
                if not first:
                    cur.expect(",", "逗号或 }", "',' or '}'")
                first = False
                if cur.peek() != '"':
                    raise cur.error("此处应为字符串键", "expected a string key")
                key = cur.value()
                cur.expect(":", "冒号", "':'")
                if cur.peek() == "[" and cur.peek_inside() in ("{", "]"):
                    cur.pos += 1
                    if array_key is not None:
                        raise cur.error(
                            f"对象里有不止一个对象数组（{array_key}、{key}），无法确定读取哪一个",
                            f"more than one array of objects ({array_key}, {key})",
                        )
                    array_key = key
                    yield from _json_array_items(cur)
                    continue
                members[key] = cur.value()
            cur.pos += 1
            if array_key is None:
                yield 1, members
        else:
            raise cur.error(
                "JSON 顶层必须是对象数组或对象",
                "top-level JSON must be an array of objects or an object",
            )
        if cur.peek() != "":
            raise cur.error("JSON 结束后还有多余内容", "unexpected data after the JSON value")


# ----------------------------------------------------------------------------- dispatch


def _detect(path: Path, shown: str, compressed: bool) -> str:
    try:
        head, at_eof = _read_head(path, shown, compressed)
    except OSError as e:
        raise _os_error(shown, e) from None
    if not head:
        raise _empty(shown)
    return _detect_from_sample(head, at_eof, shown)


def read_batches(
    path: str | Path,
    columns: Sequence[str] | None = None,
    batch_rows: int = 50_000,
    max_segment_chars: int = 1_000_000,
) -> Iterator[TextBatch]:
    """Stream a file as string-only record batches of at most `batch_rows` rows.

    Text files give one row per line in a column "text" (long lines cut into segments, see
    TextBatch); tables give their columns, restricted to `columns` when given (an empty list
    means all columns). The file's
    existence and type are checked now; everything else is raised as `SourceError` while
    iterating, before or between batches, so a caller that writes through `TableSink` leaves
    no partial output.
    """
    if batch_rows < 1 or max_segment_chars < 2:
        raise ValueError("batch_rows must be >= 1 and max_segment_chars >= 2")
    shown = str(path)
    real, sheet = _split_sheet(path)
    fmt = _format_of(real)
    if fmt is None:
        raise _unsupported(shown)
    if not real.exists():
        raise SourceError(shown, "文件不存在", "no such file", exit_code=EXIT_USAGE)
    if real.is_dir():
        raise SourceError(
            shown, "这是文件夹，不是文件", "this is a folder, not a file", exit_code=EXIT_USAGE
        )
    kind, compressed = fmt
    if real.stat().st_size == 0:
        raise _empty(shown)
    cols = list(dict.fromkeys(columns)) if columns else None
    if kind == "text":
        inner = _read_text(real, shown, compressed, cols, batch_rows, max_segment_chars)
    elif kind in ("csv", "tsv"):
        inner = _read_csv(real, shown, compressed, "," if kind == "csv" else "\t", cols,
                          batch_rows)
    elif kind == "xlsx":
        inner = _read_xlsx(real, sheet, shown, cols, batch_rows)
    elif kind == "parquet":
        inner = _read_parquet(real, shown, cols, batch_rows)
    elif kind == "jsonl":
        inner = _records_to_batches(shown, _jsonl_records(real, shown, compressed), cols,
                                    batch_rows)
    else:
        inner = _records_to_batches(shown, _json_records(real, shown, compressed), cols,
                                    batch_rows)
    return _guarded(shown, inner)


def _guarded(shown: str, inner: Iterator[TextBatch]) -> Iterator[TextBatch]:
    """OS-level read failures (permissions, I/O errors) as SourceError naming the file."""
    try:
        yield from inner
    except SourceError:
        raise
    except OSError as e:
        raise _os_error(shown, e) from None
    finally:
        close = getattr(inner, "close", None)
        if close is not None:
            close()


def read_sample(path: str | Path, n_rows: int = 1000) -> pa.Table:
    """The first `n_rows` rows as one table, for column profiling."""
    parts: list[pa.Table] = []
    got = 0
    batches = read_batches(path, batch_rows=max(1, min(n_rows, 50_000)))
    try:
        for tb in batches:
            take = tb.batch.slice(0, n_rows - got)
            parts.append(pa.Table.from_batches([take]))
            got += take.num_rows
            if got >= n_rows:
                break
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    return pa.concat_tables(parts, promote_options="default")

"""Read back what pisentinel leaves on disk, as text, so its own detector can look for raw
identifiers in it: plain text files, SQLite databases (every text cell), PDF and DOCX reports."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pisentinel.detect import Scanner

IDENTIFIER_TYPES = ("CN_ID_CARD", "PHONE_NUMBER", "BANK_CARD", "PASSPORT", "HK_MACAO_PERMIT",
                    "TAIWAN_PERMIT", "EMAIL")
"""Identifiers that name one person by themselves and that a mask must always hide."""

_HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])[0-9a-f]{12,}(?![0-9A-Za-z])")
"""Content hashes, run ids, fingerprints and pseudonym tokens: lower-case hex runs with at least
one letter. Their digit stretches are not identifiers (a pure digit run is never blanked, so a
real bank card or phone number stays visible to the check)."""

_TEXT_SUFFIXES = {".json", ".jsonl", ".txt", ".log", ".md", ".html", ".csv", ".tsv", ".yaml",
                  ".yml", ".xml", ".svg"}


@dataclass(frozen=True)
class Leak:
    """An unmasked identifier at rest: where, and its type — never the value."""

    path: str
    where: str
    type: str

    def __str__(self) -> str:
        return f"{self.path} [{self.where}]: {self.type}"


def texts_of(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) pieces of one file."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if data.startswith(b"SQLite format 3\x00"):
        yield from _sqlite_texts(path)
    elif suffix == ".pdf":
        from pypdf import PdfReader

        for i, page in enumerate(PdfReader(path).pages):
            yield f"page {i + 1}", page.extract_text() or ""
    elif suffix == ".docx":
        import docx

        doc = docx.Document(str(path))
        yield "paragraphs", "\n".join(p.text for p in doc.paragraphs)
        for i, table in enumerate(doc.tables):
            yield f"table {i + 1}", "\n".join(c.text for row in table.rows for c in row.cells)
    elif suffix in _TEXT_SUFFIXES:
        yield "text", data.decode("utf-8", errors="replace")
    else:  # unknown or binary: whatever readable text it holds
        yield "bytes", data.decode("utf-8", errors="ignore")


def _sqlite_texts(path: Path) -> Iterator[tuple[str, str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            for (row_id, *values) in con.execute(
                    f'SELECT rowid, {", ".join(chr(34) + c + chr(34) for c in cols)} '
                    f'FROM "{table}"'):
                for col, value in zip(cols, values, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", errors="ignore")
                    if isinstance(value, str) and value:
                        yield f"{table}.{col} rowid {row_id}", value
    finally:
        con.close()


def without_digests(text: str) -> str:
    return _HEX_DIGEST.sub(lambda m: "#" * len(m.group()), text)


def find_leaks(paths: Iterable[Path], raw_values: Iterable[str] = (),
               scanner: Scanner | None = None) -> list[Leak]:
    """Identifiers found by pisentinel's detector (validated identifier types only) and any of
    `raw_values` (the identifiers the inputs hold) found verbatim, in every file of `paths`."""
    import ahocorasick

    scanner = scanner or Scanner(types=IDENTIFIER_TYPES, min_score=0.5)
    automaton = ahocorasick.Automaton()
    for value in raw_values:
        automaton.add_word(value, value)
    planted = len(automaton) > 0
    if planted:
        automaton.make_automaton()
    leaks: list[Leak] = []
    for path in paths:
        for where, text in texts_of(path):
            text = without_digests(text)
            leaks.extend(Leak(str(path), where, f.type) for f in scanner.scan_text(text))
            if planted:
                leaks.extend(Leak(str(path), where, "input value verbatim")
                             for _end, _v in automaton.iter(text))
    return leaks


def raw_identifiers(paths: Iterable[Path]) -> set[str]:
    """The identifiers (raw text and normalised value) that input files hold (the synthetic
    generators' answer keys, truth.json, are not inputs)."""
    from pisentinel.engine.filescan import scan_files

    values: set[str] = set()

    def keep(batch: object) -> None:
        for row in batch.to_pylist():  # type: ignore[attr-defined]
            for key in ("text", "value", "raw"):
                v = row.get(key)
                if isinstance(v, str) and len(v) >= 6:
                    values.add(v)

    from pisentinel.engine.sources import discover_sources

    files = [p for p in discover_sources(list(paths)) if p.name != "truth.json"]
    scan_files(files, Scanner(types=IDENTIFIER_TYPES, min_score=0.5), write=keep,
               include_raw=True)
    return values

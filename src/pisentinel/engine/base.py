"""The Engine protocol: what a screening model may ask of the machine that runs it.

A model never talks to DuckDB or Spark directly. It names its inputs (already mapped to the
model's canonical columns), runs SQL written in DuckDB's dialect (the Spark engine transpiles it
with sqlglot), asks for PI findings over text columns, and reads small results back as Arrow.
Both engines keep every table they make until the run ends, so steps can be resumed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa

from pisentinel.detect.rules import DetectionRules


@dataclass(frozen=True)
class InputTable:
    """One model input: files to read and how their headers map onto canonical columns.

    `mapping` is canonical name → source header. Columns not in the mapping keep their names.
    `required` canonical columns must be present after mapping (else a clear error)."""

    name: str
    paths: tuple[Path, ...]
    mapping: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanRequest:
    """Find PI in `columns` of `table` and store the findings as table `output` with columns
    row_id (the input's `id_column` value), column, start, end, type, score, token (keyed
    pseudonym of the normalised value), masked.

    `rules` are the user's detection rules (`pisentinel.detect.rules`): their own types are
    found, masked by their own keep counts and tokened like built-in ones, and their allow
    lists honoured, on every engine alike. None: the built-in types only. Not in the repr:
    a rules file's word lists may hold names."""

    table: str
    columns: Sequence[str]
    output: str
    id_column: str = "_row"
    types: Sequence[str] | None = None
    min_score: float = 0.5
    rules: DetectionRules | None = field(default=None, repr=False)


@runtime_checkable
class Engine(Protocol):
    name: str

    def load(self, spec: InputTable) -> int:
        """Create table `spec.name` from the files, canonical column names, all values as text
        plus `_row` (1-based record number within its source file) and `_source` (file path).
        Returns the row count."""

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table available to SQL under `name` (small tables: parameters, lists)."""

    def execute(self, sql: str) -> None:
        """Run a statement written in DuckDB's dialect (CREATE TABLE … AS SELECT …)."""

    def query(self, sql: str) -> pa.Table:
        """Run a query written in DuckDB's dialect and return its result as Arrow."""

    def scan(self, request: ScanRequest, token_key: bytes) -> int:
        """Run the PI detector over text columns; returns the number of findings."""

    def tables(self) -> list[str]: ...

    def drop(self, name: str) -> None: ...

    def close(self) -> None: ...

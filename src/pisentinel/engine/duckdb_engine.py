"""The default engine: DuckDB embedded in one database file per workspace.

Tables live in `<workspace>/engine.duckdb`, so a run that stops can resume with the tables its
finished steps made. DuckDB gets every core, a memory limit and a spill folder inside the
workspace, so a big join spills to disk instead of growing the process past the limit.

Loading streams batches from `pisentinel.engine.sources.read_batches` into the table; a file is
never held whole in Python. Scanning streams each column's distinct values out as Arrow batches
to a process pool (DuckDB's Python UDFs run on one core under the GIL; the detector is pure
Python around hyperscan) with a bounded number of batches in flight, and joins the findings
back to the rows in SQL."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from pisentinel.detect.scanner import is_persons_table
from pisentinel.engine.base import InputTable, ScanRequest
from pisentinel.engine.loading import (
    STAGING_SUFFIXES,
    check_scan_request,
    mapped_batches,
    quote,
)
from pisentinel.engine.scanning import ScanJob, findings_schema, scan_rows

__all__ = ["DuckDBEngine", "available_cores"]

_SCAN_SUFFIX = "__scanning"
_LOAD_SUFFIX = "__loading"


def available_cores() -> int:
    """Cores this process may run on (the machine may be shared: affinity, not cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_floating(t):
        return "DOUBLE"
    return "VARCHAR"


class DuckDBEngine:
    """`Engine` on DuckDB. `memory_limit` bounds DuckDB's own memory (Python and the scan
    workers come on top); `workers` is the scan pool's size (default: the cores)."""

    name = "duckdb"

    def __init__(
        self,
        workspace: Path,
        *,
        memory_limit: str = "3GB",
        threads: int | None = None,
        workers: int | None = None,
        batch_rows: int = 50_000,
    ) -> None:
        self.workspace = Path(workspace)
        self.workspace.mkdir(parents=True, exist_ok=True)
        spill = self.workspace / "tmp"
        spill.mkdir(exist_ok=True)
        self.path = self.workspace / "engine.duckdb"
        self.threads = threads or available_cores()
        self.workers = workers or available_cores()
        self.batch_rows = batch_rows
        self._con = duckdb.connect(str(self.path), config={
            "threads": self.threads,
            "memory_limit": memory_limit,
            "temp_directory": str(spill),
            "preserve_insertion_order": False,
        })
        self._con.execute("SET enable_progress_bar = false")
        self._pool: ProcessPoolExecutor | None = None
        self._names = itertools.count()
        for leftover in self._staging_tables():
            self._con.execute(f"DROP TABLE IF EXISTS {quote(leftover)}")

    # -- tables ------------------------------------------------------------------------------
    def _objects(self) -> dict[str, str]:
        rows = self._con.sql(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_catalog = current_database()"
        ).fetchall()
        return {str(name): str(kind) for name, kind in rows}

    def _staging_tables(self) -> list[str]:
        return [n for n in self._objects() if n.endswith(STAGING_SUFFIXES)]

    def tables(self) -> list[str]:
        return sorted(n for n in self._objects() if not n.endswith(STAGING_SUFFIXES))

    def drop(self, name: str) -> None:
        kind = self._objects().get(name)
        if kind is None:
            return
        what = "VIEW" if kind.upper() == "VIEW" else "TABLE"
        self._con.execute(f"DROP {what} IF EXISTS {quote(name)}")

    def columns(self, table: str) -> list[str]:
        """Column names of `table` (an addition to the protocol: models check optional
        columns with it)."""
        return [str(r[0]) for r in self._con.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = $name ORDER BY ordinal_position", params={"name": table}
        ).fetchall()]

    def _replace(self, staging: str, name: str) -> None:
        self._con.execute("BEGIN TRANSACTION")
        try:
            self.drop(name)
            self._con.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(name)}")
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    def _insert(self, table: str, batch: pa.RecordBatch | pa.Table) -> None:
        view = f"_arrow_{next(self._names)}"
        self._con.register(view, batch)
        try:
            self._con.execute(f"INSERT INTO {quote(table)} BY NAME SELECT * FROM {quote(view)}")
        finally:
            self._con.unregister(view)

    # -- protocol ----------------------------------------------------------------------------
    def load(self, spec: InputTable) -> int:
        staging = spec.name + _LOAD_SUFFIX
        self._con.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
        known: list[str] = []
        total = 0
        try:
            for batch in mapped_batches(spec, self.batch_rows):
                if not known:
                    cols = ", ".join(f"{quote(f.name)} {_duck_type(f.type)}"
                                     for f in batch.schema)
                    self._con.execute(f"CREATE TABLE {quote(staging)} ({cols})")
                    known = list(batch.schema.names)
                for f in batch.schema:
                    if f.name not in known:
                        self._con.execute(f"ALTER TABLE {quote(staging)} ADD COLUMN "
                                          f"{quote(f.name)} {_duck_type(f.type)}")
                        known.append(f.name)
                self._insert(staging, batch)
                total += batch.num_rows
            self._replace(staging, spec.name)
        except BaseException:
            self._con.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
            raise
        return total

    def register(self, name: str, table: pa.Table) -> None:
        view = f"_arrow_{next(self._names)}"
        self._con.register(view, table)
        try:
            self._con.execute(f"CREATE OR REPLACE TABLE {quote(name)} AS "
                              f"SELECT * FROM {quote(view)}")
        finally:
            self._con.unregister(view)

    def execute(self, sql: str) -> None:
        self._con.execute(sql)

    def query(self, sql: str) -> pa.Table:
        return self._con.sql(sql).to_arrow_table()

    def scan(self, request: ScanRequest, token_key: bytes) -> int:
        """Findings are a function of (column, cell text) alone, so each column's distinct
        values are scanned once and the findings joined back to every row holding them:
        identifiers repeat (a scalper's ID numbers, an agency's phone), and the detector, not
        DuckDB, is the cost. Whether the rows are persons' records (a disease in a note counts)
        is decided once, from all of the table's columns, as Spark decides it."""
        cols = self.columns(request.table)
        if not cols:
            raise KeyError(f"no table {request.table!r}")
        check_scan_request(request, cols)
        with_source = "_source" in cols and request.id_column != "_source"
        id_type = self._con.sql(
            f"SELECT {quote(request.id_column)} FROM {quote(request.table)} LIMIT 0"
        ).to_arrow_table().schema.field(0).type
        staging = request.output + _SCAN_SUFFIX
        values = request.output + "__values" + _SCAN_SUFFIX
        types = tuple(sorted(request.types)) if request.types is not None else None
        of_persons = is_persons_table(cols)
        try:
            self._create(staging, findings_schema(id_type, with_source))
            n_rows = int(self._con.sql(
                f"SELECT count(*) FROM {quote(request.table)}").fetchall()[0][0])
            for column in request.columns:
                job = ScanJob((column,), token_key, types, request.min_score, column, False,
                              request.rules, rows_are_persons=of_persons)
                self._create(values, findings_schema(pa.string(), False))
                self._scan_values(request.table, column, job, values, pooled=(
                    n_rows > self.batch_rows and self.workers > 1))
                source = ', b."_source" AS "_source"' if with_source else ""
                self._con.execute(
                    f"INSERT INTO {quote(staging)} BY NAME SELECT "
                    f"b.{quote(request.id_column)} AS row_id{source}, f.\"column\", f.start, "
                    f"f.\"end\", f.type, f.score, f.token, f.masked "
                    f"FROM {quote(request.table)} b JOIN {quote(values)} f "
                    f"ON CAST(b.{quote(column)} AS VARCHAR) = f.row_id")
                self._con.execute(f"DROP TABLE {quote(values)}")
            count = int(self._con.sql(f"SELECT count(*) FROM {quote(staging)}")
                        .fetchall()[0][0])
            self._replace(staging, request.output)
        except BaseException:
            self._con.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
            self._con.execute(f"DROP TABLE IF EXISTS {quote(values)}")
            raise
        return count

    def _create(self, table: str, schema: pa.Schema) -> None:
        self._con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        self._con.execute(f"CREATE TABLE {quote(table)} ("
                          + ", ".join(f"{quote(f.name)} {_duck_type(f.type)}" for f in schema)
                          + ")")

    def _scan_values(self, table: str, column: str, job: ScanJob, into: str,
                     pooled: bool) -> None:
        """Scan the distinct non-empty values of one column; findings keyed by the value."""
        col = quote(column)
        text = f"CAST({col} AS VARCHAR)"
        reader = self._con.cursor().sql(
            f"SELECT DISTINCT {text} AS {col} FROM {quote(table)} "
            f"WHERE {col} IS NOT NULL AND {text} <> ''").to_arrow_reader(self.batch_rows)
        results: Iterator[pa.RecordBatch] = (
            self._pooled(reader, job) if pooled
            else (scan_rows(b, job) for b in reader if b.num_rows))
        for found in results:
            if found.num_rows:
                self._insert(into, found)

    def _pooled(self, reader: pa.RecordBatchReader, job: ScanJob) -> Iterator[pa.RecordBatch]:
        """Batches scanned in the pool, at most two per worker in flight, in input order."""
        pool = self._executor()
        pending: deque[Future[pa.RecordBatch]] = deque()
        limit = 2 * self.workers
        try:
            for batch in reader:
                if not batch.num_rows:
                    continue
                pending.append(pool.submit(scan_rows, batch, job))
                while len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Not fork: DuckDB's threads may hold locks at fork time. The forkserver starts
            # from a clean interpreter with the scanner modules already imported.
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pisentinel.engine.scanning"])
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._con.close()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DuckDBEngine(workspace={str(self.workspace)!r})"


"""The cluster engine: Spark (`local[*]`, a cluster master URL, or Spark Connect `sc://…`).

Same protocol, same results as DuckDB: inputs go through the same reader and mapping
(`pisentinel.engine.loading`), findings through the same scan function (`mapInArrow`), and a
model's DuckDB SQL is transpiled by `pisentinel.engine.sql`. Each engine works in its own Spark
session and its own database whose location is `<workspace>/spark-warehouse`, so tables are
parquet folders inside the workspace and survive the process: reopening the workspace
registers them again and a run resumes.

Spark pays ~15 s of JVM start and is ~10× slower than DuckDB on one machine; it is for data
that has outgrown one. On a real cluster the workspace must be on storage every executor can
read (HDFS, NFS, object storage)."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pisentinel.detect.scanner import is_persons_table
from pisentinel.engine.base import InputTable, ScanRequest
from pisentinel.engine.loading import STAGING_SUFFIXES, check_scan_request, mapped_batches
from pisentinel.engine.scanning import ScanJob, scan_stream
from pisentinel.engine.sql import replace_target, to_spark

__all__ = ["SparkEngine", "spark_session"]

_REPLACE_SUFFIX = "__replacing"
_LOAD_SUFFIX = "__loading"
_SCAN_SUFFIX = "__scanning"


def spark_session(master: str | None = None, *, shuffle_partitions: int = 4,
                  driver_memory: str = "2g", local_dir: Path | None = None) -> Any:
    """A Spark session configured as the engine needs it: UTC session time zone, Arrow on, no
    UI, few shuffle partitions (one machine, small data in tests; raise it on a cluster).
    `master` is `local[N]`, a cluster master URL, or a Spark Connect `sc://host:port`."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    if master and master.startswith("sc://"):
        builder = builder.remote(master)
    else:
        builder = (builder.master(master or "local[2]")
                   .config("spark.driver.memory", driver_memory)
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false"))
        if local_dir is not None:
            builder = builder.config("spark.local.dir", str(local_dir))
    return (builder.appName("pisentinel")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
            .getOrCreate())


def _running_session(master: str | None) -> bool:
    """Whether a classic Spark session already runs in this process (`getOrCreate` would
    return it, and it is not ours to stop)."""
    if master and master.startswith("sc://"):
        return False
    try:
        from pyspark import SparkContext
    except ImportError:
        return False
    return getattr(SparkContext, "_active_spark_context", None) is not None


def _q(name: str) -> str:
    """A Spark identifier."""
    return "`" + name.replace("`", "``") + "`"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SparkEngine:
    """`Engine` on Spark. Pass `session` to share one Spark session between engines (tests);
    otherwise the engine starts one from `master` and stops it on `close()`."""

    name = "spark"

    def __init__(self, workspace: Path, master: str | None = None, *, session: Any = None,
                 shuffle_partitions: int = 4, batch_rows: int = 50_000) -> None:
        self.workspace = Path(workspace).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.warehouse = self.workspace / "spark-warehouse"
        self.warehouse.mkdir(exist_ok=True)
        self.batch_rows = batch_rows
        self.remote = bool(master and master.startswith("sc://"))
        self._owns_session = session is None and not _running_session(master)
        base = session if session is not None else spark_session(
            master, shuffle_partitions=shuffle_partitions,
            local_dir=self.workspace / "spark-tmp")
        self.spark = base if self.remote else base.newSession()
        digest = hashlib.sha1(str(self.workspace).encode()).hexdigest()[:12]
        self.database = f"pisentinel_{digest}"
        self.spark.sql(f"CREATE DATABASE IF NOT EXISTS {_q(self.database)} "
                       f"LOCATION {_literal(self.warehouse.as_uri())}")
        self.spark.catalog.setCurrentDatabase(self.database)
        self._names = itertools.count()
        self._reattach()

    # -- tables ------------------------------------------------------------------------------
    def _reattach(self) -> None:
        """Register the tables a previous process left in the warehouse; drop half-made ones."""
        known = set(self._catalog())
        for folder in sorted(self.warehouse.iterdir()):
            if not folder.is_dir() or folder.name in known:
                continue
            if folder.name.endswith(STAGING_SUFFIXES) or not any(folder.glob("*.parquet")):
                shutil.rmtree(folder, ignore_errors=True)
                continue
            self.spark.sql(f"CREATE TABLE {_q(folder.name)} USING parquet "
                           f"LOCATION {_literal(folder.as_uri())}")

    def _catalog(self) -> dict[str, bool]:
        """name → temporary, for this engine's database and the session's temp views."""
        rows = self.spark.sql(f"SHOW TABLES IN {_q(self.database)}").collect()
        return {str(r["tableName"]): bool(r["isTemporary"]) for r in rows}

    def tables(self) -> list[str]:
        return sorted(n for n in self._catalog() if not n.endswith(STAGING_SUFFIXES))

    def columns(self, table: str) -> list[str]:
        """Column names of `table` (an addition to the protocol, as on DuckDB)."""
        return list(self.spark.table(_q(table)).columns)

    def drop(self, name: str) -> None:
        kind = self._catalog().get(name)
        if kind is True:
            self.spark.catalog.dropTempView(name)
        elif kind is False:
            self.spark.sql(f"DROP TABLE IF EXISTS {_q(name)}")
        folder = self.warehouse / name
        if folder.is_dir():
            shutil.rmtree(folder)

    def _swap(self, staging: str, name: str) -> None:
        self.drop(name)
        self.spark.sql(f"ALTER TABLE {_q(staging)} RENAME TO {_q(name)}")

    def _save(self, df: Any, name: str) -> None:
        """Write a DataFrame as table `name` via a staging table, replacing any old one."""
        staging = name + _REPLACE_SUFFIX
        self.drop(staging)
        df.write.mode("overwrite").format("parquet").saveAsTable(_q(staging))
        self._swap(staging, name)

    # -- protocol ----------------------------------------------------------------------------
    def load(self, spec: InputTable) -> int:
        if self.remote:
            return self._load_remote(spec)
        staging = self.workspace / "spark-staging" / (spec.name + _LOAD_SUFFIX)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        order: list[str] = []
        total = 0
        try:
            for i, batch in enumerate(mapped_batches(spec, self.batch_rows)):
                order += [c for c in batch.schema.names if c not in order]
                pq.write_table(pa.Table.from_batches([batch]), staging / f"part-{i:06d}.parquet")
                total += batch.num_rows
            df = (self.spark.read.option("mergeSchema", "true").parquet(staging.as_uri())
                  .select(*[_q(c) for c in order]))
            self._save(df, spec.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return total

    def _load_remote(self, spec: InputTable) -> int:
        """Spark Connect: the server cannot read our files, so batches travel as Arrow."""
        staging = spec.name + _LOAD_SUFFIX
        self.drop(staging)
        total = 0
        for batch in mapped_batches(spec, self.batch_rows):
            df = self.spark.createDataFrame(pa.Table.from_batches([batch]))
            df.write.mode("append").option("mergeSchema", "true").saveAsTable(_q(staging))
            total += batch.num_rows
        self._swap(staging, spec.name)
        return total

    def register(self, name: str, table: pa.Table) -> None:
        self._save(self.spark.createDataFrame(table), name)

    def execute(self, sql: str) -> None:
        replace = replace_target(sql)
        if replace is None:
            self.spark.sql(to_spark(sql))
            return
        staging = replace.name + _REPLACE_SUFFIX
        self.drop(staging)
        self.spark.sql(f"CREATE TABLE {_q(staging)} USING parquet AS {replace.query}")
        self._swap(staging, replace.name)

    def query(self, sql: str) -> pa.Table:
        table: pa.Table = self.spark.sql(to_spark(sql)).toArrow()
        return table

    def scan(self, request: ScanRequest, token_key: bytes) -> int:
        """The requested columns travel to `scan_stream` together, in Arrow batches; whether
        the rows are persons' records is decided here from all of the table's columns, as
        DuckDB decides it, not by the workers from the batch they see."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import (
            DoubleType,
            LongType,
            StringType,
            StructField,
            StructType,
        )

        df = self.spark.table(_q(request.table))
        cols = list(df.columns)
        check_scan_request(request, cols)
        with_source = "_source" in cols and request.id_column != "_source"
        keep = [request.id_column, *(["_source"] if with_source else [])]
        selected = df.select(*[F.col(_q(c)) for c in keep],
                             *[F.col(_q(c)).cast("string").alias(c) for c in request.columns])
        id_type = df.schema[request.id_column].dataType
        fields = [StructField("row_id", id_type)]
        if with_source:
            fields.append(StructField("_source", StringType()))
        fields += [StructField("column", StringType()), StructField("start", LongType()),
                   StructField("end", LongType()), StructField("type", StringType()),
                   StructField("score", DoubleType()), StructField("token", StringType()),
                   StructField("masked", StringType())]
        types = tuple(sorted(request.types)) if request.types is not None else None
        job = ScanJob(tuple(request.columns), token_key, types, request.min_score,
                      request.id_column, with_source, request.rules,
                      rows_are_persons=is_persons_table(cols))

        def scan_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            return scan_stream(batches, job)

        found = selected.mapInArrow(scan_partition, StructType(fields))
        self._save(found, request.output)
        return int(self.spark.table(_q(request.output)).count())

    def close(self) -> None:
        if self._owns_session:
            self.spark.stop()

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SparkEngine(workspace={str(self.workspace)!r})"

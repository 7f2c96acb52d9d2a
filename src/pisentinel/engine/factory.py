"""Open the engine a run asks for: DuckDB by default, Spark when the data has outgrown one
machine. Callers (the model runner, the CLI) name the engine; only this module knows the
classes, and Spark is imported only when asked for (pyspark is an optional dependency)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pisentinel.engine.base import Engine
from pisentinel.engine.sources import EXIT_USAGE, SourceError

__all__ = ["ENGINES", "open_engine"]

ENGINES = ("duckdb", "spark")


def open_engine(kind: Literal["duckdb", "spark"] | str, workspace: Path,
                master: str | None = None, **options: Any) -> Engine:
    """An engine working in `workspace` (created if missing). `master` is for Spark only:
    `local[N]` (default `local[2]`), a cluster master URL or a Spark Connect `sc://host:port`.
    `options` go to the engine's constructor (DuckDB: memory_limit, threads, workers,
    batch_rows; Spark: session, shuffle_partitions, batch_rows)."""
    if kind == "duckdb":
        if master:
            raise SourceError("--master", "DuckDB 引擎不使用 --master（它只用于 Spark）",
                              "the DuckDB engine takes no --master (it is for Spark)",
                              exit_code=EXIT_USAGE)
        from pisentinel.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(Path(workspace), **options)
    if kind == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise SourceError("--engine spark", "未安装 pyspark：pip install 'pisentinel[spark]'",
                              "pyspark is not installed: pip install 'pisentinel[spark]'",
                              exit_code=EXIT_USAGE) from None
        from pisentinel.engine.spark_engine import SparkEngine

        return SparkEngine(Path(workspace), master, **options)
    raise SourceError("--engine", f"未知引擎 {kind}（可用：{', '.join(ENGINES)}）",
                      f"unknown engine {kind} (available: {', '.join(ENGINES)})",
                      exit_code=EXIT_USAGE)

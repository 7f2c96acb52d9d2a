"""Reading database tables (SQLite, PostgreSQL) as text batches, like files.

A PI inventory walks a database the way it walks a folder: every table, every column, values as
text. Rows stream in batches through a server-side cursor, so a large table never sits whole in
memory; the URL's password never reaches a message."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import sqlalchemy as sa

from pisentinel.engine.sources import EXIT_UNREADABLE, SourceError, TextBatch


def _shown(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def list_tables(url: str) -> list[str]:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
        engine.dispose()
    except sa.exc.SQLAlchemyError as e:
        raise SourceError(_shown(url), f"无法连接数据库：{type(e).__name__}",
                          f"cannot read the database: {type(e).__name__}",
                          exit_code=EXIT_UNREADABLE) from None
    return sorted(names)


def read_table_batches(url: str, table: str, batch_rows: int = 50_000) -> Iterator[TextBatch]:
    """Batches of one table, every value as text; `source` is `<url>#<table>`."""
    shown = f"{_shown(url)}#{table}"
    engine = sa.create_engine(url)
    try:
        with engine.connect().execution_options(stream_results=True) as conn:
            tbl = sa.Table(table, sa.MetaData(), autoload_with=conn)
            names = [c.name for c in tbl.columns]
            result = conn.execute(sa.select(tbl))
            offset = 0
            while rows := result.fetchmany(batch_rows):
                cols = [pa.array([None if r[i] is None else str(r[i]) for r in rows], pa.string())
                        for i in range(len(names))]
                yield TextBatch(shown, pa.RecordBatch.from_arrays(cols, names=names), offset)
                offset += len(rows)
    except sa.exc.SQLAlchemyError as e:
        raise SourceError(shown, f"读取数据表失败：{type(e).__name__}",
                          f"cannot read the table: {type(e).__name__}",
                          exit_code=EXIT_UNREADABLE) from None
    finally:
        engine.dispose()

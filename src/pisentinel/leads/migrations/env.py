"""Alembic environment of the lead store.

:class:`pisentinel.leads.store.LeadStore` passes an open connection in
``config.attributes["connection"]``; the ``alembic`` command line can use ``sqlalchemy.url``.
Imported outside alembic (a module walker, a docs build) it does nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from alembic.config import Config

from pisentinel.leads.schema import metadata


def run_offline(config: Config) -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def main(config: Config) -> None:
    if context.is_offline_mode():
        run_offline(config)
        return
    given = config.attributes.get("connection")
    if given is not None:
        run_online(given)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        run_online(conn)


_config: Config | None = getattr(context, "config", None)
if _config is not None:
    main(_config)

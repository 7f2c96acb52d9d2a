"""Alembic environment of the lead store.

:class:`pisentinel.leads.store.LeadStore` passes an open connection in
``config.attributes["connection"]``; the ``alembic`` command line can use ``sqlalchemy.url``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from pisentinel.leads.schema import metadata

config = context.config


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    given = config.attributes.get("connection")
    if given is not None:
        run_online(given)
    else:
        engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            run_online(conn)

"""Alembic environment of jhmig.

jhmig runs Alembic programmatically (see :mod:`jhmig.load.migrate`): the caller
passes an open SQLAlchemy connection in ``config.attributes["connection"]``,
so no alembic.ini and no URL (with its password) is ever needed on disk.
"""

from __future__ import annotations

from alembic import context

from jhmig.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "jhmig migrations run only through jhmig.load (Target.upgrade), "
        "which passes an open connection; the alembic command line is not supported"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place: batch mode recreates tables.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic, run programmatically against the target (no alembic.ini in the user's directory)."""

from __future__ import annotations

from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def migrations_dir() -> str:
    """The folder of env.py and versions/, wherever jhmig is installed."""
    return str(files("jhmig.load") / "migrations")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", migrations_dir())
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_head(engine: sa.Engine, write_options: dict[str, str]) -> None:
    """Bring the target to the newest revision (in one transaction); a no-op when it is there already."""
    with engine.connect() as connection:
        connection = connection.execution_options(**write_options)
        with connection.begin():
            command.upgrade(alembic_config(connection), "head")


def pending_revisions(current: str | None) -> list[tuple[str, str]]:
    """(revision, first line of its message) of the migrations ``upgrade head`` would apply, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if head is None or current == head:
        return []
    steps = list(script.iterate_revisions(head, current))  # newest first, ``current`` excluded
    return [(str(r.revision), (r.doc or "").strip().splitlines()[0] if r.doc else "") for r in reversed(steps)]

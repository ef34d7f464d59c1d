"""The target database as the pipeline sees it: open, upgrade, load, list runs."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from jhmig.load.api import BeforeCommit, LoadRequest, LoadResult, Progress
from jhmig.load.bulk import BulkWriter
from jhmig.load.bulk_pg import PostgresBulk
from jhmig.load.bulk_sqlite import SqliteBulk
from jhmig.load.engine import WRITE_OPTIONS, create_target_engine, display_url, parse_url
from jhmig.load.errors import SchemaNotCurrentError
from jhmig.load.loader import run_load
from jhmig.load.migrate import current_revision, head_revision, upgrade_head
from jhmig.load.runlog import recent_runs

log = logging.getLogger(__name__)


def open_target(url: str) -> Target:
    """Connect to ``sqlite:///path`` or ``postgresql+psycopg://user@host:port/db``.

    Raises :class:`~jhmig.load.errors.TargetUnreachableError` (URL shown
    without password, with what to check) when the database cannot be reached.
    """
    parsed = parse_url(url)
    return Target(create_target_engine(parsed), display_url(parsed))


class Target:
    def __init__(self, engine: sa.Engine, display: str) -> None:
        self._engine = engine
        self.url = display  # without password: safe to log

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def upgrade(self) -> None:
        """Alembic ``upgrade head``; a no-op on a current schema."""
        upgrade_head(self._engine, WRITE_OPTIONS)

    def load(self, request: LoadRequest, before_commit: BeforeCommit, progress: Progress | None = None) -> LoadResult:
        """Load a run in ONE transaction and commit it only if ``before_commit`` says so.

        The target is unchanged unless the load commits: on a dry run, a
        verdict without ``commit``, an exception or a killed process. The
        returned stats are those of the (possibly rolled back) transaction.
        Loads are serialised (PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE).

        Test hook: ``JHMIG_TEST_PAUSE_AFTER_ENTITY=<entity>:<seconds>`` makes
        the load sleep right after writing that entity, inside the open
        transaction (see :func:`jhmig.load.testhooks.pause_after_entity`).
        """
        with self._engine.connect() as connection:
            connection = connection.execution_options(**WRITE_OPTIONS)
            transaction = connection.begin()
            try:
                self._check_schema(connection)
                result, verdict = run_load(connection, self._bulk(connection), request, before_commit, progress)
                if verdict.commit and not request.dry_run:
                    transaction.commit()
                    result.committed = True
                else:
                    transaction.rollback()
            except BaseException:
                transaction.rollback()
                raise
        log.info("run %d %s (%s)", result.run_id, "committed" if result.committed else "rolled back", verdict.status)
        return result

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The most recent ``mig_run`` rows, newest first."""
        with self._engine.connect() as connection:
            return recent_runs(connection, limit)

    def dispose(self) -> None:
        self._engine.dispose()

    def _bulk(self, connection: sa.Connection) -> BulkWriter:
        if self.dialect == "postgresql":
            return PostgresBulk(connection)
        return SqliteBulk(connection)

    @staticmethod
    def _check_schema(connection: sa.Connection) -> None:
        current, head = current_revision(connection), head_revision()
        if current != head:
            raise SchemaNotCurrentError(current, head)

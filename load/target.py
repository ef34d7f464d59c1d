"""The target database as the pipeline sees it: open, upgrade, load, list runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from jhmig.load.api import BeforeCommit, LoadRequest, LoadResult, PendingLoad, Progress, RunVerdict
from jhmig.load.bulk import BulkWriter
from jhmig.load.bulk_pg import PostgresBulk
from jhmig.load.bulk_sqlite import SqliteBulk
from jhmig.load.check import operator_error
from jhmig.load.engine import WRITE_OPTIONS, create_target_engine, display_url, parse_url
from jhmig.load.errors import MissingTargetError, SchemaNotCurrentError
from jhmig.load.loader import write_run
from jhmig.load.migrate import current_revision, head_revision, pending_revisions, upgrade_head
from jhmig.load.runlog import finish_run, recent_runs

log = logging.getLogger(__name__)


def open_target(url: str, *, existing: bool = False) -> Target:
    """Connect to ``sqlite:///path`` or ``postgresql+psycopg://user@host:port/db``.

    Raises :class:`~jhmig.load.errors.TargetUnreachableError` (URL shown
    without password, with what to check) when the database cannot be reached.
    ``existing``: for commands that read or change what runs loaded (rollback,
    runs, db status): an SQLite file that does not exist is refused
    (:class:`~jhmig.load.errors.MissingTargetError`) instead of created empty.
    """
    parsed = parse_url(url)
    if existing and parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser()
        if not path.is_file():
            raise MissingTargetError(display_url(parsed), str(path.resolve()))
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
        try:
            upgrade_head(self._engine, WRITE_OPTIONS)
        except sa.exc.DBAPIError as error:
            raise operator_error(error, self.url) or error from None

    @contextmanager
    def begin_load(self, request: LoadRequest, progress: Progress | None = None) -> Iterator[PendingLoad]:
        """Write a run in ONE transaction; the block reconciles it and decides whether it is committed.

        The target is unchanged unless the block's verdict commits: on a dry run,
        a verdict without ``commit``, no verdict, an exception or a killed process
        it is rolled back. The stats are those of the (possibly rolled back)
        transaction. Loads are serialised (PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE).

        Test hook: ``JHMIG_TEST_PAUSE_AFTER_ENTITY=<entity>:<seconds>`` makes
        the load sleep right after writing that entity, inside the open
        transaction (see :func:`jhmig.load.testhooks.pause_after_entity`).
        """
        with self._engine.connect() as connection:
            connection = connection.execution_options(**WRITE_OPTIONS)
            transaction = connection.begin()
            try:
                self._check_schema(connection)
                pending = PendingLoad(write_run(connection, self._bulk(connection), request, progress))
                yield pending
                verdict = pending.verdict or RunVerdict(status="failed", summary_json="{}", commit=False)
                finish_run(connection, pending.result.run_id, verdict)
                if verdict.commit and not request.dry_run:
                    transaction.commit()
                    pending.result.committed = True
                else:
                    transaction.rollback()
            except BaseException as error:
                transaction.rollback()
                fixable = operator_error(error, self.url)  # rights, a lost server: exit 2 with what to fix
                if fixable is not None:
                    raise fixable from None
                raise
        log.info("run %d %s (%s)", pending.result.run_id, "committed" if pending.result.committed else "rolled back", verdict.status)

    def load(self, request: LoadRequest, before_commit: BeforeCommit, progress: Progress | None = None) -> LoadResult:
        """:meth:`begin_load` for callers whose verdict is one function of the load's counts."""
        with self.begin_load(request, progress) as pending:
            pending.decide(before_commit(pending.result))
        return pending.result

    def rollback(self, ident: str, *, force: bool = False, by: str | None = None) -> Any:
        """Take one committed run back out (:mod:`jhmig.load.rollback`): one transaction, reconciled before the commit."""
        from jhmig.errors import RefusedInput
        from jhmig.load.rollback import rollback_run
        from jhmig.load.run_registry import run_id_of

        with self._engine.connect() as connection:
            connection = connection.execution_options(**WRITE_OPTIONS)
            with connection.begin():
                self._check_schema(connection)
                self._bulk(connection).lock()
                run_id = run_id_of(connection, ident)
                if run_id is None:
                    raise RefusedInput(f"run {ident!r} is not in the target", hint="list the runs with: jhmig runs list --db URL")
                return rollback_run(connection, run_id, force=force, by=by)

    def status(self) -> dict[str, Any]:
        """Alembic revision of the target, the one this jhmig writes, the migrations pending, the runs it holds."""
        from jhmig.load.run_registry import committed_runs

        with self._engine.connect() as connection:
            current = current_revision(connection)
            runs = committed_runs(connection) if current is not None else []
        return {"url": self.url, "dialect": self.dialect, "revision": current, "head": head_revision(),
                "pending": pending_revisions(current), "runs": runs}

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The most recent ``mig_run`` rows, newest first."""
        with self._engine.connect() as connection:
            return recent_runs(connection, limit)

    def known_ids(self, entities: tuple[str, ...]) -> pd.DataFrame:
        """Key-map entries of ``entities`` (source_system, entity, legacy_key, new_id, first_run_id); empty before the first load."""
        from jhmig.schema import MigKeyMap

        table = MigKeyMap.__table__
        columns = ["source_system", "entity", "legacy_key", "new_id", "first_run_id"]
        if not sa.inspect(self._engine).has_table(table.name):
            return pd.DataFrame(columns=columns)
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(*(table.c[c] for c in columns)).where(table.c.entity.in_(entities))).all()
        return pd.DataFrame(rows, columns=columns).astype({"source_system": "string", "entity": "string", "legacy_key": "string"})

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

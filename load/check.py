"""Check the target before a run reads anything: URL, connection, schema revision, rights.

A run that extracts and validates for minutes and then finds the database
unreachable wastes the operator's time and leaves report files behind. The
pipeline calls :func:`check_target` first; every problem is one
:class:`~jhmig.errors.TargetError` (exit 2) that says what to fix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from jhmig.dburl import scrub
from jhmig.errors import TargetError
from jhmig.load.engine import create_target_engine, display_url, parse_url
from jhmig.load.errors import TargetPermissionError, TargetUnreachableError
from jhmig.load.migrate import current_revision, head_revision

#: (pattern in the driver's message, what to tell the operator); first match wins.
_CONNECT_HINTS: tuple[tuple[str, str], ...] = (
    (r"password authentication failed|no password supplied|authentication failed",
     "check user and password; give the password in the environment (PGPASSWORD, or the URL in $JHMIG_DB_URL), never in a file"),
    (r'database "[^"]*" does not exist', "create the database first (e.g. createdb NAME) or fix the database name in the URL"),
    (r'role "[^"]*" does not exist', "create the database user first, or fix the user name in the URL"),
    (r"connection refused|could not connect|timeout expired|timed out|no route to host",
     "check that the database server runs and that host and port in the URL are right"),
    (r"could not translate host name|failed to resolve host|name or service not known|nodename nor servname",
     "the host name in the URL is unknown: fix it"),
    (r"permission denied|not permitted|pg_hba\\.conf", "ask the database administrator to allow this user to connect"),
    (r"unable to open database file|readonly database|attempt to write a readonly",
     "the SQLite file or its folder is not writable: fix the path or the file's permissions"),
    (r"folder .* does not exist", "create the folder of the SQLite file first, or fix the path in the URL"),
    (r"file is not a database|file is encrypted", "the SQLite path points to a file that is no SQLite database: fix the path"),
)


@dataclass(frozen=True)
class TargetCheck:
    """What a run needs to know about its target before it starts."""

    url: str  # without password
    dialect: str
    revision: str | None  # Alembic revision of the target; None for an empty database
    head: str | None  # the revision this jhmig writes

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def connect_hint(reason: str) -> str | None:
    """What to fix for a driver's connection error (None when the message is not recognised)."""
    lowered = reason.lower()
    return next((hint for pattern, hint in _CONNECT_HINTS if re.search(pattern, lowered)), None)


def operator_error(error: BaseException, shown: str) -> TargetError | None:
    """A database error during upgrade or load that the operator can fix (rights, lost server), as a TargetError."""
    if not isinstance(error, sa.exc.DBAPIError) or error.orig is None:
        return None
    text = str(error.orig).strip()
    first = next((line for line in text.splitlines() if line.strip()), text)
    lowered = first.lower()
    if re.search(r"permission denied|must be owner|insufficient privilege", lowered):
        return TargetPermissionError(shown, first, hint="the target is unchanged; let the schema owner run: GRANT USAGE, CREATE ON SCHEMA "
                                     "<schema> TO <user>; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA <schema> TO <user>")
    if isinstance(error, sa.exc.OperationalError) and connect_hint(first):
        return TargetUnreachableError(shown, first, connect_hint(first))
    return None


def check_target(url: str) -> TargetCheck:
    """Parse the URL, connect, read the schema revision and check the rights a load needs.

    Raises :class:`~jhmig.load.errors.UnsupportedTargetError`,
    :class:`~jhmig.load.errors.TargetUnreachableError` or
    :class:`~jhmig.load.errors.TargetPermissionError` (all exit 2, with a hint).
    """
    parsed = parse_url(url)
    shown = display_url(parsed)
    engine = _engine(parsed, url)
    try:
        with engine.connect() as connection:
            revision, head = current_revision(connection), head_revision()
            _check_rights(connection, parsed, shown, needs_create=revision != head)
        return TargetCheck(shown, engine.dialect.name, revision, head)
    except sa.exc.DBAPIError as error:
        reason = _reason(error, url)
        raise TargetUnreachableError(shown, reason, connect_hint(reason)) from None
    finally:
        engine.dispose()


def _engine(parsed: sa.URL, url: str) -> sa.Engine:
    try:
        return create_target_engine(parsed)
    except TargetUnreachableError as error:
        reason = scrub(error.reason, url)
        raise TargetUnreachableError(error.url, reason, connect_hint(reason)) from None


def _reason(error: sa.exc.DBAPIError, url: str) -> str:
    text = str(error.orig).strip() if error.orig else type(error).__name__
    first = next((line for line in text.splitlines() if line.strip()), text)
    return scrub(first, url)  # a driver may quote the connection string


def _check_rights(connection: sa.Connection, parsed: sa.URL, shown: str, *, needs_create: bool) -> None:
    if connection.dialect.name == "sqlite":
        _check_sqlite_rights(Path(parsed.database or "").expanduser(), shown)
        return
    user = connection.execute(sa.text("SELECT current_user")).scalar_one()
    schema = connection.execute(sa.text("SELECT current_schema()")).scalar_one()
    if schema is None:
        raise TargetPermissionError(shown, f"user {user} has no usable schema (search_path)",
                                    hint="set the user's search_path to a schema it may use, e.g. ALTER ROLE ... SET search_path = public")
    if needs_create:
        allowed = connection.execute(sa.text("SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')")).scalar_one()
        if not allowed:
            raise TargetPermissionError(
                shown, f"user {user} may not create tables in schema {schema} (the schema must be created or upgraded)",
                hint=f"GRANT CREATE, USAGE ON SCHEMA {schema} TO {user}; or let the schema owner run the first load",
            )
        return
    for table in ("mig_run", "mig_key_map", "person"):
        allowed = connection.execute(sa.text("SELECT has_table_privilege(current_user, :t, 'INSERT,UPDATE,DELETE')"),
                                     {"t": f"{schema}.{table}"}).scalar_one()
        if not allowed:
            raise TargetPermissionError(shown, f"user {user} may not write table {schema}.{table}",
                                        hint=f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {user}")


def _check_sqlite_rights(path: Path, shown: str) -> None:
    probe = path if path.exists() else path.resolve().parent
    if not os.access(probe, os.W_OK):
        raise TargetPermissionError(shown, f"{'file' if probe == path else 'folder'} {probe} is not writable",
                                    hint="fix the permissions, or point the URL to a writable place")
    wal = Path(f"{path}-wal")
    if path.exists() and not os.access(path.resolve().parent, os.W_OK) and not wal.exists():
        raise TargetPermissionError(shown, f"folder {path.resolve().parent} is not writable (SQLite writes its journal there)",
                                    hint="fix the folder's permissions, or move the database file")

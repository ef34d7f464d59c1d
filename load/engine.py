"""SQLAlchemy engines for the two supported targets, set up for bulk loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from jhmig.dburl import UrlSyntaxError, parse_db_url, safe_url, scrub
from jhmig.load.errors import TargetUnreachableError, UnsupportedTargetError

# SQLite settings of every connection: WAL lets readers (reports) work during a
# load; NORMAL sync is safe with WAL (a crash loses at most the last commit,
# never consistency); a large page cache keeps index pages of a big load in memory.
_SQLITE_PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = NORMAL",
    "cache_size = -65536",  # KiB, i.e. 64 MiB
    "temp_store = MEMORY",
    "foreign_keys = ON",
    "busy_timeout = 60000",
)


#: Execution options of connections that write: SQLite then opens its
#: transactions with BEGIN IMMEDIATE (other connections, e.g. reports, BEGIN
#: DEFERRED and never wait for a write lock). PostgreSQL ignores the option.
WRITE_OPTIONS = {"jhmig_sqlite_begin": "IMMEDIATE"}


def display_url(url: sa.URL) -> str:
    """Without password or secret query values, whatever characters they hold (see :mod:`jhmig.dburl`)."""
    return safe_url(url)


def parse_url(url: str) -> sa.URL:
    try:
        parsed = parse_db_url(url)
    except (UrlSyntaxError, sa.exc.ArgumentError):
        raise UnsupportedTargetError("(unparsable URL)") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the only PostgreSQL driver jhmig ships
    if parsed.drivername not in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        raise UnsupportedTargetError(display_url(parsed))
    if parsed.get_backend_name() == "sqlite" and not parsed.database:
        raise UnsupportedTargetError(display_url(parsed) + " (an in-memory database cannot be a target)")
    return parsed


def create_target_engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database or "").expanduser().resolve().parent
        if not folder.is_dir():
            raise TargetUnreachableError(display_url(url), f"folder {folder} does not exist; create it first")
        engine = sa.create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        engine.dispose()
        text = str(error.orig).strip() if error.orig else type(error).__name__
        reason = scrub(next((line for line in text.splitlines() if line.strip()), text), url)  # a driver may quote the DSN
        raise TargetUnreachableError(display_url(url), reason) from None
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's begin event, not the driver, open transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # IMMEDIATE takes the write lock at once: two loads cannot interleave, and a
    # load never fails half-way on a lock upgrade. Readers stay DEFERRED.
    mode = connection.get_execution_options().get("jhmig_sqlite_begin", "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"unknown SQLite begin mode {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")

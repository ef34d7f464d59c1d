"""One run at a time per target: a second run (dry or not) is refused up front, naming the one that runs.

The load itself is serialised already (PostgreSQL advisory transaction lock,
SQLite ``BEGIN IMMEDIATE``), but that lock is taken minutes into a run, after
extract, matching and validation: a second run would do all that work and then
wait or fail at the end. The run lock is taken right after the target check
and held until the run ends, for the whole pipeline:

* **SQLite**: a POSIX record lock (``lockf``) on ``<database>.lock`` beside the
  database file, which also records who holds it (run uid, PID, host, start).
  The operating system releases the lock when the holder ends, however it
  ends (``kill -9`` included), so a killed run never blocks the next one; the
  lock is not inherited by forked children (workbook isolation forks). On a
  file system without record locks (``ENOLCK``) the recorded holder decides:
  a PID that no longer runs on this host is a stale lock and is taken over.
* **PostgreSQL**: a session advisory lock (``pg_try_advisory_lock``) on a
  connection of its own, whose ``application_name`` names the run; the server
  releases it when that connection ends. The holder is read from
  ``pg_locks``/``pg_stat_activity``.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from jhmig.errors import TargetError
from jhmig.load.engine import create_target_engine, display_url, parse_url

#: Advisory lock id of a whole run (the load's own transaction lock has another id, see bulk_pg).
RUN_LOCK_ID = zlib.crc32(b"jhmig.run") & 0x7FFFFFFF
APP_PREFIX = "jhmig"


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or wants) the run lock; never personal data."""

    run_uid: str
    pid: int
    host: str
    started: str  # ISO time, local
    mode: str  # run, dry run, rollback, upgrade

    @classmethod
    def me(cls, run_uid: str, mode: str, started: dt.datetime | None = None) -> LockHolder:
        moment = (started or dt.datetime.now()).replace(microsecond=0)
        return cls(run_uid, os.getpid(), socket.gethostname(), moment.isoformat(sep=" "), mode)

    def describe(self) -> str:
        return f"{self.mode} {self.run_uid} (PID {self.pid} on host {self.host}, started {self.started})"


class RunLockedError(TargetError):
    """Another run holds the target (exit 2)."""

    def __init__(self, url: str, holder: LockHolder | None, where: str) -> None:
        self.holder = holder
        running = holder.describe() if holder else "a run whose details are unknown"
        super().__init__(f"target {url} is in use by another jhmig {running}",
                         hint=f"wait until it has finished, then start again (lock: {where}); a run that was killed releases it by itself")


@contextmanager
def run_lock(url: str, holder: LockHolder) -> Iterator[None]:
    """Hold the run lock of the target at ``url`` for the block; :class:`RunLockedError` when another run holds it."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        with _file_lock(lock_path(parsed), holder, display_url(parsed)):
            yield
    else:
        with _advisory_lock(parsed, holder):
            yield


def lock_path(parsed: sa.URL) -> Path:
    database = Path(parsed.database or "").expanduser().resolve()
    return database.with_name(database.name + ".lock")


# --- SQLite: a record lock on a file beside the database ----------------------------------------------------------


#: Lock files this process holds: POSIX record locks are per process, so a second run in the same
#: process (a library caller, a test) would be granted the lock again without this.
_HELD: dict[Path, LockHolder] = {}


@contextmanager
def _file_lock(path: Path, holder: LockHolder, shown: str) -> Iterator[None]:
    import fcntl

    if path in _HELD:
        raise RunLockedError(shown, _HELD[path], str(path))
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EAGAIN):
                raise RunLockedError(shown, _read_holder(fd), str(path)) from None
            if error.errno != errno.ENOLCK:
                raise
            # no record locks on this file system: the recorded holder decides
            other = _read_holder(fd)
            if other is not None and other.pid != os.getpid() and _may_run(other):
                raise RunLockedError(shown, other, str(path)) from None
        _write_holder(fd, holder)
        _HELD[path] = holder
        try:
            yield
        finally:
            del _HELD[path]
            os.ftruncate(fd, 0)  # never unlinked: a second process may hold the old file open
    finally:
        os.close(fd)  # releases the record lock


def _read_holder(fd: int) -> LockHolder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 4096).decode("utf-8", "replace")
    try:
        return LockHolder(**json.loads(text))
    except (ValueError, TypeError):
        return None


def _write_holder(fd: int, holder: LockHolder) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps(asdict(holder)).encode("utf-8"))
    os.fsync(fd)


def _may_run(holder: LockHolder) -> bool:
    """Whether the recorded holder may still run: a PID of this host is asked; another host's cannot be."""
    if holder.host != socket.gethostname():
        return True
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, as another user
        return True
    return True


# --- PostgreSQL: a session advisory lock ---------------------------------------------------------------------------


@contextmanager
def _advisory_lock(parsed: sa.URL, holder: LockHolder) -> Iterator[None]:
    engine = create_target_engine(parsed.update_query_dict({"application_name": _app_name(holder)}))
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:id)"), {"id": RUN_LOCK_ID}).scalar_one()
            if not got:
                raise RunLockedError(display_url(parsed), _pg_holder(connection), f"advisory lock {RUN_LOCK_ID}")
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": RUN_LOCK_ID})
    finally:
        engine.dispose()


def _app_name(holder: LockHolder) -> str:
    # application_name holds 63 bytes: uid, PID, mode and as much of the host as fits
    head = f"{APP_PREFIX} {holder.run_uid} {holder.pid} {holder.mode.replace(' ', '_')} "
    return head + holder.host[: max(0, 63 - len(head))]


def _pg_holder(connection: sa.Connection) -> LockHolder | None:
    row = connection.execute(sa.text(
        "SELECT a.application_name, a.backend_start, a.client_addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :id AND l.objsubid = 1"), {"id": RUN_LOCK_ID}).first()
    if row is None:
        return None
    parts = str(row.application_name or "").split(" ", 4)
    started = row.backend_start.astimezone().replace(microsecond=0, tzinfo=None).isoformat(sep=" ") if row.backend_start else "?"
    if len(parts) == 5 and parts[0] == APP_PREFIX and parts[2].isdigit():
        return LockHolder(parts[1], int(parts[2]), parts[4] or str(row.client_addr or "?"), started, parts[3].replace("_", " "))
    return LockHolder("?", 0, str(row.client_addr or "?"), started, "run")

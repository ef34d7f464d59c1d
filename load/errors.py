"""Exceptions of the load stage.

They are programming or environment errors (data problems are findings and
never reach the loader as exceptions). Messages name tables, columns, keys and
counts - never names or birth dates - and say what to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from jhmig.errors import JhmigError, TargetError


class LoadError(JhmigError):
    """Base class: the load was not done and the target is unchanged.

    Subclasses that are upstream bugs keep exit code 3; those the operator can
    fix (an unreachable or unsupported target) are :class:`TargetError` too (exit 2).
    """

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)


class TargetUnreachableError(LoadError, TargetError):
    exit_code = 2

    def __init__(self, url: str, reason: str, hint: str | None = None) -> None:
        self.url = url  # rendered without password
        self.reason = reason
        super().__init__(
            f"cannot open the target database {url}: {reason}",
            hint=hint or "check that the server runs and that host, port, database and user in the URL are right "
            "(the password is taken from the environment, never from files)",
        )


class TargetPermissionError(LoadError, TargetError):
    """The database is reachable, but the user may not do what a load needs."""

    exit_code = 2

    def __init__(self, url: str, problem: str, hint: str) -> None:
        self.url = url
        super().__init__(f"target database {url}: {problem}", hint=hint)


class UnsupportedTargetError(LoadError, TargetError):
    exit_code = 2

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"unsupported target URL {url}",
            hint="use sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host:port/db",
        )


class SchemaNotCurrentError(LoadError, TargetError):
    exit_code = 2

    def __init__(self, current: str | None, head: str | None) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"the target schema is at revision {current or '(none)'}, this jhmig needs {head}",
            hint="upgrade it first: jhmig db upgrade [-p PROJECT | --db URL] (a run upgrades it by itself); "
            "jhmig db status shows the pending migrations",
        )


class MissingTargetError(LoadError, TargetError):
    """A command that works on an existing target (rollback, runs, db status) names an SQLite file that is not there."""

    exit_code = 2

    def __init__(self, url: str, path: str) -> None:
        self.url = url
        super().__init__(f"no target database at {url}: the file {path} does not exist (nothing was created)",
                         hint="check -p PROJECT / --db URL / $JHMIG_DB_URL: they must name the database the runs loaded")


class FrameContractError(LoadError):
    """A frame violates the contract of :mod:`jhmig.entities` (an upstream bug)."""

    def __init__(self, source_system: str, entity: str, problem: str, keys: Sequence[str] = ()) -> None:
        self.source_system = source_system
        self.entity = entity
        self.keys = list(keys)[:5]
        shown = f"; first keys: {self.keys}" if self.keys else ""
        super().__init__(f"{source_system}/{entity}: {problem}{shown}")


class UnresolvedReferenceError(LoadError):
    """A ``<ref>_key`` names a record that will not be in the target."""

    def __init__(self, source_system: str, entity: str, column: str, target: str, keys: Sequence[str], count: int) -> None:
        self.source_system = source_system
        self.entity = entity
        self.column = column
        self.target = target
        self.keys = list(keys)[:5]
        self.count = count
        super().__init__(
            f"{source_system}/{entity}: {count} row(s) have a {column} that is no {target} of this source "
            f"in the load (first keys: {self.keys}); transform must quarantine or drop such rows before load"
        )

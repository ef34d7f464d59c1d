"""Exceptions for control flow. Data problems are findings, not exceptions.

Every exception says what happened, where (file, row) and what to do; the CLI
prints it as one line plus the hint and exits with its ``exit_code``.
"""

from __future__ import annotations

import re
from pathlib import Path


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for a terminal and a log: control and other non-printable characters escaped.

    Input bytes (a binary file read as text) must never reach the console as
    they are: an escape sequence could rewrite the terminal. Line breaks stay;
    ``limit`` cuts long excerpts.
    """
    out = "".join(ch if ch == "\n" or ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    if limit is not None and len(out) > limit:
        out = out[:limit] + "..."
    return out


_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .()/#-]{0,39}")


def column_names_excerpt(names: list[str], known: list[str] | tuple[str, ...] = (), limit: int = 20) -> str:
    """The fields of a header line for a message - only when it is a header.

    A file without its header has a data row in line 1: its values are
    names, streets and birth dates, which must not reach the console. So the
    fields are shown only when at least one of them is a column the layout
    knows (``known``, compared case-insensitively); otherwise they are counted.
    """
    upper = {k.upper() for k in known}
    if known and not any(n.strip().upper() in upper for n in names):
        return f"{len(names)} field(s), none of them a column this layout names (a data row or binary bytes in line 1?)"
    shown = [n for n in names if _COLUMN_NAME.fullmatch(n)]
    text = ", ".join(shown[:limit]) + (", ..." if len(shown) > limit else "")
    other = len(names) - len(shown)
    if other:
        text += ("; " if shown else "") + f"{other} field(s) that are no column names"
    return text


class InternalRunError(Exception):
    """An unexpected error inside a run (a defect, never the data's fault: exit code 3).

    Carries what the migration team needs to report it: the step, what the step was doing, the
    error log in the run folder, and whether the load had been committed before it happened.
    """

    def __init__(self, cause: BaseException, *, step: str, doing: str, log: Path, committed: bool) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause, self.step, self.doing, self.log, self.committed = cause, step, doing, log, committed


class JhmigError(Exception):
    """Base class: a message for the migration team and a hint what to do."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.hint = printable(hint) if hint else hint

    def __str__(self) -> str:
        return self.message + (f"\n  -> {self.hint}" if self.hint else "")


class ConfigError(JhmigError):
    """A project, layout or mapping file is missing or wrong."""


class RefusedInput(JhmigError):
    """The input cannot be migrated as it is (e.g. the manifest does not match)."""


class SourceReadError(JhmigError):
    """A source file cannot be read at all (missing, undecodable, wrong structure)."""

    def __init__(self, path: str, message: str, *, hint: str | None = None, line: int | None = None) -> None:
        where = f"{path}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class TargetError(JhmigError):
    """The target database cannot be reached or used."""


class ReconciliationFailed(JhmigError):
    """The run's counts or sums do not add up."""

    exit_code = 1

"""Exceptions for control flow. Data problems are findings, not exceptions.

Every exception says what happened, where (file, row) and what to do; the CLI
prints it as one line plus the hint and exits with its ``exit_code``.
"""

from __future__ import annotations


class JhmigError(Exception):
    """Base class: a message for the migration team and a hint what to do."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

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

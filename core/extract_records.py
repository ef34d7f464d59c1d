"""Typed records of the extract stage: control totals (manifest, checks) and the raw tables read.

Split from :mod:`jhmig.records`, which re-exports every name here so that
``from jhmig.records import ExtractResult`` keeps working. Control totals are
what the legacy system says it exported (EXPORT.INF, trailer lines); a
:class:`ControlCheck` compares one of them with what the files hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # jhmig.records imports this module at its top: no runtime import back
    from jhmig.records import Batch

__all__ = ["ControlCheck", "ExtractResult", "Manifest", "ManifestEntry", "RawTable"]


@dataclass(frozen=True)
class ManifestEntry:
    """One file's control totals as the manifest states them."""

    file: str
    records: int | None
    sum_cents: int | None = None


@dataclass
class Manifest:
    """What the legacy system says it exported (EXPORT.INF)."""

    present: bool
    path: str = ""
    entries: dict[str, ManifestEntry] = field(default_factory=dict)  # upper-case file name -> entry
    export_date: str | None = None
    office: str | None = None
    version: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ControlCheck:
    """One comparison of a control total with what the files hold."""

    file: str
    what: str  # "records" | "sum_cents" | "trailer_records" | "trailer_sum_cents" | "file"
    expected: int | None
    actual: int | None
    source: str  # "manifest" | "trailer"

    @property
    def ok(self) -> bool:
        return self.expected == self.actual

    def describe(self) -> str:
        return f"{self.file}: {self.source} says {self.what} = {self.expected}, the file holds {self.actual}"


@dataclass
class RawTable:
    """One source file (or sheet) as read: raw strings under the source's column names."""

    file: str  # the file name as the layout names it
    entity: str
    src_path: str  # relative to the source folder
    src_sheet: str
    frame: pd.DataFrame  # index and column "src_line"
    column_letters: dict[str, str] = field(default_factory=dict)  # field -> source column (Excel letter or name), for messages


@dataclass
class ExtractResult:
    """What extracting one source delivered: its batch, the raw tables, the manifest and the control checks."""

    batch: Batch
    tables: list[RawTable]
    manifest: Manifest
    checks: list[ControlCheck]

    @property
    def failed_checks(self) -> list[ControlCheck]:
        return [c for c in self.checks if not c.ok]

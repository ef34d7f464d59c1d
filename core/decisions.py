"""Stewards' decisions: the contract of the work list and the records read back from it.

Stewards fill in ``fehlerliste.xlsx`` (written by :mod:`jhmig.reports`) and
the team drops it into the corrections folder; :mod:`jhmig.extract` reads it
back into :class:`StewardDecision` records and :mod:`jhmig.transform` judges
whether each still fits the source. The column headers below are the contract
between the list that is written and the list that is read back; columns are
found by header, not position, so a steward may reorder, filter or sort the sheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | None  # a spreadsheet cell as read

# --------------------------------------------------------------------------
# the contract: headers of a steward sheet
# --------------------------------------------------------------------------

CORRECT = "korrigieren"
ACCEPT = "akzeptieren"
EXCLUDE = "nicht migrieren"
DECISIONS: tuple[str, ...] = (CORRECT, ACCEPT, EXCLUDE)

# what stewards type instead of picking from the drop-down
DECISION_SPELLINGS = {
    "korrigieren": CORRECT, "korrigiert": CORRECT, "korrektur": CORRECT,
    "akzeptieren": ACCEPT, "akzeptiert": ACCEPT, "ok": ACCEPT,
    "nicht migrieren": EXCLUDE, "nicht_migrieren": EXCLUDE, "nicht-migrieren": EXCLUDE, "ausschließen": EXCLUDE,
    "ausschliessen": EXCLUDE, "ausgeschlossen": EXCLUDE,
}

# (header, key) in sheet order: what the steward reads, what the steward fills, what the round trip needs
VISIBLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Regel", "rule"), ("Schwere", "severity"), ("Datei", "file"), ("Blatt", "sheet"), ("Zeile", "line"),
    ("Spalte/Feld", "column"), ("Schlüssel", "key"), ("Wert", "value"), ("Meldung", "message"), ("Behebung", "fix"),
)
STEWARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Entscheidung", "decision"), ("Korrigierter Wert", "corrected"), ("Bearbeitet von", "by"), ("Datum", "on"),
)
HIDDEN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_system", "source_system"), ("_entity", "entity"), ("_src_path", "src_path"), ("_src_sheet", "src_sheet"),
    ("_src_line", "src_line"), ("_field", "field"), ("_src_column", "src_column"), ("_legacy_key", "legacy_key"),
    ("_rule_id", "rule_id"), ("_value", "finding_value"), ("_src_value", "src_value"), ("_value_form", "value_form"),
    ("_run_uid", "run_uid"), ("_row_key", "row_key"),
)
ALL_COLUMNS = VISIBLE_COLUMNS + STEWARD_COLUMNS + HIDDEN_COLUMNS
HEADER_KEYS = {header.casefold(): key for header, key in ALL_COLUMNS}
# A hand-written CSV has only the visible columns: these stand in for the hidden ones.
FALLBACK_COLUMNS = {"src_path": "file", "src_sheet": "sheet", "src_line": "line", "src_column": "column",
             "legacy_key": "key", "rule_id": "rule", "finding_value": "value"}

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv"})


@dataclass(frozen=True)
class Origin:
    """Where a decision was written: the corrections file, its sheet and row, and the file's mtime."""

    file: str  # relative to the corrections folder
    sheet: str
    row: int
    mtime: float


@dataclass(frozen=True)
class Target:
    """The source record (and cell) a decision is about, as the list recorded it."""

    source_system: str = ""
    entity: str = ""
    src_path: str = ""
    src_sheet: str = ""
    src_line: int | None = None
    field: str = ""
    src_column: str = ""
    legacy_key: str = ""
    rule_id: str = ""
    finding_value: str = ""
    src_value: str | None = None  # the source cell when the list was written; None: not recorded
    value_form: str = ""  # "" plain, "pseudonym:<kind>" when pseudonymised, "none" when no cell was recorded
    row_key: str = ""  # a list row's identity (keyed hash of its content): the decision follows the row when rows move


@dataclass(frozen=True)
class StewardDecision:
    decision: str  # one of DECISIONS, or the text as written when it is none of them
    corrected: CellValue  # as typed: text, number or date
    by: str
    on: dt.date | None
    origin: Origin
    target: Target

    @property
    def known(self) -> bool:
        return self.decision in DECISIONS


@dataclass
class CorrectionFile:
    name: str
    rows: int = 0  # data rows read
    decisions: int = 0  # rows with a decision
    error: str | None = None  # the file could not be read


@dataclass
class CorrectionsRead:
    folder: str
    decisions: list[StewardDecision] = field(default_factory=list)
    files: list[CorrectionFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files that are no lists (lock files, notes)


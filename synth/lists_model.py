"""What the caseworkers' Excel lists hold: true list entries and the planned sheets.

Two layers, like the legacy export: *entries* are true facts (this child
gets this help from this date; this young person is accused of this
offence), drawn from the scenario; *sheet plans* are what a caseworker typed
into a list, cell by cell, with every quirk. The writers only copy sheet
plans into files, and the truth is read off the same plans, so the file and
truth.json cannot disagree about a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth.model import Service
from jhmig.synth.population import Identity
from jhmig.synth.providers import Institution

CellValue = str | int | float | dt.date | None

# Where the lists stand: the teams stopped them when the legacy export was taken.
LIST_STAND = dt.date(2025, 3, 14)
LIST_START = dt.date(2019, 1, 1)  # the oldest rows still kept (in a hidden sheet)


@dataclass(eq=False)
class AsdEntry:
    """One help for one child as an ASD team keeps it (one list row)."""

    child: Identity
    team: str
    code: str | None  # unified service type ("31", "35a", ...); None when no category fits
    start: dt.date
    end: dt.date | None  # None: running on the list's date
    institution: Institution | None  # the provider (lists spell its name their own way)
    provider_ref: str | None  # "TRAEGER.TXT:1001" of the record the legacy service names
    monthly_cents: int | None  # cost per month as the team notes it; None: no cost (office's own help)
    service: Service | None = None  # the legacy service the row describes; None: a list-only case
    special_text: str | None = None  # free text no synonym covers, fixed by the case ("Sonderhilfe Jugendwerkstatt")
    foster_family: str | None = None  # §33: the foster family's name instead of a provider
    caseworker: str = ""
    moved_from: str | None = None  # the team the child's file came from after a move
    moved_to: str | None = None  # the team the child's file went to (set on the old team's rows)
    az: str = ""
    legacy_case: str | None = None  # "AKTEN.TXT:..." when the Az. column carries the legacy file number

    @property
    def ended(self) -> bool:
        return self.end is not None and self.end <= LIST_STAND


@dataclass(eq=False)
class JghEntry:
    """One criminal proceeding against a young person (one JGH list row)."""

    person: Identity
    az: str
    offence: str
    offence_date: dt.date
    court: str
    hearing: dt.date | None
    outcome: str | None  # unified outcome code (dismissal, directive, ...); None: open or uncodable
    special_outcome: str | None  # outcome text no synonym covers ("TOA")
    asd_known: bool
    caseworker: str
    year: int  # the sheet the proceeding is filed under


@dataclass
class Cell:
    value: CellValue
    number_format: str | None = None
    comment: str | None = None
    formula: bool = False  # value is "=..." and must be written as a formula


@dataclass(frozen=True)
class Column:
    key: str  # what the column holds: az, name_full, family, given, birth, service, ... , unknown
    name: str  # header text (the lower row of a two-row header)
    top: str = ""  # two-row headers: the group label above (merged over adjacent columns with the same label)
    width: float = 12.0


@dataclass
class BodyRow:
    """A row below the header: a data row (truth filled) or a row the reader must skip."""

    row: int  # 1-based row in the sheet (line in a CSV)
    kind: str  # data | empty | subtotal | note | legend
    cells: dict[int, Cell] = field(default_factory=dict)  # 0-based column -> cell
    grey: bool = False
    strike: bool = False
    merge_across: bool = False  # a note merged over the table's width
    truth: dict[str, Any] | None = None  # data rows: the row's truth entry without file/sheet/row
    identity: str | None = None
    legacy_keys: tuple[str, ...] = ()  # every PERSONEN.TXT key of the identity


@dataclass
class SheetPlan:
    name: str  # "" for a CSV file
    columns: list[Column]
    title: list[str]  # title lines from row 1, merged over the table's width
    header_row: int
    two_row_header: bool = False
    hidden: bool = False
    body: list[BodyRow] = field(default_factory=list)
    vertical_merges: list[tuple[int, int, int]] = field(default_factory=list)  # (column, first row, last row)
    legend: list[tuple[str, ...]] | None = None  # a legend sheet: its lines (no table); ("",) = empty line

    @property
    def header_rows(self) -> list[int]:
        if self.legend is not None:
            return []
        return [self.header_row, self.header_row + 1] if self.two_row_header else [self.header_row]

    @property
    def first_body_row(self) -> int:
        return self.header_row + (2 if self.two_row_header else 1)

    def next_row(self) -> int:
        return self.body[-1].row + 1 if self.body else self.first_body_row

    def col(self, key: str) -> int | None:
        return next((i for i, c in enumerate(self.columns) if c.key == key), None)


@dataclass
class FilePlan:
    name: str
    department: str  # ASD | JGH
    kind: str  # xlsx | csv
    sheets: list[SheetPlan]
    author: str = ""

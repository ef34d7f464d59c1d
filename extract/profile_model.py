"""What `jhmig profile` finds in a list: per workbook its sheets, per sheet its header and columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jhmig.extract.cells import column_letter


@dataclass
class ColumnProfile:
    index: int
    name: str
    filled: int
    rows: int
    inferred: str  # date | date-as-text | number | amount-as-text | text | code-like | flag | empty | mixed (...)
    samples: list[str]  # masked unless show_values
    guessed_field: str | None = None

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0


@dataclass
class SheetProfile:
    index: int
    name: str
    state: str
    kind: str
    filled_rows: int
    width: int
    last_row: int
    header_first: int | None = None
    header_last: int | None = None
    header_method: str | None = None
    data_rows: int = 0
    empty_rows: int = 0
    odd_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, kind, text shown)
    columns: list[ColumnProfile] = field(default_factory=list)
    merged_in_table: list[str] = field(default_factory=list)
    merged_total: int = 0
    duplicate_columns: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, letters) of names written twice
    legend: bool = False
    error: str | None = None

    @property
    def hidden(self) -> bool:
        return self.state != "visible"


@dataclass
class WorkbookProfile:
    file: str
    path: Path
    format: str
    engine: str
    notes: list[str]
    sheets: list[SheetProfile]
    encoding: str | None = None
    delimiter: str | None = None



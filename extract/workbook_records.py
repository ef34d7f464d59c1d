"""The records a workbook is read into: sheets of typed cell values, merged ranges and cell styles.

Shared by every reader engine (:mod:`.engine_calamine`, :mod:`.engine_xlrd`,
:mod:`.engine_openpyxl`), the style reader (:mod:`.cell_styles`) and the callers
of :func:`jhmig.extract.workbook.open_workbook`; standard library only, so the
records can be pickled back from the isolated reader process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from jhmig.extract.cells import CellValue, column_letter

__all__ = ["CellRange", "CellStyle", "Row", "Sheet", "SheetInfo", "SheetStyles", "finish_sheet", "iter_values"]

Row = tuple[int, tuple[CellValue, ...]]


@dataclass(frozen=True)
class SheetInfo:
    index: int  # 0-based position in the workbook
    name: str  # "" for a CSV file
    state: str = "visible"  # "visible" | "hidden" | "veryhidden"
    kind: str = "worksheet"  # "worksheet" | "chartsheet" | "macrosheet" | "dialogsheet"

    @property
    def hidden(self) -> bool:
        return self.state != "visible"


@dataclass(frozen=True)
class CellRange:
    """A merged range, 1-based and inclusive."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def __str__(self) -> str:
        return f"{column_letter(self.first_col - 1)}{self.first_row}:{column_letter(self.last_col - 1)}{self.last_row}"


@dataclass
class Sheet:
    """One sheet's values: only rows that hold a value; column A at index 0; rows numbered as Excel numbers them."""

    info: SheetInfo
    rows: list[Row] = field(default_factory=list)
    width: int = 0  # up to the last column that holds a value
    last_row: int = 0
    merged: tuple[CellRange, ...] = ()
    error: str | None = None  # this sheet could not be read (the others could)

    @property
    def name(self) -> str:
        return self.info.name

    def row_map(self) -> dict[int, tuple[CellValue, ...]]:
        return dict(self.rows)

    def filled_cells(self) -> int:
        return sum(1 for _, values in self.rows for v in values if v is not None)


@dataclass(frozen=True)
class CellStyle:
    fill: str | None  # solid fill colour as RRGGBB, None without fill
    strike: bool


@dataclass
class SheetStyles:
    """Formatting of a bounded block of one sheet; ``available`` is False with a reason when it cannot be read."""

    available: bool
    reason: str | None = None
    cells: dict[tuple[int, int], CellStyle] = field(default_factory=dict)  # (row, col) 1-based, non-default only


def finish_sheet(info: SheetInfo, rows: dict[int, list[CellValue]], merged: tuple[CellRange, ...]) -> Sheet:
    """A sheet from row number -> values: trailing empty cells and empty rows dropped, width and last row measured."""
    out: list[Row] = []
    width = 0
    for number in sorted(rows):
        values = rows[number]
        while values and values[-1] is None:
            values.pop()
        if values:
            width = max(width, len(values))
            out.append((number, tuple(values)))
    last = out[-1][0] if out else 0
    return Sheet(info, out, width, last, merged)


def iter_values(sheet: Sheet) -> Iterator[tuple[int, int, CellValue]]:
    """(row, column 1-based, value) of every filled cell."""
    for number, values in sheet.rows:
        for col, value in enumerate(values, start=1):
            if value is not None:
                yield number, col, value

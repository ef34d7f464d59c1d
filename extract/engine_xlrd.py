"""Read a workbook with xlrd: Excel 2-4 worksheets calamine cannot read, the fallback for .xls,
and the error cells (#N/A, #DIV/0! ...) of an .xls that calamine reads as empty.

Runs inside the isolated reader (:mod:`.workbook_isolation`); xlrd is imported lazily.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Any

from jhmig.extract.cells import CellValue, normalise_number
from jhmig.extract.workbook_guard import GuardRefusal, Limits
from jhmig.extract.workbook_records import CellRange, Sheet, SheetInfo, finish_sheet

__all__ = ["patch_xls_errors", "read_xlrd"]


def patch_xls_errors(path: Path, sheets: list[Sheet], limits: Limits) -> list[str]:
    """calamine reads error cells (#N/A, #DIV/0! ...) as empty; xlrd sees them. Best effort, small files only."""
    if path.stat().st_size > 20 * 2**20:
        return ["Fehlerwerte (#NV, #DIV/0! ...) nicht geprüft (Datei zu groß); sie erscheinen als leere Zellen"]
    import xlrd

    try:
        with open(os.devnull, "w") as log:
            book = xlrd.open_workbook(str(path), on_demand=True, logfile=log)
    except Exception:  # noqa: BLE001 - xlrd cannot read every file calamine reads; errors then stay empty
        return ["Fehlerwerte (#NV, #DIV/0! ...) nicht prüfbar; sie erscheinen als leere Zellen"]
    try:
        by_name = {s.name: s for s in sheets}
        for xsheet_name in book.sheet_names():
            target = by_name.get(xsheet_name)
            if target is None:
                continue
            xsheet = book.sheet_by_name(xsheet_name)
            errors = {}
            for r in range(xsheet.nrows):
                for c, ctype in enumerate(xsheet.row_types(r)):
                    if ctype == xlrd.XL_CELL_ERROR:
                        errors[(r + 1, c + 1)] = xlrd.error_text_from_code.get(xsheet.cell_value(r, c), "#ERROR")
            if errors:
                rows = {n: list(v) for n, v in target.rows}
                for (row, col), text in errors.items():
                    values = rows.setdefault(row, [])
                    values.extend([None] * (col - len(values)))
                    if values[col - 1] is None:
                        values[col - 1] = text
                patched = finish_sheet(target.info, rows, target.merged)
                target.rows, target.width, target.last_row = patched.rows, patched.width, patched.last_row
    except Exception:  # noqa: BLE001
        return ["Fehlerwerte (#NV, #DIV/0! ...) nicht vollständig prüfbar"]
    finally:
        book.release_resources()
    return []


def read_xlrd(path: Path, limits: Limits) -> list[Sheet]:
    """Every sheet via xlrd: Excel 2-4 worksheets, and .xls files calamine fails on."""
    import xlrd

    with open(os.devnull, "w") as log:
        book = xlrd.open_workbook(str(path), logfile=log, on_demand=True)
    sheets: list[Sheet] = []
    filled = 0
    try:
        for index, name in enumerate(book.sheet_names()):
            xsheet = book.sheet_by_index(index)
            state = {0: "visible", 1: "hidden", 2: "veryhidden"}.get(getattr(xsheet, "visibility", 0), "visible")
            info = SheetInfo(index, name, state)
            if xsheet.nrows * max(xsheet.ncols, 1) > limits.max_sheet_cells:
                raise GuardRefusal(f"too large: sheet {name!r} spans {xsheet.nrows:,} x {xsheet.ncols:,} cells", "split the list")
            rows: dict[int, list[CellValue]] = {}
            for r in range(xsheet.nrows):
                values = [_xlrd_value(xlrd, book, ctype, value)
                          for ctype, value in zip(xsheet.row_types(r), xsheet.row_values(r), strict=False)]
                if any(v is not None for v in values):
                    rows[r + 1] = values
            merged = tuple(CellRange(r0 + 1, c0 + 1, r1, c1) for r0, r1, c0, c1 in getattr(xsheet, "merged_cells", ()))
            sheet = finish_sheet(info, rows, merged)
            filled += sheet.filled_cells()
            if filled > limits.max_filled_cells:
                raise GuardRefusal(f"too large: more than {limits.max_filled_cells:,} filled cells", "split the list")
            sheets.append(sheet)
    finally:
        book.release_resources()
    return sheets


def _xlrd_value(xlrd: Any, book: Any, ctype: int, value: Any) -> CellValue:
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_TEXT:
        return value if value != "" else None
    if ctype == xlrd.XL_CELL_NUMBER:
        return normalise_number(float(value))
    if ctype == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except Exception:  # noqa: BLE001 - an impossible serial stays a number
            return normalise_number(float(value))
        return moment.date() if moment.time() == time(0) else moment
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    return str(value)

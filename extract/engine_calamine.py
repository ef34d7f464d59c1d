"""Read a workbook with python-calamine (fast, values only): .xlsx/.xlsm/.xlsb/.ods and .xls.

Runs inside the isolated reader (:mod:`.workbook_isolation`); ``scans`` are the
xlsx pre-scans of :func:`jhmig.extract.workbook_guard.scan_xlsx_sheet`, whose
error cells (#N/A, #DIV/0! ...) calamine itself reads as empty.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jhmig.extract.cells import CellValue, duration_text, normalise_number
from jhmig.extract.workbook_guard import GuardRefusal, Limits
from jhmig.extract.workbook_isolation import refusal_from
from jhmig.extract.workbook_records import CellRange, Sheet, SheetInfo, finish_sheet

__all__ = ["read_calamine"]


_CALAMINE_STATE = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}
_CALAMINE_KIND = {"WorkSheet": "worksheet", "ChartSheet": "chartsheet", "MacroSheet": "macrosheet",
                  "DialogSheet": "dialogsheet", "Vba": "vba"}


def read_calamine(path: Path, kind: str, limits: Limits, scans: dict[str, Any]) -> tuple[list[Sheet], list[str]]:
    """Every sheet via python-calamine; a sheet that fails alone is kept with its ``error``, the others are read."""
    import python_calamine

    notes: list[str] = []
    sheets: list[Sheet] = []
    filled = 0
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        for index, meta in enumerate(wb.sheets_metadata):
            state = _CALAMINE_STATE.get(str(meta.visible).rsplit(".", 1)[-1], "visible")
            sheet_kind = _CALAMINE_KIND.get(str(meta.typ).rsplit(".", 1)[-1], "worksheet")
            info = SheetInfo(index, meta.name, state, sheet_kind)
            if sheet_kind not in ("worksheet", "macrosheet"):
                sheets.append(Sheet(info))
                continue
            try:
                sheet = _calamine_sheet(wb.get_sheet_by_index(index), info, limits, scans.get(meta.name))
            except GuardRefusal:
                raise
            except BaseException as exc:  # noqa: BLE001 - one broken sheet must not hide the others
                if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
                    raise
                sheet = Sheet(info, error=refusal_from(exc).cause)
            filled += sheet.filled_cells()
            if filled > limits.max_filled_cells:
                raise GuardRefusal(f"too large: more than {limits.max_filled_cells:,} filled cells", "split the list")
            sheets.append(sheet)
    # .xls: the dispatcher recovers error cells with xlrd (engine_xlrd.patch_xls_errors)
    if kind in ("xlsb",):
        notes.append("Fehlerwerte (#NV, #DIV/0! ...) werden in .xlsb als leere Zellen gelesen")
    return sheets, notes


def _calamine_sheet(raw_sheet: Any, info: SheetInfo, limits: Limits, scan: Any) -> Sheet:
    start, end = raw_sheet.start, raw_sheet.end
    merged = tuple(CellRange(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (raw_sheet.merged_cell_ranges or ()))
    if start is None or end is None:
        return Sheet(info, merged=merged, error=None) if not scan or not scan.errors else _from_errors_only(info, merged, scan)
    if (end[0] + 1) * (end[1] - start[1] + 1) > limits.max_sheet_cells:
        raise GuardRefusal(f"too large: sheet {info.name!r} spans {end[0] + 1:,} rows x {end[1] + 1:,} columns "
                           f"(limit {limits.max_sheet_cells:,} cells)",
                           f"delete stray cells far outside the table in sheet {info.name!r}, or split the list")
    converted: dict[int, list[CellValue]] = {}
    count = 0
    first_len = None
    for count, raw in enumerate(raw_sheet.iter_rows(), start=1):
        if first_len is None:
            first_len = len(raw)
        values = [_calamine_value(v) for v in raw]
        if any(v is not None for v in values):
            converted[count] = values
    # python-calamine yields rows from row 1 but columns from the first used column; check, do not assume
    row_offset = 0 if count == end[0] + 1 else start[0]
    col_offset = start[1] if first_len == end[1] - start[1] + 1 else 0
    rows: dict[int, list[CellValue]] = {}
    for number, values in converted.items():
        rows[number + row_offset] = [None] * col_offset + values
    if scan is not None:
        for (row, col), text in scan.errors.items():
            values = rows.setdefault(row, [])
            if len(values) < col:
                values.extend([None] * (col - len(values)))
            if values[col - 1] is None:
                values[col - 1] = text
    return finish_sheet(info, rows, merged)


def _from_errors_only(info: SheetInfo, merged: tuple[CellRange, ...], scan: Any) -> Sheet:
    rows: dict[int, list[CellValue]] = {}
    for (row, col), text in scan.errors.items():
        values = rows.setdefault(row, [])
        values.extend([None] * (col - len(values)))
        values[col - 1] = text
    return finish_sheet(info, rows, merged)


def _calamine_value(value: Any) -> CellValue:
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return normalise_number(value)
    if isinstance(value, (int, datetime, date, time)):
        return value
    if isinstance(value, timedelta):
        return duration_text(value)
    return None if value is None else str(value)

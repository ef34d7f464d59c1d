"""Read a workbook with openpyxl (read-only mode, columns bounded by the pre-scan): the fallback
when calamine fails on an .xlsx. Runs inside the isolated reader; openpyxl is imported lazily.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jhmig.extract.cells import CellValue, duration_text, normalise_number
from jhmig.extract.workbook_guard import GuardRefusal, Limits
from jhmig.extract.workbook_records import Sheet, SheetInfo, finish_sheet

__all__ = ["read_openpyxl"]


def read_openpyxl(path: Path, limits: Limits, scans: dict[str, Any]) -> list[Sheet]:
    """Fallback for .xlsx calamine cannot read; read-only mode, rows bounded by the pre-scan."""
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True, keep_links=False)
    sheets: list[Sheet] = []
    filled = 0
    try:
        for index, ws in enumerate(wb.worksheets):
            info = SheetInfo(index, ws.title, getattr(ws, "sheet_state", "visible") or "visible")
            scan = scans.get(ws.title)
            max_col = scan.max_col if scan is not None and scan.max_col > 26 else None
            rows: dict[int, list[CellValue]] = {}
            for number, raw in enumerate(ws.iter_rows(values_only=True, max_col=max_col), start=1):
                values = [_openpyxl_value(v) for v in raw]
                if any(v is not None for v in values):
                    rows[number] = values
            sheet = finish_sheet(info, rows, ())
            filled += sheet.filled_cells()
            if filled > limits.max_filled_cells:
                raise GuardRefusal(f"too large: more than {limits.max_filled_cells:,} filled cells", "split the list")
            sheets.append(sheet)
    finally:
        wb.close()
    return sheets


def _openpyxl_value(value: Any) -> CellValue:
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, float):
        return normalise_number(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, (bool, int, date, time)) or value is None:
        return value
    if isinstance(value, timedelta):
        return duration_text(value)
    return str(value)

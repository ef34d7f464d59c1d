"""Plain tables into an xlsx workbook (reconciliation, run comparison).

openpyxl in write-only mode: a bold, frozen header row with an autofilter per
sheet, values as strings or numbers (never formulas: a text starting with
``=`` is written as text). The steward work list has its own writer
(:mod:`jhmig.reports.excel_report`), which streams far larger sheets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

Sheet = tuple[Sequence[str], Iterable[Sequence[Any]]]


def write_tables(path: Path, sheets: dict[str, Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "-", title)[:31])  # characters Excel forbids in sheet names
        sheet.freeze_panes = "A2"
        head = []
        for name in headers:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = Font(bold=True)
            head.append(cell)
        for number, name in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = max(10, min(60, len(str(name)) + 4))
        sheet.append(head)
        count = 0
        for row in rows:
            sheet.append([_value(sheet, v, WriteOnlyCell) for v in row])
            count += 1
        if headers:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    book.save(path)


def _value(sheet: Any, value: Any, cell_type: Any) -> Any:
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith("="):  # never a formula
        cell = cell_type(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text

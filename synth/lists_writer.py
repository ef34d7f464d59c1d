"""Writes sheet plans as .xlsx (openpyxl) or as a CSV saved from German Excel.

Byte-identical output for a seed needs two fixes to what openpyxl does on
its own: ``save_workbook`` stamps the document with the current time, and
``zipfile`` stamps every member with it. So the workbook is written through
``ExcelWriter`` with fixed document dates, and the package is re-zipped with
fixed member dates.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from jhmig.synth.lists_model import BodyRow, FilePlan, SheetPlan
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

DOCUMENT_TIME = dt.datetime(2025, 3, 14, 15, 42, 0)  # last saved shortly before the export was taken
ZIP_TIME = (2025, 3, 14, 15, 42, 0)
GREY = "FFD9D9D9"  # Excel's "Weiß, Hintergrund 1, dunkler 15 %": what caseworkers use for "closed"
HEADER_FILL = "FFDDEBF7"  # light blue: not grey, so a header never looks "closed"
CSV_ENCODING = "cp1252"
CSV_DELIMITER = ";"


def write_file(plan: FilePlan, directory: Path) -> Path:
    path = directory / plan.name
    if plan.kind == "csv":
        path.write_bytes(csv_bytes(plan.sheets[0]))
    else:
        path.write_bytes(xlsx_bytes(plan))
    return path


# -- xlsx ----------------------------------------------------------------------------------


def xlsx_bytes(plan: FilePlan) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in plan.sheets:
        ws = wb.create_sheet(sheet.name)
        if sheet.legend is not None:
            _legend(ws, sheet)
        else:
            _table(ws, sheet, plan.author)
        if sheet.hidden:
            ws.sheet_state = "hidden"
    wb.active = next(i for i, s in enumerate(plan.sheets) if not s.hidden)
    props = wb.properties
    props.creator = plan.author
    props.lastModifiedBy = plan.author
    props.created = DOCUMENT_TIME
    props.modified = DOCUMENT_TIME
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _fixed_dates(buffer.getvalue())


def _fixed_dates(package: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def _legend(ws: Worksheet, sheet: SheetPlan) -> None:
    assert sheet.legend is not None
    for number, line in enumerate(sheet.legend, start=1):
        for col, text in enumerate(line, start=1):
            if text:
                cell = ws.cell(number, col, text)
                cell.font = Font(bold=number == 1 or col == 1)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 60


def _table(ws: Worksheet, sheet: SheetPlan, author: str) -> None:
    width = len(sheet.columns)
    last = get_column_letter(width)
    for number, line in enumerate(sheet.title, start=1):
        if not line:
            continue
        cell = ws.cell(number, 1, line)
        cell.font = Font(bold=number == 1, size=14 if number == 1 else 11)
        ws.merge_cells(f"A{number}:{last}{number}")
    _header(ws, sheet)
    for row in sheet.body:
        _body_row(ws, row, width, author)
    for col, first, end in sheet.vertical_merges:
        ws.cell(first, col + 1).alignment = Alignment(vertical="top", wrap_text=True)
        ws.merge_cells(start_row=first, start_column=col + 1, end_row=end, end_column=col + 1)
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = ws.cell(sheet.first_body_row, 1)


def _header(ws: Worksheet, sheet: SheetPlan) -> None:
    top = sheet.header_row
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    font = Font(bold=True)
    line = Border(bottom=Side(style="thin"))
    rows = sheet.header_rows
    for index, column in enumerate(sheet.columns, start=1):
        for number in rows:
            cell = ws.cell(number, index)
            cell.fill, cell.font, cell.border = fill, font, line
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        if not sheet.two_row_header:
            ws.cell(top, index, column.name)
        elif column.top:
            ws.cell(top + 1, index, column.name)
            if index == 1 or sheet.columns[index - 2].top != column.top:
                ws.cell(top, index, column.top)
        else:
            ws.cell(top, index, column.name)
    if not sheet.two_row_header:
        return
    index = 0
    while index < len(sheet.columns):
        column = sheet.columns[index]
        end = index
        if column.top:
            while end + 1 < len(sheet.columns) and sheet.columns[end + 1].top == column.top:
                end += 1
            if end > index:
                ws.merge_cells(start_row=top, start_column=index + 1, end_row=top, end_column=end + 1)
        else:
            ws.merge_cells(start_row=top, start_column=index + 1, end_row=top + 1, end_column=index + 1)
        index = end + 1


def _body_row(ws: Worksheet, row: BodyRow, width: int, author: str) -> None:
    for col, spec in sorted(row.cells.items()):
        cell = ws.cell(row.row, col + 1, spec.value)
        if isinstance(spec.value, str) and spec.value.startswith("=") and not spec.formula:
            cell.data_type = "s"  # openpyxl takes any "=..." for a formula; only subtotals are formulas
        if spec.number_format:
            cell.number_format = spec.number_format
        if isinstance(spec.value, str) and "\n" in spec.value:
            cell.alignment = Alignment(wrap_text=True)
        if spec.comment:
            cell.comment = Comment(spec.comment, author, width=220, height=60)
        if row.kind == "note":
            cell.font = Font(italic=True)
        elif row.kind == "subtotal":
            cell.font = Font(bold=True)
    if row.grey or row.strike:
        fill = PatternFill("solid", fgColor=GREY) if row.grey else None
        for col in range(1, width + 1):
            cell = ws.cell(row.row, col)
            if fill is not None:
                cell.fill = fill
            if row.strike:
                cell.font = Font(strike=True)
    if row.merge_across:
        ws.merge_cells(start_row=row.row, start_column=1, end_row=row.row, end_column=width)


# -- csv -------------------------------------------------------------------------------------


def csv_bytes(sheet: SheetPlan) -> bytes:
    """What German Excel writes for "CSV (Trennzeichen-getrennt)": cp1252, ';', CRLF, every line as wide as the table."""
    width = len(sheet.columns)
    lines: dict[int, list[str]] = {}
    for number, title in enumerate(sheet.title, start=1):
        lines[number] = [title]
    lines[sheet.header_row] = [c.name for c in sheet.columns]
    for row in sheet.body:
        values = [""] * width
        for col, cell in row.cells.items():
            assert isinstance(cell.value, str), "a CSV holds text only"
            values[col] = cell.value
        lines[row.row] = values
    out: list[str] = []
    for number in range(1, max(lines) + 1):
        values = lines.get(number, [])
        values = values + [""] * (width - len(values))
        out.append(CSV_DELIMITER.join(_quoted(v) for v in values))
    return ("\r\n".join(out) + "\r\n").encode(CSV_ENCODING)


def _quoted(value: str) -> str:
    if any(ch in value for ch in (CSV_DELIMITER, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value

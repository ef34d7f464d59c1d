"""The detached records as a sheet of the work list: merges of an earlier run that this run undoes.

One row per record that leaves the id it shared with another record (the key map
remembered a merge that no longer holds: a steward's *verschiedene Personen*, a
changed source record): entity, source location, the old and the new id, and
why. Names and birth dates (persons) are shown like the review sheet's: masked
unless the matching configuration asks for them in clear, pseudonymised when the
run is. The sheet is written with the work list, before the load; the new ids
are known only after it, so :func:`fill_new_ids` streams the rows again with them.
The sheet has no decision column: the corrections reader leaves it alone.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from jhmig.reports.excel_styles import HEAD_FILL, HEAD_FONT
from jhmig.reports.excel_xml import rows_xml

__all__ = ["DETACHED_HEADERS", "DETACHED_SHEET", "detached_body", "fill_new_ids", "write_detached_frame"]

Redact = Callable[[str, str], str]  # (value, kind) -> shown value
DETACHED_SHEET = "Aufgehobene Zusammenführungen"
#: header, field of the detached table (jhmig.steps_match.detached_table)
DETACHED_HEADERS: tuple[tuple[str, str], ...] = (
    ("Objekt", "entity_de"), ("Quelle", "source_system"), ("Datei", "src_path"), ("Blatt", "src_sheet"), ("Zeile", "src_line"),
    ("Schlüssel", "legacy_key"), ("Familienname", "family_name"), ("Vornamen", "given_names"), ("Geburtsdatum", "birth_date"),
    ("Bisherige ID", "old_id"), ("Neue ID", "new_id"), ("Grund", "reason"),
)
_PERSONAL = {"family_name": "name", "given_names": "name", "birth_date": "date"}
_NUMBERS = {"src_line", "old_id", "new_id"}
_WIDTHS = {"entity_de": 12, "source_system": 12, "src_path": 22, "src_sheet": 12, "src_line": 7, "legacy_key": 26,
           "family_name": 18, "given_names": 18, "birth_date": 13, "old_id": 12, "new_id": 12, "reason": 90}
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def write_detached_frame(wb, n: int) -> None:  # type: ignore[no-untyped-def]
    """Append the sheet (widths, frozen header, header row, autofilter) to a write-only workbook; rows follow as XML."""
    ws = wb.create_sheet(DETACHED_SHEET)
    for i, (_, key) in enumerate(DETACHED_HEADERS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(key, 12)
    ws.freeze_panes = "A2"
    head = []
    for title, _ in DETACHED_HEADERS:
        cell = WriteOnlyCell(ws, title)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        head.append(cell)
    ws.append(head)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(DETACHED_HEADERS))}{n + 1}"


def _column(table: pd.DataFrame, field: str, redact: Redact | None) -> pd.Series:
    values = table[field] if field in table else pd.Series([None] * len(table), index=table.index)
    if field == "birth_date":
        values = pd.to_datetime(values, errors="coerce").dt.strftime("%d.%m.%Y")
    if field in _PERSONAL and redact is not None:
        values = values.map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else redact(str(v), _PERSONAL[field]))
    if field in _NUMBERS:
        return pd.Series(pd.array(values, dtype="Int64"), index=table.index)
    return values.astype("string").reset_index(drop=True).set_axis(table.index)


def detached_body(table: pd.DataFrame, redact: Redact | None) -> Callable[[IO[bytes]], None]:
    """Writes the sheet's data rows (``redact``: names and birth dates, None = in clear)."""

    def write(out: IO[bytes]) -> None:
        fields = [f for _, f in DETACHED_HEADERS]
        columns = [_column(table, f, redact).reset_index(drop=True) for f in fields]
        for text in rows_xml(columns, first_row=2, numeric=[f in _NUMBERS for f in fields]):
            out.write(text.encode("utf-8"))
    return write


def _sheet_part(book: zipfile.ZipFile, name: str) -> str | None:
    """The zip part of the sheet called ``name`` (workbook.xml names it, its relationships say where it is)."""
    sheets = ET.fromstring(book.read("xl/workbook.xml")).find(f"{_MAIN}sheets")
    rid = next((s.get(f"{_REL}id") for s in (sheets if sheets is not None else []) if s.get("name") == name), None)
    if rid is None:
        return None
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def fill_new_ids(path: Path, table: pd.DataFrame, redact: Redact | None) -> bool:
    """Rewrite the sheet's rows in the written work list, now with the ids the load gave; False if there is no such sheet."""
    if not path.exists():
        return False
    with zipfile.ZipFile(path) as book:
        part = _sheet_part(book, DETACHED_SHEET)
    if part is None:
        return False
    start, end = b'<row r="2"', b"</sheetData>"
    work = path.with_name(path.name + ".part")
    body = detached_body(table, redact)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(work, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename != part:
                with src.open(info) as fin, dst.open(info, "w", force_zip64=True) as fout:
                    shutil.copyfileobj(fin, fout)
                continue
            xml = src.read(info)
            head, tail = xml.split(end, 1)
            head = head.split(start, 1)[0]  # the header row stays, the data rows are written anew
            with dst.open(info.filename, "w") as fout:
                fout.write(head)
                body(fout)
                fout.write(end + tail)
    work.replace(path)
    return True

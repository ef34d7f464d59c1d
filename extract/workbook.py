"""Open any spreadsheet a caseworker may send, as sheets of typed cell values - or refuse it in one line.

The public entry point (:func:`open_workbook`, :class:`Workbook` and the records
of :mod:`.workbook_records`); the engines live one per module, imported lazily:

- python-calamine (fast, values only) for .xlsx/.xlsm/.xlsb/.ods and .xls
  (:mod:`.engine_calamine`),
- xlrd for Excel 2-4 worksheets calamine cannot read, and as the fallback
  when calamine fails on an .xls; also to recover error cells of an .xls
  (:mod:`.engine_xlrd`),
- openpyxl (read-only mode, bounded rows and columns) as the fallback reader
  when calamine fails on an .xlsx (:mod:`.engine_openpyxl`), and for cell
  formatting (fill colour, strikethrough) of .xlsx/.xlsm, only when a caller
  asks (:mod:`.cell_styles`),
- CSV "saved from Excel" is read as a one-sheet workbook (:mod:`.csv_sheet`).

Every engine call runs in a forked child bounded in memory and time
(:mod:`.workbook_isolation`): a crash, panic or runaway allocation becomes a
one-line :class:`~jhmig.errors.SourceReadError`, and the parent keeps running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from jhmig.errors import SourceReadError
from jhmig.extract.cell_styles import read_styles
from jhmig.extract.csv_sheet import CsvOptions, read_csv_sheet
from jhmig.extract.engine_calamine import read_calamine
from jhmig.extract.engine_openpyxl import read_openpyxl
from jhmig.extract.engine_xlrd import patch_xls_errors, read_xlrd
from jhmig.extract.workbook_guard import (
    Container,
    GuardRefusal,
    Limits,
    check_zip,
    identify,
    scan_xlsx_sheet,
    xlsx_sheet_parts,
    xlsx_styles_can_mark,
)
from jhmig.extract.workbook_isolation import call_engine, one_line, refusal_from
from jhmig.extract.workbook_records import CellRange, CellStyle, Sheet, SheetInfo, SheetStyles, iter_values

__all__ = [
    "CellRange", "CellStyle", "CsvOptions", "Limits", "Sheet", "SheetInfo", "SheetStyles", "Workbook", "iter_values",
    "open_workbook",
]


@dataclass
class Workbook:
    path: Path
    display: str  # the name used in messages (relative path)
    container: Container
    engine: str  # "calamine" | "xlrd" | "openpyxl" | "csv"
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)  # things the reader noticed (German, for reports)
    limits: Limits = field(default_factory=Limits)
    isolate: bool = True
    encoding: str | None = None  # delimited text only: as sniffed
    delimiter: str | None = None  # delimited text only: as sniffed ("" = one column)

    @property
    def format(self) -> str:
        return self.container.kind

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    @property
    def formatting_supported(self) -> bool:
        return self.container.kind == "xlsx"

    def styles(self, sheet_name: str, first_row: int, last_row: int, first_col: int, last_col: int) -> SheetStyles:
        """Fill colour and strikethrough of the cells in a block (1-based, inclusive), via openpyxl read-only."""
        if not self.formatting_supported:
            return SheetStyles(False, f"Formatierung ist nur in .xlsx/.xlsm lesbar (hier {self.container.label})")
        if last_row < first_row or last_col < first_col or not xlsx_styles_can_mark(self.path):
            return SheetStyles(True)  # no style in the workbook fills or strikes anything: nothing to read
        try:
            cells = call_engine(read_styles, (self.path, sheet_name, first_row, last_row, first_col, last_col),
                          self.limits, self.isolate)
        except GuardRefusal as exc:
            return SheetStyles(False, f"Formatierung nicht lesbar: {exc.cause}")
        return SheetStyles(True, None, cells)


def open_workbook(path: Path, *, display: str | None = None, limits: Limits | None = None,
                  csv_options: CsvOptions | None = None, isolate: bool = True) -> Workbook:
    """Read every sheet of a spreadsheet file, bounded; raises :class:`SourceReadError` (one line) when it cannot."""
    limits = limits or Limits()
    shown = display or str(path)
    try:
        return _open(path, shown, limits, csv_options or CsvOptions(), isolate)
    except GuardRefusal as exc:
        raise SourceReadError(shown, one_line(exc.cause), hint=exc.hint) from None


def _open(path: Path, shown: str, limits: Limits, csv_options: CsvOptions, isolate: bool) -> Workbook:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except FileNotFoundError:
        raise GuardRefusal("file not found", "check the path and the mapping's 'files' globs") from None
    except IsADirectoryError:
        raise GuardRefusal("is a folder, not a file") from None
    except OSError as exc:
        raise GuardRefusal(f"cannot be opened: {exc.strerror or exc}") from None
    if size > limits.max_file_bytes:
        raise GuardRefusal(f"too large: {size / 2**20:,.0f} MB (limit {limits.max_file_bytes / 2**20:,.0f} MB)",
                           "split the list, or raise the limit deliberately")
    container = identify(path, head)
    if container.kind == "csv":
        sheet = read_csv_sheet(path, csv_options, limits)
        notes = [f"gelesen als Text ({sheet.encoding}, Trennzeichen {_show_delimiter(sheet.delimiter)})", *sheet.notes]
        return Workbook(path, shown, container, "csv", [Sheet(SheetInfo(0, ""), list(sheet.rows), sheet.width, sheet.last_row)],
                        notes, limits, isolate, sheet.encoding, sheet.delimiter)
    if container.kind in ("xlsx", "xlsb", "ods"):
        check_zip(path, limits)
    engine, sheets, notes = call_engine(_read_container, (path, container, limits), limits, isolate)
    return Workbook(path, shown, container, engine, sheets, notes, limits, isolate)


def _show_delimiter(delimiter: str) -> str:
    return {"\t": "Tab", "": "keins (eine Spalte)"}.get(delimiter, f"'{delimiter}'")



def _read_container(path: Path, container: Container, limits: Limits) -> tuple[str, list[Sheet], list[str]]:
    """Choose the engine (runs in the child): calamine first, xlrd or openpyxl when calamine fails."""
    kind = container.kind
    if kind == "xls_old":
        return "xlrd", read_xlrd(path, limits), []
    scans = _prescan_xlsx(path, container.part, limits) if kind == "xlsx" else {}
    try:
        sheets, notes = read_calamine(path, kind, limits, scans)
        if kind == "xls":
            notes.extend(patch_xls_errors(path, sheets, limits))
        return "calamine", sheets, notes
    except GuardRefusal:
        raise
    except BaseException as exc:  # noqa: BLE001 - PanicException; try the other engine before giving up
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        first = refusal_from(exc)
        if first.cause.startswith("the workbook is password-protected") or kind not in ("xls", "xlsx"):
            raise first from None
    try:
        if kind == "xls":
            return "xlrd", read_xlrd(path, limits), [f"calamine konnte die Datei nicht lesen ({first.cause}); gelesen mit xlrd"]
        return "openpyxl", read_openpyxl(path, limits, scans), [f"calamine konnte die Datei nicht lesen ({first.cause}); gelesen mit openpyxl"]
    except GuardRefusal:
        raise
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        second = refusal_from(exc)
        raise GuardRefusal(f"{first.cause}; the fallback reader failed too ({second.cause})", first.hint) from None


def _prescan_xlsx(path: Path, workbook_part: str, limits: Limits) -> dict[str, Any]:
    """Per sheet: refuse areas the parser would blow up to; collect error cells calamine reads as empty."""
    try:
        parts = xlsx_sheet_parts(path, workbook_part or "xl/workbook.xml")
    except (ElementTree.ParseError, KeyError, OSError, ValueError):
        return {}  # calamine reports a broken workbook.xml in its own words
    scans: dict[str, Any] = {}
    for name, member in parts.items():
        try:
            scan = scan_xlsx_sheet(path, member)
        except KeyError:
            continue  # sheet part missing: calamine will say so
        width = scan.max_col if scan.max_col > 26 else 26
        if scan.max_row * width > limits.max_sheet_cells and scan.max_col > 26:
            raise GuardRefusal(
                f"sheet {name!r} spans {scan.max_row:,} rows x {scan.max_col:,} columns because of a value at {scan.far_cell} "
                f"(limit {limits.max_sheet_cells:,} cells)",
                f"delete the stray cells right of the table in sheet {name!r} (around {scan.far_cell}) and save again",
            )
        if scan.max_row * width > limits.max_sheet_cells:
            raise GuardRefusal(f"too large: sheet {name!r} has {scan.max_row:,} rows (limit {limits.max_sheet_cells:,} cells per sheet)",
                               "split the list")
        scans[name] = scan
    return scans

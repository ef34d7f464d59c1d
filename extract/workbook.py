"""Open any spreadsheet a caseworker may send, as sheets of typed cell values - or refuse it in one line.

This is the only module that imports the spreadsheet engines:

- python-calamine (fast, values only) for .xlsx/.xlsm/.xlsb/.ods and .xls,
- xlrd for Excel 2-4 worksheets calamine cannot read, and as the fallback
  when calamine fails on an .xls; also to recover error cells of an .xls,
- openpyxl (read-only mode, bounded rows and columns) for cell formatting
  (fill colour, strikethrough) of .xlsx/.xlsm, only when a caller asks, and
  as the fallback reader when calamine fails on an .xlsx,
- CSV "saved from Excel" is read as a one-sheet workbook (:mod:`.csv_sheet`).

Why a child process: the engines are native code reading untrusted files.
python-calamine raises ``PanicException`` (a ``BaseException``), Rust aborts
the whole process when an allocation fails, and one stray value in column
XFD makes calamine allocate rows x 16,384 cells (measured: 5,000 rows ->
2.5 GB, 4.5 s). Opening in a forked child with an address-space limit
(RLIMIT_AS) and a wall-clock timeout turns every such case into a one-line
:class:`~jhmig.errors.SourceReadError`, and the parent keeps running.
Measured cost: fork + pickling the values back, ~10 ms for a list of a few
thousand rows; for 200,000 rows x 10 columns 2.6 s in-process vs ~5 s isolated.
"""

from __future__ import annotations

import colorsys
import contextlib
import multiprocessing
import os
import re
import resource
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from xml.etree import ElementTree

from jhmig.errors import SourceReadError
from jhmig.extract.cells import CellValue, column_letter, duration_text, normalise_number
from jhmig.extract.csv_sheet import CsvOptions, read_csv_sheet
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

__all__ = [
    "CellRange", "CellStyle", "CsvOptions", "Limits", "Sheet", "SheetInfo", "SheetStyles", "Workbook", "open_workbook",
]

T = TypeVar("T")
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
            cells = _call(_read_styles, (self.path, sheet_name, first_row, last_row, first_col, last_col),
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
        raise SourceReadError(shown, _one_line(exc.cause), hint=exc.hint) from None


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
    engine, sheets, notes = _call(_read_container, (path, container, limits), limits, isolate)
    return Workbook(path, shown, container, engine, sheets, notes, limits, isolate)


def _show_delimiter(delimiter: str) -> str:
    return {"\t": "Tab", "": "keins (eine Spalte)"}.get(delimiter, f"'{delimiter}'")


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= 240 else line[:237] + "..."


# --------------------------------------------------------------------------
# isolation
# --------------------------------------------------------------------------


def _call(func: Callable[..., T], args: tuple[Any, ...], limits: Limits, isolate: bool) -> T:
    """Run an engine call, in a child process when isolated; every failure becomes a GuardRefusal."""
    if not isolate:
        try:
            return func(*args)
        except GuardRefusal:
            raise
        except BaseException as exc:  # noqa: BLE001 - calamine's PanicException derives from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise _refusal_from(exc) from None
    return _run_isolated(func, args, limits)


def _run_isolated(func: Callable[..., T], args: tuple[Any, ...], limits: Limits) -> T:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Unflushed output would be written twice: once by us, once by the child's copy of the buffer.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    child = context.Process(target=_child_main, args=(sender, func, args, limits.memory_bytes), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s):
            raise GuardRefusal(f"gave up after {limits.timeout_s:.0f} s: the reader did not finish (damaged or far too large file)",
                               "open the file in Excel and save it again; split very large lists")
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError):
            child.join(10)
            raise GuardRefusal(_death_cause(child.exitcode, limits),
                               "open the file in Excel, delete stray cells far outside the table, and save it again") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(10)
    if status == "ok":
        return payload  # type: ignore[no-any-return]
    cause, hint = payload
    raise GuardRefusal(cause, hint)


def _child_main(sender: Any, func: Callable[..., Any], args: tuple[Any, ...], memory_bytes: int) -> None:
    with contextlib.suppress(Exception):  # best effort: without /proc or setrlimit the parent's timeout still holds
        _limit_memory(memory_bytes)
        _silence_native_output()
    try:
        result: tuple[str, Any] = ("ok", func(*args))
    except GuardRefusal as exc:
        result = ("refused", (exc.cause, exc.hint))
    except BaseException as exc:  # noqa: BLE001 - PanicException, MemoryError, anything: report, never traceback
        refusal = _refusal_from(exc)
        result = ("refused", (refusal.cause, refusal.hint))
    try:
        sender.send(result)
    except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while pickling a huge result
        with contextlib.suppress(BaseException):  # else the parent sees EOF and reports the exit code
            sender.send(("refused", (f"too large to hand over: {type(exc).__name__}", "split the list")))
    finally:
        sender.close()


def _limit_memory(budget: int) -> None:
    """Allow the child its current address space plus ``budget`` (never more than an inherited hard limit)."""
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        current = 0
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = current + budget
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an aborted reader must not leave a core file


def _silence_native_output() -> None:
    """Rust prints panic messages straight to file descriptor 2; the parent reports one line instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _death_cause(exitcode: int | None, limits: Limits) -> str:
    budget = f"{limits.memory_bytes / 2**30:.1f} GB"
    if exitcode in (-6, -9):
        return (f"the reader ran out of memory (limit {budget}): the sheet is far larger than it looks "
                "(a value far outside the table?) or the file is damaged")
    if exitcode == -11:
        return "the reader crashed on this file (segmentation fault): the file is probably damaged"
    return f"the reader stopped unexpectedly (exit code {exitcode}): the file is probably damaged"


_PASSWORD = re.compile(r"password|encrypt", re.IGNORECASE)


def _refusal_from(exc: BaseException) -> GuardRefusal:
    """Turn an engine's exception into one line for the team and a hint."""
    name = type(exc).__name__
    text = _one_line(str(exc)) or name
    resave = "open it in Excel and save it again as .xlsx; if that fails, ask for a new copy"
    if isinstance(exc, MemoryError):
        return GuardRefusal("the reader ran out of memory: the file is far larger than it looks or damaged",
                            "delete stray cells far outside the table, or split the list")
    if name == "PasswordError" or _PASSWORD.search(text):
        return GuardRefusal("the workbook is password-protected (encrypted)",
                            "ask the owner to remove the password and send it again")
    if name == "PanicException":
        return GuardRefusal(f"corrupt: the reader failed on this file (calamine: {text})", resave)
    if name in ("XmlError", "ParseError", "XMLSyntaxError"):
        return GuardRefusal(f"corrupt: invalid XML inside the workbook ({text})", resave)
    if name in ("ZipError", "BadZipFile"):
        return GuardRefusal(f"corrupt: damaged ZIP container ({text})", resave)
    if name in ("CompDocError", "XLRDError") or "Cfb" in text or "OLE" in text:
        return GuardRefusal(f"corrupt or not an Excel file ({text})", resave)
    return GuardRefusal(f"cannot be read: {name}: {text}", resave)


# --------------------------------------------------------------------------
# engines (run in the child)
# --------------------------------------------------------------------------


def _read_container(path: Path, container: Container, limits: Limits) -> tuple[str, list[Sheet], list[str]]:
    kind = container.kind
    if kind == "xls_old":
        return "xlrd", _read_xlrd(path, limits), []
    scans = _prescan_xlsx(path, container.part, limits) if kind == "xlsx" else {}
    try:
        sheets, notes = _read_calamine(path, kind, limits, scans)
        return "calamine", sheets, notes
    except GuardRefusal:
        raise
    except BaseException as exc:  # noqa: BLE001 - PanicException; try the other engine before giving up
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        first = _refusal_from(exc)
        if first.cause.startswith("the workbook is password-protected") or kind not in ("xls", "xlsx"):
            raise first from None
    try:
        if kind == "xls":
            return "xlrd", _read_xlrd(path, limits), [f"calamine konnte die Datei nicht lesen ({first.cause}); gelesen mit xlrd"]
        return "openpyxl", _read_openpyxl(path, limits, scans), [f"calamine konnte die Datei nicht lesen ({first.cause}); gelesen mit openpyxl"]
    except GuardRefusal:
        raise
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        second = _refusal_from(exc)
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


_CALAMINE_STATE = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}
_CALAMINE_KIND = {"WorkSheet": "worksheet", "ChartSheet": "chartsheet", "MacroSheet": "macrosheet",
                  "DialogSheet": "dialogsheet", "Vba": "vba"}


def _read_calamine(path: Path, kind: str, limits: Limits, scans: dict[str, Any]) -> tuple[list[Sheet], list[str]]:
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
                sheet = Sheet(info, error=_refusal_from(exc).cause)
            filled += sheet.filled_cells()
            if filled > limits.max_filled_cells:
                raise GuardRefusal(f"too large: more than {limits.max_filled_cells:,} filled cells", "split the list")
            sheets.append(sheet)
    if kind == "xls":
        notes.extend(_patch_xls_errors(path, sheets, limits))
    elif kind in ("xlsb",):
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
    return _finish(info, rows, merged)


def _from_errors_only(info: SheetInfo, merged: tuple[CellRange, ...], scan: Any) -> Sheet:
    rows: dict[int, list[CellValue]] = {}
    for (row, col), text in scan.errors.items():
        values = rows.setdefault(row, [])
        values.extend([None] * (col - len(values)))
        values[col - 1] = text
    return _finish(info, rows, merged)


def _finish(info: SheetInfo, rows: dict[int, list[CellValue]], merged: tuple[CellRange, ...]) -> Sheet:
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


def _patch_xls_errors(path: Path, sheets: list[Sheet], limits: Limits) -> list[str]:
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
                patched = _finish(target.info, rows, target.merged)
                target.rows, target.width, target.last_row = patched.rows, patched.width, patched.last_row
    except Exception:  # noqa: BLE001
        return ["Fehlerwerte (#NV, #DIV/0! ...) nicht vollständig prüfbar"]
    finally:
        book.release_resources()
    return []


def _read_xlrd(path: Path, limits: Limits) -> list[Sheet]:
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
            sheet = _finish(info, rows, merged)
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


def _read_openpyxl(path: Path, limits: Limits, scans: dict[str, Any]) -> list[Sheet]:
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
            sheet = _finish(info, rows, ())
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


# --------------------------------------------------------------------------
# formatting (openpyxl, read-only, bounded)
# --------------------------------------------------------------------------

# Office 2013+ default theme, used when a workbook carries none: lt1, dk1, lt2, dk2, accent1-6, hlink, folHlink
_DEFAULT_THEME = ["FFFFFF", "000000", "E7E6E6", "44546A", "4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47",
                  "0563C1", "954F72"]
_THEME_ORDER = ["lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6", "hlink", "folHlink"]


def _read_styles(path: Path, sheet_name: str, first_row: int, last_row: int, first_col: int,
                 last_col: int) -> dict[tuple[int, int], CellStyle]:
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True, keep_links=False)
    try:
        if sheet_name not in wb.sheetnames:
            raise GuardRefusal(f"openpyxl finds no sheet {sheet_name!r} (Strict OOXML?)")
        theme = _theme_colours(getattr(wb, "loaded_theme", None))
        ws = wb[sheet_name]
        cells: dict[tuple[int, int], CellStyle] = {}
        for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
            for cell in row:
                if not getattr(cell, "has_style", False):
                    continue
                fill = cell.fill
                colour = None
                if fill is not None and getattr(fill, "fill_type", None) == "solid":
                    colour = _rgb(fill.fgColor, theme)
                font = cell.font
                strike = bool(font is not None and font.strike)
                if colour or strike:
                    cells[(cell.row, cell.column)] = CellStyle(colour, strike)
        return cells
    finally:
        wb.close()


def _theme_colours(theme_xml: bytes | None) -> list[str]:
    if not theme_xml:
        return list(_DEFAULT_THEME)
    try:
        root = ElementTree.fromstring(theme_xml)
    except ElementTree.ParseError:
        return list(_DEFAULT_THEME)
    found: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in _THEME_ORDER and len(element):
            child = element[0]
            found[tag] = child.get("lastClr") or child.get("val") or ""
    return [found.get(tag) or default for tag, default in zip(_THEME_ORDER, _DEFAULT_THEME, strict=True)]


def _rgb(colour: Any, theme: list[str]) -> str | None:
    """An openpyxl colour as RRGGBB: rgb, indexed or theme colour with tint."""
    if colour is None:
        return None
    kind = getattr(colour, "type", None)
    if kind == "rgb":
        value = colour.rgb
        return value[-6:].upper() if isinstance(value, str) and len(value) >= 6 else None
    if kind == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        index = colour.indexed
        if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) and index < 64:
            return COLOR_INDEX[index][-6:].upper()
        return None
    if kind == "theme":
        index = colour.theme
        if not isinstance(index, int) or not 0 <= index < len(theme):
            return None
        return _tinted(theme[index], float(colour.tint or 0.0))
    return None


def _tinted(rgb: str, tint: float) -> str:
    """Excel's tint: lighten or darken the luminance in HLS space."""
    try:
        r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return rgb
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, max(0.0, min(1.0, lum)), s)
    return "".join(f"{round(c * 255):02X}" for c in (r, g, b))


def iter_values(sheet: Sheet) -> Iterator[tuple[int, int, CellValue]]:
    """(row, column 1-based, value) of every filled cell."""
    for number, values in sheet.rows:
        for col, value in enumerate(values, start=1):
            if value is not None:
                yield number, col, value


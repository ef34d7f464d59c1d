"""The sheets of the stewards' filled work lists in a corrections folder, for the readers of their decisions.

Every reader of a decision sheet (review pairs, unknown values) walks the folder the same way: office
lock and hidden files skipped, unreadable workbooks left to the corrections reader (it reports them),
sheets that failed to read skipped. The newest file wins a decision taken twice, so each sheet comes
with its file's modification time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jhmig.decisions import SPREADSHEET_SUFFIXES
from jhmig.errors import SourceReadError
from jhmig.extract.workbook import Sheet, open_workbook


def decision_sheets(folder: Path | None, *, with_csv: bool = True, isolate: bool = True) -> Iterator[tuple[Path, float, Sheet]]:
    """(file, modification time, sheet) of every readable sheet of the spreadsheets in ``folder`` (recursive)."""
    if folder is None or not folder.is_dir():
        return
    suffixes = SPREADSHEET_SUFFIXES if with_csv else SPREADSHEET_SUFFIXES - {".csv"}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(("~$", ".~lock.", ".")) or path.suffix.lower() not in suffixes:
            continue
        try:
            workbook = open_workbook(path, display=path.name, isolate=isolate)
        except SourceReadError:
            continue  # the corrections reader reports unreadable files
        mtime = path.stat().st_mtime
        for sheet in workbook.sheets:
            if not sheet.error:
                yield path, mtime, sheet

"""Read the data stewards' decisions from the project's corrections folder.

Stewards fill in ``fehlerliste.xlsx`` (one sheet per rule, see
:mod:`jhmig.reports.excel_report`) or a CSV with the same columns, and the
team drops the files into the corrections folder. This module reads every
such file into :class:`StewardDecision` records: what was decided, by whom and
when, and which source cell or record it is about. Whether a decision still
fits the current source is judged later (:mod:`jhmig.transform.corrections`).

The column headers (the contract between the list that is written and the
list that is read back) and the records live in :mod:`jhmig.decisions`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jhmig.decisions import (
    DECISION_SPELLINGS,
    FALLBACK_COLUMNS,
    HEADER_KEYS,
    SPREADSHEET_SUFFIXES,
    CorrectionFile,
    CorrectionsRead,
    Origin,
    StewardDecision,
    Target,
)
from jhmig.errors import SourceReadError
from jhmig.extract.cells import CellValue, cell_text
from jhmig.extract.workbook import open_workbook

_HEADER_SEARCH_ROWS = 5  # the header of a steward sheet is in its first rows


def read_corrections(folder: Path, *, isolate: bool = True) -> CorrectionsRead:
    """Every decision in every list of ``folder``; a missing folder holds none, an unreadable file is noted."""
    result = CorrectionsRead(str(folder))
    if not folder.is_dir():
        return result
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.name.startswith(("~$", ".~lock.", ".")) or path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            result.ignored.append(name)
            continue
        entry = CorrectionFile(name)
        result.files.append(entry)
        try:
            workbook = open_workbook(path, display=name, isolate=isolate)
        except SourceReadError as exc:
            entry.error = exc.message
            continue
        mtime = path.stat().st_mtime
        for sheet in workbook.sheets:
            if sheet.error:
                continue
            rows = dict(sheet.rows)
            header_row = _header_row(rows)
            if header_row is None:
                continue
            columns = {i: HEADER_KEYS[h] for i, h in enumerate(_texts(rows[header_row])) if h in HEADER_KEYS}
            for number, values in sheet.rows:
                if number <= header_row:
                    continue
                entry.rows += 1
                cells = {key: values[i] if i < len(values) else None for i, key in columns.items()}
                decision = _decision(cells, Origin(name, sheet.name, number, mtime))
                if decision is not None:
                    entry.decisions += 1
                    result.decisions.append(decision)
    return result


def _texts(values: tuple[CellValue, ...]) -> list[str]:
    return [(cell_text(v) or "").casefold() for v in values]


def _header_row(rows: dict[int, tuple[CellValue, ...]]) -> int | None:
    """The row that names the decision column and the source line (the Übersicht sheet has neither)."""
    for number in sorted(rows)[:_HEADER_SEARCH_ROWS]:
        texts = set(_texts(rows[number]))
        if "entscheidung" in texts and ("zeile" in texts or "_src_line" in texts):
            return number
    return None


def _decision(cells: dict[str, CellValue], origin: Origin) -> StewardDecision | None:
    written = (cell_text(cells.get("decision")) or "").strip()
    if not written:
        return None  # no decision: the steward has not looked at this row yet
    def pick(key: str) -> str:
        value = cell_text(cells.get(key)) if key in cells else None
        if value is None and key in FALLBACK_COLUMNS:
            value = cell_text(cells.get(FALLBACK_COLUMNS[key]))
        return value or ""

    src_value = cells.get("src_value")
    target = Target(
        source_system=pick("source_system"), entity=pick("entity"), src_path=pick("src_path"), src_sheet=pick("src_sheet"),
        src_line=_line(pick("src_line")), field=pick("field"), src_column=pick("src_column"), legacy_key=pick("legacy_key"),
        rule_id=pick("rule_id"), finding_value=pick("finding_value"),
        src_value=(cell_text(src_value) or "") if "src_value" in cells and pick("value_form") != "none" else None,
        value_form=pick("value_form"), row_key=pick("row_key"),
    )
    corrected = cells.get("corrected")
    if isinstance(corrected, str):
        corrected = corrected.strip() or None
    return StewardDecision(
        decision=DECISION_SPELLINGS.get(written.casefold(), written), corrected=corrected, by=(cell_text(cells.get("by")) or "").strip(),
        on=decision_date(cells.get("on")), origin=origin, target=target,
    )


def _line(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def decision_date(value: CellValue) -> dt.date | None:
    """A "Datum" cell: a typed date, or text in the usual German and ISO forms; None when it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"):
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None

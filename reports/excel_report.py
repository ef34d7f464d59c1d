"""``fehlerliste.xlsx``: the findings of a run as a work list for data stewards.

The only module that writes xlsx. One sheet per rule, one row per finding,
with the source location, the rule's fix and empty columns for the steward's
decision (drop-down: korrigieren / akzeptieren / nicht migrieren), the
corrected value, name and date; a first sheet "Übersicht" with counts and
instructions. Hidden technical columns let the next run find the exact source
cell again (:mod:`jhmig.extract.corrections` reads the list back; the headers
are its contract).

How it is written, and why: openpyxl in write-only mode builds the workbook
(styles, column widths, hidden columns, frozen header, autofilter, the
drop-down) with the header row of every sheet. openpyxl spends ~7 µs per cell,
a 100,000-finding rule (27 columns) took 17-20 s; so the data rows are
rendered here, vectorised with pandas, as inline-string cells and streamed
into the sheet parts of the saved file (measured: 100,000 rows in about 2 s).
Every value becomes a string or number cell, never a formula: a source value
such as ``=SUM(A1)`` stays text.
"""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jhmig.decisions import DECISIONS, HIDDEN_COLUMNS, STEWARD_COLUMNS, VISIBLE_COLUMNS
from jhmig.reports.masking import Hider, field_kind
from jhmig.catalog import RuleCatalog

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767
OVERVIEW = "Übersicht"
SEVERITY_DE = {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}
HEADERS = VISIBLE_COLUMNS + STEWARD_COLUMNS + HIDDEN_COLUMNS
_KEYS = [k for _, k in HEADERS]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_WIDTHS = {"rule": 24, "severity": 9, "file": 18, "sheet": 10, "line": 7, "column": 16, "key": 24, "value": 22,
           "message": 60, "fix": 45, "decision": 17, "corrected": 20, "by": 16, "on": 12}
_NUMBER_KEYS = {"line", "src_line"}
_CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # what openpyxl and Excel refuse in text
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEETS = {OVERVIEW.casefold(), "history"}  # Excel reserves "History"
_CHUNK_ROWS = 20_000  # rows rendered at once (bounds memory: ~2 KB of XML per row)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_STEWARD_FILL = PatternFill("solid", fgColor="FFF2CC")  # "fill in here"

INSTRUCTIONS = (
    "So bearbeiten Sie diese Liste:",
    "1. Jedes Blatt enthält die Befunde einer Prüfregel; Datei, Blatt, Zeile und Spalte zeigen die Fundstelle in der Quelle.",
    "2. Wählen Sie in der Spalte 'Entscheidung': korrigieren, akzeptieren oder nicht migrieren.",
    "   - korrigieren: den richtigen Wert in 'Korrigierter Wert' eintragen, genau so, wie ihn die Quelle schreiben würde (z. B. 14.07.2012).",
    "   - akzeptieren: nur für Warnungen und Hinweise; der Satz wird übernommen, der Befund gilt als erledigt.",
    "   - nicht migrieren: der Satz (und was an ihm hängt) wird nicht übernommen; das wird im Lauf festgehalten.",
    "3. Tragen Sie in 'Bearbeitet von' Ihren Namen oder Ihr Kürzel und in 'Datum' das Datum ein.",
    "4. Ändern Sie keine anderen Spalten und löschen Sie keine Spalten; ausgeblendete Spalten werden für die Zuordnung gebraucht.",
    "5. Legen Sie die Datei in den Korrekturordner des Projekts (z. B. korrekturen/). Der nächste Probelauf wendet sie an",
    "   und berichtet in validierung.html, was angewendet wurde und was nicht mehr passt.",
    "Gibt es für dieselbe Zelle mehrere Korrekturen, gilt die mit dem späteren Datum.",
    "Frühere Entscheidungen sind in dieser Liste schon eingetragen; zurücknehmen: neue Entscheidung mit späterem Datum",
    "   eintragen oder die ältere Liste aus dem Korrekturordner nehmen.",
)


@dataclass
class FehlerlisteStats:
    rows: int = 0
    sheets: dict[str, int] = field(default_factory=dict)  # sheet -> rows written
    capped: dict[str, int] = field(default_factory=dict)  # sheet -> rows left out (Excel's row limit)
    seconds: float = 0.0


def write_fehlerliste(path: Path, findings: pd.DataFrame, *, status: pd.DataFrame | None = None, cells: pd.DataFrame | None = None,
                      catalog: RuleCatalog, run_uid: str, hider: Hider | None = None,
                      max_rows: int = EXCEL_MAX_ROWS) -> FehlerlisteStats:
    """Write the work list. ``hider`` pseudonymises personal values (the list is plain otherwise: stewards must see what to fix)."""
    started = time.perf_counter()
    stats = FehlerlisteStats()
    status = status if status is not None else pd.DataFrame({"status": "offen", "by": "", "on": ""}, index=findings.index)
    cells = cells if cells is not None else pd.DataFrame({"src_column": pd.NA, "src_value": pd.NA}, index=findings.index)
    data = findings.join(status).join(cells)
    rules = _rule_order(data)
    names = sheet_names([r for r, _ in rules])
    limit = max_rows - 2  # the header and a closing note

    wb = Workbook(write_only=True)
    overview = wb.create_sheet(OVERVIEW)
    bodies: dict[str, Callable[[IO[bytes]], None]] = {}
    sheets = []
    for number, (rule_id, part) in enumerate(rules, start=2):  # openpyxl names the parts sheet1.xml, sheet2.xml, ... in order
        ws = wb.create_sheet(names[rule_id])
        part = part.sort_values(["src_path", "src_sheet", "src_line"], kind="stable", na_position="first")
        left_out = max(len(part) - limit, 0)
        part = part.iloc[:limit]
        _write_rule_frame(ws, len(part))
        bodies[f"xl/worksheets/sheet{number}.xml"] = _body_writer(part, left_out, catalog, run_uid, hider)
        stats.sheets[names[rule_id]] = len(part)
        stats.rows += len(part)
        if left_out:
            stats.capped[names[rule_id]] = left_out
        sheets.append((rule_id, names[rule_id], part, len(part), left_out))
    _write_overview(overview, sheets, data, catalog, run_uid, findings_total=len(findings))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame_path = path.with_name(path.name + ".part")
    wb.save(frame_path)
    try:
        _stream_bodies(frame_path, path, bodies)
    finally:
        frame_path.unlink(missing_ok=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _rule_order(findings: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rules with errors first, then warnings, then notes; bigger first."""
    groups = [(str(r), part) for r, part in findings.groupby("rule_id", sort=False)]
    return sorted(groups, key=lambda g: (min(_SEVERITY_ORDER.get(s, 3) for s in g[1]["severity"]), -len(g[1]), g[0]))


def sheet_names(rule_ids: list[str]) -> dict[str, str]:
    """Excel-safe, unique (case-insensitively) sheet names of at most 31 characters."""
    used = set(_RESERVED_SHEETS)
    out: dict[str, str] = {}
    for rule_id in rule_ids:
        base = _BAD_SHEET_CHARS.sub("_", rule_id).strip("'").strip() or "Regel"
        name, n = base[:31], 1
        while name.casefold() in used:
            n += 1
            suffix = f"~{n}"
            name = base[:31 - len(suffix)] + suffix
        used.add(name.casefold())
        out[rule_id] = name
    return out


# --------------------------------------------------------------------------
# the frame of a rule sheet (openpyxl) and its rows (streamed)
# --------------------------------------------------------------------------


def _write_rule_frame(ws, n: int) -> None:  # type: ignore[no-untyped-def]
    """Widths, hidden technical columns, frozen header, header row, autofilter and drop-down for ``n`` data rows."""
    steward = {k for _, k in STEWARD_COLUMNS}
    for i, (_, key) in enumerate(HEADERS, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = _WIDTHS.get(key, 12)
        if i > len(VISIBLE_COLUMNS) + len(STEWARD_COLUMNS):
            dim.hidden = True
        if key == "corrected":
            dim.number_format = "@"  # what stewards type stays text (a typed 01662 keeps its zero, a date its format)
        elif key == "on":
            dim.number_format = "DD.MM.YYYY"
    ws.freeze_panes = "A2"
    head = []
    for title, key in HEADERS:
        cell = WriteOnlyCell(ws, title)
        cell.font = _HEAD_FONT
        cell.fill = _STEWARD_FILL if key in steward else _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        head.append(cell)
    ws.append(head)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{n + 1}"
    if n:
        col = get_column_letter(_KEYS.index("decision") + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Entscheidung", error="Bitte wählen: " + ", ".join(DECISIONS))
        dv.add(f"{col}2:{col}{n + 1}")
        ws.data_validations.append(dv)


def _body_writer(part: pd.DataFrame, left_out: int, catalog: RuleCatalog, run_uid: str,
                 hider: Hider | None) -> Callable[[IO[bytes]], None]:
    def write(out: IO[bytes]) -> None:
        columns = _columns(part, catalog, run_uid, hider)
        for text in _rows_xml([columns[k] for k in _KEYS], first_row=2, numeric=[k in _NUMBER_KEYS for k in _KEYS]):
            out.write(text.encode("utf-8"))
        if left_out:
            note = pd.Series([f"Excel fasst nicht mehr Zeilen: {left_out} weitere Befunde dieser Regel stehen nur in findings.csv."])
            for text in _rows_xml([note], first_row=len(part) + 2, numeric=[False]):
                out.write(text.encode("utf-8"))
    return write


def _columns(part: pd.DataFrame, catalog: RuleCatalog, run_uid: str, hider: Hider | None) -> dict[str, pd.Series]:
    """Every column of a rule sheet as a Series (one rule may have 100k rows: no per-row Python)."""
    value, message = part["value"].astype("string"), part["message"].astype("string")
    src_value = part["src_value"].astype("string")
    # "none": the cell behind the finding was not found, so the next run has no value to compare with
    form = pd.Series("", index=part.index, dtype="string").where(part["src_column"].notna(), "none")
    if hider is not None:
        value = hider.values(value, part["field"])
        message = hider.texts(message)
        kinds = part["field"].map(lambda f: field_kind(None if pd.isna(f) else str(f)))
        personal = kinds.notna() & src_value.notna() & (src_value != "")
        if personal.any():
            src_value = src_value.copy()
            src_value[personal] = [hider.redact(str(v), str(k)) for v, k in zip(src_value[personal], kinds[personal])]
            form[personal] = "pseudonym:" + kinds[personal].astype("string")
    rule_id = str(part["rule_id"].iloc[0]) if len(part) else ""
    fixes = {e: catalog.get(rule_id, None if pd.isna(e) else str(e)).fix for e in part["entity"].unique()}
    decided = part["status"] != "offen"
    decision = part["status"].map({"akzeptiert": "akzeptieren", "ausgeschlossen": "nicht migrieren"})
    line = part["src_line"].astype("Int64")
    return {
        "rule": part["rule_id"], "severity": part["severity"].map(lambda s: SEVERITY_DE.get(s, s)),
        "file": part["src_path"], "sheet": part["src_sheet"], "line": line,
        "column": part["src_column"].astype("string").fillna(part["field"].astype("string")), "key": part["legacy_key"],
        "value": value, "message": message, "fix": part["entity"].map(fixes),
        "decision": decision.where(decided), "corrected": pd.Series(pd.NA, index=part.index, dtype="string"),
        "by": part["by"].where(decided), "on": part["on"].where(decided),
        "source_system": part["source_system"], "entity": part["entity"], "src_path": part["src_path"],
        "src_sheet": part["src_sheet"], "src_line": line, "field": part["field"], "src_column": part["src_column"],
        "legacy_key": part["legacy_key"], "rule_id": part["rule_id"], "finding_value": value, "src_value": src_value,
        "value_form": form, "run_uid": pd.Series(run_uid, index=part.index, dtype="string"),
    }


def _rows_xml(columns: list[pd.Series], *, first_row: int, numeric: list[bool]) -> Iterator[str]:
    """SpreadsheetML ``<row>`` elements, rendered column by column with vectorised string operations.

    Text goes into inline-string cells (never ``<f>``: no formula can arise), numbers into ``<v>``;
    empty values produce no cell.
    """
    letters = [get_column_letter(i + 1) for i in range(len(columns))]
    n = len(columns[0]) if columns else 0
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(n, start + _CHUNK_ROWS)
        rownum = pd.Series(np.arange(first_row + start, first_row + stop), dtype="int64").astype("string")
        cells = []
        for letter, col, is_number in zip(letters, columns, numeric):
            values = col.iloc[start:stop].reset_index(drop=True)
            ref = '<c r="' + letter + rownum
            if is_number:
                cells.append(ref + '"><v>' + values.astype("string") + "</v></c>")
            else:
                cells.append(ref + '" t="inlineStr"><is><t xml:space="preserve">' + _xml_text(values) + "</t></is></c>")
        rows = ('<row r="' + rownum + '">').str.cat(cells, na_rep="")  # one pass over all columns; empty -> no cell
        yield "</row>".join(rows.tolist()) + "</row>"


def _xml_text(values: pd.Series) -> pd.Series:
    """Text as Excel accepts it inside ``<t>``: no control characters, at most 32,767 characters, XML-escaped; "" -> no cell."""
    s = values.astype("string")
    s = s.mask(s == "")
    if s.str.contains(_CONTROL_CHARS, regex=True).fillna(False).any():
        s = s.str.replace(_CONTROL_CHARS, "\ufffd", regex=True)
    too_long = (s.str.len() > EXCEL_MAX_CELL_CHARS).fillna(False)
    if too_long.any():
        s = s.where(~too_long, s.str.slice(0, EXCEL_MAX_CELL_CHARS - 1) + "…")
    s = s.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False)
    return s.str.replace("\r", "&#13;", regex=False)  # a bare CR would be read back as LF (multi-line remarks)


def _stream_bodies(frame_path: Path, path: Path, bodies: dict[str, Callable[[IO[bytes]], None]]) -> None:
    """Copy the workbook openpyxl wrote, streaming the data rows into the rule sheets before ``</sheetData>``."""
    end = b"</sheetData>"
    # compresslevel 1: three times faster than the default on ~2 KB of XML per row, the file ~20 % larger
    with zipfile.ZipFile(frame_path) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            writer = bodies.get(info.filename)
            if writer is None:
                with src.open(info) as fin, dst.open(info, "w") as fout:
                    shutil.copyfileobj(fin, fout)
                continue
            xml = src.read(info)
            head, tail = xml.split(end, 1)
            with dst.open(info.filename, "w", force_zip64=True) as fout:  # zip64: a sheet at Excel's row limit exceeds 2 GB
                fout.write(head)
                writer(fout)
                fout.write(end + tail)


def _write_overview(ws, sheets: list[tuple[str, str, pd.DataFrame, int, int]], data: pd.DataFrame,  # type: ignore[no-untyped-def]
                    catalog: RuleCatalog, run_uid: str, findings_total: int) -> None:
    for letter, width in zip("ABCDEFG", (28, 60, 10, 10, 10, 28, 50)):
        ws.column_dimensions[letter].width = width
    title = WriteOnlyCell(ws, f"Fehlerliste zum Lauf {run_uid}")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append([f"{findings_total} Befunde in {len(sheets)} Regeln; offen: {int((data['status'] == 'offen').sum())}"])
    ws.append([])
    for line in INSTRUCTIONS:
        ws.append([line])
    ws.append([])
    head = []
    for text in ("Regel", "Titel", "Schwere", "Befunde", "offen", "Blatt", "Hinweis"):
        cell = WriteOnlyCell(ws, text)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        head.append(cell)
    ws.append(head)
    for rule_id, sheet, part, written, left_out in sheets:
        worst = min(part["severity"].unique(), key=lambda s: _SEVERITY_ORDER.get(s, 3))
        total = int((data["rule_id"] == rule_id).sum())
        still_open = int(((data["rule_id"] == rule_id) & (data["status"] == "offen")).sum())
        note = f"nur {written} von {total} Zeilen (Excel-Grenze); alle in findings.csv" if left_out else None
        # rule ids and titles come from code, not from the source: no formula can hide in them
        ws.append([rule_id, catalog.get(rule_id, str(part["entity"].iloc[0])).title, SEVERITY_DE.get(worst, worst),
                   total, still_open, sheet, note])

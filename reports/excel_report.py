"""``fehlerliste.xlsx``: the findings of a run as a work list for data stewards.

One sheet per rule, one row per finding, with the source location, the rule's
fix and empty columns for the steward's decision (drop-down: korrigieren /
akzeptieren / nicht migrieren), the corrected value, name and date; a first
sheet "Übersicht" with counts and instructions. Hidden technical columns let
the next run find the exact source cell again (:mod:`jhmig.extract.corrections`
reads the list back; the headers are its contract, imported in
:mod:`.excel_rule_sheet`).

How it is written, and why: openpyxl in write-only mode builds the workbook
(styles, column widths, hidden columns, frozen header, autofilter, the
drop-down) with the header row of every sheet (:mod:`.excel_rule_sheet`);
the data rows are rendered vectorised with pandas and streamed into the sheet
parts of the saved file (:mod:`.excel_xml`: 100,000 rows in about 2 s instead
of 17-20 s through openpyxl). These modules are the only ones that write xlsx.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jhmig.catalog import RuleCatalog
from jhmig.reports.excel_rule_sheet import body_writer, write_rule_frame
from jhmig.reports.excel_styles import HEAD_FILL, HEAD_FONT, SEVERITY_DE, SEVERITY_ORDER
from jhmig.reports.excel_xml import stream_bodies
from jhmig.reports.masking import Hider

__all__ = ["EXCEL_MAX_ROWS", "FehlerlisteStats", "INSTRUCTIONS", "OVERVIEW", "SEVERITY_DE", "sheet_names", "write_fehlerliste"]

EXCEL_MAX_ROWS = 1_048_576
OVERVIEW = "Übersicht"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEETS = {OVERVIEW.casefold(), "history"}  # Excel reserves "History"

INSTRUCTIONS = (
    "So bearbeiten Sie diese Liste:",
    "1. Jedes Blatt enthält die Befunde einer Prüfregel; Datei, Blatt, Zeile und Spalte zeigen die Fundstelle in der Quelle.",
    "2. Wählen Sie in der Spalte 'Entscheidung': korrigieren, akzeptieren oder nicht migrieren.",
    "   - korrigieren: den richtigen Wert in 'Korrigierter Wert' eintragen, genau so, wie ihn die Quelle schreiben würde (ein Datum als TT.MM.JJJJ).",
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
                      max_rows: int = EXCEL_MAX_ROWS, review: pd.DataFrame | None = None,
                      review_redact: Callable[[str, str], str] | None = None,
                      detached: pd.DataFrame | None = None, unknown: pd.DataFrame | None = None,
                      carried: pd.DataFrame | None = None) -> FehlerlisteStats:
    """Write the work list. ``hider`` pseudonymises personal values (the list is plain otherwise: stewards must see what to fix).

    ``review``: the matching's review band; ``detached``: records that leave an id an earlier run merged them under
    (:func:`jhmig.steps_match.detached_table`); both show names and birth dates through ``review_redact``.
    ``unknown``: list values no rule could code, one row per (field, value) with its candidates (sheet "Unbekannte Werte").
    ``carried``: applied corrections whose finding is gone (:meth:`CorrectionPlan.carried`), with their decision
    filled in, on their rule's sheet: every decision still in force is in the newest list."""
    started = time.perf_counter()
    stats = FehlerlisteStats()
    status = status if status is not None else pd.DataFrame({"status": "offen", "by": "", "on": ""}, index=findings.index)
    cells = cells if cells is not None else pd.DataFrame({"src_column": pd.NA, "src_value": pd.NA}, index=findings.index)
    data = findings.join(status).join(cells)
    if carried is not None and len(carried):
        data = pd.concat([data, carried], ignore_index=True)
    rules = _rule_order(data)
    names = sheet_names([r for r, _ in rules], {r: catalog.get(r, _first_entity(part)).title for r, part in rules})
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
        write_rule_frame(ws, len(part))
        bodies[f"xl/worksheets/sheet{number}.xml"] = body_writer(part, left_out, catalog, run_uid, hider)
        stats.sheets[names[rule_id]] = len(part)
        stats.rows += len(part)
        if left_out:
            stats.capped[names[rule_id]] = left_out
        sheets.append((rule_id, names[rule_id], part, len(part), left_out))
    _write_overview(overview, sheets, data, catalog, run_uid, findings_total=len(findings))
    if unknown is not None and len(unknown):  # after the rule sheets (their parts keep their numbers), before the streamed detached sheet
        from jhmig.reports.unknown_sheet import write_unknown_sheet
        from jhmig.unknown_values import UNKNOWN_SHEET

        stats.sheets[UNKNOWN_SHEET] = write_unknown_sheet(wb, unknown)
    if review is not None and len(review):  # last: the rule sheets' parts keep their numbers
        from jhmig.reports.review_sheet import write_review_sheet

        stats.sheets["Abgleich Personen"] = write_review_sheet(wb, review, review_redact)
    if detached is not None and len(detached):  # after the review sheet: its part is the last one
        from jhmig.reports.detached_sheet import DETACHED_SHEET, detached_body, write_detached_frame

        write_detached_frame(wb, len(detached))
        bodies[f"xl/worksheets/sheet{len(wb.worksheets)}.xml"] = detached_body(detached, review_redact)
        stats.sheets[DETACHED_SHEET] = len(detached)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame_path = path.with_name(path.name + ".part")
    wb.save(frame_path)
    try:
        stream_bodies(frame_path, path, bodies)
    finally:
        frame_path.unlink(missing_ok=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _first_entity(part: pd.DataFrame) -> str | None:
    entities = part["entity"].dropna()
    return str(entities.iloc[0]) if len(entities) else None


def _rule_order(findings: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rules with errors first, then warnings, then notes; bigger first."""
    groups = [(str(r), part) for r, part in findings.groupby("rule_id", sort=False)]
    return sorted(groups, key=lambda g: (min(SEVERITY_ORDER.get(s, 3) for s in g[1]["severity"]), -len(g[1]), g[0]))


def sheet_names(rule_ids: list[str], titles: Mapping[str, str] | None = None) -> dict[str, str]:
    """Excel-safe, unique (case-insensitively) sheet names of at most 31 characters.

    ``titles``: the rules' German titles; a sheet is named by its title shortened at a word
    ("kein gültiges Datum", not ``gx.participant.valid_from_not_n``). The rule id is in the
    sheet's column *Regel* and on the overview beside the sheet's name.
    """
    used = set(_RESERVED_SHEETS)
    out: dict[str, str] = {}
    for rule_id in rule_ids:
        title = (titles or {}).get(rule_id)
        base = _short_title(title) if title else ""
        base = _BAD_SHEET_CHARS.sub("_", base or rule_id).strip("'").strip() or "Regel"
        name, n = base[:31], 1
        while name.casefold() in used:
            n += 1
            suffix = f" ({n})"
            name = base[:31 - len(suffix)].rstrip() + suffix
        used.add(name.casefold())
        out[rule_id] = name
    return out


_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def _short_title(title: str, limit: int = 31) -> str:
    """A rule title as a sheet name: without its examples in parentheses, cut at a word to ``limit`` characters."""
    text = " ".join(_PARENTHESES.sub("", title).replace(":", " ").split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut[:cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;-") + "…"


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
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        head.append(cell)
    ws.append(head)
    for rule_id, sheet, part, written, left_out in sheets:
        worst = min(part["severity"].unique(), key=lambda s: SEVERITY_ORDER.get(s, 3))
        total = int((data["rule_id"] == rule_id).sum())
        still_open = int(((data["rule_id"] == rule_id) & (data["status"] == "offen")).sum())
        note = f"nur {written} von {total} Zeilen (Excel-Grenze); alle in findings.csv" if left_out else None
        # rule ids and titles come from code, not from the source: no formula can hide in them
        ws.append([rule_id, catalog.get(rule_id, str(part["entity"].iloc[0])).title, SEVERITY_DE.get(worst, worst),
                   total, still_open, sheet, note])

"""Lists the shipped mappings never saw: six kinds of list in new combinations, with their truth.

For measuring (bench/list_accuracy.py), not for the demo: an ASD team list
with a grey closed block, a workbook with a two-row header and one sheet per
year (old years in a hidden sheet), a per-caseworker workbook with a closed
mark column, a CSV saved from Excel with a unit column, a JGH list, an
Inobhutnahme list. Column names, rate notations (in the value, a unit column
or the header), date notations and closed signals are drawn per file and
seed. Three files match no shipped mapping's globs: a run with the shipped
mappings must name them, not skip them silently.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jhmig.synth.lists_model import BodyRow, Cell, Column, FilePlan, SheetPlan
from jhmig.synth.lists_unseen_jgh import jgh_plan
from jhmig.synth.lists_unseen_rows import DEFAULT_VOCAB, Entry, ServiceVocab, date_cell, draw_entry, open_cell, rate_cells, rate_truth
from jhmig.synth.lists_unseen_vocab import FAMILY_NAMES, GIVEN_NAMES, HEADERS, UNIT_HEADERS
from jhmig.synth.lists_writer import write_file

UNSEEN_DIR = "unseen-lists"


@dataclass
class Style:
    name: str  # file name
    shipped: str | None  # the shipped mapping whose globs match it (asd / jgh), None: no mapping reads it
    csv: bool
    rate: str  # value | column | header
    unit: str | None  # header style: the one unit of the cost column
    closed: str  # grey | status | mark | sheet
    as_of: dt.date
    title: list[str]
    two_rows: bool = False


def person(rng: random.Random, as_of: dt.date, low: int = 0, high: int = 17) -> tuple[str, str, dt.date]:
    birth = as_of - dt.timedelta(days=rng.randint(low * 365 + 30, high * 365 + 300))
    return rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES), birth


def asd_columns(rng: random.Random, style: Style) -> list[Column]:
    h = {key: rng.choice(names) for key, names in HEADERS.items()}
    split = rng.random() < 0.5
    who = [Column("family", h["family"]), Column("given", h["given"])] if split else [Column("name_full", "Name, Vorname")]
    group = "Hilfe" if style.two_rows else ""
    cost = "Kosten" if style.two_rows else ""
    rate_name = rng.choice(UNIT_HEADERS[style.unit]) if style.rate == "header" and style.unit else rng.choice(("Kosten", "Betrag"))
    columns = [Column("az", h["az"]), *who, Column("birth", h["birth"]),
               Column("service", "Art" if group else h["service"], group), Column("provider", h["provider"], group),
               Column("start", h["start"], group), Column("end", h["end"], group),
               Column("rate", "Betrag" if cost else rate_name, cost)]
    if style.rate == "column":
        columns.append(Column("unit", "Einheit", cost))
    if style.closed == "status":
        columns.append(Column("status", "Status"))
    if style.closed == "mark":
        columns.append(Column("mark", h["mark"]))
    return columns + [Column("sb", h["sb"])]


def asd_row(rng: random.Random, sheet: SheetPlan, entry: Entry, style: Style, number: int, on_sheet: str) -> BodyRow:
    row = BodyRow(sheet.next_row(), "data")
    family, given, birth = person(rng, style.as_of)
    cells = row.cells
    put: Callable[[str, Cell], None] = lambda key, cell: cells.__setitem__(c, cell) if (c := sheet.col(key)) is not None else None
    put("az", Cell(f"{style.name[:3].upper()}-{style.as_of.year % 100}/{number:04d}"))
    put("family", Cell(family))
    put("given", Cell(given))
    put("name_full", Cell(f"{family}, {given}"))
    birth_cell, _ = date_cell(rng, birth, style.csv, partial=False)
    put("birth", birth_cell)
    put("service", Cell(entry.text))
    if entry.provider:
        put("provider", Cell(entry.provider))
    start_cell, start = date_cell(rng, entry.start, style.csv)
    put("start", start_cell)
    end: dict[str, Any] = {"date": None, "precision": None, "open": False}
    if entry.written_end is not None:
        end_cell, end = date_cell(rng, entry.written_end, style.csv, partial=False)
        put("end", end_cell)
    elif rng.random() < 0.3:
        end_cell, end = open_cell(rng)
        put("end", end_cell)
    if entry.rate_cents is not None and entry.unit is not None:
        amount, unit_cell = rate_cells(rng, entry.rate_cents, entry.unit, style.rate, style.csv)
        put("rate", amount)
        if unit_cell is not None:
            put("unit", unit_cell)
    put("sb", Cell(rng.choice(("KM", "AB", "LS", "TW"))))
    closed_by = _closed_marks(rng, row, sheet, entry, style, on_sheet)
    row.truth = {"department": "ASD", "service_type": entry.code, "free_text": entry.text, "free_text_kind": entry.text_kind,
                 "rate": rate_truth(entry.rate_cents, entry.unit), "start": start, "end": end,
                 "case_closed": closed_by is not None, "closed_by": closed_by, "birth_date": birth.isoformat()}
    return row


def _closed_marks(rng: random.Random, row: BodyRow, sheet: SheetPlan, entry: Entry, style: Style, on_sheet: str) -> str | None:
    """Marks the row as this file marks closed cases; -> what closes it (mark, sheet, end_date) or None."""
    if on_sheet == "hidden_old":
        return "sheet"
    if not entry.ended:
        if (col := sheet.col("status")) is not None and rng.random() < 0.6:
            row.cells[col] = Cell(rng.choice(("laufend", "läuft", "aktiv")))
        return None
    if rng.random() < 0.75:  # most closed rows are marked, the others only say so by their end date
        if style.closed == "grey":
            row.grey = True
            return "mark"
        if (col := sheet.col("status")) is not None:
            row.cells[col] = Cell(rng.choice(("beendet", "abgeschl.", "erledigt", "abgeschlossen")))
            return "mark"
        if (col := sheet.col("mark")) is not None:
            row.cells[col] = Cell(rng.choice(("x", "X", "erl.", "ja")))
            return "mark"
    return "end_date"


def skip_row(sheet: SheetPlan, kind: str, text: str = "") -> None:
    row = BodyRow(sheet.next_row(), kind)
    if text:
        row.cells[0] = Cell(text)
    sheet.body.append(row)


def fill_sheet(rng: random.Random, sheet: SheetPlan, entries: list[Entry], style: Style, counter: list[int],
               on_sheet: str = "") -> None:
    for index, entry in enumerate(entries):
        if index and rng.random() < 0.05:
            skip_row(sheet, "empty")
        if index == len(entries) // 2 and rng.random() < 0.5:
            skip_row(sheet, "note", f"ab hier {style.as_of.year}")
        counter[0] += 1
        sheet.body.append(asd_row(rng, sheet, entry, style, counter[0], on_sheet))
    if entries and not style.csv and (col := sheet.col("rate")) is not None:
        total = BodyRow(sheet.next_row(), "subtotal", {0: Cell("Summe")})
        total.cells[col] = Cell(sum(e.rate_cents or 0 for e in entries) // 100)
        sheet.body.append(total)


def asd_plan(rng: random.Random, style: Style, rows: int, vocab: ServiceVocab = DEFAULT_VOCAB) -> FilePlan:
    columns = asd_columns(rng, style)
    entries = [draw_entry(rng, style.as_of, style.unit or rng.choice(("month", "day", "hour", "year", "lump_sum", "week"))
                          if style.rate != "header" else style.unit, vocab) for _ in range(rows)]
    header_row = len(style.title) + 2
    counter = [0]
    sheets: list[SheetPlan] = []
    if style.closed == "sheet":  # one sheet per year; old years' closed cases in a hidden sheet
        old_year = style.as_of.year - 2
        old = [e for e in entries if e.ended and e.end is not None and e.end.year < old_year]
        for year in range(old_year, style.as_of.year + 1):
            part = [e for e in entries if e not in old and max(e.start.year, old_year) == year]
            sheet = SheetPlan(str(year), columns, style.title, header_row, two_row_header=style.two_rows)
            fill_sheet(rng, sheet, sorted(part, key=lambda e: e.start), style, counter)
            sheets.append(sheet)
        hidden = SheetPlan(f"bis {old_year - 1}", columns, [], 1, two_row_header=style.two_rows, hidden=True)
        fill_sheet(rng, hidden, old, style, counter, on_sheet="hidden_old")
        sheets.append(hidden)
    else:
        ordered = sorted(entries, key=lambda e: (e.ended, e.start)) if style.closed == "grey" else entries
        sheet = SheetPlan("" if style.csv else "Fälle", columns, style.title, header_row, two_row_header=style.two_rows)
        fill_sheet(rng, sheet, ordered, style, counter)
        sheets.append(sheet)
    return FilePlan(style.name, "ASD", "csv" if style.csv else "xlsx", sheets, author="ASD")


def styles(rng: random.Random) -> list[Style]:
    as_of = dt.date(2025, 3, 14) + dt.timedelta(days=rng.randint(-60, 60))
    unit = rng.choice(("day", "hour", "month"))
    return [
        Style(f"ASD_Team_Ost_Stand_{as_of:%Y-%m}.xlsx", "asd", False, rng.choice(("value", "column")), None, "grey",
              _month_end(as_of), ["Fallliste ASD Team Ost"]),
        Style("Fallliste_Sued_Jahre.xlsx", None, False, rng.choice(("column", "value")), None, "sheet", as_of,
              ["ASD Team Süd", f"Stand: {as_of:%d.%m.%Y}"], two_rows=True),
        Style("Faelle_Fr_Lindner.xlsx", None, False, "header", unit, "mark", _month_end(as_of),
              [f"Meine Fälle - Stand {as_of:%m/%Y}"]),
        Style("asd_west_export.csv", "asd", True, rng.choice(("column", "value")), None, "status", as_of,
              [f"Fallliste West, Stand {as_of:%d.%m.%Y}"]),
    ]


def _month_end(d: dt.date) -> dt.date:
    following = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def unseen_plans(seed: int, rows: int = 40, vocab: ServiceVocab = DEFAULT_VOCAB) -> tuple[list[FilePlan], dict[str, dict[str, Any]]]:
    rng = random.Random(f"unseen-lists-{seed}")
    plans: list[FilePlan] = []
    files: dict[str, dict[str, Any]] = {}
    for style in styles(rng):
        plans.append(asd_plan(rng, style, rows, vocab))
        files[style.name] = {"shipped_mapping": style.shipped, "department": "ASD", "as_of": style.as_of.isoformat(),
                             "rate_style": style.rate, "closed_style": style.closed}
    as_of = dt.date(2025, 3, 14) + dt.timedelta(days=rng.randint(-60, 60))
    for plan, shipped, kind in (jgh_plan(rng, as_of, rows, "JGH_Verfahren.xlsx", kind="jgh"),
                                jgh_plan(rng, as_of, rows, "Inobhutnahmen.xlsx", kind="ion")):
        plans.append(plan)
        files[plan.name] = {"shipped_mapping": shipped, "department": plan.department, "as_of": as_of.isoformat(), "kind": kind}
    return plans, files


def write_unseen_lists(out_dir: Path, seed: int, rows: int = 40, vocab: ServiceVocab = DEFAULT_VOCAB,
                       folder: str = UNSEEN_DIR) -> dict[str, Any]:
    """Writes ``out_dir/<folder>/`` and ``<folder>-truth.json``; returns the truth. ``vocab``: the service words."""
    directory = out_dir / folder
    directory.mkdir(parents=True, exist_ok=True)
    plans, files = unseen_plans(seed, rows, vocab)
    truth_rows: list[dict[str, Any]] = []
    for plan in plans:
        write_file(plan, directory)
        for sheet in plan.sheets:
            for row in sheet.body:
                where = {"file": plan.name, "sheet": sheet.name, "row": row.row}
                truth_rows.append({**where, "kind": "data", **(row.truth or {})} if row.kind == "data"
                                  else {**where, "kind": "skip", "reason": row.kind})
    truth = {"dir": folder, "files": files, "rows": truth_rows}
    (out_dir / f"{folder.removesuffix('-lists')}-truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth

"""The five lists and how each team laid out its own.

No two lists look alike (spec: excel-lists.md), so each file has its own
builder: Team Nord keeps one sheet per year, grey rows for closed helps, a
hidden sheet with old data and a legend sheet; Team Süd one sheet per
caseworker with a two-row header, struck-through rows and a status column;
Team Mitte "laufend"/"abgeschlossen" with note rows, merged cells and a
column the mapping does not know; Team West a CSV saved from Excel; the
JGH (lists_layout_jgh.py) one sheet per year whose column names changed in
2023. Column names are
ones the shipped mappings (mappings/lists/asd.yaml, jgh.yaml) know, except
the one planted unknown column.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from jhmig.synth.lists_model import (
    AsdEntry,
    BodyRow,
    Cell,
    Column,
    FilePlan,
    SheetPlan,
)
from jhmig.synth.lists_notation import german_amount
from jhmig.synth.lists_render import FileStyle
from jhmig.synth.lists_tables import (
    P_EMPTY_ROW,
    LayoutContext,
    add_note,
    add_skip,
    add_total,
    header_row_after,
    legend_sheet,
    render_rows,
    sprinkle_empty_rows,
)

STAND = "Stand 03/2025"
UNKNOWN_COLUMN = "nächstes HPG"  # Team Mitte's own column: the next Hilfeplangespräch

NORD_COLUMNS = [
    Column("az", "Az.", width=14), Column("name_full", "Name, Vorname", width=24), Column("birth", "geb.", width=11),
    Column("service", "Hilfeart", width=16), Column("provider", "Träger", width=30), Column("start", "Beginn", width=11),
    Column("end", "Ende", width=11), Column("rate", "Kosten mtl.", width=12), Column("sb", "SB", width=6),
    Column("remark", "Bemerkung", width=30),
]
SUED_COLUMNS = [
    Column("az", "Aktenzeichen", width=14), Column("family", "Name", width=16), Column("given", "Vorname", width=14),
    Column("birth", "Geb.-Dat.", width=11), Column("service", "Maßnahme", width=16), Column("provider", "Einrichtung", width=30),
    Column("start", "von", "Zeitraum", width=11), Column("end", "bis", "Zeitraum", width=11),
    Column("rate", "mtl.", "Kosten", width=12), Column("status", "Status", width=10), Column("remark", "Bemerkung", width=30),
]
MITTE_COLUMNS = [
    Column("az", "AZ", width=14), Column("name_full", "Kind", width=24), Column("birth", "Geburtsdatum", width=12),
    Column("service", "Hilfe", width=16), Column("provider", "Träger", width=30), Column("start", "ab", width=11),
    Column("end", "bis", width=11), Column("rate", "Entgelt", width=12), Column("sb", "FK", width=6),
    Column("unknown", UNKNOWN_COLUMN, width=12), Column("remark", "Notiz", width=30),
]
WEST_COLUMNS = [
    Column("az", "Az."), Column("family", "Name"), Column("given", "Vorname"), Column("birth", "geb."),
    Column("service", "Hilfeart"), Column("provider", "Träger"), Column("start", "Beginn"), Column("end", "Ende"),
    Column("rate", "Kosten"), Column("status", "Status"), Column("remark", "Bemerkung"),
]

ASD_LEGEND: list[tuple[str, ...]] = [
    ("Legende",), ("grau hinterlegt", "Hilfe beendet"), ("",), ("Abkürzungen",),
    ("SPFH", "Sozialpädagogische Familienhilfe (§ 31 SGB VIII)"), ("EB", "Erziehungsbeistand (§ 30 SGB VIII)"),
    ("ISE", "Intensive sozialpädagogische Einzelbetreuung (§ 35 SGB VIII)"), ("PF", "Vollzeitpflege (§ 33 SGB VIII)"),
    ("stat.", "Heimerziehung (§ 34 SGB VIII)"), ("",), ("Kosten", "monatlich lt. Kostenzusage"),
    ("Blatt 'bis 2021'", "alte Fälle, ausgeblendet"),
]


def _by_start(entries: list[AsdEntry]) -> list[AsdEntry]:
    return sorted(entries, key=lambda e: (e.start, e.az, e.child.id))


# -- Team Nord: one sheet per year, grey = closed, hidden old sheet, legend ----------------


def nord_file(entries: list[AsdEntry], ctx: LayoutContext) -> FilePlan:
    rng = ctx.rng
    years = ("2022", "2023", "2024", "2025")
    sheets: dict[str, SheetPlan] = {}
    for year in years:
        title = [f"Fallliste ASD Team Nord - {STAND}", f"Hilfen zur Erziehung {year}"]
        sheets[year] = SheetPlan(year, NORD_COLUMNS, title if rng.random() < 0.6 else title[:1], 0)
        sheets[year].header_row = header_row_after(len(sheets[year].title), rng)
    old = SheetPlan("bis 2021", NORD_COLUMNS, [], 1, hidden=True)  # an old sheet, just the table
    carried: set[int] = set()
    placed: list[tuple[SheetPlan, AsdEntry]] = []
    for entry in _by_start(entries):
        if entry.start.year >= 2022:
            placed.append((sheets[str(entry.start.year)], entry))
        elif entry.end is not None and entry.end.year < 2022:
            placed.append((old, entry))
        else:
            placed.append((sheets["2022"], entry))  # still running in 2022: carried over to the new sheet
            carried.add(id(entry))
    order = {id(s): n for n, s in enumerate([old, *sheets.values()])}
    placed.sort(key=lambda p: order[id(p[0])])  # rows stay in start order within each sheet
    state = {"new_cases_noted": False}

    def before(sheet: SheetPlan, entry: AsdEntry, index: int) -> None:
        if sheet is sheets["2022"]:
            if not sheet.body and id(entry) in carried:
                add_note(sheet, "übernommen aus Vorjahren")
            if id(entry) not in carried and not state["new_cases_noted"] and any(r.kind == "data" for r in sheet.body):
                add_note(sheet, "ab hier neue Fälle 2022")
                state["new_cases_noted"] = True
        if sheet.body and sheet.body[-1].kind == "data":
            sprinkle_empty_rows(sheet, rng, nbsp=True)

    # the hidden old-years sheet holds closed cases only: the reader closes them by the sheet, whatever their fill
    render_rows(ctx, placed, FileStyle(csv=False, closed_style="grey", department="ASD"), before, sheet_closed=lambda s: s is old)
    for sheet in sheets.values():
        if any(r.kind == "data" for r in sheet.body):
            if rng.random() < 0.7:
                add_skip(sheet, "empty")
            add_total(sheet, "Summe", "SUM", "rate")
    _keep_to_the_legend([*sheets.values(), old], ASD_LEGEND)
    return FilePlan("ASD_Team_Nord.xlsx", "ASD", "xlsx", [*sheets.values(), old, legend_sheet("Hilfe", ASD_LEGEND)],
                    author="ASD Team Nord")


def _keep_to_the_legend(sheets: list[SheetPlan], legend: list[tuple[str, ...]]) -> None:
    """A workbook whose legend says "EB = Erziehungsbeistand" writes EB for nothing else: a Beratung is spelled out there."""
    meant = {entry[0]: entry[1] for entry in legend if len(entry) == 2}
    if "EB" not in meant:
        return
    for sheet in sheets:
        col = sheet.col("service")
        for row in sheet.body:
            truth = row.truth or {}
            if truth.get("free_text") == "EB" and truth.get("service_type") == "28" and col is not None and col in row.cells:
                row.cells[col] = Cell("Erziehungsberatung")
                truth.update(free_text="Erziehungsberatung", free_text_kind="exact")


# -- Team Süd: one sheet per caseworker, two-row header, struck-through rows ----------------


def sued_file(entries: list[AsdEntry], ctx: LayoutContext, staff: list[str]) -> FilePlan:
    rng = ctx.rng
    of_child: dict[str, str] = {}
    for entry in sorted(entries, key=lambda e: e.child.id):
        of_child.setdefault(entry.child.id, rng.choice(staff))
    sheets: dict[str, SheetPlan] = {}
    for number, name in enumerate(sorted(staff)):
        title = ["ASD Team Süd", f"Fälle {name}"]
        if number == 0:
            # the first caseworker keeps a little legend above her table: the header moves far down
            title += ["", "durchgestrichen = beendet", "Kosten = monatlich", "", "Status laut HPG"]
            header = header_row_after(len(title), rng, 2, 4)
        else:
            header = header_row_after(len(title), rng)
        sheets[name] = SheetPlan(name, SUED_COLUMNS, title, header, two_row_header=True)
    placed = [(sheets[of_child[e.child.id]], e) for e in _by_start(entries)]
    order = {name: n for n, name in enumerate(sheets)}
    placed.sort(key=lambda p: order[p[0].name])
    def before(sheet: SheetPlan, entry: AsdEntry, index: int) -> None:
        if sheet.body and sheet.body[-1].kind == "data":
            sprinkle_empty_rows(sheet, rng)

    render_rows(ctx, placed, FileStyle(csv=False, closed_style="strike_status", department="ASD"), before)
    used = [s for s in sheets.values() if s.body]
    for sheet in used[:1]:
        add_total(sheet, "Gesamt", "SUM", "rate")
    return FilePlan("ASD_Team_Sued.xlsx", "ASD", "xlsx", used or list(sheets.values())[:1], author="ASD Team Süd")


# -- Team Mitte: "laufend" / "abgeschlossen", notes, merged cells, an unknown column ---------


def mitte_file(entries: list[AsdEntry], ctx: LayoutContext) -> FilePlan:
    rng = ctx.rng
    title = ["ASD Team Mitte – Fallliste", "Stand: 14.03.2025"]
    running = SheetPlan("laufend", MITTE_COLUMNS, title, header_row_after(2, rng))
    closed_columns = [c for c in MITTE_COLUMNS if c.key != "unknown"]
    closed = SheetPlan("abgeschlossen", closed_columns, title[:1], header_row_after(1, rng))
    # a family's rows stand together, families in the order their first help began
    first_start: dict[str, Any] = {}
    for entry in entries:
        first_start[entry.az] = min(first_start.get(entry.az, entry.start), entry.start)
    ordered = sorted(entries, key=lambda e: (first_start[e.az], e.az, e.start, e.child.id))
    placed = [(closed if e.ended and rng.random() < 0.9 else running, e) for e in ordered]
    placed.sort(key=lambda p: 0 if p[0] is running else 1)
    noted: set[int] = set()

    def before(sheet: SheetPlan, entry: AsdEntry, index: int) -> None:
        year = first_start[entry.az].year
        if sheet is running and year >= 2023 and year not in noted and sheet.body:
            noted.add(year)
            add_note(sheet, f"ab hier {year}")
        elif sheet.body and sheet.body[-1].kind == "data" and rng.random() < P_EMPTY_ROW:
            add_skip(sheet, "empty")

    render_rows(ctx, placed, FileStyle(csv=False, closed_style="sheet", department="ASD"), before,
                sheet_closed=lambda s: s is closed)
    for sheet in (running, closed):
        merge_family_rows(sheet, rng)
    add_total(closed, "Anzahl", "COUNTA", "name_full")
    return FilePlan("ASD_Team_Mitte.xlsx", "ASD", "xlsx", [running, closed], author="ASD Team Mitte")


def merge_family_rows(sheet: SheetPlan, rng: random.Random) -> None:
    """Consecutive rows of one child: Az., name and birth date merged over them (the lower cells are empty).

    When no child has consecutive rows, the caseworker column of two rows of
    the same caseworker is merged instead, so every file has merged cells
    inside its table."""
    data = [r for r in sheet.body if r.kind == "data"]
    groups: list[list[BodyRow]] = []
    for row in data:
        if groups and groups[-1][-1].identity == row.identity and groups[-1][-1].row + 1 == row.row:
            groups[-1].append(row)
        else:
            groups.append([row])
    family_groups = [g for g in groups if len(g) > 1]
    keys = ("az", "name_full", "birth")
    for number, group in enumerate(family_groups):
        if number > 0 and rng.random() > 0.6:
            continue
        for key in keys:
            col = sheet.col(key)
            if col is None or col not in group[0].cells:
                continue
            if key == "az" and len({row.cells[col].value if col in row.cells else None for row in group}) > 1:
                continue  # one child, two case files: nobody merges two different Aktenzeichen into one cell
            sheet.vertical_merges.append((col, group[0].row, group[-1].row))
            for row in group[1:]:
                row.cells.pop(col, None)
        for row in group[1:]:
            assert row.truth is not None
            row.truth["variants"] = ["merged_above"]  # name and birth date stand only in the merged cell above
    if family_groups:
        return
    sb = sheet.col("sb")
    for first, second in itertools.pairwise(data):
        if sb is not None and second.row == first.row + 1 and sb in first.cells and sb in second.cells \
                and first.cells[sb].value == second.cells[sb].value:
            sheet.vertical_merges.append((sb, first.row, second.row))
            second.cells.pop(sb)
            return


# -- Team West: a CSV saved from Excel ------------------------------------------------------


def west_file(entries: list[AsdEntry], ctx: LayoutContext) -> FilePlan:
    rng = ctx.rng
    sheet = SheetPlan("", WEST_COLUMNS, [f"Fallliste ASD Team West - {STAND}"], 0)
    sheet.header_row = header_row_after(1, rng, 1, 2)
    placed = [(sheet, e) for e in _by_start(entries)]
    noted: set[int] = set()

    def before(sheet: SheetPlan, entry: AsdEntry, index: int) -> None:
        if entry.start.year >= 2024 and entry.start.year not in noted and sheet.body:
            noted.add(entry.start.year)
            add_note(sheet, f"ab hier {entry.start.year}")
        elif sheet.body and sheet.body[-1].kind == "data" and rng.random() < P_EMPTY_ROW * 2:
            add_skip(sheet, "empty")

    render_rows(ctx, placed, FileStyle(csv=True, closed_style="status", department="ASD"), before)
    if not any(r.kind == "empty" for r in sheet.body):
        add_skip(sheet, "empty")
    total = sum(e.monthly_cents or 0 for e in entries)
    add_total(sheet, "Summe", "SUM", "rate", csv_value=f"{german_amount(total)} €")
    return FilePlan("ASD_Team_West.csv", "ASD", "csv", [sheet], author="ASD Team West")

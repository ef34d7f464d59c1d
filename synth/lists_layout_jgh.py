"""The JGH list's layout: one sheet per year whose column names changed in
2023, notes and empty rows between proceedings, a count below the last two
sheets and a legend sheet. Column names are ones mappings/lists/jgh.yaml knows.
"""

from __future__ import annotations

from collections import defaultdict

from jhmig.synth.lists_model import Column, FilePlan, JghEntry, SheetPlan
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
)

JGH_COLUMNS_OLD = [  # until 2022
    Column("az", "JGH-Az.", width=12), Column("name_full", "Jugendliche/r", width=24), Column("birth", "Geb.-Dat.", width=11),
    Column("offence", "Tatvorwurf", width=24), Column("offence_date", "Tatdatum", width=11), Column("court", "AG", width=16),
    Column("hearing", "HV", width=11), Column("outcome", "Ergebnis", width=16), Column("asd_known", "bekannt ASD", width=8),
    Column("sb", "Sachbearbeiter", width=8), Column("remark", "Notiz", width=26),
]
JGH_COLUMNS = [  # from 2023
    Column("az", "Az.", width=12), Column("family", "Name", width=16), Column("given", "Vorname", width=14),
    Column("birth", "Geb.", width=11), Column("offence", "Delikt", width=24), Column("offence_date", "Tatzeit", width=11),
    Column("court", "Gericht", width=16), Column("hearing", "Termin", width=11), Column("outcome", "Ausgang", width=16),
    Column("asd_known", "ASD bekannt", width=8), Column("sb", "SB", width=6), Column("remark", "Bemerkung", width=26),
]

JGH_LEGEND: list[tuple[str, ...]] = [
    ("Hinweise zur Liste",), ("ASD bekannt", "ja / x = Familie beim ASD bekannt"),
    ("Ausgang", "Einstellung, Weisung, Auflage, Jugendarrest, Jugendstrafe, Freispruch"),
    ("grau", "Verfahren abgeschlossen"), ("",), ("§45", "Einstellung durch StA"),
]


def jgh_file(entries: list[JghEntry], ctx: LayoutContext) -> FilePlan:
    rng = ctx.rng
    by_year: dict[int, list[JghEntry]] = defaultdict(list)
    for entry in entries:
        by_year[entry.year].append(entry)
    sheets: dict[int, SheetPlan] = {}
    for year in sorted(by_year):
        columns = JGH_COLUMNS_OLD if year <= 2022 else JGH_COLUMNS
        title = [f"Jugendgerichtshilfe - Verfahren {year}"]
        if year == 2025:
            title += ["", "Vertretungsregelung: Fr. Wünsche", "Termine bitte sofort eintragen!"]
        sheets[year] = SheetPlan(str(year), columns, title, header_row_after(len(title), rng))
    placed = [(sheets[e.year], e) for e in sorted(entries, key=lambda e: (e.year, e.offence_date, e.az))]

    def before(sheet: SheetPlan, entry: JghEntry, index: int) -> None:
        if not (sheet.body and sheet.body[-1].kind == "data"):
            return
        roll = rng.random()
        if roll < P_EMPTY_ROW:
            add_skip(sheet, "empty")
        elif roll < P_EMPTY_ROW + 0.01:
            add_note(sheet, "ab hier Vertretung")

    render_rows(ctx, placed, FileStyle(csv=False, closed_style="grey_some", department="JGH"), before)
    used = list(sheets.values())
    for sheet in used[-2:]:
        if not any(r.kind in ("empty", "note") for r in sheet.body):
            add_skip(sheet, "empty")
        add_total(sheet, "Anzahl Verfahren:", "COUNTA", "az", at_key="birth")
    return FilePlan("JGH_Faelle.xlsx", "JGH", "xlsx", [*used, legend_sheet("Hilfe", JGH_LEGEND)], author="JGH")

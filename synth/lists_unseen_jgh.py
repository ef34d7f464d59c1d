"""The JGH list and the Inobhutnahme list among the lists the shipped mappings never saw.

JGH: outcomes written as the spec and practice write them (``80
Sozialstunden``, ``Jugendstrafe 1 Jahr auf Bewährung``), hearings ``offen``
or ``n.n.``, a Tatzeit known to the month only, courts spelled three ways.
Inobhutnahme: no service column at all (every row is one), a group header
over Datum / Unterbringung / Ende, a Tagessatz, an "erledigt" column.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from jhmig.synth.lists_model import BodyRow, Cell, Column, FilePlan, SheetPlan
from jhmig.synth.lists_unseen_rows import date_cell, open_cell, rate_truth
from jhmig.synth.lists_unseen_vocab import (
    COURTS,
    FAMILY_NAMES,
    GIVEN_NAMES,
    HEADERS,
    MONTH_NAMES,
    OFFENCES,
    OUTCOME_TEXTS,
    OUTCOME_UNMAPPED,
    RATE_RANGES,
)
from jhmig.synth.lists_notation import german_amount

OUTCOME_KINDS: tuple[tuple[str, float], ...] = (("exact", 70), ("typo", 8), ("unmapped", 8), ("none", 14))


def jgh_plan(rng: random.Random, as_of: dt.date, rows: int, name: str, *, kind: str) -> tuple[FilePlan, str | None, str]:
    if kind == "ion":
        return ion_plan(rng, as_of, rows, name), None, kind
    h = {key: rng.choice(names) for key, names in HEADERS.items()}
    columns = [Column("az", h["az"]), Column("family", h["family"]), Column("given", h["given"]), Column("birth", h["birth"]),
               Column("offence", h["offence"]), Column("offence_date", h["offence_date"]), Column("court", h["court"]),
               Column("hearing", h["hearing"]), Column("outcome", h["outcome"]), Column("sb", h["sb"])]
    sheet = SheetPlan(str(as_of.year), columns, [f"JGH - Verfahren, Stand {as_of:%d.%m.%Y}"], 3)
    for number in range(rows):
        if number and rng.random() < 0.05:
            sheet.body.append(BodyRow(sheet.next_row(), "empty"))
        sheet.body.append(_jgh_row(rng, sheet, as_of, number))
    return FilePlan(name, "JGH", "xlsx", [sheet], author="JGH"), "jgh", kind


def _jgh_row(rng: random.Random, sheet: SheetPlan, as_of: dt.date, number: int) -> BodyRow:
    row = BodyRow(sheet.next_row(), "data")
    offence = as_of - dt.timedelta(days=rng.randint(30, 700))
    birth = offence - dt.timedelta(days=rng.randint(14 * 365 + 10, 20 * 365 + 300))
    values: dict[str, Cell] = {"az": Cell(f"JGH {offence.year % 100}/{number + 1:03d}"), "family": Cell(rng.choice(FAMILY_NAMES)),
                               "given": Cell(rng.choice(GIVEN_NAMES)), "birth": Cell(birth, "DD.MM.YYYY"),
                               "offence": Cell(rng.choice(OFFENCES))}
    court = rng.choice(sorted(COURTS))
    values["court"] = Cell(rng.choice(COURTS[court]))
    if rng.random() < 0.3:  # only the month is known
        text = f"{MONTH_NAMES[offence.month - 1]} {offence.year}" if rng.random() < 0.5 else f"{offence.month:02d}/{offence.year}"
        values["offence_date"] = Cell(text)
        offence_truth = {"date": offence.replace(day=1).isoformat(), "precision": "month"}
    else:
        values["offence_date"], offence_truth = date_cell(rng, offence, False, partial=False)
    roll = rng.random()
    hearing_truth: dict[str, Any] = {"date": None, "precision": None, "open": False}
    if roll < 0.55:
        hearing = offence + dt.timedelta(days=rng.randint(40, 300))
        values["hearing"], hearing_truth = date_cell(rng, hearing, False, partial=False)
    elif roll < 0.8:
        values["hearing"], hearing_truth = open_cell(rng)
    code, text, kind = _outcome(rng, decided=roll < 0.55)
    if text:
        values["outcome"] = Cell(text)
    values["sb"] = Cell(rng.choice(("JM", "KR", "ST")))
    closed = code is not None and rng.random() < 0.4
    row.grey = closed
    row.cells = {c: values[col.key] for c, col in enumerate(sheet.columns) if col.key in values}
    row.truth = {"department": "JGH", "outcome": code, "free_text": text, "free_text_kind": kind, "offence_date": offence_truth,
                 "hearing": hearing_truth, "court": court, "case_closed": closed, "closed_by": "mark" if closed else None,
                 "birth_date": birth.isoformat()}
    return row


def _outcome(rng: random.Random, *, decided: bool) -> tuple[str | None, str | None, str]:
    kind = _pick(rng, OUTCOME_KINDS) if decided else "none"
    if kind == "none":
        return None, None, "none"
    if kind == "unmapped":
        return None, rng.choice(OUTCOME_UNMAPPED), kind
    code = rng.choice(sorted(OUTCOME_TEXTS))
    texts = OUTCOME_TEXTS[code].get(kind) or OUTCOME_TEXTS[code]["exact"]
    return code, rng.choice(texts), kind if kind in OUTCOME_TEXTS[code] else "exact"


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*options, strict=True)
    return str(rng.choices(names, weights)[0])


def ion_plan(rng: random.Random, as_of: dt.date, rows: int, name: str) -> FilePlan:
    group = "Inobhutnahme"
    columns = [Column("az", "Az."), Column("family", "Name"), Column("given", "Vorname"), Column("birth", "geb."),
               Column("start", "Datum", group), Column("provider", "Unterbringung", group), Column("end", "Ende", group),
               Column("rate", "Tagessatz", "Kosten"), Column("mark", "erledigt")]
    sheet = SheetPlan(str(as_of.year), columns, [f"Inobhutnahmen {as_of.year} - Stand {as_of:%d.%m.%Y}"], 3, two_row_header=True)
    for number in range(rows):
        sheet.body.append(_ion_row(rng, sheet, as_of, number))
    return FilePlan(name, "ASD", "xlsx", [sheet], author="ASD Inobhutnahme")


def _ion_row(rng: random.Random, sheet: SheetPlan, as_of: dt.date, number: int) -> BodyRow:
    row = BodyRow(sheet.next_row(), "data")
    start = as_of - dt.timedelta(days=rng.randint(3, 400))
    birth = start - dt.timedelta(days=rng.randint(2 * 365, 17 * 365))
    length = rng.randint(2, 90)
    end = start + dt.timedelta(days=length)
    ended = end <= as_of
    low, high = RATE_RANGES["day"]
    cents = rng.randint(low // 100, high // 100) * 100
    start_cell, start_truth = date_cell(rng, start, False, partial=False)
    values: dict[str, Cell] = {"az": Cell(f"ION-{as_of.year % 100}-{number + 1:03d}"), "family": Cell(rng.choice(FAMILY_NAMES)),
                               "given": Cell(rng.choice(GIVEN_NAMES)), "birth": Cell(birth, "DD.MM.YYYY"), "start": start_cell,
                               "provider": Cell(rng.choice(("Bereitschaftspflege Fam. Kühn", "Kinderschutzstelle Meißen",
                                                            "Notaufnahme Haus Elbe"))),
                               "rate": Cell(f"{german_amount(cents)} €") if rng.random() < 0.5 else Cell(cents // 100, '#,##0.00 "€"')}
    end_truth: dict[str, Any] = {"date": None, "precision": None, "open": False}
    if ended:
        values["end"], end_truth = date_cell(rng, end, False, partial=False)
    elif rng.random() < 0.5:
        values["end"], end_truth = open_cell(rng)
    marked = ended and rng.random() < 0.6
    if marked:
        values["mark"] = Cell(rng.choice(("x", "ja", "erl.")))
    row.cells = {c: values[col.key] for c, col in enumerate(sheet.columns) if col.key in values}
    row.truth = {"department": "ASD", "service_type": "42", "free_text": None, "free_text_kind": "default",
                 "rate": rate_truth(cents, "day"), "start": start_truth, "end": end_truth, "case_closed": ended,
                 "closed_by": "mark" if marked else "end_date" if ended else None, "birth_date": birth.isoformat()}
    return row

"""The name and birth-date cells of a list row, written the way caseworkers
write names: Rufname only, umlaut spellings, typos, family and given name
swapped or in one cell, birth dates in several notations or missing."""

from __future__ import annotations

import random

from jhmig.synth.duplicates import typo, umlaut_spelling
from jhmig.synth.lists_model import BodyRow, Cell, SheetPlan
from jhmig.synth.lists_notation import WHITESPACE, Forced, date_cell, with_whitespace
from jhmig.synth.population import Identity

P_RUFNAME = 0.7  # only the first of several given names
P_UMLAUT = 0.12
P_TYPO = 0.06
P_SWAPPED = 0.04
P_GIVEN_FIRST = 0.07
P_NO_BIRTH_DATE = 0.04


def person_cells(rng: random.Random, forced_rows: Forced, birth_notations: tuple[tuple[str, float], ...],
                 person: Identity, sheet: SheetPlan, index: int, row: BodyRow) -> list[str]:
    """Name and birth date cells; returns how the written form differs from the true identity."""
    family, given = person.family_name, person.given_names
    if " " in given and rng.random() < P_RUFNAME:
        given = given.split(" ")[0]
    variants: list[str] = []
    forced = forced_rows.get("name", index)
    split = sheet.col("family") is not None
    roll = rng.random()
    spelled_family, spelled_given = umlaut_spelling(family), umlaut_spelling(given)
    if (forced == "umlaut" or (forced is None and roll < P_UMLAUT)) and (spelled_family or spelled_given):
        family, given = spelled_family or family, spelled_given or given
        variants.append("umlaut")
    elif forced == "typo" or (forced is None and roll < P_UMLAUT + P_TYPO):
        on_family = rng.random() < 0.6
        changed = typo(family if on_family else given, rng)
        if changed:
            family, given = (changed, given) if on_family else (family, changed)
            variants.append("typo")
    whitespace = forced_rows.notation("ws", index, rng, WHITESPACE)
    if split:
        if forced == "swapped" or (forced is None and rng.random() < P_SWAPPED):
            family, given = given, family
            variants.append("swapped")
        row.cells[sheet.col("family")] = Cell(with_whitespace(family, whitespace))  # type: ignore[index]
        row.cells[sheet.col("given")] = Cell(given)  # type: ignore[index]
    else:
        if forced == "given_first" or (forced is None and rng.random() < P_GIVEN_FIRST):
            full = f"{given} {family}"
            variants.append("given_first")
        else:
            full = f"{family}, {given}"
        row.cells[sheet.col("name_full")] = Cell(with_whitespace(full, whitespace))  # type: ignore[index]
    birth_col = sheet.col("birth")
    birth_forced = forced_rows.get("birth", index) is not None
    if (forced == "missing_birth_date" or (forced is None and not birth_forced and rng.random() < P_NO_BIRTH_DATE)
            or not person.birth_date_known):
        variants.append("missing_birth_date")
    elif birth_col is not None:
        notation = forced_rows.notation("birth", index, rng, birth_notations)
        row.cells[birth_col] = date_cell(person.birth_date, notation, rng)
    return variants

"""How one value is written into a list cell: the notations of dates and amounts,
and the plan that makes every notation appear in every file.

A notation that is merely likely could be missing from a small list; the
tests (and the toolkit's users) need each quirk present whatever the size.
So each file first places every notation of a kind once, on random rows
that can carry it (``plan_forced``), and draws the remaining rows by weight.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from jhmig.synth.lists_model import Cell

MONTH_NAMES = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
               "November", "Dezember")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in Excel's 1900 system (the 1900 leap-year bug folded in)
DATE_FORMAT = "DD.MM.YYYY"
EURO_FORMAT = '#,##0.00 "€"'
TEXT_FORMAT = "@"

# notation -> weight; "excel" is a real date cell, the others are text
BIRTH_NOTATIONS_XLSX: tuple[tuple[str, float], ...] = (("excel", 60), ("dmy", 22), ("short", 7), ("iso", 5), ("serial", 3))
PERIOD_NOTATIONS_XLSX: tuple[tuple[str, float], ...] = (("excel", 55), ("dmy", 20), ("short", 8), ("iso", 5), ("month", 8),
                                                        ("serial", 3))
# a CSV saved from Excel holds text only: a date cell comes out as DD.MM.YYYY
BIRTH_NOTATIONS_CSV: tuple[tuple[str, float], ...] = (("dmy", 85), ("short", 8), ("iso", 4), ("serial", 3))
PERIOD_NOTATIONS_CSV: tuple[tuple[str, float], ...] = (("dmy", 75), ("short", 8), ("iso", 4), ("month", 10), ("serial", 3))
AMOUNT_NOTATIONS_XLSX: tuple[tuple[str, float], ...] = (("number", 70), ("euro_text", 15), ("comma_text", 8), ("approx", 7))
AMOUNT_NOTATIONS_CSV: tuple[tuple[str, float], ...] = (("comma_text", 60), ("euro_text", 30), ("approx", 10))
# odd whitespace a caseworker leaves in a cell
WHITESPACE: tuple[tuple[str, float], ...] = (("none", 92), ("trailing", 5), ("nbsp", 3))


@dataclass
class Forced:
    """Notations placed on given rows of a file so that each appears at least once."""

    by_row: dict[tuple[str, int], str] = field(default_factory=dict)

    def get(self, kind: str, index: int) -> str | None:
        return self.by_row.get((kind, index))

    def notation(self, kind: str, index: int, rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
        """The forced notation of this row, else one drawn by weight."""
        return self.get(kind, index) or pick(rng, options)


def pick(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    names, weights = zip(*options, strict=True)
    return str(rng.choices(names, weights)[0])


def plan_forced(rng: random.Random, eligible: Sequence[int], options: Sequence[str]) -> dict[int, str]:
    """Each option on its own random row among ``eligible`` (as far as the rows reach)."""
    rows = rng.sample(list(eligible), min(len(eligible), len(options)))
    return dict(zip(rows, options, strict=False))


def serial(d: dt.date) -> int:
    return (d - EXCEL_EPOCH).days


def date_cell(d: dt.date, notation: str, rng: random.Random) -> Cell:
    if notation == "excel":
        return Cell(d, DATE_FORMAT)
    if notation == "short":
        return Cell(f"{d.day}.{d.month}.{d.year % 100:02d}")
    if notation == "iso":
        return Cell(d.isoformat())
    if notation == "month":
        # "Mai 2019" mostly, sometimes "05/2019": the caseworker knew only the month
        text = f"{MONTH_NAMES[d.month - 1]} {d.year}" if rng.random() < 0.75 else f"{d.month:02d}/{d.year}"
        return Cell(text)
    if notation == "serial":
        return Cell(str(serial(d)), TEXT_FORMAT)  # a date pasted as a number into a text-formatted cell
    return Cell(f"{d.day:02d}.{d.month:02d}.{d.year:04d}")


def german_amount(cents: int, *, thousands: bool = True) -> str:
    euros, rest = divmod(abs(cents), 100)
    whole = f"{euros:,}".replace(",", ".") if thousands else str(euros)
    return f"{'-' if cents < 0 else ''}{whole},{rest:02d}"


def amount_cell(cents: int, notation: str, rng: random.Random) -> Cell:
    if notation == "number":
        value: int | float = cents // 100 if cents % 100 == 0 else cents / 100
        return Cell(value, EURO_FORMAT)
    if notation == "euro_text":
        return Cell(f"{german_amount(cents)} €")
    if notation == "approx":
        step = 100 if cents >= 100_000 else 10
        rounded = max(step, round(cents / 100 / step) * step)
        return Cell(rng.choice((f"ca. {rounded}", f"ca. {rounded}", f"ca.{rounded}", f"Ca. {rounded}")))
    return Cell(german_amount(cents, thousands=False))


def with_whitespace(text: str, notation: str) -> str:
    if notation == "trailing":
        return text + " "
    if notation == "nbsp":
        return text + "\u00a0"
    return text

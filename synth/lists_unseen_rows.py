"""Rows of lists the shipped mappings never saw: true entries, and the cells a caseworker writes for them.

Each entry is drawn first (what is true: the help, its dates, its cost and
unit, whether it has ended by the list's date); then its cells are written
in one of the notations the spec names. The truth records what a reader must
make of the cells (the 1st of a month for "Mai 2024" with precision
"month", no date for "offen", the monthly equivalent of a Tagessatz).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from jhmig.synth.lists_model import Cell
from jhmig.synth.lists_notation import DATE_FORMAT, EURO_FORMAT, german_amount
from jhmig.synth.lists_unseen_vocab import (
    AMBIGUOUS,
    MONTH_NAMES,
    MONTHLY_FACTORS,
    NOT_A_SERVICE,
    OPEN_MARKERS,
    PLACEHOLDERS,
    RATE_RANGES,
    SERVICE_TEXTS,
    UNIT_WORDS,
    UNMAPPED,
)

TEXT_KINDS: tuple[tuple[str, float], ...] = (("exact", 28), ("synonym", 24), ("abbreviation", 14), ("typo", 8), ("ambiguous", 7),
                                             ("not_a_service", 6), ("placeholder", 5), ("unmapped", 8))
CODE_WEIGHTS: tuple[tuple[str, float], ...] = (("31", 20), ("34", 16), ("33", 12), ("30", 10), ("28", 8), ("32", 6), ("35", 4),
                                               ("35a", 8), ("41", 6), ("29", 4), ("42", 6))
PROVIDERS: tuple[str, ...] = ("Jugendhilfe Elbtal e.V.", "AWO Kinder- und Jugendhilfe", "Kinderheim St. Marien",
                              "Diakonie Familienhilfe", "Pflegefamilie Berger", "Erziehungsberatungsstelle der Caritas",
                              "Lebenshilfe Riesa", "Jugendwohnen am Park gGmbH", "Kinderschutzstelle Meißen")


def pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*options, strict=True)
    return str(rng.choices(names, weights)[0])


@dataclass
class Entry:
    """One true help (ASD) as a list row holds it."""

    code: str | None  # the true service type; None when no category fits or the text names none
    text: str  # the free text written
    text_kind: str
    start: dt.date
    end: dt.date | None  # the true end (None: running, no end known)
    written_end: dt.date | None  # an end written in the list (a planned end after the as-of date included)
    rate_cents: int | None
    unit: str | None
    provider: str | None
    ended: bool  # ended on or before the list's as-of date


@dataclass(frozen=True)
class ServiceVocab:
    """The words service types are written with, by kind (the default: :mod:`jhmig.synth.lists_unseen_vocab`).

    A bench passes a vocabulary held apart from the synonym tables to measure how the coding generalises."""

    texts: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=lambda: SERVICE_TEXTS)
    kinds: tuple[tuple[str, float], ...] = TEXT_KINDS
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=lambda: AMBIGUOUS)
    not_a_service: tuple[str, ...] = NOT_A_SERVICE
    placeholders: tuple[str, ...] = PLACEHOLDERS
    unmapped: tuple[str, ...] = UNMAPPED
    empty: tuple[str, ...] = ()  # "?", "-": a cell with no value at all


DEFAULT_VOCAB = ServiceVocab()


def service_text(rng: random.Random, kind: str, vocab: ServiceVocab = DEFAULT_VOCAB) -> tuple[str | None, str, str]:
    """-> (true code or None, text, kind actually used)."""
    if kind == "ambiguous":
        text = rng.choice(sorted(vocab.ambiguous))
        return rng.choice(vocab.ambiguous[text]), text, kind
    if kind == "not_a_service":
        return None, rng.choice(vocab.not_a_service), kind
    if kind == "placeholder":
        return None, rng.choice(vocab.placeholders), kind
    if kind == "unmapped":
        return None, rng.choice(vocab.unmapped), kind
    if kind == "empty":
        return None, rng.choice(vocab.empty), kind
    while True:  # a code the vocabulary writes in this kind (a held-apart vocabulary has no "exact" fallback)
        code = pick(rng, CODE_WEIGHTS)
        texts = vocab.texts.get(code, {})
        if kind in texts or "exact" in texts:
            break
    chosen = texts.get(kind) or texts["exact"]
    return code, rng.choice(chosen), kind if kind in texts else "exact"


def draw_entry(rng: random.Random, as_of: dt.date, unit: str | None, vocab: ServiceVocab = DEFAULT_VOCAB) -> Entry:
    code, text, kind = service_text(rng, pick(rng, vocab.kinds), vocab)
    start = as_of - dt.timedelta(days=rng.randint(20, 5 * 365))
    roll = rng.random()
    end: dt.date | None = None
    written: dt.date | None = None
    if roll < 0.45 and (as_of - start).days > 40:
        end = written = start + dt.timedelta(days=rng.randint(30, (as_of - start).days))
    elif roll < 0.6:
        written = as_of + dt.timedelta(days=rng.randint(31, 420))  # a planned end: still running at the list's date
    low, high = RATE_RANGES[unit or "month"]
    cents = rng.randint(low // 100, high // 100) * 100 if code is not None and rng.random() < 0.85 else None
    provider = None
    if code == "28" and text in vocab.ambiguous and rng.random() < 0.5:
        provider = "Erziehungsberatungsstelle der Caritas"  # the other column that decides "EB"
    elif rng.random() < 0.8:
        provider = rng.choice(PROVIDERS[:5] + PROVIDERS[6:])
    return Entry(code, text, kind, start, end, written, cents, unit if cents is not None else None, provider,
                 end is not None and end <= as_of)


def date_cell(rng: random.Random, d: dt.date, csv: bool, *, partial: bool = True) -> tuple[Cell, dict[str, Any]]:
    """A date as written, and what the reader must store for it."""
    notations = (("text", 40), ("short", 12), ("month", 14 if partial else 0), ("year", 4 if partial else 0))
    notation = pick(rng, notations if csv else (("excel", 45), *notations))
    if notation == "excel":
        return Cell(d, DATE_FORMAT), {"date": d.isoformat(), "precision": "day"}
    if notation == "short":
        return Cell(f"{d.day}.{d.month}.{d.year % 100:02d}"), {"date": d.isoformat(), "precision": "day"}
    if notation == "month":
        text = f"{MONTH_NAMES[d.month - 1]} {d.year}" if rng.random() < 0.6 else f"{d.month:02d}/{d.year}"
        return Cell(text), {"date": d.replace(day=1).isoformat(), "precision": "month"}
    if notation == "year":
        return Cell(str(d.year)), {"date": dt.date(d.year, 1, 1).isoformat(), "precision": "year"}
    return Cell(f"{d.day:02d}.{d.month:02d}.{d.year}"), {"date": d.isoformat(), "precision": "day"}


def open_cell(rng: random.Random) -> tuple[Cell, dict[str, Any]]:
    return Cell(rng.choice(OPEN_MARKERS)), {"date": None, "precision": None, "open": True}


def rate_truth(cents: int | None, unit: str | None) -> dict[str, Any] | None:
    if cents is None or unit is None:
        return None
    factor = MONTHLY_FACTORS[unit]
    return {"cents": cents, "unit": unit, "monthly_cents": round(cents * factor) if factor is not None else None}


def rate_cells(rng: random.Random, cents: int, unit: str, style: str, csv: bool) -> tuple[Cell, Cell | None]:
    """(amount cell, unit cell or None) in the file's rate style: value ("85 €/Tag"), unit column, or header."""
    amount = german_amount(cents)
    if style == "value":
        word = rng.choice(UNIT_WORDS[unit])
        text = f"pauschal {amount} €" if unit == "lump_sum" and rng.random() < 0.5 else \
            rng.choice((f"{amount} €/{word}", f"{amount} € {word}", f"{amount} {word}"))
        return Cell(text), None
    if csv or rng.random() < 0.4:
        plain = Cell(german_amount(cents, thousands=False) if rng.random() < 0.5 else f"{amount} €")
    else:
        plain = Cell(cents // 100 if cents % 100 == 0 else cents / 100, EURO_FORMAT)
    return plain, (Cell(rng.choice(UNIT_WORDS[unit])) if style == "column" else None)

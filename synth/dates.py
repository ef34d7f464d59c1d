"""Date arithmetic and the legacy date notations.

Payments are generated per calendar month, so months are handled as integer
indexes (``year * 12 + month - 1``): cheap to compare and to iterate over
millions of times.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

Date = dt.date

OPEN_END_TEXT = "31.12.9999"  # legacy notation for "open / still running"
UNKNOWN_DATE_TEXT = "00.00.0000"  # legacy notation for "unknown"


def fmt(d: Date | None) -> str:
    """DD.MM.YYYY; None becomes empty (unknown)."""
    return "" if d is None else f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def ymd(d: Date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def month_index(d: Date) -> int:
    return d.year * 12 + d.month - 1


def month_start(index: int) -> Date:
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> Date:
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def days_in_month(index: int) -> int:
    return calendar.monthrange(index // 12, index % 12 + 1)[1]


def add_days(d: Date, days: int) -> Date:
    return d + dt.timedelta(days=days)


def add_years(d: Date, years: int) -> Date:
    """Same day ``years`` later; 29 February becomes 1 March (as German age rules count)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return dt.date(d.year + years, 3, 1)


def birthday(birth: Date, age: int) -> Date:
    """The day a person born on ``birth`` reaches ``age``."""
    return add_years(birth, age)


def age_on(birth: Date, day: Date) -> int:
    """Completed years on ``day``."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def random_date(rng: random.Random, start: Date, end: Date) -> Date:
    """Uniform date in [start, end]; ``end`` before ``start`` yields ``start``."""
    span = (end - start).days
    return start if span <= 0 else start + dt.timedelta(days=rng.randint(0, span))


def first_weekday_on_or_after(d: Date) -> Date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def impossible_date_text(d: Date, rng: random.Random) -> str:
    """A DD.MM.YYYY text for a day that does not exist, near ``d`` (e.g. 31.02.2019)."""
    year = d.year
    choices: list[tuple[int, int]] = [(30, 2), (31, 2), (31, 4), (31, 6), (31, 9), (31, 11)]
    if not calendar.isleap(year):
        choices.append((29, 2))
    day, month = rng.choice(choices)
    return f"{day:02d}.{month:02d}.{year:04d}"

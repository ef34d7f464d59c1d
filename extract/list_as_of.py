"""The date a list stands at ("Stand 03/2025"): from the mapping, a title cell above the header, or the file name.

An end date on or before this date means the help has ended, whether or not
the caseworker marked the row. A month ("Stand 03/2025") stands for its last
day, a year for 31 December: the list was kept up to then.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

_MONTHS = {"jan": 1, "feb": 2, "mär": 3, "mae": 3, "mar": 3, "apr": 4, "mai": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "okt": 10, "nov": 11, "dez": 12}
_DAY = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_MONTH = re.compile(r"(?<![\d.])(\d{1,2})[/.-](\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{2})(?![\d-])"
                    r"|\b(jan|feb|mär|mae|mar|apr|mai|jun|jul|aug|sep|okt|nov|dez)[a-zäöü]*\.?\s+(\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)")
_STAND = re.compile(r"\b(stand|stichtag|datum|aktualisiert|zum)\b", re.IGNORECASE)
_COMPACT = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")  # file names: 20250314


@dataclass(frozen=True)
class AsOf:
    date: dt.date
    source: str  # German, for the closed-by text: "Zuordnung", "Titelzeile 2", "Dateiname"


def as_of_date(configured: dt.date | None, titles: Iterable[tuple[int, str]], file_name: str) -> AsOf | None:
    """The list's as-of date: configured, else a title cell saying "Stand ...", else a date in the file name."""
    if configured is not None:
        return AsOf(configured, "Zuordnung")
    for row, text in titles:
        if _STAND.search(text):
            found = find_date(text[_STAND.search(text).start():])  # type: ignore[union-attr]
            if found is not None:
                return AsOf(found, f"Titelzeile {row}")
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    compact = _COMPACT.search(stem)
    if compact:
        try:
            return AsOf(dt.date(int(compact[1]), int(compact[2]), int(compact[3])), "Dateiname")
        except ValueError:
            pass
    found = find_date(stem.replace("_", " "), year_needs_stand=not _STAND.search(stem.replace("_", " ")))
    return AsOf(found, "Dateiname") if found is not None else None


def find_date(text: str, *, year_needs_stand: bool = False) -> dt.date | None:
    """The first day, month or year written in ``text`` (a month as its last day, a year as 31 December)."""
    day = _DAY.search(text)
    if day:
        d, m, y = (day[1], day[2], day[3]) if day[1] else (day[6], day[5], day[4])
        try:
            return dt.date(int(y), int(m), int(d))
        except ValueError:
            return None
    for month in _MONTH.finditer(text):
        if month[1]:
            m, y = int(month[1]), int(month[2])
        elif month[3]:
            m, y = int(month[4]), int(month[3])
        else:
            m, y = _MONTHS.get(month[5].casefold()[:3], 0), int(month[6])
        if 1 <= m <= 12:
            return dt.date(y, m, calendar.monthrange(y, m)[1])
    year = _YEAR.search(text)
    if year and not year_needs_stand:
        return dt.date(int(year[1]), 12, 31)
    return None


def sheet_years(name: str) -> list[int]:
    """The years a sheet is named after ("2021", "bis 2021", "2019-2021")."""
    return [int(y) for y in _YEAR.findall(name)]

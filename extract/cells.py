"""Cell values as the spreadsheet readers deliver them, and their text form.

Every engine behind :mod:`jhmig.extract.workbook` is normalised to the same
small set of Python types, so that header detection, row classification and
the extractor never see engine specifics. The text form is what the frames
carry: the transform parses values deliberately, by the mapping's types.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

CellValue = str | int | float | bool | datetime | date | time | None

# Excel writes these error values into the file; German Excel shows "#NV" for "#N/A".
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!"})

# Spaces that survive str.strip() in some Python versions or that caseworkers type by accident.
_ODD_SPACES = re.compile(r"[\u00a0\u2007\u202f\u200b\ufeff]")

_MAX_EXACT_INT = 2**53  # floats beyond this cannot be told from their neighbours


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 16383 -> XFD)."""
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel letters -> 0-based column index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def normalise_number(value: float) -> int | float:
    """Excel stores every number as a double: give integral ones back as int (1067.0 -> 1067)."""
    if math.isfinite(value) and value.is_integer() and abs(value) < _MAX_EXACT_INT:
        return int(value)
    return value


def duration_text(value: timedelta) -> str:
    """A duration cell ([h]:mm:ss) as text; durations are not dates."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def clean_text(text: str) -> str:
    """Text as caseworkers meant it: non-breaking and zero-width spaces become spaces, ends stripped."""
    if text.isascii():  # the common case, and 3x faster than the substitution
        return text.strip()
    return _ODD_SPACES.sub(" ", text).strip()


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def cell_text(value: CellValue) -> str | None:
    """The text form of a cell for the frames: ISO dates, numbers without a spurious ".0", cleaned text."""
    if value is None:
        return None
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "WAHR" if value else "FALSCH"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        value = normalise_number(value)
        if isinstance(value, int):
            return str(value)
        # 15 significant digits is what Excel shows; it hides binary noise such as 0.30000000000000004
        text = format(value, ".15g")
        return text
    text = clean_text(str(value))
    return text or None

"""The header of a list as read: its columns (names joined over header rows) and what reads like a column name."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jhmig.extract.cells import EXCEL_ERRORS, CellValue, cell_text, column_letter
from jhmig.extract.column_guess import loose_key, match_name
from jhmig.extract.workbook import CellRange

Rows = Mapping[int, Sequence[CellValue]]
_DATE_LIKE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}-\d{1,2}-\d{1,2}|^\d{1,2}[./]\d{4}$")
_NUMBER_LIKE = re.compile(r"^[-+(]?\s*[\d.,' ]*\d[\d.,' ]*\)?\s*(€|eur|%)?$", re.IGNORECASE)
LINE_BREAK = "⏎"
_FRAGMENT_MAX = 30  # "der Hilfe", "je Monat": a continued column name is short


@dataclass(frozen=True)
class HeaderColumn:
    index: int  # 0-based column
    name: str  # as written, header rows joined with a space; "" when blank
    parts: tuple[str, ...] = ()  # the text of each header row in this column

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    def keys(self) -> tuple[str, set[str]]:
        """(key of the joined name, keys of the single parts)."""
        return loose_key(self.name), {loose_key(p) for p in self.parts if p}


@dataclass(frozen=True)
class Header:
    first_row: int  # 1-based
    last_row: int  # equals first_row for a one-row header
    columns: tuple[HeaderColumn, ...]  # every column up to the sheet's width
    method: str  # "explicit" | "mapping" | "heuristic"
    fields: dict[str, int] = field(default_factory=dict)  # mapping field -> 0-based column
    score: int = 0  # fields matched (mapping) or labelled columns (heuristic)
    guessed: dict[str, str] = field(default_factory=dict)  # field -> the known name its column resembles (not exact)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def named(self) -> list[HeaderColumn]:
        return [c for c in self.columns if c.name]


def header_columns(rows: Rows, width: int, merged: Sequence[CellRange], first: int, last: int) -> tuple[HeaderColumn, ...]:
    """Columns named by rows first..last; a merged group label's text counts for every column it spans.

    A cell merged across columns in the last header row is one column's name ("Kosten" over E:F): the columns it
    spans besides the first have no name of their own, rather than the same name twice."""
    grid: list[list[str]] = []
    for number in range(first, last + 1):
        values = rows.get(number, ())
        texts = [(cell_text(values[i]) or "") if i < len(values) else "" for i in range(width)]
        for area in merged:
            # "Hilfe" merged over Art/Beginn/Ende names all three columns (a group label above the last header row)
            if area.first_row == number and number < last and area.last_col > area.first_col and area.first_col <= width:
                text = texts[area.first_col - 1]
                for col in range(area.first_col, min(area.last_col, width)):
                    texts[col] = texts[col] or text
        grid.append(texts)
    columns = []
    for col in range(width):
        parts: list[str] = []
        for texts in grid:
            # a line break inside the cell is shown as ⏎ ("Beginn⏎der Hilfe"); keys ignore it like a space
            piece = LINE_BREAK.join(" ".join(line.split()) for line in texts[col].splitlines() if line.strip())
            if piece and (not parts or parts[-1] != piece):
                parts.append(piece)
        columns.append(HeaderColumn(col, _join_parts(parts), tuple(parts)))
    return tuple(columns)


def _join_parts(parts: Sequence[str]) -> str:
    """Header rows of one column as one name: "Beginn" + "der Hilfe"; a word split by a hyphen stays one ("Hilfe-art")."""
    name = ""
    for part in parts:
        name = name + part if name.endswith("-") else f"{name} {part}".strip()
    return name


def recognised(columns: Sequence[HeaderColumn], keys: Mapping[str, str]) -> int:
    """Columns whose whole name reads as a known column name: exact, or a known name plus filler words."""
    return sum(1 for c in columns if c.name and match_name(c.name, keys, prefix=False) is not None)


def is_label(value: CellValue) -> bool:
    """A value that reads like a column name: text, not a date, not a number."""
    if not isinstance(value, str):
        return False
    text = " ".join(value.split())
    return (bool(text) and len(text) <= 80 and text not in EXCEL_ERRORS
            and not _DATE_LIKE.match(text) and not _NUMBER_LIKE.match(text))


def filled(values: Sequence[CellValue]) -> list[CellValue]:
    return [v for v in values if v is not None and (not isinstance(v, str) or v.strip())]


def next_row_continues(rows: Rows, width: int, merged: Sequence[CellRange], first: int, last: int, below: Sequence[int],
                       keys: Mapping[str, str]) -> bool:
    """Row last+1 continues the header rows first..last with fragments of their names ("Hilfe-" / "art", "Beginn" / "der Hilfe").

    It must hold short text only (no date, no number), sit under named columns, and either finish a word the row
    above splits with a hyphen, or be followed by a row that looks like data. And the joined names must read as
    column names at least as well as before: a first data row of text only ("Müller", "SPFH") turns "Name" into
    "Name Müller", which no vocabulary knows.
    """
    nxt = last + 1
    if nxt not in rows or nxt not in below:
        return False
    above = header_columns(rows, width, merged, first, last)
    cells = [(i, v) for i, v in enumerate(rows[nxt]) if filled([v])]
    if not cells or not all(_is_fragment(v) for _, v in cells):
        return False
    # fragments continue names; text under a column without a name is a data row
    if any(i >= len(above) or not above[i].name for i, _ in cells):
        return False
    hyphen = any(above[i].name.endswith("-") for i, _ in cells)
    later = [n for n in below if n > nxt]
    data_below = bool(later) and any(not is_label(v) for v in filled(rows[later[0]]))
    if not (hyphen or data_below):
        return False
    before = recognised(above, keys)
    after = recognised(header_columns(rows, width, merged, first, nxt), keys)
    return after > 0 and after >= before


def _is_fragment(value: CellValue) -> bool:
    """A piece of a column name: text, short, without digits (a data row has a file number, a date or an amount)."""
    return is_label(value) and isinstance(value, str) and len(value.strip()) <= _FRAGMENT_MAX \
        and not any(ch.isdigit() for ch in value)

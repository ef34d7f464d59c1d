"""Find the header row of a caseworker's list: below title blocks and empty rows, possibly over two rows.

With a mapping, the header is the row (or the pair of rows, joined) in the
first ``search_rows`` rows where the most of the mapping's column names
match - compared loosely, because ``Geb.-Dat.``, ``Geb. Dat`` and
``GEB DAT`` are the same column to a caseworker. Without a mapping (the
profiler looking at an unknown list), the header is the first row that is
mostly text, about as wide as the rows below it, and followed by rows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jhmig.extract.cells import EXCEL_ERRORS, CellValue, cell_text, column_letter
from jhmig.extract.workbook import CellRange
from jhmig.list_mapping import ListMapping

Rows = Mapping[int, Sequence[CellValue]]

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_WORD = re.compile(r"[\W_]+")
_DATE_LIKE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}-\d{1,2}-\d{1,2}|^\d{1,2}[./]\d{4}$")
_NUMBER_LIKE = re.compile(r"^[-+(]?\s*[\d.,' ]*\d[\d.,' ]*\)?\s*(€|eur|%)?$", re.IGNORECASE)
_FOLLOWING = 10  # rows looked at below a candidate header


def loose_key(text: str) -> str:
    """Comparison form of a column name: case, spaces, NBSP, dots, hyphens, umlaut spellings and accents ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)
    # "Traeger" and "Träger" are one column; after that, drop accents (é -> e)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", stripped)


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

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def named(self) -> list[HeaderColumn]:
        return [c for c in self.columns if c.name]


def detect_header(rows: Rows, width: int, merged: Sequence[CellRange] = (), *, mapping: ListMapping | None = None,
                  search_rows: int | None = None) -> Header | None:
    """The header of a sheet, or None when no row qualifies."""
    if not rows or width == 0:
        return None
    if mapping is not None:
        return _by_mapping(rows, width, merged, mapping, search_rows)
    return _by_heuristic(rows, width, merged, search_rows or 30)


def header_columns(rows: Rows, width: int, merged: Sequence[CellRange], first: int, last: int) -> tuple[HeaderColumn, ...]:
    """Columns named by rows first..last; a merged cell's text counts for every column it spans."""
    grid: list[list[str]] = []
    for number in range(first, last + 1):
        values = rows.get(number, ())
        texts = [(cell_text(values[i]) or "") if i < len(values) else "" for i in range(width)]
        for area in merged:
            # "Hilfe" merged over Art/Beginn/Ende names all three columns
            if area.first_row == number and area.last_col > area.first_col and area.first_col <= width:
                text = texts[area.first_col - 1]
                for col in range(area.first_col, min(area.last_col, width)):
                    texts[col] = texts[col] or text
        grid.append(texts)
    columns = []
    for col in range(width):
        parts: list[str] = []
        for texts in grid:
            piece = " ".join(texts[col].split())
            if piece and (not parts or parts[-1] != piece):
                parts.append(piece)
        columns.append(HeaderColumn(col, " ".join(parts), tuple(parts)))
    return tuple(columns)


def match_fields(columns: Sequence[HeaderColumn], mapping: ListMapping) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Mapping field -> column; and fields whose names match more than one column (the first one wins)."""
    wanted = {name: {loose_key(n) for n in rule.names} for name, rule in mapping.fields.items()}
    keyed = [(c.index, *c.keys()) for c in columns if c.name]
    found: dict[str, int] = {}
    several: dict[str, list[int]] = {}
    taken: set[int] = set()
    # full names first: "Hilfe Beginn" must not be claimed by a field named just "Hilfe"
    for use_parts in (False, True):
        for name, keys in wanted.items():
            if name in found:
                continue
            hits = [index for index, full, parts in keyed
                    if index not in taken and (full in keys or (use_parts and parts & keys))]
            if hits:
                found[name] = hits[0]
                taken.add(hits[0])
                if len(hits) > 1:
                    several[name] = hits
    return found, several


def _by_mapping(rows: Rows, width: int, merged: Sequence[CellRange], mapping: ListMapping,
                search_rows: int | None) -> Header | None:
    rule = mapping.header
    if rule.row is not None:
        last = rule.row + max(rule.rows, 1) - 1
        columns = header_columns(rows, width, merged, rule.row, last)
        fields, _ = match_fields(columns, mapping)
        return Header(rule.row, last, columns, "explicit", fields, len(fields))
    spans = (rule.rows,) if rule.rows > 1 else (1, 2)
    best: Header | None = None
    limit = search_rows or rule.search_rows
    for first in sorted(r for r in rows if r <= limit):
        for span in spans:
            columns = header_columns(rows, width, merged, first, first + span - 1)
            fields, _ = match_fields(columns, mapping)
            # a second header row must add matches, or it is the first data row
            if best is None or len(fields) > best.score:
                best = Header(first, first + span - 1, columns, "mapping", fields, len(fields))
    needed = max(1, min(rule.min_matches, len(mapping.fields)))
    return best if best is not None and best.score >= needed else None


def is_label(value: CellValue) -> bool:
    """A value that reads like a column name: text, not a date, not a number."""
    if not isinstance(value, str):
        return False
    text = " ".join(value.split())
    return (bool(text) and len(text) <= 80 and text not in EXCEL_ERRORS
            and not _DATE_LIKE.match(text) and not _NUMBER_LIKE.match(text))


def _filled(values: Sequence[CellValue]) -> list[CellValue]:
    return [v for v in values if v is not None and (not isinstance(v, str) or v.strip())]


def _by_heuristic(rows: Rows, width: int, merged: Sequence[CellRange], search_rows: int) -> Header | None:
    numbers = sorted(rows)
    for position, first in enumerate(numbers):
        if first > search_rows:
            break
        cells = _filled(rows[first])
        following = [len(_filled(rows[n])) for n in numbers[position + 1: position + 1 + _FOLLOWING]]
        if not following or not cells:
            continue
        labels = sum(1 for v in cells if is_label(v))
        if labels / len(cells) < 0.7:
            continue
        typical = sorted(following)[int(len(following) * 0.75)] if len(following) > 1 else following[0]
        needed = 1 if width == 1 else max(2, math.ceil(0.6 * typical))
        if len(cells) < needed:
            continue
        last = first + 1 if _second_header_row(rows, merged, first, numbers[position + 1:]) else first
        columns = header_columns(rows, width, merged, first, last)
        return Header(first, last, columns, "heuristic", {}, sum(1 for c in columns if c.name))
    return None


def _second_header_row(rows: Rows, merged: Sequence[CellRange], first: int, below: Sequence[int]) -> bool:
    """Row first+1 continues the header: all labels, and it names columns the first row leaves blank or spans."""
    if not below or below[0] != first + 1:
        return False
    second = rows[first + 1]
    cells = _filled(second)
    if not cells or sum(1 for v in cells if is_label(v)) < len(cells):
        return False
    top = rows[first]
    spans_across = any(m.first_row == first and m.last_col > m.first_col for m in merged)
    fills_gaps = any(i < len(second) and _filled([second[i]]) and (i >= len(top) or not _filled([top[i]]))
                     for i in range(len(second)))
    if not (spans_across or fills_gaps):
        return False
    after = below[1] if len(below) > 1 else None
    if after is None:
        return False
    # the row after must look like data, or the "second header row" was data all along
    after_cells = _filled(rows[after])
    return any(not is_label(v) for v in after_cells) or len(after_cells) >= len(cells) + len(_filled(top)) // 2

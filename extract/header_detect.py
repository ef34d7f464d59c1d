"""Find the header row of a caseworker's list: below title blocks and empty rows, possibly over two rows.

With a mapping, the header is the row (or the pair of rows, joined) in the
first ``search_rows`` rows where the most of the mapping's column names
match - compared loosely, because ``Geb.-Dat.``, ``Geb. Dat`` and
``GEB DAT`` are the same column to a caseworker. Without a mapping (the
profiler looking at an unknown list), the header is the first row that is
mostly text, about as wide as the rows below it, and followed by rows.

A column no mapping name covers exactly may still be *guessed* (``Beginn der
Hilfe`` is ``Beginn``; see :mod:`jhmig.extract.column_guess`): only for
fields no column matched exactly, only when one column alone is the guess,
and always reported by the caller. A second header row joins the first when
it adds matches, or when it continues the first one (``Hilfe-`` / ``art``,
``Beginn`` / ``der Hilfe``) and the joined names read as column names at
least as well as the first row alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jhmig.extract.cells import EXCEL_ERRORS, CellValue, cell_text, column_letter
from jhmig.extract.column_guess import FIELD_GUESSES, known_keys, loose_key, match_name
from jhmig.extract.workbook import CellRange
from jhmig.list_mapping import ListMapping

Rows = Mapping[int, Sequence[CellValue]]
_DATE_LIKE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}-\d{1,2}-\d{1,2}|^\d{1,2}[./]\d{4}$")
_NUMBER_LIKE = re.compile(r"^[-+(]?\s*[\d.,' ]*\d[\d.,' ]*\)?\s*(€|eur|%)?$", re.IGNORECASE)
_FOLLOWING = 10  # rows looked at below a candidate header
_FRAGMENT_MAX = 30  # "der Hilfe", "je Monat": a continued column name is short
_VOCABULARY = known_keys(FIELD_GUESSES)  # without a mapping, joined names are judged by the profiler's vocabulary
__all__ = ["ColumnMatch", "Header", "HeaderColumn", "detect_header", "header_columns", "is_label", "loose_key", "mapping_keys",
           "match_fields", "next_row_continues", "recognised"]


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
        columns.append(HeaderColumn(col, _join_parts(parts), tuple(parts)))
    return tuple(columns)


def _join_parts(parts: Sequence[str]) -> str:
    """Header rows of one column as one name: "Beginn" + "der Hilfe"; a word split by a hyphen stays one ("Hilfe-art")."""
    name = ""
    for part in parts:
        name = name + part if name.endswith("-") else f"{name} {part}".strip()
    return name


@dataclass(frozen=True)
class ColumnMatch:
    """Which column feeds which mapping field, and how sure that is."""

    fields: dict[str, int]  # field -> 0-based column (exact and guessed)
    several: dict[str, list[int]]  # field named exactly by several columns: the first one is taken
    guessed: dict[str, str]  # field -> known name its (only) guessed column resembles
    guess_ambiguous: dict[str, list[int]]  # field guessed for several columns: none is taken

    @property
    def exact(self) -> int:
        return len(self.fields) - len(self.guessed)


def duplicate_names(columns: Sequence[HeaderColumn]) -> dict[str, list[HeaderColumn]]:
    """Column names the header holds more than once (compared as loosely as names are matched): name -> columns."""
    groups: dict[str, list[HeaderColumn]] = {}
    for column in columns:
        if column.name:
            groups.setdefault(loose_key(column.name), []).append(column)
    return {cols[0].name: cols for cols in groups.values() if len(cols) > 1}


def mapping_keys(mapping: ListMapping) -> tuple[dict[str, str], dict[str, str]]:
    """(loose key -> field of the mapping's names, the same plus the profiler's vocabulary for the mapping's fields)."""
    exact = known_keys({name: rule.names for name, rule in mapping.fields.items()})
    vocabulary = {name: FIELD_GUESSES.get(name, ()) for name in mapping.fields}
    return exact, {**known_keys(vocabulary), **exact}


def match_fields(columns: Sequence[HeaderColumn], mapping: ListMapping) -> ColumnMatch:
    """Mapping field -> column: exact names first, then guesses for the fields and columns left over."""
    exact_keys, all_keys = mapping_keys(mapping)
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
    guessed, ambiguous = _guesses(columns, found, taken, exact_keys, all_keys)
    for name, (index, _) in guessed.items():
        found[name] = index
    return ColumnMatch(found, several, {name: known for name, (_, known) in guessed.items()}, ambiguous)


def _guesses(columns: Sequence[HeaderColumn], found: Mapping[str, int], taken: set[int], exact_keys: Mapping[str, str],
             all_keys: Mapping[str, str]) -> tuple[dict[str, tuple[int, str]], dict[str, list[int]]]:
    """Fields no exact name matched, guessed from columns nothing claimed; a field two columns could be gets neither."""
    candidates: dict[str, list[tuple[int, str]]] = {}
    for column in columns:
        # a column with an exact name of the mapping is that field's (or its duplicate), never a guess for another
        if not column.name or column.index in taken or loose_key(column.name) in exact_keys:
            continue
        hit = match_name(column.name, all_keys)
        if hit is not None and hit.field not in found:
            candidates.setdefault(hit.field, []).append((column.index, hit.known))
    guessed = {name: hits[0] for name, hits in candidates.items() if len(hits) == 1}
    ambiguous = {name: [index for index, _ in hits] for name, hits in candidates.items() if len(hits) > 1}
    return guessed, ambiguous


def recognised(columns: Sequence[HeaderColumn], keys: Mapping[str, str]) -> int:
    """Columns whose whole name reads as a known column name: exact, or a known name plus filler words."""
    return sum(1 for c in columns if c.name and match_name(c.name, keys, prefix=False) is not None)


def _by_mapping(rows: Rows, width: int, merged: Sequence[CellRange], mapping: ListMapping,
                search_rows: int | None) -> Header | None:
    rule = mapping.header
    if rule.row is not None:
        last = rule.row + max(rule.rows, 1) - 1
        return _mapped_header(rows, width, merged, mapping, rule.row, last, "explicit")
    _, keys = mapping_keys(mapping)
    numbers = sorted(rows)
    most = max(rule.rows, 2)  # rows: N allows up to N header rows; one and two are always tried
    best: Header | None = None
    limit = search_rows or rule.search_rows
    for position, first in enumerate(numbers):
        if first > limit:
            break
        candidate = _mapped_header(rows, width, merged, mapping, first, first, "mapping")
        for span in range(2, most + 1):
            if candidate.last_row != first + span - 2:
                break  # the row before did not join: neither does this one
            longer = _mapped_header(rows, width, merged, mapping, first, first + span - 1, "mapping")
            # a further header row must add matches, or continue the header above it; else it is the first data row
            if longer.score > candidate.score or (
                    longer.score == candidate.score
                    and next_row_continues(rows, width, merged, first, candidate.last_row, numbers[position + 1:], keys)):
                candidate = longer
        if best is None or candidate.score > best.score:
            best = candidate
    needed = max(1, min(rule.min_matches, len(mapping.fields)))
    return best if best is not None and best.score >= needed else None


def _mapped_header(rows: Rows, width: int, merged: Sequence[CellRange], mapping: ListMapping, first: int, last: int,
                   method: str) -> Header:
    columns = header_columns(rows, width, merged, first, last)
    found = match_fields(columns, mapping)
    # the score counts exact matches only: a guess never decides where the header is
    return Header(first, last, columns, method, found.fields, found.exact, found.guessed)


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
        below = numbers[position + 1:]
        joins = _second_header_row(rows, merged, first, below) or next_row_continues(
            rows, width, merged, first, first, below, _VOCABULARY)
        last = first + 1 if joins else first
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
    cells = [(i, v) for i, v in enumerate(rows[nxt]) if _filled([v])]
    if not cells or not all(_is_fragment(v) for _, v in cells):
        return False
    # fragments continue names; text under a column without a name is a data row
    if any(i >= len(above) or not above[i].name for i, _ in cells):
        return False
    hyphen = any(above[i].name.endswith("-") for i, _ in cells)
    later = [n for n in below if n > nxt]
    data_below = bool(later) and any(not is_label(v) for v in _filled(rows[later[0]]))
    if not (hyphen or data_below):
        return False
    before = recognised(above, keys)
    after = recognised(header_columns(rows, width, merged, first, nxt), keys)
    return after > 0 and after >= before


def _is_fragment(value: CellValue) -> bool:
    """A piece of a column name: text, short, without digits (a data row has a file number, a date or an amount)."""
    return is_label(value) and isinstance(value, str) and len(value.strip()) <= _FRAGMENT_MAX \
        and not any(ch.isdigit() for ch in value)

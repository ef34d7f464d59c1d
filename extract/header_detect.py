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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jhmig.extract.column_guess import FIELD_GUESSES, known_keys, loose_key, match_name
from jhmig.extract.header_heuristic import heuristic_header
from jhmig.extract.header_model import Header, HeaderColumn, Rows, header_columns, is_label, next_row_continues, recognised
from jhmig.extract.workbook import CellRange
from jhmig.list_mapping import ListMapping

__all__ = ["ColumnMatch", "Header", "HeaderColumn", "detect_header", "header_columns", "is_label", "loose_key", "mapping_keys",
           "match_fields", "next_row_continues", "recognised"]


def detect_header(rows: Rows, width: int, merged: Sequence[CellRange] = (), *, mapping: ListMapping | None = None,
                  search_rows: int | None = None) -> Header | None:
    """The header of a sheet, or None when no row qualifies."""
    if not rows or width == 0:
        return None
    if mapping is not None:
        return _by_mapping(rows, width, merged, mapping, search_rows)
    return heuristic_header(rows, width, merged, search_rows or 30)


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
        for span in range(2, most + 1 if not _title_row(rows, merged, first) else 2):
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


def _title_row(rows: Rows, merged: Sequence[CellRange], number: int) -> bool:
    """One text across the table ("Fallliste ASD Nord", merged over the columns or not): a title, never part of the header."""
    cells = [v for v in rows.get(number, ()) if v is not None and (not isinstance(v, str) or v.strip())]
    if len(cells) != 1:
        return False
    spans = [m for m in merged if m.first_row == number and m.last_col > m.first_col]
    return not spans or any(m.last_col - m.first_col + 1 >= 3 for m in spans)


def _mapped_header(rows: Rows, width: int, merged: Sequence[CellRange], mapping: ListMapping, first: int, last: int,
                   method: str) -> Header:
    columns = header_columns(rows, width, merged, first, last)
    found = match_fields(columns, mapping)
    # the score counts exact matches only: a guess never decides where the header is
    return Header(first, last, columns, method, found.fields, found.exact, found.guessed)



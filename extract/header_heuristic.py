"""The header of an unknown list (no mapping yet): the first row that is mostly text and about as wide as the rows below.

A second row joins it when it names columns the first leaves blank or spans
(``Zeitraum`` over ``von`` / ``bis``), or continues its names. A row of group
labels above it (``Hilfe`` merged over Art/Beginn/Ende, ``Az.`` merged down
over both rows) joins it too: otherwise the group's columns would go without
their names, and the merged-down columns without any.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from jhmig.extract.column_guess import FIELD_GUESSES, known_keys
from jhmig.extract.header_model import Header, Rows, filled, header_columns, is_label, next_row_continues
from jhmig.extract.workbook import CellRange

_FOLLOWING = 10  # rows looked at below a candidate header
_VOCABULARY = known_keys(FIELD_GUESSES)  # without a mapping, joined names are judged by the profiler's vocabulary


def heuristic_header(rows: Rows, width: int, merged: Sequence[CellRange], search_rows: int) -> Header | None:
    numbers = sorted(rows)
    for position, first in enumerate(numbers):
        if first > search_rows:
            break
        cells = filled(rows[first])
        following = [len(filled(rows[n])) for n in numbers[position + 1: position + 1 + _FOLLOWING]]
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
        if position and _group_row_above(rows, width, merged, numbers[position - 1], first):
            columns = header_columns(rows, width, merged, first - 1, first)
            return Header(first - 1, first, columns, "heuristic", {}, sum(1 for c in columns if c.name))
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
    cells = filled(second)
    if not cells or sum(1 for v in cells if is_label(v)) < len(cells):
        return False
    top = rows[first]
    spans_across = any(m.first_row == first and m.last_col > m.first_col for m in merged)
    fills_gaps = any(i < len(second) and filled([second[i]]) and (i >= len(top) or not filled([top[i]]))
                     for i in range(len(second)))
    if not (spans_across or fills_gaps):
        return False
    after = below[1] if len(below) > 1 else None
    if after is None:
        return False
    # the row after must look like data, or the "second header row" was data all along
    after_cells = filled(rows[after])
    return any(not is_label(v) for v in after_cells) or len(after_cells) >= len(cells) + len(filled(top)) // 2




def _group_row_above(rows: Rows, width: int, merged: Sequence[CellRange], above: int, first: int) -> bool:
    """Row ``above`` (directly over the header row ``first``) holds group labels or names merged down over both rows.

    Only labels; and either a label merged across some (not all) columns of the table, or a name over a column
    the header row leaves blank. A title merged across the whole table is not a group row.
    """
    if above != first - 1:
        return False
    cells = filled(rows[above])
    if not cells or not all(is_label(v) for v in cells):
        return False
    top, row = rows[above], rows[first]
    used = max((i for i, v in enumerate(row) if filled([v])), default=-1) + 1
    spans = [m for m in merged if m.first_row == above and m.last_col > m.first_col]
    partial = any(m.last_col - m.first_col + 1 < max(used, 2) for m in spans)
    names_gap = any(filled([v]) and (i >= len(row) or not filled([row[i]])) and i < width for i, v in enumerate(top))
    return (partial and len(cells) + len(spans) >= 2) or (names_gap and len(cells) >= 2)

"""Pieces of a list table: cells merged down over data rows, and the raw rows kept for the quarantine."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from jhmig.extract.cells import CellValue, column_letter
from jhmig.extract.header_detect import Header
from jhmig.extract.workbook import CellRange, Sheet


def fill_merged(rows: dict[int, tuple[CellValue, ...]], merged: Sequence[CellRange], first: int, last: int
                 ) -> tuple[dict[int, tuple[CellValue, ...]], int]:
    """Cells merged down over several data rows (one child, several services) hold their value
    in the top-left cell only; every row of the range means that value."""
    inside = [m for m in merged if m.first_row >= first and m.last_row <= last and m.last_row > m.first_row]
    if not inside:
        return rows, 0
    out = dict(rows)
    for m in inside:
        top = rows.get(m.first_row, ())
        for number in range(m.first_row + 1, m.last_row + 1):
            values = list(out.get(number, ()))
            if len(values) < m.last_col:
                values += [None] * (m.last_col - len(values))
            for col in range(m.first_col - 1, m.last_col):
                if values[col] is None and col < len(top):
                    values[col] = top[col]
            out[number] = tuple(values)
    return out, len(inside)


def raw_frame(sheet: Sheet, raw: dict[int, list[str | None]], header: Header | None) -> pd.DataFrame:
    """The rows as read, under the sheet's column names (letters where the header has none), for the quarantine."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for col in range(sheet.width):
        name = ""
        if header is not None and col < len(header.columns):
            name = header.columns[col].name
        name = name or f"Spalte {column_letter(col)}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    width = sheet.width
    data = [texts + [None] * (width - len(texts)) for texts in raw.values()]
    frame = pd.DataFrame(data, columns=names, dtype="string") if data else pd.DataFrame(
        {n: pd.Series(dtype="string") for n in names})
    frame.index = pd.Index(list(raw), name="src_line", dtype="int64")
    return frame

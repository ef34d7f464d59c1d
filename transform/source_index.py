"""Where a finding's field lives in the raw tables: source tables, cells and keys.

Used by the stewards' corrections (which cell a decision overrides) and by
the work list (the delivered column and cell value behind each finding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from jhmig.layout import FileLayout, Layout
from jhmig.records import ExtractResult, RawTable
from jhmig.transform.list_identity import ROW_KEY



@dataclass(frozen=True)
class Cell:
    """One column of a raw table: the name the transform reads, the name the delivered source has."""

    frame_column: str  # column of RawTable.frame (overrides go here)
    raw_column: str | None  # column of batch.raw (the source as delivered); shown to stewards
    field: str
    value_type: str | None = None  # the layout's type (legacy exports), None for lists


@dataclass
class SourceTable:
    table: RawTable
    file_layout: FileLayout | None  # None: a caseworker's list (columns are fields, see column_letters)
    raw: pd.DataFrame | None  # batch.raw: the source as delivered, by src_line


class SourceIndex:
    """Finds source tables, cells and keys for findings and decisions (legacy layouts and list mappings)."""

    def __init__(self, extract: ExtractResult, layout: Layout | None) -> None:
        self.layout = layout
        by_file = {f.file: f for f in layout.files} if layout is not None else {}
        self._tables: dict[tuple[str, str], SourceTable] = {}
        for table in extract.tables:
            raw = extract.batch.raw.get((table.src_path, table.src_sheet))
            self._tables[(table.src_path.upper(), table.src_sheet)] = SourceTable(table, by_file.get(table.file), raw)

    def find(self, src_path: str, src_sheet: str) -> SourceTable | None:
        found = self._tables.get((src_path.upper(), src_sheet))
        if found is None:  # a sheet name retyped in another case
            found = next((t for (p, s), t in self._tables.items() if p == src_path.upper() and s.casefold() == src_sheet.casefold()), None)
        return found

    def tables(self) -> Iterable[SourceTable]:
        return self._tables.values()

    def cell(self, source: SourceTable, entity: str, name: str) -> Cell | None:
        """The column behind a field (or a source column named directly) of ``entity`` in ``source``."""
        if not name:
            return None
        fl = source.file_layout
        if fl is not None:
            wanted = name
            if entity and entity != fl.entity:  # a derived entity (addresses from the person file)
                derived = next((d for d in fl.also if d.entity == entity), None)
                if derived is not None:
                    wanted = derived.fields.get(name, name)
            for column, spec in fl.columns.items():
                if spec.field == wanted or spec.copy_to == wanted:
                    return Cell(column, column, spec.field, spec.type)
            for column, spec in fl.columns.items():
                if column.casefold() == name.casefold():
                    return Cell(column, column, spec.field, spec.type)
            return None
        letters = source.table.column_letters
        if name in ("family_name", "given_names") and name not in letters and "name_full" in letters:
            name = "name_full"  # "Name, Vorname" in one column of a list
        if name.endswith("“") and "„" in name:  # a list's Fundstelle as the work list shows it: F „Beginn“
            name = name[name.index("„") + 1:-1]
        if name in source.table.frame.columns and name != "src_line":
            return Cell(name, self._raw_name(source, letters.get(name)), name)
        for fld, letter in letters.items():  # the sheet's own header, as the list showed it
            raw_name = self._raw_name(source, letter)
            if raw_name is not None and raw_name.casefold() == name.casefold():
                return Cell(fld, raw_name, fld)
        return None

    @staticmethod
    def _raw_name(source: SourceTable, letter: str | None) -> str | None:
        if source.raw is None or not letter or not letter.isalpha():
            return None
        index = 0
        for ch in letter.upper():
            index = index * 26 + ord(ch) - 64
        return str(source.raw.columns[index - 1]) if 0 < index <= len(source.raw.columns) else None

    @staticmethod
    def has_line(source: SourceTable, line: int) -> bool:
        return line in source.table.frame.index

    @staticmethod
    def value(source: SourceTable, cell: Cell, line: int) -> str | None:
        """The cell as delivered (before any override)."""
        frame, column = (source.raw, cell.raw_column) if source.raw is not None and cell.raw_column in source.raw.columns \
            else (source.table.frame, cell.frame_column)
        if line not in frame.index:
            return None
        value = frame.at[line, column]
        return None if pd.isna(value) else str(value)

    @staticmethod
    def key(source: SourceTable, line: int) -> str | None:
        """The record's legacy key as transform builds it (key columns joined by '|'); None when unknown (lists)."""
        fl = source.file_layout
        frame = source.raw if source.raw is not None else source.table.frame
        if fl is None or line not in frame.index:
            return None
        parts = []
        for column in fl.key:
            value = frame.at[line, column] if column in frame.columns else None
            parts.append("" if value is None or pd.isna(value) else str(value).replace("\u00a0", " ").strip())
        key = "|".join(parts)
        return key if key.strip("|") else None

    @staticmethod
    def row_key(source: SourceTable, line: int) -> str | None:
        """A list row's identity (:mod:`jhmig.transform.list_identity`); None for the export and unknown lines."""
        frame = source.table.frame
        if ROW_KEY not in frame or line not in frame.index:
            return None
        value = frame.at[line, ROW_KEY]
        return None if pd.isna(value) else str(value)

    def find_row(self, src_path: str, row_key: str) -> tuple[SourceTable, int] | None:
        """Where the list row ``row_key`` stands now in ``src_path`` (any sheet: rows move, sheets are renamed)."""
        for (path, _sheet), source in self._tables.items():
            frame = source.table.frame
            if path != src_path.upper() or ROW_KEY not in frame:
                continue
            hit = frame.index[frame[ROW_KEY] == row_key]
            if len(hit):
                return source, int(hit[0])
        return None

    def column_fields(self) -> dict[tuple[str, str], dict[str, tuple[str, str | None]]]:
        """Per source table: delivered column -> (field, layout type); what report masking needs to know."""
        out: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = {}
        for source in self._tables.values():
            t = source.table
            columns: dict[str, tuple[str, str | None]] = {}
            if source.file_layout is not None:
                columns = {name: (c.field, c.type) for name, c in source.file_layout.columns.items()}
            else:
                for fld, letter in t.column_letters.items():
                    raw_name = self._raw_name(source, letter)
                    columns[raw_name or fld] = (fld, None)
            out[(t.src_path, t.src_sheet)] = columns
        return out


def source_cells(findings: pd.DataFrame, index: SourceIndex) -> pd.DataFrame:
    """For every finding: the delivered column behind its field and that cell's value (what the list records)."""
    out = pd.DataFrame({"src_column": pd.Series(pd.NA, index=findings.index, dtype="string"),
                        "src_value": pd.Series(pd.NA, index=findings.index, dtype="string"),
                        "row_key": pd.Series(pd.NA, index=findings.index, dtype="string")})
    for (path, sheet), part in findings[findings["src_line"].notna()].groupby(["src_path", "src_sheet"], sort=False, dropna=False):
        source = index.find(str(path), "" if pd.isna(sheet) else str(sheet))
        if source is not None and ROW_KEY in source.table.frame:  # a list row: decisions follow it when rows move
            keys = source.table.frame[ROW_KEY].reindex(part["src_line"].astype("int64").to_numpy())
            out.loc[part.index, "row_key"] = keys.astype("string").to_numpy()
    located = findings[findings["src_line"].notna() & findings["field"].notna()]
    if not len(located):
        return out
    for (path, sheet, entity, fld), part in located.groupby(["src_path", "src_sheet", "entity", "field"], sort=False, dropna=False):
        source = index.find(str(path), "" if pd.isna(sheet) else str(sheet))
        cell = index.cell(source, str(entity), str(fld)) if source is not None else None
        if source is None or cell is None:
            continue
        letter = source.table.column_letters.get(cell.frame_column) if source.file_layout is None else None
        # a list's column by its letter and the sheet's own header: Spalte F „Beginn“
        out.loc[part.index, "src_column"] = f"{letter} „{cell.raw_column}“" if letter and cell.raw_column else \
            cell.raw_column or cell.frame_column
        frame, column = ((source.raw, cell.raw_column) if source.raw is not None and cell.raw_column in source.raw.columns
                         else (source.table.frame, cell.frame_column))
        lines = part["src_line"].astype("int64")
        values = frame[column].reindex(lines.to_numpy())
        out.loc[part.index, "src_value"] = values.astype("string").to_numpy()
    return out

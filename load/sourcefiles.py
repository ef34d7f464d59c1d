"""``mig_source_file``: one stable id per (source system, file, sheet), reused by later runs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from jhmig.schema import MigSourceFile

_COLUMNS = ["source_system", "path", "sheet"]


@dataclass(frozen=True)
class SourceFiles:
    """The registered files, for vectorised lookups of ``src_file_id``."""

    index: pd.MultiIndex  # (source_system, path, sheet)
    ids: np.ndarray

    def lookup(self, source_system: pd.Series, path: pd.Series, sheet: pd.Series) -> pd.Series:
        """``src_file_id`` per row (Int64); NA where the path is empty or unknown."""
        # Millions of rows name a handful of files: look up each distinct triple once.
        codes, distinct = _distinct(source_system, path, sheet)
        keys = pd.MultiIndex.from_frame(distinct.astype(object)) if len(distinct) else _empty_index()
        positions = self.index.get_indexer(keys)[codes] if len(distinct) else np.zeros(0, dtype=np.int64)
        found = positions >= 0
        values = pd.array(np.zeros(len(positions), dtype=np.int64), dtype="Int64")
        values[found] = self.ids[positions[found]]
        values[~found] = pd.NA
        return pd.Series(values, index=path.index)


def source_file_triples(source_system: pd.Series | str, path: pd.Series, sheet: pd.Series) -> pd.DataFrame:
    """Distinct (source_system, path, sheet) with a non-empty path, in canonical text form."""
    systems = pd.Series(source_system, index=path.index, dtype="string") if isinstance(source_system, str) else source_system
    _, frame = _distinct(systems, path, sheet)
    return frame.loc[frame["path"] != ""].astype(object).reset_index(drop=True)


def _distinct(source_system: pd.Series, path: pd.Series, sheet: pd.Series) -> tuple[np.ndarray, pd.DataFrame]:
    """Per row the number of its (source_system, path, sheet), and the distinct triples in first-seen order.

    Stays in Arrow strings: a Python object per row for two million payments costs hundreds of MB.
    """
    frame = pd.DataFrame({name: col.astype("string").fillna("").reset_index(drop=True)
                          for name, col in zip(_COLUMNS, (source_system, path, sheet), strict=True)})
    grouped = frame.groupby(_COLUMNS, sort=False, dropna=False)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    distinct = frame.drop_duplicates(ignore_index=True)  # first-seen order, as ngroup numbers the groups
    return codes, distinct


def register_source_files(connection: sa.Connection, wanted: pd.DataFrame) -> SourceFiles:
    """Add the files of ``wanted`` that are new and return all registered files."""
    table = MigSourceFile.__table__
    rows = connection.execute(sa.select(table.c.source_system, table.c.path, table.c.sheet, table.c.source_file_id)).all()
    known = pd.DataFrame([tuple(r) for r in rows], columns=[*_COLUMNS, "source_file_id"])
    index = pd.MultiIndex.from_frame(known[_COLUMNS]) if len(known) else _empty_index()
    ids = known["source_file_id"].to_numpy(dtype=np.int64)

    wanted = wanted.loc[:, _COLUMNS].drop_duplicates(ignore_index=True)
    if len(wanted):
        is_new = index.get_indexer(pd.MultiIndex.from_frame(wanted)) < 0
        new = wanted.loc[is_new].sort_values(_COLUMNS, ignore_index=True)  # sorted: ids do not depend on frame order
        if len(new):
            first = int(ids.max()) + 1 if len(ids) else 1
            new_ids = np.arange(first, first + len(new), dtype=np.int64)
            connection.execute(
                table.insert(),
                [
                    {"source_file_id": int(i), "source_system": s, "path": p, "sheet": sh}
                    for i, s, p, sh in zip(new_ids, new["source_system"], new["path"], new["sheet"], strict=True)
                ],
            )
            index = index.append(pd.MultiIndex.from_frame(new))
            ids = np.concatenate([ids, new_ids])
    return SourceFiles(index, ids)


def _empty_index() -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([[], [], []], names=_COLUMNS)

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
        keys = pd.MultiIndex.from_arrays([_text(source_system), _text(path), _text(sheet)])
        positions = self.index.get_indexer(keys)
        found = positions >= 0
        values = pd.array(np.zeros(len(positions), dtype=np.int64), dtype="Int64")
        values[found] = self.ids[positions[found]]
        values[~found] = pd.NA
        return pd.Series(values, index=path.index)


def source_file_triples(source_system: pd.Series | str, path: pd.Series, sheet: pd.Series) -> pd.DataFrame:
    """Distinct (source_system, path, sheet) with a non-empty path, in canonical text form."""
    n = len(path)
    systems = pd.Series([source_system] * n, index=path.index) if isinstance(source_system, str) else source_system
    frame = pd.DataFrame({"source_system": _text(systems), "path": _text(path), "sheet": _text(sheet)})
    return frame.loc[frame["path"] != ""].drop_duplicates(ignore_index=True)


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


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").astype(object)


def _empty_index() -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([[], [], []], names=_COLUMNS)

"""Aliases: legacy keys of records the matching stage merged into a survivor (possibly of another source).

A merged record is not loaded as a row; its key goes into ``mig_key_map``
with the survivor's id, so that every reference to it (a list service naming
a list person that is the export's person) resolves to the survivor's row,
and a later run finds the same id again. Alias entries are never deleted as
"gone": their id belongs to the survivor's row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jhmig.load.keymap import KeyState, read_key_state
from jhmig.load.bulk import BulkWriter
from jhmig.entities import EntitySpec

ALIAS_COLUMNS = ("source_system", "entity", "legacy_key", "survivor_source", "survivor_key")


@dataclass
class RunIds:
    """Ids of the rows this run has planned so far, per (source system, entity): legacy key -> id."""

    planned: dict[tuple[str, str], pd.Series] = field(default_factory=dict)

    def add(self, source: str, entity: str, live: pd.Series) -> None:
        self.planned[(source, entity)] = live

    def ids(self, entity: str) -> np.ndarray:
        parts = [s.to_numpy(dtype=np.int64) for (_, e), s in self.planned.items() if e == entity]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def aliases_of(aliases: pd.DataFrame | None, source: str, entity: str) -> pd.DataFrame:
    if aliases is None or not len(aliases):
        return pd.DataFrame(columns=list(ALIAS_COLUMNS))
    rows = aliases[(aliases["source_system"] == source) & (aliases["entity"] == entity)]
    return rows.drop_duplicates("legacy_key")


def survivor_ids(bulk: BulkWriter, spec: EntitySpec, rows: pd.DataFrame, run_ids: RunIds) -> pd.Series:
    """Alias key -> the survivor's id: planned in this run, else the survivor's entry in the key map."""
    out = pd.Series(np.full(len(rows), -1, dtype=np.int64), index=pd.Index(rows["legacy_key"].astype(str)))
    for survivor_source, part in rows.groupby("survivor_source", sort=False):
        planned = run_ids.planned.get((str(survivor_source), spec.name))
        found = part["survivor_key"].map(planned) if planned is not None else pd.Series(np.nan, index=part.index)
        if found.isna().any():
            state = read_key_state(bulk, spec, str(survivor_source))
            mapped = pd.Series(state.new_id, index=pd.Index(state.keys.astype(str)))
            found = found.fillna(part["survivor_key"].astype(str).map(mapped))
        out.loc[part["legacy_key"].astype(str).to_numpy()] = found.fillna(-1).astype("int64").to_numpy()
    return out[out >= 0]


def without_aliases(state: KeyState, alias_keys: pd.Index) -> KeyState:
    """The key state minus this run's alias keys: they are neither delivered rows nor gone ones."""
    if not len(alias_keys):
        return state
    keep = ~state.keys.astype(str).isin(alias_keys.astype(str))
    import pyarrow as pa

    return KeyState(keys=state.keys[keep], new_id=state.new_id[keep], row_hash=state.row_hash.filter(pa.array(keep)))


def superseded_ids(state: KeyState, merged: pd.Series, live: np.ndarray) -> np.ndarray:
    """Rows of records that stood alone before and are now merged into another id: they go.

    ``live``: ids this run keeps (planned rows); a record that moved to another cluster leaves its
    old row to the records still carrying it, and a survivor's row is never superseded.
    """
    if not len(merged) or not len(state.keys):
        return np.zeros(0, dtype=np.int64)
    own = pd.Series(state.new_id, index=pd.Index(state.keys.astype(str)))[state.in_target]
    own = own[own.index.isin(merged.index)]
    gone = own[own.to_numpy() != merged.reindex(own.index).to_numpy()].to_numpy(dtype=np.int64)
    return gone[~np.isin(gone, np.concatenate([live, merged.to_numpy(dtype=np.int64)]))]

"""Which record of a cluster carries the target row, and which value of each field survives.

Rules are data (``survivorship`` in the entity's YAML): ``source`` (the
legacy export before the lists, in the run's order), ``newer`` (later
``changed_on``/``created_on``), ``filled`` (a value over an empty one). The
carrier of the row is the member that already has an id in the key map
(the lowest), so that ids stay stable across dry runs; a new cluster is
carried by the best member by the default rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jhmig.identity import Cluster, RecordRef

META = {"uid", "source_system", "legacy_key", "order", "position", "src_path", "src_sheet", "src_line", "file_numbers",
        "caseworkers", "roles", "street", "house_number", "postcode", "city", "match_key", "phonetic_key"}


@dataclass(frozen=True)
class Survivorship:
    default: tuple[str, ...] = ("source", "newer", "filled")
    fields: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def from_config(cls, entry: dict | None) -> Survivorship:
        entry = entry or {}
        return cls(tuple(entry.get("default", cls.default)), {k: tuple(v) for k, v in (entry.get("fields") or {}).items()})

    def rules_for(self, field: str) -> tuple[str, ...]:
        return (self.fields or {}).get(field, self.default)


def _rank(rows: pd.DataFrame, rules: tuple[str, ...], column: str | None) -> np.ndarray:
    """Positions of ``rows`` best first under ``rules`` (stable: source position breaks ties)."""
    keys: list[np.ndarray] = []
    for rule in rules:
        if rule == "source":
            keys.append(rows["order"].to_numpy(dtype=float))
        elif rule == "newer":
            stamp = rows["changed_on"] if "changed_on" in rows else pd.Series(pd.NaT, index=rows.index)
            if "created_on" in rows:
                stamp = stamp.fillna(rows["created_on"])
            keys.append(-pd.to_datetime(stamp, errors="coerce").fillna(pd.Timestamp(0)).astype("int64").to_numpy(dtype=float))
        elif rule == "filled" and column is not None:
            keys.append(rows[column].isna().to_numpy(dtype=float))
    keys.append(rows["position"].to_numpy(dtype=float))
    return np.lexsort(tuple(reversed(keys)))


def choose_carrier(rows: pd.DataFrame, rules: Survivorship, known_ids: pd.Series | None) -> int:
    """Row position (in ``rows``) of the record that carries the cluster's target row."""
    if known_ids is not None and len(known_ids):
        ids = rows["uid"].map(known_ids)
        if ids.notna().any():
            return int(np.flatnonzero(ids.to_numpy(dtype=float) == np.nanmin(ids.to_numpy(dtype=float)))[0])
    filled = rows.notna().sum(axis=1)
    ranked = _rank(rows.assign(_filled=-filled), tuple(rules.default) + ("_filled",), None)
    return int(ranked[0])


def surviving_values(rows: pd.DataFrame, value_columns: list[str], rules: Survivorship) -> tuple[dict[str, object], dict[str, str]]:
    """Per field the surviving value and the source system it came from."""
    values: dict[str, object] = {}
    won: dict[str, str] = {}
    for column in value_columns:
        if column not in rows or column in META:
            continue
        best = _rank(rows, rules.rules_for(column), column)
        pick = rows.iloc[best[0]]
        if pd.isna(pick[column]):
            filled = rows[column].notna().to_numpy()
            if filled.any():
                pick = rows.iloc[[b for b in best if filled[b]][0]]
        values[column] = pick[column]
        won[column] = str(pick["source_system"])
    return values, won


def build_cluster(rows: pd.DataFrame, entity: str, rules: Survivorship, known_ids: pd.Series | None,
                  value_columns: list[str]) -> tuple[Cluster, dict[str, object]]:
    carrier = rows.iloc[choose_carrier(rows, rules, known_ids)]
    members = tuple(sorted(RecordRef(str(s), entity, str(k)) for s, k in zip(rows["source_system"], rows["legacy_key"])))
    values, won = surviving_values(rows, value_columns, rules)
    return Cluster(RecordRef(str(carrier["source_system"]), entity, str(carrier["legacy_key"])), members, won), values

"""Which record of a cluster carries the target row, and which value of each field survives.

Rules are data (``survivorship`` in the entity's YAML): ``source`` (the
legacy export before the lists, in the run's order), ``newer`` (later
``changed_on``/``created_on``), ``filled`` (a value over an empty one). The
carrier of the row is the member that already has an id in the key map
(the lowest; of members sharing it, the one with the oldest entry), so that
ids and the carrier stay stable across dry runs; a new cluster is
carried by the best member by the default rules.

Vectorised over all clusters at once: records sorted by the rules, then the
first (non-empty) value per cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jhmig.identity import Cluster, RecordRef

META = {"uid", "source_system", "legacy_key", "order", "position", "src_path", "src_sheet", "src_line", "file_numbers",
        "caseworkers", "roles", "street", "house_number", "postcode", "city", "match_key", "phonetic_key", "component"}


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


def _sort_keys(rows: pd.DataFrame, rules: tuple[str, ...]) -> list[str]:
    """Adds the helper columns the rules sort by (ascending = better) and names them."""
    keys = ["component"]
    for rule in rules:
        if rule == "source":
            keys.append("order")
        elif rule == "newer":
            if "_newer" not in rows:
                stamp = pd.to_datetime(rows["changed_on"], errors="coerce") if "changed_on" in rows else pd.Series(pd.NaT, index=rows.index)
                if "created_on" in rows:
                    stamp = stamp.fillna(pd.to_datetime(rows["created_on"], errors="coerce"))
                rows["_newer"] = -stamp.fillna(pd.Timestamp(0)).astype("int64")
            keys.append("_newer")
        elif rule == "filled" and "_empty" in rows:
            keys.append("_empty")
    return keys + ["position"]


def carriers(rows: pd.DataFrame, rules: Survivorship, known_ids: pd.Series | None, known_since: pd.Series | None = None) -> pd.Series:
    """Per component: the row label of the record that carries the cluster's row.

    The member with the lowest id in the key map; when several share it (merged in an earlier run),
    the one whose entry is oldest (``known_since``: uid -> first_run_id), which is the record the row
    was made for: an entry moved to a survivor's id is rewritten by the run that merged it. So the
    carrier, and with it the row's key and lineage, does not flip between runs with the same input.
    """
    rows = rows.copy()
    rows["_empty"] = -rows.notna().sum(axis=1)
    ids = rows["uid"].map(known_ids) if known_ids is not None and len(known_ids) else pd.Series(np.nan, index=rows.index)
    rows["_known"] = pd.to_numeric(ids, errors="coerce").fillna(np.inf)
    since = rows["uid"].map(known_since) if known_since is not None and len(known_since) else pd.Series(np.nan, index=rows.index)
    rows["_since"] = pd.to_numeric(since, errors="coerce").fillna(np.inf)
    keys = ["component", "_known", "_since"] + _sort_keys(rows, tuple(rules.default) + ("filled",))[1:]
    ordered = rows.sort_values(keys, kind="stable")
    return ordered.groupby("component", sort=False).head(1).set_index("component")["uid"]


def surviving_values(rows: pd.DataFrame, value_columns: list[str], rules: Survivorship) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per component and field the surviving value, and the source system it came from."""
    rows = rows.copy()
    values: dict[str, pd.Series] = {}
    won: dict[str, pd.Series] = {}
    for column in value_columns:
        if column not in rows or column in META:
            continue
        ordered = rows.sort_values(_sort_keys(rows, rules.rules_for(column)), kind="stable")
        source = ordered["source_system"].where(ordered[column].notna())
        grouped = pd.DataFrame({"component": ordered["component"], "v": ordered[column], "s": source}).groupby("component", sort=True)
        values[column] = grouped["v"].first()  # first non-empty in rule order: "filled over empty" always holds last
        won[column] = grouped["s"].first()
    return pd.DataFrame(values), pd.DataFrame(won)


def build_clusters(rows: pd.DataFrame, entity: str, rules: Survivorship, known_ids: pd.Series | None,
                   value_columns: list[str], known_since: pd.Series | None = None) -> tuple[list[Cluster], dict[str, dict[str, object]]]:
    """Clusters of the rows (column ``component``: two or more rows each) and the surviving values per survivor uid."""
    carrier = carriers(rows, rules, known_ids, known_since)
    values, won = surviving_values(rows, value_columns, rules)
    refs = pd.Series([RecordRef(str(s), entity, str(k)) for s, k in zip(rows["source_system"], rows["legacy_key"])], index=rows.index)
    by_uid = dict(zip(rows["uid"], refs))
    members = refs.groupby(rows["component"]).agg(lambda s: tuple(sorted(s)))
    clusters, surviving = [], {}
    value_rows = values.to_dict("index")
    won_rows = won.to_dict("index")
    for component, uid in carrier.items():
        fields = value_rows.get(component, {})
        clusters.append(Cluster(by_uid[uid], members[component], {k: v for k, v in won_rows.get(component, {}).items() if isinstance(v, str)}))
        surviving[uid] = fields
    return clusters, surviving

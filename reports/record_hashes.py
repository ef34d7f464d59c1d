"""``record_hashes.parquet``: one content hash per record a run loads, for ``jhmig runs diff``.

Two dry runs are compared record by record without the target (a dry run
leaves nothing there): same identity, other hash = changed values. The hash
covers the record's unified values (not lineage, not the run), so a record
that only moved to another line does not count as changed.

The identity of a record is its stable one, not the legacy key its row is
carried by: a record the matching stage merged with others (a person of the
export and of two lists, a steward's *gleiche Person*) is the cluster, named
by its first member (the earliest source of the run, then the smallest key).
Which member carries the row may change between runs; the cluster, and so
the identity, does not. References are hashed as the identity they point at,
so a child whose person's carrier changed has not changed either.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jhmig.entities import LINEAGE_FRAME_COLUMNS, entity_specs
from jhmig.identity import IdentityResult
from jhmig.records import Batch

FILE = "record_hashes.parquet"
SKIPPED_FILE = "skipped_keys.parquet"  # keys of the records a run skipped on purpose, with the reason (steward exclusions)


COLUMNS = ["source_system", "entity", "legacy_key", "identity", "hash"]


def record_identities(result: IdentityResult | None, source_order: list[str]) -> dict[tuple[str, str], dict[str, str]]:
    """(source system, entity) -> legacy key -> identity, for every member of a cluster (survivor and merged)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    if result is None:
        return out
    rank = {source: i for i, source in enumerate(source_order)}
    for entity in ("person", "case_file", "provider", "participant", "service"):
        for cluster in result.clusters(entity):
            first = min(cluster.members, key=lambda m: (rank.get(m.source_system, len(rank)), m.source_system, m.legacy_key))
            name = identity_of(first.source_system, first.legacy_key)
            for member in cluster.members:
                out.setdefault((member.source_system, entity), {})[member.legacy_key] = name
    return out


def identity_of(source_system: str, legacy_key: str) -> str:
    """``source|key`` of a cluster's first member (a record outside any cluster has <NA>: its own key)."""
    return f"{source_system}|{legacy_key}"


def record_hashes(batches: list[Batch], identities: dict[tuple[str, str], dict[str, str]] | None = None) -> pd.DataFrame:
    identities = identities or {}
    specs = entity_specs()
    parts = []
    for batch in batches:
        for entity, frame in batch.frames.items():
            if not len(frame) or "legacy_key" not in frame:
                continue
            keys = frame["legacy_key"].astype("string")
            valued = frame
            refs = {r.key_column: r.target for r in specs[entity].references} if entity in specs else {}
            for column, target in refs.items():
                known = identities.get((batch.source_system, target))
                if column in frame and known:
                    # a reference counts as the identity it names: the carrier of a merged person may change
                    valued = valued if valued is not frame else frame.copy()
                    refs_now = frame[column].astype("string")
                    valued[column] = refs_now.map(known).astype("string").fillna(refs_now)  # outside a cluster: the key as it is
            hashed = _row_hashes(valued, [c for c in frame.columns if c not in LINEAGE_FRAME_COLUMNS and c != "legacy_key"])
            parts.append(pd.DataFrame({"source_system": batch.source_system, "entity": entity,
                                       "legacy_key": keys.to_numpy(),
                                       "identity": _identities(keys, identities.get((batch.source_system, entity), {})).to_numpy(),
                                       "hash": hashed.view(np.int64)}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _identities(keys: pd.Series, known: dict[str, str]) -> pd.Series:
    """Each key's cluster identity; <NA> for a record that is its own (no text per payment: millions of rows)."""
    if not known:
        return pd.Series(pd.NA, index=keys.index, dtype="string")
    return keys.map(known).astype("string")


def _row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``hash_pandas_object`` of the columns as text, row by row: the same numbers, one column at a time.

    Converting all columns of two million payments to text at once cost a few hundred MB at the run's peak;
    pandas combines the per-column hashes the same way (its own ``combine_hash_arrays``).
    """
    from pandas.core.util.hashing import combine_hash_arrays

    hashes = (pd.util.hash_pandas_object(frame[c].astype("string"), index=False).to_numpy(np.uint64) for c in columns)
    return combine_hash_arrays(hashes, len(columns))


def write_record_hashes(run_dir: Path, batches: list[Batch], identities: dict[tuple[str, str], dict[str, str]] | None = None) -> Path:
    path = run_dir / FILE
    record_hashes(batches, identities).to_parquet(path, index=False)
    return path


def read_record_hashes(run_dir: Path) -> pd.DataFrame | None:
    """The run's record hashes; a file of an older version without identities: each record is its own."""
    path = run_dir / FILE
    if not path.exists():
        return None
    frame = pd.read_parquet(path)  # without an ``identity`` column: written by an older jhmig (see comparable)
    return frame.astype({c: "string" for c in ("source_system", "entity", "legacy_key", "identity") if c in frame})


def own_identities(frame: pd.DataFrame) -> pd.Series:
    return (frame["source_system"].astype("string") + "|" + frame["legacy_key"].astype("string")).astype("string")


def comparable(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both runs' hashes on one footing, each record named by its identity (<NA>: its own key). When one was
    written without identities (an older jhmig), both are matched on their own keys, as that version did."""
    if "identity" not in a or "identity" not in b:
        return a.assign(identity=own_identities(a)), b.assign(identity=own_identities(b))
    return (a.assign(identity=a["identity"].astype("string").fillna(own_identities(a))),
            b.assign(identity=b["identity"].astype("string").fillna(own_identities(b))))


def write_skipped_keys(run_dir: Path, batches: list[Batch]) -> Path:
    """``skipped_keys.parquet``: source system, entity, legacy key and reason of every record skipped on purpose."""
    parts = [b.outcome_frame("skipped") for b in batches]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else pd.DataFrame(
        columns=["source_system", "entity", "legacy_key", "reason"])
    frame = frame.dropna(subset=["legacy_key"])[["source_system", "entity", "legacy_key", "reason"]].astype("string")
    path = run_dir / SKIPPED_FILE
    frame.to_parquet(path, index=False)
    return path


def read_skipped_keys(run_dir: Path) -> pd.DataFrame | None:
    path = run_dir / SKIPPED_FILE
    return pd.read_parquet(path) if path.exists() else None

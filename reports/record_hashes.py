"""``record_hashes.parquet``: one content hash per record a run loads, for ``jhmig runs diff``.

Two dry runs are compared record by record without the target (a dry run
leaves nothing there): same key, other hash = changed values. The hash covers
the record's unified values (not lineage, not the run), so a record that only
moved to another line does not count as changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jhmig.entities import LINEAGE_FRAME_COLUMNS
from jhmig.records import Batch

FILE = "record_hashes.parquet"


def record_hashes(batches: list[Batch]) -> pd.DataFrame:
    parts = []
    for batch in batches:
        for entity, frame in batch.frames.items():
            if not len(frame) or "legacy_key" not in frame:
                continue
            hashed = _row_hashes(frame, [c for c in frame.columns if c not in LINEAGE_FRAME_COLUMNS and c != "legacy_key"])
            parts.append(pd.DataFrame({"source_system": batch.source_system, "entity": entity,
                                       "legacy_key": frame["legacy_key"].astype("string").to_numpy(), "hash": hashed.view(np.int64)}))
    if not parts:
        return pd.DataFrame(columns=["source_system", "entity", "legacy_key", "hash"])
    return pd.concat(parts, ignore_index=True)


def _row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``hash_pandas_object`` of the columns as text, row by row: the same numbers, one column at a time.

    Converting all columns of two million payments to text at once cost a few hundred MB at the run's peak;
    pandas combines the per-column hashes the same way (its own ``combine_hash_arrays``).
    """
    from pandas.core.util.hashing import combine_hash_arrays

    hashes = (pd.util.hash_pandas_object(frame[c].astype("string"), index=False).to_numpy(np.uint64) for c in columns)
    return combine_hash_arrays(hashes, len(columns))


def write_record_hashes(run_dir: Path, batches: list[Batch]) -> Path:
    path = run_dir / FILE
    record_hashes(batches).to_parquet(path, index=False)
    return path


def read_record_hashes(run_dir: Path) -> pd.DataFrame | None:
    path = run_dir / FILE
    return pd.read_parquet(path) if path.exists() else None

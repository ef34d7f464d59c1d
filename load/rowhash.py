"""Content hash of domain rows, to recognise unchanged records on re-runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.util import hash_pandas_object

# "00".."ff" as 2-byte strings: turns the 8 bytes of a uint64 into hex without a Python loop.
_HEX_PAIRS = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def hex16(values: np.ndarray) -> np.ndarray:
    """uint64 values as 16-character lower-case hex strings (object array)."""
    big_endian = np.ascontiguousarray(values, dtype=">u8")
    pairs = _HEX_PAIRS[big_endian.view(np.uint8).reshape(-1, 8)]
    return pairs.view("S16").ravel().astype("U16").astype(object)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 16-hex-digit hash per row over all columns of ``frame``, in column order.

    ``frame`` must hold canonical dtypes (:mod:`jhmig.load.columns`), so that the
    same values give the same hash whatever dtypes upstream used. Lineage is no
    part of it: a record that only moved to another line is unchanged. The hash
    is pandas' (deterministic, fixed key); should a pandas upgrade ever change
    it, the next run rewrites every row once and is idempotent again after.
    """
    if frame.shape[1] == 0:
        raise ValueError("a row hash needs at least one column")
    hashed = hash_pandas_object(frame, index=False, categorize=True)
    return hex16(hashed.to_numpy(dtype=np.uint64))

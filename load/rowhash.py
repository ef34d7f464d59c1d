"""Content hash of domain rows, to recognise unchanged records on re-runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.util import hash_pandas_object

# "00".."ff" as 2-byte strings: turns the 8 bytes of a uint64 into hex without a Python loop.
_HEX_PAIRS = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def hex16(values: np.ndarray) -> pd.arrays.ArrowStringArray:
    """uint64 values as 16-character lower-case hex strings.

    Arrow strings straight from the bytes: a Python str per hash cost ~120 MB for two million payments.
    """
    big_endian = np.ascontiguousarray(values, dtype=">u8")
    pairs = np.ascontiguousarray(_HEX_PAIRS[big_endian.view(np.uint8).reshape(-1, 8)])
    text = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(pairs), [None, pa.py_buffer(pairs)])
    return pd.arrays.ArrowStringArray(text.cast(pa.binary()).cast(pa.string()))


def row_hashes(frame: pd.DataFrame) -> pd.arrays.ArrowStringArray:
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

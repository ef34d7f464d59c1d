"""Legacy keys as text: one representation for checks, lookups and the key map.

Keys are compared as text ('' for none). An Arrow-backed text column stays
Arrow: a Python str per key cost ~200 MB for two million payments, and Arrow's
C++ hashing (unique, is_in, index_in) is several times faster than pandas'
object hash tables. Anything else (object, integer keys) becomes str objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def is_arrow_text(series: pd.Series | pd.Index) -> bool:
    return isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"


def key_text(series: pd.Series) -> pd.Series:
    """Keys as text ('' for none) with a fresh position index."""
    if is_arrow_text(series):
        return pd.Series(pd.arrays.ArrowStringArray(pc.fill_null(pa.array(series), "")))
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        series = series.astype("string")  # e.g. integer keys: "12"
    return pd.Series(series.to_numpy(dtype=object, na_value=""), dtype=object)


def arrow_keys(series: pd.Series | pd.Index, text: pd.Series | None = None) -> pa.Array:
    """The keys of :func:`key_text` as an Arrow string array.

    ``text``: the same keys as :func:`key_text` made them already (saves the conversion).
    """
    if is_arrow_text(series):
        return pc.fill_null(pa.array(series.array), "")
    values = (text if text is not None else key_text(pd.Series(series))).to_numpy(dtype=object)
    return pa.array(values, type=pa.string())


def arrow_text_index(series: pd.Series) -> pd.Index:
    """A text column as an Index of Arrow strings ('' for none)."""
    return pd.Index(pd.arrays.ArrowStringArray(arrow_keys(series)))


def positions_in(keys: pa.Array, known: pa.Array) -> np.ndarray:
    """Position of every key in ``known`` (unique keys), -1 where it is not there."""
    if not len(known):
        return np.full(len(keys), -1, dtype=np.int64)
    found = pc.index_in(keys, value_set=known)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def contained_in(keys: pa.Array, other: pa.Array) -> np.ndarray:
    """Whether each key is one of ``other``."""
    return pc.is_in(keys, value_set=other).to_numpy(zero_copy_only=False)


def nullable_arrow_text(series: pd.Series) -> pa.Array:
    """A text column as an Arrow string array that keeps its nulls."""
    if is_arrow_text(series):
        return pa.array(series.array).cast(pa.string())
    return pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.string(), from_pandas=True)

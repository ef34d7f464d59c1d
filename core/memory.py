"""Hand freed memory back to the operating system between the heavy steps of a run.

Arrow's pool (mimalloc) and glibc's heap keep freed pages for reuse; a step
that copied the two million payment rows leaves hundreds of MB behind, and
the next step's copies would stack on top of them. Released between steps,
the run's peak is the largest single step, not the sum of their leftovers.
Tables that are only looked up any more hold each repeated text once.
"""

from __future__ import annotations

import gc

import pandas as pd


#: below this resident size a release is not worth its cost: a full garbage collection over the heap of the
#: imported libraries (GX, Splink) takes a quarter of a second, six times per run, whatever the data's size
RELEASE_ABOVE_BYTES = 512 * 2**20


def release_memory(min_bytes: int = RELEASE_ABOVE_BYTES) -> None:
    import pyarrow as pa

    resident = _resident_bytes()
    if resident is not None and resident < min_bytes:
        return
    gc.collect()
    pa.default_memory_pool().release_unused()
    _trim_c_heap()


def _resident_bytes() -> int | None:
    """The process's resident memory now (Linux ``/proc``), None where it cannot be read."""
    import os

    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _trim_c_heap() -> None:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:  # not glibc (musl, macOS): nothing to trim
        pass


def share_repeated_strings(frame: pd.DataFrame, min_rows: int = 100_000) -> None:
    """In place: each text column of a big frame whose values repeat becomes a category (each text held once).

    For tables that are only looked up any more (the raw payments after transform: dates, amounts,
    kinds and payees repeat); a value read back is the same text. Small frames stay as they are.
    """
    if len(frame) < min_rows:
        return
    for column in list(frame.columns):
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_string_dtype(values.dtype):
            continue
        codes, uniques = pd.factorize(values)  # missing values get code -1, which a category keeps missing
        if 2 * len(uniques) < len(values):
            frame[column] = pd.Categorical.from_codes(codes, categories=uniques)


def with_plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its category columns back in their texts' own dtype (for the few rows that leave the run)."""
    shared = {c: frame[c].dtype.categories.dtype for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.astype(shared) if shared else frame

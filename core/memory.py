"""Hand freed memory back to the operating system between the heavy steps of a run.

Arrow's pool (mimalloc) and glibc's heap keep freed pages for reuse; a step
that copied the two million payment rows leaves hundreds of MB behind, and
the next step's copies would stack on top of them. Released between steps,
the run's peak is the largest single step, not the sum of their leftovers.
"""

from __future__ import annotations

import gc


def release_memory() -> None:
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    _trim_c_heap()


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

"""What the loader needs from a database beyond plain SQLAlchemy: fast bulk paths.

One implementation per dialect (:mod:`.bulk_pg`, :mod:`.bulk_sqlite`), all
working inside the caller's open transaction on the caller's connection.
Frames handed in hold canonical dtypes (:mod:`jhmig.load.columns`) and are
named like the table's columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pandas as pd
import sqlalchemy as sa

from jhmig.load.columns import Kind

#: Rows per COPY block / executemany call; also the granularity of progress reports.
CHUNK_ROWS = 200_000

#: Called with the number of rows written so far.
ChunkProgress = Callable[[int], None]


class BulkWriter(Protocol):
    def lock(self) -> None:
        """Serialise loads: held until the transaction ends."""

    def read_frame(self, statement: sa.Select[tuple[object, ...]], kinds: dict[str, Kind]) -> pd.DataFrame:
        """The rows of ``statement`` as a canonical frame with the given columns."""

    def insert(self, table: sa.Table, frame: pd.DataFrame, progress: ChunkProgress | None = None) -> None: ...

    def update(self, table: sa.Table, frame: pd.DataFrame, progress: ChunkProgress | None = None) -> None:
        """Overwrite the rows with the frame's primary keys with all other columns of the frame."""

    def delete(self, table: sa.Table, ids: np.ndarray) -> None:
        """Delete the rows with these (single-column) primary keys."""


def primary_key(table: sa.Table) -> str:
    names = [c.name for c in table.primary_key.columns]
    if len(names) != 1:
        raise ValueError(f"table {table.name} needs a single-column primary key for bulk updates")
    return names[0]


def chunks(total: int, size: int = CHUNK_ROWS) -> list[tuple[int, int]]:
    """(start, stop) row ranges of at most ``size`` rows; none for an empty frame."""
    return [(start, min(start + size, total)) for start in range(0, total, size)]

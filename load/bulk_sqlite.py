"""SQLite bulk paths: ``executemany`` on the driver cursor inside the one transaction.

The transaction itself is opened with ``BEGIN IMMEDIATE`` by the engine (see
:mod:`jhmig.load.engine`), which takes SQLite's write lock up front: that is
the lock of a load, so :meth:`SqliteBulk.lock` has nothing left to do.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from itertools import islice

import numpy as np
import pandas as pd
import sqlalchemy as sa

from jhmig.load.bulk import ChunkProgress, chunks, primary_key
from jhmig.load.columns import ColumnType, Kind, column_types, python_values, to_canonical

log = logging.getLogger(__name__)

#: Rows turned into Python tuples at a time: 50,000 payment rows are ~60 MB of objects,
#: the shared 200,000 would be ~250 MB on top of the frame; executemany is as fast either way.
SQLITE_CHUNK_ROWS = 50_000


class SqliteBulk:
    def __init__(self, connection: sa.Connection) -> None:
        driver = connection.connection.driver_connection
        if not isinstance(driver, sqlite3.Connection):
            raise TypeError("SqliteBulk needs a sqlite3 connection")
        self._sa = connection
        self._db = driver

    def lock(self) -> None:
        if not self._db.in_transaction:  # pragma: no cover - guarded by the engine's begin hook
            raise RuntimeError("the SQLite load must run inside BEGIN IMMEDIATE")

    def read_frame(self, statement: sa.Select[tuple[object, ...]], kinds: dict[str, Kind]) -> pd.DataFrame:
        rows = self._sa.execute(statement).all()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in kinds]
        return pd.DataFrame(
            {
                name: to_canonical(pd.Series(list(values), dtype=object), ColumnType(name, kind, None, True))
                for (name, kind), values in zip(kinds.items(), columns, strict=True)
            }
        )

    def insert(self, table: sa.Table, frame: pd.DataFrame, progress: ChunkProgress | None = None) -> None:
        names = list(frame.columns)
        statement = f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, names))}) VALUES ({', '.join('?' * len(names))})"
        started = time.perf_counter()
        self._executemany(statement, _rows(frame, column_types(table), names), len(frame), progress)
        if len(frame):
            log.debug("inserted %d rows into %s: %.1f s", len(frame), table.name, time.perf_counter() - started)

    def update(self, table: sa.Table, frame: pd.DataFrame, progress: ChunkProgress | None = None) -> None:
        key = primary_key(table)
        others = [c for c in frame.columns if c != key]
        statement = f"UPDATE {_q(table.name)} SET {', '.join(f'{_q(c)} = ?' for c in others)} WHERE {_q(key)} = ?"
        self._executemany(statement, _rows(frame, column_types(table), [*others, key]), len(frame), progress)

    def delete(self, table: sa.Table, ids: np.ndarray) -> None:
        key = primary_key(table)
        statement = f"DELETE FROM {_q(table.name)} WHERE {_q(key)} = ?"
        self._executemany(statement, ((int(i),) for i in ids), len(ids), None)

    def _executemany(self, statement: str, rows: object, total: int, progress: ChunkProgress | None) -> None:
        iterator = iter(rows)  # type: ignore[call-overload]
        cursor = self._db.cursor()
        try:
            done = 0
            while done < total:
                chunk = list(islice(iterator, SQLITE_CHUNK_ROWS))
                if not chunk:
                    break
                cursor.executemany(statement, chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done)
        finally:
            cursor.close()


def _rows(frame: pd.DataFrame, types: dict[str, ColumnType], names: list[str]) -> object:
    """Row tuples of plain Python values, built column-wise (vectorised per column).

    Built one chunk at a time: two million rows of Python objects at once
    would cost gigabytes.
    """
    for start, stop in chunks(len(frame), SQLITE_CHUNK_ROWS):
        part = frame.iloc[start:stop]
        yield from zip(*(python_values(part[n], types[n].kind) for n in names), strict=True)


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'

"""PostgreSQL bulk paths: COPY through psycopg 3, with CSV blocks written by pyarrow.

* inserts: ``COPY table FROM STDIN (FORMAT csv)``; pyarrow's CSV writer builds
  each block in C++ (no Python loop per row). Every text value is quoted
  (numbers and dates are not: less for the server to parse) and NULL is an
  unquoted empty field, which is exactly PostgreSQL's CSV convention, so ''
  and NULL stay apart.
* updates and deletes: COPY into a temporary table, then one
  ``UPDATE ... FROM`` / ``DELETE ... USING``.
* large inserts: per-row foreign-key checks cost two thirds of the COPY time
  (measured: 66k rows/s with, 234k rows/s without, 2M payment rows), and
  every index is maintained row by row (1.8M key-map rows: 9.3 s with its
  two indexes). When many rows go into a table we own, its foreign keys,
  its indexes and its primary key (unless another table's foreign key
  needs it) are dropped before the COPY and built again right after, which
  sorts once and validates each foreign key with one join - inside the same
  transaction, so the constraints are back (or nothing happened) whatever
  the outcome. This is the bulk-load advice of the PostgreSQL manual
  ("Populating a Database").
"""

from __future__ import annotations

import io
import logging
import time
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from psycopg import sql

from jhmig.load.bulk import ChunkProgress, chunks, primary_key
from jhmig.load.columns import ColumnType, Kind, column_types, to_canonical

log = logging.getLogger(__name__)

#: Advisory lock id of jhmig loads (any constant; derived from the name to avoid clashes).
ADVISORY_LOCK_ID = zlib.crc32(b"jhmig.load") & 0x7FFFFFFF

#: After writing at least this many rows, ANALYZE the table: the rest of the transaction
#: (counts, UPDATE ... FROM, the next entity's joins) must not be planned on stale statistics.
ANALYZE_MIN_ROWS = 50_000

#: Drop and rebuild foreign keys, indexes and primary key only when at least this many rows are inserted ...
#: (measured, large set: 82k participants with four foreign keys 5.0 s per row checks, 1.2 s rebuilt)
FK_REBUILD_MIN_ROWS = 10_000
#: ... and they are at least this share of the rows already in the table (re-validation scans it all).
FK_REBUILD_MIN_SHARE = 0.25

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.INT: pa.int64(),
    Kind.BOOL: pa.bool_(),
    Kind.DATE: pa.date32(),
    Kind.DATETIME: pa.timestamp("us"),
    Kind.STR: pa.string(),
}
_CSV_OUT = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


def to_arrow(frame: pd.DataFrame, types: dict[str, ColumnType]) -> pa.Table:
    arrays = []
    for name in frame.columns:
        kind = types[name].kind
        series = frame[name]
        if kind is Kind.DATE:
            array = pa.array(series.to_numpy().astype("datetime64[D]"), type=pa.date32())
        else:
            array = pa.array(series, from_pandas=True)
            if array.type != _ARROW_TYPES[kind]:
                array = array.cast(_ARROW_TYPES[kind])
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=list(frame.columns))


class PostgresBulk:
    def __init__(self, connection: sa.Connection) -> None:
        self._sa = connection
        driver = connection.connection.driver_connection
        if not isinstance(driver, psycopg.Connection):
            raise TypeError("PostgresBulk needs a psycopg 3 connection (postgresql+psycopg://)")
        self._pg: psycopg.Connection[tuple[object, ...]] = driver
        self._temp_seq = 0

    # -- locking and reading ---------------------------------------------------
    def lock(self) -> None:
        self._sa.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})

    def read_frame(self, statement: sa.Select[tuple[object, ...]], kinds: dict[str, Kind]) -> pd.DataFrame:
        # COPY TO cannot take bind parameters: render them as (escaped) literals.
        query = str(statement.compile(dialect=self._sa.dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        with self._pg.cursor() as cursor:
            with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, FORCE_QUOTE *)") as copy:
                for block in copy:
                    buffer.write(block)
        names = list(kinds)
        if buffer.tell() == 0:
            return pd.DataFrame({n: to_canonical(pd.Series([], dtype=object), _ct(n, k)) for n, k in kinds.items()})
        buffer.seek(0)
        table = pa_csv.read_csv(
            buffer,
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),  # keys are free text
            convert_options=pa_csv.ConvertOptions(
                column_types={n: _ARROW_TYPES[k] for n, k in kinds.items()},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,  # "" is an empty string, an unquoted empty field NULL
            ),
        )
        return pd.DataFrame({n: to_canonical(table.column(n).to_pandas(), _ct(n, k)) for n, k in kinds.items()})

    # -- writing ---------------------------------------------------------------
    def insert(self, table: sa.Table, frame: pd.DataFrame, progress: ChunkProgress | None = None) -> None:
        if not len(frame):
            return
        rebuild = self._structures_to_rebuild(table, len(frame))
        started = time.perf_counter()
        with self._pg.cursor() as cursor:
            if rebuild:
                rebuild.drop(cursor, table.name)
            self._copy_in(cursor, table.name, frame, column_types(table), progress)
            copied = time.perf_counter()
            log.debug("COPY %d rows into %s: %.1f s", len(frame), table.name, copied - started)
            if rebuild:
                rebuild.build(cursor, table.name)
                log.debug("%s of %s built again: %.1f s", rebuild, table.name, time.perf_counter() - copied)
            if len(frame) >= ANALYZE_MIN_ROWS:
                cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.name)))

    def update(self, table: sa.Table, frame: pd.DataFrame, progress: ChunkProgress | None = None) -> None:
        if not len(frame):
            return
        key = primary_key(table)
        others = [c for c in frame.columns if c != key]
        with self._pg.cursor() as cursor:
            temp = self._temp_table(cursor, table.name)
            self._copy_in(cursor, temp, frame, column_types(table), progress)
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(temp)))
            cursor.execute(
                sql.SQL("UPDATE {t} AS t SET {sets} FROM {u} AS u WHERE t.{k} = u.{k}").format(
                    t=sql.Identifier(table.name),
                    u=sql.Identifier(temp),
                    k=sql.Identifier(key),
                    sets=sql.SQL(", ").join(sql.SQL("{c} = u.{c}").format(c=sql.Identifier(c)) for c in others),
                )
            )
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(temp)))
            if len(frame) >= ANALYZE_MIN_ROWS:
                cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.name)))

    def delete(self, table: sa.Table, ids: np.ndarray) -> None:
        if not len(ids):
            return
        key = primary_key(table)
        frame = pd.DataFrame({key: pd.array(ids, dtype="Int64")})
        with self._pg.cursor() as cursor:
            temp = self._temp_table(cursor, table.name, columns=[key])
            self._copy_in(cursor, temp, frame, column_types(table), None)
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(temp)))
            cursor.execute(
                sql.SQL("DELETE FROM {t} AS t USING {d} AS d WHERE t.{k} = d.{k}").format(
                    t=sql.Identifier(table.name), d=sql.Identifier(temp), k=sql.Identifier(key)
                )
            )
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(temp)))

    # -- helpers -----------------------------------------------------------------
    def _copy_in(
        self,
        cursor: psycopg.Cursor[tuple[object, ...]],
        table_name: str,
        frame: pd.DataFrame,
        types: dict[str, ColumnType],
        progress: ChunkProgress | None,
    ) -> None:
        arrow = to_arrow(frame, types)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            sql.Identifier(table_name), sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
        )
        with cursor.copy(statement) as copy:
            for start, stop in chunks(len(frame)):
                block = io.BytesIO()
                pa_csv.write_csv(arrow.slice(start, stop - start), block, _CSV_OUT)
                copy.write(block.getbuffer())
                if progress is not None:
                    progress(stop)

    def _temp_table(self, cursor: psycopg.Cursor[tuple[object, ...]], like: str, columns: list[str] | None = None) -> str:
        self._temp_seq += 1
        name = f"jhmig_tmp_{like}_{self._temp_seq}"
        if columns is None:
            cursor.execute(
                sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(sql.Identifier(name), sql.Identifier(like))
            )
        else:
            # CREATE TABLE AS copies the column types; WITH NO DATA leaves it empty.
            cursor.execute(
                sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                    sql.Identifier(name),
                    sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                    sql.Identifier(like),
                )
            )
        return name

    def _structures_to_rebuild(self, table: sa.Table, rows: int) -> Rebuild | None:
        """Foreign keys, indexes and primary key of the table, if dropping them pays off and is allowed."""
        if rows < FK_REBUILD_MIN_ROWS:
            return None
        with self._pg.cursor() as cursor:
            cursor.execute(
                "SELECT pg_has_role(c.relowner, 'USAGE'), greatest(c.reltuples, 0) FROM pg_class c WHERE c.oid = %s::regclass",
                (table.name,),
            )
            owner, estimate = cursor.fetchone() or (False, 0)
            if not owner or rows < FK_REBUILD_MIN_SHARE * float(estimate):  # type: ignore[arg-type]
                return None
            # Constraints: the foreign keys, and a primary key / unique constraint no other table's key points at.
            cursor.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND (c.contype = 'f' OR (c.contype IN ('p', 'u') AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid))) ORDER BY c.contype, c.conname",
                (table.name,),
            )
            constraints = [(str(n), str(d), str(t)) for n, d, t in cursor.fetchall()]
            # Plain indexes (not behind a constraint).
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname",
                (table.name,),
            )
            indexes = [(str(n), str(d)) for n, d in cursor.fetchall()]
        keys = [(n, d) for n, d, t in constraints if t != "f"]
        foreign = [(n, d) for n, d, t in constraints if t == "f"]
        return Rebuild(keys=keys, foreign_keys=foreign, indexes=indexes) if constraints or indexes else None


@dataclass(frozen=True)
class Rebuild:
    """What a bulk insert drops and builds again: (name, definition) pairs."""

    keys: list[tuple[str, str]]  # primary key / unique constraints
    foreign_keys: list[tuple[str, str]]
    indexes: list[tuple[str, str]]  # full CREATE INDEX statements

    def __str__(self) -> str:
        return f"{len(self.keys)} keys, {len(self.foreign_keys)} foreign keys, {len(self.indexes)} indexes"

    def drop(self, cursor: psycopg.Cursor[tuple[object, ...]], table: str) -> None:
        constraints = self.foreign_keys + self.keys  # foreign keys first: they may use a unique index of this table
        if constraints:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ").format(sql.Identifier(table))
                + sql.SQL(", ").join(sql.SQL("DROP CONSTRAINT {}").format(sql.Identifier(n)) for n, _ in constraints)
            )
        for name, _ in self.indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

    def build(self, cursor: psycopg.Cursor[tuple[object, ...]], table: str) -> None:
        # maintenance_work_mem stays as the server has it: 512 MB made the key map's index
        # build twice as slow here (an in-memory sort of two million text keys, 7.2 s vs 3.8 s).
        constraints = self.keys + self.foreign_keys  # keys first: a foreign key may point at this table itself
        if constraints:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ").format(sql.Identifier(table))
                + sql.SQL(", ").join(
                    sql.SQL("ADD CONSTRAINT {} ").format(sql.Identifier(n)) + sql.SQL(definition)  # type: ignore[arg-type]
                    for n, definition in constraints
                )
            )
        for _, definition in self.indexes:
            cursor.execute(definition)  # type: ignore[arg-type]


def _ct(name: str, kind: Kind) -> ColumnType:
    return ColumnType(name, kind, None, True)

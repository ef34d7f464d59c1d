"""Before-images: the rows a load is about to update or delete, kept in ``mig_undo`` for rollback.

Written inside the load's transaction, just before the update or delete, so
they are committed with the run (and vanish with it on a rollback of the
transaction). A first load inserts only and writes none; a dry run writes
none (nothing of it is kept anyway).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import sqlalchemy as sa

from jhmig.load.bulk import primary_key
from jhmig.schema import MigUndo

UNDO = MigUndo.__table__
CHUNK = 5_000


def save_before_images(connection: sa.Connection, table: sa.Table, ids: np.ndarray, run_id: int, op: str) -> int:
    """Copy the rows ``ids`` of ``table`` as JSON into mig_undo; returns how many were saved."""
    if not len(ids):
        return 0
    key = table.c[primary_key(table)]
    next_id = _next_undo_id(connection)
    saved = 0
    for start in range(0, len(ids), CHUNK):
        chunk = [int(i) for i in ids[start:start + CHUNK]]
        rows = connection.execute(sa.select(table).where(key.in_(chunk))).mappings().all()
        records = [_image(next_id + saved + n, run_id, table.name, op, int(row[key.name]), row) for n, row in enumerate(rows)]
        if records:
            connection.execute(UNDO.insert(), records)
        saved += len(records)
    return saved


def _next_undo_id(connection: sa.Connection) -> int:
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(UNDO.c.undo_id), 0))).scalar_one()) + 1


def _image(undo_id: int, run_id: int, entity: str, op: str, row_id: int, row: Any) -> dict[str, Any]:
    """One mig_undo row: the row as it was, as JSON."""
    return {"undo_id": undo_id, "run_id": run_id, "entity": entity, "op": op, "row_id": row_id,
            "before": json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False)}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


KEY_MAP_IMAGE = "mig_key_map"  # mig_undo.entity of a key-map entry a run deleted (a merge undone: jhmig.load.keymap.forget_keys)


def save_key_map_images(connection: sa.Connection, entries: list[dict[str, Any]], run_id: int) -> int:
    """The key-map entries a run deleted, so that a rollback puts them back."""
    if not entries:
        return 0
    next_id = _next_undo_id(connection)
    connection.execute(UNDO.insert(), [_image(next_id + n, run_id, KEY_MAP_IMAGE, "delete", int(e["new_id"]), e)
                                       for n, e in enumerate(entries)])
    return len(entries)

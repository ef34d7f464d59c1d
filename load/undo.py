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
    next_id = int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(UNDO.c.undo_id), 0))).scalar_one()) + 1
    saved = 0
    for start in range(0, len(ids), CHUNK):
        chunk = [int(i) for i in ids[start:start + CHUNK]]
        rows = connection.execute(sa.select(table).where(key.in_(chunk))).mappings().all()
        records = [{"undo_id": next_id + saved + n, "run_id": run_id, "entity": table.name, "op": op, "row_id": int(row[key.name]),
                    "before": json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False)} for n, row in enumerate(rows)]
        if records:
            connection.execute(UNDO.insert(), records)
        saved += len(records)
    return saved


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


KEY_MAP_IMAGE = "mig_key_map"  # mig_undo.entity of a key-map entry a run deleted (a merge undone: jhmig.load.keymap.forget_keys)


def save_key_map_images(connection: sa.Connection, entries: list[dict[str, Any]], run_id: int) -> int:
    """The key-map entries a run deleted, so that a rollback puts them back."""
    if not entries:
        return 0
    next_id = int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(UNDO.c.undo_id), 0))).scalar_one()) + 1
    connection.execute(UNDO.insert(), [{"undo_id": next_id + n, "run_id": run_id, "entity": KEY_MAP_IMAGE, "op": "delete",
                                        "row_id": int(e["new_id"]), "before": json.dumps(e, ensure_ascii=False)}
                                       for n, e in enumerate(entries)])
    return len(entries)

"""The runs the target knows (``mig_run``): committed loads, cut-overs and rollbacks.

Dry runs leave no row here (their transaction is rolled back); their folders
are the registry of record for them (:mod:`jhmig.reports.run_diff`). This
module answers what the target itself holds: which runs are in, and which
later run builds on a given one (for rollback).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from jhmig.schema import MigRun

RUN = MigRun.__table__


def committed_runs(connection: sa.Connection) -> list[dict[str, Any]]:
    """Every ``mig_run`` row, oldest first, with options and summary parsed."""
    rows = connection.execute(sa.select(RUN).order_by(RUN.c.run_id)).mappings().all()
    return [_parsed(row) for row in rows]


def run_record(connection: sa.Connection, run_id: int) -> dict[str, Any] | None:
    row = connection.execute(sa.select(RUN).where(RUN.c.run_id == run_id)).mappings().first()
    return _parsed(row) if row else None


def run_id_of(connection: sa.Connection, ident: str) -> int | None:
    """A run id from its id or its uid."""
    if ident.isdigit():
        return int(ident)
    found = connection.execute(sa.select(RUN.c.run_id).where(RUN.c.run_uid == ident)).scalar()
    return int(found) if found is not None else None


def later_runs(connection: sa.Connection, run_id: int) -> list[dict[str, Any]]:
    """Committed runs after ``run_id`` that loaded something (they build on its rows or ids)."""
    rows = connection.execute(sa.select(RUN.c.run_id, RUN.c.run_uid, RUN.c.status).where(RUN.c.run_id > run_id)
                              .order_by(RUN.c.run_id)).all()
    return [{"run_id": r.run_id, "run_uid": r.run_uid, "status": r.status} for r in rows if r.status not in ("rolled_back", "rollback")]


def _parsed(row: Any) -> dict[str, Any]:
    out = dict(row)
    for name in ("sources", "options", "summary"):
        try:
            out[name] = json.loads(out[name]) if out.get(name) else {}
        except ValueError:
            out[name] = {}
    return out

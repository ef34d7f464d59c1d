"""The ``mig_run`` row of a load: opened as "running", closed with the caller's verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import sqlalchemy as sa

from jhmig.load.api import LoadRequest, RunVerdict
from jhmig.schema import MigRun

RUNNING = "running"
#: Statuses of runs whose rows are in the target (committed; ``incomplete``: committed with money missing).
IN_TARGET = ("ok", "incomplete")


def start_run(connection: sa.Connection, request: LoadRequest) -> int:
    """Insert the run row (run_id = max + 1, at least ``request.min_run_id``; the caller holds the load lock).

    A rolled-back run keeps its row (status ``rolled_back``), so its id is never handed out again;
    a dry run's row goes with its transaction, hence the caller's ``min_run_id``.
    """
    table = MigRun.__table__
    highest = int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.run_id), 0))).scalar_one())
    run_id = max(highest + 1, request.min_run_id)
    connection.execute(
        table.insert().values(
            run_id=run_id,
            run_uid=request.run_uid,
            started_at=as_naive_utc(request.started_at),
            status=RUNNING,
            sources=_json(request.sources),
            options=_json(request.options),
            jhmig_version=_jhmig_version(),
        )
    )
    return run_id


def last_run_in_target(connection: sa.Connection) -> str | None:
    """The uid of the newest run whose rows are in the target (committed, not rolled back)."""
    table = MigRun.__table__
    found = connection.execute(sa.select(table.c.run_uid).where(table.c.status.in_(IN_TARGET))
                               .order_by(table.c.run_id.desc()).limit(1)).scalar()
    return str(found) if found is not None else None


def finish_run(connection: sa.Connection, run_id: int, verdict: RunVerdict) -> None:
    table = MigRun.__table__
    connection.execute(
        table.update()
        .where(table.c.run_id == run_id)
        .values(status=verdict.status, summary=verdict.summary_json, finished_at=as_naive_utc(datetime.now(UTC)))
    )


def recent_runs(connection: sa.Connection, limit: int) -> list[dict[str, Any]]:
    table = MigRun.__table__
    rows = connection.execute(sa.select(table).order_by(table.c.run_id.desc()).limit(limit)).mappings().all()
    return [dict(row) for row in rows]


def as_naive_utc(moment: datetime) -> datetime:
    """Timestamps are stored without zone, in UTC; naive input is taken as UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _jhmig_version() -> str | None:
    try:
        return version("jhmig")[:20]
    except PackageNotFoundError:
        return None

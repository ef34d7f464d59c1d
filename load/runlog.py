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


def start_run(connection: sa.Connection, request: LoadRequest) -> int:
    """Insert the run row (run_id = max + 1; the caller holds the load lock)."""
    table = MigRun.__table__
    run_id = int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.run_id), 0))).scalar_one()) + 1
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

"""``jhmig rollback RUN_ID``: take one committed run back out of the target, exactly.

What the run inserted is deleted, what it updated or deleted is restored from
its before-images (``mig_undo``, written by the load), the keys it allocated
leave the key map, its findings and quarantine rows go, and its ``mig_run``
row is marked ``rolled_back``. A later run builds on it (its ids, its rows):
then the rollback is refused unless ``force``, which rolls the later runs back
first, newest first. All of it is one transaction, reconciled before the
commit: every table must hold what it held after the last run still in, and
the payments their sum; otherwise nothing changes.

Order, so that no foreign key is ever violated: code-table rows first (they
hold a unique value and nothing points at them); then the deleted rows come
back, parents first; then the updated rows get their old values, parents
first; then what the run inserted goes, children first.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from jhmig.errors import ReconciliationFailed, RefusedInput
from jhmig.load.bulk import primary_key
from jhmig.load.run_registry import later_runs, run_record
from jhmig.load.undo import KEY_MAP_IMAGE
from jhmig.schema import DOMAIN_TABLES, Base, MigFinding, MigKeyMap, MigQuarantine, MigRun, MigUndo

RUN, UNDO, KEY_MAP = MigRun.__table__, MigUndo.__table__, MigKeyMap.__table__
COMMITTED = ("ok",)
ROLLED_BACK = "rolled_back"
NO_CHILDREN = ("legacy_code",)  # tables no foreign key points at, with a unique value besides the id


@dataclass
class RollbackResult:
    run_id: int
    record_run_id: int  # the mig_run row that records the rollback
    removed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    reinserted: dict[str, int] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    also_rolled_back: list[int] = field(default_factory=list)


def rollback_run(connection: sa.Connection, run_id: int, *, force: bool = False, by: str | None = None) -> RollbackResult:
    """Roll ``run_id`` back inside the caller's open transaction (the caller commits)."""
    record = run_record(connection, run_id)
    if record is None:
        raise RefusedInput(f"run {run_id} is not in the target", hint="list the runs with: jhmig runs list --db URL")
    if record["status"] not in COMMITTED:
        raise RefusedInput(f"run {run_id} has status {record['status']!r}: only a committed run can be rolled back")
    later = later_runs(connection, run_id)
    if later and not force:
        names = ", ".join(f"{r['run_id']} ({r['run_uid']})" for r in later)
        raise RefusedInput(f"later run(s) {names} build on run {run_id}", hint="roll those back first, or pass --force to roll them back too")
    also = []
    for newer in reversed(later):
        _undo(connection, newer["run_id"])
        also.append(newer["run_id"])
    result = _undo(connection, run_id)
    result.also_rolled_back = also
    result.checks = reconcile_after_rollback(connection, run_id)
    bad = [c for c in result.checks if not c["ok"]]
    if bad:
        raise ReconciliationFailed("the rollback does not reconcile: " + "; ".join(c["check"] for c in bad),
                                   hint="nothing was changed; report this with the run ids")
    result.record_run_id = _record(connection, run_id, also, result, by)
    return result


def _undo(connection: sa.Connection, run_id: int) -> RollbackResult:
    result = RollbackResult(run_id=run_id, record_run_id=0)
    images = _images(connection, run_id)
    tables = [Base.metadata.tables[name] for name in DOMAIN_TABLES]
    for table in (t for t in tables if t.name in NO_CHILDREN):
        result.restored[table.name] = _restore(connection, table, images.get((table.name, "update"), []))
        result.removed[table.name] = _delete_run_rows(connection, table, run_id)
    for table in tables:
        result.reinserted[table.name] = _reinsert(connection, table, images.get((table.name, "delete"), []))
    for table in (t for t in tables if t.name not in NO_CHILDREN):
        result.restored[table.name] = _restore(connection, table, images.get((table.name, "update"), []))
    for table in reversed([t for t in tables if t.name not in NO_CHILDREN]):
        result.removed[table.name] = _delete_run_rows(connection, table, run_id)
    connection.execute(KEY_MAP.delete().where(KEY_MAP.c.first_run_id == run_id))
    _reinsert(connection, KEY_MAP, images.get((KEY_MAP_IMAGE, "delete"), []))  # entries of merges the run undid
    for outcome in (MigFinding.__table__, MigQuarantine.__table__, UNDO):
        connection.execute(outcome.delete().where(outcome.c.run_id == run_id))
    connection.execute(RUN.update().where(RUN.c.run_id == run_id).values(status=ROLLED_BACK))
    return result


def _images(connection: sa.Connection, run_id: int) -> dict[tuple[str, str], list[dict[str, Any]]]:
    rows = connection.execute(sa.select(UNDO.c.entity, UNDO.c.op, UNDO.c.before).where(UNDO.c.run_id == run_id).order_by(UNDO.c.undo_id))
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entity, op, before in rows:
        out.setdefault((entity, op), []).append(json.loads(before))
    return out


def _typed(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        kind = table.c[name].type
        if value is not None and isinstance(kind, sa.DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, sa.Date):
            value = dt.date.fromisoformat(value)
        out[name] = value
    return out


def _reinsert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    if rows:
        connection.execute(table.insert(), [_typed(table, r) for r in rows])
    return len(rows)


def _restore(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    key = primary_key(table)
    columns = [c.name for c in table.columns if c.name != key]
    statement = table.update().where(table.c[key] == sa.bindparam("undo_key")).values({c: sa.bindparam(f"v_{c}") for c in columns})
    connection.execute(statement, [{"undo_key": r[key], **{f"v_{c}": v for c, v in _typed(table, r).items() if c != key}} for r in rows])
    return len(rows)


def _delete_run_rows(connection: sa.Connection, table: sa.Table, run_id: int) -> int:
    return int(connection.execute(table.delete().where(table.c.run_id == run_id)).rowcount or 0)


def reconcile_after_rollback(connection: sa.Connection, run_id: int) -> list[dict[str, Any]]:
    """Every table holds what it held after the last run still in (none: empty); payments their sum."""
    previous = connection.execute(sa.select(RUN.c.run_id, RUN.c.summary).where(RUN.c.run_id < run_id, RUN.c.status.in_(COMMITTED))
                                  .order_by(RUN.c.run_id.desc()).limit(1)).first()
    summary = json.loads(previous.summary) if previous and previous.summary else {}
    entities = summary.get("entities") or {}
    checks = []
    for name in DOMAIN_TABLES:
        table = Base.metadata.tables[name]
        found = int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        expected = int(entities.get(name, {}).get("in_target", 0))
        checks.append({"check": f"{name}: {found} rows, {expected} after run {previous.run_id if previous else '-'}", "ok": found == expected})
    payment = Base.metadata.tables["payment"]
    cents = int(connection.execute(sa.select(sa.func.coalesce(sa.func.sum(payment.c.amount_cents), 0))).scalar_one())
    expected_cents = int(((summary.get("money") or {}).get("target_cents")) or 0)
    checks.append({"check": f"payments: {cents} cents, {expected_cents} after run {previous.run_id if previous else '-'}",
                   "ok": cents == expected_cents})
    return checks


def _record(connection: sa.Connection, run_id: int, also: list[int], result: RollbackResult, by: str | None) -> int:
    """A mig_run row of its own records the rollback (who, what, and its reconciliation)."""
    new_id = int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(RUN.c.run_id), 0))).scalar_one()) + 1
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    summary = {"rolled_back": [*also, run_id], "removed": result.removed, "restored": result.restored, "reinserted": result.reinserted,
               "checks": result.checks}
    connection.execute(RUN.insert().values(
        run_id=new_id, run_uid=now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3), started_at=now, finished_at=now, status="rollback",
        sources="{}", options=json.dumps({"mode": "rollback", "of_run": run_id, "also": also, "by": by}, ensure_ascii=False),
        summary=json.dumps(summary, ensure_ascii=False)))
    return new_id

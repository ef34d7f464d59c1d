"""The KJH statistics and controlling figures counted by SQL in the target (SQLite and PostgreSQL).

The same cells as :mod:`jhmig.reports.statistics` computes from the source
records: per service type and year the services begun, ended and running on
31 December (a help ending on 31.12. counts as ended), HzE payment cents per
service type and year. Rows belong to a source system through their lineage
(source file), as in :mod:`jhmig.load.counts`. Years are extracted by the
dialect (``strftime`` on SQLite, ``EXTRACT`` on PostgreSQL) through
SQLAlchemy's ``extract``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from jhmig.schema import Base, MigSourceFile

SOURCE_FILE = MigSourceFile.__table__
UNKNOWN_TYPE = "?"


def _services(source_system: str) -> tuple[sa.Table, sa.FromClause]:
    service = Base.metadata.tables["service"]
    joined = service.join(SOURCE_FILE, (SOURCE_FILE.c.source_file_id == service.c.src_file_id) & (SOURCE_FILE.c.source_system == source_system))
    return service, joined


def target_cells(connection: sa.Connection, source_system: str, first_year: int, last_year: int) -> pd.DataFrame:
    """``measure, service_type, year, count`` of one source's services in the target."""
    service, joined = _services(source_system)
    kind = sa.func.coalesce(service.c.service_type, UNKNOWN_TYPE)
    rows: list[tuple[str, str, int, int]] = []
    for measure, column in (("begun", service.c.start_date), ("ended", service.c.end_date)):
        year = sa.extract("year", column)
        statement = (sa.select(kind, year, sa.func.count()).select_from(joined)
                     .where(column.is_not(None), year.between(first_year, last_year)).group_by(kind, year))
        rows += [(measure, str(k), int(y), int(n)) for k, y, n in connection.execute(statement)]
    # running on 31.12.: one query over a small table of year ends (a UNION ALL works on SQLite and PostgreSQL alike)
    years = sa.union_all(*[sa.select(sa.literal(y, sa.Integer).label("year"), sa.literal(dt.date(y, 12, 31), sa.Date).label("last_day"))
                           for y in range(first_year, last_year + 1)]).subquery("year_end")
    running = (service.c.start_date <= years.c.last_day) & (service.c.end_date.is_(None) | (service.c.end_date > years.c.last_day))
    statement = sa.select(kind, years.c.year, sa.func.count()).select_from(joined.join(years, running)).group_by(kind, years.c.year)
    rows += [("running", str(k), int(y), int(n)) for k, y, n in connection.execute(statement)]
    return pd.DataFrame(rows, columns=["measure", "service_type", "year", "count"])


def target_money(connection: sa.Connection, source_system: str) -> pd.DataFrame:
    """One source's payments per year due and kind: ``year, payment_type, count, cents``.

    Grouped by the raw due date and kind (SQLite sorts the groups; an expression
    such as the year in the GROUP BY costs it twice as long on two million rows),
    then summed per year here.
    """
    payment = Base.metadata.tables["payment"]
    joined = payment.join(SOURCE_FILE, (SOURCE_FILE.c.source_file_id == payment.c.src_file_id) & (SOURCE_FILE.c.source_system == source_system))
    statement = (sa.select(payment.c.due_date, payment.c.payment_type, sa.func.count(), sa.func.coalesce(sa.func.sum(payment.c.amount_cents), 0))
                 .select_from(joined).group_by(payment.c.due_date, payment.c.payment_type))
    frame = pd.DataFrame(connection.execute(statement).all(), columns=["due_date", "payment_type", "count", "cents"])
    frame["year"] = pd.array(pd.to_datetime(frame["due_date"]).dt.year, dtype="Int64")
    out = frame.groupby(["year", "payment_type"], dropna=False)[["count", "cents"]].sum().reset_index()
    return out.astype({"count": "int64", "cents": "int64"})


def target_services(connection: sa.Connection, source_system: str) -> pd.DataFrame:
    """The statistics columns of one source's services in the target (controlling figures, rollback checks)."""
    service, joined = _services(source_system)
    columns = [service.c.service_type, service.c.start_date, service.c.end_date, service.c.termination_reason, service.c.rate_unit]
    frame = pd.DataFrame(connection.execute(sa.select(*columns).select_from(joined)).all(), columns=[c.name for c in columns])
    for name in ("start_date", "end_date"):
        frame[name] = pd.to_datetime(frame[name])
    return frame


def target_statistics(connection: sa.Connection, source_system: str, first_year: int, last_year: int) -> dict[str, pd.DataFrame]:
    """Everything the reconciliation report compares, read in the open transaction."""
    return {
        "cells": target_cells(connection, source_system, first_year, last_year),
        "money": target_money(connection, source_system),
        "services": target_services(connection, source_system),
    }


def target_payment_amounts(connection: sa.Connection, source_system: str, year: int | None, payment_type: str | None) -> pd.DataFrame:
    """``legacy_key, cents`` of the payments of one year and kind in the target (to name the records of a difference)."""
    payment = Base.metadata.tables["payment"]
    key_map = Base.metadata.tables["mig_key_map"]
    joined = payment.join(key_map, (key_map.c.new_id == payment.c.payment_id) & (key_map.c.entity == "payment")
                          & (key_map.c.source_system == source_system))
    year_of = sa.extract("year", payment.c.due_date)
    where = [year_of.is_(None) if year is None else year_of == year,
             payment.c.payment_type.is_(None) if payment_type is None else payment.c.payment_type == payment_type]
    statement = sa.select(key_map.c.legacy_key, payment.c.amount_cents).select_from(joined).where(*where)
    return pd.DataFrame(connection.execute(statement).all(), columns=["legacy_key", "cents"])

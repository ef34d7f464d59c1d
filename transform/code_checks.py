"""Coded columns: map through the code map, check against the export's code table, report.

A code absent from the code table (or, for columns without a table, from the
code map) is the only error (``code.unknown``, the table named). A retired
code is never quarantined for being retired: it is loaded under its successor
(``code.retired``, a warning) where the code map or the code table names one,
else kept as the historical code ``TABLE:code`` with its text in the code
list (``code.retired_kept``). A code in the table that nobody maps is kept the
same way (``code.unmapped``). A retired code on a record dated after its
retirement is ``code.used_after_retirement``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from jhmig.layout import Column
from jhmig.records import Severity
from jhmig.transform.codes import LegacyCode
from jhmig.values import clean

Report = Callable[..., None]

#: The date a record's code is judged by: the termination reason by the end, others by the start.
DATE_OF_FIELD = {"termination_reason": "end_date"}
RECORD_DATES = ("start_date", "valid_from", "opened_on", "due_date", "period_from", "created_on")


@dataclass(frozen=True)
class RetiredUse:
    """Retired codes met in one column, to be checked against the record's date once all columns are parsed."""

    column: str
    field: str
    retired_on: dict[str, dt.date]  # code -> last valid day
    values: pd.Series  # the column as written


def map_codes(values: pd.Series, name: str, col: Column, ctx: Any, report: Report, entity: str | None = None) -> tuple[pd.Series, list[RetiredUse]]:
    """Unified codes of one column; reports unknown, retired, kept and unmapped codes."""
    assert col.code_map and col.field
    cmap = ctx.code_maps[col.code_map]
    table_name = ctx.layout.code_maps[col.code_map].legacy_table
    table: dict[str, LegacyCode] | None = ctx.legacy_codes.get(table_name) if table_name else None
    v = clean(values)
    resolved = {u: cmap.resolve(u, table, table_name) for u in v.dropna().unique()}
    limit = _column_length(entity, col.field)
    for code, (value, how) in list(resolved.items()):
        if how == "historical" and limit and value and len(value) > limit:  # TABLE:code does not fit: the bare code, if it does
            resolved[code] = (code, how) if len(code) <= limit else (None, "unknown")
    unified = v.map({k: r[0] for k, r in resolved.items()}).astype("string")
    if col.if_empty is not None:
        unified = unified.mask(v.isna(), col.if_empty)
    unknown = v.notna() & unified.isna()
    if table_name:
        where = f"fehlt in Tabelle {table_name} der Schlüsseldatei" + (f" und in der Zuordnung {cmap.label}" if cmap.path else "")
    else:
        where = f"fehlt in der Zuordnung {cmap.label}"
    report(unknown, "code.unknown", Severity.ERROR, (f"{name}: Schlüssel " + v.fillna("") + f" {where}").astype("string"), col.field, values)
    if table is None:
        return unified, []
    return unified, _report_table_codes(v, values, name, col, ctx, table, table_name or "", resolved, report)


def _report_table_codes(v: pd.Series, values: pd.Series, name: str, col: Column, ctx: Any, table: dict[str, LegacyCode],
                        table_name: str, resolved: dict[str, tuple[str | None, str]], report: Report) -> list[RetiredUse]:
    messages: dict[str, tuple[str, str]] = {}  # code -> (rule, message)
    kept: dict[str, tuple[str, str | None]] = {}
    for code, (value, how) in resolved.items():
        entry = table.get(code)
        if value is None or entry is None:
            continue
        until = f", gültig bis {entry.valid_to:%d.%m.%Y}" if entry.valid_to else ""
        if how == "historical":
            kept[value] = (f"{entry.text} (Altschlüssel {table_name} {code}{', stillgelegt' if entry.retired else ''})", None)
            rule = "code.retired_kept" if entry.retired else "code.unmapped"
            what = "stillgelegter Schlüssel" if entry.retired else "Schlüssel"
            tail = "hat keinen Nachfolger" if entry.retired else "ist in der Schlüsseldatei, aber nicht zugeordnet"
            messages[code] = (rule, f"{name}: {what} {code} ({entry.text}{until}) {tail}: als historischer Schlüssel {value} mit seinem Text übernommen")
        elif entry.retired:
            messages[code] = ("code.retired", f"{name}: stillgelegter Schlüssel {code} ({entry.text}{until}) wird unter seinem Nachfolger {value} übernommen")
    if kept:
        ctx.add_codes(col.code_map, kept)
    for rule in ("code.retired", "code.retired_kept", "code.unmapped"):
        codes = {c: m for c, (r, m) in messages.items() if r == rule}
        if codes:
            report(v.isin(list(codes)).fillna(False), rule, Severity.WARNING, v.map(codes).astype("string"), col.field, values)
    if ctx.code_maps[col.code_map].path is not None:
        missing = {c for c, r in resolved.items() if r[0] is not None and c not in table}
        report(v.isin(list(missing)).fillna(False), "code.not_in_code_table", Severity.WARNING,
               f"{name}: Schlüssel fehlt in der Schlüsseldatei (Tabelle {table_name}), ist aber zugeordnet", col.field, values)
    retired_on = {c: table[c].valid_to for c in resolved if c in table and table[c].retired and table[c].valid_to and resolved[c][0]}
    return [RetiredUse(name, col.field, retired_on, values)] if retired_on else []  # type: ignore[arg-type]


def check_retired_use(out: pd.DataFrame, used: RetiredUse, report: Report) -> None:
    """A retired code on a record that begins (ends, for termination reasons) after the code's last valid day."""
    date_field = DATE_OF_FIELD.get(used.field) or next((f for f in RECORD_DATES if f in out.columns), None)
    if date_field is None or date_field not in out.columns:
        return
    v = clean(used.values)
    limit = pd.to_datetime(v.map({c: pd.Timestamp(d) for c, d in used.retired_on.items()}))
    dates = pd.to_datetime(out[date_field])
    late = (dates > limit).fillna(False).astype(bool)
    if late.any():
        msg = (f"{used.column}: stillgelegter Schlüssel " + v.fillna("") + " nach seiner Stilllegung am "
               + limit.dt.strftime("%d.%m.%Y").fillna("") + f" verwendet ({date_field} " + dates.dt.strftime("%d.%m.%Y").fillna("") + ")")
        report(late, "code.used_after_retirement", Severity.WARNING, msg.astype("string"), used.field, used.values)


def _column_length(entity: str | None, field: str) -> int | None:
    """The target column's length, so that a kept historical code still fits it."""
    if entity is None:
        return None
    from jhmig.schema import Base

    table = Base.metadata.tables.get(entity)
    if table is None or field not in table.columns:
        return None
    return getattr(table.columns[field].type, "length", None)

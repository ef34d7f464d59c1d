"""The sign-off figures of a run: KJH statistics, money per year and kind, controlling.

Three steps of the pipeline, each a function here:

1. :func:`capture` right after transform: what the statistics need of the
   source records, before anything is quarantined;
2. :func:`target_query` for the load: reads the same figures from the target
   by SQL inside the open transaction (a dry run sees its own rows);
3. :func:`figures` in ``before_commit``: source and target side by side,
   every difference explained by its records (``summary.json["signoff"]``),
   rendered afterwards as ``abgleich.html`` / ``abgleich.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from jhmig.masking import mask_keys_in
from jhmig.records import Batch


@dataclass
class SignoffInputs:
    source_system: str
    services: pd.DataFrame  # statistics columns of every service read (after transform, before quarantine)
    payments: pd.DataFrame  # service-bound payments read: legacy_key, service_key, amount_cents, due_date
    first_year: int
    last_year: int
    money: pd.DataFrame | None = None  # every payment read with its outcome (set before the load)
    loaded: pd.Series | None = None  # per row of ``payments``: still in the frames, i.e. being loaded (set before the load)


def capture(batch: Batch, as_of: dt.date | None, first_year: int | None = None) -> SignoffInputs:
    from jhmig.reports.statistics import service_snapshot, year_range

    services = service_snapshot(batch.frames.get("service"), unreadable_end_dates(batch))
    years = year_range(services, as_of, first_year)
    frame = batch.frames.get("payment")
    columns = ["legacy_key", "service_key", "amount_cents", "due_date"]
    payments = (frame.loc[frame["service_key"].notna(), columns].copy()
                if frame is not None and "service_key" in frame else pd.DataFrame(columns=columns))
    return SignoffInputs(batch.source_system, services, payments, years.first, years.last)


def unreadable_end_dates(batch: Batch) -> set[str]:
    """Keys of the services whose end date was delivered but could not be read (finding ``value.invalid_date``)."""
    findings = batch.findings.frame()
    if not len(findings):
        return set()
    bad = findings[(findings["rule_id"] == "value.invalid_date") & (findings["entity"] == "service") & (findings["field"] == "end_date")]
    return set(bad["legacy_key"].dropna().astype(str))


def prepare_money(inputs: SignoffInputs, payments_read: pd.DataFrame, batch: Batch) -> None:
    """Each payment read with its outcome; called once validation has decided (before the load)."""
    from jhmig.keytext import arrow_keys, contained_in
    from jhmig.reports.money_table import payment_outcomes

    inputs.money = payment_outcomes(payments_read, batch)
    frame = batch.frames.get("payment", pd.DataFrame(columns=["legacy_key"]))
    # decided here, not after the load, where the run holds more; in Arrow: pandas' isin of text makes a Python
    # object per key (~300 MB for two million payments)
    inputs.loaded = pd.Series(contained_in(arrow_keys(inputs.payments["legacy_key"]), arrow_keys(frame["legacy_key"])),
                              index=inputs.payments.index)


def target_query(inputs: SignoffInputs) -> Callable[[Any], dict[str, Any]]:
    """The SQL reads of the loaded target (run by the load inside its transaction)."""

    def query(connection: Any) -> dict[str, Any]:
        from jhmig.load.statistics_sql import target_payment_amounts, target_statistics
        from jhmig.reports.money_table import loaded_by_cell, mismatched_cells

        started = time.perf_counter()
        found = target_statistics(connection, inputs.source_system, inputs.first_year, inputs.last_year)
        found["money_records"] = {}
        if inputs.money is not None:
            for year, kind in mismatched_cells(loaded_by_cell(inputs.money), found["money"]):
                found["money_records"][(year, kind)] = target_payment_amounts(connection, inputs.source_system, year, kind)
        found["seconds"] = time.perf_counter() - started
        return found

    return query


def figures(inputs: SignoffInputs, batch: Batch, target: dict[str, Any] | None, manifest_cents: int | None,
            code_lists: pd.DataFrame) -> dict[str, Any]:
    """``summary.json["signoff"]``: statistics, Inobhutnahmen, money, controlling (source and target)."""
    from jhmig.reports.money_table import money_table
    from jhmig.reports.statistics import (
        END_UNREADABLE,
        END_UNREADABLE_LABEL,
        YearRange,
        cell_members,
        compare_statistics,
        controlling,
        kjh_cells,
        not_loaded_services,
        payment_costs,
        statistics_summary,
    )

    started = time.perf_counter()
    years = YearRange(inputs.first_year, inputs.last_year)
    source_cells = kjh_cells(inputs.services, years)
    target_cells = target["cells"] if target else source_cells.iloc[:0]
    loaded = batch.frames.get("service", pd.DataFrame(columns=["legacy_key"]))["legacy_key"]
    outcomes = {k: batch.outcome_frame(k) for k in ("quarantined", "merged", "skipped")}
    table = compare_statistics(source_cells, target_cells, cell_members(inputs.services, years),
                               not_loaded_services(inputs.services, loaded, outcomes))
    labels = {**_labels(code_lists), END_UNREADABLE: END_UNREADABLE_LABEL}
    cells = [{"measure": r.measure, "service_type": r.service_type, "label": labels.get(r.service_type, r.service_type), "year": int(r.year),
              "source": int(r.source), "target": int(r.target), "difference": int(r.difference), "equal": bool(r.equal),
              "explained": bool(r.explained), "records": r.records} for r in table.itertuples()]
    costs_source = payment_costs(inputs.payments, inputs.services, years)
    assert inputs.loaded is not None  # set by prepare_money
    costs_loaded = payment_costs(inputs.payments[inputs.loaded], inputs.services, years)
    out = {
        "years": [inputs.first_year, inputs.last_year],
        "statistics": {**statistics_summary(table), "cells": cells},
        "inobhutnahmen": _protective(cells),
        "money": money_table(inputs.money, target["money"] if target else None, manifest_cents,
                             target["money_records"] if target else None) if inputs.money is not None else None,
        "controlling": {
            "source": controlling(inputs.services, years, costs_source),
            "target": controlling(target["services"], years, costs_loaded) if target else None,
        },
    }
    out["not_loaded_by_file"] = _not_loaded_by_file(outcomes)
    out["seconds"] = round(time.perf_counter() - started, 3)
    out["sql_seconds"] = round(target["seconds"], 3) if target else None
    return mask_keys_in(out)  # type: ignore[return-value]  # keys hold dates that may be birth dates: never in clear in a report


def write_record_hashes(run_dir: Any, batches: list[Batch], identity: Any = None) -> None:
    """``record_hashes.parquet``; ``identity`` (the matching's IdentityResult) names merged records by their cluster."""
    from jhmig.reports.record_hashes import record_identities, write_skipped_keys
    from jhmig.reports.record_hashes import write_record_hashes as write

    write(run_dir, batches, record_identities(identity, [b.source_system for b in batches]))
    write_skipped_keys(run_dir, batches)  # why a record of an earlier run is not loaded now (a steward's exclusion ...)


def write_reports(run_dir: Any, out_dir: Any, summary: dict[str, Any]) -> None:
    """abgleich.html and abgleich.xlsx of the run (findings over the runs read from the output folder)."""
    from jhmig.reports.reconciliation_report import run_history, write_reconciliation
    from jhmig.validation import rule_catalog

    write_reconciliation(run_dir, summary, run_history(out_dir, summary["run_uid"]), rule_catalog())


def _not_loaded_by_file(outcomes: dict[str, pd.DataFrame], shown: int = 100) -> list[dict[str, Any]]:
    """Per file and entity the first records not loaded (key, line, outcome, reason): the drill-down of the counts."""
    parts = []
    for kind, frame in outcomes.items():
        if len(frame):
            reason = frame["rule_ids"] if "rule_ids" in frame else frame.get("reason")
            parts.append(frame[["src_path", "entity", "legacy_key", "src_line"]].assign(outcome=kind, reason=reason))
    if not parts:
        return []
    rows = pd.concat(parts, ignore_index=True)
    out = []
    for (path, entity), part in rows.groupby(["src_path", "entity"], sort=True):
        head = part.head(shown)
        out.append({"file": str(path), "entity": str(entity), "count": int(len(part)),
                    "records": [{"key": None if pd.isna(k) else str(k), "line": None if pd.isna(n) else int(n), "outcome": o,
                                 "reason": None if pd.isna(r) else str(r)}
                                for k, n, o, r in zip(head["legacy_key"], head["src_line"], head["outcome"], head["reason"])]})
    return out


def _protective(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inobhutnahmen (§ 42) and vorläufige Inobhutnahmen (§ 42a) begun per year, source and target."""
    out: dict[int, dict[str, Any]] = {}
    for cell in cells:
        if cell["measure"] == "begun" and cell["service_type"] in ("42", "42a"):
            row = out.setdefault(cell["year"], {"year": cell["year"], "42_source": 0, "42_target": 0, "42a_source": 0, "42a_target": 0})
            row[f"{cell['service_type']}_source"] += cell["source"]
            row[f"{cell['service_type']}_target"] += cell["target"]
    return [out[y] for y in sorted(out)]


def _labels(code_lists: pd.DataFrame) -> dict[str, str]:
    rows = code_lists[code_lists["code_list"] == "service_type"]
    return {str(c): (f"{b} {l}" if isinstance(b, str) and b else str(l)) for c, l, b in zip(rows["code"], rows["label_de"], rows["legal_basis"])}

"""Steps around the load: prepare the steward reports, write the work list, load in one transaction,
reconcile, commit or not.

The files that need only what validation decided (work list, findings/quarantine/skipped CSVs) are
written before the load; the summary and the HTML report, which need the load's counts, follow it.
A report file that cannot be written fails the run before the commit, not after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jhmig import __version__
from jhmig.memory import release_memory, with_plain_strings
from jhmig.run_state import RunState
from jhmig.run_summary import RunSummary
from jhmig.steps_signoff import add_signoff, signoff_queries

Progress = Callable[[str, int, int], None]


@dataclass
class ReportInputs:
    """What the reports need of the source after the raw tables are released."""

    cells: pd.DataFrame  # per finding: the delivered column and cell value
    raw: dict[tuple[str, str], pd.DataFrame]  # the raw rows findings point at
    skipped: pd.DataFrame


def prepare_reports(state: RunState, pseudonyms: object | None) -> ReportInputs:
    """Build the steward reports' inputs, then free the raw tables before the load (payments are millions of rows)."""
    from jhmig.reports.masking import personal_data
    from jhmig.reports.steward import StewardReports
    from jhmig.transform.source_index import source_cells

    assert state.findings is not None
    raw = {key: frame for b in state.batches for key, frame in b.raw.items()}
    column_fields: dict = {}
    for source in state.sources:
        if source.index is not None:
            column_fields.update(source.index.column_fields())
    state.steward = StewardReports(state.run_dir, state.options.out_dir, personal_data(column_fields, raw), state.catalog,
                                   pseudonyms)  # type: ignore[arg-type]
    export_index = state.export.index
    assert export_index is not None
    # each source's findings against its own tables: a list finding's cell, value and row identity too
    parts = [source_cells(state.findings[state.findings["source_system"] == s.source_system], s.index)
             for s in state.sources if s.index is not None and s is not state.export]
    own = state.findings["source_system"].isin([s.source_system for s in state.lists])
    parts.append(source_cells(state.findings[~own], export_index))
    cells = pd.concat(parts).reindex(state.findings.index)
    inputs = ReportInputs(cells=cells, raw=_rows_with_findings(raw, state.findings),
                          skipped=pd.concat([b.outcome_frame("skipped") for b in state.batches], ignore_index=True))
    for source in state.sources:
        source.index = None
        source.extract.tables.clear()
        source.batch.raw.clear()
    release_memory()
    return inputs


def load_and_reconcile(state: RunState, inputs: ReportInputs, note: Progress) -> None:
    """Load every batch in one transaction, reconcile the open transaction, commit unless the checks fail."""
    from jhmig.load import LoadRequest, RunVerdict, open_target
    from jhmig.reports import write_record_files
    from jhmig.steps_match import load_aliases, load_detached

    steward = state.steward
    assert steward is not None and state.findings is not None and state.quarantine is not None
    status = state.finding_status

    # Written before the load, not beside it: the work list overlapping the load of two million payments
    # raised the run's peak by ~200 MB. A file that cannot be written stops the run before anything is loaded.
    note("work list", 0, 1)
    write_record_files(state.run_dir, *steward.shareable(state.findings, state.quarantine), inputs.skipped)
    plan = state.corrections
    steward.write_worklist(state.findings, status=status, cells=inputs.cells, run_uid=state.run_uid, review=state.review,
                           review_in_clear=state.review_in_clear, detached=state.detached, unknown=state.unknown_values,
                           carried=plan.carried() if plan is not None else None)
    note("work list", 1, 1)
    release_memory()
    note("load", 0, 1)
    target = open_target(state.options.db_url)
    try:
        target.upgrade()
        request = LoadRequest(run_uid=state.run_uid, started_at=state.started, sources=state.source_descriptions(),
                              options=state.run_options(), batches=state.batches, quarantine=state.quarantine,
                              findings=state.findings, code_lists=state.code_lists, dry_run=state.options.dry_run,
                              release_frames=True, aliases=load_aliases(state), detached=load_detached(state),
                              target_queries=signoff_queries(state), min_run_id=next_run_id(state.options.out_dir))
        with target.begin_load(request, progress=note) as pending:
            state.load = pending.result
            state.summary = reconcile(state)
            _detached_ids(state)  # before the commit: a work list that cannot be written stops the run
            add_signoff(state)  # statistics side by side, the quality gate: may fail the run
            pending.decide(RunVerdict(status=state.summary.status, summary_json=state.summary.to_json(),
                                      commit=state.summary.status != "failed"))
    finally:
        target.dispose()


def next_run_id(out_dir: Path) -> int:
    """One above every run id the run folders hold: a dry run's id (its mig_run row is rolled back) is not given again."""
    from jhmig.reports.run_diff import run_folders

    ids = [int(r.summary["run_id"]) for r in run_folders(out_dir) if str(r.summary.get("run_id") or "").isdigit()]
    return max(ids, default=0) + 1


def _detached_ids(state: RunState) -> None:
    """The detached records get the ids the load gave them: in the run state (validierung.html) and the work list."""
    from jhmig.steps_match import with_new_ids

    if state.detached is None or not len(state.detached) or state.load is None:
        return
    state.detached = with_new_ids(state.detached, state.load.detached)
    assert state.steward is not None
    state.steward.fill_detached_ids(state.detached, state.review_in_clear)


def reconcile(state: RunState) -> RunSummary:
    """The reconciliation of the loaded, not yet committed run."""
    from jhmig.reports import build_summary

    assert state.load is not None and state.findings is not None and state.payments_read is not None
    steward = state.steward
    corrections = state.corrections.summary(steward.hider.value) if state.corrections and steward else {}
    from jhmig.steps_match import matching_summary, review_decision_summary

    if corrections:  # the review sheet's decisions, with their effect; each file counts them too
        corrections["review"] = review_decision_summary(state)
        per_file: dict[str, int] = {}
        for d in corrections["review"]:
            per_file[str(d["file"])] = per_file.get(str(d["file"]), 0) + 1
        for f in corrections.get("files", []):
            f["review_decisions"] = per_file.get(f["file"], 0)

    summary = build_summary(run_uid=state.run_uid, run_id=state.load.run_id, started=state.started, options=state.run_options(),
                            sources=state.source_descriptions(), batches=state.batches, export=state.export.extract,
                            load_result=state.load, payments_read=state.payments_read, findings=state.findings,
                            jhmig_version=__version__, corrections=corrections, validation=state.validation)
    summary.matching = matching_summary(state.identity, state.review)
    return summary


def _rows_with_findings(raw: dict[tuple[str, str], pd.DataFrame], findings: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """The raw source rows that findings point at, per (file, sheet)."""
    located = findings[findings["src_line"].notna()]
    lines = {key: set(part["src_line"].astype("int64")) for key, part in located.groupby(["src_path", "src_sheet"])}
    out = {}
    for key, frame in raw.items():
        wanted = lines.get(key)
        if wanted:
            out[key] = with_plain_strings(frame.loc[frame.index.isin(list(wanted))].copy())
    return out

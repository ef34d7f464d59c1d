"""The orchestrator: one run from the source files to the reconciliation report.

    check target -> run lock -> read export -> control gate -> corrections -> transform -> sign-off capture -> read lists
      -> deselect departments -> match identities (all sources at once) -> validate -> stewards' decisions
      -> quarantine -> prepare reports (frees the raw tables) -> sign-off figures -> load + reconcile (+ statistics by SQL, gate)
      -> reports -> abgleich.html/xlsx

Each step is a function over one typed :class:`~jhmig.run_state.RunState`
(:mod:`jhmig.steps_sources`, :mod:`jhmig.steps_match`, :mod:`jhmig.steps_checks`,
:mod:`jhmig.steps_load`, :mod:`jhmig.steps_signoff`);
stages never import each other, they exchange the records of :mod:`jhmig.records`.
Follow one record: it is read by ``extract`` (raw strings, line number), mapped
by ``transform`` (typed unified fields, legacy key), merged by ``match`` with
the records of other sources that describe the same person, case file or
provider, checked by ``validation`` (findings), met by a steward's decision,
moved to the quarantine if an error finding remains, otherwise written by
``load`` (new id via the key map, lineage, run id) and counted by ``reports``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jhmig.config import RunOptions
from jhmig.contracts import check_frames, check_merged_survivors
from jhmig.errors import InternalRunError, JhmigError
from jhmig.memory import release_memory
from jhmig.run_folder import ERROR_LOG, mark_failed_reconciliation, mark_unfinished
from jhmig.run_state import RunState
from jhmig.run_summary import RunSummary
from jhmig.steps_checks import apply_decisions, quarantine_records, validate_sources
from jhmig.steps_load import ReportInputs, load_and_reconcile, prepare_reports
from jhmig.steps_match import match_identities
from jhmig.steps_signoff import capture_signoff, gate_exit_code, prepare_signoff, write_signoff_reports
from jhmig.steps_sources import (
    apply_corrections,
    deselect_departments,
    gate_control_totals,
    read_export,
    read_lists,
    transform_export,
)

if TYPE_CHECKING:
    from jhmig.reports.pseudonyms import Pseudonymizer

Progress = Callable[[str, int, int], None]


@dataclass
class RunOutcome:
    run_uid: str
    run_dir: Path
    status: str
    exit_code: int
    summary: RunSummary
    committed: bool  # the load is in the target (not a dry run, not rolled back)


@dataclass
class StepTracker:
    """Which step runs and what it last reported (its progress note): named when a step fails unexpectedly."""

    step: str = "start"
    doing: str = ""

    def __call__(self, step: str) -> None:
        self.step, self.doing = step, ""

    def progress(self, note: Progress) -> Progress:
        def update(what: str, done: int, total: int) -> None:
            self.doing = what
            note(what, done, total)
        return update


def new_run_uid(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def run_pipeline(options: RunOptions, progress: Progress | None = None) -> RunOutcome:
    # Heavy stage imports stay inside the steps so that `jhmig --help` starts fast.
    from jhmig.reports.pseudonyms import pseudonymizer
    from jhmig.validation import preload_expectations

    from jhmig.load.run_lock import LockHolder, run_lock

    check_target_first(options)  # an unusable database is refused before anything is read or written
    started = dt.datetime.now().replace(microsecond=0)
    run_uid = new_run_uid(started)
    # one run at a time per target, dry runs too: a second one is refused before it reads anything (exit 2)
    with run_lock(options.db_url, LockHolder.me(run_uid, "dry run" if options.dry_run else "run", started)):
        preload_expectations()  # GX takes seconds to import: let it happen while extract reads the files
        at = StepTracker()
        note = at.progress(progress or (lambda step, done, total: None))
        state = start_run(options, run_uid, started)
        try:
            return _run_steps(state, note, pseudonymizer(options.out_dir) if options.pseudonymize else None, at)
        except BaseException as exc:
            # No folder with raw values of a run that loaded nothing; the folder says why it stopped.
            committed = bool(state.load and state.load.committed)
            mark_unfinished(state.run_dir, state.run_uid, state.started, exc, committed=committed, step=at.step)
            if isinstance(exc, Exception) and not isinstance(exc, JhmigError):
                raise InternalRunError(exc, step=at.step, doing=at.doing, log=write_error_log(state.run_dir, exc, at.step, at.doing),
                                       committed=committed) from exc
            raise


def check_target_first(options: RunOptions) -> None:
    """URL, connection, schema revision and rights of the target (exit 2 with what to fix)."""
    from jhmig.load import check_target

    check_target(options.db_url)


def _run_steps(state: RunState, note: Progress, pseudonyms: Pseudonymizer | None, at: StepTracker) -> RunOutcome:
    full = full_contracts()
    at("read export")
    read_export(state, note)
    at("control totals")
    gate_control_totals(state)
    at("corrections")
    apply_corrections(state, pseudonyms)
    at("transform export")
    transform_export(state, note)
    check_frames([state.export.batch], at.step, full=full)
    release_memory()  # each heavy step copies the payments; what it freed goes back before the next one
    at("sign-off capture")
    capture_signoff(state)
    at("read lists")
    read_lists(state, note)
    check_frames([s.batch for s in state.lists], at.step, full=full)
    at("departments")
    deselect_departments(state)
    at("match")
    match_identities(state, note)
    check_frames(state.batches, at.step, full=full)
    release_memory()

    at("validate")
    validate_sources(state, note)
    release_memory()
    at("stewards' decisions")
    apply_decisions(state)
    at("quarantine")
    quarantine_records(state)
    check_frames(state.batches, at.step, full=full)
    check_merged_survivors(state.batches, at.step)
    # the steward reports' inputs first: it frees the raw tables, which the sign-off no longer needs
    at("prepare reports")
    inputs = prepare_reports(state, pseudonyms)
    at("sign-off figures")
    prepare_signoff(state)
    release_memory()
    at("load")
    load_and_reconcile(state, inputs, note)
    at("reports")
    note("reports", 0, 1)
    write_reports(state, inputs)
    write_signoff_reports(state)

    summary = state.summary
    assert summary is not None
    if summary.status == "failed":
        mark_failed_reconciliation(state.run_dir, state.run_uid, [c.check for c in summary.checks if not c.ok])
    exit_code = max(0 if summary.status in ("ok", "dry_run") else 1, gate_exit_code(summary))
    return RunOutcome(state.run_uid, state.run_dir, summary.status, exit_code, summary,
                      committed=bool(state.load and state.load.committed))


def full_contracts() -> bool:
    """The full contract checks (every row's outcome) cost a second on two million payments: on in the tests."""
    return os.environ.get("JHMIG_FULL_CONTRACTS", "") not in ("", "0")


def write_error_log(run_dir: Path, exc: BaseException, step: str, doing: str) -> Path:
    """The traceback of an internal error, in the run folder beside summary.json: which step, what it was doing."""
    import traceback

    path = run_dir / ERROR_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    head = f"internal error in step '{step}'" + (f" (last progress: {doing})" if doing else "") + "\n\n"
    path.write_text(head + "".join(traceback.format_exception(exc)), encoding="utf-8")
    return path


def start_run(options: RunOptions, run_uid: str, started: dt.datetime) -> RunState:
    """The run's folder, the unified code lists and the rule catalog."""
    from jhmig.transform import read_unified_code_lists
    from jhmig.validation import rule_catalog

    run_dir = options.out_dir / run_uid
    run_dir.mkdir(parents=True, exist_ok=True)
    return RunState(options=options, run_uid=run_uid, started=started, run_dir=run_dir,
                    code_lists=read_unified_code_lists(), catalog=rule_catalog())


def write_reports(state: RunState, inputs: ReportInputs) -> None:
    """summary.json and the steward files that report the load's counts (validierung.html, korrekturen.csv)."""
    from jhmig.reports import write_summary_file

    assert state.summary is not None and state.steward is not None and state.findings is not None
    write_summary_file(state.run_dir, state.summary)
    plan = state.corrections
    state.steward.write(state.summary.as_dict(), state.findings, state.quarantine, inputs.skipped,
                        status=state.finding_status, cells=inputs.cells, raw=inputs.raw,
                        corrections=plan.table() if plan is not None and state.options.corrections_dir else None,
                        detached=state.detached)

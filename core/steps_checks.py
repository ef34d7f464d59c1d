"""Steps from unified frames to what is loaded: validate, stewards' decisions, quarantine.

Validation only reports findings. Then stewards' decisions meet them
(decision point 2: acceptances are checked against the findings, excluded
records are skipped with everything hanging on them), and only then does
the quarantine step move what still has an error, so that an excluded or
deselected record counts as skipped, never as quarantined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from jhmig.quarantine import follow_merged, quarantine_batch, quarantine_frame
from jhmig.run_state import BatchRole, RunState
from jhmig.steps_sources import gx_folder

Progress = Callable[[str, int, int], None]


def validate_sources(state: RunState, note: Progress) -> None:
    """Expectations and domain rules on every source; their findings join the batch's."""
    from jhmig.steps_match import merged_context
    from jhmig.validation import export_date, validate

    as_of = export_date(state.export.extract.manifest.export_date)
    for source in state.sources:
        note(f"validate {source.source_system}", 0, 1)
        out_dir = gx_folder(state, source)
        out_dir.mkdir(parents=True, exist_ok=True)
        # data docs (4-5 MB of assets) only for the export
        result = validate(source.batch, state.code_lists, out_dir, as_of=as_of, data_docs=source.role is BatchRole.EXPORT,
                          context=merged_context(state, source.batch))
        source.batch.findings.add_frame(result.findings)
        state.validation[source.source_system] = _validation_summary(state, result)


def apply_decisions(state: RunState) -> None:
    """Decision point 2: acceptances meet the findings; excluded records leave the frames as skipped."""
    plan = state.corrections
    if plan is None:
        return
    for source in state.sources:  # the export and every family of lists: each meets its own decisions
        plan.recheck(source.extract)  # a corrected value that is still invalid is refused, not counted as applied
        plan.review(source.extract)
        plan.exclude(source.extract)


def quarantine_records(state: RunState) -> None:
    """Error findings and what depends on them go to quarantine; then the run's findings and quarantine as frames."""
    from jhmig.steps_match import alias_keys

    # A survivor quarantined in one batch takes the dependants of its merged records in another along:
    # repeat until no batch moves a record any more (sources can merge into each other in any order).
    # A merged record whose survivor went to quarantine follows it (and so do its own dependants).
    moved = 1
    while moved:
        resolvable, quarantined = alias_keys(state)
        moved = sum(quarantine_batch(b, resolvable.get(b.source_system), quarantined.get(b.source_system))
                    for b in state.batches)
        moved += follow_merged(state.batches)
    state.findings = pd.concat([b.findings.frame() for b in state.batches], ignore_index=True)
    state.quarantine = pd.concat([quarantine_frame(b) for b in state.batches], ignore_index=True)
    plan = state.corrections
    state.finding_status = plan.finding_status(state.findings) if plan is not None else None


def _validation_summary(state: RunState, result: Any) -> dict[str, Any]:
    run = result.expectations
    if run is None:
        return {"seconds": result.seconds}
    base = state.run_dir

    def rel(path: Any) -> str | None:
        return str(path.relative_to(base)) if path else None

    return {
        "expectations": len(run.summary),
        "expectations_failed": len(run.failed),
        "results": rel(run.results_path),
        "summary_html": rel(run.summary_html_path),
        "data_docs": rel(run.data_docs_path),
        "seconds": result.seconds,
    }

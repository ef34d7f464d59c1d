"""The sign-off steps of a run (issue #13), around the steps of :mod:`jhmig.pipeline`.

    transform -> capture_signoff -> ... -> quarantine -> prepare_signoff -> load (+ signoff_queries)
      -> reconcile -> add_signoff (statistics side by side, quality gate) -> reports -> write_signoff_reports

The figures themselves are computed by :mod:`jhmig.signoff`; these steps only
move them through the typed :class:`~jhmig.run_state.RunState`.
"""

from __future__ import annotations

from typing import Any

from jhmig.run_state import RunState

#: the status of a committed run (not a cut-over) that missed the quality gate
GATE_MISSED = "gate_missed"


def capture_signoff(state: RunState) -> None:
    """Right after transform: the service records and service-bound payments as read (before any quarantine)."""
    from jhmig.signoff import capture
    from jhmig.validation import export_date

    export = state.export.extract
    state.signoff = capture(export.batch, export_date(export.manifest.export_date))


def prepare_signoff(state: RunState) -> None:
    """Once validation has decided: each payment's outcome, and the per-record hashes for `jhmig runs diff`."""
    from jhmig.signoff import prepare_money, write_record_hashes

    assert state.signoff is not None and state.payments_read is not None
    prepare_money(state.signoff, state.payments_read, state.export.batch)
    write_record_hashes(state.run_dir, state.batches, state.identity)  # the frames are released during the load


def signoff_queries(state: RunState) -> dict[str, Any]:
    """The SQL reads the load runs in its open transaction."""
    from jhmig.signoff import target_query

    return {"signoff": target_query(state.signoff)} if state.signoff is not None else {}


def add_signoff(state: RunState) -> None:
    """The sign-off figures into the summary; then the quality gate, which may fail the run."""
    from jhmig.signoff import figures

    summary, load = state.summary, state.load
    assert summary is not None and load is not None
    if state.signoff is not None:
        summary.signoff = figures(state.signoff, state.export.batch, load.queries.get("signoff"), summary.money.get("manifest_cents"),
                                  state.code_lists)
        add_delta(state)
    apply_gate(state)


def add_delta(state: RunState) -> None:
    """``--delta-since RUN``: what changed since that run, reconciled against what the load wrote."""
    from jhmig.errors import RefusedInput
    from jhmig.reports.delta import delta_figures, delta_since, write_delta_records
    from jhmig.reports.record_hashes import read_record_hashes, read_skipped_keys
    from jhmig.reports.run_diff import find_run, money_change
    from jhmig.run_summary import Check

    options, summary, load = state.options, state.summary, state.load
    if options.delta_since is None or summary is None or load is None:
        return
    base = find_run(options.out_dir, options.delta_since)
    hashes = read_record_hashes(base.path) if base is not None else None
    current = read_record_hashes(state.run_dir)
    if base is None or hashes is None or current is None:
        raise RefusedInput(f"--delta-since {options.delta_since}: no such run with record hashes in {options.out_dir}",
                           hint="list the runs with: jhmig runs list")
    # the load's counts equal the delta only when the base run is the target's state (ids may skip: dry runs, rollbacks)
    consecutive = base.summary.get("status") in ("ok", "incomplete", GATE_MISSED) and load.previous_run_uid == base.uid
    stats: dict[str, dict[str, int]] = {}
    for (_source, entity), s in load.stats.items():
        e = stats.setdefault(entity, {"inserted": 0, "updated": 0, "deleted": 0})
        e["inserted"] += s.inserted
        e["updated"] += s.updated
        e["deleted"] += s.deleted
    changes = delta_since(hashes, current, read_skipped_keys(state.run_dir))
    write_delta_records(state.run_dir, changes)
    delta = delta_figures(changes, stats, consecutive, base.uid, state.signoff.money if state.signoff else None)
    delta["money_change"] = money_change(base.summary, summary.as_dict())
    summary.signoff["delta"] = delta
    if delta["ok"] is False:
        # the changes named are not what the load wrote: committed (the data reconciled), but exit 1 and named
        summary.checks.append(Check(f"delta since run {base.uid}: written = changed per entity ({'; '.join(delta['not_reconciled'])})",
                                    False, blocking=False))
        if summary.status == "ok":
            summary.status = "incomplete"


def apply_gate(state: RunState) -> None:
    """The quality gate (project thresholds; a cut-over without any uses the defaults).

    A miss fails the exit code; a cut-over that misses it is not committed
    (status ``failed``) unless overridden, and the override is recorded.
    """
    import datetime as dt

    from jhmig.config import GateThresholds
    from jhmig.reports.quality_gate import evaluate_gate

    options, summary = state.options, state.summary
    assert summary is not None
    if options.gate is None and not options.cutover:
        return
    thresholds = options.gate if options.gate is not None else GateThresholds().model_dump()
    verdict = evaluate_gate(summary.as_dict(), thresholds)
    verdict["cutover"] = options.cutover
    verdict["thresholds"] = thresholds
    if not verdict["passed"] and options.cutover and options.gate_override:
        verdict["override"] = {**options.gate_override, "at": dt.datetime.now().replace(microsecond=0).isoformat()}
    elif not verdict["passed"] and options.cutover:
        summary.status = "failed"  # the load is rolled back: a cut-over commits only what passes the gate
    elif not verdict["passed"] and summary.status == "ok":
        summary.status = GATE_MISSED  # committed (no cut-over), but not "ok": the gate was missed
    summary.gate = verdict
    summary.options = {**summary.options, "mode": "cutover" if options.cutover else ("dry_run" if options.dry_run else "load"),
                       **({"gate_override": verdict["override"]} if "override" in verdict else {})}


def gate_exit_code(summary: Any) -> int:
    """1 when the gate was judged and missed without an override, or a check failed (e.g. a delta that does not reconcile), else 0."""
    gate = getattr(summary, "gate", None)
    if gate and not gate["passed"] and "override" not in gate:
        return 1
    return 1 if any(not c.ok for c in getattr(summary, "checks", [])) else 0


def write_signoff_reports(state: RunState) -> None:
    """abgleich.html and abgleich.xlsx beside the other reports."""
    from jhmig.signoff import write_reports

    assert state.summary is not None
    write_reports(state.run_dir, state.options.out_dir, state.summary.as_dict())

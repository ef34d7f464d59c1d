"""Steps from the source files to unified entity frames: extract, control gate, corrections, transform.

Stewards' decisions meet the data here once: corrected values replace the
raw cells before transform (:func:`apply_corrections`); acceptances and
exclusions follow validation (:mod:`jhmig.steps_checks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from jhmig.errors import RefusedInput
from jhmig.list_mapping import ListMapping
from jhmig.memory import share_repeated_strings
from jhmig.records import Batch, Finding, Severity
from jhmig.run_state import BatchRole, RunState, SourceBatch
from jhmig.unknown_values import ValueDecision

Progress = Callable[[str, int, int], None]


def read_export(state: RunState, note: Progress) -> None:
    """The legacy export as raw strings with line numbers, its manifest and control totals."""
    from jhmig.extract import extract_export
    from jhmig.fingerprints import input_fingerprints
    from jhmig.layout import load_layout
    from jhmig.transform.source_index import SourceIndex

    options = state.options
    state.layout = load_layout(options.layout_path)
    extract = extract_export(options.export_dir, state.layout, progress=note)
    manifest = extract.manifest
    description = {"export": str(options.export_dir), "layout": state.layout.name,
                   "manifest": {"export_date": manifest.export_date, "office": manifest.office, "version": manifest.version},
                   "fingerprints": input_fingerprints(options.export_dir, state.layout, options.layout_path)}
    state.sources.append(SourceBatch(BatchRole.EXPORT, extract, description, SourceIndex(extract, state.layout)))


def gate_control_totals(state: RunState) -> None:
    """Refuse an export whose files do not match its control totals, unless the operator overrides it."""
    extract = state.export.extract
    failed = extract.failed_checks
    if not failed:
        return
    lines = [c.describe() for c in failed]
    records = extract.describe_unsummed()  # the records the totals miss, by file and line (never values)
    if not state.options.accept_manifest_mismatch:
        raise RefusedInput(
            "the export does not match its control totals (truncated or corrupt?):\n    " + "\n    ".join(lines)
            + ("\n  records the totals cannot count:\n    " + "\n    ".join(records) if records else ""),
            hint="ask the legacy system's operators for a complete export; to migrate it anyway, pass "
            "--accept-manifest-mismatch (the override is recorded in the run)",
        )
    batch = extract.batch
    for check in failed:
        batch.findings.add(Finding(rule_id="manifest.mismatch", severity=Severity.WARNING,
                                   message=f"Kontrollsumme übersteuert: {check.describe()}",
                                   source_system=batch.source_system, src_path=check.file))
    state.manifest_overrides = lines


def apply_corrections(state: RunState, pseudonym: Callable[[str, str], str] | None) -> None:
    """Decision point 1: stewards' corrected values replace the raw cells before anything is mapped."""
    from jhmig.extract.corrections import read_corrections
    from jhmig.transform.corrections import plan_corrections

    folder = state.options.corrections_dir
    export = state.export
    assert export.index is not None  # built by read_export
    state.corrections = plan_corrections(read_corrections(folder) if folder else None, export.extract, export.index, pseudonym)


def transform_export(state: RunState, note: Progress) -> None:
    """Raw strings -> unified entity frames; then the payments as read, before anything leaves the frames."""
    from jhmig.transform import build_context, transform_extract

    note("transform", 0, 1)
    extract = state.export.extract
    assert state.layout is not None
    context = build_context(state.layout, extract, state.code_lists)
    transform_extract(extract, context)
    state.code_lists = context.code_lists  # with the export's historical codes and code-table lists
    state.payments_read = payment_amounts(extract.batch)
    # From here on the raw tables are only looked up (findings' cells, quarantine rows, masking)
    for frame in {id(f): f for f in [*extract.batch.raw.values(), *(t.frame for t in extract.tables)]}.values():
        share_repeated_strings(frame)


def read_lists(state: RunState, note: Progress) -> None:
    """Each family of caseworkers' lists: read through its mapping and mapped to unified frames."""
    from jhmig.extract.excel_lists import extract_lists
    from jhmig.extract.list_files import account_list_folder, record_not_read
    from jhmig.transform.corrections import adopt_source
    from jhmig.transform.list_rates import rate_totals
    from jhmig.list_mapping import load_list_mapping
    from jhmig.transform.source_index import SourceIndex
    from jhmig.extract.unknown_decisions import read_value_decisions
    from jhmig.keyring import load_key
    from jhmig.transform.list_identity import reidentify, stamp_row_keys
    from jhmig.transform.list_rows import build_list_context, code_list_codes, transform_lists
    from jhmig.transform.unknown_values import extend_with_project, merge_unknown, store_decisions, unknown_values

    secret = load_key(state.options.out_dir)  # list rows are keyed by a keyed hash of their content
    earlier = _earlier_person_keys(state.options.db_url)
    # every mapping is checked before any list is read: a mapping that cannot produce case rows stops the run here
    mappings = [(folder, _with_as_of(load_list_mapping(mapping_path), state.options.list_as_of.get(folder)))
                for folder, mapping_path in state.options.list_sources]
    accounted: set[Path] = set()
    # stewards' decisions on unknown values: kept in the project's own synonym table, applied to every row with the value
    allowed = code_list_codes(state.code_lists)
    decisions = read_value_decisions(state.options.corrections_dir)
    refused = [d for d in decisions if not (d.code in ("-", "?") or d.code in allowed.get(d.field, set()))]
    decisions = [d for d in decisions if d not in refused]
    state.value_decisions = decisions
    if state.options.synonyms_dir is not None and decisions:
        store_decisions(state.options.synonyms_dir, decisions)
    unknown: list[pd.DataFrame] = []
    for folder, mapping in mappings:
        extract = extract_lists(folder, mapping, progress=note)
        # the rows' identities from the cells as delivered (a correction does not change who a row is),
        # re-identified against the rows of earlier runs that the lists no longer have
        stamp_row_keys(extract.tables, mapping, secret)
        found = reidentify(extract.tables, earlier.get(mapping.source_system, ()), secret)
        index = SourceIndex(extract, None)
        if state.corrections is not None:  # stewards' corrections of list cells, before the rows are mapped
            adopt_source(state.corrections, extract, index)
        note(f"transform lists {mapping.name}", 0, 1)
        context = build_list_context(mapping, state.code_lists, secret)
        extend_with_project(context.synonyms, state.options.synonyms_dir, decisions, allowed)
        transform_lists(extract, context)
        _report_refused(extract.batch, [d for d in refused if d.field in context.synonyms])
        unknown.append(unknown_values(extract.batch.findings.frame(), context.synonyms, context.labels))
        description: dict[str, object] = {"lists": str(folder), "mapping": mapping.name,
                                          "files": sorted({t.src_path for t in extract.tables}),
                                          "rates": rate_totals(extract.batch.frames.get("service")),
                                          # rows whose content changed and that keep an earlier run's key (list_identity)
                                          "rows_reidentified": {"same_person": found.by_person, "same_case": found.by_case}}
        if folder not in accounted:  # every file of the folder: read by one of its mappings, or why not
            accounted.add(folder)
            account = account_list_folder(folder, [m for f, m in mappings if f == folder],
                                          state.options.list_excludes.get(folder, ()))
            record_not_read(extract.batch, account)
            description["not_read"] = [f.as_dict() for f in account.not_read]
        state.sources.append(SourceBatch(BatchRole.LIST, extract, description, index))
    state.unknown_values = merge_unknown(unknown)


def _report_refused(batch: Batch, refused: list[ValueDecision]) -> None:
    """A steward's choice that names no code of the field's list: said, not applied."""
    for d in refused:
        batch.findings.add(Finding(rule_id="synonym.decision_refused", severity=Severity.WARNING, source_system=batch.source_system,
                                   field=d.field, value=d.value,
                                   message=f"Entscheidung „{d.code}“ im Blatt „Unbekannte Werte“ ist kein Code der Liste: "
                                           f"nicht angewendet ({d.origin})"))


def _earlier_person_keys(db_url: str) -> dict[str, list[str]]:
    """Per source system: the list rows' person keys in the target's key map (none before the first load)."""
    from jhmig.load import open_target

    target = open_target(db_url)
    try:
        known = target.known_ids(("person",))
    except Exception:  # noqa: BLE001 - an unreachable or empty target: nothing to re-identify, the load reports it
        return {}
    finally:
        target.dispose()
    lists = known[known["legacy_key"].str.startswith("L:").fillna(False)]
    return {str(source): part["legacy_key"].astype(str).tolist() for source, part in lists.groupby("source_system")}


def _with_as_of(mapping: ListMapping, as_of: dt.date | None) -> ListMapping:
    """The project file's "Stand" of a lists folder wins over the mapping's, the title cells' and the file names'."""
    return mapping.model_copy(update={"as_of": as_of}) if as_of else mapping


def deselect_departments(state: RunState) -> None:
    """Deselected departments: their case files and everything hanging on them are skipped, before validation."""
    departments = state.options.departments
    if not departments:
        return
    wanted = {d.upper() for d in departments}
    reason = "Fachdienst nicht ausgewählt (--departments " + ",".join(sorted(wanted)) + ")"
    for batch in state.batches:
        cases = batch.frames.get("case_file")
        if cases is None:
            continue
        out = ~cases["department"].isin(wanted).fillna(False)
        skipped_keys = set(cases.loc[out, "legacy_key"].dropna())
        batch.skip("case_file", out, reason)
        for entity, frame in list(batch.frames.items()):
            if "case_file_key" in frame:
                batch.skip(entity, frame["case_file_key"].isin(skipped_keys).fillna(False), reason)
        # payments hanging on a skipped service of a kept case cannot occur: services follow their case.


def payment_amounts(batch: Batch) -> pd.DataFrame:
    """Amounts of every payment row as read, before anything is quarantined (for the money check).

    Exact duplicate lines were merged away during transform; each carries the
    amount of the line it repeats, so that merged money is counted as such.
    """
    columns = ["src_path", "src_sheet", "src_line", "amount_cents", "due_date", "payment_type"]
    frame = batch.frames.get("payment")
    if frame is None:
        return pd.DataFrame(columns=columns)
    kept = frame[["legacy_key", *columns]]
    merged = batch.outcome_frame("merged")
    merged = merged.loc[merged["entity"] == "payment", ["legacy_key", "src_path", "src_sheet", "src_line"]]
    if len(merged):
        values = kept.drop_duplicates("legacy_key").set_index("legacy_key")[["amount_cents", "due_date", "payment_type"]]
        repeats = merged.join(values, on="legacy_key")
        kept = pd.concat([kept, repeats.astype({"src_line": kept["src_line"].dtype})], ignore_index=True)
    return kept[columns].copy()


def gx_folder(state: RunState, source: SourceBatch) -> Path:
    """GX keeps its results per run: the export's in the run folder, each list family's beside it."""
    return state.run_dir if source.role is BatchRole.EXPORT else state.run_dir / f"gx-{source.source_system}"

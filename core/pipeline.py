"""The orchestrator: one run from the source files to the reconciliation report.

    extract  -> control gate -> transform -> validate -> quarantine -> load -> reconcile/report

Stages never import each other; they exchange the records of
:mod:`jhmig.records` (raw tables, a :class:`Batch` of entity frames,
findings). Follow one record: it is read by ``extract`` (raw strings, line
number), mapped by ``transform`` (typed unified fields, legacy key), checked
by ``validation`` (findings), moved to the quarantine if any finding is an
error, otherwise written by ``load`` (new id via the key map, lineage, run
id) and counted by ``reports``.

One overlap, for speed: the files that need only what validation decided
(work list, findings/quarantine/skipped CSVs) are written by a second thread
while the load mostly waits on the database; the summary and the HTML report,
which need the load's counts, follow it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from jhmig import __version__, signoff
from jhmig.config import RunOptions
from jhmig.fingerprints import input_fingerprints
from jhmig.errors import RefusedInput
from jhmig.layout import load_layout
from jhmig.quarantine import quarantine_flagged, quarantine_frame
from jhmig.records import Batch, ExtractResult, Finding, Severity

if TYPE_CHECKING:
    from jhmig.reports.steward import StewardReports

Progress = Callable[[str, int, int], None]


@dataclass
class RunOutcome:
    run_uid: str
    run_dir: Path
    status: str
    exit_code: int
    summary: dict = field(default_factory=dict)


def new_run_uid(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


@dataclass
class ListSource:
    """One family of caseworkers' lists as prepared for the load."""

    mapping_name: str
    folder: Path
    extract: ExtractResult


def run_pipeline(options: RunOptions, progress: Progress | None = None) -> RunOutcome:
    # Heavy stage imports stay here so that `jhmig --help` starts fast.
    from jhmig.extract import extract_export
    from jhmig.extract.corrections import read_corrections
    from jhmig.load import LoadRequest, RunVerdict, open_target
    from jhmig.reports import build_summary, write_summary_file
    from jhmig.reports.masking import personal_data
    from jhmig.reports.pseudonyms import pseudonymizer
    from jhmig.reports.steward import StewardReports
    from jhmig.transform import build_context, read_unified_code_lists, transform_extract
    from jhmig.transform.corrections import SourceIndex, plan_corrections, source_cells
    from jhmig.validation import preload_expectations

    preload_expectations()  # GX takes seconds to import: let it happen while extract reads the files
    started = dt.datetime.now().replace(microsecond=0)
    run_uid = new_run_uid(started)
    run_dir = options.out_dir / run_uid
    run_dir.mkdir(parents=True, exist_ok=True)
    note = progress or (lambda step, done, total: None)
    code_lists = read_unified_code_lists()

    # 1. the legacy export: extract, control gate, stewards' corrections, transform
    layout = load_layout(options.layout_path)
    extract = extract_export(options.export_dir, layout, progress=note)
    gate = _control_gate(extract, options)
    # Stewards' decisions: corrections override raw values before transform; exclusions and acceptances follow.
    pseudonyms = pseudonymizer(options.out_dir) if options.pseudonymize else None
    sources_index = SourceIndex(extract, layout)
    corrections = plan_corrections(read_corrections(options.corrections_dir) if options.corrections_dir else None,
                                   extract, sources_index, pseudonyms)
    note("transform", 0, 1)
    context = build_context(layout, extract, code_lists)
    transform_extract(extract, context)
    code_lists = context.code_lists  # with the export's historical codes and code-table lists
    batch = extract.batch
    payments_read = _payment_amounts(batch)
    signoff_inputs = signoff.capture(batch, _export_date(extract.manifest.export_date))  # before anything is quarantined
    corrections.exclude(extract)  # after the amounts are taken: excluded payments count as skipped money

    # 2. caseworkers' lists: extract and transform each family of lists
    lists = [_prepare_lists(folder, mapping_path, code_lists, note) for folder, mapping_path in options.list_sources]
    batches = [batch] + [source.extract.batch for source in lists]

    # 3. validate every batch; error findings and what depends on them go to quarantine
    as_of = _export_date(extract.manifest.export_date)
    validation: dict[str, dict] = {}
    for number, current in enumerate(batches):
        # GX keeps its results per run; data docs (4-5 MB of assets) only for the export.
        validation[current.source_system] = _validate(current, code_lists, run_dir if number == 0 else run_dir / f"gx-{current.source_system}",
                                                      as_of, data_docs=number == 0, note=note)
        if options.departments:
            _skip_departments(current, options.departments)
    corrections.review(extract)

    sources = {
        batch.source_system: {
            "export": str(options.export_dir),
            "layout": layout.name,
            "manifest": {"export_date": extract.manifest.export_date, "office": extract.manifest.office, "version": extract.manifest.version},
            "fingerprints": input_fingerprints(options.export_dir, layout, options.layout_path),
        }
    }
    for source in lists:
        sources[source.extract.batch.source_system] = {"lists": str(source.folder), "mapping": source.mapping_name,
                                                       "files": sorted({t.src_path for t in source.extract.tables})}
    run_options = {
        "dry_run": options.dry_run,
        "accept_manifest_mismatch": options.accept_manifest_mismatch,
        "manifest_overridden": bool(gate),
        "departments": list(options.departments),
        "pseudonymize": options.pseudonymize,
        "corrections": str(options.corrections_dir) if options.corrections_dir else None,
        "db": _safe_url(options.db_url),
    }
    findings = pd.concat([b.findings.frame() for b in batches], ignore_index=True)
    quarantine = pd.concat([quarantine_frame(b) for b in batches], ignore_index=True)
    raw = {key: frame for b in batches for key, frame in b.raw.items()}
    column_fields = sources_index.column_fields()
    for source in lists:
        column_fields.update(SourceIndex(source.extract, None).column_fields())
    steward = StewardReports(run_dir, options.out_dir, personal_data(column_fields, raw), pseudonyms)
    finding_status = corrections.finding_status(findings)
    summary_holder: dict = {}
    written_during_load: list[Future[None]] = []

    def before_commit(load_result):  # type: ignore[no-untyped-def]
        for pending in written_during_load:
            pending.result()  # a report file that could not be written fails the run before the commit, not after
        summary = build_summary(
            run_uid=run_uid, run_id=load_result.run_id, started=started, options=run_options, sources=sources,
            batches=batches, extract=extract, load_result=load_result, payments_read=payments_read, findings=findings,
            jhmig_version=__version__,
        )
        summary["corrections"] = corrections.summary(steward.hider.value)
        summary["validation"] = validation
        docs = validation[batch.source_system].get("data_docs")
        if docs:
            summary["gx_data_docs"] = docs
        summary["unmapped_values"] = _unmapped_values(findings)
        summary["signoff"] = signoff.figures(signoff_inputs, batch, load_result.queries.get("signoff"),
                                             summary["money"]["manifest_cents"], code_lists)
        summary_holder.update(summary)
        return RunVerdict(status=summary["status"], summary_json=json.dumps(summary, ensure_ascii=False, default=str),
                          commit=summary["status"] != "failed")

    # After the load the reports need the raw records of findings only: keep
    # those and free the rest before the load (payments are millions of rows).
    cells = source_cells(findings, sources_index)
    signoff.prepare_money(signoff_inputs, payments_read, batch)
    signoff.write_record_hashes(run_dir, batches)  # for `jhmig runs diff`: the frames are released during the load
    raw = _rows_with_findings(raw, findings)
    skipped = pd.concat([b.outcome_frame("skipped") for b in batches], ignore_index=True)
    del sources_index
    extract.tables.clear()
    for current in batches:
        current.raw.clear()
    _release_memory()
    # The work list and the record CSVs need what validation decided, not the load's counts: a
    # second thread writes them while the load waits on the database (index builds, key checks).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jhmig-reports") as background:
        record_files = background.submit(_write_files_known_before_load, steward, run_dir, findings, quarantine, skipped,
                                         finding_status, cells, run_uid)
        written_during_load.append(record_files)
        note("load", 0, 1)
        target = open_target(options.db_url)
        try:
            target.upgrade()
            request = LoadRequest(run_uid=run_uid, started_at=started, sources=sources, options=run_options, batches=batches,
                                  quarantine=quarantine, findings=findings, code_lists=code_lists, dry_run=options.dry_run,
                                  release_frames=True, target_queries={"signoff": signoff.target_query(signoff_inputs)})
            target.load(request, before_commit=before_commit, progress=note)
        finally:
            target.dispose()
        note("reports", 0, 1)
        record_files.result()  # raises what the thread raised

    summary = summary_holder
    write_summary_file(run_dir, summary)
    steward.write(summary, findings, quarantine, skipped, status=finding_status, cells=cells, raw=raw,
                  corrections=corrections.table() if options.corrections_dir else None)
    signoff.write_reports(run_dir, options.out_dir, summary)
    exit_code = 0 if summary["status"] in ("ok", "dry_run") else 1
    return RunOutcome(run_uid, run_dir, summary["status"], exit_code, summary)


def _write_files_known_before_load(steward: StewardReports, run_dir: Path, findings: pd.DataFrame, quarantine: pd.DataFrame,
                                   skipped: pd.DataFrame, status: pd.DataFrame, cells: pd.DataFrame, run_uid: str) -> None:
    from jhmig.reports import write_record_files

    write_record_files(run_dir, *steward.shareable(findings, quarantine), skipped)
    steward.write_worklist(findings, status=status, cells=cells, run_uid=run_uid)


def _release_memory() -> None:
    """Hand freed frames back to the OS before the load builds its rows (Arrow keeps a pool)."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    _trim_c_heap()


def _trim_c_heap() -> None:
    """glibc keeps freed heap pages of the extract stage (hundreds of MB); give them back where it can."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:  # not glibc (musl, macOS): nothing to trim
        pass


def _rows_with_findings(raw: dict[tuple[str, str], pd.DataFrame], findings: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """The raw source rows that findings point at, per (file, sheet)."""
    located = findings[findings["src_line"].notna()]
    lines = {key: set(part["src_line"].astype("int64")) for key, part in located.groupby(["src_path", "src_sheet"])}
    out = {}
    for key, frame in raw.items():
        wanted = lines.get(key)
        if wanted:
            out[key] = frame.loc[frame.index.isin(list(wanted))].copy()
    return out


def _prepare_lists(folder: Path, mapping_path: Path, code_lists: pd.DataFrame, note: Progress) -> ListSource:
    from jhmig.extract.excel_lists import extract_lists
    from jhmig.list_mapping import load_list_mapping
    from jhmig.transform.list_rows import build_list_context, transform_lists

    mapping = load_list_mapping(mapping_path)
    extract = extract_lists(folder, mapping, progress=note)
    note(f"transform lists {mapping.name}", 0, 1)
    transform_lists(extract, build_list_context(mapping, code_lists))
    return ListSource(mapping.name, folder, extract)


def _validate(batch: Batch, code_lists: pd.DataFrame, out_dir: Path, as_of: dt.date | None, *, data_docs: bool,
              note: Progress) -> dict:
    """Expectations and domain rules; error findings and their dependants go to quarantine."""
    from jhmig.validation import validate
    from jhmig.validation.integrity import quarantine_dangling

    note(f"validate {batch.source_system}", 0, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = validate(batch, code_lists, out_dir, as_of=as_of, data_docs=data_docs)
    batch.findings.add_frame(result.findings)
    quarantine_flagged(batch, batch.findings.frame())
    quarantine_dangling(batch)
    run = result.expectations
    if run is None:
        return {"seconds": result.seconds}

    def rel(path: Path | None) -> str | None:
        return str(path.relative_to(out_dir.parent if out_dir.name.startswith("gx-") else out_dir)) if path else None

    return {
        "expectations": len(run.summary),
        "expectations_failed": len(run.failed),
        "results": rel(run.results_path),
        "summary_html": rel(run.summary_html_path),
        "data_docs": rel(run.data_docs_path),
        "seconds": result.seconds,
    }


def _export_date(text: str | None) -> dt.date | None:
    from jhmig.validation import export_date

    return export_date(text)


def _unmapped_values(findings: pd.DataFrame) -> list[dict]:
    """Free text no synonym covers, with counts and an example location, to complete the tables."""
    rows = findings[findings["rule_id"] == "synonym.unmapped"]
    if not len(rows):
        return []
    grouped = rows.groupby(["source_system", "field", "value"], sort=True).agg(
        count=("rule_id", "size"), example_file=("src_path", "first"), example_sheet=("src_sheet", "first"), example_row=("src_line", "first"))
    return [{"source_system": s, "field": f, "value": v, "count": int(r["count"]), "example": f"{r.example_file}, Blatt {r.example_sheet}, Zeile {r.example_row}"}
            for (s, f, v), r in grouped.iterrows()]


def _control_gate(extract: ExtractResult, options: RunOptions) -> list[str]:
    """Refuse an export whose files do not match its control totals, unless overridden."""
    failed = extract.failed_checks
    if not failed:
        return []
    lines = [c.describe() for c in failed]
    if not options.accept_manifest_mismatch:
        raise RefusedInput(
            "the export does not match its control totals (truncated or corrupt?):\n    " + "\n    ".join(lines),
            hint="ask the legacy system's operators for a complete export; to migrate it anyway, pass "
            "--accept-manifest-mismatch (the override is recorded in the run)",
        )
    batch = extract.batch
    for check in failed:
        batch.findings.add(Finding(rule_id="manifest.mismatch", severity=Severity.WARNING,
                                   message=f"Kontrollsumme übersteuert: {check.describe()}", source_system=batch.source_system,
                                   src_path=check.file))
    return lines


def _payment_amounts(batch: Batch) -> pd.DataFrame:
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


def _skip_departments(batch: Batch, departments: tuple[str, ...]) -> None:
    """Deselected departments: their case files and everything hanging on them are skipped."""
    cases = batch.frames.get("case_file")
    if cases is None:
        return
    wanted = {d.upper() for d in departments}
    out = ~cases["department"].isin(wanted).fillna(False)
    skipped_keys = set(cases.loc[out, "legacy_key"].dropna())
    reason = "Fachdienst nicht ausgewählt (--departments " + ",".join(sorted(wanted)) + ")"
    batch.skip("case_file", out, reason)
    for entity, frame in list(batch.frames.items()):
        if "case_file_key" in frame:
            batch.skip(entity, frame["case_file_key"].isin(skipped_keys).fillna(False), reason)
    # payments hanging on a skipped service of a kept case cannot occur: services follow their case.


def _safe_url(url: str) -> str:
    """The URL without its password, for the run record."""
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)

"""Run the declared column expectations with great-expectations 1.x.

The only module that imports great_expectations, and only inside
:func:`run_expectations` (the import takes seconds; ``jhmig --help`` must not
pay for it). One ephemeral GX context per run, one suite per unified table,
run once on that table's frame:

* GX gets a *view* of the frame: only the columns the expectations read, a
  positional index (so ``unexpected_index_list`` are row positions that map
  back to the frame's lineage ``src_path``/``src_line``), and dates as
  ``datetime64[ns]`` (GX 1.24 compares only ns dates vectorised; other units
  go through a per-value Python path that is ~50x slower);
* result format ``COMPLETE`` without index columns: every unexpected row, but
  no id dicts (those cost most, see shared/engineering-notes.md);
* the results kept for the run (JSON, data docs) are trimmed to the first rows
  as locations ``FILE:line`` and hold no personal values (Sozialdaten); how
  results become findings and kept results is :mod:`.gx_results`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from jhmig.errors import ConfigError
from jhmig.validation.expectations import GX_SEVERITY, ExpectationSpec, expectations_by_table, load_expectations, resolve_kwargs
from jhmig.validation.gx_results import concat_findings, evaluate_result, summary_entry, trim_result, write_summary_html
from jhmig.validation.rules import empty_findings

RESULTS_FILE = "gx_results.json"
DATA_DOCS_DIR = "gx_data_docs"
SUMMARY_HTML = "gx_results.html"
# datetime64[ns] covers 1677-09-21 .. 2262-04-11; dates outside (typo years) are
# moved to the lower bound so that any plausibility range still rejects them.
_NS_MIN, _NS_MAX = pd.Timestamp("1678-01-01"), pd.Timestamp("2262-01-01")


@dataclass
class ExpectationRun:
    """What the expectations found in one run, and where GX's results were kept."""

    findings: pd.DataFrame
    summary: list[dict[str, Any]]  # one per table and expectation
    results_path: Path | None = None  # gx_results.json: summary + trimmed GX results
    data_docs_path: Path | None = None  # GX data docs index.html (its styles load from CDNs)
    summary_html_path: Path | None = None  # gx_results.html: self-contained, readable offline
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [s for s in self.summary if s["success"] is False]


def preload_in_background() -> threading.Thread:
    """Import great-expectations in a daemon thread while the stages before validation run.

    Its import costs ~4 s of mostly pure-Python work; much of extract and
    transform runs in C code that releases the GIL (pandas' CSV reader, Arrow),
    so part of the import happens for free. ``run_expectations`` then finds the
    module imported, or waits on Python's import lock for the rest.
    """
    thread = threading.Thread(target=_import_quietly, name="jhmig-gx-import", daemon=True)
    thread.start()
    return thread


def _import_quietly() -> None:
    # A broken install must not print a thread's traceback: the import in
    # run_expectations fails again, in the main thread, where it is reported.
    try:
        importlib.import_module("great_expectations")
    except Exception:  # noqa: BLE001
        pass


def run_expectations(frames: Mapping[str, pd.DataFrame], code_lists: pd.DataFrame, out_dir: Path | None = None, *,
                     source_system: str = "", as_of: dt.date | None = None,
                     specs: tuple[ExpectationSpec, ...] | None = None, data_docs: bool = True) -> ExpectationRun:
    """Run every declared expectation on the frames; findings carry each unexpected row's lineage.

    With ``out_dir`` the trimmed results go to ``out_dir/gx_results.json``, a
    self-contained page of the summary to ``out_dir/gx_results.html`` (no
    scripts, no CDN: readable on an office machine without internet), and GX
    data docs are built into ``out_dir/gx_data_docs`` (``data_docs=False``
    skips them).
    """
    started = time.perf_counter()
    specs = load_expectations() if specs is None else specs
    import great_expectations as gx  # noqa: PLC0415 - lazily, see the module docstring

    docs_dir = out_dir / DATA_DOCS_DIR if out_dir is not None and data_docs else None
    context = _ephemeral_context(docs_dir)
    source = context.data_sources.add_pandas("jhmig")
    as_of_ts = pd.Timestamp(as_of or dt.date.today())
    parts: list[pd.DataFrame] = []
    summary: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for table, table_specs in expectations_by_table(specs).items():
        found, entries, result = _run_table(gx, context, source, table_specs, frames.get(table), code_lists, as_of_ts, source_system)
        parts.append(found)
        summary += entries
        if result is not None:
            kept.append(result)
    run = ExpectationRun(concat_findings(parts), summary)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        run.results_path = out_dir / RESULTS_FILE
        document = {"generator": "jhmig", "great_expectations": gx.__version__, "as_of": str(as_of_ts.date()),
                    "summary": summary, "suites": kept}
        run.results_path.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        run.summary_html_path = write_summary_html(out_dir / SUMMARY_HTML, summary)
        if docs_dir is not None:
            run.data_docs_path = _build_data_docs(context, docs_dir, run.notes)
    run.seconds = time.perf_counter() - started
    return run


def _run_table(gx: Any, context: Any, source: Any, specs: list[ExpectationSpec], frame: pd.DataFrame | None,
               code_lists: pd.DataFrame, as_of: pd.Timestamp, source_system: str,
               ) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, Any] | None]:
    """One table's suite, run once: its findings, summary entries and the trimmed result to keep."""
    if frame is None or not len(frame):
        return empty_findings(), [summary_entry(s, None, 0, None, note="keine Daten") for s in specs], None
    runnable = [s for s in specs if s.column in frame.columns]
    summary = [summary_entry(s, None, 0, None, note="Spalte fehlt") for s in specs if s.column not in frame.columns]
    if not runnable:
        return empty_findings(), summary, None
    frame = frame.reset_index(drop=True)
    table = runnable[0].table
    suite = context.suites.add(gx.ExpectationSuite(name=f"jhmig.{table}", expectations=[_expectation(gx, s, code_lists) for s in runnable]))
    batch = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe("all")
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=f"jhmig.{table}", data=batch, suite=suite))
    stored_before = set(context.validation_results_store.list_keys())
    result = definition.run(batch_parameters={"dataframe": _gx_view(frame, [s.column for s in runnable])},
                            expectation_parameters={"as_of": as_of},
                            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False})
    by_rule = {s.rule_id: s for s in runnable}
    parts = []
    for item in result.results:
        spec = by_rule[item.expectation_config.meta["rule_id"]]
        found, entry = evaluate_result(spec, item, frame, source_system)
        parts.append(found)
        summary.append(entry)
        trim_result(item.result, spec, frame)
    # Keep the trimmed result, not the full one GX stored: data docs are built from the store.
    for key in set(context.validation_results_store.list_keys()) - stored_before:
        context.validation_results_store.set(key, result)
    return concat_findings(parts), summary, result.to_json_dict()


# --------------------------------------------------------------------------
# GX objects
# --------------------------------------------------------------------------


def _ephemeral_context(docs_dir: Path | None) -> Any:
    import great_expectations as gx  # noqa: PLC0415
    from great_expectations.data_context.types.base import (  # noqa: PLC0415
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.execution_engine import pandas_execution_engine  # noqa: PLC0415

    # GX fingerprints every batch under 1 GB by hashing it row by row; for two million payments that
    # turns each string column into Python objects (~600 MB at the run's peak). An ephemeral context
    # never compares fingerprints, so none is made.
    pandas_execution_engine.HASH_THRESHOLD = 0

    # In-memory stores, no analytics, no progress bars on the console; data docs only where asked.
    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                               analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False))
    context = gx.get_context(mode="ephemeral", project_config=config)
    if docs_dir is not None:
        context.add_data_docs_site("jhmig", {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return context


def _expectation(gx: Any, spec: ExpectationSpec, code_lists: pd.DataFrame) -> Any:
    cls = getattr(gx.expectations, spec.expectation, None)
    if cls is None:
        raise ConfigError(f"expectations.yaml: {spec.rule_id}: great-expectations has no expectation {spec.expectation}")
    return cls(column=spec.column, **resolve_kwargs(spec, code_lists), severity=GX_SEVERITY[spec.severity],
               description=spec.message, meta={"rule_id": spec.rule_id})


def _gx_view(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    view = frame[list(dict.fromkeys(columns))]
    for column in view.columns:
        values = view[column]
        if pd.api.types.is_datetime64_any_dtype(values) and values.dtype != "datetime64[ns]":
            inside = values.isna() | ((values >= _NS_MIN) & (values <= _NS_MAX))
            view = view.assign(**{column: values.where(inside, _NS_MIN).astype("datetime64[ns]")})
        elif isinstance(values.dtype, pd.Int64Dtype) and not values.isna().any():
            # Same reason: GX compares numpy ints vectorised, nullable Int64 value by value.
            view = view.assign(**{column: values.astype("int64")})
    return view



# --------------------------------------------------------------------------
# data docs
# --------------------------------------------------------------------------


def _build_data_docs(context: Any, docs_dir: Path, notes: list[str]) -> Path | None:
    """GX data docs (static HTML; styles load from CDNs when online); None when GX cannot build them."""
    try:
        context.build_data_docs(site_names=["jhmig"])
    except Exception as exc:  # any renderer failure: gx_results.html still shows the results
        notes.append(f"GX-Data-Docs nicht erstellt ({type(exc).__name__}: {exc})")
        return None
    index = docs_dir / "index.html"
    if not index.is_file():
        notes.append("GX hat keine index.html geschrieben")
        return None
    return index



__all__ = ["ExpectationRun", "preload_in_background", "run_expectations"]

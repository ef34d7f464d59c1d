"""The validation stage's entry points: expectations + domain rules -> findings.

:func:`validate` runs the declared column expectations (great-expectations,
imported only here and only when asked) and the domain rules on a batch's
entity frames and returns every finding with the GX run's summary. It does not
quarantine: the orchestrator hands the findings to :mod:`jhmig.quarantine`.

One problem, one finding: a column expectation is not reported on a row whose
field already carries a finding of a more specific check (transform's
``code.unknown``/``value.invalid_date`` leave the field empty; a domain rule
explains the value), so stewards do not see the same cause twice.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jhmig.records import Batch
from jhmig.validation.gx_runner import ExpectationRun
from jhmig.validation.model import RuleContext
from jhmig.validation.rules import empty_findings, run_rules

_ROW_FIELD = ["entity", "src_path", "src_sheet", "src_line", "field"]


@dataclass
class ValidationResult:
    findings: pd.DataFrame  # FINDING_COLUMNS: expectations + domain rules (not the batch's earlier findings)
    expectations: ExpectationRun | None  # None when expectations were switched off
    seconds: dict[str, float] = field(default_factory=dict)  # "expectations", "rules", "total"
    rule_seconds: dict[str, float] = field(default_factory=dict)  # per rule id @ entity

    def counts(self) -> pd.DataFrame:
        """Findings per rule id, entity and severity."""
        return self.findings.groupby(["rule_id", "entity", "severity"]).size().rename("count").reset_index()


def validate(batch: Batch, code_lists: pd.DataFrame, out_dir: Path | None = None, *, expectations: bool = True,
             as_of: dt.date | None = None, data_docs: bool = True) -> ValidationResult:
    """Run expectations and domain rules on ``batch.frames``; the batch is not changed.

    ``as_of`` is the export date: rules judge open records (an open UVG claim,
    an open Beistandschaft) as running until then, and dates after it are
    implausible. ``out_dir`` keeps GX's results (JSON, data docs) for the run.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir) if out_dir is not None else None
    seconds: dict[str, float] = {}
    run: ExpectationRun | None = None
    gx_findings = empty_findings()
    if expectations:
        from jhmig.validation.gx_runner import run_expectations  # noqa: PLC0415 - keeps GX out of imports

        run = run_expectations(batch.frames, code_lists, out_dir, source_system=batch.source_system, as_of=as_of,
                               data_docs=data_docs)
        gx_findings = run.findings
        seconds["expectations"] = run.seconds
    mark = time.perf_counter()
    rule_seconds: dict[str, float] = {}
    rule_findings = run_rules(RuleContext(batch.frames, code_lists, as_of), batch.source_system, timings=rule_seconds)
    seconds["rules"] = time.perf_counter() - mark
    gx_findings = drop_explained(gx_findings, [batch.findings.frame(), rule_findings])
    parts = [p for p in (gx_findings, rule_findings) if len(p)]
    findings = pd.concat(parts, ignore_index=True) if parts else empty_findings()
    findings["src_line"] = findings["src_line"].astype("Int64")
    seconds["total"] = time.perf_counter() - started
    return ValidationResult(findings, run, seconds, rule_seconds)


def validate_batch(batch: Batch, code_lists: pd.DataFrame, out_dir: Path | None = None, *, expectations: bool = True,
                   as_of: dt.date | None = None) -> pd.DataFrame:
    """The findings of :func:`validate` (FINDING_COLUMNS); the pipeline adds them to ``batch.findings``."""
    return validate(batch, code_lists, out_dir, expectations=expectations, as_of=as_of).findings


def drop_explained(findings: pd.DataFrame, earlier: list[pd.DataFrame]) -> pd.DataFrame:
    """``findings`` without those on a row and field that an earlier finding already covers."""
    covered = [e[_ROW_FIELD] for e in earlier if len(e)]
    if not len(findings) or not covered:
        return findings
    keys = pd.concat(covered, ignore_index=True).dropna(subset=["src_line", "field"])
    return findings[~_row_field(findings).isin(_row_field(keys))]


def _row_field(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([frame[c].astype("Int64" if c == "src_line" else "string") for c in _ROW_FIELD])


def export_date(text: str | None) -> dt.date | None:
    """The manifest's export date (``15.03.2024`` or ``2024-03-15``) as a date, for ``as_of``."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
    return None

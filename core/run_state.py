"""The typed state of one run, handed from step to step by the orchestrator (:mod:`jhmig.pipeline`).

Each step reads what earlier steps left here and adds its own result; no step
reaches back into another. The stages' own objects (the correction plan, the
load result) are held as they are; everything a report reads is a core record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from jhmig.config import RunOptions
from jhmig.records import Batch, ExtractResult
from jhmig.run_summary import RunSummary

if TYPE_CHECKING:  # types only: the core does not import the stages at module level
    from jhmig.catalog import RuleCatalog
    from jhmig.identity import IdentityResult
    from jhmig.layout import Layout
    from jhmig.load import LoadResult
    from jhmig.reports.steward import StewardReports
    from jhmig.signoff import SignoffInputs
    from jhmig.transform.correction_plan import CorrectionPlan
    from jhmig.transform.source_index import SourceIndex


class BatchRole(StrEnum):
    """What kind of source a batch is: the one legacy export (it holds the money) or a family of lists."""

    EXPORT = "export"
    LIST = "list"


@dataclass
class SourceBatch:
    """One source of the run as extracted: its role, where it came from, and its batch."""

    role: BatchRole
    extract: ExtractResult
    description: dict[str, Any]  # JSON-able: folder, layout or mapping, files (summary.json, mig_run)
    index: SourceIndex | None = None  # source cells by file and column, for corrections and the work list

    @property
    def batch(self) -> Batch:
        return self.extract.batch

    @property
    def source_system(self) -> str:
        return self.extract.batch.source_system


@dataclass
class RunState:
    options: RunOptions
    run_uid: str
    started: dt.datetime
    run_dir: Path
    code_lists: pd.DataFrame
    catalog: RuleCatalog
    layout: Layout | None = None
    sources: list[SourceBatch] = field(default_factory=list)
    manifest_overrides: list[str] = field(default_factory=list)  # control totals overridden by the operator
    corrections: CorrectionPlan | None = None  # stewards' decisions, judged against this run's source
    payments_read: pd.DataFrame | None = None  # every payment as read, for the money check
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)  # per source system: GX run, seconds
    findings: pd.DataFrame | None = None  # all sources, after the quarantine step
    quarantine: pd.DataFrame | None = None  # quarantined records with their raw values
    finding_status: pd.DataFrame | None = None  # per finding: offen / akzeptiert / ausgeschlossen
    steward: StewardReports | None = None
    identity: IdentityResult | None = None  # the matching step's result (clusters, pairs, counts)
    review: pd.DataFrame | None = None  # review band side by side, for the work list
    review_decisions: list[Any] = field(default_factory=list)  # the stewards' signed review decisions read (ReviewDecision)
    review_in_clear: bool = True  # the review sheet shows names unmasked (matching configuration)
    detached: pd.DataFrame | None = None  # records leaving an id an earlier run merged them under (jhmig.steps_match.detached_table)
    unknown_values: pd.DataFrame | None = None  # list values no rule could code, with candidates (sheet "Unbekannte Werte")
    value_decisions: list[Any] = field(default_factory=list)  # stewards' decisions on them read this run (jhmig.unknown_values)
    load: LoadResult | None = None
    summary: RunSummary | None = None
    signoff: SignoffInputs | None = None  # what the sign-off figures need of the source (jhmig.steps_signoff)

    @property
    def export(self) -> SourceBatch:
        return next(s for s in self.sources if s.role is BatchRole.EXPORT)

    @property
    def lists(self) -> list[SourceBatch]:
        return [s for s in self.sources if s.role is BatchRole.LIST]

    @property
    def batches(self) -> list[Batch]:
        return [s.batch for s in self.sources]

    def run_options(self) -> dict[str, Any]:
        """The options as recorded in the run (summary.json, mig_run): no password."""
        from jhmig.dburl import safe_url

        o = self.options
        return {
            "dry_run": o.dry_run,
            "accept_manifest_mismatch": o.accept_manifest_mismatch,
            "manifest_overridden": bool(self.manifest_overrides),
            "departments": list(o.departments),
            "pseudonymize": o.pseudonymize,
            "corrections": str(o.corrections_dir) if o.corrections_dir else None,
            "db": safe_url(o.db_url),
        }

    def source_descriptions(self) -> dict[str, Any]:
        return {s.source_system: s.description for s in self.sources}

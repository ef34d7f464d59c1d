"""The typed reconciliation summary of one run; ``summary.json`` and ``mig_run.summary`` are its JSON.

Built by :func:`jhmig.reports.build_summary` while the load's transaction is
still open (the verdict - commit or not - follows from its checks) and turned
into JSON only at the edge (:meth:`RunSummary.to_json`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("loaded", "merged", "quarantined", "skipped")


@dataclass(frozen=True)
class ControlTotal:
    """A control total of the export (manifest or trailer) against what the file holds."""

    file: str
    what: str
    source: str
    expected: int | None
    actual: int | None
    ok: bool


@dataclass(frozen=True)
class FileCount:
    """What became of the records one file (or sheet) delivered for one entity."""

    source_system: str
    file: str
    sheet: str
    entity: str
    read: int
    loaded: int
    merged: int
    quarantined: int
    skipped: int
    balanced: bool  # read = loaded + merged + quarantined + skipped


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool
    blocking: bool = True  # a failed blocking check rolls the run back; a non-blocking one makes it "incomplete"


@dataclass
class RunSummary:
    run_id: int
    run_uid: str
    status: str  # ok | dry_run | incomplete (committed, exit 1) | failed (rolled back)
    started_at: str
    finished_at: str
    jhmig_version: str
    options: dict[str, Any]
    sources: dict[str, Any]
    control_totals: list[ControlTotal]
    files: list[FileCount]
    entities: dict[str, dict[str, int]]  # entity -> read, outcomes, inserted/updated/unchanged/deleted/in_target
    money: dict[str, Any]  # cent sums: manifest, read, loaded, target, quarantined, merged, skipped, by year and type
    findings: dict[str, Any]  # total, by_severity, by_rule
    checks: list[Check]
    corrections: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)  # per source system: GX run and seconds
    gx_data_docs: str | None = None
    unmapped_values: list[dict[str, Any]] = field(default_factory=list)
    matching: dict[str, Any] = field(default_factory=dict)  # identity resolution: outcomes per source pair, clusters, review
    unsummed_records: list[dict[str, Any]] = field(default_factory=list)  # file, line, reason: records the control totals miss
    signoff: dict[str, Any] = field(default_factory=dict)  # KJH statistics, money per year and kind, controlling (jhmig.signoff)
    quarantine: dict[str, Any] = field(default_factory=dict)  # records and payment cents in the quarantine, by reason (rule)
    gate: dict[str, Any] | None = None  # the quality gate's verdict (jhmig.reports.quality_gate), when thresholds are set

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.blocking)

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if out["gx_data_docs"] is None:
            del out["gx_data_docs"]
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent, default=str)

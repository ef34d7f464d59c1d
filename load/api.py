"""The boundary of the load stage: what the pipeline hands in and gets back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from jhmig.records import Batch


@dataclass
class LoadRequest:
    """One run's worth of data for the target.

    ``sources`` and ``options`` must be JSON-able; they are stored in
    ``mig_run``. ``quarantine`` has the columns of
    :data:`jhmig.records.QUARANTINE_COLUMNS` plus ``raw`` (JSON text or None),
    ``findings`` those of :data:`jhmig.records.FINDING_COLUMNS` and
    ``code_lists`` those of table ``code_list``.

    Each batch is the full snapshot of its source system: rows of that source
    whose legacy key is missing from an entity frame are deleted. An entity
    whose frame is absent from ``batch.frames`` is left as it is in the target
    (the source does not deliver it this time); an empty frame deletes them.
    Source systems without a batch are not touched at all.
    """

    run_uid: str
    started_at: datetime
    sources: dict[str, Any]
    options: dict[str, Any]
    batches: list[Batch]
    quarantine: pd.DataFrame
    findings: pd.DataFrame
    code_lists: pd.DataFrame
    dry_run: bool = False
    # Memory: once an entity is written, its frame in the batch keeps only legacy_key and lineage
    # (what reconciliation needs). Off by default: callers that read the values after the load keep them.
    release_frames: bool = False
    # Records the matching stage merged into a survivor: source_system, entity, legacy_key, survivor_source,
    # survivor_key (IdentityResult.aliases). Their keys enter mig_key_map with the survivor's id.
    aliases: pd.DataFrame | None = None
    # Records merged in an earlier run that the matching stage now keeps apart from the person whose id they
    # share: source_system, entity, legacy_key (IdentityResult.detached_keys). Their key-map entries go; they get new ones.
    detached: pd.DataFrame | None = None
    # Named reads of the loaded target (e.g. the KJH statistics by SQL), run inside the open
    # transaction after the load and before ``before_commit``: a dry run sees its own rows too.
    target_queries: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    # The smallest run id this run may get: a dry run leaves no mig_run row, so the caller (which keeps
    # the run folders) passes one above every id it has handed out; run ids are never reused.
    min_run_id: int = 1


@dataclass
class EntityLoadStats:
    """What one load did to one entity of one source system.

    ``in_target`` is counted by SQL after the load; for a frame that was
    loaded it equals ``inserted + updated + unchanged``.
    """

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    in_target: int = 0


@dataclass
class LoadResult:
    run_id: int
    stats: dict[tuple[str, str], EntityLoadStats] = field(default_factory=dict)  # (source_system, entity)
    payment_sum_cents: dict[str, int] = field(default_factory=dict)  # per source_system, by SQL after the load
    queries: dict[str, Any] = field(default_factory=dict)  # results of LoadRequest.target_queries
    # the detached records (LoadRequest.detached): source_system, entity, legacy_key, old_id (the key-map entry that
    # went), new_id (the entry they got; <NA> when the record was not loaded, e.g. quarantined)
    detached: pd.DataFrame | None = None
    committed: bool = False
    # the uid of the last run whose rows are in the target before this one (None: none): the state a delta compares with
    previous_run_uid: str | None = None


@dataclass
class RunVerdict:
    """The caller's decision on a loaded (not yet committed) run."""

    status: str
    summary_json: str
    commit: bool


@dataclass
class PendingLoad:
    """A written, not yet committed run: the caller reconciles ``result`` and then :meth:`decide` it."""

    result: LoadResult
    verdict: RunVerdict | None = None

    def decide(self, verdict: RunVerdict) -> None:
        self.verdict = verdict


#: Decides, from the counts of the still open transaction, whether to commit.
BeforeCommit = Callable[[LoadResult], RunVerdict]

#: ``progress(step, done, total)``; steps are "<source_system>/<entity>", "quarantine", "findings".
Progress = Callable[[str, int, int], None]

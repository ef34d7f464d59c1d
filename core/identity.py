"""Typed records of identity resolution: which source records describe one real person, case file or provider.

The matching stage (:mod:`jhmig.match`) reads the batches of a run, scores
candidate pairs and returns an :class:`IdentityResult`; the orchestrator
hands it on to reports and the loader. Records are named by
:class:`RecordRef` (source system, entity, legacy key), never by name or
birth date, so that a result can be logged and shown without personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from enum import StrEnum

import pandas as pd


class Outcome(StrEnum):
    MATCH = "match"
    REVIEW = "review"  # the steward decides (work list sheet "Abgleich")
    NON_MATCH = "non_match"


@dataclass(frozen=True, order=True)
class RecordRef:
    source_system: str
    entity: str
    legacy_key: str

    def label(self) -> str:
        """How reports and merge reasons name the record: by key, never by name."""
        return f"{self.source_system}:{self.legacy_key}"


@dataclass(frozen=True)
class PairDecision:
    """One scored candidate pair and what became of it."""

    left: RecordRef
    right: RecordRef
    score: float  # match probability of the model (0..1); 1.0/0.0 for a steward's decision
    outcome: Outcome
    reasons: tuple[str, ...] = ()  # comparison levels that agreed, vetoes, "Entscheidung Sachbearbeitung"
    decided_by: str = "model"  # model | veto | steward | rule

    @property
    def source_pair(self) -> str:
        a, b = sorted((self.left.source_system, self.right.source_system))
        return f"{a} / {b}"


@dataclass(frozen=True)
class Cluster:
    """Records that describe one real thing; ``survivor`` is the record whose key carries the target row."""

    survivor: RecordRef
    members: tuple[RecordRef, ...]  # all records incl. the survivor, sorted
    won_by: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # field -> source system whose value won

    @property
    def merged(self) -> tuple[RecordRef, ...]:
        return tuple(m for m in self.members if m != self.survivor)


@dataclass(frozen=True)
class ReviewDecision:
    """A data steward's decision on a review pair: ``same`` = "gleiche Person"."""

    left: RecordRef
    right: RecordRef
    same: bool
    by: str = field(default="", compare=False)  # "Bearbeitet von"
    on: dt.date | None = field(default=None, compare=False)  # "Datum"
    origin: str = field(default="", compare=False)  # the corrections file it was read from

    def key(self) -> tuple[RecordRef, RecordRef]:
        return pair_key(self.left, self.right)


def pair_key(a: RecordRef, b: RecordRef) -> tuple[RecordRef, RecordRef]:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Repointed:
    """A reference the matching stage rewrote: ``record``'s ``column`` now names ``target``, a key of the same source.

    One list provider name can stand for two Träger of the export (the GmbH and the Stiftung "Familienhilfe
    Rosengarten"): the list row whose child the Stiftung serves names a key of its own (``T:<name>#<Träger>``),
    which is merged into that Träger like any list provider."""

    record: RecordRef
    column: str
    target: RecordRef


@dataclass
class IdentityResult:
    """What the matching stage found for a run."""

    persons: list[Cluster] = field(default_factory=list)  # clusters of two or more records only
    case_files: list[Cluster] = field(default_factory=list)
    providers: list[Cluster] = field(default_factory=list)
    dependants: list[Cluster] = field(default_factory=list)  # participants/services that repeat a survivor's across sources
    pairs: list[PairDecision] = field(default_factory=list)  # person pairs: matches, review cases, near misses
    new_providers: list[RecordRef] = field(default_factory=list)  # list providers no export Träger matched
    repointed: list[Repointed] = field(default_factory=list)  # list services naming a provider key of their own row
    # records whose id in the key map (merged in an earlier run) another person keeps now: they get one of their own
    detached: list[RecordRef] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # "entity: src / src" -> outcome -> count
    seconds: float = 0.0
    model: str = ""  # what scored the persons (e.g. "splink 5.0.0 / duckdb 2.0.1")

    def clusters(self, entity: str) -> list[Cluster]:
        named = {"person": self.persons, "case_file": self.case_files, "provider": self.providers}
        return named.get(entity, [c for c in self.dependants if c.survivor.entity == entity])

    def aliases(self, entity: str) -> pd.DataFrame:
        """Merged member -> survivor, one row per merged record (columns source_system, legacy_key, survivor_source, survivor_key)."""
        rows = [(m.source_system, m.legacy_key, c.survivor.source_system, c.survivor.legacy_key)
                for c in self.clusters(entity) for m in c.merged]
        return pd.DataFrame(rows, columns=["source_system", "legacy_key", "survivor_source", "survivor_key"], dtype="string")

    def detached_keys(self) -> pd.DataFrame:
        """Records that leave the id the key map remembers for them (columns source_system, entity, legacy_key)."""
        rows = [(r.source_system, r.entity, r.legacy_key) for r in self.detached]
        return pd.DataFrame(rows, columns=["source_system", "entity", "legacy_key"], dtype="string")

    def review(self) -> list[PairDecision]:
        return [p for p in self.pairs if p.outcome == Outcome.REVIEW]


def count_outcomes(entity: str, decisions: Iterable[PairDecision]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for d in decisions:
        bucket = out.setdefault(f"{entity}: {d.source_pair}", {o.value: 0 for o in Outcome})
        bucket[d.outcome.value] += 1
    return out


@dataclass(frozen=True)
class MatchSettings:
    """How a run matches: where the YAML files are, and what the target already knows."""

    config_dir: Path | None = None  # None: the shipped mappings/matching
    # mig_key_map rows (source_system, entity, legacy_key, new_id[, first_run_id]): ids stay stable
    known_ids: pd.DataFrame | None = None
    enabled: bool = True


# --------------------------------------------------------------------------
# the review sheet of the work list: the contract between the sheet written and the sheet read back
# --------------------------------------------------------------------------

REVIEW_SHEET = "Abgleich Personen"
SAME = "gleiche Person"
DIFFERENT = "verschiedene Personen"
REVIEW_SPELLINGS = {"gleiche person": True, "gleich": True, "ja": True, "identisch": True, "dieselbe person": True,
                    "verschiedene personen": False, "verschieden": False, "nein": False, "andere person": False}
REVIEW_DECISION = "Entscheidung Abgleich"  # not "Entscheidung": the corrections reader leaves this sheet alone
#: side-by-side columns per record (A, B): header suffix, field of the review frame
REVIEW_RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Quelle", "source_system"), ("Datei", "src_path"), ("Blatt", "src_sheet"), ("Zeile", "src_line"), ("Schlüssel", "legacy_key"),
    ("Familienname", "family_name"), ("Vornamen", "given_names"), ("Geburtsname", "birth_name"), ("Geburtsdatum", "birth_date"),
)
REVIEW_HIDDEN = (("_a_source", "a_source_system"), ("_a_key", "a_legacy_key"), ("_b_source", "b_source_system"), ("_b_key", "b_legacy_key"))

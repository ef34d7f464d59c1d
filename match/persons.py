"""Persons: score candidate pairs across all sources, decide, apply stewards' decisions, cluster."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jhmig.entities import entity_spec
from jhmig.identity import Cluster, Outcome, PairDecision, RecordRef, ReviewDecision, pair_key
from jhmig.match.config import MatchConfig
from jhmig.match.engine import deterministic_pairs, constrained_components, decide, prepare_records, score_pairs
from jhmig.match.engine import VETO_REASONS
from jhmig.match.known import detached, remembered
from jhmig.match.records import SEP, person_records, ref_of
from jhmig.match.survivorship import Survivorship, build_clusters
from jhmig.records import Batch

STEWARD = "Entscheidung Datenpflege"
AMBIGUOUS = "passt zu zwei Personen, die nicht dieselbe sein können"
BRIDGED = "beide passen zu einem dritten Datensatz (Tippfehler auf beiden Seiten?)"
KEPT_APART = "in einem früheren Lauf als zwei Personen migriert: zusammengeführt wird nur nach Entscheidung der Datenpflege"


@dataclass
class PersonResolution:
    clusters: list[Cluster] = field(default_factory=list)
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # survivor uid -> surviving field values
    pairs: list[PairDecision] = field(default_factory=list)
    cluster_of: dict[str, str] = field(default_factory=dict)  # uid -> survivor uid
    detached: list[RecordRef] = field(default_factory=list)  # remembered merges this run undoes (jhmig.match.known)
    model: str = ""
    records: int = 0


def _labels(config: MatchConfig) -> dict[str, list[str]]:
    return {c.name: [lv.label for lv in c.levels] for c in config.comparisons}


def _reasons(pairs: pd.DataFrame, config: MatchConfig) -> list[tuple[str, ...]]:
    """Labels of the comparison levels that agreed, per pair (the else level of a comparison is its last)."""
    labels = _labels(config)
    columns = [(name, pairs[f"level_{name}"].to_numpy()) for name in labels if f"level_{name}" in pairs]
    out = []
    for i in range(len(pairs)):
        reasons = []
        for name, found in columns:
            g = found[i]
            if g == g and 0 <= int(g) < len(labels[name]):
                reasons.append(labels[name][int(g)])
        out.append(tuple(reasons))
    return out


def _apply_decisions(decided: pd.DataFrame, decisions: list[ReviewDecision], uids: set[str]) -> pd.DataFrame:
    if not decisions:
        return decided.assign(decided_by=np.where(decided["veto"] != "", "veto", "model"))
    wanted = {}
    for d in decisions:
        a, b = d.key()
        ua, ub = a.source_system + SEP + a.legacy_key, b.source_system + SEP + b.legacy_key
        if ua in uids and ub in uids:
            wanted[(min(ua, ub), max(ua, ub))] = d.same
    low = np.minimum(decided["uid_l"].to_numpy(dtype=object), decided["uid_r"].to_numpy(dtype=object))
    high = np.maximum(decided["uid_l"].to_numpy(dtype=object), decided["uid_r"].to_numpy(dtype=object))
    keys = list(zip(low, high))
    by = np.where(decided["veto"] != "", "veto", "model").astype(object)
    outcome = decided["outcome"].to_numpy(dtype=object).copy()
    veto = decided["veto"].to_numpy(dtype=object).copy()
    for i, k in enumerate(keys):
        if k in wanted:
            outcome[i] = Outcome.MATCH.value if wanted.pop(k) else Outcome.NON_MATCH.value
            by[i], veto[i] = "steward", ""  # the steward's word overrides a veto (a twin pair bridged by a third record)
    extra = pd.DataFrame([{"uid_l": a, "uid_r": b, "match_probability": 1.0 if same else 0.0, "outcome":
                           Outcome.MATCH.value if same else Outcome.NON_MATCH.value, "veto": "", "decided_by": "steward",
                           "ambiguous": False, "bridged": False}
                          for (a, b), same in wanted.items()])
    out = decided.assign(outcome=outcome, decided_by=by, veto=veto)
    return pd.concat([out, extra], ignore_index=True) if len(extra) else out


def resolve_persons(batches: list[Batch], config: MatchConfig, decisions: list[ReviewDecision],
                    known_ids: pd.Series | None = None, known_since: pd.Series | None = None) -> PersonResolution:
    records = person_records(batches)
    result = PersonResolution(records=len(records))
    if len(records) < 2:
        return result
    prepared = prepare_records(records, config, records["uid"])
    if len(records) < int(config.extra.get("min_records", 2)):
        # too few records to train a model on (one small list, a test office): only records that
        # agree on every column of a deterministic rule are merged; everything else stays apart
        scored, result.model = deterministic_pairs(prepared, config.prior_rules), "deterministic"
    else:
        scored, result.model = score_pairs([prepared], config)
    decided = _apply_decisions(decide(scored, prepared, config), decisions, set(records["uid"]))
    # the ids earlier runs gave hold against the model's drift between runs (a steward's word changes them)
    decided = remembered(decided, known_ids)
    matches = decided[decided["outcome"] == Outcome.MATCH.value]
    vetoed = decided[(decided["veto"] != "") | ((decided["decided_by"] == "steward") & (decided["outcome"] == Outcome.NON_MATCH.value))]
    component = constrained_components(records["uid"], matches, vetoed, known_ids)
    records = records.assign(component=component.reindex(records["uid"]).to_numpy())
    # a record kept apart from the person whose id it shares (merged in an earlier run) forgets that id
    by_uid = records.set_index("uid")
    lost = detached(by_uid["component"], by_uid["order"], known_ids)
    known_ids = known_ids.drop(sorted(lost)) if lost and known_ids is not None else known_ids
    result.detached = [ref_of(uid, "person") for uid in sorted(lost)]
    rules = Survivorship.from_config(config.extra.get("survivorship"))
    value_columns = list(entity_spec("person").value_columns)
    clustered = records[records["component"].duplicated(keep=False)]
    result.clusters, result.values = build_clusters(clustered, "person", rules, known_ids, value_columns, known_since)
    result.cluster_of = {m.source_system + SEP + m.legacy_key: c.survivor.source_system + SEP + c.survivor.legacy_key
                         for c in result.clusters for m in c.members}
    near = decided[(decided["outcome"] != Outcome.NON_MATCH.value) | (decided["veto"] != "") | (decided["decided_by"] == "steward")
                   | (decided["match_probability"] >= config.review_threshold * 0.5)].reset_index(drop=True)
    reasons = _reasons(near, config)
    for i, row in enumerate(near.itertuples(index=False)):
        why = reasons[i] + ((VETO_REASONS.get(row.veto, row.veto),) if row.veto else ()) + ((AMBIGUOUS,) if bool(row.ambiguous) else ()) \
            + ((BRIDGED,) if bool(row.bridged) else ()) + ((KEPT_APART,) if bool(row.kept_apart) else ())
        why += (STEWARD,) if row.decided_by == "steward" else ()
        left, right = pair_key(ref_of(row.uid_l, "person"), ref_of(row.uid_r, "person"))
        result.pairs.append(PairDecision(left, right, float(row.match_probability), Outcome(row.outcome), why, str(row.decided_by)))
    return result

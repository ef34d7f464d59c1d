"""The ids the target already gave, against this run's clusters: a remembered merge that no longer holds.

The key map remembers the id each source record was loaded under; a record
merged in an earlier run shares its survivor's id. When this run keeps two
such records apart (a steward's *verschiedene Personen*, a changed record),
only one of them can keep the id: the one of the earliest source of the run
(the legacy export before the lists, lists in the order of the run), within
a source the smallest legacy key. The records of every other cluster that
remember that id are *detached*: they forget it and are loaded under an id
of their own (or their new survivor's), and their key map entry says so.

The model is trained afresh on every run, so a pair near a threshold may
cross it when a delivery adds records elsewhere. :func:`remembered` keeps the
earlier runs' decisions in that band (hysteresis): a pair that shares an id
stays merged while the model still says *review*, and two records with ids of
their own are not merged by the model alone (the pair goes to the steward,
and ``constrained_components`` keeps their groups apart). Only a steward's
decision, a veto or a clear non-match changes an id that was given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jhmig.identity import IdentityResult, Outcome, RecordRef
from jhmig.match.records import SEP, ref_of
from jhmig.records import Batch


def detached(groups: pd.Series, order: pd.Series, known: pd.Series | None) -> set[str]:
    """uids (index of ``groups``: uid -> cluster label) whose known id a record of another cluster keeps.

    ``order``: uid -> position of the record's batch in the run; ``known``: uid -> id in the key map.
    """
    if known is None or not len(known) or not len(groups):
        return set()
    frame = pd.DataFrame({"group": groups.to_numpy(), "id": known.reindex(groups.index).to_numpy(),
                          "order": order.reindex(groups.index).to_numpy(), "uid": groups.index.astype(str)}).dropna(subset=["id"])
    frame = frame[frame.groupby("id")["group"].transform("nunique") > 1]
    if frame.empty:
        return set()
    keeper = frame.sort_values(["id", "order", "uid"], kind="stable").groupby("id")["group"].first()
    lost = frame["group"].to_numpy() != frame["id"].map(keeper).to_numpy()
    return set(frame.loc[lost, "uid"])


def remembered(decided: pd.DataFrame, known: pd.Series | None) -> pd.DataFrame:
    """The model's outcomes against the key map (``known``: uid -> id); adds ``kept_apart``.

    * both records carry one id (merged in an earlier run), the model says *review*: stays a match;
    * both carry different ids (kept apart), the model says *match*: goes to review (``kept_apart``).

    Steward decisions and vetoes are left as they are; so are ambiguous and bridged pairs.
    """
    decided = decided.reset_index(drop=True)
    apart = np.zeros(len(decided), dtype=bool)
    if known is None or not len(known) or not len(decided):
        return decided.assign(kept_apart=apart)
    ids = pd.to_numeric(known, errors="coerce")
    left = ids.reindex(decided["uid_l"].astype(str)).to_numpy(dtype=float)
    right = ids.reindex(decided["uid_r"].astype(str)).to_numpy(dtype=float)
    both = ~np.isnan(left) & ~np.isnan(right)
    by_model = (decided["decided_by"] == "model").to_numpy(dtype=bool).copy()
    for flag in ("ambiguous", "bridged"):
        if flag in decided:
            by_model &= ~decided[flag].fillna(False).to_numpy(dtype=bool)
    outcome = decided["outcome"].to_numpy(dtype=object).copy()
    apart = both & (left != right) & by_model & (outcome == Outcome.MATCH.value)
    together = both & (left == right) & by_model & (outcome == Outcome.REVIEW.value)
    outcome[apart] = Outcome.REVIEW.value
    outcome[together] = Outcome.MATCH.value
    return decided.assign(outcome=outcome, kept_apart=apart)


def detached_records(batches: list[Batch], result: IdentityResult, entity: str, known: pd.Series | None) -> list[RecordRef]:
    """Records of ``entity`` (case files, providers, participants, services) whose remembered id another cluster keeps:
    the survivors and the records standing alone are in the frames, the merged members in the clusters."""
    if known is None or not len(known):
        return []
    group: dict[str, str] = {}
    order: dict[str, int] = {}
    position = {b.source_system: n for n, b in enumerate(batches)}
    for batch in batches:
        frame = batch.frames.get(entity)
        for key in ([] if frame is None else frame["legacy_key"].astype(str)):
            uid = batch.source_system + SEP + key
            group[uid], order[uid] = uid, position[batch.source_system]
    for cluster in result.clusters(entity):
        label = cluster.survivor.source_system + SEP + cluster.survivor.legacy_key
        for member in cluster.members:
            uid = member.source_system + SEP + member.legacy_key
            group[uid], order[uid] = label, position.get(member.source_system, len(batches))
    uids = pd.Series(group)
    lost = detached(uids, pd.Series(order), known)
    return sorted(ref_of(uid, entity) for uid in lost)

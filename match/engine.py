"""Configuration-driven scoring: prepare fields, let the model score pairs, apply vetoes and thresholds.

Used alike by the persons of a run and by the FEBRL benchmark: nothing
here knows which data set it serves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from jhmig.identity import Outcome
from jhmig.match.config import MatchConfig, Veto
from jhmig.match.prepare import prepare_column

UID = "uid"


def prepare_records(frame: pd.DataFrame, config: MatchConfig, uid: pd.Series) -> pd.DataFrame:
    """The comparison columns of ``config.fields`` for ``frame``, with column ``uid``."""
    out = pd.DataFrame({UID: uid.astype("string").to_numpy()})
    for spec in config.fields:
        out[spec.name] = prepare_column(frame.reset_index(drop=True), spec.source, spec.steps).to_numpy()
    return out


def score_pairs(frames: list[pd.DataFrame], config: MatchConfig) -> tuple[pd.DataFrame, str]:
    """Scored candidate pairs (uid_l, uid_r, match_probability, gamma_*) at or above a low floor."""
    from jhmig.match.splink_model import score

    floor = min(config.review_threshold, config.match_threshold) * 0.5
    scored = score(frames, config, floor=floor)
    return scored.pairs, scored.model


def deterministic_pairs(records: pd.DataFrame, rules: tuple[tuple[str, ...], ...]) -> pd.DataFrame:
    """Pairs that agree on every (non-empty) column of at least one rule, scored 1.0: for data too small to train on."""
    found = []
    for rule in rules:
        keyed = records[[UID, *rule]].dropna()
        keyed = keyed[(keyed[list(rule)].astype("string") != "").all(axis=1)]
        pairs = keyed.merge(keyed, on=list(rule), suffixes=("_l", "_r"))
        found.append(pairs.loc[pairs[f"{UID}_l"] < pairs[f"{UID}_r"], [f"{UID}_l", f"{UID}_r"]])
    pairs = (pd.concat(found, ignore_index=True).drop_duplicates() if found
             else pd.DataFrame(columns=[f"{UID}_l", f"{UID}_r"]))
    return pairs.assign(match_probability=1.0).reset_index(drop=True)


def _years(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("string").str.slice(0, 4), errors="coerce")


def _veto_birth_year_gap(pairs: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame, veto: Veto) -> np.ndarray:
    """Parent and child of the same name: birth years far apart."""
    column = str(veto.params.get("column", "birth_date"))
    gap = (_years(left[column]) - _years(right[column])).abs()
    return (gap >= float(veto.params.get("min_years", 12))).fillna(False).to_numpy(dtype=bool)


def _veto_twins(pairs: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame, veto: Veto) -> np.ndarray:
    """Same birth date and family, but given names without a common word and not one typo apart: twins (siblings)."""
    date, given = str(veto.params.get("date", "birth_date")), str(veto.params.get("given", "given_words"))
    first = str(veto.params.get("first", "given1"))
    family = str(veto.params["family"]) if veto.params.get("family") else None
    edits = int(veto.params.get("max_edits", 1))
    same_day = (left[date].astype("string") == right[date].astype("string")).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(pairs), dtype=bool)
    for i in np.flatnonzero(same_day):
        a, b = left[given].iat[i], right[given].iat[i]
        fa, fb = left[first].iat[i], right[first].iat[i]
        if not isinstance(a, (list, np.ndarray)) or not isinstance(b, (list, np.ndarray)) or not len(a) or not len(b):
            continue
        common = set(a) & set(b)
        close = _close(fa, fb, edits)
        # swapped columns: either record's first given name is the other's family name (a list swaps either way)
        swapped = family is not None and (_close(fa, right[family].iat[i], edits) or _close(fb, left[family].iat[i], edits))
        out[i] = not common and not close and not swapped
    return out


def _close(a: object, b: object, edits: int) -> bool:
    from rapidfuzz.distance import DamerauLevenshtein

    return isinstance(a, str) and isinstance(b, str) and DamerauLevenshtein.distance(a, b) <= edits


def _veto_date_conflict(pairs: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame, veto: Veto) -> np.ndarray:
    """Both birth dates known and further apart than a slip: not equal, not day/month swapped, not one digit,
    not the same month (a list that knew only "Mai 2009")."""
    from rapidfuzz.distance import DamerauLevenshtein

    column, swapped = str(veto.params.get("column", "birth_date")), str(veto.params.get("swapped", "birth_date_swapped"))
    a, b = left[column].astype("string"), right[column].astype("string")
    both = (a.notna() & b.notna()).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(pairs), dtype=bool)
    sa, sb = left[swapped].astype("string").fillna(""), right[swapped].astype("string").fillna("")
    for i in np.flatnonzero(both):
        x, y = a.iat[i], b.iat[i]
        if x == y or x[:6] == y[:6] or x == sb.iat[i] or y == sa.iat[i]:
            continue
        out[i] = DamerauLevenshtein.distance(x, y) > int(veto.params.get("max_edits", 1))
    return out


def _veto_different(pairs: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame, veto: Veto) -> np.ndarray:
    """Both known and different (e.g. sex)."""
    column = str(veto.params["column"])
    a, b = left[column].astype("string"), right[column].astype("string")
    return (a.notna() & b.notna() & (a != b)).fillna(False).to_numpy(dtype=bool)


VETOES: dict[str, Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, Veto], np.ndarray]] = {
    "birth_year_gap": _veto_birth_year_gap,
    "twins": _veto_twins,
    "different": _veto_different,
    "date_conflict": _veto_date_conflict,
}
VETO_REASONS = {"birth_year_gap": "Geburtsjahre weit auseinander (Eltern/Kind gleichen Namens?)",
                "twins": "gleiches Geburtsdatum, andere Vornamen (Zwillinge?)", "different": "abweichendes Merkmal",
                "date_conflict": "Geburtsdaten weichen mehr als einen Tippfehler ab"}


def decide(pairs: pd.DataFrame, records: pd.DataFrame, config: MatchConfig) -> pd.DataFrame:
    """Adds ``outcome`` (match/review/non_match) and ``veto`` to the scored pairs."""
    pairs = pairs.reset_index(drop=True)
    by_uid = records.set_index(UID)
    left = by_uid.loc[pairs["uid_l"].to_numpy()].reset_index(drop=True)
    right = by_uid.loc[pairs["uid_r"].to_numpy()].reset_index(drop=True)
    veto = np.full(len(pairs), "", dtype=object)
    for rule in config.vetoes:
        hit = VETOES[rule.kind](pairs, left, right, rule) & (veto == "")
        veto[hit] = rule.kind
    p = pairs["match_probability"].to_numpy()
    outcome = np.where(p >= config.match_threshold, Outcome.MATCH.value,
                       np.where(p >= config.review_threshold, Outcome.REVIEW.value, Outcome.NON_MATCH.value))
    outcome = np.where(veto != "", Outcome.NON_MATCH.value, outcome)
    ambiguous = ambiguous_matches(pairs["uid_l"].to_numpy(dtype=object), pairs["uid_r"].to_numpy(dtype=object), outcome, veto)
    outcome = np.where(ambiguous, Outcome.REVIEW.value, outcome)
    bridged = bridged_twins(pairs["uid_l"].to_numpy(dtype=object), pairs["uid_r"].to_numpy(dtype=object), outcome, veto)
    outcome = np.where(bridged, Outcome.REVIEW.value, outcome)
    return pairs.assign(outcome=outcome, veto=veto, ambiguous=ambiguous, bridged=bridged)


#: vetoes between two records that a third one, matching both, cannot tell apart (no or no usable birth date)
AMBIGUOUS_VETOES = ("birth_year_gap", "date_conflict", "different")


def ambiguous_matches(uid_l: np.ndarray, uid_r: np.ndarray, outcome: np.ndarray, veto: np.ndarray) -> np.ndarray:
    """Matches of one record with two records that may never be one person (a vetoed pair).

    A record without a birth date that matches both father and son of one name (same address) cannot
    tell which of them it is; the model's tie would pick one at random. Both matches go to the steward.
    Only vetoes on the birth data count (``AMBIGUOUS_VETOES``): twins differ in their given names, which
    the third record has, so it matches one twin only, or a twin veto that a typo on each side made.
    """
    conflicting = np.isin(veto, AMBIGUOUS_VETOES)
    banned = {(a, b) for a, b in zip(uid_l[conflicting], uid_r[conflicting])}
    banned |= {(b, a) for a, b in banned}
    out = np.zeros(len(uid_l), dtype=bool)
    if not banned:
        return out
    for neighbours in _match_neighbours(uid_l, uid_r, outcome).values():
        if len(neighbours) < 2:
            continue
        for x, i in neighbours:
            for y, j in neighbours:
                if (x, y) in banned:
                    out[i] = out[j] = True
    return out


def bridged_twins(uid_l: np.ndarray, uid_r: np.ndarray, outcome: np.ndarray, veto: np.ndarray) -> np.ndarray:
    """Twin-vetoed pairs whose two records both match one third record: review cases, not silent non-matches.

    Two list rows that each carry another typo of the export's given name ("Maximillian", "Maximlian")
    are two edits apart and look like twins, yet both match the export record. Real twins with a third
    record between them are just as possible, so the pair goes to the steward; the veto still keeps
    them apart until a steward says *gleiche Person*.
    """
    out = np.zeros(len(uid_l), dtype=bool)
    twins = np.flatnonzero(veto == "twins")
    if not len(twins):
        return out
    neighbours = {uid: {other for other, _ in edges} for uid, edges in _match_neighbours(uid_l, uid_r, outcome).items()}
    for i in twins:
        out[i] = bool(neighbours.get(uid_l[i], set()) & neighbours.get(uid_r[i], set()))
    return out


def _match_neighbours(uid_l: np.ndarray, uid_r: np.ndarray, outcome: np.ndarray) -> dict[object, list[tuple[object, int]]]:
    """Per record: the records it matches, with the position of that pair."""
    edges: dict[object, list[tuple[object, int]]] = {}
    for i in np.flatnonzero(outcome == Outcome.MATCH.value):
        edges.setdefault(uid_l[i], []).append((uid_r[i], i))
        edges.setdefault(uid_r[i], []).append((uid_l[i], i))
    return edges


PROBABILITY_DIGITS = 6  # far above the run-to-run noise of the model (~1e-14), far below a difference that means anything


def constrained_components(uids: pd.Series, edges: pd.DataFrame, cannot: pd.DataFrame, known: pd.Series | None = None) -> pd.Series:
    """Like connected components, but two groups are never joined when any of their records may not be merged.

    ``edges`` (uid_l, uid_r, match_probability) are joined best first; ``cannot`` (uid_l, uid_r) are
    vetoed pairs: a record without a birth date that matches both mother and daughter of one name
    joins one of them, not both into one person. Of two equally good edges the one of the smaller uids
    joins first.

    ``known`` (uid -> id in the key map): two groups that carry different ids (persons an earlier run
    kept apart) are joined only by a steward's edge (``decided_by`` = steward), never by the model
    alone; a new record matching both joins one of them (jhmig.match.known.remembered).
    """
    index = pd.Index(uids)
    parent = np.arange(len(index))
    members: dict[int, set[int]] = {}
    banned: dict[int, set[int]] = {}
    ids: dict[int, set[int]] = {}  # group root -> the key-map ids its records carry
    if known is not None and len(known):
        found = pd.to_numeric(pd.Series(known).reindex(index), errors="coerce").to_numpy(dtype=float)
        ids = {i: {int(v)} for i, v in enumerate(found) if v == v}
    for a, b in zip(index.get_indexer(cannot["uid_l"]), index.get_indexer(cannot["uid_r"])):
        banned.setdefault(a, set()).add(b)
        banned.setdefault(b, set()).add(a)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    # Same input, same clusters: EM training on two threads sums in a varying order, so a probability differs
    # between runs in its last digits, and DuckDB returns tied pairs in any order. Rounded, ties broken by uid,
    # the join order (which decides where a record between two vetoed groups goes) is the same every run.
    ordered = (edges.assign(_p=edges["match_probability"].astype(float).round(PROBABILITY_DIGITS))
               .sort_values(["_p", "uid_l", "uid_r"], ascending=[False, True, True], kind="stable"))
    steward = (ordered["decided_by"] == "steward").to_numpy(dtype=bool) if "decided_by" in ordered else np.zeros(len(ordered), bool)
    for a, b, by_steward in zip(index.get_indexer(ordered["uid_l"]), index.get_indexer(ordered["uid_r"]), steward):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, {ra}), members.get(rb, {rb})
        if banned and any(banned.get(x, set()) & mb for x in ma):
            continue
        ia, ib = ids.get(ra, set()), ids.get(rb, set())
        if ia and ib and not ia & ib and not by_steward:
            continue
        low, high = min(ra, rb), max(ra, rb)
        parent[high] = low
        members[low] = ma | mb
        members.pop(high, None)
        if ia or ib:
            ids[low] = ia | ib
            ids.pop(high, None)
    return pd.Series([find(i) for i in range(len(index))], index=index)


def connected_components(uids: pd.Series, edges_l: pd.Series, edges_r: pd.Series) -> pd.Series:
    """Cluster id (the smallest uid position) per uid, from match edges (union-find)."""
    index = pd.Index(uids)
    parent = np.arange(len(index))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(index.get_indexer(edges_l), index.get_indexer(edges_r)):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return pd.Series([find(i) for i in range(len(index))], index=index)

"""The review cases of a run: one per two persons the matching could not decide, both in full.

A review case is about two *persons* (clusters of records), not two records:
the model's unsure pairs (and its sure pairs that the clustering or an earlier
run's ids kept apart) between the same two persons are one case, shown with
every source record of each side. A pair whose records ended in one person
(merged through a third record) is no case: there is nothing to decide. The
cases are ordered and named by their records' keys, not by scores that vary
in their last digits, so the same input gives the same cases.

The stewards' decisions of the run stay on the sheet with who and when (and
what they did), so that the newest work list carries every decision in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from jhmig.identity import DIFFERENT, SAME, IdentityResult, Outcome, PairDecision, RecordRef, ReviewDecision, pair_key
from jhmig.records import Batch

RECORD_FIELDS = ("src_path", "src_sheet", "src_line", "family_name", "given_names", "birth_name", "birth_date")
COMPARED = (("family_name", "Familienname"), ("given_names", "Vornamen"), ("birth_name", "Geburtsname"), ("birth_date", "Geburtsdatum"))
SIDE_FIELDS = ("source_system", "legacy_key", *RECORD_FIELDS)
COLUMNS = ["pair", "score", "reasons", *(f"{s}_{c}" for s in "ab" for c in SIDE_FIELDS), "a_members", "b_members", "differs",
           "decision", "by", "on", "effect"]


def person_records(batches: Iterable[Batch]) -> dict[str, pd.DataFrame]:
    """Every person record of the run before matching (merged records leave their frames): source -> frame by key."""
    out = {}
    for batch in batches:
        frame = batch.frames.get("person")
        if frame is None:
            continue
        columns = [c for c in RECORD_FIELDS if c in frame]
        out[batch.source_system] = frame.drop_duplicates("legacy_key").set_index("legacy_key")[columns].copy()
    return out


def review_cases(result: IdentityResult, records: dict[str, pd.DataFrame], decisions: Iterable[ReviewDecision] = (),
                 source_order: Iterable[str] = ()) -> pd.DataFrame:
    """One row per review case (columns :data:`COLUMNS`); decided pairs first keep their decision, who and when."""
    order = {s: n for n, s in enumerate(source_order)}
    person_of = {m: c.survivor for c in result.persons for m in c.members}
    members = {c.survivor: sorted(c.members, key=lambda r: _rank(r, order)) for c in result.persons}

    def side(ref: RecordRef) -> RecordRef:
        return person_of.get(ref, ref)

    decided: dict[tuple[RecordRef, RecordRef], ReviewDecision] = {}
    for d in decisions:
        if _known(records, d.left) and _known(records, d.right):
            decided[pair_key(d.left, d.right)] = d
    steward = {pair_key(p.left, p.right): p for p in result.pairs if p.decided_by == "steward"}
    decided_persons = {frozenset((side(a), side(b))) for a, b in decided}

    cases: dict[frozenset[RecordRef], list[PairDecision]] = {}
    for p in result.pairs:
        if p.decided_by == "steward":
            continue
        a, b = side(p.left), side(p.right)
        if a == b:
            continue  # one person already: nothing to decide
        if p.outcome == Outcome.REVIEW or (p.outcome == Outcome.MATCH and p.decided_by == "model"):
            if frozenset((a, b)) not in decided_persons:  # a steward has decided about these two persons
                cases.setdefault(frozenset((a, b)), []).append(p)

    rows: list[dict[str, Any]] = []
    for (left, right), d in decided.items():
        applied = steward.get((left, right))
        effect = (("zusammengeführt" if d.same else "getrennt gehalten") if applied is not None
                  else "nicht angewendet")
        rows.append(_row(left, right, applied, [applied] if applied else [], records, members, side, order,
                         decision=SAME if d.same else DIFFERENT, by=d.by, on=d.on, effect=effect))
    for pairs in cases.values():
        # named by the pair with the smallest keys (stable); score and reasons of the best pair
        named = min(pairs, key=lambda p: sorted((_rank(p.left, order), _rank(p.right, order))))
        rows.append(_row(named.left, named.right, max(pairs, key=lambda p: (round(p.score, 6), -len(p.reasons))), pairs, records,
                         members, side, order))
    rows.sort(key=lambda r: (r["decision"] is None, _rank(r["_a"], order), _rank(r["_b"], order)))
    for number, row in enumerate(rows, start=1):
        row["pair"] = number
        del row["_a"], row["_b"]
    return pd.DataFrame(rows, columns=COLUMNS)


def _rank(ref: RecordRef, order: dict[str, int]) -> tuple[int, str, str]:
    return (order.get(ref.source_system, len(order)), ref.source_system, ref.legacy_key)


def _known(records: dict[str, pd.DataFrame], ref: RecordRef) -> bool:
    frame = records.get(ref.source_system)
    return frame is not None and ref.legacy_key in frame.index


def _record(records: dict[str, pd.DataFrame], ref: RecordRef) -> dict[str, Any]:
    frame = records.get(ref.source_system)
    values = frame.loc[ref.legacy_key].to_dict() if frame is not None and ref.legacy_key in frame.index else {}
    return {"source_system": ref.source_system, "legacy_key": ref.legacy_key, **{c: _plain(values.get(c)) for c in RECORD_FIELDS}}


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value


def _row(left: RecordRef, right: RecordRef, best: PairDecision | None, pairs: list[PairDecision], records: dict[str, pd.DataFrame],
         members: dict[RecordRef, list[RecordRef]], side: Any, order: dict[str, int], *, decision: str | None = None,
         by: str = "", on: Any = None, effect: str = "") -> dict[str, Any]:
    if _rank(right, order) < _rank(left, order):
        left, right = right, left
    row: dict[str, Any] = {"score": round(best.score, 3) if best is not None else None,
                           "reasons": "; ".join(best.reasons) if best is not None else "",
                           "decision": decision, "by": by or None, "on": on, "effect": effect or None, "_a": left, "_b": right}
    shown = {}
    for name, ref in (("a", left), ("b", right)):
        record = _record(records, ref)
        shown[name] = record
        row.update({f"{name}_{c}": record[c] for c in SIDE_FIELDS})
        row[f"{name}_members"] = [_record(records, m) for m in members.get(side(ref), [ref])]
    row["differs"] = [f for f, _ in COMPARED if _differs(shown["a"].get(f), shown["b"].get(f))]
    return row


def _differs(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if hasattr(a, "strftime") and hasattr(b, "strftime"):
        return a.strftime("%Y%m%d") != b.strftime("%Y%m%d")
    return " ".join(str(a).casefold().split()) != " ".join(str(b).casefold().split())

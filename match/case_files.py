"""Case files: a list's case attaches to a case file of an earlier source instead of opening a new one.

Two ways, in this order: the Aktenzeichen agrees after normalising
(office prefix, spaces, dots, leading zeros); or the case's child is a
person the matching found in an earlier source, who takes part as a child
in exactly one case file of a compatible department whose period overlaps.
Case files of later sources that share a normalised number, or that have no
number and belong to one child and department, become one case file too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from jhmig.identity import Cluster, RecordRef
from jhmig.match.prepare import STEPS
from jhmig.match.records import SEP
from jhmig.records import Batch


def normalise_numbers(numbers: pd.Series, strip_prefix: str | None) -> pd.Series:
    text = numbers.astype("string")
    if strip_prefix:
        text = text.str.replace(re.compile(strip_prefix), "", regex=True)
    return STEPS["file_number"](text.astype("object"))


def _cases(batches: list[Batch], strip_prefix: str | None, person_of: Mapping[str, str],
           roles: frozenset[str] = frozenset({"child"})) -> pd.DataFrame:
    """All case files with source order, normalised number, the cluster of the person it is about (first participant
    in one of ``roles``) and period."""
    rows = []
    for order, batch in enumerate(batches):
        cases = batch.frames.get("case_file")
        if cases is None or not len(cases):
            continue
        frame = pd.DataFrame({"source_system": batch.source_system, "order": order,
                              "legacy_key": cases["legacy_key"].astype("string").to_numpy(),
                              "number": normalise_numbers(cases["file_number"], strip_prefix).to_numpy(),
                              "department": cases["department"].astype("string").to_numpy(),
                              "opened": pd.to_datetime(cases["opened_on"]).to_numpy(),
                              "closed": pd.to_datetime(cases["closed_on"]).to_numpy()})
        parts = batch.frames.get("participant")
        if parts is not None and len(parts):
            child = parts[parts["role"].astype("string").isin(roles).fillna(False)].drop_duplicates("case_file_key")
            uid = batch.source_system + SEP + child["person_key"].astype("string")
            cluster = uid.map(lambda u: person_of.get(u, u)).astype("string")
            frame["child"] = frame["legacy_key"].map(pd.Series(cluster.to_numpy(), index=child["case_file_key"].astype("string").to_numpy()))
        else:
            frame["child"] = pd.NA
        rows.append(frame)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _overlaps(a_start, a_end, b_start, b_end) -> bool:  # type: ignore[no-untyped-def]
    far = pd.Timestamp.max
    a0, b0 = (a_start if pd.notna(a_start) else pd.Timestamp.min), (b_start if pd.notna(b_start) else pd.Timestamp.min)
    return a0 <= (b_end if pd.notna(b_end) else far) and b0 <= (a_end if pd.notna(a_end) else far)


def resolve_case_files(batches: list[Batch], settings: dict, person_of: Mapping[str, str]) -> list[Cluster]:
    """Clusters of case files; ``person_of`` maps person uid -> survivor uid (from the person matching)."""
    strip = (settings.get("file_number") or {}).get("strip_prefix")
    period = settings.get("person_and_period") or {}
    cases = _cases(batches, strip, person_of, frozenset(period.get("roles") or ("child",)))
    if not len(cases):
        return []
    first_order = int(cases["order"].min())
    target: dict[int, int] = {}  # row -> row it attaches to
    numbered = cases[cases["number"].map(lambda n: isinstance(n, str))]
    first = numbered.reset_index().groupby("number", sort=False)[["index", "order"]].first()
    joined = numbered.join(first.add_suffix("_first"), on="number")
    later = joined[joined["order_first"] < joined["order"]]  # never two case files of one source (other units, same serial)
    target.update(zip(later.index, later["index_first"]))
    if period.get("enabled", True):
        allowed = {k: set(v) for k, v in (period.get("departments") or {}).items()}
        earlier = cases[(cases["order"] == first_order) & cases["child"].notna()]
        by_child: dict[str, list[tuple]] = {}
        for c in earlier.itertuples():
            by_child.setdefault(c.child, []).append(c)
        no_number_seen: dict[tuple[str, str], int] = {}
        for row in cases[(cases["order"] > first_order) & cases["child"].notna()].itertuples():
            i = row.Index
            if i in target:
                continue
            candidates = by_child.get(row.child)
            if candidates and row.department in allowed:
                fits = [c.Index for c in candidates if c.department in allowed[row.department]
                        and _overlaps(row.opened, row.closed, c.opened, c.closed)]
                if len(fits) == 1:
                    target[i] = fits[0]
                    continue
            if not isinstance(row.number, str):
                key = (str(row.child), str(row.department))
                if key in no_number_seen:
                    target[i] = no_number_seen[key]
                else:
                    no_number_seen[key] = i
    return _clusters(cases, target)


def _clusters(cases: pd.DataFrame, target: dict[int, int]) -> list[Cluster]:
    def root(i: int) -> int:
        while i in target:
            i = target[i]
        return i

    groups: dict[int, list[int]] = {}
    for i in target:
        groups.setdefault(root(i), [root(i)]).append(i)
    out = []
    for head, rows in groups.items():
        refs = [RecordRef(str(cases.at[r, "source_system"]), "case_file", str(cases.at[r, "legacy_key"])) for r in rows]
        out.append(Cluster(refs[0], tuple(sorted(set(refs))), {"file_number": refs[0].source_system}))
    return out

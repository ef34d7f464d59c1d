"""The matching step (between transform and validate): one child, one person across export and lists.

Reads the stewards' review decisions from the corrections folder and the ids
the target already gave (so that a cluster keeps its id), runs
:func:`jhmig.match.resolve_identities` over all batches at once, and keeps the
review band as a side-by-side table for the work list.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from jhmig.identity import DIFFERENT, SAME, IdentityResult, MatchSettings, Outcome, RecordRef, ReviewDecision
from jhmig.records import Batch
from jhmig.review_cases import person_records, review_cases
from jhmig.run_state import RunState

Progress = Callable[[str, int, int], None]
ENTITIES = ("person", "case_file", "provider", "participant", "service")


def match_identities(state: RunState, note: Progress) -> None:
    from jhmig.match import resolve_identities

    note("match", 0, 1)
    decisions = signed_decisions(state, read_decisions(state))
    settings = MatchSettings(known_ids=_known_ids(state.options.db_url))
    records = person_records(state.batches)  # before merged records leave their frames: the review sheet shows them all
    state.identity = resolve_identities(state.batches, settings, decisions)
    state.review_decisions = decisions
    state.review = review_table(state.identity, state.batches, records, decisions)
    state.detached = detached_table(state.identity, state.batches, settings.known_ids)
    state.review_in_clear = _review_in_clear()
    note("match", 1, 1)


def _review_in_clear() -> bool:
    """The review sheet's names in clear (the work list is where they belong), unless persons.yaml says
    ``review.show_names: masked``; pseudonymised with --pseudonymize either way."""
    from jhmig.match.config import load_match_config

    return str((load_match_config("persons").extra.get("review") or {}).get("show_names", "clear")) == "clear"


def read_decisions(state: RunState) -> list[ReviewDecision]:
    folder = state.options.corrections_dir
    if folder is None:
        return []
    from jhmig.extract.review_decisions import read_review_decisions

    return read_review_decisions(folder)


def signed_decisions(state: RunState, decisions: list[ReviewDecision]) -> list[ReviewDecision]:
    """A review decision without *Bearbeitet von* or *Datum* is refused with a finding, not applied."""
    from jhmig.records import Finding, Severity

    kept = []
    batch = state.export.batch
    for d in decisions:
        if d.by.strip() and d.on is not None:
            kept.append(d)
            continue
        missing = " und ".join(n for n, gone in (("'Bearbeitet von'", not d.by.strip()), ("'Datum'", d.on is None)) if gone)
        batch.findings.add(Finding(
            rule_id="correction.unsigned", severity=Severity.WARNING, source_system=batch.source_system, entity="person",
            src_path=d.origin or None,
            message=f"Abgleich ({d.left.label()} / {d.right.label()}): {missing} fehlt: Entscheidung nicht angewendet"))
    return kept


def review_decision_summary(state: RunState) -> list[dict[str, object]]:
    """Every signed review decision read and its effect (summary.json ``corrections.review``, validierung.html):
    records named by source and key only, never by name."""
    from jhmig.identity import pair_key

    review = state.review if state.review is not None else pd.DataFrame(columns=["decision"])
    shown = review[review["decision"].notna()] if "decision" in review else review.iloc[:0]
    effect = {pair_key(RecordRef(str(r.a_source_system), "person", str(r.a_legacy_key)),
                       RecordRef(str(r.b_source_system), "person", str(r.b_legacy_key))): str(r.effect)
              for r in shown.itertuples(index=False)}
    detached = set(state.identity.detached) if state.identity is not None else set()
    out = []
    for d in sorted(state.review_decisions, key=lambda d: (d.origin, d.key())):
        what = effect.get(d.key(), "nicht angewendet: ein Datensatz ist nicht mehr in der Quelle")
        if not d.same and (d.left in detached or d.right in detached):
            what += "; Zusammenführung eines früheren Laufs aufgehoben"
        out.append({"file": d.origin, "a": d.left.label(), "b": d.right.label(), "decision": SAME if d.same else DIFFERENT,
                    "effect": what, "by": d.by, "on": d.on.isoformat() if d.on else ""})
    return out


def _known_ids(db_url: str) -> pd.DataFrame | None:
    from jhmig.load import open_target

    target = open_target(db_url)
    try:
        return target.known_ids(ENTITIES)
    except Exception:  # noqa: BLE001 - an unreachable or empty target: ids are allocated fresh, the load reports it
        return None
    finally:
        target.dispose()


def review_table(result: IdentityResult, batches: list[Batch], records: dict[str, pd.DataFrame] | None = None,
                 decisions: list[ReviewDecision] | None = None) -> pd.DataFrame:
    """One row per review case: both persons side by side (a_*, b_*, every source record of each), score, reasons,
    and the stewards' decisions of the run with who and when (:mod:`jhmig.review_cases`)."""
    return review_cases(result, records if records is not None else person_records(batches), decisions or (),
                        [b.source_system for b in batches])


def alias_keys(state: RunState) -> tuple[dict[str, dict[str, set[str]]], dict[str, dict[str, set[str]]]]:
    """Per source and entity: keys merged into a survivor still in its frame (they resolve in the load),
    and keys merged into a survivor that went to quarantine (their dependants follow it there)."""
    result = state.identity
    if result is None:
        return {}, {}
    present = _present_keys(state)
    resolvable: dict[str, dict[str, set[str]]] = {}
    quarantined: dict[str, dict[str, set[str]]] = {}
    for entity in ENTITIES:
        for cluster in result.clusters(entity):
            loaded = cluster.survivor.legacy_key in present.get((cluster.survivor.source_system, entity), set())
            into = resolvable if loaded else quarantined
            for member in cluster.merged:
                into.setdefault(member.source_system, {}).setdefault(entity, set()).add(member.legacy_key)
    return resolvable, quarantined


def _present_keys(state: RunState) -> dict[tuple[str, str], set[str]]:
    """The keys still in the frames, per source and matched entity (only those: payments are millions of rows)."""
    return {(b.source_system, e): set(f["legacy_key"].astype(str)) for b in state.batches for e, f in b.frames.items()
            if e in ENTITIES}


def load_aliases(state: RunState) -> pd.DataFrame | None:
    """The aliases the loader writes: only those whose survivor is loaded (not quarantined)."""
    result = state.identity
    if result is None:
        return None
    present = _present_keys(state)
    parts = []
    for entity in ENTITIES:
        rows = result.aliases(entity)
        if len(rows):
            keep = [k in present.get((s, entity), set()) for s, k in zip(rows["survivor_source"], rows["survivor_key"])]
            parts.append(rows[keep].assign(entity=entity))
    return pd.concat(parts, ignore_index=True) if parts else None


def load_detached(state: RunState) -> pd.DataFrame | None:
    """Records merged in an earlier run that this run keeps apart: the loader gives them ids of their own."""
    result = state.identity
    return result.detached_keys() if result is not None and result.detached else None


ENTITY_DE = {"person": "Person", "case_file": "Akte", "provider": "Träger", "participant": "Beteiligung", "service": "Leistung"}
_SAME_DE = {"person": "dieselbe Person", "case_file": "dieselbe Akte", "provider": "derselbe Träger",
            "participant": "dieselbe Beteiligung", "service": "dieselbe Leistung"}
DETACHED_COLUMNS = ["entity", "entity_de", "source_system", "legacy_key", "src_path", "src_sheet", "src_line", "old_id", "new_id",
                    "keeper", "reason", "family_name", "given_names", "birth_date"]
#: the columns that carry personal data: the work list only (masked or pseudonymised like the review sheet), never HTML
DETACHED_PERSONAL = ("family_name", "given_names", "birth_date")


def detached_table(result: IdentityResult, batches: list[Batch], known: pd.DataFrame | None) -> pd.DataFrame:
    """One row per detached record (``IdentityResult.detached``): where it comes from, the id it leaves, who keeps that id
    and why (German, for the stewards). ``new_id`` is filled after the load (:func:`with_new_ids`); names and birth date
    (persons only) are for the work list."""
    if not result.detached:
        return pd.DataFrame(columns=DETACHED_COLUMNS)
    ids: dict[tuple[str, str, str], int] = {}
    if known is not None and len(known):
        ids = {(str(s), str(e), str(k)): int(i) for s, e, k, i in
               known[["source_system", "entity", "legacy_key", "new_id"]].itertuples(index=False)}
    gone = set(result.detached)
    holders: dict[tuple[str, int], list[RecordRef]] = {}
    for (s, e, k), i in ids.items():
        ref = RecordRef(s, e, k)
        if ref not in gone:
            holders.setdefault((e, i), []).append(ref)
    by_source = {b.source_system: b for b in batches}
    survivor_of = {(m.source_system, m.entity, m.legacy_key): c.survivor for e in ENTITIES for c in result.clusters(e) for m in c.merged}
    steward_apart = {r for p in result.pairs if p.decided_by == "steward" and p.outcome == Outcome.NON_MATCH for r in (p.left, p.right)}
    rows = []
    for ref in result.detached:
        batch = by_source.get(ref.source_system)
        own = _row_of(batch.frames.get(ref.entity) if batch else None, ref.legacy_key)
        place = own if own is not None else _row_of(_merged_rows(batch, ref.entity) if batch else None, ref.legacy_key)
        values = own
        survivor = survivor_of.get((ref.source_system, ref.entity, ref.legacy_key))
        if values is None and survivor is not None:  # merged into another record this run: that row carries the values now
            other = by_source.get(survivor.source_system)
            values = _row_of(other.frames.get(ref.entity) if other else None, survivor.legacy_key)
        old_id = ids.get((ref.source_system, ref.entity, ref.legacy_key))
        keepers = sorted(holders.get((ref.entity, old_id), [])) if old_id is not None else []
        keeper = keepers[0].label() if keepers else ""
        why = ("laut Entscheidung „verschiedene Personen“ im Blatt „Abgleich Personen“"
               if ref.entity == "person" and (ref in steward_apart or any(k in steward_apart for k in keepers))
               else f"der Abgleich hält die Sätze in diesem Lauf nicht mehr für {_SAME_DE[ref.entity]} (Quelldaten oder Regeln geändert)")
        reason = (f"Zusammenführung eines früheren Laufs aufgehoben: {why}; "
                  + (f"die bisherige ID behält {keeper}, " if keeper else "")
                  + ("dieser Satz gehört jetzt zu " + survivor.label() + " und bekommt dessen ID" if survivor is not None
                     else "dieser Satz bekommt eine neue ID"))
        row = {"entity": ref.entity, "entity_de": ENTITY_DE[ref.entity], "source_system": ref.source_system,
               "legacy_key": ref.legacy_key, "old_id": old_id, "new_id": None, "keeper": keeper, "reason": reason}
        for c in ("src_path", "src_sheet", "src_line"):
            row[c] = None if place is None else place.get(c)
        for c in DETACHED_PERSONAL:
            row[c] = values.get(c) if values is not None and ref.entity == "person" else None
        rows.append(row)
    table = pd.DataFrame(rows, columns=DETACHED_COLUMNS)
    return table.astype({"old_id": "Int64", "new_id": "Int64", "src_line": "Int64"})


def _row_of(frame: pd.DataFrame | None, key: str) -> pd.Series | None:
    if frame is None or not len(frame) or "legacy_key" not in frame:
        return None
    hit = frame[frame["legacy_key"].astype(str) == key]
    return hit.iloc[0] if len(hit) else None


def _merged_rows(batch: Batch, entity: str) -> pd.DataFrame:
    merged = batch.outcome_frame("merged")
    return merged[merged["entity"] == entity] if len(merged) else merged


def with_new_ids(table: pd.DataFrame | None, loaded: pd.DataFrame | None) -> pd.DataFrame:
    """The detached records with the ids the load gave them (and the old id as the key map had it)."""
    if table is None or not len(table):
        return pd.DataFrame(columns=DETACHED_COLUMNS)
    if loaded is None or not len(loaded):
        return table
    ids = {(str(s), str(e), str(k)): (o, n) for s, e, k, o, n in
           loaded[["source_system", "entity", "legacy_key", "old_id", "new_id"]].itertuples(index=False)}
    out = table.copy()
    found = [ids.get((str(s), str(e), str(k))) for s, e, k in zip(out["source_system"], out["entity"], out["legacy_key"])]
    out["new_id"] = pd.array([None if f is None or pd.isna(f[1]) else int(f[1]) for f in found], dtype="Int64")
    old = pd.array([None if f is None or pd.isna(f[0]) else int(f[0]) for f in found], dtype="Int64")
    out["old_id"] = pd.Series(old, index=out.index).fillna(out["old_id"]).astype("Int64")
    return out


def merged_context(state: RunState, batch: Batch) -> dict[str, pd.DataFrame]:
    """The merged picture for ``batch``'s rules: rows of other sources about its persons, under its keys.

    * persons: for each of its records merged into a survivor elsewhere, the survivor's row under the
      merged key (age rules find the birth date a list did not have);
    * services: services of other sources whose person's survivor is in this batch, pointing at it
      (an UVG claim here overlapping a Heim placement in a caseworker's list).
    """
    result = state.identity
    if result is None or not result.persons:
        return {}
    frames = {b.source_system: b.frames for b in state.batches}
    survivor_of = {(m.source_system, m.legacy_key): c.survivor for c in result.persons for m in c.members}
    out: dict[str, pd.DataFrame] = {}
    rows = []
    for (source, key), survivor in survivor_of.items():
        if source != batch.source_system or survivor.source_system == source:
            continue
        persons = frames.get(survivor.source_system, {}).get("person")
        if persons is not None:
            hit = persons[persons["legacy_key"].astype(str) == survivor.legacy_key]
            if len(hit):
                rows.append(hit.iloc[:1].assign(legacy_key=key))
    if rows:
        out["person"] = pd.concat(rows, ignore_index=True)
    services = []
    for other in state.batches:
        frame = other.frames.get("service")
        if other is batch or frame is None or not len(frame):
            continue
        target = frame["person_key"].astype(str).map(lambda k, s=other.source_system: survivor_of.get((s, k)))
        here = target.map(lambda r: r is not None and r.source_system == batch.source_system)
        if here.any():
            part = frame[here.to_numpy()].copy()
            part["person_key"] = [r.legacy_key for r in target[here.to_numpy()]]
            part["legacy_key"] = other.source_system + ":" + part["legacy_key"].astype(str)
            services.append(part)
    if services:
        out["service"] = pd.concat(services, ignore_index=True)
    return out


def matching_summary(result: IdentityResult | None, review: pd.DataFrame | None = None) -> dict:
    """summary.json "matching": outcomes per source pair, what was merged, review cases (counts only)."""
    if result is None:
        return {}
    own = {r.target for r in result.repointed}  # keys of list rows naming a Träger of their own: aliases, not source records
    return {
        "model": result.model,
        "seconds": round(result.seconds, 2),
        "by_source_pair": result.counts,
        "persons": {"clusters": len(result.persons), "records_merged": sum(len(c.merged) for c in result.persons)},
        "case_files": {"clusters": len(result.case_files), "records_merged": sum(len(c.merged) for c in result.case_files)},
        "providers": {"clusters": len(result.providers), "records_merged": sum(len(c.merged) for c in result.providers) - len(own),
                      "new_from_lists": len(result.new_providers), "list_rows_own_traeger": len(result.repointed)},
        "dependants_merged": sum(len(c.merged) for c in result.dependants),
        # review cases on the sheet (two persons each, not yet decided)
        "review": int(review["decision"].isna().sum()) if review is not None and "decision" in review else len(result.review()),
        # records an earlier run merged that this run keeps apart: they leave the shared id for one of their own
        "detached": {entity: sum(1 for r in result.detached if r.entity == entity) for entity in ENTITIES},
        "person_fields_won_by": _won_by(result),
    }


def _won_by(result: IdentityResult) -> dict[str, int]:
    """Per source system: how many surviving person field values came from it (the reports say which source won)."""
    out: dict[str, int] = {}
    for cluster in result.persons:
        for source in cluster.won_by.values():
            out[source] = out.get(source, 0) + 1
    return out


__all__ = ["DETACHED_COLUMNS", "DETACHED_PERSONAL", "ENTITY_DE", "Outcome", "alias_keys", "detached_table", "load_aliases", "load_detached",
           "match_identities", "matching_summary", "review_table", "with_new_ids"]

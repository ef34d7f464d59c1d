"""Apply an identity result to the batches: merged members leave their frames, survivors take the surviving values.

* every merged member leaves its frame through :meth:`Batch.merge` with a
  reason naming the survivor by source and key (never by name);
* references inside a batch to a merged member of the same batch now name
  the survivor (so that rules see one child under one key); references to a
  survivor in another source stay as they are and resolve through the
  loader's aliases (``IdentityResult.aliases``);
* a list service whose child another Träger of the same name serves names the
  key of its own row (``IdentityResult.repointed``), merged into that Träger;
* dependants that repeat across sources (a list row copying the export's
  participant or service of the same child) are merged into the first.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from jhmig.entities import entity_specs
from jhmig.identity import Cluster, IdentityResult, RecordRef, Repointed
from jhmig.records import Batch
from jhmig.schema import Base

WHAT = {"person": "gleiche Person wie", "case_file": "gleiche Akte wie", "provider": "gleicher Träger wie",
        "participant": "gleiche Beteiligung wie", "service": "gleiche Leistung wie"}
#: columns whose equality across sources makes a dependant the same record (besides the resolved references)
DEPENDANT_SIGNATURES = {"participant": ("case_file_key", "person_key", "role"), "service": ("person_key", "service_type", "start_date")}


def _survivor_maps(result: IdentityResult, entities: tuple[str, ...]) -> dict[tuple[str, str], dict[str, RecordRef]]:
    """(source, entity) -> merged key -> survivor."""
    out: dict[tuple[str, str], dict[str, RecordRef]] = defaultdict(dict)
    for entity in entities:
        for cluster in result.clusters(entity):
            for member in cluster.merged:
                out[(member.source_system, entity)][member.legacy_key] = cluster.survivor
    return out


def _merge_members(batches: dict[str, Batch], maps: dict[tuple[str, str], dict[str, RecordRef]]) -> None:
    for (source, entity), members in maps.items():
        batch = batches.get(source)
        frame = batch.frames.get(entity) if batch else None
        if frame is None:
            continue
        keys = frame["legacy_key"].astype("string")
        hit = keys.isin(list(members)).fillna(False)
        reason = keys[hit].map(lambda k: f"{WHAT.get(entity, 'gleicher Satz wie')} {members[k].label()}")
        into = (keys[hit].map(lambda k: members[k].source_system).reindex(frame.index).astype("string"),
                keys[hit].map(lambda k: members[k].legacy_key).reindex(frame.index).astype("string"))
        batch.merge(entity, hit, reason.reindex(frame.index).astype("string"), into)


def _rewrite_references(batches: dict[str, Batch], maps: dict[tuple[str, str], dict[str, RecordRef]]) -> None:
    for source, batch in batches.items():
        for spec in entity_specs().values():
            frame = batch.frames.get(spec.name)
            if frame is None:
                continue
            for ref in spec.references:
                members = {k: s.legacy_key for k, s in maps.get((source, ref.target), {}).items() if s.source_system == source}
                if members and ref.key_column in frame:
                    column = frame[ref.key_column].astype("string")
                    frame[ref.key_column] = column.map(lambda k: members.get(k, k) if isinstance(k, str) else k).astype("string")


def _canonical(source: str, entity: str, keys: pd.Series, maps: dict[tuple[str, str], dict[str, RecordRef]]) -> pd.Series:
    members = maps.get((source, entity), {})
    return keys.astype("string").map(lambda k: members[k].label() if k in members else f"{source}:{k}" if isinstance(k, str) else None)


def dependant_clusters(batches: list[Batch], maps: dict[tuple[str, str], dict[str, RecordRef]]) -> list[Cluster]:
    """Participants/services of later sources that repeat one of an earlier source once references are resolved."""
    clusters: list[Cluster] = []
    specs = entity_specs()
    for entity, columns in DEPENDANT_SIGNATURES.items():
        targets = {r.key_column: r.target for r in specs[entity].references}
        first: dict[tuple, tuple[int, RecordRef]] = {}
        members: dict[RecordRef, list[RecordRef]] = defaultdict(list)
        for order, batch in enumerate(batches):
            frame = batch.frames.get(entity)
            if frame is None or not len(frame):
                continue
            parts = [(_canonical(batch.source_system, targets[c], frame[c], maps) if c in targets else frame[c].astype("string"))
                     for c in columns]
            for key, signature in zip(frame["legacy_key"].astype("string"), zip(*parts)):
                if any(v is None or v is pd.NA for v in signature):
                    continue
                ref = RecordRef(batch.source_system, entity, str(key))
                seen = first.setdefault(signature, (order, ref))
                if seen[0] < order:
                    members[seen[1]].append(ref)
        clusters += [Cluster(s, tuple(sorted({s, *m}))) for s, m in members.items()]
    return clusters


def repoint(batches: dict[str, Batch], repointed: list[Repointed], survivors: dict[RecordRef, RecordRef]) -> None:
    """References rewritten by the matching stage (a list service naming the key of its own Träger).

    The row's own provider record, merged into the first row of that name when the list was read, now
    says so: it carries the row's key and is merged into the row's Träger (``survivors``)."""
    by_frame: dict[tuple[str, str, str, str], dict[str, str]] = defaultdict(dict)
    for r in repointed:
        by_frame[(r.record.source_system, r.record.entity, r.column, r.target.entity)][r.record.legacy_key] = r.target.legacy_key
    for (source, entity, column, target), targets in by_frame.items():
        batch = batches.get(source)
        frame = batch.frames.get(entity) if batch else None
        if frame is None or column not in frame:
            continue
        new = frame["legacy_key"].astype("string").map(targets)
        hit = new.notna().to_numpy()
        relabel = frame.loc[hit, ["src_path", "src_sheet", "src_line"]].assign(old_key=frame.loc[hit, column].astype("string"),
                                                                               legacy_key=new[hit])
        relabel["reason"] = [f"{WHAT.get(target, 'gleicher Satz wie')} {survivors[RecordRef(source, target, k)].label()}"
                             if RecordRef(source, target, k) in survivors else "" for k in relabel["legacy_key"]]
        into = [survivors.get(RecordRef(source, target, k)) for k in relabel["legacy_key"]]
        relabel["into_source"] = [r.source_system if r else None for r in into]
        relabel["into_key"] = [r.legacy_key if r else None for r in into]
        batch.relabel_merged(target, relabel[relabel["reason"] != ""])
        frame[column] = new.where(new.notna(), frame[column]).astype("string")


def apply_identities(batches: list[Batch], result: IdentityResult, person_values: dict[RecordRef, dict[str, object]]) -> None:
    by_source = {b.source_system: b for b in batches}
    _set_values(by_source, "person", person_values)
    maps = _survivor_maps(result, ("person", "case_file", "provider"))
    repoint(by_source, result.repointed, {RecordRef(s, e, k): r for (s, e), m in maps.items() for k, r in m.items()})
    result.dependants = dependant_clusters(batches, maps)
    maps.update(_survivor_maps(result, ("participant", "service")))
    close_from_members(by_source, result.case_files)
    _merge_members(by_source, maps)
    _rewrite_references(by_source, maps)


_CLOSED_BY_LENGTH = Base.metadata.tables["case_file"].columns["closed_by"].type.length


def close_from_members(batches: dict[str, Batch], clusters: list[Cluster]) -> None:
    """A case a merged record (a list row) says is closed is closed on its survivor too, with the end and the reason
    it gives; the survivor's own closed state is kept."""
    for cluster in clusters:
        head = _row(batches, cluster.survivor)
        if head is None or head[1].get("status") == "closed":
            continue
        closing = [row for row in (_row(batches, m) for m in cluster.merged) if row is not None and row[1].get("status") == "closed"]
        if not closing:
            continue
        _, member = max(closing, key=lambda r: str(r[1].get("closed_on") or ""))
        frame, index = batches[cluster.survivor.source_system].frames["case_file"], head[0]
        where = f"{member.get('src_path')}, Zeile {member.get('src_line')}"
        frame.at[index, "status"] = "closed"
        if pd.notna(member.get("closed_on")) and "closed_on" in frame:
            frame.at[index, "closed_on"] = member.get("closed_on")
        if "closed_by" in frame:
            # the tool's own reason, fitted to its column (read off the schema)
            frame.at[index, "closed_by"] = f"laut Liste ({where}): {member.get('closed_by') or 'abgeschlossen'}"[:_CLOSED_BY_LENGTH]


def _row(batches: dict[str, Batch], ref: RecordRef) -> tuple[object, dict[str, object]] | None:
    frame = batches[ref.source_system].frames.get(ref.entity) if ref.source_system in batches else None
    if frame is None:
        return None
    hit = frame.index[frame["legacy_key"].astype("string") == ref.legacy_key]
    return (hit[0], frame.loc[hit[0]].to_dict()) if len(hit) else None


def _set_values(batches: dict[str, Batch], entity: str, values: dict[RecordRef, dict[str, object]]) -> None:
    """The surviving field values on the survivor's row (filled over empty, export over lists ...)."""
    by_source: dict[str, dict[str, dict[str, object]]] = defaultdict(dict)
    for ref, fields in values.items():
        by_source[ref.source_system][ref.legacy_key] = fields
    for source, rows in by_source.items():
        frame = batches[source].frames.get(entity)
        if frame is None or not rows:
            continue
        table = pd.DataFrame.from_dict(rows, orient="index")
        position = pd.Index(frame["legacy_key"].astype("string")).get_indexer(table.index)
        table = table[position >= 0]
        at = position[position >= 0]
        for column in table.columns:
            if column not in frame.columns:
                continue
            new = pd.Series(table[column].to_numpy(), index=frame.index[at])
            filled = new.notna()
            if filled.any():
                current = frame[column].copy()
                current.loc[new.index[filled]] = new[filled].astype(current.dtype) if current.dtype != object else new[filled]
                frame[column] = current

"""The one place that moves records into the quarantine, keeping their raw values.

The stages only report findings; the orchestrator's quarantine step turns
them into quarantined records here, so that all rule ids and messages of a
record land in one quarantine row:

* :func:`quarantine_flagged` - every row with an error finding;
* :func:`quarantine_unresolved` - then, parents before children, every row
  whose reference points at a quarantined record (``ref.depends_on_quarantined``,
  "hängt ab von ...") or at one that never existed (``ref.missing``);
* :func:`quarantine_unreadable` - source lines that never became rows (extract).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jhmig.entities import entity_specs
from jhmig.records import QUARANTINE_COLUMNS, Batch, Finding, Severity, rows_to_findings

ROW_ID = ["src_path", "src_sheet", "src_line"]


def quarantine_batch(batch: Batch, known_elsewhere: dict[str, set[str]] | None = None,
                     quarantined_elsewhere: dict[str, set[str]] | None = None) -> int:
    """The quarantine step: rows with error findings, then every row that depends on one; returns the count moved.

    ``known_elsewhere``: keys per entity that resolve outside the batch's frames (records merged into a
    survivor that is loaded); ``quarantined_elsewhere``: keys whose record went to quarantine outside the
    batch (merged into a survivor that is quarantined): their dependants follow it.
    """
    before = sum(len(q) for q in batch.quarantined)
    quarantine_flagged(batch, batch.findings.frame())
    quarantine_unresolved(batch, known_elsewhere, quarantined_elsewhere)
    return sum(len(q) for q in batch.quarantined) - before


def quarantine_flagged(batch: Batch, findings: pd.DataFrame) -> int:
    """Quarantine every entity row that has at least one error finding; returns the count."""
    errors = findings[(findings["severity"] == "error") & findings["src_line"].notna()]
    if not len(errors):
        return 0
    grouped = (
        errors.assign(src_line=errors["src_line"].astype("int64"))
        .groupby(["entity", *ROW_ID], sort=False)
        .agg(rule_ids=("rule_id", lambda s: ",".join(dict.fromkeys(s))), messages=("message", lambda s: " | ".join(dict.fromkeys(s))))
        .reset_index()
    )
    moved = 0
    for entity, part in grouped.groupby("entity", sort=False):
        frame = batch.frames.get(str(entity))
        if frame is None or not len(frame):
            continue
        rule_ids, messages = _flags_by_row(frame, part)
        moved += batch.quarantine(str(entity), rule_ids.notna(), rule_ids, messages)
    return moved


def _flags_by_row(frame: pd.DataFrame, flagged: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Rule ids and messages of the frame's flagged rows (None elsewhere), aligned with the frame.

    Looked up per file by line number: a join over all (file, sheet, line) keys of two million
    payments would copy their lineage strings and cost a few hundred MB at the run's peak.
    """
    rule_ids = np.full(len(frame), None, dtype=object)
    messages = np.full(len(frame), None, dtype=object)
    lines = frame["src_line"].to_numpy(dtype=np.int64)
    paths, sheets = frame["src_path"].fillna(""), frame["src_sheet"].fillna("")
    flagged = flagged.assign(src_path=flagged["src_path"].fillna(""), src_sheet=flagged["src_sheet"].fillna(""))
    for (path, sheet), group in flagged.groupby(["src_path", "src_sheet"], sort=False):
        in_file = np.flatnonzero((paths == path).to_numpy(dtype=bool) & (sheets == sheet).to_numpy(dtype=bool))
        found = pd.Index(group["src_line"].to_numpy(dtype=np.int64)).get_indexer(lines[in_file])
        rows = in_file[found >= 0]
        rule_ids[rows] = group["rule_ids"].to_numpy(dtype=object)[found[found >= 0]]
        messages[rows] = group["messages"].to_numpy(dtype=object)[found[found >= 0]]
    return pd.Series(rule_ids, index=frame.index), pd.Series(messages, index=frame.index)


def quarantine_frame(batch: Batch) -> pd.DataFrame:
    """All quarantined records of the batch with their raw source values as JSON."""
    q = batch.outcome_frame("quarantined")
    if not len(q):
        return pd.DataFrame(columns=[*QUARANTINE_COLUMNS, "raw"])
    if "raw" not in q:
        q["raw"] = None
    missing = q["raw"].isna()
    for (path, sheet), idx in q[missing].groupby(["src_path", "src_sheet"]).groups.items():
        raw = batch.raw.get((str(path), str(sheet)))
        if raw is None:
            continue
        lines = q.loc[idx, "src_line"].astype("int64")
        present = lines[lines.isin(raw.index)]
        records = raw.loc[present.to_numpy()].drop(columns=["src_line"], errors="ignore")
        texts = [json.dumps({k: (None if pd.isna(v) else str(v)) for k, v in rec.items()}, ensure_ascii=False)
                 for rec in records.to_dict("records")]
        q.loc[present.index, "raw"] = texts
    return q


ENTITY_DE = {
    "person": "Person", "address": "Anschrift", "provider": "Träger", "case_file": "Akte",
    "participant": "Beteiligung", "service": "Leistung", "uvg_claim": "UVG-Anspruch",
    "payment": "Zahlung", "legacy_code": "Schlüssel",
}
# grammatical gender of the entity names above, for the articles of the messages (f: "die Akte, die ...")
_GENDER = {"provider": "m", "uvg_claim": "m", "legacy_code": "m", "jgh_proceeding": "n"}
_ARTICLES = {  # gender -> (accusative article, accusative relative, dative article, nominative relative)
    "f": ("die", "die", "der", "die"), "m": ("den", "den", "dem", "der"), "n": ("das", "das", "dem", "das"),
}


def reference_texts(entity: str, key_column: str) -> tuple[str, str]:
    """The messages of ``ref.missing`` and ``ref.depends_on_quarantined`` for a reference to ``entity`` ('{}': its key)."""
    what = ENTITY_DE.get(entity, entity)
    acc, rel_acc, dat, rel_nom = _ARTICLES[_GENDER.get(entity, "f")]
    return (f"verweist auf {acc} {what} {{}}, {rel_acc} es in der Quelle nicht gibt ({key_column})",
            f"hängt ab von {dat} {what} {{}}, {rel_nom} in Quarantäne ist")


def quarantine_unresolved(batch: Batch, known_elsewhere: dict[str, set[str]] | None = None,
                          quarantined_elsewhere: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """Quarantine rows whose references do not resolve; returns the findings it made.

    ``known_elsewhere`` holds legacy keys per entity that resolve outside this
    batch (e.g. records of the same source already in the target);
    ``quarantined_elsewhere`` keys whose record is in quarantine outside it.
    """
    known_elsewhere = known_elsewhere or {}
    # Key sets stay Arrow arrays: Python sets of two million payment keys cost seconds to build.
    quarantined_keys: dict[str, list[pa.Array]] = {
        entity: [pa.array(sorted(keys), type=pa.string())] for entity, keys in (quarantined_elsewhere or {}).items() if keys}
    q = batch.outcome_frame("quarantined")
    if len(q):
        for entity, keys in q.dropna(subset=["legacy_key"]).groupby("entity")["legacy_key"]:
            quarantined_keys.setdefault(str(entity), []).append(_arrow_keys(keys))
    made: list[pd.DataFrame] = []
    for spec in entity_specs().values():
        frame = batch.frames.get(spec.name)
        if frame is None or not len(frame):
            continue
        # numpy object arrays: setting a masked slice of a two-million-row string Series took ~1 s
        rule_ids = np.full(len(frame), "", dtype=object)
        messages = np.full(len(frame), "", dtype=object)
        for ref in spec.references:
            keys = frame[ref.key_column]
            present = keys.notna()
            target = batch.frames.get(ref.target)
            valid = [_arrow_keys(target["legacy_key"])] if target is not None else []
            valid.append(pa.array(sorted(known_elsewhere.get(ref.target, set())), type=pa.string()))
            dangling = present & ~_member(keys, valid)
            if not dangling.any():
                continue
            in_quarantine = dangling & _member(keys, quarantined_keys.get(ref.target, []))
            missing = dangling & ~in_quarantine
            missing_text, quarantined_text = reference_texts(ref.target, ref.key_column)
            for mask, rule, text in (
                (missing, "ref.missing", missing_text),
                (in_quarantine, "ref.depends_on_quarantined", quarantined_text),
            ):
                if not mask.any():
                    continue
                msg = keys[mask].map(lambda k, t=text: t.format(k))
                made.append(rows_to_findings(frame.loc[mask], rule_id=rule, severity=Severity.ERROR, message=msg,
                                             source_system=batch.source_system, entity=spec.name,
                                             field=ref.key_column, value=keys[mask]))
                at = mask.to_numpy(dtype=bool)
                rule_ids[at] = np.where(rule_ids[at] == "", "", rule_ids[at] + ",") + rule
                messages[at] = np.where(messages[at] == "", "", messages[at] + " | ") + msg.to_numpy(dtype=object)
        flagged = pd.Series(rule_ids != "", index=frame.index)
        if flagged.any():
            keys_out = _arrow_keys(frame.loc[flagged, "legacy_key"])
            batch.quarantine(spec.name, flagged, pd.Series(rule_ids, index=frame.index), pd.Series(messages, index=frame.index))
            quarantined_keys.setdefault(spec.name, []).append(keys_out)
    if not made:
        return pd.DataFrame()
    out = pd.concat(made, ignore_index=True)
    batch.findings.add_frame(out)
    return out


def _arrow_keys(keys: pd.Series) -> pa.Array:
    """Key column as an Arrow string array (no copy for Arrow-backed strings)."""
    array = pa.array(keys.astype("string").array, type=pa.string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _member(keys: pd.Series, values: list[pa.Array]) -> pd.Series:
    """``keys.isin(values)`` for key columns of millions of rows (payments), in Arrow's C++ hash set."""
    values = [v for v in values if len(v)]
    if not values:
        return pd.Series(False, index=keys.index)
    found = pc.is_in(_arrow_keys(keys), value_set=pa.concat_arrays(values), skip_nulls=True)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=keys.index)


def quarantine_unreadable(batch: Batch, entity: str, src_path: str, malformed: list[tuple[int, str, str]]) -> None:
    """Source lines that never became rows (``(line, reason, raw text)``): counted as read, kept with their text."""
    rows = pd.DataFrame(malformed, columns=["src_line", "reason", "raw_text"])
    q = pd.DataFrame({
        "source_system": batch.source_system,
        "entity": entity,
        "legacy_key": pd.Series([None] * len(rows), dtype="string"),
        "src_path": src_path,
        "src_sheet": "",
        "src_line": rows["src_line"],
        "rule_ids": "extract.malformed_record",
        "messages": "Satz nicht lesbar: " + rows["reason"],
    })
    q["raw"] = rows["raw_text"].map(lambda text: json.dumps({"_line": text}, ensure_ascii=False))
    batch.add_outcomes("quarantined", q.loc[:, [*QUARANTINE_COLUMNS, "raw"]])
    for line, reason, _ in malformed:
        batch.findings.add(Finding(
            rule_id="extract.malformed_record", severity=Severity.ERROR, message=f"Satz nicht lesbar: {reason}",
            source_system=batch.source_system, entity=entity, src_path=src_path, src_line=line,
        ))


def follow_merged(batches: list[Batch]) -> int:
    """Merged records whose survivor is not loaded go where it went; returns how many moved.

    A list row merged into an export service that is quarantined (``ref.missing``), or an exact
    duplicate line of a payment with an impossible date, would otherwise be in neither the target nor
    the quarantine. It follows its survivor: to the quarantine with "hängt ab von ..." (like any
    dependant), or to the skipped records when the survivor was not migrated on purpose.
    """
    by_source = {b.source_system: b for b in batches}
    unloaded = unloaded_merged(batches)  # once: moving one batch's merged rows changes no other batch's verdict
    moved = 0
    for batch in batches:
        lost = unloaded.get(batch.source_system)
        if lost is None:
            continue
        for entity, part in lost.groupby("entity", sort=False):
            entity = str(entity)
            skipped = {f"{s}:{k}" for s, keys in _skipped_keys(by_source, entity, part["end"]).items() for k in keys}
            what = ENTITY_DE.get(entity, entity)
            to_s = part[part["end"].isin(list(skipped))]
            to_q = part[~part["end"].isin(list(skipped))]
            if len(to_q):
                msg = f"zusammengeführt mit {what} " + to_q["end"] + ": hängt ab von einem Satz, der in Quarantäne ist"
                moved += batch.follow_survivors(entity, to_q.assign(rule_ids="ref.depends_on_quarantined", messages=msg), "quarantined")
                batch.findings.add_frame(rows_to_findings(
                    to_q, rule_id="ref.depends_on_quarantined", severity=Severity.ERROR, message=msg,
                    source_system=batch.source_system, entity=entity, field="legacy_key", value=to_q["legacy_key"]))
            if len(to_s):
                reason = f"zusammengeführt mit {what} " + to_s["end"] + ", der nicht migriert wird"
                moved += batch.follow_survivors(entity, to_s.assign(reason=reason), "skipped")
    return moved


def unloaded_merged(batches: list[Batch]) -> dict[str, pd.DataFrame]:
    """Per source: its merged records whose survivor is in no frame, with ``end`` ("source:key", the survivor).

    A survivor merged in turn (an exact duplicate of a line whose record the matching merged into
    another source's) is followed to the record that stays.
    """
    by_source = {b.source_system: b for b in batches}
    merged = {b.source_system: b.outcome_frame("merged") for b in batches}
    # (source, entity, key) -> (source, key): a record merged into another one (not the same-key repeats)
    hop: dict[tuple[str, str, str], tuple[str, str]] = {}
    for source, frame in merged.items():
        other = frame[frame["into_key"].notna() & ((frame["into_source"] != source) | (frame["into_key"] != frame["legacy_key"]))]
        hop.update({(source, str(e), str(k)): (str(s), str(i)) for e, k, s, i in
                    other[["entity", "legacy_key", "into_source", "into_key"]].itertuples(index=False)})
    wanted: dict[tuple[str, str], set[str]] = {}
    for frame in merged.values():
        for e, s, k in frame.loc[frame["into_key"].notna(), ["entity", "into_source", "into_key"]].itertuples(index=False):
            wanted.setdefault((str(s), str(e)), set()).add(str(k))
    for (_, e, _), (t, k) in hop.items():
        wanted.setdefault((t, e), set()).add(k)
    loaded = {(s, e): _keys_in(by_source[s].frames.get(e) if s in by_source else None, keys) for (s, e), keys in wanted.items()}

    def final(source: str, entity: str, key: str) -> tuple[str, str]:
        for _ in range(len(hop) + 1):  # a chain is short; the bound only guards against a cycle
            if key in loaded.get((source, entity), ()) or (source, entity, key) not in hop:
                break
            source, key = hop[(source, entity, key)]
        return source, key

    out: dict[str, pd.DataFrame] = {}
    for source, frame in merged.items():
        follows = frame[frame["into_key"].notna()]
        if not len(follows):
            continue
        ends = [final(str(s), str(e), str(k)) for e, s, k in follows[["entity", "into_source", "into_key"]].itertuples(index=False)]
        lost = [k not in loaded.get((s, str(e)), ()) for (s, k), e in zip(ends, follows["entity"])]
        if any(lost):
            out[source] = follows[lost].assign(end=[f"{s}:{k}" for (s, k), m in zip(ends, lost) if m])
    return out


def _keys_in(frame: pd.DataFrame | None, keys: set[str]) -> set[str]:
    """Which of ``keys`` name a row of ``frame`` (looked up for the few keys asked, not the whole frame)."""
    if frame is None or not len(frame) or not keys:
        return set()
    return set(frame.loc[frame["legacy_key"].isin(list(keys)).fillna(False).to_numpy(dtype=bool), "legacy_key"].astype(str))


def _skipped_keys(by_source: dict[str, Batch], entity: str, ends: pd.Series) -> dict[str, set[str]]:
    """Of the survivors ``ends`` ("source:key"), those skipped on purpose (not quarantined), per source."""
    wanted: dict[str, set[str]] = {}
    for end in set(ends):
        source, key = end.split(":", 1)
        wanted.setdefault(source, set()).add(key)
    out: dict[str, set[str]] = {}
    for source, keys in wanted.items():
        batch = by_source.get(source)
        skipped = batch.outcome_frame("skipped") if batch is not None else None
        if skipped is not None and len(skipped):
            own = skipped[(skipped["entity"] == entity) & skipped["legacy_key"].astype("string").isin(list(keys)).fillna(False)]
            out[source] = set(own["legacy_key"].astype(str))
    return out

"""Referential integrity: every reference must point at a record that is loaded.

Runs after the records with error findings went to quarantine, parents
before children, so that a record whose parent is in quarantine follows it
there with the reason "hängt ab von ..." (rule ``ref.depends_on_quarantined``)
and a record whose parent never existed gets ``ref.missing``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jhmig.entities import entity_specs
from jhmig.records import Batch, Severity, rows_to_findings

ENTITY_DE = {
    "person": "Person", "address": "Anschrift", "provider": "Träger", "case_file": "Akte",
    "participant": "Beteiligung", "service": "Leistung", "uvg_claim": "UVG-Anspruch",
    "payment": "Zahlung", "legacy_code": "Schlüssel",
}


def quarantine_dangling(batch: Batch, known_elsewhere: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """Quarantine rows whose references do not resolve; returns the findings it made.

    ``known_elsewhere`` holds legacy keys per entity that resolve outside this
    batch (e.g. records of the same source already in the target).
    """
    known_elsewhere = known_elsewhere or {}
    # Key sets stay Arrow arrays: Python sets of two million payment keys cost seconds to build.
    quarantined_keys: dict[str, list[pa.Array]] = {}
    q = batch.outcome_frame("quarantined")
    if len(q):
        for entity, keys in q.dropna(subset=["legacy_key"]).groupby("entity")["legacy_key"]:
            quarantined_keys[str(entity)] = [_arrow_keys(keys)]
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
            what = ENTITY_DE.get(ref.target, ref.target)
            for mask, rule, text in (
                (missing, "ref.missing", f"verweist auf {what} {{}}, die/den es in der Quelle nicht gibt ({ref.key_column})"),
                (in_quarantine, "ref.depends_on_quarantined", f"hängt ab von {what} {{}}, die/der in Quarantäne ist"),
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

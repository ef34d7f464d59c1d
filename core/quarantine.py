"""Move records with error findings into the quarantine, keeping their raw values.

The stages only report findings; this is the one place that turns an error
finding into a quarantined record, so that all rule ids and messages of a
record land in one quarantine row.
"""

from __future__ import annotations

import json

import pandas as pd

from jhmig.records import QUARANTINE_COLUMNS, Batch

ROW_ID = ["src_path", "src_sheet", "src_line"]


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
        keys = frame[ROW_ID].astype({"src_line": "int64"})
        joined = keys.merge(part.drop(columns="entity"), on=ROW_ID, how="left")
        joined.index = frame.index
        mask = joined["rule_ids"].notna()
        moved += batch.quarantine(str(entity), mask, joined["rule_ids"], joined["messages"])
    return moved


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

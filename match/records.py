"""The records to compare, gathered from every batch of a run with the context they carry.

A person is compared with its address (export) and its case context: the
Aktenzeichen of the case files it takes part in (normalised), their
caseworkers and its roles. Every record is named by ``uid`` =
source system + US + legacy key, so that one frame holds all sources.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jhmig.identity import RecordRef
from jhmig.match.prepare import STEPS
from jhmig.records import Batch

SEP = "\x1f"


def uid_of(source_system: str | pd.Series, legacy_key: pd.Series) -> pd.Series:
    return (source_system + SEP + legacy_key.astype("string")).astype("string")


def ref_of(uid: str, entity: str) -> RecordRef:
    source, key = uid.split(SEP, 1)
    return RecordRef(source, entity, key)


def _context(batch: Batch) -> pd.DataFrame:
    """Per person key: lists of normalised file numbers, caseworkers and roles."""
    parts = batch.frames.get("participant")
    cases = batch.frames.get("case_file")
    if parts is None or cases is None or not len(parts):
        return pd.DataFrame(columns=["file_numbers", "caseworkers", "roles"])
    numbers = STEPS["file_number"](cases["file_number"].astype("object"))
    by_case = pd.DataFrame({"case_file_key": cases["legacy_key"].astype("string").to_numpy(), "number": numbers.to_numpy(),
                            "caseworker": cases["caseworker"].astype("string").str.upper().to_numpy()})
    joined = parts[["case_file_key", "person_key", "role"]].astype("string").merge(by_case, on="case_file_key", how="left")
    out = {}
    for column, name in (("number", "file_numbers"), ("caseworker", "caseworkers"), ("role", "roles")):
        values = joined[["person_key", column]].dropna().drop_duplicates().sort_values(["person_key", column])
        out[name] = _lists(values["person_key"].to_numpy(dtype=object), values[column].to_numpy(dtype=object))
    return pd.DataFrame(out)


def _lists(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """Values grouped into one list per key (keys sorted): numpy splits instead of a Python function per group."""
    if not len(keys):
        return pd.Series(dtype=object)
    bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return pd.Series([g.tolist() for g in np.split(values, bounds)], index=keys[np.r_[0, bounds]])


def person_records(batches: list[Batch]) -> pd.DataFrame:
    """All persons of the run, one row each, with ``uid``, ``source_system``, ``order`` (batch position) and context."""
    frames = []
    for order, batch in enumerate(batches):
        persons = batch.frames.get("person")
        if persons is None or not len(persons):
            continue
        frame = persons.reset_index(drop=True).copy()
        frame["legacy_key"] = frame["legacy_key"].astype("string")
        frame["source_system"] = batch.source_system
        frame["order"] = order
        frame["position"] = range(len(frame))
        frame["uid"] = uid_of(batch.source_system, frame["legacy_key"])
        addresses = batch.frames.get("address")
        if addresses is not None and len(addresses):
            first = addresses.drop_duplicates("person_key").set_index("person_key")
            for column in ("street", "house_number", "postcode", "city"):
                frame[column] = frame["legacy_key"].map(first[column]).to_numpy() if column in first else None
        context = _context(batch)
        for column in ("file_numbers", "caseworkers", "roles"):
            frame[column] = frame["legacy_key"].map(context[column]).to_numpy() if len(context) else None
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["uid", "source_system", "legacy_key", "order", "position"])
    out = pd.concat(frames, ignore_index=True)
    for column in ("street", "house_number", "postcode", "city"):
        if column not in out:
            out[column] = None
    return out.drop_duplicates("uid").reset_index(drop=True)

"""What each step guarantees the next, checked at the step boundaries of :mod:`jhmig.pipeline`.

A stage may rely only on what a contract here states. The contracts are read
off :func:`jhmig.entities.entity_specs` (so off the SQLAlchemy schema) and the
batch's own accounting; a broken one raises :class:`ContractViolation` naming
the contract, the step and the entity, never a pandas error deep inside the
next stage. All checks are vectorised; the cheap ones run in every run, the
full ones (``full=True``) in the tests.

The contracts:

``frame.columns``
    every entity frame has its ``legacy_key``, its reference key columns and
    the lineage columns (``src_path``, ``src_sheet``, ``src_line``); keys are
    text (a key read as a number loses its leading zeros), ``src_line`` an
    integer without gaps (every row can be found in its file);
``frame.unique_key``
    a ``legacy_key`` names at most one row of an entity's frame in a batch
    (a key delivered twice with other content leaves the frames at transform,
    to the quarantine);
``outcome.disjoint``
    no source row is both still in a frame and in the quarantine, merged or
    skipped (every record has exactly one outcome);
``merged.survivor``
    after the quarantine step, every record merged into another record
    follows a survivor that is still in a frame (to be loaded): a record
    merged into a quarantined or skipped one went along with it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from jhmig.entities import LINEAGE_FRAME_COLUMNS, entity_specs
from jhmig.records import Batch

ROW = list(LINEAGE_FRAME_COLUMNS)


class ContractViolation(AssertionError):
    """A step handed on what its contract rules out: a defect of jhmig, not of the data (exit code 3)."""

    def __init__(self, contract: str, step: str, detail: str) -> None:
        super().__init__(f"contract {contract} broken after step '{step}': {detail}")
        self.contract = contract
        self.step = step


def check_frames(batches: Iterable[Batch], step: str, *, full: bool = False) -> None:
    """``frame.columns`` and ``frame.unique_key`` for every entity frame of every batch (``outcome.disjoint`` with ``full``)."""
    specs = entity_specs()
    for batch in batches:
        for entity, frame in batch.frames.items():
            spec = specs.get(entity)
            required = ["legacy_key", *ROW] + ([r.key_column for r in spec.references] if spec else [])
            missing = [c for c in required if c not in frame.columns]
            if missing:
                raise ContractViolation("frame.columns", step, f"{batch.source_system}/{entity} lacks {', '.join(missing)}")
            wrong = [c for c in ("legacy_key", *required[4:]) if not _is_text(frame[c])]
            if not pd.api.types.is_integer_dtype(frame["src_line"]) or frame["src_line"].isna().any():
                wrong.append("src_line")
            if wrong:
                raise ContractViolation("frame.columns", step, f"{batch.source_system}/{entity}: wrong type of {', '.join(wrong)} "
                                                               f"({', '.join(str(frame[c].dtype) for c in wrong)})")
            keys = frame["legacy_key"]
            twice = keys.duplicated(keep=False) & keys.notna()
            if twice.any():
                lines = frame.loc[twice, "src_line"].head(5).tolist()
                raise ContractViolation("frame.unique_key", step, f"{batch.source_system}/{entity}: {int(twice.sum())} rows share "
                                                                  f"a legacy_key (source lines {lines} ...)")
        if full:
            check_disjoint(batch, step)


def _is_text(column: pd.Series) -> bool:
    """Text: a string dtype, or an all-missing column (a reference no row uses)."""
    return pd.api.types.is_string_dtype(column) or bool(column.isna().all())


def check_disjoint(batch: Batch, step: str) -> None:
    """``outcome.disjoint``: a source row (entity, file, sheet, line) has one outcome only."""
    seen: list[pd.DataFrame] = []
    for kind in ("quarantined", "merged", "skipped"):
        part = batch.outcome_frame(kind)
        if len(part):
            seen.append(part[["entity", *ROW]].assign(kind=kind))
    for entity, frame in batch.frames.items():
        if len(frame):
            seen.append(frame[ROW].assign(entity=entity, kind="frame"))
    if not seen:
        return
    rows = pd.concat(seen, ignore_index=True)
    rows = rows[rows["src_line"].notna()].astype({"src_line": "int64", "src_path": "string", "src_sheet": "string"})
    rows = rows.fillna({"src_sheet": ""})
    # A merged source row may be recorded once per entity it feeds (a person line also gives its address).
    twice = rows.duplicated(subset=["entity", *ROW], keep=False)
    if twice.any():
        example = rows[twice].sort_values([*ROW]).head(4)
        detail = "; ".join(f"{r.entity} {r.src_path}:{r.src_line} ({r.kind})" for r in example.itertuples(index=False))
        raise ContractViolation("outcome.disjoint", step, f"{batch.source_system}: {int(twice.sum())} rows with two outcomes: {detail}")


def check_merged_survivors(batches: Iterable[Batch], step: str) -> None:
    """``merged.survivor``: every merged record names a survivor that is still in a frame (chains followed)."""
    from jhmig.quarantine import unloaded_merged

    for source, lost in unloaded_merged(list(batches)).items():
        where = ", ".join(f"{e} {p}:{n}" for e, p, n in zip(lost["entity"].head(3), lost["src_path"].head(3), lost["src_line"].head(3)))
        raise ContractViolation("merged.survivor", step, f"{source}: {len(lost)} records merged into a record that is not "
                                                         f"loaded ({where} ...)")

"""Rows of ``mig_quarantine`` and ``mig_finding`` for one run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from jhmig.load.columns import ConversionError, canonical_frame, column_types
from jhmig.load.errors import FrameContractError
from jhmig.load.sourcefiles import SourceFiles, source_file_triples
from jhmig.records import FINDING_COLUMNS, QUARANTINE_COLUMNS
from jhmig.schema import MigFinding, MigQuarantine

QUARANTINE = MigQuarantine.__table__
FINDING = MigFinding.__table__


def outcome_source_files(frame: pd.DataFrame) -> pd.DataFrame:
    """(source_system, path, sheet) the quarantine or findings frame points at."""
    if not len(frame):
        return pd.DataFrame(columns=["source_system", "path", "sheet"])
    return source_file_triples(frame["source_system"], frame["src_path"], frame["src_sheet"])


def quarantine_rows(frame: pd.DataFrame, run_id: int, first_id: int, files: SourceFiles) -> pd.DataFrame:
    _require(frame, (*QUARANTINE_COLUMNS,), QUARANTINE.name)
    frame = frame.reset_index(drop=True)
    if "raw" not in frame.columns:
        frame = frame.assign(raw=None)
    return _rows(QUARANTINE, "quarantine_id", frame, run_id, first_id, files)


def finding_rows(frame: pd.DataFrame, run_id: int, first_id: int, files: SourceFiles) -> pd.DataFrame:
    # "value" is not stored: it can hold personal data and the message says enough.
    _require(frame, FINDING_COLUMNS, FINDING.name)
    return _rows(FINDING, "finding_id", frame.reset_index(drop=True), run_id, first_id, files)


def next_outcome_id(connection: sa.Connection, table: sa.Table, id_column: str) -> int:
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c[id_column]), 0))).scalar_one()) + 1


def _rows(table: sa.Table, id_column: str, frame: pd.DataFrame, run_id: int, first_id: int, files: SourceFiles) -> pd.DataFrame:
    n = len(frame)
    out = frame.assign(
        **{
            id_column: np.arange(first_id, first_id + n, dtype=np.int64),
            "run_id": np.full(n, run_id, dtype=np.int64),
            "src_file_id": files.lookup(frame["source_system"], frame["src_path"], frame["src_sheet"]),
        }
    )
    columns = [c.name for c in table.columns]
    try:
        rows = canonical_frame(out, column_types(table), columns)
    except ConversionError as error:
        raise FrameContractError("*", table.name, str(error)) from None
    for column in table.columns:
        if not column.nullable and rows[column.name].isna().any():
            raise FrameContractError("*", table.name, f"{int(rows[column.name].isna().sum())} row(s) without {column.name}")
    return rows


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FrameContractError("*", what, f"frame lacks columns {missing} (see jhmig.records)")

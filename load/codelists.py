"""``code_list``: the unified code lists, upserted on every run (never deleted)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from jhmig.load.columns import ConversionError, canonical_frame, column_types
from jhmig.load.errors import FrameContractError
from jhmig.schema import CodeList

CODE_LIST = CodeList.__table__


def upsert_code_lists(connection: sa.Connection, frame: pd.DataFrame) -> int:
    """Insert new codes and overwrite the labels of known ones; returns the number of codes given."""
    columns = [c.name for c in CODE_LIST.columns]
    keys = [c.name for c in CODE_LIST.primary_key.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FrameContractError("*", CODE_LIST.name, f"frame lacks columns {missing}")
    if not len(frame):
        return 0
    try:
        rows = canonical_frame(frame, column_types(CODE_LIST), columns)
    except ConversionError as error:
        raise FrameContractError("*", CODE_LIST.name, str(error)) from None
    if rows[keys].isna().any().any():
        raise FrameContractError("*", CODE_LIST.name, "codes without code_list or code")
    duplicated = rows.duplicated(keys, keep=False)
    if duplicated.any():
        shown = (rows.loc[duplicated, keys[0]] + ":" + rows.loc[duplicated, keys[1]]).drop_duplicates().head(5).tolist()
        raise FrameContractError("*", CODE_LIST.name, "codes listed twice", shown)

    dialect = connection.dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CODE_LIST)
    statement = insert.on_conflict_do_update(index_elements=keys, set_={c: insert.excluded[c] for c in columns if c not in keys})
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    connection.execute(statement, records)
    return len(records)

"""Frame contracts between the stages, derived from :mod:`jhmig.schema`.

Transform emits one pandas frame per entity. Its columns are the table's
value columns plus:

* ``legacy_key`` - the record's key in its source (string), mapped to the new
  surrogate id by the loader through ``mig_key_map``;
* one ``<name>_key`` column per foreign key ``<name>_id`` (the legacy key of
  the referenced record, e.g. ``case_file_key``, ``child_person_key``);
* lineage: ``src_path`` (file name relative to the source), ``src_sheet``
  ('' for text files) and ``src_line``.

Nothing here is hand-maintained: it is read off the SQLAlchemy models, so the
schema and the frames cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jhmig.schema import DOMAIN_TABLES, Base

LINEAGE_FRAME_COLUMNS: tuple[str, ...] = ("src_path", "src_sheet", "src_line")
LINEAGE_TABLE_COLUMNS: tuple[str, ...] = ("run_id", "src_file_id", "src_line", "row_hash")


@dataclass(frozen=True)
class Reference:
    """A foreign key of an entity, as seen in frames (``key_column``) and tables (``id_column``)."""

    id_column: str
    key_column: str
    target: str
    nullable: bool


@dataclass(frozen=True)
class EntitySpec:
    name: str
    id_column: str
    value_columns: tuple[str, ...]
    references: tuple[Reference, ...]

    @property
    def frame_columns(self) -> tuple[str, ...]:
        """Columns a transform frame for this entity must have, in order."""
        refs = tuple(r.key_column for r in self.references)
        return ("legacy_key", *refs, *self.value_columns, *LINEAGE_FRAME_COLUMNS)

    @property
    def table_columns(self) -> tuple[str, ...]:
        refs = tuple(r.id_column for r in self.references)
        return (self.id_column, *refs, *self.value_columns, *LINEAGE_TABLE_COLUMNS)


@cache
def entity_specs() -> dict[str, EntitySpec]:
    """All domain entities in load order (parents first)."""
    specs: dict[str, EntitySpec] = {}
    for name in DOMAIN_TABLES:
        table = Base.metadata.tables[name]
        pk = [c.name for c in table.primary_key.columns]
        if len(pk) != 1:
            raise RuntimeError(f"domain table {name} must have a single-column key")
        refs: list[Reference] = []
        values: list[str] = []
        for column in table.columns:
            if column.name == pk[0] or column.name in LINEAGE_TABLE_COLUMNS:
                continue
            fks = [fk for fk in column.foreign_keys if fk.column.table.name in DOMAIN_TABLES]
            if fks:
                refs.append(
                    Reference(
                        id_column=column.name,
                        key_column=column.name.removesuffix("_id") + "_key",
                        target=fks[0].column.table.name,
                        nullable=bool(column.nullable),
                    )
                )
            else:
                values.append(column.name)
        specs[name] = EntitySpec(name, pk[0], tuple(values), tuple(refs))
    return specs


def entity_spec(name: str) -> EntitySpec:
    try:
        return entity_specs()[name]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}; known: {', '.join(entity_specs())}") from None


def _dtype_of(entity: str, column: str) -> str:
    from sqlalchemy import BigInteger, Boolean, Date, Integer

    from jhmig.schema import Base

    table = Base.metadata.tables[entity]
    if column not in table.columns:
        return "string"  # *_key and lineage text columns
    kind = table.columns[column].type
    if isinstance(kind, Date):
        return "datetime64[us]"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, (BigInteger, Integer)):
        return "Int64"
    return "string"


def conform(frame: "pd.DataFrame", entity: str) -> "pd.DataFrame":
    """The frame with exactly the entity's frame columns; columns a source lacks are typed NA columns."""
    import pandas as pd

    spec = entity_spec(entity)
    out = frame.reindex(columns=list(spec.frame_columns))
    for column in spec.frame_columns:
        if column not in frame.columns and column not in LINEAGE_FRAME_COLUMNS:
            out[column] = pd.Series(pd.NA, index=out.index, dtype=_dtype_of(entity, column))
    return out

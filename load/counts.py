"""Counts and sums read back from the target by SQL (what reconciliation trusts)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from jhmig.entities import EntitySpec
from jhmig.load.keymap import KEY_MAP
from jhmig.schema import Base


@dataclass(frozen=True)
class SourceTotals:
    rows: int
    total: int  # SUM of the summed column; 0 when none was asked for


def totals_per_source(connection: sa.Connection, spec: EntitySpec, sum_column: str | None = None) -> dict[str, SourceTotals]:
    """Rows (and optionally a column sum) of the entity in the target, per source system.

    Rows belong to a source through the key map; one query reads count and sum together.
    """
    table = Base.metadata.tables[spec.name]
    summed = sa.func.coalesce(sa.func.sum(table.c[sum_column]), 0) if sum_column else sa.literal(0)
    statement = (
        sa.select(KEY_MAP.c.source_system, sa.func.count(), summed)
        .select_from(table.join(KEY_MAP, sa.and_(KEY_MAP.c.entity == spec.name, KEY_MAP.c.new_id == table.c[spec.id_column])))
        .group_by(KEY_MAP.c.source_system)
    )
    return {str(system): SourceTotals(int(rows), int(total)) for system, rows, total in connection.execute(statement)}

"""Counts and sums read back from the target by SQL (what reconciliation trusts)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from jhmig.entities import EntitySpec
from jhmig.schema import Base, MigSourceFile

SOURCE_FILE = MigSourceFile.__table__


@dataclass(frozen=True)
class SourceTotals:
    rows: int
    total: int  # SUM of the summed column; 0 when none was asked for


def totals_per_source(connection: sa.Connection, spec: EntitySpec, sum_column: str | None = None) -> dict[str, SourceTotals]:
    """Rows (and optionally a column sum) of the entity in the target, per source system.

    Rows belong to a source through their lineage (the source file they came from);
    one query reads count and sum together. Joining the few source files instead of
    the key map: 1.3 s instead of 3.2 s for two million payments (slow machine).
    """
    table = Base.metadata.tables[spec.name]
    summed = sa.func.coalesce(sa.func.sum(table.c[sum_column]), 0) if sum_column else sa.literal(0)
    statement = (
        sa.select(SOURCE_FILE.c.source_system, sa.func.count(), summed)
        .select_from(table.join(SOURCE_FILE, SOURCE_FILE.c.source_file_id == table.c.src_file_id))
        .group_by(SOURCE_FILE.c.source_system)
    )
    return {str(system): SourceTotals(int(rows), int(total)) for system, rows, total in connection.execute(statement)}

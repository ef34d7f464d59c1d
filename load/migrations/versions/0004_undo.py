"""Before-images of changed and deleted rows per run, for `jhmig rollback`.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mig_undo",
        sa.Column("undo_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("undo_id"),
    )
    op.create_index("ix_mig_undo_run_entity", "mig_undo", ["run_id", "entity"])


def downgrade() -> None:
    op.drop_index("ix_mig_undo_run_entity", table_name="mig_undo")
    op.drop_table("mig_undo")

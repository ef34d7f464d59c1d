"""Values of caseworkers' lists kept as written: why a case is closed, monthly equivalents of rates, date precision.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_file", sa.Column("closed_by", sa.String(length=200), nullable=True))
    op.add_column("service", sa.Column("rate_monthly_cents", sa.BigInteger(), nullable=True))
    op.add_column("service", sa.Column("date_precision", sa.String(length=80), nullable=True))
    op.add_column("jgh_proceeding", sa.Column("date_precision", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jgh_proceeding") as batch:
        batch.drop_column("date_precision")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("date_precision")
        batch.drop_column("rate_monthly_cents")
    with op.batch_alter_table("case_file") as batch:
        batch.drop_column("closed_by")

"""Youth criminal proceedings from the Jugendgerichtshilfe's lists.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jgh_proceeding",
        sa.Column("jgh_proceeding_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("offence", sa.String(length=300), nullable=True),
        sa.Column("offence_date", sa.Date(), nullable=True),
        sa.Column("court", sa.String(length=200), nullable=True),
        sa.Column("hearing_date", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("known_to_asd", sa.Boolean(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("src_file_id", sa.Integer(), nullable=False),
        sa.Column("src_line", sa.Integer(), nullable=False),
        sa.Column("row_hash", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["case_file_id"], ["case_file.case_file_id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.person_id"]),
        sa.ForeignKeyConstraint(["run_id"], ["mig_run.run_id"]),
        sa.ForeignKeyConstraint(["src_file_id"], ["mig_source_file.source_file_id"]),
        sa.PrimaryKeyConstraint("jgh_proceeding_id"),
    )
    op.create_index("ix_jgh_proceeding_case_file_id", "jgh_proceeding", ["case_file_id"])
    op.create_index("ix_jgh_proceeding_person_id", "jgh_proceeding", ["person_id"])
    op.create_index("ix_jgh_proceeding_run_id", "jgh_proceeding", ["run_id"])


def downgrade() -> None:
    op.drop_table("jgh_proceeding")

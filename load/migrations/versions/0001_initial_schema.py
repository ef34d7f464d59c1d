"""Initial schema: every table of jhmig.schema, written out explicitly.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Later changes to jhmig.schema need a new revision (tests/test_load.py checks
that the migrated database matches the models). One function per table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # parents before children: the foreign keys name tables created earlier
    for create in (_create_code_list, _create_mig_key_map, _create_mig_run, _create_mig_source_file,
                   _create_case_file, _create_legacy_code, _create_mig_finding, _create_mig_quarantine,
                   _create_person, _create_provider, _create_address, _create_participant, _create_service,
                   _create_uvg_claim, _create_payment):
        create()


def _create_code_list() -> None:
    op.create_table(
        "code_list",
        sa.Column("code_list", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_de", sa.String(length=300), nullable=True),
        sa.Column("label_en", sa.String(length=300), nullable=True),
        sa.Column("legal_basis", sa.String(length=40), nullable=True),
        sa.Column("service_form", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("code_list", "code"),
    )


def _create_mig_key_map() -> None:
    op.create_table(
        "mig_key_map",
        sa.Column("source_system", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("legacy_key", sa.String(length=200), nullable=False),
        sa.Column("new_id", sa.Integer(), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_system", "entity", "legacy_key"),
    )
    op.create_index("ix_mig_key_map_entity_new", "mig_key_map", ["entity", "new_id"], unique=False)


def _create_mig_run() -> None:
    op.create_table(
        "mig_run",
        sa.Column("run_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_uid", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sources", sa.Text(), nullable=True),
        sa.Column("options", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("jhmig_version", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
        sa.UniqueConstraint("run_uid"),
    )


def _create_mig_source_file() -> None:
    op.create_table(
        "mig_source_file",
        sa.Column("source_file_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("sheet", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("source_file_id"),
        sa.UniqueConstraint("source_system", "path", "sheet"),
    )


def _create_case_file() -> None:
    op.create_table(
        "case_file",
        sa.Column("case_file_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("file_number", sa.String(length=40), nullable=True),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("caseworker", sa.String(length=20), nullable=True),
        sa.Column("remark", sa.Text(), nullable=True),
        *_lineage_columns(),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("case_file_id"),
    )
    op.create_index("ix_case_file_file_number", "case_file", ["file_number"], unique=False)
    op.create_index("ix_case_file_run_id", "case_file", ["run_id"], unique=False)


def _create_legacy_code() -> None:
    op.create_table(
        "legacy_code",
        sa.Column("legacy_code_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=40), nullable=False),
        sa.Column("code_table", sa.String(length=20), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("text", sa.String(length=300), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *_lineage_columns(),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("legacy_code_id"),
        sa.UniqueConstraint("source_system", "code_table", "code"),
    )
    op.create_index("ix_legacy_code_run_id", "legacy_code", ["run_id"], unique=False)


def _create_mig_finding() -> None:
    op.create_table(
        "mig_finding",
        sa.Column("finding_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("source_system", sa.String(length=40), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=True),
        sa.Column("legacy_key", sa.String(length=200), nullable=True),
        sa.Column("src_file_id", sa.Integer(), nullable=True),
        sa.Column("src_line", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("finding_id"),
    )
    op.create_index("ix_mig_finding_rule_id", "mig_finding", ["rule_id"], unique=False)
    op.create_index("ix_mig_finding_run_id", "mig_finding", ["run_id"], unique=False)


def _create_mig_quarantine() -> None:
    op.create_table(
        "mig_quarantine",
        sa.Column("quarantine_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("legacy_key", sa.String(length=200), nullable=True),
        sa.Column("src_file_id", sa.Integer(), nullable=True),
        sa.Column("src_line", sa.Integer(), nullable=True),
        sa.Column("rule_ids", sa.String(length=400), nullable=False),
        sa.Column("messages", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=True),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("quarantine_id"),
    )
    op.create_index("ix_mig_quarantine_run_id", "mig_quarantine", ["run_id"], unique=False)


def _create_person() -> None:
    op.create_table(
        "person",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("given_names", sa.String(length=200), nullable=True),
        sa.Column("birth_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=True),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("match_key", sa.String(length=200), nullable=True),
        sa.Column("phonetic_key", sa.String(length=64), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=True),
        *_lineage_columns(),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_person_match_key", "person", ["match_key"], unique=False)
    op.create_index("ix_person_run_id", "person", ["run_id"], unique=False)


def _create_provider() -> None:
    op.create_table(
        "provider",
        sa.Column("provider_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("provider_type", sa.String(length=40), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=20), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        *_lineage_columns(),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("provider_id"),
    )
    op.create_index("ix_provider_run_id", "provider", ["run_id"], unique=False)


def _create_address() -> None:
    op.create_table(
        "address",
        sa.Column("address_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=20), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("social_district", sa.String(length=10), nullable=True),
        *_lineage_columns(),
        sa.ForeignKeyConstraint(["person_id"], ["person.person_id"]),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("address_id"),
    )
    op.create_index("ix_address_person_id", "address", ["person_id"], unique=False)
    op.create_index("ix_address_run_id", "address", ["run_id"], unique=False)


def _create_participant() -> None:
    op.create_table(
        "participant",
        sa.Column("participant_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *_lineage_columns(),
        sa.ForeignKeyConstraint(["case_file_id"], ["case_file.case_file_id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.person_id"]),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_index("ix_participant_case_file_id", "participant", ["case_file_id"], unique=False)
    op.create_index("ix_participant_person_id", "participant", ["person_id"], unique=False)
    op.create_index("ix_participant_run_id", "participant", ["run_id"], unique=False)


def _create_service() -> None:
    op.create_table(
        "service",
        sa.Column("service_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=True),
        sa.Column("legal_basis", sa.String(length=40), nullable=True),
        sa.Column("service_form", sa.String(length=20), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.String(length=40), nullable=True),
        sa.Column("rate_cents", sa.BigInteger(), nullable=True),
        sa.Column("rate_unit", sa.String(length=40), nullable=True),
        *_lineage_columns(),
        sa.ForeignKeyConstraint(["case_file_id"], ["case_file.case_file_id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.person_id"]),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.provider_id"]),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_index("ix_service_case_file_id", "service", ["case_file_id"], unique=False)
    op.create_index("ix_service_person_id", "service", ["person_id"], unique=False)
    op.create_index("ix_service_provider_id", "service", ["provider_id"], unique=False)
    op.create_index("ix_service_run_id", "service", ["run_id"], unique=False)


def _create_uvg_claim() -> None:
    op.create_table(
        "uvg_claim",
        sa.Column("uvg_claim_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("child_person_id", sa.Integer(), nullable=False),
        sa.Column("parent_person_id", sa.Integer(), nullable=True),
        sa.Column("liable_person_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("monthly_amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("recovery_pursued", sa.Boolean(), nullable=True),
        *_lineage_columns(),
        sa.ForeignKeyConstraint(["case_file_id"], ["case_file.case_file_id"]),
        sa.ForeignKeyConstraint(["child_person_id"], ["person.person_id"]),
        sa.ForeignKeyConstraint(["liable_person_id"], ["person.person_id"]),
        sa.ForeignKeyConstraint(["parent_person_id"], ["person.person_id"]),
        *_lineage_keys(),
        sa.PrimaryKeyConstraint("uvg_claim_id"),
    )
    op.create_index("ix_uvg_claim_case_file_id", "uvg_claim", ["case_file_id"], unique=False)
    op.create_index("ix_uvg_claim_child_person_id", "uvg_claim", ["child_person_id"], unique=False)
    op.create_index("ix_uvg_claim_run_id", "uvg_claim", ["run_id"], unique=False)


def _create_payment() -> None:
    op.create_table(
        "payment",
        sa.Column("payment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("payment_type", sa.String(length=40), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("payee", sa.String(length=100), nullable=True),
        *_lineage_columns(),
        sa.ForeignKeyConstraint(["case_file_id"], ["case_file.case_file_id"]),
        sa.ForeignKeyConstraint(["run_id"], ["mig_run.run_id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service.service_id"]),
        sa.ForeignKeyConstraint(["src_file_id"], ["mig_source_file.source_file_id"]),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    op.create_index("ix_payment_case_file_id", "payment", ["case_file_id"], unique=False)
    op.create_index("ix_payment_run_id", "payment", ["run_id"], unique=False)


def _lineage_columns() -> list[sa.Column[int] | sa.Column[str]]:
    """The lineage every domain row carries (jhmig.schema.Lineage); fresh Column objects for each table."""
    return [sa.Column("run_id", sa.Integer(), nullable=False), sa.Column("src_file_id", sa.Integer(), nullable=False),
            sa.Column("src_line", sa.Integer(), nullable=False), sa.Column("row_hash", sa.String(length=16), nullable=False)]


def _lineage_keys() -> list[sa.ForeignKeyConstraint]:
    """Every lineage row names its run and its source file."""
    return [sa.ForeignKeyConstraint(["run_id"], ["mig_run.run_id"]),
            sa.ForeignKeyConstraint(["src_file_id"], ["mig_source_file.source_file_id"])]


def downgrade() -> None:
    # children before parents; dropping a table drops its indexes
    op.drop_table("payment")
    op.drop_table("uvg_claim")
    op.drop_table("service")
    op.drop_table("participant")
    op.drop_table("address")
    op.drop_table("provider")
    op.drop_table("person")
    op.drop_table("mig_quarantine")
    op.drop_table("mig_finding")
    op.drop_table("legacy_code")
    op.drop_table("case_file")
    op.drop_table("mig_source_file")
    op.drop_table("mig_run")
    op.drop_table("mig_key_map")
    op.drop_table("code_list")

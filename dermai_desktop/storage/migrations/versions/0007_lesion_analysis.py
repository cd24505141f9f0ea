"""Lesion analysis: stored results, the dermatologist's verdicts, pathology of biopsied lesions.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20

Three new tables, nothing reshaped. ``analysis_results`` and
``analysis_verdicts`` are append-only - a result is the record of what a
model said, a verdict the record of what a clinician decided - so triggers
refuse UPDATE and DELETE on both (the services never try). Pathology is
append-only by use (the latest entry counts) but not locked, so a data-entry
slip can one day be tombstoned by a correction flow.

This file is a frozen copy of the schema at 0007: it never imports the ORM.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_APPEND_ONLY = {"analysis_results": "analysis results", "analysis_verdicts": "analysis verdicts"}
_VERBS = ("UPDATE", "DELETE")


def _synced_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("updated_workstation", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.String(length=27), nullable=True),
    ]


def _results() -> None:
    op.create_table(
        "analysis_results",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("lesion_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("model_name", sa.String(length=120), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("segmenter_sha256", sa.String(length=64), nullable=False),
        sa.Column("top_class", sa.String(length=16), nullable=False),
        sa.Column("suspicion", sa.Float(), nullable=False),
        sa.Column("reliable", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_analysis_results_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["lesion_images.id"],
            name=op.f("fk_analysis_results_image_id_lesion_images"),
        ),
        sa.ForeignKeyConstraint(
            ["lesion_id"], ["lesions.id"], name=op.f("fk_analysis_results_lesion_id_lesions")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_analysis_results_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
    )
    for column in ("image_id", "lesion_id", "patient_id"):
        op.create_index(f"ix_analysis_results_{column}", "analysis_results", [column])


def _verdicts() -> None:
    op.create_table(
        "analysis_verdicts",
        sa.Column("result_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("impression", sa.Text(), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.CheckConstraint(
            "kind IN ('agree', 'disagree', 'biopsy')", name=op.f("ck_analysis_verdicts_kind")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_analysis_verdicts_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_analysis_verdicts_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["analysis_results.id"],
            name=op.f("fk_analysis_verdicts_result_id_analysis_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_verdicts")),
    )
    for column in ("result_id", "patient_id"):
        op.create_index(f"ix_analysis_verdicts_{column}", "analysis_verdicts", [column])


def _pathology() -> None:
    op.create_table(
        "lesion_pathology",
        sa.Column("lesion_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("diagnosis", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.CheckConstraint(
            "diagnosis IN ('akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc', 'other')",
            name=op.f("ck_lesion_pathology_diagnosis"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_lesion_pathology_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["lesion_id"], ["lesions.id"], name=op.f("fk_lesion_pathology_lesion_id_lesions")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_lesion_pathology_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesion_pathology")),
    )
    for column in ("lesion_id", "patient_id"):
        op.create_index(f"ix_lesion_pathology_{column}", "lesion_pathology", [column])


def upgrade() -> None:
    _results()
    _verdicts()
    _pathology()
    for table, what in _APPEND_ONLY.items():
        for verb in _VERBS:
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END"
            )


def downgrade() -> None:
    for table in _APPEND_ONLY:
        for verb in _VERBS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}")
    op.drop_table("lesion_pathology")
    op.drop_table("analysis_verdicts")
    op.drop_table("analysis_results")

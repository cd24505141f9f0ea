"""Chart lists: kept revisions, note templates, diagnoses on notes; allergy and medication status.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``allergies`` gains the ``life_threatening`` severity and a status check;
``medications`` gains ``status``. SQLite cannot alter a CHECK constraint, so
both tables are rebuilt (new table, copy, drop, rename) - nothing references
them, and neither has triggers. Revisions are append-only and diagnoses of a
signed note are locked, both by triggers: the services refuse first.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TRIGGERS = (
    """
    CREATE TRIGGER chart_list_revisions_no_update BEFORE UPDATE ON chart_list_revisions
    BEGIN SELECT RAISE(ABORT, 'chart list history is append-only'); END
    """,
    """
    CREATE TRIGGER chart_list_revisions_no_delete BEFORE DELETE ON chart_list_revisions
    BEGIN SELECT RAISE(ABORT, 'chart list history is append-only'); END
    """,
    """
    CREATE TRIGGER note_diagnoses_signed_no_insert BEFORE INSERT ON note_diagnoses
    WHEN (SELECT signed_at FROM notes WHERE id = NEW.note_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'signed note is locked'); END
    """,
    """
    CREATE TRIGGER note_diagnoses_signed_no_update BEFORE UPDATE ON note_diagnoses
    WHEN (SELECT signed_at FROM notes WHERE id = OLD.note_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'signed note is locked'); END
    """,
    """
    CREATE TRIGGER note_diagnoses_signed_no_delete BEFORE DELETE ON note_diagnoses
    WHEN (SELECT signed_at FROM notes WHERE id = OLD.note_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'signed note is locked'); END
    """,
)

_TRIGGER_NAMES = (
    "note_diagnoses_signed_no_delete",
    "note_diagnoses_signed_no_update",
    "note_diagnoses_signed_no_insert",
    "chart_list_revisions_no_delete",
    "chart_list_revisions_no_update",
)


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


_SYNCED = "id, created_at, updated_at, version, updated_by, updated_workstation, deleted_at"


def _allergies(name: str, severities: str, with_status_check: bool) -> None:
    checks = [sa.CheckConstraint(f"severity IN ({severities})", name=op.f("ck_allergies_severity"))]
    if with_status_check:
        checks.append(
            sa.CheckConstraint("status IN ('active', 'resolved')", name=op.f("ck_allergies_status"))
        )
    op.create_table(
        name,
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("substance", sa.String(length=200), nullable=False),
        sa.Column("reaction", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_synced_columns(),
        *checks,
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_allergies_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allergies")),
    )


def _medications(name: str, with_status: bool) -> None:
    extra: list[Any] = []
    if with_status:
        extra = [
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.CheckConstraint(
                "status IN ('active', 'stopped')", name=op.f("ck_medications_status")
            ),
        ]
    op.create_table(
        name,
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dose", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=64), nullable=False),
        sa.Column("frequency", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("stop_date", sa.Date(), nullable=True),
        sa.Column("prescriber_id", sa.String(length=36), nullable=True),
        *extra,
        *_synced_columns(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_medications_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["prescriber_id"], ["users.id"], name=op.f("fk_medications_prescriber_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medications")),
    )


def _swap(table: str, new: str, columns: str, select: str) -> None:
    op.execute(f"INSERT INTO {new} ({columns}) SELECT {select} FROM {table}")  # noqa: S608
    op.drop_index(f"ix_{table}_patient_id", table_name=table)
    op.drop_table(table)
    op.rename_table(new, table)
    op.create_index(f"ix_{table}_patient_id", table, ["patient_id"], unique=False)


_ALLERGY_COLUMNS = f"patient_id, substance, reaction, severity, status, {_SYNCED}"
_MEDICATION_COLUMNS = (
    f"patient_id, name, dose, route, frequency, start_date, stop_date, prescriber_id, {_SYNCED}"
)
_OLD_SEVERITIES = "'mild', 'moderate', 'severe', 'unknown'"
_NEW_SEVERITIES = "'mild', 'moderate', 'severe', 'life_threatening', 'unknown'"


def upgrade() -> None:
    _allergies("_allergies_0004", _NEW_SEVERITIES, with_status_check=True)
    # Statuses were free text before; anything but "resolved" was shown as current.
    _swap(
        "allergies",
        "_allergies_0004",
        _ALLERGY_COLUMNS,
        _ALLERGY_COLUMNS.replace(
            "status", "CASE WHEN status = 'resolved' THEN 'resolved' ELSE 'active' END", 1
        ),
    )
    _medications("_medications_0004", with_status=True)
    # A medication whose stop date has passed was, in effect, stopped.
    _swap(
        "medications",
        "_medications_0004",
        f"status, {_MEDICATION_COLUMNS}",
        "CASE WHEN stop_date IS NOT NULL AND stop_date < date('now') THEN 'stopped' "
        f"ELSE 'active' END, {_MEDICATION_COLUMNS}",
    )
    op.create_table(
        "chart_list_revisions",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        *_synced_columns(),
        sa.CheckConstraint(
            "action IN ('created', 'edited', 'resolved', 'reactivated')",
            name=op.f("ck_chart_list_revisions_action"),
        ),
        sa.CheckConstraint(
            "kind IN ('problem', 'allergy', 'medication')",
            name=op.f("ck_chart_list_revisions_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_chart_list_revisions_patient_id_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_list_revisions")),
    )
    op.create_index(
        "ix_chart_list_revisions_item",
        "chart_list_revisions",
        ["kind", "item_id", "item_version"],
        unique=False,
    )
    op.create_index(
        "ix_chart_list_revisions_patient_id", "chart_list_revisions", ["patient_id"], unique=False
    )
    op.create_table(
        "note_templates",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("subjective", sa.Text(), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("suggested_codes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_synced_columns(),
        sa.CheckConstraint(
            "source IN ('bundled', 'custom')", name=op.f("ck_note_templates_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_note_templates_key")),
    )
    op.create_table(
        "note_diagnoses",
        sa.Column("note_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_synced_columns(),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_diagnoses_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_note_diagnoses_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_diagnoses")),
    )
    op.create_index("ix_note_diagnoses_code", "note_diagnoses", ["code"], unique=False)
    op.create_index("ix_note_diagnoses_note_id", "note_diagnoses", ["note_id"], unique=False)
    op.create_index("ix_note_diagnoses_patient_id", "note_diagnoses", ["patient_id"], unique=False)
    for statement in TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for name in _TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("note_diagnoses")
    op.drop_table("note_templates")
    op.drop_table("chart_list_revisions")
    _medications("_medications_0004", with_status=False)
    _swap("medications", "_medications_0004", _MEDICATION_COLUMNS, _MEDICATION_COLUMNS)
    _allergies("_allergies_0004", _OLD_SEVERITIES, with_status_check=False)
    _swap(
        "allergies",
        "_allergies_0004",
        _ALLERGY_COLUMNS,
        _ALLERGY_COLUMNS.replace(
            "severity", "CASE WHEN severity = 'life_threatening' THEN 'severe' ELSE severity END", 1
        ),
    )

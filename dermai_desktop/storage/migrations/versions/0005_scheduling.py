"""Scheduling: full status flow, rooms, recurring series, waitlist, recalls, configuration.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

``appointments`` gains the confirmed and in-room statuses, a room, the series
link (``series_id`` + ``occurrence_start``, the iCalendar RECURRENCE-ID), a
cancel reason and the check-in timestamps. SQLite cannot alter a CHECK
constraint, so the table is rebuilt (new table, copy, drop, rename); nothing
references it before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_NEW_STATUSES = "'booked', 'confirmed', 'arrived', 'in_room', 'completed', 'cancelled', 'no_show'"
_OLD_STATUSES = "'booked', 'arrived', 'completed', 'cancelled', 'no_show'"
_SYNCED = "id, created_at, updated_at, version, updated_by, updated_workstation, deleted_at"
_BASE_COLUMNS = f"patient_id, provider_id, start_at, end_at, type, status, reason, {_SYNCED}"


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


def _appointments(name: str, *, new_shape: bool) -> None:
    extra: list[sa.Column[object] | sa.ForeignKeyConstraint] = []
    if new_shape:
        extra = [
            sa.Column("room_id", sa.String(length=36), nullable=True),
            sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False),
            sa.Column("series_id", sa.String(length=36), nullable=True),
            sa.Column("occurrence_start", sa.String(length=27), nullable=True),
            sa.Column("is_exception", sa.Boolean(), server_default="0", nullable=False),
            sa.Column("arrived_at", sa.String(length=27), nullable=True),
            sa.Column("roomed_at", sa.String(length=27), nullable=True),
            sa.Column("completed_at", sa.String(length=27), nullable=True),
            sa.ForeignKeyConstraint(
                ["series_id"],
                ["appointment_series.id"],
                name=op.f("fk_appointments_series_id_appointment_series"),
            ),
        ]
    op.create_table(
        name,
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("start_at", sa.String(length=27), nullable=False),
        sa.Column("end_at", sa.String(length=27), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *extra,
        *_synced_columns(),
        sa.CheckConstraint(
            f"status IN ({_NEW_STATUSES if new_shape else _OLD_STATUSES})",
            name=op.f("ck_appointments_status"),
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_appointments_end_after_start")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_appointments_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["users.id"], name=op.f("fk_appointments_provider_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )


_OLD_INDEXES = {
    "ix_appointments_patient_id": ["patient_id"],
    "ix_appointments_provider_start": ["provider_id", "start_at"],
}
_NEW_INDEXES = {
    **_OLD_INDEXES,
    "ix_appointments_start_at": ["start_at"],
    "ix_appointments_series_id": ["series_id"],
}


def _swap(
    new: str,
    columns: str,
    select: str,
    old_indexes: dict[str, list[str]],
    new_indexes: dict[str, list[str]],
) -> None:
    op.execute(f"INSERT INTO {new} ({columns}) SELECT {select} FROM appointments")  # noqa: S608
    for index in old_indexes:
        op.drop_index(index, table_name="appointments")
    op.drop_table("appointments")
    op.rename_table(new, "appointments")
    for index, cols in new_indexes.items():
        op.create_index(index, "appointments", cols, unique=False)


def upgrade() -> None:
    op.create_table(
        "appointment_series",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=300), nullable=False),
        sa.Column("first_start", sa.String(length=27), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["appointment_series.id"],
            name=op.f("fk_appointment_series_parent_id_appointment_series"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_appointment_series_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["users.id"], name=op.f("fk_appointment_series_provider_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_series")),
    )
    op.create_index(
        "ix_appointment_series_patient_id", "appointment_series", ["patient_id"], unique=False
    )
    _appointments("_appointments_0005", new_shape=True)
    _swap("_appointments_0005", _BASE_COLUMNS, _BASE_COLUMNS, _OLD_INDEXES, _NEW_INDEXES)

    op.create_table(
        "waitlist_entries",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("requested_at", sa.String(length=27), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("provider_id", sa.String(length=36), nullable=True),
        sa.Column("earliest", sa.Date(), nullable=True),
        sa.Column("latest", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_waitlist_entries_priority")),
        sa.CheckConstraint(
            "status IN ('waiting', 'booked', 'removed')", name=op.f("ck_waitlist_entries_status")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_waitlist_entries_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_waitlist_entries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["users.id"], name=op.f("fk_waitlist_entries_provider_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        "ix_waitlist_entries_patient_id", "waitlist_entries", ["patient_id"], unique=False
    )
    op.create_index("ix_waitlist_entries_status", "waitlist_entries", ["status"], unique=False)

    op.create_table(
        "recalls",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.CheckConstraint(
            "source IN ('visit', 'lesion', 'manual')", name=op.f("ck_recalls_source")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'booked', 'done', 'cancelled')", name=op.f("ck_recalls_status")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_recalls_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_recalls_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["users.id"], name=op.f("fk_recalls_provider_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalls")),
    )
    op.create_index("ix_recalls_appointment_id", "recalls", ["appointment_id"], unique=False)
    op.create_index("ix_recalls_patient_id", "recalls", ["patient_id"], unique=False)
    op.create_index("ix_recalls_status_due", "recalls", ["status", "due"], unique=False)

    op.create_table(
        "appointment_types",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_types")),
        sa.UniqueConstraint("code", name=op.f("uq_appointment_types_code")),
    )
    op.create_table(
        "rooms",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
    )
    op.create_table(
        "schedule_hours",
        sa.Column("provider_id", sa.String(length=36), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        *_synced_columns(),
        sa.CheckConstraint(
            "end_minute > start_minute", name=op.f("ck_schedule_hours_end_after_start")
        ),
        sa.CheckConstraint("kind IN ('open', 'break')", name=op.f("ck_schedule_hours_kind")),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440", name=op.f("ck_schedule_hours_minutes")
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_schedule_hours_weekday")),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["users.id"], name=op.f("fk_schedule_hours_provider_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_hours")),
    )
    op.create_index(
        "ix_schedule_hours_provider_id", "schedule_hours", ["provider_id"], unique=False
    )
    op.create_table(
        "schedule_holidays",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["users.id"], name=op.f("fk_schedule_holidays_provider_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_holidays")),
    )
    op.create_index("ix_schedule_holidays_day", "schedule_holidays", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_schedule_holidays_day", table_name="schedule_holidays")
    op.drop_table("schedule_holidays")
    op.drop_index("ix_schedule_hours_provider_id", table_name="schedule_hours")
    op.drop_table("schedule_hours")
    op.drop_table("rooms")
    op.drop_table("appointment_types")
    for index in ("ix_recalls_status_due", "ix_recalls_patient_id", "ix_recalls_appointment_id"):
        op.drop_index(index, table_name="recalls")
    op.drop_table("recalls")
    op.drop_index("ix_waitlist_entries_status", table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_patient_id", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    _appointments("_appointments_0004", new_shape=False)
    # The older flow had no confirmed / in-room steps: fold them into their neighbours.
    select = _BASE_COLUMNS.replace(
        "status",
        "CASE status WHEN 'confirmed' THEN 'booked' WHEN 'in_room' THEN 'arrived' ELSE status END",
        1,
    )
    _swap("_appointments_0004", _BASE_COLUMNS, select, _NEW_INDEXES, _OLD_INDEXES)
    op.drop_index("ix_appointment_series_patient_id", table_name="appointment_series")
    op.drop_table("appointment_series")

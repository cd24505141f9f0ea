"""ORM records of the schedule tables added by migration 0005 (appointments is in records.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dermai_desktop.storage.records import Base, SyncedMixin


class AppointmentSeriesRecord(SyncedMixin, Base):
    """A recurring booking; its occurrences are ordinary ``appointments`` rows."""

    __tablename__ = "appointment_series"
    __table_args__ = (Index("ix_appointment_series_patient_id", "patient_id"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    provider_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    type: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(300))  # RFC 5545 RRULE body
    first_start: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    room_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_series.id"))


class WaitlistEntryRecord(SyncedMixin, Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'booked', 'removed')", name="status"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        Index("ix_waitlist_entries_status", "status"),
        Index("ix_waitlist_entries_patient_id", "patient_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    requested_at: Mapped[datetime]
    priority: Mapped[int] = mapped_column(Integer, default=3)
    type: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    earliest: Mapped[date | None] = mapped_column(Date)
    latest: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"))


class RecallRecord(SyncedMixin, Base):
    __tablename__ = "recalls"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'booked', 'done', 'cancelled')", name="status"),
        CheckConstraint("source IN ('visit', 'lesion', 'manual')", name="source"),
        Index("ix_recalls_status_due", "status", "due"),
        Index("ix_recalls_patient_id", "patient_id"),
        Index("ix_recalls_appointment_id", "appointment_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    due: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    source_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16), default="open")
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"))


class AppointmentTypeRecord(SyncedMixin, Base):
    """A manager's override of (or addition to) the built-in appointment types."""

    __tablename__ = "appointment_types"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(7))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoomRecord(SyncedMixin, Base):
    __tablename__ = "rooms"

    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ScheduleHoursRecord(SyncedMixin, Base):
    """One span of opening hours (``provider_id`` NULL) or of a provider's hours or break."""

    __tablename__ = "schedule_hours"
    __table_args__ = (
        CheckConstraint("kind IN ('open', 'break')", name="kind"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440", name="minutes"),
        CheckConstraint("end_minute > start_minute", name="end_after_start"),
        Index("ix_schedule_hours_provider_id", "provider_id"),
    )

    provider_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class HolidayRecord(SyncedMixin, Base):
    """A day the clinic is closed, or one provider is away (``provider_id`` set)."""

    __tablename__ = "schedule_holidays"
    __table_args__ = (Index("ix_schedule_holidays_day", "day"),)

    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(500))
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


SCHEDULE_RECORDS: tuple[type[SyncedMixin], ...] = (
    AppointmentSeriesRecord,
    WaitlistEntryRecord,
    RecallRecord,
    AppointmentTypeRecord,
    RoomRecord,
    ScheduleHoursRecord,
    HolidayRecord,
)

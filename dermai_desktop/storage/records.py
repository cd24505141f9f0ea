"""ORM records (SQLAlchemy 2 ``Mapped``) for the clinic database; they never leave storage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from dermai_desktop.domain.ids import new_uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as fixed-width ISO-8601 text.

    Fixed width (always microseconds, always ``Z``) so text order is time
    order; naive datetimes are refused because they are always a bug here.
    """

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused; use timezone-aware UTC")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def utc_to_text(value: datetime) -> str:
    """The stored text form of a UTC datetime (for raw SQL comparisons)."""
    return UTCDateTime().process_bind_param(value, None)  # type: ignore[arg-type,return-value]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class SyncedMixin:
    """Columns every synced row carries: client UUIDv7 id, UTC stamps, version, tombstone.

    ``version`` is SQLAlchemy's version counter with the generator switched
    off: the outbox hook bumps it, and every UPDATE carries ``WHERE version =
    <old>``, so two writers can never silently overwrite each other.
    """

    #: Columns that never sync and never bump the version (machine-local state).
    __sync_local_fields__: ClassVar[frozenset[str]] = frozenset()

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid7)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(36))
    updated_workstation: Mapped[str | None] = mapped_column(String(36))
    deleted_at: Mapped[datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declared_attr takes the class
        table = cls.__table__  # type: ignore[attr-defined]  # set on each mapped subclass
        return {"version_id_col": table.c.version, "version_id_generator": False}


#: Bookkeeping columns the outbox does not repeat in ``fields``.
SYNC_BOOKKEEPING = frozenset(
    {"id", "created_at", "updated_at", "version", "updated_by", "updated_workstation"}
)


# --- 0001 identity and audit ------------------------------------------------------


class ClinicRecord(SyncedMixin, Base):
    __tablename__ = "clinic"

    name: Mapped[str] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkstationRecord(SyncedMixin, Base):
    __tablename__ = "workstation"
    __sync_local_fields__ = frozenset({"is_this_machine"})

    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Which row is this machine; other workstations' rows arrive through sync.
    is_this_machine: Mapped[bool] = mapped_column(Boolean, default=False)


class UserRecord(SyncedMixin, Base):
    __tablename__ = "users"
    # Login bookkeeping is per workstation and changes on every sign-in.
    __sync_local_fields__ = frozenset({"failed_logins", "locked_until", "last_login_at"})

    username: Mapped[str] = mapped_column(String(64, collation="NOCASE"), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class SettingRecord(Base):
    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON text
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(36))


class AuditEventRecord(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_patient_id", "patient_id"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    occurred_at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(String(36))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    workstation_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class SyncOutboxRecord(Base):
    __tablename__ = "sync_outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('insert', 'update', 'delete')", name="kind"),
        Index("ix_sync_outbox_state_seq", "state", "local_seq"),
    )

    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(36))
    local_seq: Mapped[int] = mapped_column(Integer, unique=True)
    entity: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8))
    base_version: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[str] = mapped_column(Text)  # JSON {field: new value}, changed fields only
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


# --- 0002 clinical records ---------------------------------------------------------


class PatientRecord(SyncedMixin, Base):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("fitzpatrick BETWEEN 1 AND 6", name="fitzpatrick"),
        Index("ix_patients_names", "family_name", "given_name"),
        Index("ix_patients_date_of_birth", "date_of_birth"),
    )

    mrn: Mapped[str] = mapped_column(String(32), unique=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    fitzpatrick: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)


class EncounterRecord(SyncedMixin, Base):
    __tablename__ = "encounters"
    __table_args__ = (Index("ix_encounters_patient_started", "patient_id", "started_at"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    clinician_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")


class NoteRecord(SyncedMixin, Base):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_patient_id", "patient_id"),
        Index("ix_notes_encounter_id", "encounter_id"),
        Index("ix_notes_amends_id", "amends_id"),
    )

    encounter_id: Mapped[str] = mapped_column(ForeignKey("encounters.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    subjective: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("notes.id"))


class ProblemRecord(SyncedMixin, Base):
    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'resolved', 'inactive')", name="status"),
        Index("ix_problems_patient_id", "patient_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    description: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(32))  # e.g. ICD-10
    status: Mapped[str] = mapped_column(String(16), default="active")
    onset_date: Mapped[date | None] = mapped_column(Date)
    resolved_date: Mapped[date | None] = mapped_column(Date)


class AllergyRecord(SyncedMixin, Base):
    __tablename__ = "allergies"
    __table_args__ = (
        # 0004 added life_threatening and the status check.
        CheckConstraint(
            "severity IN ('mild', 'moderate', 'severe', 'life_threatening', 'unknown')",
            name="severity",
        ),
        CheckConstraint("status IN ('active', 'resolved')", name="status"),
        Index("ix_allergies_patient_id", "patient_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    substance: Mapped[str] = mapped_column(String(200))
    reaction: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16), default="unknown")
    status: Mapped[str] = mapped_column(String(16), default="active")


class MedicationRecord(SyncedMixin, Base):
    __tablename__ = "medications"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'stopped')", name="status"),  # added by 0004
        Index("ix_medications_patient_id", "patient_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200), default="")
    route: Mapped[str] = mapped_column(String(64), default="")
    frequency: Mapped[str] = mapped_column(String(64), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    stop_date: Mapped[date | None] = mapped_column(Date)
    prescriber_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")


class AppointmentRecord(SyncedMixin, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint(
            "status IN ('booked', 'confirmed', 'arrived', 'in_room', 'completed', 'cancelled', "
            "'no_show')",
            name="status",
        ),
        Index("ix_appointments_provider_start", "provider_id", "start_at"),
        Index("ix_appointments_patient_id", "patient_id"),
        Index("ix_appointments_start_at", "start_at"),
        Index("ix_appointments_series_id", "series_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    provider_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    reason: Mapped[str] = mapped_column(Text, default="")
    # 0005 scheduling (see storage/records_schedule.py for the other schedule tables)
    room_id: Mapped[str | None] = mapped_column(String(36))
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    series_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_series.id"))
    occurrence_start: Mapped[datetime | None]
    is_exception: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    arrived_at: Mapped[datetime | None]
    roomed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


SYNCED_RECORDS: tuple[type[SyncedMixin], ...] = (
    ClinicRecord,
    WorkstationRecord,
    UserRecord,
    PatientRecord,
    EncounterRecord,
    NoteRecord,
    ProblemRecord,
    AllergyRecord,
    MedicationRecord,
    AppointmentRecord,
)

# Tables of later migrations live in their own modules; importing them here puts
# them on ``Base.metadata`` wherever the records are used.
from dermai_desktop.storage import records_analysis as _records_analysis  # noqa: E402, F401
from dermai_desktop.storage import records_chart as _records_chart  # noqa: E402, F401
from dermai_desktop.storage import records_imaging as _records_imaging  # noqa: E402, F401
from dermai_desktop.storage import records_schedule as _records_schedule  # noqa: E402, F401

"""The schedule on a real SQLCipher database: migration 0005, repository, outbox, services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.scheduling import (
    AppointmentStatus,
    AppointmentType,
    BookingRequest,
    Holiday,
    RecallStatus,
    Room,
    RoomId,
    ScheduleConflict,
    TimeSpan,
    WaitlistPriority,
    WeeklyHours,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.schedule import ScheduleService
from dermai_desktop.services.settings import SettingsService
from dermai_desktop.storage.database import Database, _upgrade
from dermai_desktop.storage.patient_search import is_search_index_table
from dermai_desktop.storage.records import Base
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.conftest import StepClock, draft

# StepClock starts on Monday 5 January 2026, 09:00 UTC (= 09:00 in London, winter time).
MONDAY = date(2026, 1, 5)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def schedule(uow_factory: SqlUnitOfWorkFactory, clock: StepClock) -> ScheduleService:
    return ScheduleService(
        uow_factory, clock, SettingsService(uow_factory, clock, MachineConfig.empty())
    )


@pytest.fixture
def patients(uow_factory: SqlUnitOfWorkFactory, manager: Actor) -> list[PatientId]:
    with uow_factory(manager) as uow:
        ids = [uow.patients.add(draft(f"P{n}"), f"DA{n:06d}").id for n in range(1, 4)]
        uow.commit()
    return ids


def schema_diffs(db: Database) -> list[object]:
    """Differences between the migrated schema and the records (the FTS index aside)."""

    def include_name(name: str | None, type_: str, parent: dict[str, str | None]) -> bool:
        return not (type_ == "table" and is_search_index_table(name))

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        return list(compare_metadata(context, Base.metadata))


def test_schema_matches_the_records_and_has_the_scheduling_tables(db: Database) -> None:
    assert schema_diffs(db) == []
    with db.engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert {
        "appointment_series",
        "waitlist_entries",
        "recalls",
        "appointment_types",
        "rooms",
        "schedule_hours",
        "schedule_holidays",
    } <= tables


def test_book_move_cancel_revert_on_sqlcipher(
    schedule: ScheduleService,
    doctor: Actor,
    manager: Actor,
    patients: list[PatientId],
    db: Database,
) -> None:
    tuesday = MONDAY + timedelta(days=1)
    request = BookingRequest(
        patients[0],
        doctor.user_id,
        at(tuesday, 10),
        "follow_up",
        room_id=RoomId("room-1"),
        reason="mole check",
    )
    booked = schedule.book(manager, request)
    appt = booked.appointment
    assert appt is not None
    assert appt.end == at(tuesday, 10, 15)
    assert appt.version == 1
    with pytest.raises(ScheduleConflict) as refused:
        schedule.book(
            manager, BookingRequest(patients[1], doctor.user_id, at(tuesday, 10, 5), "follow_up")
        )
    assert "Dr Derm already has an appointment 10:00–10:15" in refused.value.message
    moved = schedule.move(manager, appt.id, at(tuesday, 11), expected_version=1)
    assert moved.appointment is not None
    assert moved.appointment.start == at(tuesday, 11)
    assert moved.appointment.version == 2
    cancelled = schedule.cancel(manager, appt.id, "patient phoned")
    assert cancelled.appointment is not None
    assert cancelled.appointment.status is AppointmentStatus.CANCELLED
    schedule.revert(manager, cancelled)
    schedule.revert(manager, moved)
    back = schedule.get(manager, appt.id).appointment
    assert (back.start, back.status) == (at(tuesday, 10), AppointmentStatus.BOOKED)
    undone = schedule.revert(manager, booked)
    assert schedule.view(manager, tuesday).appointments == ()
    schedule.revert(manager, undone)  # redo brings the same row back
    again = schedule.view(manager, tuesday).appointments
    assert [a.appointment.id for a in again] == [appt.id]
    assert again[0].patient.mrn == "DA000001"
    with db.engine.connect() as conn:
        kinds = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT kind FROM sync_outbox WHERE entity = 'appointments' ORDER BY local_seq"
                )
            )
        ]
    assert kinds[0] == "insert"
    assert "delete" in kinds
    assert kinds.count("update") >= 4


def test_series_split_and_lists_on_sqlcipher(
    schedule: ScheduleService,
    doctor: Actor,
    manager: Actor,
    patients: list[PatientId],
) -> None:
    request = BookingRequest(patients[0], doctor.user_id, at(MONDAY, 14), "follow_up")
    change = schedule.book_series(manager, request, "FREQ=WEEKLY;COUNT=6")
    rows = [c.after for c in change.appointments if c.after]
    assert len(rows) == 6
    split = schedule.change_following(manager, rows[3].id, start=at(rows[3].start.date(), 15))
    series, occurrences = schedule.series(manager, rows[0].series_id)  # type: ignore[arg-type]
    assert "UNTIL=" in series.rule
    assert [o.start for o in occurrences] == [r.start for r in rows[:3]]
    new_series = {c.after.series_id for c in split.appointments if c.after}
    assert len(new_series) == 1
    assert rows[0].series_id not in new_series
    entry = schedule.add_to_waitlist(
        manager, patients[1], provider_id=doctor.user_id, priority=WaitlistPriority.URGENT
    )
    cancelled = schedule.cancel(manager, rows[1].id, "holiday")
    assert [o.entry.id for o in cancelled.offers] == [entry.id]
    recall = schedule.add_recall(manager, patients[2], MONDAY - timedelta(days=3), "FSE 6 months")
    listed = schedule.recalls(manager)
    assert listed[0].overdue
    assert listed[0].days_overdue == 3
    booked = schedule.book_recall(
        manager,
        recall.id,
        BookingRequest(
            patients[2], doctor.user_id, at(MONDAY + timedelta(days=2), 9), "full_skin_check"
        ),
    )
    assert booked.recalls[0].after is not None
    assert booked.recalls[0].after.status is RecallStatus.BOOKED


def test_configuration_round_trip(schedule: ScheduleService, doctor: Actor, manager: Actor) -> None:
    schedule.save_appointment_type(manager, AppointmentType("laser", "Laser", 20, "#112233"))
    schedule.save_room(manager, Room(RoomId("laser-room"), "Laser room"))
    lunch = WeeklyHours(((TimeSpan(time(12, 30), time(13, 30)),),) * 5 + ((),) * 2)
    schedule.set_provider_hours(
        manager, doctor.user_id, WeeklyHours.weekdays(time(9), time(17)), lunch
    )
    schedule.set_clinic_hours(manager, WeeklyHours.weekdays(time(8), time(19)))
    schedule.add_holiday(manager, Holiday(date(2026, 12, 25), "Christmas Day"))
    config = schedule.config(manager)
    assert config.type("laser").duration_minutes == 20
    assert config.room(RoomId("laser-room")).name == "Laser room"
    assert config.hours_for(doctor.user_id).breaks.on(0)[0].start == time(12, 30)
    assert config.clinic_hours.on(0)[0].end == time(19)
    assert config.holiday_on(date(2026, 12, 25)) is not None
    schedule.remove_holiday(manager, date(2026, 12, 25))
    schedule.set_provider_hours(manager, doctor.user_id, None)
    config = schedule.config(manager)
    assert config.holidays == ()
    assert config.provider_hours == ()


def test_stale_version_is_refused(
    schedule: ScheduleService,
    doctor: Actor,
    manager: Actor,
    patients: list[PatientId],
) -> None:
    booked = schedule.book(
        manager, BookingRequest(patients[0], doctor.user_id, at(MONDAY, 16), "follow_up")
    ).appointment
    assert booked is not None
    schedule.move(manager, booked.id, at(MONDAY, 16, 30))
    with pytest.raises(ValidationFailed):
        schedule.move(manager, booked.id, at(MONDAY, 17), expected_version=1)


def test_downgrade_to_0004_keeps_appointments(
    schedule: ScheduleService,
    doctor: Actor,
    manager: Actor,
    patients: list[PatientId],
    db: Database,
    tmp_path: Path,
) -> None:
    booked = schedule.book(
        manager, BookingRequest(patients[0], doctor.user_id, at(MONDAY, 16), "follow_up")
    ).appointment
    assert booked is not None
    schedule.set_status(manager, booked.id, AppointmentStatus.CONFIRMED)
    from alembic import command

    from dermai_desktop.storage.migrations import alembic_config

    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    with db.engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM appointments")).scalar()
    assert status == "booked"
    _upgrade(db.engine, "head")
    assert schema_diffs(db) == []

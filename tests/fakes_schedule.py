"""In-memory fake of the schedule repository (``services.schedule_ports.ScheduleRepository``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.patients import Patient
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    Holiday,
    Recall,
    RecallId,
    RecallStatus,
    Room,
    RoomId,
    SeriesId,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistStatus,
)
from dermai_desktop.services.schedule_dto import PatientLabel
from dermai_desktop.services.schedule_ports import HoursRow


class _Clock(Protocol):
    def now(self) -> datetime: ...


class _State(Protocol):
    patients: dict[PatientId, Patient]
    schedule: FakeScheduleState


@dataclass
class FakeScheduleState:
    appointments: dict[AppointmentId, Appointment] = field(default_factory=dict)
    removed: dict[AppointmentId, Appointment] = field(default_factory=dict)
    series: dict[SeriesId, AppointmentSeries] = field(default_factory=dict)
    waitlist: dict[WaitlistEntryId, WaitlistEntry] = field(default_factory=dict)
    recalls: dict[RecallId, Recall] = field(default_factory=dict)
    types: dict[str, AppointmentType] = field(default_factory=dict)
    rooms: dict[RoomId, Room] = field(default_factory=dict)
    hours: list[HoursRow] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)


def _stale() -> ValidationFailed:
    return ValidationFailed("stale version")


class FakeScheduleRepository:
    def __init__(self, state: _State, clock: _Clock) -> None:
        self._root = state
        self._clock = clock

    @property
    def _s(self) -> FakeScheduleState:
        return self._root.schedule

    # --- appointments ----------------------------------------------------------------

    def add_appointment(self, appointment: Appointment) -> Appointment:
        if appointment.id in self._s.appointments:
            raise AssertionError("primary key: appointment")
        if appointment.patient_id not in self._root.patients:
            raise AssertionError("foreign key: patient")
        now = self._clock.now()
        stored = replace(appointment, version=1, created_at=now, updated_at=now)
        self._s.appointments[stored.id] = stored
        return stored

    def get_appointment(self, appointment_id: AppointmentId) -> Appointment | None:
        return self._s.appointments.get(appointment_id)

    def update_appointment(self, appointment: Appointment) -> Appointment:
        current = self._s.appointments.get(appointment.id)
        if current is None or current.version != appointment.version:
            raise _stale()
        stored = replace(
            appointment,
            version=current.version + 1,
            created_at=current.created_at,
            updated_at=self._clock.now(),
        )
        self._s.appointments[stored.id] = stored
        return stored

    def remove_appointment(self, appointment_id: AppointmentId, expected_version: int) -> None:
        current = self._s.appointments.get(appointment_id)
        if current is None or current.version != expected_version:
            raise _stale()
        self._s.removed[appointment_id] = replace(current, version=current.version + 1)
        del self._s.appointments[appointment_id]

    def restore_appointment(self, appointment: Appointment) -> Appointment:
        gone = self._s.removed.pop(appointment.id, None)
        if gone is None:
            raise _stale()
        stored = replace(appointment, version=gone.version + 1, updated_at=self._clock.now())
        self._s.appointments[stored.id] = stored
        return stored

    def appointments_between(
        self,
        start: datetime,
        end: datetime,
        *,
        provider_ids: Sequence[UserId] | None = None,
        patient_id: PatientId | None = None,
        room_id: str | None = None,
    ) -> list[Appointment]:
        found = [
            a
            for a in self._s.appointments.values()
            if a.start < end
            and start < a.end
            and (provider_ids is None or a.provider_id in provider_ids)
            and (patient_id is None or a.patient_id == patient_id)
            and (room_id is None or a.room_id == room_id)
        ]
        return sorted(found, key=lambda a: (a.start, a.id))

    def appointments_for_patient(self, patient_id: PatientId) -> list[Appointment]:
        found = [a for a in self._s.appointments.values() if a.patient_id == patient_id]
        return sorted(found, key=lambda a: (a.start, a.id))

    def appointments_in_series(self, series_id: SeriesId) -> list[Appointment]:
        found = [a for a in self._s.appointments.values() if a.series_id == series_id]
        return sorted(found, key=lambda a: (a.start, a.id))

    def no_show_counts(self, patient_ids: Iterable[PatientId]) -> dict[PatientId, int]:
        wanted = set(patient_ids)
        counts: dict[PatientId, int] = {}
        for a in self._s.appointments.values():
            if a.patient_id in wanted and a.status is AppointmentStatus.NO_SHOW:
                counts[a.patient_id] = counts.get(a.patient_id, 0) + 1
        return counts

    def patient_labels(self, patient_ids: Iterable[PatientId]) -> dict[PatientId, PatientLabel]:
        labels = {}
        for pid in patient_ids:
            p = self._root.patients.get(pid)
            if p is not None:
                labels[pid] = PatientLabel(pid, f"{p.family_name}, {p.given_name}", p.mrn)
        return labels

    # --- series ------------------------------------------------------------------------

    def add_series(self, series: AppointmentSeries) -> AppointmentSeries:
        stored = replace(series, version=1, created_at=self._clock.now())
        self._s.series[stored.id] = stored
        return stored

    def get_series(self, series_id: SeriesId) -> AppointmentSeries | None:
        return self._s.series.get(series_id)

    def update_series(self, series: AppointmentSeries) -> AppointmentSeries:
        current = self._s.series.get(series.id)
        if current is None or current.version != series.version:
            raise _stale()
        stored = replace(series, version=current.version + 1, created_at=current.created_at)
        self._s.series[stored.id] = stored
        return stored

    # --- waitlist and recalls ------------------------------------------------------------

    def add_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        stored = replace(entry, version=1)
        self._s.waitlist[stored.id] = stored
        return stored

    def get_waitlist(self, entry_id: WaitlistEntryId) -> WaitlistEntry | None:
        return self._s.waitlist.get(entry_id)

    def update_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        current = self._s.waitlist.get(entry.id)
        if current is None or current.version != entry.version:
            raise _stale()
        stored = replace(entry, version=current.version + 1)
        self._s.waitlist[stored.id] = stored
        return stored

    def waitlist(self, statuses: Sequence[WaitlistStatus]) -> list[WaitlistEntry]:
        return sorted(
            (e for e in self._s.waitlist.values() if e.status in statuses),
            key=lambda e: (e.requested_at, e.id),
        )

    def add_recall(self, recall: Recall) -> Recall:
        stored = replace(recall, version=1, created_at=recall.created_at or self._clock.now())
        self._s.recalls[stored.id] = stored
        return stored

    def get_recall(self, recall_id: RecallId) -> Recall | None:
        return self._s.recalls.get(recall_id)

    def update_recall(self, recall: Recall) -> Recall:
        current = self._s.recalls.get(recall.id)
        if current is None or current.version != recall.version:
            raise _stale()
        stored = replace(recall, version=current.version + 1)
        self._s.recalls[stored.id] = stored
        return stored

    def recalls(self, statuses: Sequence[RecallStatus]) -> list[Recall]:
        return sorted(
            (r for r in self._s.recalls.values() if r.status in statuses),
            key=lambda r: (r.due, r.id),
        )

    def recall_for_appointment(self, appointment_id: AppointmentId) -> Recall | None:
        return next(
            (r for r in self._s.recalls.values() if r.appointment_id == appointment_id), None
        )

    # --- configuration -------------------------------------------------------------------

    def appointment_types(self) -> list[AppointmentType]:
        return list(self._s.types.values())

    def put_appointment_type(self, kind: AppointmentType) -> None:
        self._s.types[kind.code] = kind

    def rooms(self) -> list[Room]:
        return list(self._s.rooms.values())

    def put_room(self, room: Room) -> None:
        self._s.rooms[room.id] = room

    def hours(self) -> list[HoursRow]:
        return list(self._s.hours)

    def replace_hours(self, provider_id: UserId | None, rows: Sequence[HoursRow]) -> None:
        self._s.hours = [h for h in self._s.hours if h.provider_id != provider_id] + list(rows)

    def holidays(self) -> list[Holiday]:
        return list(self._s.holidays)

    def add_holiday(self, holiday: Holiday) -> None:
        self._s.holidays.append(holiday)

    def remove_holiday(self, day: date, provider_id: UserId | None) -> bool:
        before = len(self._s.holidays)
        self._s.holidays = [
            h for h in self._s.holidays if not (h.day == day and h.provider_id == provider_id)
        ]
        return len(self._s.holidays) < before


__all__ = ["FakeScheduleRepository", "FakeScheduleState"]

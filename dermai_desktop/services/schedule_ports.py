"""Ports the schedule services need: the schedule repository and the calendar writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentSeries,
    AppointmentType,
    Holiday,
    Recall,
    RecallId,
    RecallStatus,
    Room,
    SeriesId,
    TimeSpan,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistStatus,
)
from dermai_desktop.services.schedule_dto import PatientLabel


@dataclass(frozen=True, slots=True)
class HoursRow:
    """One stored span: the clinic's (``provider_id`` None) or a provider's, open or break."""

    provider_id: UserId | None
    weekday: int  # Monday = 0
    kind: str  # "open" | "break"
    span: TimeSpan


class ScheduleRepository(Protocol):
    """Appointments, series, waitlist, recalls and schedule configuration.

    ``update_*`` take the object as the caller wants it stored, carrying the
    version it read; a different stored version raises ``ValidationFailed``
    (someone else changed it). Returned objects carry the new version.
    """

    # appointments
    def add_appointment(self, appointment: Appointment) -> Appointment: ...
    def get_appointment(self, appointment_id: AppointmentId) -> Appointment | None: ...
    def update_appointment(self, appointment: Appointment) -> Appointment: ...
    def remove_appointment(self, appointment_id: AppointmentId, expected_version: int) -> None:
        """Tombstone a row (only used to undo a booking)."""
        ...

    def restore_appointment(self, appointment: Appointment) -> Appointment:
        """Bring a tombstoned row back with these values (redo of a booking)."""
        ...

    def appointments_between(
        self,
        start: datetime,
        end: datetime,
        *,
        provider_ids: Sequence[UserId] | None = None,
        patient_id: PatientId | None = None,
        room_id: str | None = None,
    ) -> list[Appointment]:
        """Live rows overlapping [start, end), any status, ordered by start."""
        ...

    def appointments_for_patient(self, patient_id: PatientId) -> list[Appointment]: ...
    def appointments_in_series(self, series_id: SeriesId) -> list[Appointment]: ...
    def no_show_counts(self, patient_ids: Iterable[PatientId]) -> dict[PatientId, int]: ...
    def patient_labels(self, patient_ids: Iterable[PatientId]) -> dict[PatientId, PatientLabel]: ...

    # series
    def add_series(self, series: AppointmentSeries) -> AppointmentSeries: ...
    def get_series(self, series_id: SeriesId) -> AppointmentSeries | None: ...
    def update_series(self, series: AppointmentSeries) -> AppointmentSeries: ...

    # waitlist
    def add_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry: ...
    def get_waitlist(self, entry_id: WaitlistEntryId) -> WaitlistEntry | None: ...
    def update_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry: ...
    def waitlist(self, statuses: Sequence[WaitlistStatus]) -> list[WaitlistEntry]: ...

    # recalls
    def add_recall(self, recall: Recall) -> Recall: ...
    def get_recall(self, recall_id: RecallId) -> Recall | None: ...
    def update_recall(self, recall: Recall) -> Recall: ...
    def recalls(self, statuses: Sequence[RecallStatus]) -> list[Recall]: ...
    def recall_for_appointment(self, appointment_id: AppointmentId) -> Recall | None: ...

    # configuration (stored overrides of the built-in defaults)
    def appointment_types(self) -> list[AppointmentType]: ...
    def put_appointment_type(self, kind: AppointmentType) -> None: ...
    def rooms(self) -> list[Room]: ...
    def put_room(self, room: Room) -> None: ...
    def hours(self) -> list[HoursRow]: ...
    def replace_hours(self, provider_id: UserId | None, rows: Sequence[HoursRow]) -> None:
        """Replace every stored span of the clinic (None) or of one provider."""
        ...

    def holidays(self) -> list[Holiday]: ...
    def add_holiday(self, holiday: Holiday) -> None: ...
    def remove_holiday(self, day: date, provider_id: UserId | None) -> bool: ...


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT, already PHI-filtered by the service."""

    uid: str
    start: datetime  # UTC
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    status: str = "CONFIRMED"  # iCalendar STATUS: TENTATIVE | CONFIRMED | CANCELLED
    sequence: int = 0
    last_modified: datetime | None = None
    categories: tuple[str, ...] = ()


class CalendarWriter(Protocol):
    """Turns events into an iCalendar (RFC 5545) document."""

    def write(self, name: str, timezone: str, events: Sequence[CalendarEvent]) -> bytes: ...


__all__ = ["CalendarEvent", "CalendarWriter", "HoursRow", "ScheduleRepository"]

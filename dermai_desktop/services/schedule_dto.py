"""Frozen data the schedule services hand to the UI: listings, views, changes for undo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    Conflict,
    Provider,
    Recall,
    RoomId,
    ScheduleConfig,
    WaitlistEntry,
)


@dataclass(frozen=True, slots=True)
class PatientLabel:
    """How the schedule names a patient: display name and MRN (demographics, no clinical data)."""

    patient_id: PatientId
    name: str  # "Lovelace, Ada"
    mrn: str


@dataclass(frozen=True, slots=True)
class AppointmentListing:
    appointment: Appointment
    patient: PatientLabel


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """One or more local days of the schedule: [start, end) as local dates."""

    start: date
    end: date
    timezone: str
    providers: tuple[Provider, ...]
    appointments: tuple[AppointmentListing, ...]
    config: ScheduleConfig


@dataclass(frozen=True, slots=True)
class FreeSlot:
    provider_id: UserId
    provider_name: str
    start: datetime  # UTC
    end: datetime
    room_id: RoomId | None = None


@dataclass(frozen=True, slots=True)
class WaitlistListing:
    entry: WaitlistEntry
    patient: PatientLabel


@dataclass(frozen=True, slots=True)
class WaitlistOffer:
    """A waitlisted patient to offer a slot that has just become free."""

    entry: WaitlistEntry
    patient: PatientLabel
    slot: FreeSlot


@dataclass(frozen=True, slots=True)
class RecallListing:
    recall: Recall
    patient: PatientLabel
    overdue: bool
    days_overdue: int


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of today's check-in board."""

    listing: AppointmentListing
    provider_name: str
    #: When the patient started waiting (arrival); None until they arrive.
    waiting_since: datetime | None
    #: Minutes waited so far (still waiting) or in total (taken to a room).
    waiting_minutes: int | None
    #: Booked/confirmed and the start time has passed without arrival.
    late: bool
    no_show_count: int


@dataclass(frozen=True, slots=True)
class PatientVisits:
    """Last and next visit for the chart summary."""

    last: Appointment | None
    next: Appointment | None
    upcoming: tuple[Appointment, ...]
    no_show_count: int


# --- what a mutation changed (for undo/redo and targeted refresh) -----------------------


@dataclass(frozen=True, slots=True)
class AppointmentChange:
    before: Appointment | None  # None: created by this change
    after: Appointment | None  # None: removed (undo of a booking)


@dataclass(frozen=True, slots=True)
class SeriesChange:
    before: AppointmentSeries | None
    after: AppointmentSeries | None


@dataclass(frozen=True, slots=True)
class WaitlistChange:
    before: WaitlistEntry | None
    after: WaitlistEntry | None


@dataclass(frozen=True, slots=True)
class RecallChange:
    before: Recall | None
    after: Recall | None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """Everything one mutation changed. ``ScheduleService.revert(actor, change)`` undoes it.

    ``offers`` lists waitlisted patients who fit a slot this change freed
    (cancel, move, no-show), best first. ``skipped`` lists series dates left out
    because they conflicted (only when the caller asked to skip conflicts).
    """

    kind: str
    appointments: tuple[AppointmentChange, ...] = ()
    series: tuple[SeriesChange, ...] = ()
    waitlist: tuple[WaitlistChange, ...] = ()
    recalls: tuple[RecallChange, ...] = ()
    offers: tuple[WaitlistOffer, ...] = ()
    skipped: tuple[Conflict, ...] = ()

    @property
    def appointment(self) -> Appointment | None:
        """The (first) appointment as it is after the change, for single-row operations."""
        for change in self.appointments:
            if change.after is not None:
                return change.after
        return None

    @property
    def touched_days(self) -> frozenset[date]:
        """UTC dates any changed appointment covered before or after (for refresh)."""
        days: set[date] = set()
        for change in self.appointments:
            for state in (change.before, change.after):
                if state is not None:
                    days.add(state.start.date())
                    days.add(state.end.date())
        return frozenset(days)


__all__ = [
    "AppointmentChange",
    "AppointmentListing",
    "BoardRow",
    "FreeSlot",
    "PatientLabel",
    "PatientVisits",
    "RecallChange",
    "RecallListing",
    "ScheduleChange",
    "ScheduleView",
    "SeriesChange",
    "WaitlistChange",
    "WaitlistListing",
    "WaitlistOffer",
]

"""Schedule identifiers, conflicts, input checks, waitlist entries and recalls (stdlib only).

Everything here is re-exported by ``domain.scheduling`` (import from there);
it lives apart so neither module grows past a comfortable read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import NewType

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId

AppointmentId = NewType("AppointmentId", str)
SeriesId = NewType("SeriesId", str)
RoomId = NewType("RoomId", str)
WaitlistEntryId = NewType("WaitlistEntryId", str)
RecallId = NewType("RecallId", str)

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 8 * 60
MAX_REASON = 500


class ConflictKind(StrEnum):
    HOLIDAY = "holiday"
    CLINIC_CLOSED = "clinic_closed"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    ON_BREAK = "on_break"
    PROVIDER_BUSY = "provider_busy"
    ROOM_BUSY = "room_busy"
    PATIENT_BUSY = "patient_busy"


@dataclass(frozen=True, slots=True)
class Conflict:
    kind: ConflictKind
    message: str  # plain, PHI-free: names staff and rooms, never patients
    appointment_id: AppointmentId | None = None
    start: datetime | None = None  # the slot that conflicts (for a series: which date)


class ScheduleConflict(ValidationFailed):
    """A booking or change refused because the time is not free; lists every reason."""

    title = "That time is not available"

    def __init__(self, conflicts: Sequence[Conflict], next_step: str | None = None) -> None:
        self.conflicts = tuple(conflicts)
        shown = [c.message for c in self.conflicts[:3]]
        more = len(self.conflicts) - len(shown)
        text = " ".join(shown) + (f" (and {more} more)" if more > 0 else "")
        super().__init__(text, next_step or "Choose another time, or use Find free slot.")


@dataclass(frozen=True, slots=True)
class Slot:
    """A proposed time for one patient with one provider (and maybe a room)."""

    provider_id: UserId
    start: datetime
    end: datetime
    patient_id: PatientId | None = None
    room_id: RoomId | None = None


def check_duration(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("Appointment times must carry a time zone.")
    minutes = (end - start).total_seconds() / 60
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationFailed(
            f"An appointment lasts {MIN_DURATION_MINUTES} minutes to "
            f"{MAX_DURATION_MINUTES // 60} hours.",
            "Choose another duration.",
        )


def check_reason(reason: str, *, required: bool = False, what: str = "reason") -> str:
    """Trim and bound a free-text reason; control characters are refused."""
    text = " ".join(reason.split())
    if required and not text:
        raise ValidationFailed(f"Please give a {what}.", "A few words are enough.")
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"The {what} can have at most {MAX_REASON} characters.")
    return text


class WaitlistPriority(IntEnum):
    URGENT = 1
    SOON = 2
    ROUTINE = 3

    @property
    def label(self) -> str:
        return ("Urgent", "Soon", "Routine")[self.value - 1]


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    BOOKED = "booked"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """A patient who wants an earlier slot of a type and/or with a provider."""

    id: WaitlistEntryId
    patient_id: PatientId
    requested_at: datetime
    priority: WaitlistPriority = WaitlistPriority.ROUTINE
    type_code: str | None = None  # None: any type
    provider_id: UserId | None = None  # None: any provider
    earliest: date | None = None
    latest: date | None = None
    note: str = ""
    status: WaitlistStatus = WaitlistStatus.WAITING
    appointment_id: AppointmentId | None = None
    version: int = 1

    def fits(
        self, provider_id: UserId, day: date, length: timedelta, needed: timedelta | None
    ) -> bool:
        """Whether a freed slot suits this request.

        ``day`` is the slot's local date, ``length`` how long it is free and
        ``needed`` how long this request's appointment type takes (None: any).
        """
        if self.status is not WaitlistStatus.WAITING:
            return False
        if self.provider_id is not None and self.provider_id != provider_id:
            return False
        if (self.earliest and day < self.earliest) or (self.latest and day > self.latest):
            return False
        return needed is None or length >= needed


class RecallStatus(StrEnum):
    OPEN = "open"
    BOOKED = "booked"
    DONE = "done"
    CANCELLED = "cancelled"


class RecallSource(StrEnum):
    VISIT = "visit"
    LESION = "lesion"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Recall:
    """A follow-up that is due ("full skin check in 6 months"), from a visit or a lesion."""

    id: RecallId
    patient_id: PatientId
    due: date
    reason: str
    type_code: str
    provider_id: UserId | None = None
    source: RecallSource = RecallSource.MANUAL
    source_id: str | None = None
    status: RecallStatus = RecallStatus.OPEN
    appointment_id: AppointmentId | None = None
    created_at: datetime | None = None
    version: int = 1

    def is_overdue(self, today: date) -> bool:
        return self.status is RecallStatus.OPEN and self.due < today

    def days_overdue(self, today: date) -> int:
        return max((today - self.due).days, 0) if self.is_overdue(today) else 0


__all__ = [
    "MAX_DURATION_MINUTES",
    "MAX_REASON",
    "MIN_DURATION_MINUTES",
    "AppointmentId",
    "Conflict",
    "ConflictKind",
    "Recall",
    "RecallId",
    "RecallSource",
    "RecallStatus",
    "RoomId",
    "ScheduleConflict",
    "SeriesId",
    "Slot",
    "WaitlistEntry",
    "WaitlistEntryId",
    "WaitlistPriority",
    "WaitlistStatus",
    "check_duration",
    "check_reason",
]

"""Scheduling rules: appointment types, the status flow, hours, holidays, conflicts, free slots.

Plain data and pure functions (stdlib only). Times are timezone-aware UTC
everywhere; opening hours, breaks and holidays are wall-clock rules of the
clinic's own time zone, so every check converts to local time first (a 09:00
start stays 09:00 across a daylight-saving change).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling_types import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    AppointmentId,
    Conflict,
    ConflictKind,
    Recall,
    RecallId,
    RecallSource,
    RecallStatus,
    RoomId,
    ScheduleConflict,
    SeriesId,
    Slot,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistPriority,
    WaitlistStatus,
    check_duration,
    check_reason,
)

WEEKDAY_NAMES = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)


# --- status flow -----------------------------------------------------------------------


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    IN_ROOM = "in_room"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def blocks_time(self) -> bool:
        """Whether an appointment in this status occupies its provider, room and patient."""
        return self not in FREEING_STATUSES


_STATUS_LABELS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.CONFIRMED: "Confirmed",
    AppointmentStatus.ARRIVED: "Arrived",
    AppointmentStatus.IN_ROOM: "In room",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.CANCELLED: "Cancelled",
}

S = AppointmentStatus
#: status -> statuses it may move to. A patient may walk in unconfirmed
#: (booked -> arrived) and may leave before being seen (arrived -> cancelled).
TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.BOOKED: frozenset({S.CONFIRMED, S.ARRIVED, S.NO_SHOW, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.BOOKED, S.ARRIVED, S.NO_SHOW, S.CANCELLED}),
    S.ARRIVED: frozenset({S.IN_ROOM, S.COMPLETED, S.CANCELLED}),
    S.IN_ROOM: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATUSES = frozenset({S.COMPLETED, S.NO_SHOW, S.CANCELLED})
#: Statuses whose time is free again for someone else (a waitlisted patient).
FREEING_STATUSES = frozenset({S.NO_SHOW, S.CANCELLED})


class InvalidTransition(ValidationFailed):
    title = "Status cannot change"

    def __init__(self, old: AppointmentStatus, new: AppointmentStatus) -> None:
        self.old, self.new = old, new
        super().__init__(
            f"A {old.label.lower()} appointment cannot be marked {new.label.lower()}.",
            "Refresh the schedule; someone may have changed it already.",
        )


def check_transition(old: AppointmentStatus, new: AppointmentStatus) -> None:
    """Raise ``InvalidTransition`` unless the flow allows ``old`` -> ``new``."""
    if new not in TRANSITIONS[old]:
        raise InvalidTransition(old, new)


# --- configuration: types, rooms, hours, holidays --------------------------------------


@dataclass(frozen=True, slots=True)
class AppointmentType:
    code: str
    label: str
    duration_minutes: int
    colour: str  # "#RRGGBB"
    active: bool = True

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


DEFAULT_APPOINTMENT_TYPES: tuple[AppointmentType, ...] = (
    AppointmentType("new_patient", "New patient", 30, "#2E7D9A"),
    AppointmentType("follow_up", "Follow-up", 15, "#3F8F4A"),
    AppointmentType("full_skin_check", "Full skin check", 30, "#7A5BA8"),
    AppointmentType("procedure", "Procedure", 45, "#C0483C"),
    AppointmentType("cosmetic", "Cosmetic", 30, "#C98A1B"),
)


def check_appointment_type(kind: AppointmentType) -> None:
    """Raise ``ValidationFailed`` if a manager's edited type cannot be used."""
    if not kind.code or len(kind.code) > 32 or not kind.code.replace("_", "").isalnum():
        raise ValidationFailed("A type code is 1 to 32 letters, digits or underscores.")
    if not kind.label.strip() or len(kind.label) > 80:
        raise ValidationFailed("A type needs a name of at most 80 characters.")
    if not MIN_DURATION_MINUTES <= kind.duration_minutes <= MAX_DURATION_MINUTES:
        raise ValidationFailed(
            f"A default duration is {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes."
        )
    colour = kind.colour
    if (
        len(colour) != 7
        or colour[0] != "#"
        or any(c not in "0123456789abcdefABCDEF" for c in colour[1:])
    ):
        raise ValidationFailed("A type colour is written like #2E7D9A.")


@dataclass(frozen=True, slots=True)
class Room:
    id: RoomId
    name: str
    active: bool = True


DEFAULT_ROOMS: tuple[Room, ...] = (
    Room(RoomId("room-1"), "Room 1"),
    Room(RoomId("room-2"), "Room 2"),
    Room(RoomId("procedure-room"), "Procedure room"),
)


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A wall-clock span inside one local day, ``start`` < ``end``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValidationFailed("A span of hours must end after it starts.")

    def text(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Spans per weekday, Monday first (``days[0]``); an empty day is closed."""

    days: tuple[tuple[TimeSpan, ...], ...] = ((),) * 7

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValidationFailed("Weekly hours need an entry for each of the 7 days.")
        for spans in self.days:
            ordered = sorted(spans, key=lambda s: s.start)
            if any(a.end > b.start for a, b in itertools.pairwise(ordered)):
                raise ValidationFailed("Spans of hours on one day must not overlap.")

    def on(self, weekday: int) -> tuple[TimeSpan, ...]:
        return tuple(sorted(self.days[weekday], key=lambda s: s.start))

    @property
    def is_empty(self) -> bool:
        return not any(self.days)

    @classmethod
    def weekdays(cls, start: time, end: time) -> WeeklyHours:
        span = (TimeSpan(start, end),)
        return cls((span,) * 5 + ((),) * 2)


DEFAULT_CLINIC_HOURS = WeeklyHours.weekdays(time(8, 0), time(18, 0))


@dataclass(frozen=True, slots=True)
class ProviderHours:
    provider_id: UserId
    working: WeeklyHours
    breaks: WeeklyHours = field(default_factory=WeeklyHours)


@dataclass(frozen=True, slots=True)
class Holiday:
    """A day the clinic is closed, or (with ``provider_id``) one provider is away."""

    day: date
    name: str
    provider_id: UserId | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    id: UserId
    full_name: str

    @property
    def display_name(self) -> str:
        """ "Dr Okafor": how the front desk names a dermatologist aloud."""
        parts = self.full_name.split()
        return f"Dr {parts[-1]}" if parts else "the clinician"


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """Everything the rules need, read once per unit of work."""

    timezone: str
    types: tuple[AppointmentType, ...] = DEFAULT_APPOINTMENT_TYPES
    rooms: tuple[Room, ...] = DEFAULT_ROOMS
    clinic_hours: WeeklyHours = DEFAULT_CLINIC_HOURS
    provider_hours: tuple[ProviderHours, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    slot_minutes: int = 15

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def type(self, code: str) -> AppointmentType:
        for kind in self.types:
            if kind.code == code:
                return kind
        raise ValidationFailed(
            "That appointment type does not exist.", "Choose a type from the list."
        )

    def room(self, room_id: RoomId) -> Room:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise ValidationFailed("That room does not exist.", "Choose a room from the list.")

    def hours_for(self, provider_id: UserId) -> ProviderHours:
        """The provider's own hours, or the clinic's opening hours if none were set."""
        for hours in self.provider_hours:
            if hours.provider_id == provider_id:
                return hours
        return ProviderHours(provider_id, self.clinic_hours)

    def holiday_on(self, day: date, provider_id: UserId | None = None) -> Holiday | None:
        """The clinic holiday on ``day``, else ``provider_id``'s leave that day."""
        clinic = [h for h in self.holidays if h.day == day and h.provider_id is None]
        if clinic:
            return clinic[0]
        own = [h for h in self.holidays if h.day == day and h.provider_id == provider_id]
        return own[0] if provider_id is not None and own else None

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def at(self, day: date, wall: time) -> datetime:
        """The UTC instant of wall-clock ``wall`` on local ``day``."""
        return datetime.combine(day, wall, tzinfo=self.tz).astimezone(UTC)

    def bookable_spans(self, provider_id: UserId, day: date) -> list[tuple[datetime, datetime]]:
        """UTC spans on local ``day`` when ``provider_id`` can see patients (breaks removed)."""
        if self.holiday_on(day, provider_id) is not None:
            return []
        weekday = day.weekday()
        hours = self.hours_for(provider_id)
        spans: list[tuple[datetime, datetime]] = []
        for open_span in self.clinic_hours.on(weekday):
            for work in hours.working.on(weekday):
                start = max(open_span.start, work.start)
                end = min(open_span.end, work.end)
                if start < end:
                    spans.append((self.at(day, start), self.at(day, end)))
        for pause in hours.breaks.on(weekday):
            spans = _subtract(spans, (self.at(day, pause.start), self.at(day, pause.end)))
        return sorted(spans)


def _subtract(
    spans: list[tuple[datetime, datetime]], cut: tuple[datetime, datetime]
) -> list[tuple[datetime, datetime]]:
    result: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if cut[1] <= start or cut[0] >= end:
            result.append((start, end))
            continue
        if start < cut[0]:
            result.append((start, cut[0]))
        if cut[1] < end:
            result.append((cut[1], end))
    return result


# --- appointments and series -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Appointment:
    id: AppointmentId
    patient_id: PatientId
    provider_id: UserId
    start: datetime  # UTC
    end: datetime  # UTC
    type_code: str
    status: AppointmentStatus = AppointmentStatus.BOOKED
    room_id: RoomId | None = None
    reason: str = ""
    cancel_reason: str = ""
    series_id: SeriesId | None = None
    #: The series slot this row fills (iCalendar RECURRENCE-ID); kept when moved.
    occurrence_start: datetime | None = None
    #: Moved or changed on its own: later edits of the series leave it alone.
    is_exception: bool = False
    arrived_at: datetime | None = None
    roomed_at: datetime | None = None
    completed_at: datetime | None = None
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def blocks_time(self) -> bool:
        return self.status.blocks_time

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class AppointmentSeries:
    """A recurring booking: an RFC 5545 rule expanded into real appointment rows.

    Each occurrence is its own row (``series_id`` + ``occurrence_start``), so
    moving or cancelling one touches that row only; "this and following" ends
    this series (``rule`` gains an UNTIL) and starts a new one from there.
    """

    id: SeriesId
    patient_id: PatientId
    provider_id: UserId
    type_code: str
    rule: str  # e.g. "FREQ=WEEKLY;INTERVAL=8;COUNT=6" (no DTSTART)
    first_start: datetime  # UTC DTSTART
    duration_minutes: int
    timezone: str
    room_id: RoomId | None = None
    reason: str = ""
    parent_id: SeriesId | None = None  # the series this one was split from
    version: int = 1
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """What the booking dialog sends; ``duration_minutes`` None = the type's default."""

    patient_id: PatientId
    provider_id: UserId
    start: datetime
    type_code: str
    duration_minutes: int | None = None
    room_id: RoomId | None = None
    reason: str = ""


# --- conflicts -------------------------------------------------------------------------


def _clock(config: ScheduleConfig, moment: datetime) -> str:
    return f"{config.local(moment):%H:%M}"


def _span_text(config: ScheduleConfig, start: datetime, end: datetime) -> str:
    return f"{_clock(config, start)}–{_clock(config, end)}"


def _day_text(day: date) -> str:
    return f"{day.day} {day:%B}"


def _spans_text(spans: Iterable[TimeSpan]) -> str:
    return ", ".join(s.text() for s in spans)


def hours_conflicts(  # noqa: PLR0911 - one early return per rule reads best
    config: ScheduleConfig, slot: Slot, provider_name: str
) -> list[Conflict]:
    """Holidays, opening hours, working hours and breaks for ``slot`` (no other bookings)."""
    local_start = config.local(slot.start)
    day = local_start.date()
    when = _span_text(config, slot.start, slot.end)
    holiday = config.holiday_on(day, slot.provider_id)
    if holiday is not None:
        if holiday.provider_id is None:
            message = f"The clinic is closed on {_day_text(day)} ({holiday.name})."
        else:
            message = f"{provider_name} is away on {_day_text(day)} ({holiday.name})."
        return [Conflict(ConflictKind.HOLIDAY, message, start=slot.start)]
    weekday = day.weekday()
    opening = config.clinic_hours.on(weekday)
    ends_same_day = config.local(slot.end - timedelta(microseconds=1)).date() == day
    if not opening:
        text = f"The clinic is closed on {WEEKDAY_NAMES[weekday]}."
        return [Conflict(ConflictKind.CLINIC_CLOSED, text, start=slot.start)]

    def inside(spans: Iterable[TimeSpan]) -> bool:
        return ends_same_day and any(
            config.at(day, s.start) <= slot.start and slot.end <= config.at(day, s.end)
            for s in spans
        )

    if not inside(opening):
        text = f"{when} is outside the clinic's opening hours ({_spans_text(opening)})."
        return [Conflict(ConflictKind.CLINIC_CLOSED, text, start=slot.start)]
    hours = config.hours_for(slot.provider_id)
    working = hours.working.on(weekday)
    if not working:
        text = f"{provider_name} does not work on {WEEKDAY_NAMES[weekday]}."
        return [Conflict(ConflictKind.OUTSIDE_WORKING_HOURS, text, start=slot.start)]
    if not inside(working):
        text = f"{when} is outside {provider_name}'s working hours ({_spans_text(working)})."
        return [Conflict(ConflictKind.OUTSIDE_WORKING_HOURS, text, start=slot.start)]
    for pause in hours.breaks.on(weekday):
        if config.at(day, pause.start) < slot.end and slot.start < config.at(day, pause.end):
            text = f"{provider_name} has a break {pause.text()}."
            return [Conflict(ConflictKind.ON_BREAK, text, start=slot.start)]
    return []


def booking_conflicts(
    config: ScheduleConfig,
    slot: Slot,
    existing: Iterable[Appointment],
    provider_names: Mapping[UserId, str],
    *,
    ignore: frozenset[AppointmentId] = frozenset(),
) -> list[Conflict]:
    """Every reason ``slot`` cannot be booked against ``existing`` appointments.

    ``ignore`` holds the appointments being moved (they do not clash with
    themselves). Cancelled and no-show appointments never block.
    """
    name = provider_names.get(slot.provider_id, "The clinician")
    conflicts = hours_conflicts(config, slot, name)
    for other in sorted(existing, key=lambda a: (a.start, a.id)):
        if other.id in ignore or not other.blocks_time or not other.overlaps(slot.start, slot.end):
            continue
        when = _span_text(config, other.start, other.end)
        if other.provider_id == slot.provider_id:
            text = f"{name} already has an appointment {when}."
            conflicts.append(Conflict(ConflictKind.PROVIDER_BUSY, text, other.id, slot.start))
        if slot.room_id is not None and other.room_id == slot.room_id:
            room = next((r.name for r in config.rooms if r.id == slot.room_id), "The room")
            text = f"{room} is already booked {when}."
            conflicts.append(Conflict(ConflictKind.ROOM_BUSY, text, other.id, slot.start))
        if slot.patient_id is not None and other.patient_id == slot.patient_id:
            text = f"This patient already has an appointment {when}."
            conflicts.append(Conflict(ConflictKind.PATIENT_BUSY, text, other.id, slot.start))
    return conflicts


def free_slots(
    config: ScheduleConfig,
    provider_id: UserId,
    duration: timedelta,
    after: datetime,
    until: datetime,
    *,
    busy: Iterable[tuple[datetime, datetime]],
    step_minutes: int | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """Start/end pairs (UTC) of free ``duration`` slots for ``provider_id`` in [after, until).

    Starts fall on the clinic grid (``slot_minutes`` past the local hour);
    ``busy`` is every interval that blocks (the provider's, the room's, the
    patient's appointments). Lazy: the caller takes as many as it needs.
    """
    step = timedelta(minutes=step_minutes or config.slot_minutes)
    blocked = sorted(busy)
    day = config.local(after).date()
    last_day = config.local(until).date()
    while day <= last_day:
        for span_start, span_end in config.bookable_spans(provider_id, day):
            candidate = span_start
            floor = max(after, span_start)
            while candidate < floor:
                candidate += step
            while candidate + duration <= min(span_end, until):
                end = candidate + duration
                clash = next((b for b in blocked if b[0] < end and candidate < b[1]), None)
                if clash is None:
                    yield candidate, end
                    candidate += step
                    continue
                while candidate < clash[1]:
                    candidate += step
        day += timedelta(days=1)


# --- waitlist ranking ------------------------------------------------------------------


def rank_waitlist(
    entries: Iterable[WaitlistEntry],
    config: ScheduleConfig,
    provider_id: UserId,
    start: datetime,
    end: datetime,
) -> list[WaitlistEntry]:
    """Entries that fit the freed slot: most urgent first, then longest waiting."""
    day = config.local(start).date()
    known = {t.code: t.duration for t in config.types}
    fitting = [
        e
        for e in entries
        if (e.type_code is None or e.type_code in known)
        and e.fits(provider_id, day, end - start, known.get(e.type_code or ""))
    ]
    return sorted(fitting, key=lambda e: (e.priority, e.requested_at, e.id))


__all__ = [
    "DEFAULT_APPOINTMENT_TYPES",
    "DEFAULT_CLINIC_HOURS",
    "DEFAULT_ROOMS",
    "FINAL_STATUSES",
    "FREEING_STATUSES",
    "TRANSITIONS",
    "Appointment",
    "AppointmentId",
    "AppointmentSeries",
    "AppointmentStatus",
    "AppointmentType",
    "BookingRequest",
    "Conflict",
    "ConflictKind",
    "Holiday",
    "InvalidTransition",
    "Provider",
    "ProviderHours",
    "Recall",
    "RecallId",
    "RecallSource",
    "RecallStatus",
    "Room",
    "RoomId",
    "ScheduleConfig",
    "ScheduleConflict",
    "SeriesId",
    "Slot",
    "TimeSpan",
    "WaitlistEntry",
    "WaitlistEntryId",
    "WaitlistPriority",
    "WaitlistStatus",
    "WeeklyHours",
    "booking_conflicts",
    "check_appointment_type",
    "check_duration",
    "check_reason",
    "check_transition",
    "free_slots",
    "hours_conflicts",
    "rank_waitlist",
]

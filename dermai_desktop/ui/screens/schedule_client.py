"""What the schedule screens ask of the services, and the pure mapping from DTOs to the grid.

Every method of ``ScheduleClient`` runs on the db thread (through ``TaskRunner``); it is
the one place where the schedule screens call the schedule services, so a screen reads
as "load the week" or "move this block", not as service plumbing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentStatus,
    BookingRequest,
    Conflict,
    ScheduleConfig,
    SeriesId,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.registry import Services
from dermai_desktop.services.schedule import ScheduleService
from dermai_desktop.services.schedule_dto import (
    AppointmentListing,
    ScheduleChange,
)
from dermai_desktop.services.schedule_dto import (
    ScheduleView as ScheduleData,
)
from dermai_desktop.services.schedule_series import describe_rule, normalise_rule
from dermai_desktop.ui.widgets.schedule_geometry import BlockSpec, Column


class ScheduleUnavailable(ExpectedError):
    title = "Schedule unavailable"
    default_message = "The schedule is not available on this workstation yet."
    default_next_step = "Ask IT to update DermAI Desktop."


@dataclass(frozen=True, slots=True)
class PatientChoice:
    patient_id: str
    label: str  # "Ellison, Margaret · DA-000123 · 14 Jul 1961"


@dataclass(frozen=True, slots=True)
class SeriesPreview:
    """What the booking dialog shows under "Repeat": the rule in words and each date."""

    rule: str  # canonical RRULE body
    description: str  # "Every 2 weeks, 6 times"
    #: each occurrence's UTC start and what would stop it being booked (empty: free)
    dates: tuple[tuple[datetime, tuple[Conflict, ...]], ...] = ()

    @property
    def clashes(self) -> int:
        return sum(1 for _start, conflicts in self.dates if conflicts)


class ScheduleClient:
    """The schedule screens' view of the services (called off the GUI thread)."""

    def __init__(self, services: Services, actor: Actor) -> None:
        self._services = services
        self._actor = actor

    @property
    def schedule(self) -> ScheduleService:
        return self._services.schedule

    @property
    def available(self) -> bool:
        return getattr(self._services, "schedule", None) is not None

    # --- reading ------------------------------------------------------------------

    def load(self, start: date, end: date) -> ScheduleData:
        days = max((end - start).days, 1)
        return self.schedule.view(self._actor, start, days)

    def board(self, day: date | None = None) -> list[Any]:
        return list(self.schedule.check_in_board(self._actor, day))

    def waitlist(self) -> list[Any]:
        return list(self.schedule.waitlist(self._actor))

    def recalls(self) -> list[Any]:
        return list(self.schedule.recalls(self._actor))

    def free_slots(
        self, type_code: str, provider_id: str | None, after: datetime, limit: int = 10
    ) -> list[Any]:
        return list(
            self.schedule.find_free_slots(
                self._actor,
                type_code,
                provider_id=UserId(provider_id) if provider_id else None,
                after=after,
                limit=limit,
            )
        )

    def search_patients(self, text: str, limit: int = 20) -> list[PatientChoice]:
        results = self._services.patients.search(self._actor, text, limit=limit)
        return [PatientChoice(str(r.id), _patient_label(r)) for r in results]

    def patient_choice(self, patient_id: str) -> PatientChoice:
        patient = self._services.patients.get(self._actor, PatientId(patient_id))
        name = f"{patient.family_name}, {patient.given_name}"
        label = f"{name} · {patient.mrn} · {patient.date_of_birth:%d %b %Y}"
        return PatientChoice(str(patient.id), label)

    def preview_series(self, request: BookingRequest | None, rule: str) -> SeriesPreview:
        """The rule checked and in words, and (with a patient chosen) every date and clash."""
        normal = normalise_rule(rule)
        description = describe_rule(normal)
        if request is None:
            return SeriesPreview(normal, description)
        dates = self.schedule.preview_series(self._actor, request, normal)
        return SeriesPreview(
            normal, description, tuple((start, tuple(found)) for start, found in dates)
        )

    def series_labels(
        self, data: ScheduleData, known: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """Series id -> "Every 2 weeks, 6 times" for every series shown in ``data``.

        ``known`` answers already fetched are reused; a series the service cannot
        describe is labelled plainly rather than failing the whole load.
        """
        labels = dict(known or {})
        wanted = {
            str(listing.appointment.series_id)
            for listing in data.appointments
            if listing.appointment.series_id
        }
        for series_id in sorted(wanted - labels.keys()):
            try:
                found, _rows = self.schedule.series(self._actor, SeriesId(series_id))
                labels[series_id] = describe_rule(found.rule)
            except ExpectedError:
                labels[series_id] = "Repeating appointment"
        return {key: value for key, value in labels.items() if key in wanted}

    def export_ical(self, provider_id: str, start: date, end: date) -> bytes:
        exporter = self._services.schedule_export
        return bytes(exporter.export_ical(self._actor, UserId(provider_id), start, end))

    # --- changing (every call returns the ScheduleChange the undo stack keeps) ----------

    def book(self, request: BookingRequest) -> ScheduleChange:
        return self.schedule.book(self._actor, request)

    def book_series(
        self, request: BookingRequest, rule: str, *, skip_conflicts: bool = False
    ) -> ScheduleChange:
        return self.schedule.book_series(
            self._actor,
            request,
            rule,
            skip_conflicts=skip_conflicts,
        )

    def change_following(
        self, appointment: Appointment, provider_id: str, start: datetime
    ) -> ScheduleChange:
        """Move this occurrence and every later one by the same amount (earlier stay)."""
        return self.schedule.change_following(
            self._actor,
            appointment.id,
            start=start,
            provider_id=UserId(provider_id) if provider_id else None,
        )

    def cancel_following(self, appointment: Appointment, reason: str) -> ScheduleChange:
        """Cancel this occurrence and every later one; earlier ones stay."""
        return self.schedule.cancel_following(self._actor, appointment.id, reason)

    def move(self, appointment: Appointment, provider_id: str, start: datetime) -> ScheduleChange:
        return self.schedule.move(
            self._actor,
            appointment.id,
            start,
            provider_id=UserId(provider_id),
            expected_version=appointment.version,
        )

    def resize(self, appointment: Appointment, end: datetime) -> ScheduleChange:
        return self.schedule.resize(
            self._actor,
            appointment.id,
            end,
            expected_version=appointment.version,
        )

    def set_status(self, appointment: Appointment, status: AppointmentStatus) -> ScheduleChange:
        return self.schedule.set_status(
            self._actor,
            appointment.id,
            status,
            expected_version=appointment.version,
        )

    def cancel(self, appointment: Appointment, reason: str) -> ScheduleChange:
        return self.schedule.cancel(
            self._actor,
            appointment.id,
            reason,
            expected_version=appointment.version,
        )

    def revert(self, change: ScheduleChange) -> ScheduleChange:
        return self.schedule.revert(self._actor, change)

    def book_recall(self, recall: Any, slot: Any, type_code: str | None = None) -> ScheduleChange:
        request = BookingRequest(
            recall.patient_id,
            slot.provider_id,
            slot.start,
            type_code or recall.type_code,
            room_id=slot.room_id,
        )
        return self.schedule.book_recall(self._actor, recall.id, request)

    def book_waitlist(self, entry: Any, slot: Any, type_code: str) -> ScheduleChange:
        request = BookingRequest(
            entry.patient_id,
            slot.provider_id,
            slot.start,
            entry.type_code or type_code,
            room_id=slot.room_id,
        )
        return self.schedule.book_from_waitlist(self._actor, entry.id, request)


def _patient_label(summary: Any) -> str:
    name = getattr(summary, "display_name", None) or getattr(summary, "name", "")
    parts = [str(name)]
    mrn = getattr(summary, "mrn", "")
    if mrn:
        parts.append(str(mrn))
    dob = getattr(summary, "date_of_birth", None) or getattr(summary, "dob", None)
    if isinstance(dob, date):
        parts.append(dob.strftime("%d %b %Y"))
    return " · ".join(parts)


# --- pure mapping: service DTOs -> grid columns and blocks ---------------------------------


def local_minutes(config: ScheduleConfig, moment: datetime, day: date) -> int:
    """Minutes since local midnight of ``day`` (may exceed 1440 for a late end)."""
    local = config.local(moment)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def utc_at(config: ScheduleConfig, day: date, minute: int) -> datetime:
    wall = datetime.combine(day, time(0), tzinfo=config.tz) + timedelta(minutes=minute)
    # Re-anchor on the wall clock so a DST day still gives the minute the user clicked.
    wall = datetime.combine(day, time(minute // 60 % 24, minute % 60), tzinfo=config.tz)
    return wall.astimezone(UTC)


def visible_hours(config: ScheduleConfig, days: Sequence[date]) -> tuple[int, int]:
    """(first, last) minute to show: opening hours of the shown days with half an hour spare."""
    starts, ends = [], []
    for day in days:
        for span in config.clinic_hours.on(day.weekday()):
            starts.append(span.start.hour * 60 + span.start.minute)
            ends.append(span.end.hour * 60 + span.end.minute)
    if not starts:
        return 8 * 60, 18 * 60
    return max(min(starts) - 30, 0) // 30 * 30, min(-(-(max(ends) + 30) // 30) * 30, 24 * 60)


def open_days(config: ScheduleConfig, monday: date) -> list[date]:
    """The days of the week starting ``monday`` the clinic opens (all seven if none)."""
    days = [monday + timedelta(days=i) for i in range(7)]
    opened = [d for d in days if config.clinic_hours.on(d.weekday())]
    return opened or days


def columns_for(
    data: ScheduleData, days: Sequence[date], provider_ids: Sequence[str] | None = None
) -> list[Column]:
    config = data.config
    providers = [p for p in data.providers if provider_ids is None or p.id in provider_ids]
    columns: list[Column] = []
    for day in days:
        for provider in providers:
            spans = tuple(
                (local_minutes(config, s, day), local_minutes(config, e, day))
                for s, e in config.bookable_spans(provider.id, day)
            )
            columns.append(Column(day, provider.id, provider.full_name, spans))
    return columns


def block_for(
    listing: AppointmentListing,
    config: ScheduleConfig,
    series_labels: Mapping[str, str] | None = None,
) -> BlockSpec:
    appt = listing.appointment
    day = config.local(appt.start).date()
    try:
        kind = config.type(appt.type_code)
        type_label, colour = kind.label, kind.colour
    except ExpectedError:
        type_label, colour = appt.type_code, "#6b7c86"
    room = ""
    if appt.room_id:
        room = next((r.name for r in config.rooms if r.id == appt.room_id), "")
    detail = " · ".join(p for p in (type_label, room) if p)
    return BlockSpec(
        id=str(appt.id),
        provider_id=str(appt.provider_id),
        day=day,
        start_min=local_minutes(config, appt.start, day),
        end_min=local_minutes(config, appt.end, day),
        title=listing.patient.name or listing.patient.mrn,
        detail=detail,
        type_key=appt.type_code,
        color=colour,
        status=str(appt.status.value if hasattr(appt.status, "value") else appt.status),
        room_id=str(appt.room_id or ""),
        patient_id=str(appt.patient_id),
        series=(
            (series_labels or {}).get(str(appt.series_id), "Repeating appointment")
            if appt.series_id
            else ""
        ),
    )


def blocks_for(
    data: ScheduleData,
    room_id: str | None = None,
    series_labels: Mapping[str, str] | None = None,
) -> list[BlockSpec]:
    return [
        block_for(listing, data.config, series_labels)
        for listing in data.appointments
        if room_id is None or listing.appointment.room_id == room_id
    ]


def apply_change(data: ScheduleData, change: ScheduleChange) -> ScheduleData:
    """The view after ``change`` without asking the service again (targeted refresh)."""
    listings = {listing.appointment.id: listing for listing in data.appointments}
    for item in change.appointments:
        if item.after is None:
            if item.before is not None:
                listings.pop(item.before.id, None)
            continue
        known = listings.get(item.after.id)
        if known is not None:
            listings[item.after.id] = replace(known, appointment=item.after)
    ordered = sorted(listings.values(), key=lambda x: (x.appointment.start, x.appointment.id))
    return replace(data, appointments=tuple(ordered))


def change_summary(change: ScheduleChange, config: ScheduleConfig) -> str:
    """A short line for the status bar and the undo menu ("Moved to Tue 14:30")."""
    appt = change.appointment
    names = {
        "book": "Booked",
        "book_series": "Booked a series",
        "change_following": "Moved this and following",
        "cancel_following": "Cancelled this and following",
        "move": "Moved",
        "resize": "Changed length",
        "cancel": "Cancelled",
        "status": "Status changed",
        "revert": "Undone",
    }
    verb = names.get(change.kind, change.kind.replace("_", " ").capitalize())
    if appt is None:
        return verb
    local = config.local(appt.start)
    when = f"{local:%a %d %b} {local:%H:%M}"
    if change.kind == "book_series":
        n = sum(1 for item in change.appointments if item.after is not None)
        return f"{verb} of {n} visit{'s' if n != 1 else ''} from {when}"
    return f"{verb}: {when}"


def skipped_summary(change: ScheduleChange, config: ScheduleConfig) -> str:
    """ "Left out 2 dates that clash: Tue 3 Mar, Tue 17 Mar." (empty when none)."""
    days = sorted({c.start for c in change.skipped if c.start is not None})
    if not days:
        return ""
    shown = ", ".join(
        f"{config.local(d):%a} {config.local(d).day} {config.local(d):%b}" for d in days[:4]
    )
    more = f" and {len(days) - 4} more" if len(days) > 4 else ""
    n = len(days)
    return f"Left out {n} date{'s' if n != 1 else ''} that clash: {shown}{more}."

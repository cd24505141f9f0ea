"""Shared plumbing of the schedule services: configuration, conflict checks, offers, audit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId, new_uuid7
from dermai_desktop.domain.roles import Operation, Role
from dermai_desktop.domain.scheduling import (
    DEFAULT_APPOINTMENT_TYPES,
    DEFAULT_CLINIC_HOURS,
    DEFAULT_ROOMS,
    Appointment,
    AppointmentId,
    AppointmentSeries,
    BookingRequest,
    Conflict,
    Provider,
    ProviderHours,
    Recall,
    ScheduleConfig,
    ScheduleConflict,
    SeriesId,
    Slot,
    TimeSpan,
    WaitlistEntry,
    WaitlistStatus,
    WeeklyHours,
    booking_conflicts,
    check_duration,
    check_reason,
    rank_waitlist,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from dermai_desktop.services.schedule_dto import FreeSlot, PatientLabel, WaitlistOffer
from dermai_desktop.services.schedule_ports import HoursRow, ScheduleRepository
from dermai_desktop.services.settings import SettingsService

log = logging.getLogger(__name__)

TIMEZONE_SETTING = "clinic.timezone"
#: How many waitlisted patients a freed slot offers at most.
MAX_OFFERS = 5


class Unchanged(Enum):
    """Sentinel for "leave this field as it is" where None is a real value (no room)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


def repo(uow: UnitOfWork) -> ScheduleRepository:
    """The unit of work's schedule repository (the attribute every UoW carries)."""
    return uow.schedule


def week_of(hours: Iterable[HoursRow], kind: str) -> WeeklyHours:
    days: list[list[TimeSpan]] = [[] for _ in range(7)]
    for row in hours:
        if row.kind == kind:
            days[row.weekday].append(row.span)
    return WeeklyHours(tuple(tuple(d) for d in days))


def load_config(uow: UnitOfWork, timezone: str) -> ScheduleConfig:
    """Built-in defaults overlaid with what managers stored (same code / id wins)."""
    r = repo(uow)
    types = {t.code: t for t in DEFAULT_APPOINTMENT_TYPES}
    types.update({t.code: t for t in r.appointment_types()})
    rooms = {room.id: room for room in DEFAULT_ROOMS}
    rooms.update({room.id: room for room in r.rooms()})
    rows = r.hours()
    clinic_rows = [row for row in rows if row.provider_id is None]
    clinic_hours = week_of(clinic_rows, "open") if clinic_rows else DEFAULT_CLINIC_HOURS
    provider_ids = sorted({row.provider_id for row in rows if row.provider_id is not None})
    provider_hours = []
    for provider_id in provider_ids:
        own = [row for row in rows if row.provider_id == provider_id]
        # Only breaks stored: the provider works the clinic's opening hours.
        has_open = any(row.kind == "open" for row in own)
        working = week_of(own, "open") if has_open else clinic_hours
        provider_hours.append(ProviderHours(provider_id, working, week_of(own, "break")))
    return ScheduleConfig(
        timezone=timezone,
        types=tuple(types.values()),
        rooms=tuple(rooms.values()),
        clinic_hours=clinic_hours,
        provider_hours=tuple(provider_hours),
        holidays=tuple(sorted(r.holidays(), key=lambda h: (h.day, h.provider_id or ""))),
    )


class ScheduleBase:
    """State and helpers every part of ``ScheduleService`` uses."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, settings: SettingsService
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._settings = settings
        self._gate = Gatekeeper(uow_factory, clock)

    # --- reading helpers -------------------------------------------------------------

    def _config(self, uow: UnitOfWork) -> ScheduleConfig:
        return load_config(uow, self._settings.str_value(TIMEZONE_SETTING, uow=uow))

    @staticmethod
    def _providers(uow: UnitOfWork) -> tuple[Provider, ...]:
        users = [u for u in uow.users.list() if u.role is Role.DERMATOLOGIST and u.active]
        users.sort(key=lambda u: (u.full_name.split()[-1:] or [""], u.full_name, u.id))
        return tuple(Provider(u.id, u.full_name) for u in users)

    def _provider(self, uow: UnitOfWork, provider_id: UserId) -> Provider:
        for provider in self._providers(uow):
            if provider.id == provider_id:
                return provider
        raise ValidationFailed(
            "That clinician cannot be booked.", "Choose an active dermatologist from the list."
        )

    def _names(self, uow: UnitOfWork) -> dict[UserId, str]:
        return {p.id: p.display_name for p in self._providers(uow)}

    @staticmethod
    def _appointment(uow: UnitOfWork, appointment_id: AppointmentId) -> Appointment:
        found = repo(uow).get_appointment(appointment_id)
        if found is None:
            raise NotFound("That appointment does not exist any more.")
        return found

    @staticmethod
    def _check_version(appointment: Appointment, expected_version: int | None) -> None:
        if expected_version is not None and appointment.version != expected_version:
            raise ValidationFailed(
                "Someone else changed this appointment a moment ago.",
                "The schedule has been refreshed; check it and try again.",
            )

    @staticmethod
    def _labels(uow: UnitOfWork, patient_ids: Iterable[PatientId]) -> dict[PatientId, PatientLabel]:
        wanted = set(patient_ids)
        labels = repo(uow).patient_labels(wanted)
        for missing in wanted - labels.keys():
            labels[missing] = PatientLabel(missing, "Unknown patient", "")
        return labels

    def _require_patient(self, uow: UnitOfWork, patient_id: PatientId) -> None:
        if uow.patients.get(patient_id) is None:
            raise NotFound("That patient record does not exist.")

    def _today(self, config: ScheduleConfig) -> date:
        return config.local(self._clock.now()).date()

    # --- conflicts ---------------------------------------------------------------------

    def _conflicts(
        self,
        uow: UnitOfWork,
        config: ScheduleConfig,
        slot: Slot,
        *,
        ignore: Iterable[AppointmentId] = (),
        extra: Sequence[Appointment] = (),
    ) -> list[Conflict]:
        """Every reason ``slot`` cannot be used; ``extra`` are not-yet-stored bookings."""
        r = repo(uow)
        nearby: dict[AppointmentId, Appointment] = {}
        queries: list[dict[str, object]] = [{"provider_ids": [slot.provider_id]}]
        if slot.patient_id is not None:
            queries.append({"patient_id": slot.patient_id})
        if slot.room_id is not None:
            queries.append({"room_id": slot.room_id})
        for query in queries:
            for found in r.appointments_between(slot.start, slot.end, **query):  # type: ignore[arg-type]
                nearby[found.id] = found
        for pending in extra:
            nearby[pending.id] = pending
        return booking_conflicts(
            config, slot, nearby.values(), self._names(uow), ignore=frozenset(ignore)
        )

    def _ensure_free(
        self,
        uow: UnitOfWork,
        config: ScheduleConfig,
        slot: Slot,
        *,
        ignore: Iterable[AppointmentId] = (),
    ) -> None:
        conflicts = self._conflicts(uow, config, slot, ignore=ignore)
        if conflicts:
            raise ScheduleConflict(conflicts)

    @staticmethod
    def _slot_of(appointment: Appointment) -> Slot:
        return Slot(
            appointment.provider_id,
            appointment.start,
            appointment.end,
            appointment.patient_id,
            appointment.room_id,
        )

    # --- booking -----------------------------------------------------------------------

    def _draft(
        self,
        uow: UnitOfWork,
        config: ScheduleConfig,
        request: BookingRequest,
        *,
        series_id: SeriesId | None = None,
    ) -> Appointment:
        """A checked, not-yet-stored appointment for ``request`` (conflicts not checked)."""
        kind = config.type(request.type_code)
        if not kind.active:
            raise ValidationFailed(
                f"The appointment type {kind.label} is no longer offered.", "Choose another type."
            )
        self._provider(uow, request.provider_id)
        self._require_patient(uow, request.patient_id)
        start = aware_utc(request.start, "start time")
        length = request.duration_minutes or kind.duration_minutes
        end = start + minutes(length)
        check_duration(start, end)
        if request.room_id is not None and not config.room(request.room_id).active:
            raise ValidationFailed("That room is no longer in use.", "Choose another room.")
        if config.local(start).date() < self._today(config):
            raise ValidationFailed(
                "An appointment cannot be booked on a day that has passed.",
                "Choose today or a later day.",
            )
        return Appointment(
            id=AppointmentId(new_uuid7()),
            patient_id=request.patient_id,
            provider_id=request.provider_id,
            start=start,
            end=end,
            type_code=kind.code,
            room_id=request.room_id,
            reason=check_reason(request.reason),
            series_id=series_id,
            occurrence_start=start if series_id is not None else None,
        )

    def _book_in(
        self, uow: UnitOfWork, config: ScheduleConfig, request: BookingRequest
    ) -> Appointment:
        draft = self._draft(uow, config, request)
        self._ensure_free(uow, config, self._slot_of(draft))
        return repo(uow).add_appointment(draft)

    # --- waitlist offers ---------------------------------------------------------------

    def _offers(
        self, uow: UnitOfWork, config: ScheduleConfig, freed: Sequence[Appointment]
    ) -> tuple[WaitlistOffer, ...]:
        """Waitlisted patients who fit the slots ``freed`` (still free now), best first."""
        if not freed:
            return ()
        r = repo(uow)
        entries = r.waitlist([WaitlistStatus.WAITING])
        if not entries:
            return ()
        now = self._clock.now()
        names = self._names(uow)
        ranked: list[WaitlistOffer] = []
        seen: set[str] = set()
        for slot_appt in freed:
            if slot_appt.end <= now:
                continue  # a slot in the past cannot be offered to anyone
            start = max(slot_appt.start, now)
            slot = Slot(slot_appt.provider_id, start, slot_appt.end, None, slot_appt.room_id)
            busy = [
                c
                for c in self._conflicts(uow, config, slot, ignore=[slot_appt.id])
                if c.appointment_id is not None
            ]
            if busy:
                continue  # someone else already has that time
            free = FreeSlot(
                slot_appt.provider_id,
                names.get(slot_appt.provider_id, "the clinician"),
                start,
                slot_appt.end,
                slot_appt.room_id,
            )
            fitting = rank_waitlist(entries, config, slot_appt.provider_id, start, slot_appt.end)
            labels = self._labels(uow, [e.patient_id for e in fitting])
            for entry in fitting:
                if entry.id in seen or entry.patient_id == slot_appt.patient_id:
                    continue
                seen.add(entry.id)
                ranked.append(WaitlistOffer(entry, labels[entry.patient_id], free))
        ranked.sort(key=lambda o: (o.entry.priority, o.entry.requested_at, o.entry.id))
        return tuple(ranked[:MAX_OFFERS])

    # --- audit -------------------------------------------------------------------------

    def _audit_appointment(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        appointment: Appointment,
        detail: str,
    ) -> None:
        self._audit_row(uow, actor, action, "appointment", appointment, detail)

    # Every schedule row (appointment, series, waitlist entry, recall) is audited alike.
    def _audit_row(  # noqa: PLR0917 - mirrors the audit() fields in their order
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        entity_type: str,
        row: Appointment | AppointmentSeries | WaitlistEntry | Recall,
        detail: str,
    ) -> None:
        audit(
            uow,
            self._clock,
            actor,
            action,
            entity_type=entity_type,
            entity_id=row.id,
            patient_id=row.patient_id,
            detail=detail,
        )

    def _require(
        self,
        actor: Actor,
        operation: Operation,
        *,
        patient_id: str | None = None,
        entity_type: str = "appointment",
        entity_id: str | None = None,
    ) -> None:
        self._gate.require(
            actor, operation, patient_id=patient_id, entity_type=entity_type, entity_id=entity_id
        )


def aware_utc(moment: datetime, what: str = "time") -> datetime:
    """Refuse naive datetimes (always a bug or a mistyped value) and normalise to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(f"The {what} must include a time zone.")
    # Bookings are to the minute; a dragged block carries stray seconds.
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


__all__ = [
    "MAX_OFFERS",
    "TIMEZONE_SETTING",
    "UNCHANGED",
    "ScheduleBase",
    "Unchanged",
    "aware_utc",
    "load_config",
    "repo",
]

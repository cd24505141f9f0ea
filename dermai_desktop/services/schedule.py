"""The clinic schedule: book, move, resize, cancel, status flow, check-in board, free slots.

Every mutation returns a ``ScheduleChange`` (each row before and after) so the
UI can refresh what changed and undo with ``revert``. Conflicts are refused
with plain reasons (``ScheduleConflict``). Recurring series, the waitlist and
recalls, and manager configuration live in sibling modules mixed in here, so
the UI sees one ``ScheduleService``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentStatus,
    BookingRequest,
    Conflict,
    Provider,
    RecallStatus,
    RoomId,
    ScheduleConfig,
    ScheduleConflict,
    Slot,
    check_duration,
    check_reason,
    check_transition,
    free_slots,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import audit
from dermai_desktop.services.ports import UnitOfWork
from dermai_desktop.services.schedule_base import (
    UNCHANGED,
    ScheduleBase,
    Unchanged,
    aware_utc,
    minutes,
    repo,
)
from dermai_desktop.services.schedule_config import ScheduleConfigOps
from dermai_desktop.services.schedule_dto import (
    AppointmentChange,
    AppointmentListing,
    BoardRow,
    FreeSlot,
    PatientVisits,
    RecallChange,
    ScheduleChange,
    ScheduleView,
    WaitlistOffer,
)
from dermai_desktop.services.schedule_lists import ScheduleListOps
from dermai_desktop.services.schedule_revert import ScheduleRevertOps
from dermai_desktop.services.schedule_series import ScheduleSeriesOps

log = logging.getLogger(__name__)

MAX_VIEW_DAYS = 42
MAX_FREE_SLOT_RESULTS = 50


class ScheduleService(
    ScheduleSeriesOps, ScheduleListOps, ScheduleConfigOps, ScheduleRevertOps, ScheduleBase
):
    """Front desk, clinicians and managers work the schedule; managers configure it."""

    # --- reading ---------------------------------------------------------------------

    def config(self, actor: Actor) -> ScheduleConfig:
        """Types, rooms, hours, holidays and the clinic time zone."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="schedule_config")
        with self._uow_factory(actor) as uow:
            return self._config(uow)

    def providers(self, actor: Actor) -> tuple[Provider, ...]:
        """Active dermatologists, the columns of the day view."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="schedule")
        with self._uow_factory(actor) as uow:
            return self._providers(uow)

    def view(
        self,
        actor: Actor,
        start: date,
        days: int = 1,
        *,
        provider_ids: Sequence[UserId] | None = None,
        room_id: RoomId | None = None,
        include_cancelled: bool = True,
    ) -> ScheduleView:
        """Local days [start, start + days) with every appointment and its patient label."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="schedule")
        if not 1 <= days <= MAX_VIEW_DAYS:
            raise ValidationFailed(f"Show between 1 and {MAX_VIEW_DAYS} days at a time.")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            first = config.at(start, datetime.min.time())
            last = config.at(start + timedelta(days=days), datetime.min.time())
            found = repo(uow).appointments_between(
                first,
                last,
                provider_ids=list(provider_ids) if provider_ids else None,
                room_id=room_id,
            )
            if not include_cancelled:
                found = [a for a in found if a.status is not AppointmentStatus.CANCELLED]
            labels = self._labels(uow, {a.patient_id for a in found})
            providers = self._providers(uow)
            if provider_ids:
                providers = tuple(p for p in providers if p.id in set(provider_ids))
            # One event per view: the trail shows who looked at which days, not a row per
            # patient (a week view holds hundreds).
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="schedule",
                detail=f"from={start.isoformat()} days={days} appointments={len(found)}",
            )
            uow.commit()
        return ScheduleView(
            start=start,
            end=start + timedelta(days=days),
            timezone=config.timezone,
            providers=providers,
            appointments=tuple(AppointmentListing(a, labels[a.patient_id]) for a in found),
            config=config,
        )

    def get(self, actor: Actor, appointment_id: AppointmentId) -> AppointmentListing:
        self._require(actor, Operation.SCHEDULE_VIEW, entity_id=appointment_id)
        with self._uow_factory(actor) as uow:
            appointment = self._appointment(uow, appointment_id)
            label = self._labels(uow, [appointment.patient_id])[appointment.patient_id]
            self._audit_appointment(uow, actor, AuditAction.VIEW, appointment, "appointment")
            uow.commit()
        return AppointmentListing(appointment, label)

    def check_in_board(self, actor: Actor, day: date | None = None) -> tuple[BoardRow, ...]:
        """Today's (or ``day``'s) appointments with arrival status and waiting times."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="checkin_board")
        now = self._clock.now()
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            day = day or self._today(config)
            start = config.at(day, datetime.min.time())
            end = config.at(day + timedelta(days=1), datetime.min.time())
            found = [
                a
                for a in repo(uow).appointments_between(start, end)
                if a.status is not AppointmentStatus.CANCELLED
            ]
            labels = self._labels(uow, {a.patient_id for a in found})
            counts = repo(uow).no_show_counts({a.patient_id for a in found})
            names = self._names(uow)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="checkin_board",
                detail=f"day={day.isoformat()} appointments={len(found)}",
            )
            uow.commit()
        rows = []
        for a in found:
            waited_until = a.roomed_at or a.completed_at or now
            waiting = (
                int((waited_until - a.arrived_at).total_seconds() // 60)
                if a.arrived_at is not None
                else None
            )
            late = (
                a.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
                and a.start < now
            )
            rows.append(
                BoardRow(
                    listing=AppointmentListing(a, labels[a.patient_id]),
                    provider_name=names.get(a.provider_id, "Former clinician"),
                    waiting_since=a.arrived_at,
                    waiting_minutes=max(waiting, 0) if waiting is not None else None,
                    late=late,
                    no_show_count=counts.get(a.patient_id, 0),
                )
            )
        return tuple(rows)

    def no_show_count(self, actor: Actor, patient_id: PatientId) -> int:
        return self.no_show_counts(actor, [patient_id]).get(patient_id, 0)

    def no_show_counts(
        self, actor: Actor, patient_ids: Sequence[PatientId]
    ) -> dict[PatientId, int]:
        """Missed appointments per patient (patients with none are left out)."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="appointment")
        with self._uow_factory(actor) as uow:
            counts = repo(uow).no_show_counts(patient_ids)
        return {pid: n for pid, n in counts.items() if n}

    def visits_for_patient(self, actor: Actor, patient_id: PatientId) -> PatientVisits:
        """Last attended and next booked visit (chart summary, patient panel)."""
        self._require(
            actor, Operation.SCHEDULE_VIEW, patient_id=patient_id, entity_type="appointment"
        )
        now = self._clock.now()
        with self._uow_factory(actor) as uow:
            self._require_patient(uow, patient_id)
            mine = repo(uow).appointments_for_patient(patient_id)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="appointment",
                patient_id=patient_id,
                detail="visits",
            )
            uow.commit()
        past = [a for a in mine if a.status is AppointmentStatus.COMPLETED]
        upcoming = tuple(
            sorted(
                (a for a in mine if a.blocks_time and not a.status.is_final and a.end > now),
                key=lambda a: a.start,
            )
        )
        return PatientVisits(
            last=max(past, key=lambda a: a.start) if past else None,
            next=upcoming[0] if upcoming else None,
            upcoming=upcoming,
            no_show_count=sum(a.status is AppointmentStatus.NO_SHOW for a in mine),
        )

    def find_free_slots(
        self,
        actor: Actor,
        type_code: str,
        *,
        provider_id: UserId | None = None,
        after: datetime | None = None,
        duration_minutes: int | None = None,
        room_id: RoomId | None = None,
        patient_id: PatientId | None = None,
        limit: int = 10,
        within_days: int = 120,
    ) -> list[FreeSlot]:
        """The next free slots of ``type_code`` (any provider if None), earliest first."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="schedule")
        limit = max(1, min(limit, MAX_FREE_SLOT_RESULTS))
        now = self._clock.now()
        start = max(aware_utc(after, "search start") if after else now, now)
        until = start + timedelta(days=max(1, min(within_days, 366)))
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            kind = config.type(type_code)
            length = minutes(duration_minutes or kind.duration_minutes)
            check_duration(start, start + length)
            providers = self._providers(uow)
            if provider_id is not None:
                providers = (self._provider(uow, provider_id),)
            if room_id is not None:
                config.room(room_id)
            r = repo(uow)
            found: list[FreeSlot] = []
            for provider in providers:
                blocking = r.appointments_between(start, until, provider_ids=[provider.id])
                if room_id is not None:
                    blocking += r.appointments_between(start, until, room_id=room_id)
                if patient_id is not None:
                    blocking += r.appointments_between(start, until, patient_id=patient_id)
                busy = [(a.start, a.end) for a in blocking if a.blocks_time]
                for slot_start, slot_end in free_slots(
                    config, provider.id, length, start, until, busy=busy
                ):
                    found.append(
                        FreeSlot(provider.id, provider.display_name, slot_start, slot_end, room_id)
                    )
                    if sum(f.provider_id == provider.id for f in found) >= limit:
                        break
        found.sort(key=lambda f: (f.start, f.provider_name))
        return found[:limit]

    def next_free_slot(self, actor: Actor, type_code: str, **kwargs: object) -> FreeSlot | None:
        """ "Next free slot of type T with provider P after t"; None if none in the window."""
        slots = self.find_free_slots(actor, type_code, limit=1, **kwargs)  # type: ignore[arg-type]
        return slots[0] if slots else None

    def check_slot(
        self,
        actor: Actor,
        request: BookingRequest,
        *,
        moving: AppointmentId | None = None,
    ) -> list[Conflict]:
        """Conflicts ``request`` would meet, without booking (live feedback while dragging)."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="schedule")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            start = aware_utc(request.start, "start time")
            length = request.duration_minutes or config.type(request.type_code).duration_minutes
            slot = Slot(
                request.provider_id,
                start,
                start + minutes(length),
                request.patient_id,
                request.room_id,
            )
            return self._conflicts(uow, config, slot, ignore=[moving] if moving else [])

    # --- changing ----------------------------------------------------------------------

    def book(self, actor: Actor, request: BookingRequest) -> ScheduleChange:
        """Book one appointment; refuses conflicts with every reason."""
        self._require(actor, Operation.SCHEDULE_EDIT, patient_id=request.patient_id)
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            booked = self._book_in(uow, config, request)
            self._audit_appointment(
                uow, actor, AuditAction.CREATE, booked, f"book type={booked.type_code}"
            )
            uow.commit()
        log.info("appointment booked: appointment=%s by=%s", booked.id, actor.user_id)
        return ScheduleChange("book", (AppointmentChange(None, booked),))

    def move(
        self,
        actor: Actor,
        appointment_id: AppointmentId,
        start: datetime,
        *,
        provider_id: UserId | None = None,
        room_id: RoomId | Unchanged | None = UNCHANGED,
        expected_version: int | None = None,
    ) -> ScheduleChange:
        """Move to ``start`` (same duration), maybe to another provider or room."""
        self._require(actor, Operation.SCHEDULE_EDIT, entity_id=appointment_id)
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            before = self._appointment(uow, appointment_id)
            self._check_version(before, expected_version)
            self._refuse_final(before, "moved")
            new_start = aware_utc(start, "start time")
            if provider_id is not None and provider_id != before.provider_id:
                self._provider(uow, provider_id)
            room = before.room_id if isinstance(room_id, Unchanged) else room_id
            if room is not None and room != before.room_id:
                config.room(room)
            if config.local(new_start).date() < self._today(config):
                raise ValidationFailed(
                    "An appointment cannot be moved to a day that has passed.",
                    "Choose today or a later day.",
                )
            wanted = replace(
                before,
                start=new_start,
                end=new_start + before.duration,
                provider_id=provider_id or before.provider_id,
                room_id=room,
                is_exception=before.series_id is not None or before.is_exception,
            )
            change = self._retime(uow, actor, config, before, wanted, [before], "move")
            uow.commit()
        return change

    def resize(
        self,
        actor: Actor,
        appointment_id: AppointmentId,
        end: datetime,
        *,
        expected_version: int | None = None,
    ) -> ScheduleChange:
        """Change the end time (dragging the bottom edge)."""
        self._require(actor, Operation.SCHEDULE_EDIT, entity_id=appointment_id)
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            before = self._appointment(uow, appointment_id)
            self._check_version(before, expected_version)
            self._refuse_final(before, "changed")
            new_end = aware_utc(end, "end time")
            check_duration(before.start, new_end)
            wanted = replace(
                before,
                end=new_end,
                is_exception=before.series_id is not None or before.is_exception,
            )
            freed = [replace(before, start=new_end)] if new_end < before.end else []
            change = self._retime(uow, actor, config, before, wanted, freed, "resize")
            uow.commit()
        return change

    def cancel(
        self,
        actor: Actor,
        appointment_id: AppointmentId,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> ScheduleChange:
        """Cancel with a reason; returns waitlisted patients who fit the freed slot."""
        self._require(actor, Operation.SCHEDULE_EDIT, entity_id=appointment_id)
        text = check_reason(reason, required=True, what="reason for cancelling")
        with self._uow_factory(actor) as uow:
            before = self._appointment(uow, appointment_id)
            self._check_version(before, expected_version)
            check_transition(before.status, AppointmentStatus.CANCELLED)
            wanted = replace(
                before,
                status=AppointmentStatus.CANCELLED,
                cancel_reason=text,
                is_exception=before.series_id is not None or before.is_exception,
            )
            change = self._status_change(uow, actor, before, wanted, "cancel")
            uow.commit()
        return change

    def set_status(
        self,
        actor: Actor,
        appointment_id: AppointmentId,
        status: AppointmentStatus,
        *,
        expected_version: int | None = None,
    ) -> ScheduleChange:
        """Move along the flow: confirmed, arrived (check-in), in room, completed, no-show.

        Cancelling needs a reason: use ``cancel``.
        """
        self._require(actor, Operation.SCHEDULE_EDIT, entity_id=appointment_id)
        status = AppointmentStatus(status)
        if status is AppointmentStatus.CANCELLED:
            raise ValidationFailed("Cancelling needs a reason.", "Use Cancel and give a reason.")
        now = self._clock.now()
        with self._uow_factory(actor) as uow:
            before = self._appointment(uow, appointment_id)
            self._check_version(before, expected_version)
            check_transition(before.status, status)
            if status in (
                AppointmentStatus.ARRIVED,
                AppointmentStatus.IN_ROOM,
                AppointmentStatus.COMPLETED,
                AppointmentStatus.NO_SHOW,
            ):
                config = self._config(uow)
                if config.local(before.start).date() > self._today(config):
                    raise ValidationFailed(
                        f"An appointment on a later day cannot be marked "
                        f"{status.label.lower()} yet.",
                        "Check the date of the appointment.",
                    )
            stamps: dict[str, datetime] = {}
            if status is AppointmentStatus.ARRIVED:
                stamps["arrived_at"] = now
            elif status is AppointmentStatus.IN_ROOM:
                stamps["roomed_at"] = now
            elif status is AppointmentStatus.COMPLETED:
                stamps["completed_at"] = now
            wanted = replace(before, status=status, **stamps)  # type: ignore[arg-type]
            change = self._status_change(uow, actor, before, wanted, f"status={status.value}")
            uow.commit()
        return change

    def check_in(self, actor: Actor, appointment_id: AppointmentId) -> ScheduleChange:
        """The patient has arrived (shortcut for ``set_status(..., ARRIVED)``)."""
        return self.set_status(actor, appointment_id, AppointmentStatus.ARRIVED)

    def reinstate(
        self,
        actor: Actor,
        appointment_id: AppointmentId,
        status: AppointmentStatus = AppointmentStatus.BOOKED,
    ) -> ScheduleChange:
        """Bring back a cancelled or no-show appointment (undo, or a mistaken click).

        Refused if its time has been given to someone else meanwhile.
        """
        self._require(actor, Operation.SCHEDULE_EDIT, entity_id=appointment_id)
        status = AppointmentStatus(status)
        if status.is_final:
            raise ValidationFailed("Reinstate an appointment as booked, confirmed or arrived.")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            before = self._appointment(uow, appointment_id)
            if not before.status.is_final or before.status is AppointmentStatus.COMPLETED:
                raise ValidationFailed(
                    f"Only cancelled or missed appointments can be reinstated; this one is "
                    f"{before.status.label.lower()}."
                )
            wanted = replace(before, status=status, cancel_reason="")
            self._ensure_free(uow, config, self._slot_of(wanted), ignore=[before.id])
            after = repo(uow).update_appointment(wanted)
            recalls = self._relink_recall(uow, after)
            self._audit_appointment(uow, actor, AuditAction.UPDATE, after, "reinstate")
            uow.commit()
        return ScheduleChange("reinstate", (AppointmentChange(before, after),), recalls=recalls)

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _refuse_final(appointment: Appointment, verb: str) -> None:
        if appointment.status.is_final:
            raise ValidationFailed(
                f"A {appointment.status.label.lower()} appointment cannot be {verb}.",
                "Reinstate it first, or book a new appointment.",
            )

    # Moving and resizing write a new time alike: still free, written, freed time offered, audited.
    def _retime(  # noqa: PLR0917 - the rows and what the change is called
        self,
        uow: UnitOfWork,
        actor: Actor,
        config: ScheduleConfig,
        before: Appointment,
        wanted: Appointment,
        freed: list[Appointment],
        what: str,
    ) -> ScheduleChange:
        self._ensure_free(uow, config, self._slot_of(wanted), ignore=[before.id])
        after = repo(uow).update_appointment(wanted)
        offers = self._offers(uow, config, freed)
        self._audit_appointment(uow, actor, AuditAction.UPDATE, after, what)
        return ScheduleChange(what, (AppointmentChange(before, after),), offers=offers)

    def _status_change(
        self,
        uow: UnitOfWork,
        actor: Actor,
        before: Appointment,
        wanted: Appointment,
        detail: str,
    ) -> ScheduleChange:
        after = repo(uow).update_appointment(wanted)
        recalls = self._relink_recall(uow, after)
        offers: tuple[WaitlistOffer, ...] = ()
        if after.status.is_final and not before.status.is_final and not after.blocks_time:
            offers = self._offers(uow, self._config(uow), [before])
        self._audit_appointment(uow, actor, AuditAction.UPDATE, after, detail)
        return ScheduleChange(
            detail.split("=", maxsplit=1)[0] if "=" not in detail else "status",
            (AppointmentChange(before, after),),
            recalls=recalls,
            offers=offers,
        )

    @staticmethod
    def _relink_recall(uow: UnitOfWork, appointment: Appointment) -> tuple[RecallChange, ...]:
        """Keep a recall booked through this appointment in step with it.

        Cancelled or missed: the recall is open again (it still needs doing);
        completed: done; reinstated: booked again.
        """
        r = repo(uow)
        recall = r.recall_for_appointment(appointment.id)
        if recall is None or recall.status is RecallStatus.CANCELLED:
            return ()
        if appointment.status is AppointmentStatus.COMPLETED:
            status = RecallStatus.DONE
        elif appointment.blocks_time:
            status = RecallStatus.BOOKED
        else:
            status = RecallStatus.OPEN
        if status is recall.status:
            return ()
        after = r.update_recall(replace(recall, status=status))
        return (RecallChange(recall, after),)


__all__ = ["MAX_VIEW_DAYS", "ScheduleConflict", "ScheduleService"]

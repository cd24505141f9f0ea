"""The waitlist (patients wanting an earlier slot) and recalls (follow-ups that are due)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId, new_uuid7
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentStatus,
    BookingRequest,
    Recall,
    RecallId,
    RecallSource,
    RecallStatus,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistPriority,
    WaitlistStatus,
    check_reason,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import audit
from dermai_desktop.services.ports import UnitOfWork
from dermai_desktop.services.schedule_base import ScheduleBase, aware_utc, repo
from dermai_desktop.services.schedule_dto import (
    AppointmentChange,
    RecallChange,
    RecallListing,
    ScheduleChange,
    WaitlistChange,
    WaitlistListing,
    WaitlistOffer,
)

#: How far ahead a recall may be set (a ten-year scar review is the longest seen).
MAX_RECALL_YEARS = 10


class ScheduleListOps(ScheduleBase):
    """Waitlist and recall use cases of ``ScheduleService``."""

    # --- waitlist ----------------------------------------------------------------------

    def add_to_waitlist(
        self,
        actor: Actor,
        patient_id: PatientId,
        *,
        type_code: str | None = None,
        provider_id: UserId | None = None,
        earliest: date | None = None,
        latest: date | None = None,
        priority: WaitlistPriority = WaitlistPriority.ROUTINE,
        note: str = "",
    ) -> WaitlistEntry:
        """Put a patient on the waitlist for an earlier slot (any type/provider if None)."""
        self._require(actor, Operation.SCHEDULE_EDIT, patient_id=patient_id, entity_type="waitlist")
        text = check_reason(note, what="note")
        if earliest and latest and latest < earliest:
            raise ValidationFailed("The last acceptable date is before the first one.")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            self._require_patient(uow, patient_id)
            if type_code is not None:
                config.type(type_code)
            if provider_id is not None:
                self._provider(uow, provider_id)
            waiting = [
                e
                for e in repo(uow).waitlist([WaitlistStatus.WAITING])
                if e.patient_id == patient_id
                and e.type_code == type_code
                and e.provider_id == provider_id
            ]
            if waiting:
                raise ValidationFailed(
                    "This patient is already on the waitlist for that.",
                    "Change the existing entry instead.",
                )
            entry = repo(uow).add_waitlist(
                WaitlistEntry(
                    id=WaitlistEntryId(new_uuid7()),
                    patient_id=patient_id,
                    requested_at=self._clock.now(),
                    priority=WaitlistPriority(priority),
                    type_code=type_code,
                    provider_id=provider_id,
                    earliest=earliest,
                    latest=latest,
                    note=text,
                )
            )
            self._audit_row(uow, actor, AuditAction.CREATE, "waitlist", entry, "waitlist add")
            uow.commit()
        return entry

    def remove_from_waitlist(self, actor: Actor, entry_id: WaitlistEntryId) -> WaitlistEntry:
        self._require(actor, Operation.SCHEDULE_EDIT, entity_type="waitlist", entity_id=entry_id)
        with self._uow_factory(actor) as uow:
            entry = self._entry(uow, entry_id)
            if entry.status is not WaitlistStatus.WAITING:
                raise ValidationFailed("This patient is no longer waiting.")
            after = repo(uow).update_waitlist(replace(entry, status=WaitlistStatus.REMOVED))
            self._audit_row(uow, actor, AuditAction.UPDATE, "waitlist", entry, "waitlist remove")
            uow.commit()
        return after

    def waitlist(self, actor: Actor) -> list[WaitlistListing]:
        """Everyone waiting, most urgent first, then longest waiting."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="waitlist")
        with self._uow_factory(actor) as uow:
            entries = repo(uow).waitlist([WaitlistStatus.WAITING])
            labels = self._labels(uow, {e.patient_id for e in entries})
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="waitlist",
                detail=f"entries={len(entries)}",
            )
            uow.commit()
        entries.sort(key=lambda e: (e.priority, e.requested_at, e.id))
        return [WaitlistListing(e, labels[e.patient_id]) for e in entries]

    def offers_for_slot(
        self,
        actor: Actor,
        provider_id: UserId,
        start: datetime,
        end: datetime,
    ) -> list[WaitlistOffer]:
        """Waitlisted patients who fit a free slot of ``provider_id`` [start, end), best first."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="waitlist")
        begin = aware_utc(start, "start time")
        finish = aware_utc(end, "end time")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            probe = Appointment(
                AppointmentId("probe"),
                PatientId(""),
                provider_id,
                begin,
                finish,
                "",
                AppointmentStatus.CANCELLED,
            )
            return list(self._offers(uow, config, [probe]))

    def book_from_waitlist(
        self, actor: Actor, entry_id: WaitlistEntryId, request: BookingRequest
    ) -> ScheduleChange:
        """Book a waitlisted patient into a slot and take them off the list."""
        self._require(actor, Operation.SCHEDULE_EDIT, patient_id=request.patient_id)
        with self._uow_factory(actor) as uow:
            entry = self._entry(uow, entry_id)
            if entry.status is not WaitlistStatus.WAITING:
                raise ValidationFailed("This patient is no longer on the waitlist.")
            booked = self._book_for(uow, request, entry.patient_id, "entry")
            after = repo(uow).update_waitlist(
                replace(entry, status=WaitlistStatus.BOOKED, appointment_id=booked.id)
            )
            self._audit_appointment(
                uow,
                actor,
                AuditAction.CREATE,
                booked,
                f"book from waitlist type={booked.type_code}",
            )
            uow.commit()
        return ScheduleChange(
            "book_from_waitlist",
            (AppointmentChange(None, booked),),
            waitlist=(WaitlistChange(entry, after),),
        )

    # Booking a waitlist entry or a recall: only for its own patient, then a normal booking.
    def _book_for(
        self, uow: UnitOfWork, request: BookingRequest, listed_patient: PatientId, what: str
    ) -> Appointment:
        if listed_patient != request.patient_id:
            raise ValidationFailed(f"The booking is for a different patient than the {what}.")
        return self._book_in(uow, self._config(uow), request)

    @staticmethod
    def _entry(uow: UnitOfWork, entry_id: WaitlistEntryId) -> WaitlistEntry:
        entry = repo(uow).get_waitlist(entry_id)
        if entry is None:
            raise NotFound("That waitlist entry does not exist.")
        return entry

    # --- recalls -----------------------------------------------------------------------

    def add_recall(
        self,
        actor: Actor,
        patient_id: PatientId,
        due: date,
        reason: str,
        *,
        type_code: str = "full_skin_check",
        provider_id: UserId | None = None,
        source: RecallSource = RecallSource.MANUAL,
        source_id: str | None = None,
    ) -> Recall:
        """Set a follow-up that is due ("full skin check in 6 months"), from a visit or lesion."""
        self._require(actor, Operation.SCHEDULE_EDIT, patient_id=patient_id, entity_type="recall")
        text = check_reason(reason, required=True, what="recall reason")
        source = RecallSource(source)
        if source is not RecallSource.MANUAL and not source_id:
            raise ValidationFailed("A recall from a visit or a lesion needs to say which one.")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            today = self._today(config)
            if (
                not today.replace(year=today.year - 1)
                <= due
                <= date(today.year + MAX_RECALL_YEARS, 12, 31)
            ):
                raise ValidationFailed(
                    f"A recall is due within a year back and {MAX_RECALL_YEARS} years ahead."
                )
            self._require_patient(uow, patient_id)
            config.type(type_code)
            if provider_id is not None:
                self._provider(uow, provider_id)
            recall = repo(uow).add_recall(
                Recall(
                    id=RecallId(new_uuid7()),
                    patient_id=patient_id,
                    due=due,
                    reason=text,
                    type_code=type_code,
                    provider_id=provider_id,
                    source=source,
                    source_id=source_id,
                    created_at=self._clock.now(),
                )
            )
            self._audit_row(
                uow, actor, AuditAction.CREATE, "recall", recall, f"source={source.value}"
            )
            uow.commit()
        return recall

    def recalls(self, actor: Actor, *, include_closed: bool = False) -> list[RecallListing]:
        """Recalls by due date; ``overdue`` marks open ones whose date has passed."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="recall")
        statuses = (
            list(RecallStatus) if include_closed else [RecallStatus.OPEN, RecallStatus.BOOKED]
        )
        with self._uow_factory(actor) as uow:
            today = self._today(self._config(uow))
            found = repo(uow).recalls(statuses)
            labels = self._labels(uow, {r.patient_id for r in found})
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="recall",
                detail=f"recalls={len(found)}",
            )
            uow.commit()
        found.sort(key=lambda r: (r.due, r.id))
        return [
            RecallListing(r, labels[r.patient_id], r.is_overdue(today), r.days_overdue(today))
            for r in found
        ]

    def cancel_recall(self, actor: Actor, recall_id: RecallId) -> Recall:
        """Close a recall that is no longer needed (an appointment booked for it stays)."""
        self._require(actor, Operation.SCHEDULE_EDIT, entity_type="recall", entity_id=recall_id)
        with self._uow_factory(actor) as uow:
            recall = self._recall(uow, recall_id)
            if recall.status in (RecallStatus.DONE, RecallStatus.CANCELLED):
                raise ValidationFailed(f"This recall is already {recall.status.value}.")
            after = repo(uow).update_recall(replace(recall, status=RecallStatus.CANCELLED))
            self._audit_row(uow, actor, AuditAction.UPDATE, "recall", recall, "cancel")
            uow.commit()
        return after

    def book_recall(
        self, actor: Actor, recall_id: RecallId, request: BookingRequest
    ) -> ScheduleChange:
        """Book the follow-up a recall asks for; the recall becomes "booked"."""
        self._require(
            actor,
            Operation.SCHEDULE_EDIT,
            patient_id=request.patient_id,
            entity_type="recall",
            entity_id=recall_id,
        )
        with self._uow_factory(actor) as uow:
            recall = self._recall(uow, recall_id)
            if recall.status is not RecallStatus.OPEN:
                raise ValidationFailed(
                    f"This recall is {recall.status.value}, not waiting to be booked."
                )
            booked = self._book_for(uow, request, recall.patient_id, "recall")
            after = repo(uow).update_recall(
                replace(recall, status=RecallStatus.BOOKED, appointment_id=booked.id)
            )
            self._audit_appointment(
                uow, actor, AuditAction.CREATE, booked, f"book recall type={booked.type_code}"
            )
            uow.commit()
        return ScheduleChange(
            "book_recall",
            (AppointmentChange(None, booked),),
            recalls=(RecallChange(recall, after),),
        )

    @staticmethod
    def _recall(uow: UnitOfWork, recall_id: RecallId) -> Recall:
        recall = repo(uow).get_recall(recall_id)
        if recall is None:
            raise NotFound("That recall does not exist.")
        return recall


__all__ = ["MAX_RECALL_YEARS", "ScheduleListOps"]

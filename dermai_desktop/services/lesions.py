"""Lesions on the body map: record, move, follow up (a recall in the schedule), consent.

A follow-up interval on a lesion becomes a recall in the schedule (#3). The
recall is the schedule's row; the lesion only keeps its id. Changing the
interval cancels the old recall while it is still open and sets a new one.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import replace
from datetime import date

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ExpectedError, NotFound, ValidationFailed
from dermai_desktop.domain.ids import LesionId, PatientId, new_uuid7
from dermai_desktop.domain.imaging import ConsentScope
from dermai_desktop.domain.lesions import BodyPoint, Lesion, LesionDraft
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import RecallId, RecallSource, RecallStatus, ScheduleConfig
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from dermai_desktop.services.schedule import ScheduleService

log = logging.getLogger(__name__)

#: Appointment types a lesion review is booked as, best first; a clinic that added a
#: dedicated lesion-check type gets it, everyone else the built-in full skin check.
REVIEW_TYPE_PREFERENCE = ("lesion_check", "lesion_review", "mole_check", "full_skin_check")
FALLBACK_REVIEW_TYPE = "follow_up"
DEFAULT_CONSENT = ConsentScope.CARE_ONLY


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on; the 31st becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_type(config: ScheduleConfig) -> str:
    codes = {kind.code for kind in config.types if kind.active}
    for code in REVIEW_TYPE_PREFERENCE:
        if code in codes:
            return code
    for code in sorted(codes):
        if "lesion" in code:
            return code
    return FALLBACK_REVIEW_TYPE


def load_lesion(uow: UnitOfWork, lesion_id: LesionId) -> Lesion:
    lesion = uow.lesions.get(lesion_id)
    if lesion is None:
        raise NotFound("That lesion does not exist any more.")
    return lesion


class LesionService:
    """Clinicians record and follow lesions; every list view and change is audited."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, schedule: ScheduleService
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._schedule = schedule
        self._gate = Gatekeeper(uow_factory, clock)

    # --- reading -------------------------------------------------------------------------

    def lesions(self, actor: Actor, patient_id: PatientId) -> list[Lesion]:
        """The patient's lesions by label (the body map and the list beside it)."""
        self._gate.require(actor, Operation.CHART_VIEW, patient_id=patient_id, entity_type="lesion")
        with self._uow_factory(actor) as uow:
            found = uow.lesions.for_patient(patient_id)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="lesion",
                patient_id=patient_id,
                detail=f"lesions={len(found)}",
            )
            uow.commit()
        return found

    def get(self, actor: Actor, lesion_id: LesionId) -> Lesion:
        # Not audited on its own: the list that led here was, and the form re-reads after saves.
        self._gate.require(actor, Operation.CHART_VIEW, entity_type="lesion", entity_id=lesion_id)
        with self._uow_factory(actor) as uow:
            return load_lesion(uow, lesion_id)

    def standing_consent(self, actor: Actor, patient_id: PatientId) -> ConsentScope:
        """The scope new images of this patient get at import (clinical care only by default)."""
        self._gate.require(
            actor, Operation.CHART_VIEW, patient_id=patient_id, entity_type="image_consent"
        )
        with self._uow_factory(actor) as uow:
            return uow.lesions.standing_consent(patient_id) or DEFAULT_CONSENT

    # --- changing ------------------------------------------------------------------------

    def add(self, actor: Actor, patient_id: PatientId, draft: LesionDraft) -> Lesion:
        self._gate.require(actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="lesion")
        config = self._schedule.config(actor)
        draft = draft.validated(self._today(config))
        with self._uow_factory(actor) as uow:
            if uow.patients.get(patient_id) is None:
                raise NotFound("That patient record does not exist.")
        now = self._clock.now()
        lesion = Lesion(
            id=LesionId(new_uuid7()),
            patient_id=patient_id,
            label=draft.label,
            site=draft.site,
            position=draft.position,
            first_noted=draft.first_noted,
            status=draft.status,
            impression=draft.impression,
            follow_up_months=draft.follow_up_months,
            created_at=now,
            updated_at=now,
        )
        return self._write(actor, config, None, lesion, None)

    def update(
        self, actor: Actor, lesion_id: LesionId, draft: LesionDraft, expected_version: int
    ) -> Lesion:
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="lesion", entity_id=lesion_id)
        config = self._schedule.config(actor)
        draft = draft.validated(self._today(config))
        before = self._current(actor, lesion_id, expected_version)
        after = replace(
            before,
            label=draft.label,
            site=draft.site,
            position=draft.position,
            first_noted=draft.first_noted,
            status=draft.status,
            impression=draft.impression,
            follow_up_months=draft.follow_up_months,
            updated_at=self._clock.now(),
        )
        return self._write(actor, config, before, after, expected_version)

    def move_marker(
        self,
        actor: Actor,
        lesion_id: LesionId,
        position: BodyPoint,
        site: str | None,
        expected_version: int,
    ) -> Lesion:
        """Drag a marker to ``position``; ``site`` None keeps the site already written."""
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="lesion", entity_id=lesion_id)
        before = self._current(actor, lesion_id, expected_version)
        site = before.site if site is None else site
        draft = replace(before.draft(), position=position, site=site)
        # Only the site and position change here, so the date is not re-checked against today.
        checked = draft.validated(date.max)
        with self._uow_factory(actor) as uow:
            after = uow.lesions.update(
                replace(
                    before,
                    position=checked.position,
                    site=checked.site,
                    updated_at=self._clock.now(),
                ),
                expected_version,
            )
            self._audit(uow, actor, AuditAction.UPDATE, after, "marker")
            uow.commit()
        return after

    def set_standing_consent(
        self, actor: Actor, patient_id: PatientId, scope: ConsentScope
    ) -> None:
        """Change the scope future imports get; images already stored keep their own."""
        self._gate.require(
            actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="image_consent"
        )
        scope = ConsentScope(scope)
        with self._uow_factory(actor) as uow:
            if uow.patients.get(patient_id) is None:
                raise NotFound("That patient record does not exist.")
            uow.lesions.set_standing_consent(patient_id, scope)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.UPDATE,
                entity_type="image_consent",
                entity_id=patient_id,
                patient_id=patient_id,
                detail=f"scope={scope.value}",
            )
            uow.commit()

    # --- internals -----------------------------------------------------------------------

    def _today(self, config: ScheduleConfig) -> date:
        return config.local(self._clock.now()).date()

    def _current(self, actor: Actor, lesion_id: LesionId, expected_version: int) -> Lesion:
        with self._uow_factory(actor) as uow:
            lesion = load_lesion(uow, lesion_id)
        if lesion.version != expected_version:
            raise ValidationFailed(
                "Someone else changed this lesion a moment ago.",
                "It has been reloaded; check it and make your change again.",
            )
        return lesion

    def _write(
        self,
        actor: Actor,
        config: ScheduleConfig,
        before: Lesion | None,
        after: Lesion,
        expected_version: int | None,
    ) -> Lesion:
        """Store ``after``; set, replace or drop its recall when the interval changed.

        The recall is made first (in the schedule's own transaction): if it is
        refused, nothing about the lesion changed. If storing the lesion then
        fails, the new recall is cancelled again, so no orphan recall is left.
        """
        old_recall = before.recall_id if before else None
        interval_changed = before is None or before.follow_up_months != after.follow_up_months
        new_recall: RecallId | None = None
        if interval_changed and after.follow_up_months is not None:
            due = add_months(self._today(config), after.follow_up_months)
            recall = self._schedule.add_recall(
                actor,
                after.patient_id,
                due,
                f"Lesion review: {after.label}",
                type_code=review_type(config),
                source=RecallSource.LESION,
                source_id=after.id,
            )
            new_recall = recall.id
        if interval_changed:
            after = replace(after, recall_id=new_recall)
        try:
            with self._uow_factory(actor) as uow:
                if before is None:
                    saved = uow.lesions.add(after)
                    self._audit(uow, actor, AuditAction.CREATE, saved, "")
                else:
                    assert expected_version is not None
                    saved = uow.lesions.update(after, expected_version)
                    self._audit(uow, actor, AuditAction.UPDATE, saved, "")
                uow.commit()
        except BaseException:
            if new_recall is not None:
                self._cancel_recall(actor, new_recall)
            raise
        if interval_changed and old_recall is not None:
            self._cancel_recall(actor, RecallId(old_recall))
        return saved

    def _cancel_recall(self, actor: Actor, recall_id: RecallId) -> None:
        """Cancel a recall still waiting to be booked; a booked or done one stays as it is."""
        with self._uow_factory(actor) as uow:
            recall = uow.schedule.get_recall(recall_id)
        if recall is None or recall.status is not RecallStatus.OPEN:
            return
        try:
            self._schedule.cancel_recall(actor, recall_id)
        except ExpectedError as error:  # changed meanwhile: the schedule keeps what it has
            log.info("lesion recall not cancelled: recall=%s (%s)", recall_id, type(error).__name__)

    def _audit(
        self, uow: UnitOfWork, actor: Actor, action: AuditAction, lesion: Lesion, what: str
    ) -> None:
        # Codes only: the label and impression are free text and may name people.
        detail = what or (f"status={lesion.status.value} follow_up={lesion.follow_up_months or 0}")
        audit(
            uow,
            self._clock,
            actor,
            action,
            entity_type="lesion",
            entity_id=lesion.id,
            patient_id=lesion.patient_id,
            detail=detail,
        )


__all__ = ["DEFAULT_CONSENT", "LesionService", "add_months", "load_lesion", "review_type"]

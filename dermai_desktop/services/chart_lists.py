"""Problem, allergy and medication lists: add, edit, resolve, every version kept and audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Generic, TypeVar

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.chart_lists import (
    Allergy,
    AllergyDraft,
    AllergyId,
    AllergyStatus,
    ChartListValidationFailed,
    ListKind,
    ListSnapshot,
    Medication,
    MedicationDraft,
    MedicationId,
    MedicationStatus,
    Problem,
    ProblemDraft,
    ProblemId,
    ProblemStatus,
    Revision,
    RevisionAction,
    validate_allergy,
    validate_medication,
    validate_problem,
)
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.chart_ports import ChartListRepository
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

#: The shape of an ICD-10 code (WHO and -CM): letter, two characters, optional extension.
ICD10_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")

T = TypeVar("T", Problem, Allergy, Medication)
Draft = TypeVar("Draft", ProblemDraft, AllergyDraft, MedicationDraft)
ItemId = TypeVar("ItemId", ProblemId, AllergyId, MedicationId)

_SEVERITY_ORDER = {
    "life_threatening": 0,
    "severe": 1,
    "moderate": 2,
    "mild": 3,
    "unknown": 4,
}


@dataclass(frozen=True, slots=True)
class _ListRows(Generic[T, Draft, ItemId]):
    """How one list's rows are read and written, so add, change and history are written once."""

    kind: ListKind
    add: Callable[[ChartListRepository, PatientId, Draft], T]
    get: Callable[[ChartListRepository, ItemId], T | None]
    update: Callable[[ChartListRepository, ItemId, Draft, int, RevisionAction], T]
    history: Callable[[ChartListRepository, ItemId], list[Revision[T]]]


_PROBLEMS: _ListRows[Problem, ProblemDraft, ProblemId] = _ListRows(
    ListKind.PROBLEM,
    add=lambda lists, patient_id, draft: lists.add_problem(patient_id, draft),
    get=lambda lists, item_id: lists.get_problem(item_id),
    update=lambda lists, item_id, draft, version, action: lists.update_problem(
        item_id, draft, version, action
    ),
    history=lambda lists, item_id: lists.problem_history(item_id),
)
_ALLERGIES: _ListRows[Allergy, AllergyDraft, AllergyId] = _ListRows(
    ListKind.ALLERGY,
    add=lambda lists, patient_id, draft: lists.add_allergy(patient_id, draft),
    get=lambda lists, item_id: lists.get_allergy(item_id),
    update=lambda lists, item_id, draft, version, action: lists.update_allergy(
        item_id, draft, version, action
    ),
    history=lambda lists, item_id: lists.allergy_history(item_id),
)
_MEDICATIONS: _ListRows[Medication, MedicationDraft, MedicationId] = _ListRows(
    ListKind.MEDICATION,
    add=lambda lists, patient_id, draft: lists.add_medication(patient_id, draft),
    get=lambda lists, item_id: lists.get_medication(item_id),
    update=lambda lists, item_id, draft, version, action: lists.update_medication(
        item_id, draft, version, action
    ),
    history=lambda lists, item_id: lists.medication_history(item_id),
)


def sort_problems(problems: list[Problem]) -> tuple[Problem, ...]:
    """Active first, then by onset (newest first, undated last), then label."""
    return tuple(
        sorted(
            problems,
            key=lambda p: (
                not p.is_active,
                p.onset is None,
                -(p.onset.toordinal() if p.onset else 0),
                p.label.casefold(),
            ),
        )
    )


def sort_allergies(allergies: list[Allergy]) -> tuple[Allergy, ...]:
    """Active first, most serious first, then by substance."""
    return tuple(
        sorted(
            allergies,
            key=lambda a: (
                not a.is_active,
                _SEVERITY_ORDER[a.severity.value],
                a.substance.casefold(),
            ),
        )
    )


def sort_medications(medications: list[Medication], today: date) -> tuple[Medication, ...]:
    """Current first, then by start date (newest first), then name."""
    return tuple(
        sorted(
            medications,
            key=lambda m: (
                not m.is_current(today),
                m.start is None,
                -(m.start.toordinal() if m.start else 0),
                m.name.casefold(),
            ),
        )
    )


class ChartListService:
    """Clinicians keep the lists; front desk is refused here, whatever the UI shows."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._gate = Gatekeeper(uow_factory, clock)

    def _today(self) -> date:
        # Clinic dates are local dates: "resolved today" means the clinic's today.
        return self._clock.now().astimezone().date()

    # --- reading ----------------------------------------------------------------------

    def lists(self, actor: Actor, patient_id: PatientId) -> ListSnapshot:
        """All three lists of a patient, each sorted for display (resolved rows included)."""
        self._gate.require(
            actor, Operation.CHART_VIEW, patient_id=patient_id, entity_type="chart_lists"
        )
        with self._uow_factory(actor) as uow:
            self._require_patient(uow, patient_id)
            snapshot = ListSnapshot(
                problems=sort_problems(uow.chart_lists.problems(patient_id)),
                allergies=sort_allergies(uow.chart_lists.allergies(patient_id)),
                medications=sort_medications(
                    uow.chart_lists.medications(patient_id), self._today()
                ),
            )
            self._audit(uow, actor, AuditAction.VIEW, "chart_lists", patient_id, patient_id)
            uow.commit()
        return snapshot

    def problem_history(self, actor: Actor, problem_id: ProblemId) -> list[Revision[Problem]]:
        return self._history(actor, _PROBLEMS, problem_id)

    def allergy_history(self, actor: Actor, allergy_id: AllergyId) -> list[Revision[Allergy]]:
        return self._history(actor, _ALLERGIES, allergy_id)

    def medication_history(
        self, actor: Actor, medication_id: MedicationId
    ) -> list[Revision[Medication]]:
        return self._history(actor, _MEDICATIONS, medication_id)

    # --- problems ---------------------------------------------------------------------

    def add_problem(self, actor: Actor, patient_id: PatientId, draft: ProblemDraft) -> Problem:
        self._gate.require(
            actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="problem"
        )
        clean = _check_code(validate_problem(draft, self._today()))
        return self._add(actor, _PROBLEMS, patient_id, clean)

    def edit_problem(
        self, actor: Actor, problem_id: ProblemId, draft: ProblemDraft, expected_version: int
    ) -> Problem:
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="problem", entity_id=problem_id)
        clean = _check_code(validate_problem(draft, self._today()))
        return self._change(actor, _PROBLEMS, problem_id, expected_version, lambda _: clean)

    def resolve_problem(
        self,
        actor: Actor,
        problem_id: ProblemId,
        expected_version: int,
        resolved_on: date | None = None,
    ) -> Problem:
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="problem", entity_id=problem_id)
        today = self._today()

        def resolve(current: Problem) -> ProblemDraft:
            if current.status is ProblemStatus.RESOLVED:
                raise ValidationFailed("This problem is already resolved.")
            return validate_problem(
                replace(
                    current.draft(), status=ProblemStatus.RESOLVED, resolved_on=resolved_on or today
                ),
                today,
            )

        return self._change(
            actor, _PROBLEMS, problem_id, expected_version, resolve, RevisionAction.RESOLVED
        )

    def reactivate_problem(
        self, actor: Actor, problem_id: ProblemId, expected_version: int
    ) -> Problem:
        """A resolved problem came back (a psoriasis flare): same row, history kept."""
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="problem", entity_id=problem_id)

        def reactivate(current: Problem) -> ProblemDraft:
            if current.is_active:
                raise ValidationFailed("This problem is already active.")
            return replace(current.draft(), status=ProblemStatus.ACTIVE, resolved_on=None)

        return self._change(
            actor, _PROBLEMS, problem_id, expected_version, reactivate, RevisionAction.REACTIVATED
        )

    # --- allergies --------------------------------------------------------------------

    def add_allergy(self, actor: Actor, patient_id: PatientId, draft: AllergyDraft) -> Allergy:
        self._gate.require(
            actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="allergy"
        )
        clean = validate_allergy(draft)

        def refuse_duplicate(uow: UnitOfWork) -> None:
            duplicate = [
                a
                for a in uow.chart_lists.allergies(patient_id)
                if a.is_active and a.substance.casefold() == clean.substance.casefold()
            ]
            if duplicate:
                raise ChartListValidationFailed(
                    {"substance": "This allergy is already on the list; edit it instead."}
                )

        return self._add(actor, _ALLERGIES, patient_id, clean, check=refuse_duplicate)

    def edit_allergy(
        self, actor: Actor, allergy_id: AllergyId, draft: AllergyDraft, expected_version: int
    ) -> Allergy:
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="allergy", entity_id=allergy_id)
        clean = validate_allergy(draft)
        return self._change(actor, _ALLERGIES, allergy_id, expected_version, lambda _: clean)

    def resolve_allergy(
        self, actor: Actor, allergy_id: AllergyId, expected_version: int
    ) -> Allergy:
        """Mark an allergy no longer present (outgrown, or disproved by testing)."""
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="allergy", entity_id=allergy_id)

        def resolve(current: Allergy) -> AllergyDraft:
            if not current.is_active:
                raise ValidationFailed("This allergy is already resolved.")
            return replace(current.draft(), status=AllergyStatus.RESOLVED)

        return self._change(
            actor, _ALLERGIES, allergy_id, expected_version, resolve, RevisionAction.RESOLVED
        )

    def reactivate_allergy(
        self, actor: Actor, allergy_id: AllergyId, expected_version: int
    ) -> Allergy:
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="allergy", entity_id=allergy_id)

        def reactivate(current: Allergy) -> AllergyDraft:
            if current.is_active:
                raise ValidationFailed("This allergy is already active.")
            return replace(current.draft(), status=AllergyStatus.ACTIVE)

        return self._change(
            actor, _ALLERGIES, allergy_id, expected_version, reactivate, RevisionAction.REACTIVATED
        )

    # --- medications ------------------------------------------------------------------

    def add_medication(
        self, actor: Actor, patient_id: PatientId, draft: MedicationDraft
    ) -> Medication:
        self._gate.require(
            actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="medication"
        )
        clean = validate_medication(draft, self._today())
        return self._add(actor, _MEDICATIONS, patient_id, clean)

    def edit_medication(
        self,
        actor: Actor,
        medication_id: MedicationId,
        draft: MedicationDraft,
        expected_version: int,
    ) -> Medication:
        self._gate.require(
            actor, Operation.CHART_EDIT, entity_type="medication", entity_id=medication_id
        )
        clean = validate_medication(draft, self._today())
        return self._change(actor, _MEDICATIONS, medication_id, expected_version, lambda _: clean)

    def stop_medication(
        self,
        actor: Actor,
        medication_id: MedicationId,
        expected_version: int,
        stopped_on: date | None = None,
    ) -> Medication:
        """Stop a medication: status stopped, stop date today unless given."""
        self._gate.require(
            actor, Operation.CHART_EDIT, entity_type="medication", entity_id=medication_id
        )
        today = self._today()

        def stop(current: Medication) -> MedicationDraft:
            if current.status is MedicationStatus.STOPPED:
                raise ValidationFailed("This medication is already stopped.")
            when = stopped_on or today
            if when > today:
                raise ChartListValidationFailed(
                    {"stop": "To plan a future stop, edit the stop date instead."}
                )
            return validate_medication(
                replace(current.draft(), status=MedicationStatus.STOPPED, stop=when), today
            )

        return self._change(
            actor, _MEDICATIONS, medication_id, expected_version, stop, RevisionAction.RESOLVED
        )

    def restart_medication(
        self, actor: Actor, medication_id: MedicationId, expected_version: int
    ) -> Medication:
        self._gate.require(
            actor, Operation.CHART_EDIT, entity_type="medication", entity_id=medication_id
        )

        def restart(current: Medication) -> MedicationDraft:
            if current.status is MedicationStatus.ACTIVE:
                raise ValidationFailed("This medication is already active.")
            return replace(current.draft(), status=MedicationStatus.ACTIVE, stop=None)

        return self._change(
            actor,
            _MEDICATIONS,
            medication_id,
            expected_version,
            restart,
            RevisionAction.REACTIVATED,
        )

    # --- internals --------------------------------------------------------------------

    # One add for all three lists: patient check, optional extra check, write, audit row.
    def _add(
        self,
        actor: Actor,
        rows: _ListRows[T, Draft, ItemId],
        patient_id: PatientId,
        clean: Draft,
        check: Callable[[UnitOfWork], None] | None = None,
    ) -> T:
        with self._uow_factory(actor) as uow:
            self._require_patient(uow, patient_id)
            if check is not None:
                check(uow)
            item = rows.add(uow.chart_lists, patient_id, clean)
            self._audit(uow, actor, AuditAction.CREATE, rows.kind.value, item.id, patient_id)
            uow.commit()
        return item

    # One read-check-write for edit, resolve and reactivate of all three lists.
    def _change(  # noqa: PLR0917 - the item, its version, the change and its action
        self,
        actor: Actor,
        rows: _ListRows[T, Draft, ItemId],
        item_id: ItemId,
        expected_version: int,
        change: Callable[[T], Draft],
        action: RevisionAction = RevisionAction.EDITED,
    ) -> T:
        with self._uow_factory(actor) as uow:
            current = _found(rows.get(uow.chart_lists, item_id), rows.kind.value)
            _check_version(current.version, expected_version)
            draft = change(current)
            if draft == current.draft():
                return current  # nothing changed: no new version, no audit row
            updated = rows.update(uow.chart_lists, item_id, draft, expected_version, action)
            self._audit_change(
                uow,
                actor,
                action,
                entity_type=rows.kind.value,
                entity_id=item_id,
                patient_id=current.patient_id,
            )
            uow.commit()
        return updated

    def _history(
        self, actor: Actor, rows: _ListRows[T, Draft, ItemId], item_id: ItemId
    ) -> list[Revision[T]]:
        kind = rows.kind
        self._gate.require(actor, Operation.CHART_VIEW, entity_type=kind.value, entity_id=item_id)
        with self._uow_factory(actor) as uow:
            item = _found(rows.get(uow.chart_lists, item_id), kind.value)
            revisions = rows.history(uow.chart_lists, item_id)
            self._audit(
                uow, actor, AuditAction.VIEW, kind.value, item_id, item.patient_id, detail="history"
            )
            uow.commit()
        return revisions

    @staticmethod
    def _require_patient(uow: UnitOfWork, patient_id: PatientId) -> None:
        if uow.patients.get(patient_id) is None:
            raise NotFound("That patient record does not exist.")

    def _audit_change(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: RevisionAction,
        *,
        entity_type: str,
        entity_id: str,
        patient_id: str,
    ) -> None:
        self._audit(
            uow, actor, AuditAction.UPDATE, entity_type, entity_id, patient_id, detail=action
        )

    def _audit(  # noqa: PLR0917 - mirrors the audit() fields in their order
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        entity_type: str,
        entity_id: str,
        patient_id: str,
        *,
        detail: str = "",
    ) -> None:
        audit(
            uow,
            self._clock,
            actor,
            action,
            entity_type=entity_type,
            entity_id=entity_id,
            patient_id=patient_id,
            detail=detail,
        )


def _found(item: T | None, what: str) -> T:
    if item is None:
        raise NotFound(f"That {what} is not in the chart; it may have been removed.")
    return item


def _check_version(current: int, expected: int) -> None:
    # Checked before writing so the refusal is plain; the repository checks again
    # inside the write (another workstation may have changed it in between).
    if current != expected:
        raise ValidationFailed(
            "Someone else changed this entry while you were editing.",
            "Reopen it to see the latest version, then make your change again.",
        )


def _check_code(draft: ProblemDraft) -> ProblemDraft:
    if draft.code is not None and not ICD10_SHAPE.fullmatch(draft.code):
        raise ChartListValidationFailed({"code": "That is not an ICD-10 code (e.g. L40.0)."})
    return draft


__all__ = [
    "ICD10_SHAPE",
    "ChartListService",
    "sort_allergies",
    "sort_medications",
    "sort_problems",
]

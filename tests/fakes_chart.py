"""In-memory fakes for the chart-list, note-template and diagnosis ports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dermai_desktop.domain.chart_lists import (
    Allergy,
    AllergyDraft,
    AllergyId,
    LesionBrief,
    ListKind,
    Medication,
    MedicationDraft,
    MedicationId,
    NoteDiagnosis,
    NoteTemplate,
    Problem,
    ProblemDraft,
    ProblemId,
    Revision,
    RevisionAction,
    TemplateDraft,
    TemplateId,
    TemplateSource,
    VisitRef,
    VisitWindow,
)
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import NoteId, PatientId, UserId, new_uuid7
from dermai_desktop.domain.users import Actor

if TYPE_CHECKING:
    from tests.fakes import FakeClock, FakeState


@dataclass
class FakeAppointment:
    """What the summary reads from the schedule: enough to find last and next visits."""

    patient_id: PatientId
    start: datetime
    type: str
    provider_id: UserId
    status: str = "booked"


@dataclass
class FakeChartState:
    problems: dict[str, Problem] = field(default_factory=dict)
    allergies: dict[str, Allergy] = field(default_factory=dict)
    medications: dict[str, Medication] = field(default_factory=dict)
    revisions: list[tuple[ListKind, RevisionAction, Any]] = field(default_factory=list)
    diagnoses: dict[NoteId, tuple[NoteDiagnosis, ...]] = field(default_factory=dict)
    templates: dict[TemplateId, NoteTemplate] = field(default_factory=dict)
    lesions: dict[PatientId, list[LesionBrief]] = field(default_factory=dict)
    appointments: list[FakeAppointment] = field(default_factory=list)
    #: Writes that reached the fake "database" (tests assert autosave does not write).
    writes: int = 0


class SignedDiagnosisTriggerError(RuntimeError):
    """What the note_diagnoses trigger does when a signed note's codes are touched."""


class FakeChartListRepository:
    def __init__(self, state: FakeState, clock: FakeClock, actor: Actor) -> None:
        self._root = state
        self._s = state.chart
        self._clock = clock
        self._actor = actor

    # --- generic plumbing ---------------------------------------------------------------

    def _stamp(self, item: Any, version: int, created: datetime | None = None) -> Any:
        now = self._clock.now()
        return replace(
            item,
            version=version,
            created_at=created or now,
            updated_at=now,
            updated_by=self._actor.user_id,
        )

    def _keep(self, kind: ListKind, action: RevisionAction, item: Any) -> None:
        self._s.revisions.append((kind, action, item))
        self._s.writes += 1

    @staticmethod
    def _for_update(table: dict[str, Any], item_id: str, expected: int) -> Any:
        current = table.get(item_id)
        if current is None:
            raise NotFound("gone")
        if current.version != expected:
            raise ValidationFailed("stale version")
        return current

    # --- problems -----------------------------------------------------------------------

    def problems(self, patient_id: PatientId) -> list[Problem]:
        return [p for p in self._s.problems.values() if p.patient_id == patient_id]

    def get_problem(self, problem_id: ProblemId) -> Problem | None:
        return self._s.problems.get(problem_id)

    def add_problem(self, patient_id: PatientId, draft: ProblemDraft) -> Problem:
        now = self._clock.now()
        item = Problem(
            ProblemId(new_uuid7()),
            patient_id,
            draft.label,
            draft.code,
            draft.onset,
            draft.status,
            draft.resolved_on,
            1,
            now,
            now,
            self._actor.user_id,
        )
        self._s.problems[item.id] = item
        self._keep(ListKind.PROBLEM, RevisionAction.CREATED, item)
        return item

    def update_problem(
        self, problem_id: ProblemId, draft: ProblemDraft, expected_version: int, action: Any
    ) -> Problem:
        current = self._for_update(self._s.problems, problem_id, expected_version)
        item = self._stamp(
            replace(
                current,
                label=draft.label,
                code=draft.code,
                onset=draft.onset,
                status=draft.status,
                resolved_on=draft.resolved_on,
            ),
            current.version + 1,
            current.created_at,
        )
        self._s.problems[problem_id] = item
        self._keep(ListKind.PROBLEM, action, item)
        return item  # type: ignore[no-any-return]

    # --- allergies ----------------------------------------------------------------------

    def allergies(self, patient_id: PatientId) -> list[Allergy]:
        return [a for a in self._s.allergies.values() if a.patient_id == patient_id]

    def get_allergy(self, allergy_id: AllergyId) -> Allergy | None:
        return self._s.allergies.get(allergy_id)

    def add_allergy(self, patient_id: PatientId, draft: AllergyDraft) -> Allergy:
        now = self._clock.now()
        item = Allergy(
            AllergyId(new_uuid7()),
            patient_id,
            draft.substance,
            draft.reaction,
            draft.severity,
            draft.status,
            1,
            now,
            now,
            self._actor.user_id,
        )
        self._s.allergies[item.id] = item
        self._keep(ListKind.ALLERGY, RevisionAction.CREATED, item)
        return item

    def update_allergy(
        self, allergy_id: AllergyId, draft: AllergyDraft, expected_version: int, action: Any
    ) -> Allergy:
        current = self._for_update(self._s.allergies, allergy_id, expected_version)
        item = self._stamp(
            replace(
                current,
                substance=draft.substance,
                reaction=draft.reaction,
                severity=draft.severity,
                status=draft.status,
            ),
            current.version + 1,
            current.created_at,
        )
        self._s.allergies[allergy_id] = item
        self._keep(ListKind.ALLERGY, action, item)
        return item  # type: ignore[no-any-return]

    # --- medications --------------------------------------------------------------------

    def medications(self, patient_id: PatientId) -> list[Medication]:
        return [m for m in self._s.medications.values() if m.patient_id == patient_id]

    def get_medication(self, medication_id: MedicationId) -> Medication | None:
        return self._s.medications.get(medication_id)

    def add_medication(self, patient_id: PatientId, draft: MedicationDraft) -> Medication:
        now = self._clock.now()
        item = Medication(
            MedicationId(new_uuid7()),
            patient_id,
            draft.name,
            draft.dose,
            draft.route,
            draft.frequency,
            draft.start,
            draft.stop,
            draft.status,
            1,
            now,
            now,
            self._actor.user_id,
        )
        self._s.medications[item.id] = item
        self._keep(ListKind.MEDICATION, RevisionAction.CREATED, item)
        return item

    def update_medication(
        self,
        medication_id: MedicationId,
        draft: MedicationDraft,
        expected_version: int,
        action: Any,
    ) -> Medication:
        current = self._for_update(self._s.medications, medication_id, expected_version)
        item = self._stamp(
            replace(
                current,
                name=draft.name,
                dose=draft.dose,
                route=draft.route,
                frequency=draft.frequency,
                start=draft.start,
                stop=draft.stop,
                status=draft.status,
            ),
            current.version + 1,
            current.created_at,
        )
        self._s.medications[medication_id] = item
        self._keep(ListKind.MEDICATION, action, item)
        return item  # type: ignore[no-any-return]

    # --- history ------------------------------------------------------------------------

    def _history(self, kind: ListKind, item_id: str) -> list[Revision[Any]]:
        return [
            Revision(action, item)
            for k, action, item in self._s.revisions
            if k is kind and item.id == item_id
        ]

    def problem_history(self, problem_id: ProblemId) -> list[Revision[Problem]]:
        return self._history(ListKind.PROBLEM, problem_id)

    def allergy_history(self, allergy_id: AllergyId) -> list[Revision[Allergy]]:
        return self._history(ListKind.ALLERGY, allergy_id)

    def medication_history(self, medication_id: MedicationId) -> list[Revision[Medication]]:
        return self._history(ListKind.MEDICATION, medication_id)

    def revision_count(self, kind: ListKind, item_id: str) -> int:
        return len(self._history(kind, item_id))

    # --- diagnoses ----------------------------------------------------------------------

    def note_diagnoses(self, note_ids: Sequence[NoteId]) -> dict[NoteId, tuple[NoteDiagnosis, ...]]:
        return {n: self._s.diagnoses[n] for n in note_ids if self._s.diagnoses.get(n)}

    def set_note_diagnoses(
        self, note_id: NoteId, patient_id: PatientId, diagnoses: Sequence[NoteDiagnosis]
    ) -> None:
        note = self._root.notes.get(note_id)
        if note is None or note.patient_id != patient_id:
            raise AssertionError("foreign key: note_id")
        if note.is_signed:
            raise SignedDiagnosisTriggerError("signed note is locked")
        self._s.diagnoses[note_id] = tuple(diagnoses)
        self._s.writes += 1

    # --- summary ------------------------------------------------------------------------

    def lesions_under_watch(self, patient_id: PatientId) -> list[LesionBrief]:
        return list(self._s.lesions.get(patient_id, ()))

    def visits(self, patient_id: PatientId, now: datetime) -> VisitWindow:
        past = [
            VisitRef(e.started_at, "encounter", e.reason, e.clinician_id)
            for e in self._root.encounters.values()
            if e.patient_id == patient_id and e.started_at <= now
        ]
        future: list[VisitRef] = []
        for a in self._s.appointments:
            ref = VisitRef(a.start, "appointment", a.type, a.provider_id, a.status)
            if a.patient_id != patient_id:
                continue
            if a.start <= now and a.status in ("arrived", "in_room", "completed"):
                past.append(ref)
            elif a.start > now and a.status in ("booked", "confirmed"):
                future.append(ref)
        last = max(past, key=lambda v: v.at, default=None)
        upcoming = min(future, key=lambda v: v.at, default=None)
        return VisitWindow(last, upcoming)


class FakeNoteTemplateRepository:
    def __init__(self, state: FakeState, clock: FakeClock, actor: Actor) -> None:
        self._s = state.chart
        self._clock = clock
        self._actor = actor

    def list(self, include_inactive: bool = False) -> list[NoteTemplate]:
        found = [t for t in self._s.templates.values() if include_inactive or t.active]
        return sorted(found, key=lambda t: t.name.casefold())

    def get(self, template_id: TemplateId) -> NoteTemplate | None:
        return self._s.templates.get(template_id)

    def keys(self) -> set[str]:
        return {t.key for t in self._s.templates.values()}

    def add(self, key: str, draft: TemplateDraft, source: TemplateSource) -> NoteTemplate:
        if key in self.keys():
            raise AssertionError("unique constraint: key")
        template = NoteTemplate(
            TemplateId(new_uuid7()),
            key,
            draft.name,
            draft.description,
            draft.subjective,
            draft.objective,
            draft.assessment,
            draft.plan,
            draft.suggested_codes,
            source,
            True,
            1,
            self._clock.now(),
            self._actor.user_id,
        )
        self._s.templates[template.id] = template
        return template

    def _bump(self, template_id: TemplateId, expected: int, **changes: Any) -> NoteTemplate:
        current = self._s.templates[template_id]
        if current.version != expected:
            raise ValidationFailed("stale version")
        updated = replace(
            current,
            version=current.version + 1,
            updated_at=self._clock.now(),
            updated_by=self._actor.user_id,
            **changes,
        )
        self._s.templates[template_id] = updated
        return updated

    def update(
        self, template_id: TemplateId, draft: TemplateDraft, expected_version: int
    ) -> NoteTemplate:
        return self._bump(
            template_id,
            expected_version,
            name=draft.name,
            description=draft.description,
            subjective=draft.subjective,
            objective=draft.objective,
            assessment=draft.assessment,
            plan=draft.plan,
            suggested_codes=draft.suggested_codes,
        )

    def set_active(
        self, template_id: TemplateId, active: bool, expected_version: int
    ) -> NoteTemplate:
        return self._bump(template_id, expected_version, active=active)


__all__ = [
    "FakeAppointment",
    "FakeChartListRepository",
    "FakeChartState",
    "FakeNoteTemplateRepository",
    "SignedDiagnosisTriggerError",
]

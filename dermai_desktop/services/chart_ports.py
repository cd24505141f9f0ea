"""Ports for the chart lists, note templates and coded diagnoses (storage implements them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

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
    VisitWindow,
)
from dermai_desktop.domain.ids import NoteId, PatientId


class ChartListRepository(Protocol):
    """Problems, allergies, medications (each change also appends a kept revision),
    diagnoses on notes, and the read-only bits of the chart summary."""

    def problems(self, patient_id: PatientId) -> list[Problem]: ...
    def get_problem(self, problem_id: ProblemId) -> Problem | None: ...
    def add_problem(self, patient_id: PatientId, draft: ProblemDraft) -> Problem: ...
    def update_problem(
        self,
        problem_id: ProblemId,
        draft: ProblemDraft,
        expected_version: int,
        action: RevisionAction,
    ) -> Problem:
        """Write the draft; raise ``ValidationFailed`` on a stale version."""
        ...

    def allergies(self, patient_id: PatientId) -> list[Allergy]: ...
    def get_allergy(self, allergy_id: AllergyId) -> Allergy | None: ...
    def add_allergy(self, patient_id: PatientId, draft: AllergyDraft) -> Allergy: ...
    def update_allergy(
        self,
        allergy_id: AllergyId,
        draft: AllergyDraft,
        expected_version: int,
        action: RevisionAction,
    ) -> Allergy: ...

    def medications(self, patient_id: PatientId) -> list[Medication]: ...
    def get_medication(self, medication_id: MedicationId) -> Medication | None: ...
    def add_medication(self, patient_id: PatientId, draft: MedicationDraft) -> Medication: ...
    def update_medication(
        self,
        medication_id: MedicationId,
        draft: MedicationDraft,
        expected_version: int,
        action: RevisionAction,
    ) -> Medication: ...

    def problem_history(self, problem_id: ProblemId) -> list[Revision[Problem]]:
        """Every kept version, oldest first."""
        ...

    def allergy_history(self, allergy_id: AllergyId) -> list[Revision[Allergy]]: ...
    def medication_history(self, medication_id: MedicationId) -> list[Revision[Medication]]: ...
    def revision_count(self, kind: ListKind, item_id: str) -> int: ...

    def note_diagnoses(self, note_ids: Sequence[NoteId]) -> dict[NoteId, tuple[NoteDiagnosis, ...]]:
        """Diagnoses per note, in coded order; notes without any are left out."""
        ...

    def set_note_diagnoses(
        self, note_id: NoteId, patient_id: PatientId, diagnoses: Sequence[NoteDiagnosis]
    ) -> None:
        """Replace the note's diagnoses (the note is a draft; the service checked)."""
        ...

    def lesions_under_watch(self, patient_id: PatientId) -> list[LesionBrief]: ...

    def visits(self, patient_id: PatientId, now: datetime) -> VisitWindow:
        """The last visit before ``now`` and the next booked one after it.

        Reads appointments when the schedule tables exist, else encounters only,
        so the chart summary works before and after the schedule lands.
        """
        ...


class NoteTemplateRepository(Protocol):
    def list(self, include_inactive: bool = False) -> list[NoteTemplate]:
        """Templates by name."""
        ...

    def get(self, template_id: TemplateId) -> NoteTemplate | None: ...
    def keys(self) -> set[str]:
        """Every key ever stored, retired ones too (seeding never brings one back)."""
        ...

    def add(self, key: str, draft: TemplateDraft, source: TemplateSource) -> NoteTemplate: ...
    def update(
        self, template_id: TemplateId, draft: TemplateDraft, expected_version: int
    ) -> NoteTemplate: ...
    def set_active(
        self, template_id: TemplateId, active: bool, expected_version: int
    ) -> NoteTemplate: ...


__all__ = ["ChartListRepository", "NoteTemplateRepository"]

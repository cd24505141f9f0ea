"""Frozen data passed between services, adapters and the UI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.chart_lists import NoteDiagnosis
from dermai_desktop.domain.ids import ClinicId, NoteId, PatientId, WorkstationId
from dermai_desktop.domain.patients import Encounter, Patient, Sex, SoapNote


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An audit event before the repository numbers and chains it."""

    occurred_at: datetime
    user_id: str | None
    username: str | None
    role: str | None
    workstation_id: str
    action: AuditAction
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    entity_type: str | None = None
    entity_id: str | None = None
    patient_id: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ClinicInfo:
    id: ClinicId
    name: str
    workstation_id: WorkstationId
    workstation_name: str
    is_demo: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NoteText:
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    """What a clinician sees on opening a chart: demographics, encounters, notes with addenda."""

    patient: Patient
    encounters: tuple[Encounter, ...]
    notes: tuple[SoapNote, ...]
    #: ICD-10 diagnoses coded on each note (addenda included), keyed by note id.
    diagnoses: Mapping[NoteId, tuple[NoteDiagnosis, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One row of a patient list or search result: enough to pick the right person."""

    id: PatientId
    mrn: str
    display_name: str  # "Family, Given"
    date_of_birth: date
    sex: Sex
    phone: str
    age: int

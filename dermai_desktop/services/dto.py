"""Frozen data passed between services, adapters and the UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.ids import ClinicId, WorkstationId
from dermai_desktop.domain.patients import Encounter, Patient, SoapNote


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

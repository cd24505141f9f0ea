"""Frozen data the chart services hand to the UI: the banner, the summary, autosave results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dermai_desktop.domain.chart_lists import (
    Allergy,
    AllergySeverity,
    LesionBrief,
    Medication,
    NoteDiagnosis,
    Problem,
    VisitRef,
)
from dermai_desktop.domain.ids import NoteId, PatientId
from dermai_desktop.domain.patients import FitzpatrickType, Sex

#: Severities that make the allergy badge say "severe" as well as red.
SERIOUS_SEVERITIES = frozenset({AllergySeverity.SEVERE, AllergySeverity.LIFE_THREATENING})


@dataclass(frozen=True, slots=True)
class ChartBanner:
    """The strip across the top of an open chart."""

    patient_id: PatientId
    mrn: str
    display_name: str  # "Family, Given"
    given_name: str
    family_name: str
    date_of_birth: date
    age: int
    sex: Sex
    fitzpatrick: FitzpatrickType | None
    flags: tuple[str, ...]
    #: Active allergy substances, most serious first; the badge is red when non-empty.
    allergy_substances: tuple[str, ...]
    has_serious_allergy: bool

    @property
    def has_allergies(self) -> bool:
        return bool(self.allergy_substances)

    @property
    def allergy_badge_text(self) -> str:
        if not self.allergy_substances:
            return "No allergies recorded"
        count = len(self.allergy_substances)
        return f"{count} allerg{'y' if count == 1 else 'ies'}"


@dataclass(frozen=True, slots=True)
class ChartSummary:
    """Everything on the summary tab, read in one unit of work."""

    banner: ChartBanner
    active_problems: tuple[Problem, ...]
    allergies: tuple[Allergy, ...]  # active ones, most serious first
    current_medications: tuple[Medication, ...]
    lesions_under_watch: tuple[LesionBrief, ...]
    last_visit: VisitRef | None
    next_visit: VisitRef | None
    as_of: datetime


@dataclass(frozen=True, slots=True)
class DraftSaved:
    """The result of an autosave: ``changed`` is False when nothing needed writing."""

    note_id: NoteId
    version: int
    saved_at: datetime  # when the stored text last changed
    changed: bool
    diagnoses: tuple[NoteDiagnosis, ...] = ()


__all__ = ["SERIOUS_SEVERITIES", "ChartBanner", "ChartSummary", "DraftSaved"]

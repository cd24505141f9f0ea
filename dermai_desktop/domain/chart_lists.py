"""Problem, allergy and medication lists, note templates, coded diagnoses: data and rules."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, NewType, TypeVar

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import NoteId, PatientId, UserId

ProblemId = NewType("ProblemId", str)
AllergyId = NewType("AllergyId", str)
MedicationId = NewType("MedicationId", str)
TemplateId = NewType("TemplateId", str)

#: Limits that fit the database columns and any sane entry; guards, not style rules.
MAX_LABEL = 200
MAX_CODE = 32
MAX_FREE_TEXT = 2_000
MAX_SHORT = 64
MAX_DIAGNOSES = 20
#: No one alive was diagnosed before this; catches "0024" typed for "2024".
EARLIEST_DATE = date(1900, 1, 1)


class ListKind(StrEnum):
    """Which chart list a row or revision belongs to (also the audit ``entity_type``)."""

    PROBLEM = "problem"
    ALLERGY = "allergy"
    MEDICATION = "medication"


class ProblemStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


class AllergyStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class MedicationStatus(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"


class RevisionAction(StrEnum):
    """Why a revision of a list row was written."""

    CREATED = "created"
    EDITED = "edited"
    RESOLVED = "resolved"  # a problem or allergy resolved, a medication stopped
    REACTIVATED = "reactivated"


class ChartListValidationFailed(ValidationFailed):
    """Several field problems at once, so a dialog can mark each field (PHI-free texts)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        first = next(iter(self.problems.values()), "Some entries are not valid.")
        super().__init__(first, "Correct the marked fields and save again.")


# --- drafts (what a clinician types) and rows (what is stored) ---------------------


@dataclass(frozen=True, slots=True)
class ProblemDraft:
    label: str
    code: str | None = None  # ICD-10, e.g. "L40.0"
    onset: date | None = None
    status: ProblemStatus = ProblemStatus.ACTIVE
    resolved_on: date | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    id: ProblemId
    patient_id: PatientId
    label: str
    code: str | None
    onset: date | None
    status: ProblemStatus
    resolved_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: UserId | None

    @property
    def is_active(self) -> bool:
        return self.status is ProblemStatus.ACTIVE

    def draft(self) -> ProblemDraft:
        return ProblemDraft(self.label, self.code, self.onset, self.status, self.resolved_on)


@dataclass(frozen=True, slots=True)
class AllergyDraft:
    substance: str
    reaction: str = ""
    severity: AllergySeverity = AllergySeverity.UNKNOWN
    status: AllergyStatus = AllergyStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Allergy:
    id: AllergyId
    patient_id: PatientId
    substance: str
    reaction: str
    severity: AllergySeverity
    status: AllergyStatus
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: UserId | None

    @property
    def is_active(self) -> bool:
        return self.status is AllergyStatus.ACTIVE

    def draft(self) -> AllergyDraft:
        return AllergyDraft(self.substance, self.reaction, self.severity, self.status)


@dataclass(frozen=True, slots=True)
class MedicationDraft:
    name: str
    dose: str = ""
    route: str = ""
    frequency: str = ""
    start: date | None = None
    stop: date | None = None
    status: MedicationStatus = MedicationStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Medication:
    id: MedicationId
    patient_id: PatientId
    name: str
    dose: str
    route: str
    frequency: str
    start: date | None
    stop: date | None
    status: MedicationStatus
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: UserId | None

    def is_current(self, today: date) -> bool:
        """Taken now: active, and not past a planned stop date."""
        return self.status is MedicationStatus.ACTIVE and (self.stop is None or self.stop >= today)

    def draft(self) -> MedicationDraft:
        return MedicationDraft(
            self.name, self.dose, self.route, self.frequency, self.start, self.stop, self.status
        )


Item = TypeVar("Item", Problem, Allergy, Medication)


@dataclass(frozen=True, slots=True)
class Revision(Generic[Item]):
    """One kept version of a list row: what it said, who wrote it and when."""

    action: RevisionAction
    item: Item

    @property
    def version(self) -> int:
        return self.item.version

    @property
    def recorded_at(self) -> datetime:
        return self.item.updated_at

    @property
    def recorded_by(self) -> UserId | None:
        return self.item.updated_by


# --- note templates ------------------------------------------------------------------


class TemplateSource(StrEnum):
    BUNDLED = "bundled"  # shipped in resources/note_templates, maybe edited since
    CUSTOM = "custom"  # written by a manager


@dataclass(frozen=True, slots=True)
class TemplateDraft:
    name: str
    description: str = ""
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    suggested_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoteTemplate:
    id: TemplateId
    key: str  # stable slug; bundled templates are matched by it when seeding
    name: str
    description: str
    subjective: str
    objective: str
    assessment: str
    plan: str
    suggested_codes: tuple[str, ...]
    source: TemplateSource
    active: bool
    version: int
    updated_at: datetime
    updated_by: UserId | None

    def draft(self) -> TemplateDraft:
        return TemplateDraft(
            self.name,
            self.description,
            self.subjective,
            self.objective,
            self.assessment,
            self.plan,
            self.suggested_codes,
        )


# --- diagnoses -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """An ICD-10 code with its official title."""

    code: str
    title: str
    chapter: str = ""


@dataclass(frozen=True, slots=True)
class NoteDiagnosis:
    """A diagnosis coded on a note; the title is kept as it read when coded."""

    note_id: NoteId
    code: str
    title: str
    position: int


# --- chart summary parts -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitRef:
    """A past or booked visit, for "last visit" / "next visit" on the chart."""

    at: datetime
    source: str  # "appointment" or "encounter"
    kind: str  # appointment type, or the encounter reason
    provider_id: UserId | None
    status: str = ""


@dataclass(frozen=True, slots=True)
class VisitWindow:
    last: VisitRef | None = None
    next: VisitRef | None = None


@dataclass(frozen=True, slots=True)
class LesionBrief:
    id: str
    label: str
    body_site: str
    status: str
    first_seen_at: datetime
    image_count: int = 0
    follow_up_months: int | None = None


@dataclass(frozen=True, slots=True)
class ListSnapshot:
    """A patient's three lists in one read."""

    problems: tuple[Problem, ...] = ()
    allergies: tuple[Allergy, ...] = ()
    medications: tuple[Medication, ...] = field(default=())


# --- rules ---------------------------------------------------------------------------


#: Bidi embeddings, overrides and isolates: real text never needs them, and they can
#: make an entry display as something else ("Peni<RLO>nillicep").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str) -> str:
    """NFC, bidi controls dropped, other control characters as spaces, white space folded.

    Zero-width joiners stay: emoji sequences and Persian or Indic text need them.
    """
    value = unicodedata.normalize("NFC", value)
    kept = (
        " " if unicodedata.category(ch) == "Cc" else ch for ch in value if ch not in _BIDI_CONTROLS
    )
    return " ".join("".join(kept).split())


def normalise_code(code: str | None) -> str | None:
    """``l405`` / `` L40.5 `` -> ``L40.5``; empty -> ``None``. Shape is not validated here."""
    if code is None:
        return None
    text = "".join(code.split()).upper().replace(",", ".")
    if not text:
        return None
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    return text


def _check_len(problems: dict[str, str], name: str, value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        problems[name] = f"{what} can have at most {limit:,} characters."


def _check_date(
    problems: dict[str, str], name: str, value: date | None, today: date, what: str
) -> None:
    if value is None:
        return
    if value < EARLIEST_DATE:
        problems[name] = f"{what} is before 1900; check the year."
    elif value > today:
        problems[name] = f"{what} cannot be in the future."


def validate_problem(draft: ProblemDraft, today: date) -> ProblemDraft:
    label = clean_text(draft.label)
    code = normalise_code(draft.code)
    problems: dict[str, str] = {}
    if not label:
        problems["label"] = "Describe the problem."
    _check_len(problems, "label", label, MAX_LABEL, "The description")
    if code is not None and len(code) > MAX_CODE:
        problems["code"] = "That is not an ICD-10 code."
    _check_date(problems, "onset", draft.onset, today, "The onset date")
    resolved_on = draft.resolved_on if draft.status is ProblemStatus.RESOLVED else None
    _check_date(problems, "resolved_on", resolved_on, today, "The resolved date")
    if resolved_on and draft.onset and resolved_on < draft.onset:
        problems["resolved_on"] = "The resolved date is before the onset."
    if problems:
        raise ChartListValidationFailed(problems)
    return ProblemDraft(label, code, draft.onset, draft.status, resolved_on)


def validate_allergy(draft: AllergyDraft) -> AllergyDraft:
    substance = clean_text(draft.substance)
    reaction = clean_text(draft.reaction)
    problems: dict[str, str] = {}
    if not substance:
        problems["substance"] = "Name the substance (or write 'No known allergies' as a flag)."
    _check_len(problems, "substance", substance, MAX_LABEL, "The substance")
    _check_len(problems, "reaction", reaction, MAX_FREE_TEXT, "The reaction")
    if problems:
        raise ChartListValidationFailed(problems)
    return AllergyDraft(substance, reaction, draft.severity, draft.status)


def validate_medication(draft: MedicationDraft, today: date) -> MedicationDraft:
    name = clean_text(draft.name)
    dose, route, frequency = (clean_text(v) for v in (draft.dose, draft.route, draft.frequency))
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Name the medication."
    _check_len(problems, "name", name, MAX_LABEL, "The name")
    _check_len(problems, "dose", dose, MAX_LABEL, "The dose")
    _check_len(problems, "route", route, MAX_SHORT, "The route")
    _check_len(problems, "frequency", frequency, MAX_SHORT, "The frequency")
    _check_date(problems, "start", draft.start, today, "The start date")
    # A stop date may lie ahead: "for 14 days" courses are written that way.
    if draft.stop is not None and draft.stop < EARLIEST_DATE:
        problems["stop"] = "The stop date is before 1900; check the year."
    elif draft.stop is not None and draft.start is not None and draft.stop < draft.start:
        problems["stop"] = "The stop date is before the start date."
    if problems:
        raise ChartListValidationFailed(problems)
    return MedicationDraft(name, dose, route, frequency, draft.start, draft.stop, draft.status)


def validate_template(draft: TemplateDraft) -> TemplateDraft:
    name = clean_text(draft.name)
    description = clean_text(draft.description)
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Give the template a name."
    _check_len(problems, "name", name, MAX_LABEL, "The name")
    _check_len(problems, "description", description, MAX_FREE_TEXT, "The description")
    sections: dict[str, str] = {}
    for section in ("subjective", "objective", "assessment", "plan"):
        # Keep line breaks: templates are multi-line prompts.
        text = unicodedata.normalize("NFC", getattr(draft, section)).replace("\r\n", "\n")
        _check_len(problems, section, text, 20_000, "A template section")
        sections[section] = text
    codes: list[str] = []
    for raw in draft.suggested_codes:
        code = normalise_code(raw)
        if code and code not in codes:
            codes.append(code)
    if len(codes) > MAX_DIAGNOSES:
        problems["suggested_codes"] = f"Suggest at most {MAX_DIAGNOSES} diagnoses."
    if not any(sections[s].strip() for s in sections):
        problems["subjective"] = "A template needs some text in at least one section."
    if problems:
        raise ChartListValidationFailed(problems)
    return TemplateDraft(
        name,
        description,
        sections["subjective"],
        sections["objective"],
        sections["assessment"],
        sections["plan"],
        tuple(codes),
    )


def template_key(name: str) -> str:
    """A slug for a custom template's key: ``Mohs follow-up`` -> ``mohs_follow_up``."""
    ascii_text = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    )
    slug = "".join(ch if ch.isalnum() else "_" for ch in ascii_text)
    return "_".join(part for part in slug.split("_") if part)[:48] or "template"

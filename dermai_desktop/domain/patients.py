"""Patients and their clinical record: plain data, no persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum

from dermai_desktop.domain.ids import EncounterId, NoteId, PatientId, UserId


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class FitzpatrickType(IntEnum):
    """Fitzpatrick skin phototype I-VI: how skin responds to UV light."""

    I = 1  # noqa: E741 - the clinical name of the type
    II = 2
    III = 3
    IV = 4
    V = 5
    VI = 6

    @property
    def roman(self) -> str:
        return ["I", "II", "III", "IV", "V", "VI"][self.value - 1]


@dataclass(frozen=True, slots=True)
class PatientDraft:
    """What the front desk types when registering or editing a patient."""

    given_name: str
    family_name: str
    date_of_birth: date
    sex: Sex
    phone: str = ""
    email: str = ""
    address: str = ""
    fitzpatrick: FitzpatrickType | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Patient:
    id: PatientId
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: Sex
    phone: str
    email: str
    address: str
    fitzpatrick: FitzpatrickType | None
    flags: tuple[str, ...]
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def age_on(self, day: date) -> int:
        had_birthday = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if had_birthday else 1)


@dataclass(frozen=True, slots=True)
class SoapNote:
    """A visit note in SOAP form. Once signed it never changes again."""

    id: NoteId
    encounter_id: EncounterId
    patient_id: PatientId
    author_id: UserId
    subjective: str
    objective: str
    assessment: str
    plan: str
    created_at: datetime
    updated_at: datetime
    version: int
    signed_at: datetime | None = None
    signed_by: UserId | None = None
    amends_id: NoteId | None = None  # set on an addendum: the signed note it corrects
    addenda: tuple[SoapNote, ...] = field(default=())

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True, slots=True)
class Encounter:
    id: EncounterId
    patient_id: PatientId
    clinician_id: UserId
    started_at: datetime
    reason: str

"""Lesions: a spot on the skin a dermatologist follows over time, placed on a body map.

A lesion has a marker on one of four body silhouettes (front, back, left,
right). Its position is stored in the silhouette's own coordinates, scaled
to 0..1 on both axes, so the art can be redrawn at any size and the marker
stays on the same spot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import LesionId, PatientId

MAX_LABEL = 60
MAX_SITE = 120
MAX_IMPRESSION = 2000
#: Follow-up intervals a clinic actually uses run from a month to a few years.
MAX_FOLLOW_UP_MONTHS = 60


class LesionStatus(StrEnum):
    WATCH = "watch"
    BIOPSY_PENDING = "biopsy_pending"
    EXCISED = "excised"
    BENIGN = "benign"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_active(self) -> bool:
        """Still being followed: under watch or waiting for a biopsy result."""
        return self in (LesionStatus.WATCH, LesionStatus.BIOPSY_PENDING)


_STATUS_LABELS = {
    LesionStatus.WATCH: "Watch",
    LesionStatus.BIOPSY_PENDING: "Biopsy pending",
    LesionStatus.EXCISED: "Excised",
    LesionStatus.BENIGN: "Benign",
    LesionStatus.RESOLVED: "Resolved",
}


class BodyView(StrEnum):
    FRONT = "front"
    BACK = "back"
    LEFT = "left"
    RIGHT = "right"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True, slots=True)
class BodyPoint:
    """Where a marker sits: a view and a point scaled to 0..1 across and down its art."""

    view: BodyView
    x: float
    y: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.x <= 1.0 and 0.0 <= self.y <= 1.0):
            raise ValidationFailed("A lesion marker must sit on the body map.")


@dataclass(frozen=True, slots=True)
class LesionDraft:
    """What a clinician enters for a lesion; ``validated`` trims and checks it."""

    label: str
    site: str
    position: BodyPoint
    first_noted: date
    status: LesionStatus = LesionStatus.WATCH
    impression: str = ""
    follow_up_months: int | None = None

    def validated(self, today: date) -> LesionDraft:
        label = " ".join(self.label.split())
        site = " ".join(self.site.split())
        impression = self.impression.strip()
        if not label:
            raise ValidationFailed(
                "Give the lesion a short label, such as “L1” or “left shoulder mole”."
            )
        if len(label) > MAX_LABEL:
            raise ValidationFailed(f"Keep the lesion label under {MAX_LABEL} characters.")
        if not site:
            raise ValidationFailed(
                "Say where the lesion is (the site is filled in from the body map)."
            )
        if len(site) > MAX_SITE:
            raise ValidationFailed(f"Keep the site under {MAX_SITE} characters.")
        if len(impression) > MAX_IMPRESSION:
            raise ValidationFailed(
                f"Keep the clinical impression under {MAX_IMPRESSION} characters."
            )
        if self.first_noted > today:
            raise ValidationFailed("The date first noted cannot be in the future.")
        if self.follow_up_months is not None and not (
            1 <= self.follow_up_months <= MAX_FOLLOW_UP_MONTHS
        ):
            raise ValidationFailed(
                f"A follow-up interval runs from 1 to {MAX_FOLLOW_UP_MONTHS} months."
            )
        return LesionDraft(
            label=label,
            site=site,
            position=self.position,
            first_noted=self.first_noted,
            status=LesionStatus(self.status),
            impression=impression,
            follow_up_months=self.follow_up_months,
        )


@dataclass(frozen=True, slots=True)
class Lesion:
    id: LesionId
    patient_id: PatientId
    label: str
    site: str
    position: BodyPoint
    first_noted: date
    status: LesionStatus
    impression: str
    follow_up_months: int | None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    #: The open recall created from ``follow_up_months`` (id only; the schedule owns it).
    recall_id: str | None = None

    def draft(self) -> LesionDraft:
        return LesionDraft(
            label=self.label,
            site=self.site,
            position=self.position,
            first_noted=self.first_noted,
            status=self.status,
            impression=self.impression,
            follow_up_months=self.follow_up_months,
        )


__all__ = [
    "MAX_FOLLOW_UP_MONTHS",
    "BodyPoint",
    "BodyView",
    "Lesion",
    "LesionDraft",
    "LesionStatus",
]

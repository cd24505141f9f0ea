"""A patient with lesions and dated, measured synthetic photos, through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dermai_desktop.demo_images import LesionLook, render
from dermai_desktop.domain.ids import ImageId, LesionId
from dermai_desktop.domain.imaging import (
    Calibration,
    CalibrationSource,
    ConsentScope,
    MeasureKind,
    Measurement,
    Modality,
    Overlay,
)
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft, LesionStatus
from dermai_desktop.domain.patients import Patient
from dermai_desktop.services.startup import UnlockedClinic
from dermai_desktop.ui.session import Session
from tests.ui.chart_support import register_patient, session_for

LESIONS = (
    ("L1", "Left upper back", BodyPoint(BodyView.BACK, 0.4, 0.3), LesionStatus.WATCH, 3),
    ("L2", "Chest", BodyPoint(BodyView.FRONT, 0.55, 0.33), LesionStatus.BIOPSY_PENDING, 2),
)


@dataclass
class Seeded:
    session: Session
    patient: Patient
    lesion_ids: list[LesionId]
    image_ids: list[ImageId]


def seed_patient_with_lesions(clinic: UnlockedClinic, *, teaching_first: bool = False) -> Seeded:
    """Two lesions with 3 and 2 dated dermoscopy photos, calibrated and outlined.

    With ``teaching_first`` the first photo's consent covers teaching; the rest stay at
    the default (clinical care only).
    """
    patient = register_patient(clinic)
    derm = session_for(clinic, "derm")
    lesions, images = clinic.services.lesions, clinic.services.images
    lesion_ids: list[LesionId] = []
    image_ids: list[ImageId] = []
    for index, (label, site, point, status, visits) in enumerate(LESIONS):
        lesion = lesions.add(
            derm.actor,
            patient.id,
            LesionDraft(label, site, point, date(2024, 1, 10), status, "Atypical naevus.", 6),
        )
        lesion_ids.append(lesion.id)
        look = LesionLook(seed=300 + index, fitzpatrick=2, growth_per_visit=0.1, ruler=index == 1)
        for visit in range(visits):
            photo = render(look, visit=visit, taken_at=datetime(2024, 2 + 4 * visit, 12, 10, 0))
            result = images.import_bytes(
                derm.actor, lesion.id, photo.jpeg, Modality.DERMOSCOPIC_POLARISED
            )
            assert result.image is not None, result.message
            image = images.set_calibration(
                derm.actor,
                result.image.id,
                Calibration(photo.mm_per_pixel, CalibrationSource.DEVICE_DEFAULT),
                result.image.version,
            )
            outline = Measurement("m1", MeasureKind.AREA, photo.outline)
            image = images.save_overlay(
                derm.actor, image.id, Overlay(measurements=(outline,)), image.version
            )
            if teaching_first and not image_ids:
                image = images.set_consent(
                    derm.actor, image.id, ConsentScope.TEACHING, image.version
                )
            image_ids.append(image.id)
    return Seeded(derm, patient, lesion_ids, image_ids)

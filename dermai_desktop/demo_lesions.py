"""Lesions and their photographs for the demo clinic, written through the real services.

About three dozen patients get one to three lesions each, placed on the body
map (site names from ``domain.body_map``), and two to four dated visits per
lesion: a synthetic photograph (``demo_images``) imported as a camera would
deliver it (JPEG with an EXIF capture time, so the image service back-dates
it), calibrated from the device's field of view or the ruler in the picture,
and measured with an area outline, so the timeline, the growth chart, the
viewer's measurement and the PDF report all have real data to show.

Like the rest of the demo (``demo_practice``) every call goes through the
services on the simulated clock, so the audit trail tells the same story.
"""

from __future__ import annotations

import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dermai_desktop.demo_analysis import DemoLesion, build_analyses
from dermai_desktop.demo_images import LesionLook, SyntheticPhoto, render
from dermai_desktop.domain.body_map import site_at
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

if TYPE_CHECKING:
    from dermai_desktop.demo_practice import PracticeBuilder
    from dermai_desktop.domain.ids import LesionId, PatientId
    from dermai_desktop.domain.users import Actor

log = logging.getLogger(__name__)

#: How many patients get lesions (the first ones in registration order that qualify).
LESION_PATIENTS = 36
SEED = 20260404

IMPRESSIONS = {
    LesionStatus.WATCH: (
        "Mildly atypical naevus: slight asymmetry of colour; reticular network. "
        "Sequential digital dermoscopy.",
        "Changing naevus reported by the patient; no dermoscopic red flags today. Monitor.",
        "Dysplastic-appearing naevus with irregular dots at the periphery. Review with photos.",
    ),
    LesionStatus.BIOPSY_PENDING: (
        "Asymmetric pigmented lesion with blue-grey areas and irregular globules; "
        "melanoma not excluded. Excision biopsy taken, histology awaited.",
    ),
    LesionStatus.BENIGN: (
        "Benign compound naevus: symmetric, regular network. Reassured.",
        "Seborrhoeic keratosis; no follow-up needed.",
    ),
    LesionStatus.EXCISED: ("Excised: compound dysplastic naevus with mild atypia, margins clear.",),
}
STATUS_WEIGHTS = {
    LesionStatus.WATCH: 60,
    LesionStatus.BIOPSY_PENDING: 8,
    LesionStatus.BENIGN: 20,
    LesionStatus.EXCISED: 12,
}
#: Where moles are usually photographed: most on the back and chest, some on the limbs.
VIEW_WEIGHTS = {BodyView.BACK: 45, BodyView.FRONT: 35, BodyView.LEFT: 10, BodyView.RIGHT: 10}


@dataclass
class LesionStats:
    lesions: int = 0
    images: int = 0
    rejected: int = 0
    seconds: float = 0.0
    built: list[DemoLesion] = field(default_factory=list)


def build_lesions(builder: PracticeBuilder, patients: int = LESION_PATIENTS) -> LesionStats:
    """Give ``patients`` demo patients lesions with dated, measured photographs."""
    started = time.perf_counter()
    stats = LesionStats()
    rng = random.Random(SEED)  # noqa: S311 - invented demo data, not security
    people = builder.people[:patients]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-photos") as pool:
        for person in people:
            _patient(builder, rng, pool, person, stats)
    # A few analysed lesions, verdicts and pathology (skipped without the models).
    build_analyses(builder, stats.built)
    stats.seconds = time.perf_counter() - started
    log.info(
        "demo lesions: %d lesions, %d images in %.1f s",
        stats.lesions,
        stats.images,
        stats.seconds,
    )
    return stats


def _patient(
    builder: PracticeBuilder,
    rng: random.Random,
    pool: ThreadPoolExecutor,
    person: Any,
    stats: LesionStats,
) -> None:
    derm = rng.choice(builder.staff.dermatologists)
    fitzpatrick = int(getattr(person, "fitzpatrick", 2))
    if rng.random() < 0.35:  # some patients agreed to teaching or research use
        scope = rng.choice([ConsentScope.TEACHING, ConsentScope.RESEARCH])
        builder.clock.set(person.registered + timedelta(days=1))
        builder.s.lesions.set_standing_consent(derm, person.id, scope)
    for number in range(1, rng.choices([1, 2, 3], weights=[55, 35, 10])[0] + 1):
        _lesion(builder, rng, pool, derm, person.id, number, fitzpatrick, stats)
    builder.commit()


def _lesion(  # noqa: PLR0917 - a private drawing step fed by its one caller
    builder: PracticeBuilder,
    rng: random.Random,
    pool: ThreadPoolExecutor,
    derm: Actor,
    patient_id: PatientId,
    number: int,
    fitzpatrick: int,
    stats: LesionStats,
) -> None:
    visits = rng.choices([2, 3, 4], weights=[50, 38, 12])[0]
    spacing = rng.choice([91, 122, 183])
    today = builder.now.date()
    first = today - timedelta(days=spacing * (visits - 1) + rng.randint(2, 40))
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    look = LesionLook.random(rng.randrange(1 << 30), fitzpatrick=fitzpatrick)
    if status is LesionStatus.BIOPSY_PENDING:  # the worrying ones look it and grow
        look = _worrying(look)
    position, site = _place(rng)
    builder.clock.set(_at(first, 9, rng).replace(tzinfo=UTC))
    lesion = builder.s.lesions.add(
        derm,
        patient_id,
        LesionDraft(
            label=f"L{number}",
            site=site,
            position=position,
            first_noted=first,
            status=status,
            impression=rng.choice(IMPRESSIONS[status]),
            follow_up_months=rng.choice([3, 6, 12]) if status is LesionStatus.WATCH else None,
        ),
    )
    stats.lesions += 1
    stats.built.append(DemoLesion(lesion.id, derm, status))
    plan: list[tuple[Modality, int, datetime]] = []
    for visit in range(visits):
        day = first + timedelta(days=spacing * visit)
        modalities = [Modality.DERMOSCOPIC_POLARISED]
        if visit == 0 and rng.random() < 0.35:
            modalities.insert(0, Modality.CLINICAL_OVERVIEW)
        elif rng.random() < 0.1:
            modalities.append(Modality.DERMOSCOPIC_NON_POLARISED)
        plan.extend((modality, visit, _at(day, 10, rng)) for modality in modalities)
    # Drawing is numpy and Pillow work that releases the GIL: draw this lesion's photos
    # side by side while the services (one database writer) import them in order.
    photos = pool.map(lambda step: render(look, step[0], visit=step[1], taken_at=step[2]), plan)
    for (modality, visit, taken), photo in zip(plan, photos, strict=True):
        builder.clock.set(taken.replace(tzinfo=UTC) + timedelta(minutes=5))
        _photo(builder, derm, lesion.id, photo, modality, visit, stats)


def _photo(  # noqa: PLR0917 - a private drawing step fed by its one caller
    builder: PracticeBuilder,
    derm: Actor,
    lesion_id: LesionId,
    photo: SyntheticPhoto,
    modality: Modality,
    visit: int,
    stats: LesionStats,
) -> None:
    images = builder.s.images
    result = images.import_bytes(
        derm,
        lesion_id,
        photo.jpeg,
        modality,
        source_name=f"DSC_{visit + 1:04d}.JPG",
    )
    if result.image is None:  # pragma: no cover - our own pictures are always valid
        stats.rejected += 1
        log.warning("demo image not imported: %s", result.message)
        return
    image = result.image
    if photo.ruler is not None:
        start, end, known_mm = photo.ruler
        calibration = Calibration.from_ruler(start, end, known_mm)
    else:
        calibration = Calibration(photo.mm_per_pixel, CalibrationSource.DEVICE_DEFAULT)
    image = images.set_calibration(derm, image.id, calibration, image.version)
    outline = Measurement(f"m{visit + 1}", MeasureKind.AREA, photo.outline)
    images.save_overlay(derm, image.id, Overlay(measurements=(outline,)), image.version)
    stats.images += 1


def _worrying(look: LesionLook) -> LesionLook:
    return LesionLook(
        seed=look.seed,
        fitzpatrick=look.fitzpatrick,
        diameter_mm=max(look.diameter_mm, 6.5),
        asymmetry=0.85,
        darkness=max(look.darkness, 1.15),
        blue_grey=0.6,
        hair=look.hair,
        ruler=look.ruler,
        growth_per_visit=0.1,
    )


def _place(rng: random.Random) -> tuple[BodyPoint, str]:
    """A point on the drawn figure and its site name (the map's own regions)."""
    for _ in range(200):
        view = rng.choices(list(VIEW_WEIGHTS), weights=list(VIEW_WEIGHTS.values()))[0]
        x, y = round(rng.uniform(0.15, 0.85), 4), round(rng.uniform(0.12, 0.75), 4)
        site = site_at(view, x, y)
        if site:
            return BodyPoint(view, x, y), site
    return BodyPoint(BodyView.BACK, 0.5, 0.3), "Upper back"


def _at(day: date, hour: int, rng: random.Random) -> datetime:
    """Clinic wall-clock time on ``day`` (naive, as a camera writes it)."""
    return datetime(day.year, day.month, day.day, hour + rng.randint(0, 6), rng.randint(0, 59))


__all__ = ["LESION_PATIENTS", "LesionStats", "build_lesions"]

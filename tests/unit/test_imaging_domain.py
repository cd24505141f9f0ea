"""Plain-data rules of lesions and images: calibration, geometry, overlays, consent, growth."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import (
    Alignment,
    Annotation,
    AnnotationKind,
    Calibration,
    CalibrationSource,
    ConsentScope,
    ImageUse,
    LesionImage,
    MeasureKind,
    Measurement,
    Modality,
    Overlay,
    distance,
    growth_series,
    longest_diameter,
    polygon_area,
)
from dermai_desktop.domain.lesions import (
    BodyPoint,
    BodyView,
    Lesion,
    LesionDraft,
    LesionStatus,
)

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
SQUARE = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))


def test_calibration_from_a_ruler_line() -> None:
    cal = Calibration.from_ruler((10, 10), (310, 410), 25.0)  # 500 px drawn over 25 mm
    assert cal.mm_per_pixel == pytest.approx(0.05)
    assert cal.source is CalibrationSource.RULER
    with pytest.raises(ValidationFailed, match="longer stretch"):
        Calibration.from_ruler((0, 0), (3, 0), 10)
    with pytest.raises(ValidationFailed, match="millimetres"):
        Calibration.from_ruler((0, 0), (300, 0), 0.01)
    with pytest.raises(ValidationFailed, match="skin photograph"):
        Calibration.from_ruler((0, 0), (10, 0), 900)  # 90 mm per pixel


def test_calibration_from_a_device_field_of_view() -> None:
    cal = Calibration.from_field_of_view(25.0, 1000)
    assert (cal.mm_per_pixel, cal.source) == (0.025, CalibrationSource.DEVICE_DEFAULT)
    with pytest.raises(ValidationFailed):
        Calibration.from_field_of_view(25.0, 0)


def test_polygon_area_and_longest_diameter() -> None:
    assert polygon_area(SQUARE) == 100.0
    assert polygon_area(tuple(reversed(SQUARE))) == 100.0  # either winding
    assert polygon_area(((0.0, 0.0), (1.0, 1.0))) == 0.0
    triangle = ((0.0, 0.0), (4.0, 0.0), (0.0, 3.0))
    assert polygon_area(triangle) == 6.0
    length, a, b = longest_diameter(triangle)
    assert length == 5.0
    assert {a, b} == {(4.0, 0.0), (0.0, 3.0)}
    assert longest_diameter(((2.0, 2.0),)) == (0.0, (2.0, 2.0), (2.0, 2.0))
    assert longest_diameter(()) == (0.0, (0.0, 0.0), (0.0, 0.0))
    assert distance((0, 0), (3, 4)) == 5.0


def test_measurements_in_pixels_and_millimetres() -> None:
    cal = Calibration(0.1, CalibrationSource.RULER)
    ruler = Measurement("r", MeasureKind.RULER, ((0, 0), (30, 40)))
    area = Measurement("a", MeasureKind.AREA, SQUARE)
    assert ruler.length_px == 50
    assert ruler.length_mm(cal) == pytest.approx(5.0)
    assert ruler.length_mm(None) is None
    assert ruler.area_px2 == 0.0
    assert ruler.area_mm2(cal) is None
    assert area.length_px == pytest.approx(10 * 2**0.5)
    assert area.area_mm2(cal) == pytest.approx(1.0)
    assert area.area_mm2(None) is None
    with pytest.raises(ValidationFailed):
        Measurement("x", MeasureKind.AREA, ((0, 0), (1, 1)))
    with pytest.raises(ValidationFailed):
        Annotation("t", AnnotationKind.TEXT, ((1, 1),), "x" * 201)


def test_overlay_json_round_trip() -> None:
    overlay = Overlay(
        (
            Measurement("r", MeasureKind.RULER, ((1.5, 2.0), (30.0, 40.25))),
            Measurement("a", MeasureKind.AREA, SQUARE),
            Measurement("b", MeasureKind.AREA, ((0, 0), (50, 0), (50, 50))),
        ),
        (
            Annotation("n", AnnotationKind.ARROW, ((0, 0), (5, 5))),
            Annotation("e", AnnotationKind.ELLIPSE, ((1, 1), (9, 7))),
            Annotation("t", AnnotationKind.TEXT, ((3, 3),), "irregular edge"),
        ),
    )
    text = overlay.to_json()
    assert Overlay.from_json(text) == overlay
    assert Overlay.from_json(None) == Overlay()
    assert Overlay.from_json("") == Overlay()
    assert Overlay.from_json(Overlay().to_json()) == Overlay()
    largest = overlay.largest_area()
    assert largest is not None
    assert largest.id == "b"
    assert Overlay().largest_area() is None


def test_alignment_json_round_trip() -> None:
    alignment = Alignment(ImageId("img-1"), 12.5, -3.0, 7.25, 1.1)
    assert Alignment.from_json(alignment.to_json()) == alignment
    assert Alignment.from_json(None) is None
    with pytest.raises(ValidationFailed):
        Alignment(ImageId("img-1"), scale=50)


def test_consent_ladder() -> None:
    assert ConsentScope.CARE_ONLY.permits(ImageUse.CARE)
    assert not ConsentScope.CARE_ONLY.permits(ImageUse.TEACHING)
    assert ConsentScope.TEACHING.permits(ImageUse.TEACHING)
    assert not ConsentScope.TEACHING.permits(ImageUse.RESEARCH)
    assert ConsentScope.RESEARCH.permits(ImageUse.TEACHING)
    assert not ConsentScope.RESEARCH.permits(ImageUse.PUBLICATION)
    assert all(ConsentScope.PUBLICATION.permits(use) for use in ImageUse)
    assert ConsentScope.PUBLICATION.refusal(ImageUse.RESEARCH) is None
    reason = ConsentScope.CARE_ONLY.refusal(ImageUse.RESEARCH)
    assert reason == (
        "The patient's consent for this image covers clinical care only; "
        "it does not cover research and model training."
    )
    assert [s.rank for s in ConsentScope] == [0, 1, 2, 3]
    assert ConsentScope.TEACHING.label == "Teaching"


def test_labels_and_flags() -> None:
    assert Modality.DERMOSCOPIC_POLARISED.is_dermoscopic
    assert not Modality.CLOSE_UP.is_dermoscopic
    assert Modality.CLINICAL_OVERVIEW.label == "Clinical overview"
    assert LesionStatus.BIOPSY_PENDING.label == "Biopsy pending"
    assert LesionStatus.WATCH.is_active
    assert not LesionStatus.EXCISED.is_active
    assert BodyView.LEFT.label == "Left"


def _image(
    n: int, taken: datetime | None, overlay: Overlay, cal: Calibration | None
) -> LesionImage:
    return LesionImage(
        id=ImageId(f"img-{n}"),
        patient_id=PatientId("p"),
        lesion_id=LesionId("l"),
        sha256=f"{n:064x}",
        media_type="image/jpeg",
        width=100,
        height=100,
        byte_size=10,
        modality=Modality.DERMOSCOPIC_POLARISED,
        captured_at=taken,
        imported_at=NOW,
        consent=ConsentScope.CARE_ONLY,
        calibration=cal,
        overlay=overlay,
    )


def test_growth_series_oldest_first_calibrated_only() -> None:
    cal = Calibration(0.1, CalibrationSource.RULER)
    small = Overlay((Measurement("a", MeasureKind.AREA, SQUARE),))
    big = Overlay((Measurement("a", MeasureKind.AREA, tuple((x * 2, y * 2) for x, y in SQUARE)),))
    images = [
        _image(1, None, big, cal),  # no capture time: taken on the import date
        _image(2, datetime(2024, 1, 5, tzinfo=UTC), small, cal),
        _image(3, datetime(2024, 6, 5, tzinfo=UTC), big, None),  # not calibrated
        _image(4, datetime(2024, 9, 5, tzinfo=UTC), Overlay(), cal),  # nothing outlined
    ]
    series = growth_series(images)
    assert [p.image_id for p in series] == ["img-2", "img-1"]
    assert series[0].taken_on == date(2024, 1, 5)
    assert series[0].area_mm2 == pytest.approx(1.0)
    assert series[1].taken_on == NOW.date()
    assert series[1].diameter_mm == pytest.approx(2 * 2**0.5)


def test_lesion_draft_validation_and_round_trip() -> None:
    point = BodyPoint(BodyView.BACK, 0.5, 0.5)
    good = LesionDraft(" L1 ", " mid  back ", point, date(2024, 1, 1), impression=" x ")
    checked = good.validated(date(2025, 1, 1))
    assert (checked.label, checked.site, checked.impression) == ("L1", "mid back", "x")
    lesion = Lesion(
        LesionId("l"),
        PatientId("p"),
        checked.label,
        checked.site,
        point,
        checked.first_noted,
        checked.status,
        checked.impression,
        None,
        NOW,
        NOW,
    )
    assert lesion.draft() == checked
    bad = {
        "label": LesionDraft("", "back", point, date(2024, 1, 1)),
        "60 characters": LesionDraft("x" * 61, "back", point, date(2024, 1, 1)),
        "site": LesionDraft("L1", " ", point, date(2024, 1, 1)),
        "120 characters": LesionDraft("L1", "s" * 121, point, date(2024, 1, 1)),
        "2000": LesionDraft("L1", "back", point, date(2024, 1, 1), impression="i" * 2001),
        "future": LesionDraft("L1", "back", point, date(2026, 1, 1)),
        "follow-up": LesionDraft("L1", "back", point, date(2024, 1, 1), follow_up_months=0),
    }
    for fragment, draft in bad.items():
        with pytest.raises(ValidationFailed, match=fragment):
            draft.validated(date(2025, 1, 1))
    with pytest.raises(ValidationFailed, match="body map"):
        BodyPoint(BodyView.FRONT, 1.2, 0.5)

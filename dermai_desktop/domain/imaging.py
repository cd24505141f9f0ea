"""Lesion images: modality, consent scope, calibration, measurements and overlays.

Everything here is plain data and arithmetic in image pixel coordinates
(x right, y down, on the image as stored, before any display rotation).
Millimetres come only from a calibration; without one a measurement is
shown in pixels and never guessed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId

Point = tuple[float, float]


class Modality(StrEnum):
    CLINICAL_OVERVIEW = "clinical_overview"
    CLOSE_UP = "close_up"
    DERMOSCOPIC_POLARISED = "dermoscopic_polarised"
    DERMOSCOPIC_NON_POLARISED = "dermoscopic_non_polarised"

    @property
    def label(self) -> str:
        return _MODALITY_LABELS[self]

    @property
    def is_dermoscopic(self) -> bool:
        return self in (Modality.DERMOSCOPIC_POLARISED, Modality.DERMOSCOPIC_NON_POLARISED)


_MODALITY_LABELS = {
    Modality.CLINICAL_OVERVIEW: "Clinical overview",
    Modality.CLOSE_UP: "Close-up",
    Modality.DERMOSCOPIC_POLARISED: "Dermoscopic, polarised",
    Modality.DERMOSCOPIC_NON_POLARISED: "Dermoscopic, non-polarised",
}


class ImageUse(StrEnum):
    """What an image is about to be used for; each needs a consent scope that covers it."""

    CARE = "care"  # the patient's own care: viewing, reports, referral letters
    TEACHING = "teaching"
    RESEARCH = "research"  # including training models
    PUBLICATION = "publication"

    @property
    def label(self) -> str:
        return _USE_LABELS[self]


_USE_LABELS = {
    ImageUse.CARE: "the patient's care",
    ImageUse.TEACHING: "teaching",
    ImageUse.RESEARCH: "research and model training",
    ImageUse.PUBLICATION: "publication",
}


class ConsentScope(StrEnum):
    """How far the patient agreed an image may travel.

    The scopes form a ladder, the way clinic consent forms are usually
    written: each one includes everything below it (publication consent
    covers research, teaching and care).
    """

    CARE_ONLY = "care_only"
    TEACHING = "teaching"
    RESEARCH = "research"
    PUBLICATION = "publication"

    @property
    def label(self) -> str:
        return _SCOPE_LABELS[self]

    @property
    def rank(self) -> int:
        return list(ConsentScope).index(self)

    def permits(self, use: ImageUse) -> bool:
        return self.rank >= _USE_NEEDS[use].rank

    def refusal(self, use: ImageUse) -> str | None:
        """Why ``use`` is not allowed (plain words), or None when it is."""
        if self.permits(use):
            return None
        return (
            f"The patient's consent for this image covers {self.label.lower()}; "
            f"it does not cover {use.label}."
        )


_SCOPE_LABELS = {
    ConsentScope.CARE_ONLY: "Clinical care only",
    ConsentScope.TEACHING: "Teaching",
    ConsentScope.RESEARCH: "Research and model training",
    ConsentScope.PUBLICATION: "Publication",
}

_USE_NEEDS = {
    ImageUse.CARE: ConsentScope.CARE_ONLY,
    ImageUse.TEACHING: ConsentScope.TEACHING,
    ImageUse.RESEARCH: ConsentScope.RESEARCH,
    ImageUse.PUBLICATION: ConsentScope.PUBLICATION,
}


class CalibrationSource(StrEnum):
    RULER = "ruler"  # a known length drawn on this image
    DEVICE_DEFAULT = "device_default"  # the capture device's field of view


#: A sane range for skin photography: a 24 MP phone photo of a whole back is about
#: 0.1 mm/px, a dermatoscope about 0.005 mm/px. Outside this the input is a mistake.
MIN_MM_PER_PIXEL = 0.0005
MAX_MM_PER_PIXEL = 5.0


@dataclass(frozen=True, slots=True)
class Calibration:
    mm_per_pixel: float
    source: CalibrationSource

    def __post_init__(self) -> None:
        if not (MIN_MM_PER_PIXEL <= self.mm_per_pixel <= MAX_MM_PER_PIXEL):
            raise ValidationFailed(
                "That calibration is outside what a skin photograph can be "
                f"({MIN_MM_PER_PIXEL}–{MAX_MM_PER_PIXEL} mm per pixel)."
            )

    @classmethod
    def from_ruler(cls, start: Point, end: Point, known_mm: float) -> Calibration:
        """Calibrate from a line drawn over a ruler (or any known length) on the image."""
        pixels = distance(start, end)
        if pixels < 5:
            raise ValidationFailed("Draw the calibration line over a longer stretch of the ruler.")
        if not (0.1 <= known_mm <= 1000):
            raise ValidationFailed("Enter the real length of the line in millimetres (0.1–1000).")
        return cls(known_mm / pixels, CalibrationSource.RULER)

    @classmethod
    def from_field_of_view(cls, field_width_mm: float, image_width_px: int) -> Calibration:
        """Calibrate from a device's field of view (e.g. a 25 mm dermatoscope window)."""
        if image_width_px <= 0 or field_width_mm <= 0:
            raise ValidationFailed("The device's field of view must be a positive width.")
        return cls(field_width_mm / image_width_px, CalibrationSource.DEVICE_DEFAULT)


#: The key in the device table that applies to dermoscopic photos of unlisted devices.
ANY_DERMATOSCOPE = "*"


def parse_fields_of_view(text: str) -> dict[str, float]:
    """Read "DermLite DL5 = 25; * = 24" into {"dermlite dl5": 25.0, "*": 24.0}.

    Device names are matched case-insensitively against the make and model a
    camera writes into EXIF. ``*`` stands for any dermatoscope not listed.
    """
    table: dict[str, float] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, equals, number = part.rpartition("=")
        device = " ".join(name.split()).lower()
        if not equals or not device:
            raise ValidationFailed(f"Write each device as “Make Model = mm”, not “{part.strip()}”.")
        try:
            millimetres = float(number.strip().removesuffix("mm").strip())
        except ValueError:
            raise ValidationFailed(f"“{number.strip()}” is not a width in millimetres.") from None
        if not 1.0 <= millimetres <= 500.0:
            raise ValidationFailed("A device's field of view must be between 1 and 500 mm.")
        table[device] = millimetres
    return table


def default_calibration(
    table: dict[str, float], device: str, modality: Modality, width_px: int
) -> Calibration | None:
    """The calibration a photo gets at import from its device's known field of view, if any."""
    name = " ".join(device.split()).lower()
    millimetres = table.get(name) if name else None
    if millimetres is None and modality.is_dermoscopic:
        millimetres = table.get(ANY_DERMATOSCOPE)
    if millimetres is None or width_px <= 0:
        return None
    return Calibration.from_field_of_view(millimetres, width_px)


# --- geometry ---------------------------------------------------------------------------


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def polygon_area(points: tuple[Point, ...]) -> float:
    """Area enclosed by a closed outline (shoelace formula), in square pixels."""
    if len(points) < 3:
        return 0.0
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def longest_diameter(points: tuple[Point, ...]) -> tuple[float, Point, Point]:
    """The longest distance between any two outline points, and those two points.

    Outlines drawn by hand have at most a few hundred points, so the plain
    pairwise search is fast enough and obviously right.
    """
    if len(points) < 2:
        origin = points[0] if points else (0.0, 0.0)
        return 0.0, origin, origin
    best = (0.0, points[0], points[0])
    for i, a in enumerate(points):
        for b in points[i + 1 :]:
            d = distance(a, b)
            if d > best[0]:
                best = (d, a, b)
    return best


class MeasureKind(StrEnum):
    RULER = "ruler"  # a straight line: length
    AREA = "area"  # a closed outline: area and longest diameter


class AnnotationKind(StrEnum):
    ARROW = "arrow"
    ELLIPSE = "ellipse"  # points: two corners of its bounding box
    TEXT = "text"  # points: the anchor


@dataclass(frozen=True, slots=True)
class Measurement:
    id: str
    kind: MeasureKind
    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        needed = 2 if self.kind is MeasureKind.RULER else 3
        if len(self.points) < needed:
            raise ValidationFailed("A measurement needs more points than that.")

    @property
    def length_px(self) -> float:
        """Ruler: the line's length. Area: the longest diameter."""
        if self.kind is MeasureKind.RULER:
            return distance(self.points[0], self.points[-1])
        return longest_diameter(self.points)[0]

    @property
    def area_px2(self) -> float:
        return polygon_area(self.points) if self.kind is MeasureKind.AREA else 0.0

    def length_mm(self, calibration: Calibration | None) -> float | None:
        return None if calibration is None else self.length_px * calibration.mm_per_pixel

    def area_mm2(self, calibration: Calibration | None) -> float | None:
        if calibration is None or self.kind is not MeasureKind.AREA:
            return None
        return self.area_px2 * calibration.mm_per_pixel**2


@dataclass(frozen=True, slots=True)
class Annotation:
    id: str
    kind: AnnotationKind
    points: tuple[Point, ...]
    text: str = ""

    def __post_init__(self) -> None:
        if len(self.text) > 200:
            raise ValidationFailed("Keep an annotation's text under 200 characters.")


@dataclass(frozen=True, slots=True)
class Overlay:
    """Measurements and annotations drawn over an image: vectors, never burned in."""

    measurements: tuple[Measurement, ...] = ()
    annotations: tuple[Annotation, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "measurements": [
                    {"id": m.id, "kind": m.kind.value, "points": [list(p) for p in m.points]}
                    for m in self.measurements
                ],
                "annotations": [
                    {
                        "id": a.id,
                        "kind": a.kind.value,
                        "points": [list(p) for p in a.points],
                        "text": a.text,
                    }
                    for a in self.annotations
                ],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> Overlay:
        if not text:
            return cls()
        data: dict[str, Any] = json.loads(text)
        return cls(
            measurements=tuple(
                Measurement(
                    str(m["id"]), MeasureKind(m["kind"]), tuple(_point(p) for p in m["points"])
                )
                for m in data.get("measurements", [])
            ),
            annotations=tuple(
                Annotation(
                    str(a["id"]),
                    AnnotationKind(a["kind"]),
                    tuple(_point(p) for p in a["points"]),
                    str(a.get("text", "")),
                )
                for a in data.get("annotations", [])
            ),
        )

    def largest_area(self) -> Measurement | None:
        areas = [m for m in self.measurements if m.kind is MeasureKind.AREA]
        return max(areas, key=lambda m: m.area_px2) if areas else None


def _point(raw: Any) -> Point:
    return (float(raw[0]), float(raw[1]))


@dataclass(frozen=True, slots=True)
class Alignment:
    """How a later image is laid onto an earlier one of the same lesion.

    Applied to the later image about its own centre: scale, then rotate
    (degrees, clockwise on screen), then shift by (dx, dy) pixels of the
    earlier image.
    """

    reference_id: ImageId
    dx: float = 0.0
    dy: float = 0.0
    rotation_deg: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not (0.05 <= self.scale <= 20.0):
            raise ValidationFailed("That alignment scales the image too far.")

    def to_json(self) -> str:
        return json.dumps(
            {
                "reference_id": self.reference_id,
                "dx": self.dx,
                "dy": self.dy,
                "rotation_deg": self.rotation_deg,
                "scale": self.scale,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> Alignment | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(
            ImageId(data["reference_id"]),
            float(data["dx"]),
            float(data["dy"]),
            float(data["rotation_deg"]),
            float(data["scale"]),
        )


@dataclass(frozen=True, slots=True)
class LesionImage:
    """One photograph of a lesion. The pixels live in the encrypted image store, by hash."""

    id: ImageId
    patient_id: PatientId
    lesion_id: LesionId
    sha256: str  # of the stored (cleaned) image bytes: the content address
    media_type: str  # "image/jpeg" or "image/png" as stored
    width: int  # as displayed, after EXIF orientation
    height: int
    byte_size: int
    modality: Modality
    captured_at: datetime | None  # from EXIF when the camera recorded it
    imported_at: datetime
    consent: ConsentScope
    calibration: Calibration | None = None
    overlay: Overlay = field(default_factory=Overlay)
    alignment: Alignment | None = None
    device: str = ""  # make and model only; serial numbers are stripped at import
    imported_by: str = ""
    version: int = 1

    @property
    def taken_on(self) -> date:
        """The date the photo shows the lesion: capture time if known, else import time."""
        return (self.captured_at or self.imported_at).date()


@dataclass(frozen=True, slots=True)
class GrowthPoint:
    """One dated size of a lesion for the growth chart (the largest outline on that image)."""

    image_id: ImageId
    taken_on: date
    diameter_mm: float
    area_mm2: float


def growth_series(images: list[LesionImage]) -> list[GrowthPoint]:
    """Calibrated sizes over time: the largest area outline of each image, oldest first."""
    points: list[GrowthPoint] = []
    for image in sorted(images, key=lambda i: (i.taken_on, i.imported_at)):
        outline = image.overlay.largest_area()
        if outline is None or image.calibration is None:
            continue
        diameter = outline.length_mm(image.calibration)
        area = outline.area_mm2(image.calibration)
        if diameter is None or area is None:  # pragma: no cover - calibration checked above
            continue
        points.append(GrowthPoint(image.id, image.taken_on, diameter, area))
    return points


__all__ = [
    "ANY_DERMATOSCOPE",
    "Alignment",
    "Annotation",
    "AnnotationKind",
    "Calibration",
    "CalibrationSource",
    "ConsentScope",
    "GrowthPoint",
    "ImageUse",
    "LesionImage",
    "MeasureKind",
    "Measurement",
    "Modality",
    "Overlay",
    "Point",
    "default_calibration",
    "distance",
    "growth_series",
    "longest_diameter",
    "parse_fields_of_view",
    "polygon_area",
]

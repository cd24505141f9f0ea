"""What the viewer asks of the imaging service, and the pixel work it does on worker threads.

``ImageSource`` is the slice of ``services.imaging.ImageService`` the viewer,
the comparison and the growth chart call; the real service satisfies it and
tests may pass anything with the same methods. The functions below run on a
``TaskRunner`` pool, never on the GUI thread: they turn decoded RGB rows into
QImages (safe off the GUI thread, unlike QPixmaps) and apply display-only
brightness and contrast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PySide6.QtGui import QImage

from dermai_desktop.domain.ids import ImageId, LesionId
from dermai_desktop.domain.imaging import (
    Alignment,
    Calibration,
    ConsentScope,
    GrowthPoint,
    LesionImage,
    Modality,
    Overlay,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.imaging_ports import DecodedImage

#: The reduced image's longest side for the first paint: sharp on a 1600 px wide viewer,
#: and a JPEG decodes to it in draft mode (1/4 scale) in a few tens of milliseconds.
PREVIEW_SIDE = 1600


class ImageSource(Protocol):
    def open_image(
        self, actor: Actor, image_id: ImageId, preview_side: int = PREVIEW_SIDE
    ) -> tuple[LesionImage, DecodedImage]: ...
    def full_image(self, actor: Actor, image_id: ImageId) -> DecodedImage: ...
    def images(self, actor: Actor, lesion_id: LesionId) -> list[LesionImage]: ...
    def save_overlay(
        self, actor: Actor, image_id: ImageId, overlay: Overlay, expected_version: int
    ) -> LesionImage: ...
    def set_calibration(
        self,
        actor: Actor,
        image_id: ImageId,
        calibration: Calibration | None,
        expected_version: int,
    ) -> LesionImage: ...
    def save_alignment(
        self,
        actor: Actor,
        image_id: ImageId,
        alignment: Alignment | None,
        expected_version: int,
    ) -> LesionImage: ...
    def set_modality(
        self, actor: Actor, image_id: ImageId, modality: Modality, expected_version: int
    ) -> LesionImage: ...
    def set_consent(
        self, actor: Actor, image_id: ImageId, scope: ConsentScope, expected_version: int
    ) -> LesionImage: ...
    def growth(self, actor: Actor, lesion_id: LesionId) -> list[GrowthPoint]: ...


@dataclass(frozen=True, slots=True)
class Adjustment:
    """Brightness (-100..100, added) and contrast (0.2..3, about mid-grey); display only."""

    brightness: int = 0
    contrast: float = 1.0

    @property
    def is_identity(self) -> bool:
        return self.brightness == 0 and abs(self.contrast - 1.0) < 1e-6

    def brighter(self, step: int) -> Adjustment:
        return Adjustment(max(-100, min(100, self.brightness + step)), self.contrast)

    def more_contrast(self, step: float) -> Adjustment:
        value = round(max(0.2, min(3.0, self.contrast + step)), 2)
        return Adjustment(self.brightness, value)


@dataclass(frozen=True, slots=True)
class Level:
    """One resolution of an image: its RGB rows (kept for re-adjusting) and a paintable QImage."""

    rgb: np.ndarray  # height x width x 3, uint8
    image: QImage  # Format_RGB32: what the raster engine paints fastest

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def rgb_array(decoded: DecodedImage) -> np.ndarray:
    """The decoded bytes as a read-only height x width x 3 array (no copy)."""
    flat = np.frombuffer(decoded.rgb, dtype=np.uint8)
    return flat.reshape(decoded.height, decoded.width, 3)


def qimage_from_rgb(rgb: np.ndarray) -> QImage:
    """A QImage that owns its pixels (the numpy buffer may go away after this returns)."""
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    contiguous = np.ascontiguousarray(rgb)
    wrapped = QImage(contiguous.data, width, height, width * 3, QImage.Format.Format_RGB888)
    return wrapped.convertToFormat(QImage.Format.Format_RGB32)


def adjusted_rgb(rgb: np.ndarray, adjustment: Adjustment) -> np.ndarray:
    """Brightness and contrast through a 256-entry lookup table: the stored pixels never change."""
    if adjustment.is_identity:
        return rgb
    values = np.arange(256, dtype=np.float32)
    table = (values - 128.0) * adjustment.contrast + 128.0 + adjustment.brightness * 1.28
    lut = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    return lut[rgb]


def make_level(decoded: DecodedImage, adjustment: Adjustment = Adjustment()) -> Level:
    """Worker side: decoded rows to a paintable level, with the current display adjustment."""
    rgb = rgb_array(decoded)
    return Level(rgb, qimage_from_rgb(adjusted_rgb(rgb, adjustment)))


def readjust(level: Level, adjustment: Adjustment) -> Level:
    """Worker side: the same level shown with another brightness/contrast."""
    return Level(level.rgb, qimage_from_rgb(adjusted_rgb(level.rgb, adjustment)))


@dataclass(frozen=True, slots=True)
class Opened:
    """What the first (preview) load hands to the GUI thread."""

    image: LesionImage
    level: Level
    full_width: int
    full_height: int

    @property
    def is_reduced(self) -> bool:
        return self.level.width < self.full_width or self.level.height < self.full_height


def open_preview(
    source: ImageSource, actor: Actor, image_id: ImageId, adjustment: Adjustment = Adjustment()
) -> Opened:
    """Worker side: the audited open and a reduced decode, ready to paint."""
    image, decoded = source.open_image(actor, image_id, PREVIEW_SIDE)
    return Opened(image, make_level(decoded, adjustment), decoded.full_width, decoded.full_height)


def open_full(
    source: ImageSource, actor: Actor, image_id: ImageId, adjustment: Adjustment = Adjustment()
) -> Level:
    """Worker side: the full-resolution decode."""
    return make_level(source.full_image(actor, image_id), adjustment)

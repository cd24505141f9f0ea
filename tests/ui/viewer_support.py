"""An in-memory image source for the viewer tests: real JPEG bytes, the real Pillow decoder.

It has the methods of ``ImageService`` the viewer calls, with the same
version checks, so the viewer's save/reload paths run as they would against
the service; the service itself is tested in ``tests/unit/test_image_service.py``.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId, UserId, WorkstationId
from dermai_desktop.domain.imaging import (
    Alignment,
    Calibration,
    ConsentScope,
    GrowthPoint,
    LesionImage,
    Modality,
    Overlay,
    growth_series,
)
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.imaging.decode import PillowDecoder
from dermai_desktop.services.imaging_ports import DecodedImage

ACTOR = Actor(UserId("u-derm"), "derm", Role.DERMATOLOGIST, WorkstationId("ws-1"))
LESION = LesionId("lesion-1")


class MemoryImageSource:
    def __init__(self) -> None:
        self._decoder = PillowDecoder()
        self._images: dict[ImageId, LesionImage] = {}
        self._data: dict[ImageId, bytes] = {}
        self._lock = threading.Lock()
        self.opened: list[ImageId] = []
        self.full_decodes = 0

    def add_file(
        self,
        path: Path,
        *,
        taken: datetime | None = None,
        calibration: Calibration | None = None,
        overlay: Overlay | None = None,
        size: tuple[int, int] | None = None,
    ) -> LesionImage:
        return self.add_bytes(
            path.read_bytes(), taken=taken, calibration=calibration, overlay=overlay, size=size
        )

    def add_bytes(
        self,
        data: bytes,
        *,
        taken: datetime | None = None,
        calibration: Calibration | None = None,
        overlay: Overlay | None = None,
        size: tuple[int, int] | None = None,
    ) -> LesionImage:
        with Image.open(io.BytesIO(data)) as picture:
            if size is not None:
                buffer = io.BytesIO()
                picture.convert("RGB").resize(size).save(buffer, "JPEG", quality=90)
                data = buffer.getvalue()
            width, height = size or picture.size
        image_id = ImageId(f"img-{len(self._images) + 1}")
        image = LesionImage(
            id=image_id,
            patient_id=PatientId("p-1"),
            lesion_id=LESION,
            sha256=f"{len(self._images):064x}",
            media_type="image/jpeg",
            width=width,
            height=height,
            byte_size=len(data),
            modality=Modality.DERMOSCOPIC_POLARISED,
            captured_at=taken or datetime(2025, 3, 4, 10, 0, tzinfo=UTC),
            imported_at=datetime(2025, 3, 4, 10, 5, tzinfo=UTC),
            consent=ConsentScope.CARE_ONLY,
            calibration=calibration,
            overlay=overlay or Overlay(),
        )
        self._images[image_id] = image
        self._data[image_id] = data
        return image

    def get(self, image_id: ImageId) -> LesionImage:
        return self._images[image_id]

    def open_image(
        self, actor: Actor, image_id: ImageId, preview_side: int = 1600
    ) -> tuple[LesionImage, DecodedImage]:
        self.opened.append(image_id)
        image = self._images[image_id]
        return image, self._decoder.decode(self._data[image_id], image.media_type, preview_side)

    def full_image(self, actor: Actor, image_id: ImageId) -> DecodedImage:
        self.full_decodes += 1
        return self._decoder.decode(self._data[image_id], "image/jpeg")

    def images(self, actor: Actor, lesion_id: LesionId) -> list[LesionImage]:
        return sorted(self._images.values(), key=lambda i: i.taken_on)

    def growth(self, actor: Actor, lesion_id: LesionId) -> list[GrowthPoint]:
        return growth_series(self.images(actor, lesion_id))

    def _change(self, image_id: ImageId, version: int, **changes: object) -> LesionImage:
        with self._lock:
            image = self._images[image_id]
            if image.version != version:
                raise ValidationFailed("Someone else changed this image; reopen it.")
            image = dataclasses.replace(image, version=version + 1, **changes)  # type: ignore[arg-type]
            self._images[image_id] = image
            return image

    def save_overlay(
        self, actor: Actor, image_id: ImageId, overlay: Overlay, expected_version: int
    ) -> LesionImage:
        return self._change(image_id, expected_version, overlay=overlay)

    def set_calibration(
        self,
        actor: Actor,
        image_id: ImageId,
        calibration: Calibration | None,
        expected_version: int,
    ) -> LesionImage:
        return self._change(image_id, expected_version, calibration=calibration)

    def save_alignment(
        self, actor: Actor, image_id: ImageId, alignment: Alignment | None, expected_version: int
    ) -> LesionImage:
        return self._change(image_id, expected_version, alignment=alignment)

    def set_modality(
        self, actor: Actor, image_id: ImageId, modality: Modality, expected_version: int
    ) -> LesionImage:
        return self._change(image_id, expected_version, modality=modality)

    def set_consent(
        self, actor: Actor, image_id: ImageId, scope: ConsentScope, expected_version: int
    ) -> LesionImage:
        return self._change(image_id, expected_version, consent=scope)


def jpeg_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def rgb_of(path: Path) -> np.ndarray:
    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"))

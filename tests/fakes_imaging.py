"""In-memory fakes of the lesion/image repositories and the imaging adapters.

The fake ingestor understands a tiny test format instead of real pictures:
``b"IMG:<width>x<height>:<anything>"``. Everything else is rejected the way
the Pillow ingestor rejects a file that is not an image, so service tests
cover the whole import flow in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import ConsentScope, LesionImage
from dermai_desktop.domain.lesions import Lesion
from dermai_desktop.services.imaging_ports import (
    DecodedImage,
    ExportItem,
    ImageRejected,
    ImageStoreError,
    PreparedImage,
)
from tests.fakes_analysis import FakeLesionAnalyzer

_FAKE = re.compile(rb"^IMG:(\d+)x(\d+):")


def fake_image(width: int = 640, height: int = 480, tag: str = "a") -> bytes:
    """Bytes the fake ingestor accepts as a ``width`` x ``height`` picture."""
    return f"IMG:{width}x{height}:{tag}".encode()


class _Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass
class FakeImagingState:
    lesions: dict[LesionId, Lesion] = field(default_factory=dict)
    images: dict[ImageId, LesionImage] = field(default_factory=dict)
    consent: dict[PatientId, ConsentScope] = field(default_factory=dict)
    image_key: bytes | None = None


class _State(Protocol):
    imaging: FakeImagingState


def _stale(what: str) -> ValidationFailed:
    return ValidationFailed(f"Someone else changed this {what} a moment ago.")


class FakeLesionRepository:
    def __init__(self, state: _State) -> None:
        self._s = state.imaging

    def add(self, lesion: Lesion) -> Lesion:
        lesion = replace(lesion, version=1)
        self._s.lesions[lesion.id] = lesion
        return lesion

    def get(self, lesion_id: LesionId) -> Lesion | None:
        return self._s.lesions.get(lesion_id)

    def for_patient(self, patient_id: PatientId) -> list[Lesion]:
        found = [x for x in self._s.lesions.values() if x.patient_id == patient_id]
        return sorted(found, key=lambda x: (x.label.casefold(), x.id))

    def update(self, lesion: Lesion, expected_version: int) -> Lesion:
        stored = self._s.lesions.get(lesion.id)
        if stored is None or stored.version != expected_version:
            raise _stale("lesion")
        lesion = replace(lesion, version=stored.version + 1)
        self._s.lesions[lesion.id] = lesion
        return lesion

    def standing_consent(self, patient_id: PatientId) -> ConsentScope | None:
        return self._s.consent.get(patient_id)

    def set_standing_consent(self, patient_id: PatientId, scope: ConsentScope) -> None:
        self._s.consent[patient_id] = scope


def _order(image: LesionImage) -> tuple[datetime, datetime, str]:
    return (image.captured_at or image.imported_at, image.imported_at, image.id)


class FakeImageRepository:
    def __init__(self, state: _State) -> None:
        self._s = state.imaging

    def add(self, image: LesionImage) -> LesionImage:
        image = replace(image, version=1)
        self._s.images[image.id] = image
        return image

    def get(self, image_id: ImageId) -> LesionImage | None:
        return self._s.images.get(image_id)

    def for_lesion(self, lesion_id: LesionId) -> list[LesionImage]:
        return sorted((i for i in self._s.images.values() if i.lesion_id == lesion_id), key=_order)

    def for_patient(self, patient_id: PatientId) -> list[LesionImage]:
        return sorted(
            (i for i in self._s.images.values() if i.patient_id == patient_id), key=_order
        )

    def find(self, lesion_id: LesionId, sha256: str) -> LesionImage | None:
        for image in self._s.images.values():
            if image.lesion_id == lesion_id and image.sha256 == sha256:
                return image
        return None

    def update(self, image: LesionImage, expected_version: int) -> LesionImage:
        stored = self._s.images.get(image.id)
        if stored is None or stored.version != expected_version:
            raise _stale("image")
        image = replace(image, version=stored.version + 1)
        self._s.images[image.id] = image
        return image

    def image_key(self) -> bytes | None:
        return self._s.image_key

    def set_image_key(self, key: bytes) -> None:
        self._s.image_key = key


# --- adapters -------------------------------------------------------------------------------


class FakeImageStore:
    """Blobs in a dict; ``fail_puts`` makes the next writes fail like a full disk."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, str], bytes] = {}
        self.puts = 0
        self.fail_puts = 0

    def put(self, sha256: str, data: bytes, *, kind: str = "image") -> None:
        if self.fail_puts:
            self.fail_puts -= 1
            raise OSError(28, "No space left on device")
        self.puts += 1
        self.blobs[(kind, sha256)] = data

    def get(self, sha256: str, *, kind: str = "image") -> bytes:
        try:
            return self.blobs[(kind, sha256)]
        except KeyError:
            raise ImageStoreError() from None

    def contains(self, sha256: str, *, kind: str = "image") -> bool:
        return (kind, sha256) in self.blobs


class FakeIngestor:
    """Accepts ``fake_image`` bytes; ``captured_at``/``device`` are what the "camera" said."""

    def __init__(self) -> None:
        self.captured_at: datetime | None = None
        self.device = ""

    def prepare_file(self, path: Path) -> PreparedImage:
        return self.prepare_bytes(Path(path).read_bytes())

    def prepare_bytes(self, data: bytes) -> PreparedImage:
        if not data:
            raise ImageRejected("The file is empty.")
        match = _FAKE.match(data)
        if match is None:
            raise ImageRejected("This file is not a picture DermAI can read.")
        width, height = int(match.group(1)), int(match.group(2))
        if min(width, height) < 32:
            raise ImageRejected("The picture is too small to be a useful photograph.")
        return PreparedImage(
            data=data,
            media_type="image/jpeg",
            width=width,
            height=height,
            orientation=1,
            captured_at=self.captured_at,
            device=self.device,
            thumbnail=b"THUMB:" + data,
        )


class FakeDecoder:
    def __init__(self) -> None:
        self.calls: list[int | None] = []

    def decode(self, data: bytes, media_type: str, max_side: int | None = None) -> DecodedImage:
        self.calls.append(max_side)
        match = _FAKE.match(data)
        if match is None:
            raise ImageStoreError()
        full_w, full_h = int(match.group(1)), int(match.group(2))
        scale = min(1.0, max_side / max(full_w, full_h)) if max_side else 1.0
        width, height = max(1, round(full_w * scale)), max(1, round(full_h * scale))
        return DecodedImage(width, height, bytes(width * height * 3), full_w, full_h)

    def report_jpeg(self, data: bytes, media_type: str, max_side: int) -> bytes:
        return f"JPEG{max_side}:".encode() + data


class FakeExporter:
    """Writes the bytes as given; records what DICOM export was asked to write."""

    def __init__(self) -> None:
        self.dicom_calls: list[dict[str, Any]] = []

    def write_files(self, items: Sequence[ExportItem], folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for item in items:
            suffix = ".jpg" if item.image.media_type == "image/jpeg" else ".png"
            path = folder / f"{item.file_stem}{suffix}"
            path.write_bytes(item.data)
            written.append(path)
        return written

    def write_dicom(self, image: LesionImage, data: bytes, path: Path, **tags: str) -> Path:
        self.dicom_calls.append({"image": image, **tags})
        path.write_bytes(b"DICM" + data)
        return path


@dataclass
class FakeImagingAdapters:
    store: FakeImageStore = field(default_factory=FakeImageStore)
    ingestor: FakeIngestor = field(default_factory=FakeIngestor)
    decoder: FakeDecoder = field(default_factory=FakeDecoder)
    exporter: FakeExporter = field(default_factory=FakeExporter)
    analyzer: FakeLesionAnalyzer = field(default_factory=FakeLesionAnalyzer)

    def kwargs(self) -> dict[str, Any]:
        """The ``build_services`` keyword arguments for these adapters."""
        return {
            "image_store": self.store,
            "image_ingestor": self.ingestor,
            "image_decoder": self.decoder,
            "image_exporter": self.exporter,
            "lesion_analyzer": self.analyzer,
        }


def fake_image_adapters() -> dict[str, Any]:
    """Fresh fake adapters as ``build_services`` keyword arguments."""
    return FakeImagingAdapters().kwargs()


__all__ = [
    "FakeDecoder",
    "FakeExporter",
    "FakeImageRepository",
    "FakeImageStore",
    "FakeImagingAdapters",
    "FakeImagingState",
    "FakeIngestor",
    "FakeLesionRepository",
    "fake_image",
    "fake_image_adapters",
]

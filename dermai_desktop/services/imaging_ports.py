"""Ports for lesions and images: the repositories, the encrypted store, the Pillow and DICOM work.

The services only see these Protocols. ``storage`` implements the
repositories; ``imaging`` implements the store, ingest, decoding and export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import ConsentScope, LesionImage
from dermai_desktop.domain.lesions import Lesion


class ImageRejected(ExpectedError):
    """A file that cannot become a lesion image; the message says why in plain words."""

    title = "Image not imported"
    default_message = "This file is not an image DermAI can use."
    default_next_step = "Check that it is a JPEG, PNG, TIFF or HEIC photo and try again."


class ImageStoreError(ExpectedError):
    title = "Image store problem"
    default_message = "An image could not be read from the encrypted image store."
    default_next_step = "The image may be damaged or missing; restore it from a backup or call IT."


# --- repositories (storage) -------------------------------------------------------------


class LesionRepository(Protocol):
    def add(self, lesion: Lesion) -> Lesion: ...
    def get(self, lesion_id: LesionId) -> Lesion | None: ...
    def for_patient(self, patient_id: PatientId) -> list[Lesion]:
        """The patient's lesions, by label."""
        ...

    def update(self, lesion: Lesion, expected_version: int) -> Lesion:
        """Write ``lesion``; raise ``ValidationFailed`` when the stored version moved on."""
        ...

    def standing_consent(self, patient_id: PatientId) -> ConsentScope | None: ...
    def set_standing_consent(self, patient_id: PatientId, scope: ConsentScope) -> None: ...


class ImageRepository(Protocol):
    def add(self, image: LesionImage) -> LesionImage: ...
    def get(self, image_id: ImageId) -> LesionImage | None: ...
    def for_lesion(self, lesion_id: LesionId) -> list[LesionImage]:
        """Oldest first by capture (or import) time."""
        ...

    def for_patient(self, patient_id: PatientId) -> list[LesionImage]: ...
    def find(self, lesion_id: LesionId, sha256: str) -> LesionImage | None:
        """The same picture already on this lesion, if any."""
        ...

    def update(self, image: LesionImage, expected_version: int) -> LesionImage: ...
    def image_key(self) -> bytes | None:
        """The clinic's image-store master key (kept inside the encrypted database)."""
        ...

    def set_image_key(self, key: bytes) -> None: ...


# --- adapters (imaging) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """A checked, cleaned image ready to store: identifying metadata already removed."""

    data: bytes  # the bytes to store (JPEG kept as-is minus metadata; others as PNG)
    media_type: str  # "image/jpeg" or "image/png"
    width: int  # after EXIF orientation
    height: int
    orientation: int  # EXIF orientation (1-8) of the source; a JPEG keeps only this tag
    captured_at: datetime | None  # naive camera time turned into UTC by the service
    device: str  # make and model, never the serial number
    thumbnail: bytes  # a small JPEG, orientation applied


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """Pixels ready to show: 8-bit RGB rows, orientation applied."""

    width: int
    height: int
    rgb: bytes
    #: The full image's size; larger than ``width`` x ``height`` for a reduced preview.
    full_width: int
    full_height: int


class ImageIngestor(Protocol):
    def prepare_file(self, path: Path) -> PreparedImage:
        """Check and clean one file; raise ``ImageRejected`` with a plain reason."""
        ...

    def prepare_bytes(self, data: bytes) -> PreparedImage:
        """The same for pasted or dropped data that never touched the disk."""
        ...


class ImageDecoder(Protocol):
    def decode(self, data: bytes, media_type: str, max_side: int | None = None) -> DecodedImage:
        """Decode stored bytes; with ``max_side`` a fast reduced image (JPEG draft mode)."""
        ...

    def report_jpeg(self, data: bytes, media_type: str, max_side: int) -> bytes:
        """A JPEG no larger than ``max_side`` on a side, orientation applied (for reports)."""
        ...


class ImageStore(Protocol):
    """Encrypted, content-addressed blobs; the same picture is stored once."""

    def put(self, sha256: str, data: bytes, *, kind: str = "image") -> None:
        """Store ``data`` under its hash (``kind`` is "image" or "thumbnail"); idempotent."""
        ...

    def get(self, sha256: str, *, kind: str = "image") -> bytes:
        """Decrypt and return; raise ``ImageStoreError`` if missing or tampered with."""
        ...

    def contains(self, sha256: str, *, kind: str = "image") -> bool: ...


@dataclass(frozen=True, slots=True)
class ExportItem:
    image: LesionImage
    data: bytes
    file_stem: str  # chosen by the service: never a patient name when de-identified


class ImageExporter(Protocol):
    def write_files(self, items: Sequence[ExportItem], folder: Path) -> list[Path]:
        """Write each image into ``folder`` (atomically, never overwriting); return the paths."""
        ...

    def write_dicom(
        self,
        image: LesionImage,
        data: bytes,
        path: Path,
        *,
        patient_name: str,
        patient_id: str,
        birth_date: str,
        sex: str,
        body_site: str,
        study_description: str,
    ) -> Path:
        """A DICOM VL Photographic Image (dermoscopy attributes where they apply)."""
        ...


class FolderWatch(Protocol):
    """A camera or dermatoscope export folder polled for newly settled photos."""

    folder: Path

    def scan(self) -> list[Path]:
        """New image files that stopped changing since the previous scan, each offered once."""
        ...


class FolderWatchFactory(Protocol):
    def __call__(self, folder: Path) -> FolderWatch: ...


class KeyFactory(Protocol):
    def __call__(self) -> bytes:
        """A new random 32-byte key."""
        ...


__all__ = [
    "DecodedImage",
    "ExportItem",
    "FolderWatch",
    "FolderWatchFactory",
    "ImageDecoder",
    "ImageExporter",
    "ImageIngestor",
    "ImageRejected",
    "ImageRepository",
    "ImageStore",
    "ImageStoreError",
    "KeyFactory",
    "LesionRepository",
    "PreparedImage",
]

"""Write images out for a referral: plain files (atomically, never overwriting) and DICOM.

The bytes written are the stored, already-cleaned image (metadata stripped at
import), so an exported file carries no GPS, serial number or name; the
service chooses file names (never a patient name when de-identified).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.imaging import LesionImage
from dermai_desktop.imaging.dicom import build_dicom
from dermai_desktop.services.imaging_ports import ExportItem

_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}
MAX_SUFFIX = 999


class ImageExportFailed(ExpectedError):
    title = "Export failed"
    default_message = "The images could not be written to that folder."
    default_next_step = "Check that the folder exists, is writable and has free space."


class FileImageExporter:
    """Implements ``services.imaging_ports.ImageExporter``."""

    def write_files(self, items: Sequence[ExportItem], folder: Path) -> list[Path]:
        if not folder.is_dir():
            raise ImageExportFailed("The export folder does not exist.")
        written: list[Path] = []
        for item in items:
            extension = _EXTENSIONS.get(item.image.media_type, ".img")
            written.append(write_new_file(folder, item.file_stem, extension, item.data))
        return written

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
        deidentified: bool | None = None,
    ) -> Path:
        """A DICOM VL Photographic Image; ``path``'s name is kept unless taken (then -2, -3...).

        ``deidentified`` defaults to "no patient name given".
        """
        if not path.parent.is_dir():
            raise ImageExportFailed("The export folder does not exist.")
        encoded = build_dicom(
            image,
            data,
            patient_name=patient_name,
            patient_id=patient_id,
            birth_date=birth_date,
            sex=sex,
            body_site=body_site,
            study_description=study_description,
            deidentified=not patient_name.strip() if deidentified is None else deidentified,
        )
        suffix = path.suffix or ".dcm"
        stem = path.name[: -len(path.suffix)] if path.suffix else path.name
        return write_new_file(path.parent, stem, suffix, encoded)


def write_new_file(folder: Path, stem: str, extension: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/stem+extension`` (or ``stem-2``...) without replacing anything.

    The bytes go to a hidden partial file first (fsynced); the final name appears only
    when complete, via a hard link, which fails instead of replacing an existing file.
    """
    partial = folder / f".{stem}{extension}.{os.getpid()}.partial"
    try:
        _write_synced(partial, data)
        for number in range(1, MAX_SUFFIX + 1):
            name = f"{stem}{extension}" if number == 1 else f"{stem}-{number}{extension}"
            target = folder / name
            if _claim(partial, target):
                return target
        raise ImageExportFailed(
            "There are too many files with the same name in that folder.",
            "Choose another folder.",
        )
    except OSError as error:
        raise ImageExportFailed() from error
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()


def _claim(partial: Path, target: Path) -> bool:
    """Give ``partial`` the name ``target`` unless that exists; True when done."""
    try:
        os.link(partial, target)
    except FileExistsError:
        return False
    except OSError:
        # Some file systems (FAT, some network shares) have no hard links.
        if target.exists():
            return False
        os.replace(partial, target)
    return True


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())

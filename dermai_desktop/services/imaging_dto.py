"""What the image service hands the UI: import results, export outcomes, report contents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dermai_desktop.domain.ids import ImageId
from dermai_desktop.domain.imaging import GrowthPoint, LesionImage
from dermai_desktop.domain.lesions import Lesion
from dermai_desktop.domain.patients import Patient


@dataclass(frozen=True)
class ImportResult:
    """One file of an import batch: the stored image, or why it was not stored.

    ``source_name`` is the file's base name, shown only in the UI (never logged
    or audited: a camera file name can hold a patient's name).
    """

    source_name: str
    image: LesionImage | None
    message: str
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.image is not None


@dataclass(frozen=True)
class ExportOutcome:
    """Files written for a referral, and images left out with the plain reason."""

    written: list[Path] = field(default_factory=list)
    refused: list[tuple[ImageId, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReportImage:
    image: LesionImage
    jpeg: bytes  # report-sized (at most 1200 px on a side), orientation applied
    measurements: list[str] = field(default_factory=list)  # "Longest diameter 6.2 mm, ..."


@dataclass(frozen=True)
class LesionReportEntry:
    lesion: Lesion
    images: list[ReportImage] = field(default_factory=list)
    growth: list[GrowthPoint] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # consent refusals, one line per image


@dataclass(frozen=True)
class LesionReport:
    """Everything a printed lesion report needs, read in one go off the GUI thread."""

    patient: Patient
    clinic_name: str
    generated_at: datetime
    generated_by: str
    lesions: list[LesionReportEntry] = field(default_factory=list)


__all__ = ["ExportOutcome", "ImportResult", "LesionReport", "LesionReportEntry", "ReportImage"]

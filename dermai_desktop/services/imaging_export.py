"""Getting lesion images out: referral files, DICOM, and the data of a printed report.

Every way out honours the image's consent scope: an image whose patient did
not agree to ``use`` is left out and the reason is said in plain words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import (
    Calibration,
    ImageUse,
    LesionImage,
    MeasureKind,
    Measurement,
    growth_series,
)
from dermai_desktop.domain.lesions import Lesion
from dermai_desktop.domain.patients import Patient, Sex
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.imaging_dto import (
    ExportOutcome,
    LesionReport,
    LesionReportEntry,
    ReportImage,
)
from dermai_desktop.services.imaging_ports import (
    ExportItem,
    ImageDecoder,
    ImageExporter,
    ImageStore,
)
from dermai_desktop.services.lesions import load_lesion
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

REPORT_IMAGE_SIDE = 1200
MAX_EXPORT = 500
_DICOM_SEX = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.INTERSEX: "O", Sex.UNKNOWN: ""}


class ConsentRefused(ValidationFailed):
    title = "Not covered by consent"
    default_message = "The patient's consent does not cover this use of the image."
    default_next_step = "Record the patient's wider consent first, or choose another use."


def slug(text: str, limit: int = 40) -> str:
    """Lower-case letters, digits and hyphens: safe in a file name on every system."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:limit].strip("-") or "x"


def measurement_lines(image: LesionImage) -> list[str]:
    """Each measurement as a plain sentence, in mm when calibrated, else in pixels."""
    return [_measurement_line(m, image.calibration) for m in image.overlay.measurements]


def _measurement_line(measurement: Measurement, calibration: Calibration | None) -> str:
    length_mm = measurement.length_mm(calibration)
    if measurement.kind is MeasureKind.RULER:
        if length_mm is None:
            return f"Length {measurement.length_px:.0f} px (image not calibrated)"
        return f"Length {length_mm:.1f} mm"
    area_mm2 = measurement.area_mm2(calibration)
    if length_mm is None or area_mm2 is None:
        return (
            f"Longest diameter {measurement.length_px:.0f} px, "
            f"area {measurement.area_px2:.0f} px² (image not calibrated)"
        )
    return f"Longest diameter {length_mm:.1f} mm, area {area_mm2:.1f} mm²"


class ImageExportOps:
    """The export and report use cases of ``ImageService``."""

    _uow_factory: UnitOfWorkFactory
    _clock: Clock
    _store: ImageStore
    _decoder: ImageDecoder
    _exporter: ImageExporter
    _gate: Gatekeeper

    def export_images(
        self,
        actor: Actor,
        image_ids: Sequence[ImageId],
        folder: Path,
        *,
        deidentify: bool,
        use: ImageUse = ImageUse.CARE,
    ) -> ExportOutcome:
        """Write the images for a referral; those outside their consent are refused."""
        self._gate.require(actor, Operation.IMAGE_EXPORT, entity_type="image")
        use = ImageUse(use)
        if len(image_ids) > MAX_EXPORT:
            raise ValidationFailed(f"Export at most {MAX_EXPORT} images at a time.")
        refused: list[tuple[ImageId, str]] = []
        chosen: list[tuple[LesionImage, Lesion]] = []
        with self._uow_factory(actor) as uow:
            for image_id in dict.fromkeys(image_ids):
                image = load_image(uow, image_id)
                reason = image.consent.refusal(use)
                if reason is not None:
                    refused.append((image.id, reason))
                    continue
                chosen.append((image, load_lesion(uow, image.lesion_id)))
        items = []
        for k, (image, lesion) in enumerate(chosen, start=1):
            # No patient identifier in any file name, even on an original copy: file names
            # end up in mail attachments and folder listings. The referral letter says whose
            # photos these are; the name says which lesion and when.
            if deidentify:
                stem = f"image-{k}-{image.modality.value.replace('_', '-')}"
            else:
                stem = f"lesion-{slug(lesion.label)}-{image.taken_on.isoformat()}-{k}"
            items.append(ExportItem(image, self._store.get(image.sha256), stem))
        written = self._exporter.write_files(items, folder) if items else []
        by_patient: dict[PatientId, int] = {}
        for image, _ in chosen:
            by_patient[image.patient_id] = by_patient.get(image.patient_id, 0) + 1
        with self._uow_factory(actor) as uow:
            for patient_id, count in by_patient.items():
                audit(
                    uow,
                    self._clock,
                    actor,
                    AuditAction.EXPORT,
                    entity_type="image",
                    patient_id=patient_id,
                    detail=f"deidentified={int(deidentify)} count={count} use={use.value}",
                )
            uow.commit()
        return ExportOutcome(written=list(written), refused=refused)

    def export_dicom(
        self,
        actor: Actor,
        image_id: ImageId,
        path: Path,
        *,
        deidentify: bool,
        use: ImageUse = ImageUse.CARE,
    ) -> Path:
        """One image as a DICOM VL Photographic Image file."""
        self._gate.require(actor, Operation.IMAGE_EXPORT, entity_type="image", entity_id=image_id)
        use = ImageUse(use)
        with self._uow_factory(actor) as uow:
            image = load_image(uow, image_id)
            reason = image.consent.refusal(use)
            if reason is not None:
                raise ConsentRefused(reason)
            lesion = load_lesion(uow, image.lesion_id)
            patient = _patient(uow, image)
        data = self._store.get(image.sha256)
        if deidentify:
            # A stable pseudonym: the same patient gets the same id across exports, and it
            # cannot be turned back into the record without the database.
            pseudonym = hashlib.sha256(f"dermai-dicom|{patient.id}".encode()).hexdigest()[:16]
            written = self._exporter.write_dicom(
                image,
                data,
                path,
                patient_name="Anonymous",
                patient_id=f"ANON-{pseudonym}",
                birth_date="",
                sex="",
                body_site=lesion.site,
                study_description="Lesion image",
            )
        else:
            written = self._exporter.write_dicom(
                image,
                data,
                path,
                patient_name=f"{patient.family_name}^{patient.given_name}",
                patient_id=patient.mrn,
                birth_date=patient.date_of_birth.strftime("%Y%m%d"),
                sex=_DICOM_SEX.get(patient.sex, ""),
                body_site=lesion.site,
                study_description=f"Lesion {lesion.label}",
            )
        with self._uow_factory(actor) as uow:
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.EXPORT,
                entity_type="image",
                entity_id=image.id,
                patient_id=image.patient_id,
                detail=f"format=dicom deidentified={int(deidentify)} use={use.value}",
            )
            uow.commit()
        return written

    def report_data(
        self,
        actor: Actor,
        patient_id: PatientId,
        lesion_ids: Sequence[LesionId],
        use: ImageUse = ImageUse.CARE,
    ) -> LesionReport:
        """What a lesion report shows; images outside their consent are listed, not shown."""
        self._gate.require(
            actor, Operation.IMAGE_EXPORT, patient_id=patient_id, entity_type="lesion_report"
        )
        use = ImageUse(use)
        with self._uow_factory(actor) as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound("That patient record does not exist.")
            clinic = uow.clinic.get()
            user = uow.users.get(actor.user_id)
            wanted: list[tuple[Lesion, list[LesionImage]]] = []
            for lesion_id in dict.fromkeys(lesion_ids):
                lesion = load_lesion(uow, lesion_id)
                if lesion.patient_id != patient_id:
                    raise ValidationFailed("A report covers the lesions of one patient.")
                wanted.append((lesion, uow.images.for_lesion(lesion_id)))
        entries = []
        for lesion, images in wanted:
            shown: list[ReportImage] = []
            left_out: list[str] = []
            for image in images:
                reason = image.consent.refusal(use)
                if reason is not None:
                    left_out.append(f"Image of {image.taken_on.isoformat()} left out: {reason}")
                    continue
                jpeg = self._decoder.report_jpeg(
                    self._store.get(image.sha256), image.media_type, REPORT_IMAGE_SIDE
                )
                shown.append(ReportImage(image, jpeg, measurement_lines(image)))
            growth = growth_series([item.image for item in shown])
            entries.append(LesionReportEntry(lesion, shown, growth, left_out))
        return LesionReport(
            patient=patient,
            clinic_name=clinic.name if clinic else "",
            generated_at=self._clock.now(),
            generated_by=user.full_name if user else actor.username,
            lesions=entries,
        )

    def record_report(
        self,
        actor: Actor,
        patient_id: PatientId,
        lesion_ids: Sequence[LesionId],
        *,
        printed: bool,
    ) -> None:
        """Audit a lesion report that was printed or saved as a PDF."""
        self._gate.require(
            actor, Operation.IMAGE_EXPORT, patient_id=patient_id, entity_type="lesion_report"
        )
        count = len(dict.fromkeys(lesion_ids))
        with self._uow_factory(actor) as uow:
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.PRINT if printed else AuditAction.EXPORT,
                entity_type="lesion_report",
                patient_id=patient_id,
                detail=f"lesions={count}" if printed else f"format=pdf lesions={count}",
            )
            uow.commit()


def load_image(uow: UnitOfWork, image_id: ImageId) -> LesionImage:
    image = uow.images.get(image_id)
    if image is None:
        raise NotFound("That image does not exist any more.")
    return image


def _patient(uow: UnitOfWork, image: LesionImage) -> Patient:
    patient = uow.patients.get(image.patient_id)
    if patient is None:
        raise NotFound("That patient record does not exist.")
    return patient


__all__ = ["ConsentRefused", "ImageExportOps", "load_image", "measurement_lines", "slug"]

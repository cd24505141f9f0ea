"""SQL implementations of ``LesionRepository`` and ``ImageRepository``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import (
    Alignment,
    Calibration,
    CalibrationSource,
    ConsentScope,
    LesionImage,
    Modality,
    Overlay,
)
from dermai_desktop.domain.lesions import BodyPoint, BodyView, Lesion, LesionStatus
from dermai_desktop.storage.records_imaging import (
    ImageStoreKeyRecord,
    LesionImageRecord,
    LesionRecord,
    PatientImageConsentRecord,
)

Now = Callable[[], datetime]


def _stale(what: str) -> ValidationFailed:
    return ValidationFailed(
        f"Someone else changed this {what} a moment ago.",
        "It has been reloaded; check it and make your change again.",
    )


def _set_if_changed(record: Any, **values: Any) -> None:
    # Only real changes are assigned, so the sync outbox carries changed fields only.
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)


def _lesion(r: LesionRecord) -> Lesion:
    return Lesion(
        id=LesionId(r.id),
        patient_id=PatientId(r.patient_id),
        label=r.label,
        site=r.body_site,
        position=BodyPoint(BodyView(r.body_view), r.body_map_x, r.body_map_y),
        first_noted=r.first_noted,
        status=LesionStatus(r.status),
        impression=r.impression,
        follow_up_months=r.follow_up_months,
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
        recall_id=r.recall_id,
    )


def _lesion_fields(lesion: Lesion) -> dict[str, Any]:
    return {
        "patient_id": lesion.patient_id,
        "label": lesion.label,
        "body_site": lesion.site,
        "body_view": lesion.position.view.value,
        "body_map_x": lesion.position.x,
        "body_map_y": lesion.position.y,
        "first_noted": lesion.first_noted,
        "status": lesion.status.value,
        "impression": lesion.impression,
        "follow_up_months": lesion.follow_up_months,
        "recall_id": lesion.recall_id,
    }


def _image(r: LesionImageRecord) -> LesionImage:
    calibration = None
    if r.mm_per_pixel is not None:
        source = CalibrationSource(r.calibration_source or CalibrationSource.RULER)
        calibration = Calibration(r.mm_per_pixel, source)
    return LesionImage(
        id=ImageId(r.id),
        patient_id=PatientId(r.patient_id),
        lesion_id=LesionId(r.lesion_id),
        sha256=r.sha256,
        media_type=r.content_type,
        width=r.width_px,
        height=r.height_px,
        byte_size=r.byte_size,
        modality=Modality(r.modality),
        captured_at=r.captured_at,
        imported_at=r.imported_at,
        consent=ConsentScope(r.consent),
        calibration=calibration,
        overlay=Overlay.from_json(r.overlay),
        alignment=Alignment.from_json(r.alignment),
        device=r.device,
        imported_by=r.imported_by or "",
        version=r.version,
    )


def _image_fields(image: LesionImage) -> dict[str, Any]:
    """The fields a clinician may change after import (pixels and origin never change)."""
    calibration = image.calibration
    return {
        "modality": image.modality.value,
        "consent": image.consent.value,
        "mm_per_pixel": calibration.mm_per_pixel if calibration else None,
        "calibration_source": calibration.source.value if calibration else None,
        "overlay": image.overlay.to_json() if image.overlay != Overlay() else "",
        "alignment": image.alignment.to_json() if image.alignment else None,
    }


class SqlLesionRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def add(self, lesion: Lesion) -> Lesion:
        record = LesionRecord(
            id=lesion.id,
            created_at=lesion.created_at,
            updated_at=lesion.updated_at,
            **_lesion_fields(lesion),
        )
        self._session.add(record)
        self._session.flush()
        return _lesion(record)

    def get(self, lesion_id: LesionId) -> Lesion | None:
        record = self._session.get(LesionRecord, lesion_id)
        return None if record is None or record.deleted_at is not None else _lesion(record)

    def for_patient(self, patient_id: PatientId) -> list[Lesion]:
        rows = self._session.scalars(
            select(LesionRecord)
            .where(LesionRecord.patient_id == patient_id, LesionRecord.deleted_at.is_(None))
            .order_by(func.lower(LesionRecord.label), LesionRecord.id)
        )
        return [_lesion(r) for r in rows]

    def update(self, lesion: Lesion, expected_version: int) -> Lesion:
        record = self._session.get(LesionRecord, lesion.id)
        if record is None or record.deleted_at is not None or record.version != expected_version:
            raise _stale("lesion")
        _set_if_changed(record, **_lesion_fields(lesion))
        self._session.flush()
        return _lesion(record)

    def standing_consent(self, patient_id: PatientId) -> ConsentScope | None:
        scope = self._session.scalar(
            select(PatientImageConsentRecord.scope).where(
                PatientImageConsentRecord.patient_id == patient_id,
                PatientImageConsentRecord.deleted_at.is_(None),
            )
        )
        return ConsentScope(scope) if scope else None

    def set_standing_consent(self, patient_id: PatientId, scope: ConsentScope) -> None:
        record = self._session.scalar(
            select(PatientImageConsentRecord).where(
                PatientImageConsentRecord.patient_id == patient_id
            )
        )
        if record is None:
            now = self._now()
            self._session.add(
                PatientImageConsentRecord(
                    patient_id=patient_id, scope=scope.value, created_at=now, updated_at=now
                )
            )
        else:
            _set_if_changed(record, scope=scope.value, deleted_at=None)
        self._session.flush()


class SqlImageRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def add(self, image: LesionImage) -> LesionImage:
        record = LesionImageRecord(
            id=image.id,
            created_at=image.imported_at,
            updated_at=image.imported_at,
            lesion_id=image.lesion_id,
            patient_id=image.patient_id,
            sha256=image.sha256,
            content_type=image.media_type,
            width_px=image.width,
            height_px=image.height,
            byte_size=image.byte_size,
            captured_at=image.captured_at,
            imported_at=image.imported_at,
            imported_by=image.imported_by or None,
            device=image.device,
            **_image_fields(image),
        )
        self._session.add(record)
        self._session.flush()
        return _image(record)

    def get(self, image_id: ImageId) -> LesionImage | None:
        record = self._session.get(LesionImageRecord, image_id)
        return None if record is None or record.deleted_at is not None else _image(record)

    def _listed(self, *where: Any) -> list[LesionImage]:
        # Oldest first by what the photo shows: capture time, else the import time.
        taken = func.coalesce(LesionImageRecord.captured_at, LesionImageRecord.imported_at)
        rows = self._session.scalars(
            select(LesionImageRecord)
            .where(*where, LesionImageRecord.deleted_at.is_(None))
            .order_by(taken, LesionImageRecord.imported_at, LesionImageRecord.id)
        )
        return [_image(r) for r in rows]

    def for_lesion(self, lesion_id: LesionId) -> list[LesionImage]:
        return self._listed(LesionImageRecord.lesion_id == lesion_id)

    def for_patient(self, patient_id: PatientId) -> list[LesionImage]:
        return self._listed(LesionImageRecord.patient_id == patient_id)

    def find(self, lesion_id: LesionId, sha256: str) -> LesionImage | None:
        record = self._session.scalars(
            select(LesionImageRecord)
            .where(
                LesionImageRecord.lesion_id == lesion_id,
                LesionImageRecord.sha256 == sha256,
                LesionImageRecord.deleted_at.is_(None),
            )
            .limit(1)
        ).first()
        return None if record is None else _image(record)

    def update(self, image: LesionImage, expected_version: int) -> LesionImage:
        record = self._session.get(LesionImageRecord, image.id)
        if record is None or record.deleted_at is not None or record.version != expected_version:
            raise _stale("image")
        _set_if_changed(record, **_image_fields(image))
        self._session.flush()
        return _image(record)

    def image_key(self) -> bytes | None:
        record = self._session.scalars(
            select(ImageStoreKeyRecord).order_by(ImageStoreKeyRecord.id).limit(1)
        ).first()
        return None if record is None else bytes(record.key)

    def set_image_key(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("image store key must be 32 bytes")
        if self.image_key() is not None:
            # Replacing it would make every stored image unreadable.
            raise RuntimeError("the image store already has a key")
        self._session.add(ImageStoreKeyRecord(id=1, key=key, created_at=self._now()))
        self._session.flush()


__all__ = ["SqlImageRepository", "SqlLesionRepository"]

"""ORM records of lesions and their images (tables reshaped by migration 0006).

The pixels are not here: they live encrypted in the image store beside the
database, addressed by ``sha256``. A row holds what a clinician knows about
an image (modality, consent, calibration, the drawn overlay as JSON).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dermai_desktop.storage.records import Base, SyncedMixin

LESION_STATUSES = "'watch', 'biopsy_pending', 'excised', 'benign', 'resolved'"
BODY_VIEWS = "'front', 'back', 'left', 'right'"
MODALITIES = "'clinical_overview', 'close_up', 'dermoscopic_polarised', 'dermoscopic_non_polarised'"
CONSENT_SCOPES = "'care_only', 'teaching', 'research', 'publication'"


class LesionRecord(SyncedMixin, Base):
    __tablename__ = "lesions"
    __table_args__ = (
        CheckConstraint(f"status IN ({LESION_STATUSES})", name="status"),
        CheckConstraint(f"body_view IN ({BODY_VIEWS})", name="body_view"),
        CheckConstraint(
            "body_map_x BETWEEN 0 AND 1 AND body_map_y BETWEEN 0 AND 1", name="on_the_map"
        ),
        CheckConstraint(
            "follow_up_months IS NULL OR follow_up_months BETWEEN 1 AND 60", name="follow_up"
        ),
        Index("ix_lesions_patient_id", "patient_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    label: Mapped[str] = mapped_column(String(64))
    body_site: Mapped[str] = mapped_column(String(120))
    body_view: Mapped[str] = mapped_column(String(8))
    body_map_x: Mapped[float] = mapped_column(Float)  # 0..1 across the silhouette
    body_map_y: Mapped[float] = mapped_column(Float)  # 0..1 down it
    first_noted: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="watch")
    impression: Mapped[str] = mapped_column(Text, default="")
    follow_up_months: Mapped[int | None] = mapped_column(Integer)
    recall_id: Mapped[str | None] = mapped_column(ForeignKey("recalls.id"))


class LesionImageRecord(SyncedMixin, Base):
    __tablename__ = "lesion_images"
    __table_args__ = (
        CheckConstraint(f"modality IN ({MODALITIES})", name="modality"),
        CheckConstraint(f"consent IN ({CONSENT_SCOPES})", name="consent"),
        CheckConstraint(
            "calibration_source IS NULL OR calibration_source IN ('ruler', 'device_default')",
            name="calibration_source",
        ),
        Index("ix_lesion_images_lesion_id", "lesion_id"),
        Index("ix_lesion_images_patient_id", "patient_id"),
        Index("ix_lesion_images_sha256", "sha256"),
    )

    lesion_id: Mapped[str] = mapped_column(ForeignKey("lesions.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored (cleaned) image bytes
    content_type: Mapped[str] = mapped_column(String(64), default="image/jpeg")
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    modality: Mapped[str] = mapped_column(String(32))
    captured_at: Mapped[datetime | None]  # the camera's time, when it recorded one
    imported_at: Mapped[datetime]
    imported_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    consent: Mapped[str] = mapped_column(String(16), default="care_only")
    mm_per_pixel: Mapped[float | None] = mapped_column(Float)
    calibration_source: Mapped[str | None] = mapped_column(String(16))
    overlay: Mapped[str] = mapped_column(Text, default="")  # Overlay JSON
    alignment: Mapped[str | None] = mapped_column(Text)  # Alignment JSON
    device: Mapped[str] = mapped_column(String(120), default="")  # make and model only


class PatientImageConsentRecord(SyncedMixin, Base):
    """The scope a patient agreed to for new photographs (clinical care only if absent)."""

    __tablename__ = "patient_image_consent"
    __table_args__ = (CheckConstraint(f"scope IN ({CONSENT_SCOPES})", name="scope"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), unique=True)
    scope: Mapped[str] = mapped_column(String(16))


class ImageStoreKeyRecord(Base):
    """The image store's master key, inside the encrypted database.

    Kept here so it is reached only through the database key slots, and a
    database rekey does not have to re-encrypt every image. Not a synced
    table: how a clinic's other workstations receive it is sync's job (wave 2),
    which must wrap it for transport rather than copy it as a row.
    """

    __tablename__ = "image_store_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


#: Lesions (since 0002) and the tables of 0006 that sync; the image key does not.
IMAGING_SYNCED_RECORDS: tuple[type[SyncedMixin], ...] = (
    LesionRecord,
    LesionImageRecord,
    PatientImageConsentRecord,
)

__all__ = [
    "IMAGING_SYNCED_RECORDS",
    "ImageStoreKeyRecord",
    "LesionImageRecord",
    "LesionRecord",
    "PatientImageConsentRecord",
]

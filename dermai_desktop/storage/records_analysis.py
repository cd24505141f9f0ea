"""ORM records of lesion analysis (migration 0007): results, verdicts, pathology.

Results and verdicts are append-only, enforced by triggers as well as by the
repository: a result is the record of what a given model said about given
pixels, so it is never edited - analysing again adds a row, and a later
verdict supersedes an earlier one. Each row carries the model's SHA-256 and
the image's, so it stays traceable even if the image is later re-imported.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dermai_desktop.storage.records import Base, SyncedMixin

VERDICT_KINDS = "'agree', 'disagree', 'biopsy'"
PATHOLOGY_CODES = "'akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc', 'other'"


class AnalysisResultRecord(SyncedMixin, Base):
    __tablename__ = "analysis_results"
    __table_args__ = (
        Index("ix_analysis_results_image_id", "image_id"),
        Index("ix_analysis_results_lesion_id", "lesion_id"),
        Index("ix_analysis_results_patient_id", "patient_id"),
    )

    image_id: Mapped[str] = mapped_column(ForeignKey("lesion_images.id"))
    lesion_id: Mapped[str] = mapped_column(ForeignKey("lesions.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    image_sha256: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str] = mapped_column(String(120))
    model_version: Mapped[str] = mapped_column(String(64))
    model_sha256: Mapped[str] = mapped_column(String(64))
    segmenter_sha256: Mapped[str] = mapped_column(String(64))
    # Denormalised from the outcome for reports that should not parse JSON.
    top_class: Mapped[str] = mapped_column(String(16))
    suspicion: Mapped[float] = mapped_column(Float)
    reliable: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(Text)  # AnalysisOutcome JSON (services.analysis_codec)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class AnalysisVerdictRecord(SyncedMixin, Base):
    """The dermatologist's verdict on one result, with the model and image it was about."""

    __tablename__ = "analysis_verdicts"
    __table_args__ = (
        CheckConstraint(f"kind IN ({VERDICT_KINDS})", name="kind"),
        Index("ix_analysis_verdicts_result_id", "result_id"),
        Index("ix_analysis_verdicts_patient_id", "patient_id"),
    )

    result_id: Mapped[str] = mapped_column(ForeignKey("analysis_results.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(String(16))
    impression: Mapped[str] = mapped_column(Text, default="")
    model_sha256: Mapped[str] = mapped_column(String(64))
    image_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class LesionPathologyRecord(SyncedMixin, Base):
    """A biopsy's diagnosis for a lesion; the latest entry counts."""

    __tablename__ = "lesion_pathology"
    __table_args__ = (
        CheckConstraint(f"diagnosis IN ({PATHOLOGY_CODES})", name="diagnosis"),
        Index("ix_lesion_pathology_lesion_id", "lesion_id"),
        Index("ix_lesion_pathology_patient_id", "patient_id"),
    )

    lesion_id: Mapped[str] = mapped_column(ForeignKey("lesions.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    diagnosis: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


ANALYSIS_SYNCED_RECORDS: tuple[type[SyncedMixin], ...] = (
    AnalysisResultRecord,
    AnalysisVerdictRecord,
    LesionPathologyRecord,
)

__all__ = [
    "ANALYSIS_SYNCED_RECORDS",
    "AnalysisResultRecord",
    "AnalysisVerdictRecord",
    "LesionPathologyRecord",
]

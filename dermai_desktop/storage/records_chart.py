"""ORM records of migration 0004: kept list revisions, note templates, diagnoses on notes."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dermai_desktop.storage.records import Base, SyncedMixin


class ChartListRevisionRecord(SyncedMixin, Base):
    """One kept version of a problem, allergy or medication row (append-only).

    ``snapshot`` holds the row as it read after the change, so the history
    shows each version exactly, with who (``updated_by``) and when
    (``created_at``). A trigger refuses updates and deletes.
    """

    __tablename__ = "chart_list_revisions"
    __table_args__ = (
        CheckConstraint("kind IN ('problem', 'allergy', 'medication')", name="kind"),
        CheckConstraint(
            "action IN ('created', 'edited', 'resolved', 'reactivated')", name="action"
        ),
        Index("ix_chart_list_revisions_item", "kind", "item_id", "item_version"),
        Index("ix_chart_list_revisions_patient_id", "patient_id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(36))
    item_version: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    action: Mapped[str] = mapped_column(String(16))
    snapshot: Mapped[str] = mapped_column(Text)  # JSON of the row's fields


class NoteTemplateRecord(SyncedMixin, Base):
    __tablename__ = "note_templates"
    __table_args__ = (CheckConstraint("source IN ('bundled', 'custom')", name="source"),)

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    subjective: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    suggested_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="custom")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class NoteDiagnosisRecord(SyncedMixin, Base):
    """An ICD-10 code on a note; removing one tombstones the row. Locked once the note is signed."""

    __tablename__ = "note_diagnoses"
    __table_args__ = (
        Index("ix_note_diagnoses_note_id", "note_id"),
        Index("ix_note_diagnoses_patient_id", "patient_id"),
        Index("ix_note_diagnoses_code", "code"),
    )

    note_id: Mapped[str] = mapped_column(ForeignKey("notes.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)


CHART_SYNCED_RECORDS: tuple[type[SyncedMixin], ...] = (
    ChartListRevisionRecord,
    NoteTemplateRecord,
    NoteDiagnosisRecord,
)

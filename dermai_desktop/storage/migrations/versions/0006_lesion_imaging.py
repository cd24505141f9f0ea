"""Lesion imaging: lesions on the body map, images with consent and calibration, image key.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-11

``lesions`` and ``lesion_images`` (placeholders since 0002) get their real
shape: a body-map view, a date first noted, the clinical status ladder, a
follow-up interval and its recall; images get four modalities, a consent
scope, a calibration source, the overlay and alignment as JSON, and a
nullable capture time. SQLite cannot alter CHECK constraints or
nullability, so both tables are rebuilt. The new image table first
references the new lesion table under its temporary name; renaming that
table rewrites the reference (SQLite >= 3.26), so no foreign key ever points
at a dropped table. ``patient_image_consent`` holds each patient's standing
consent and ``image_store_keys`` the image store's master key.

This file is a frozen copy of the schema at 0006: it never imports the ORM.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_SYNCED = "id, created_at, updated_at, version, updated_by, updated_workstation, deleted_at"
_STATUSES = "'watch', 'biopsy_pending', 'excised', 'benign', 'resolved'"
_MODALITIES = (
    "'clinical_overview', 'close_up', 'dermoscopic_polarised', 'dermoscopic_non_polarised'"
)
_SCOPES = "'care_only', 'teaching', 'research', 'publication'"


def _synced_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("updated_workstation", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.String(length=27), nullable=True),
    ]


def _new_lesions(name: str) -> None:
    op.create_table(
        name,
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("body_site", sa.String(length=120), nullable=False),
        sa.Column("body_view", sa.String(length=8), nullable=False),
        sa.Column("body_map_x", sa.Float(), nullable=False),
        sa.Column("body_map_y", sa.Float(), nullable=False),
        sa.Column("first_noted", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("impression", sa.Text(), nullable=False),
        sa.Column("follow_up_months", sa.Integer(), nullable=True),
        sa.Column("recall_id", sa.String(length=36), nullable=True),
        *_synced_columns(),
        sa.CheckConstraint(
            "body_map_x BETWEEN 0 AND 1 AND body_map_y BETWEEN 0 AND 1",
            name=op.f("ck_lesions_on_the_map"),
        ),
        sa.CheckConstraint(
            "body_view IN ('front', 'back', 'left', 'right')", name=op.f("ck_lesions_body_view")
        ),
        sa.CheckConstraint(
            "follow_up_months IS NULL OR follow_up_months BETWEEN 1 AND 60",
            name=op.f("ck_lesions_follow_up"),
        ),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name=op.f("ck_lesions_status")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_lesions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recall_id"], ["recalls.id"], name=op.f("fk_lesions_recall_id_recalls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesions")),
    )


def _new_images(name: str, lesions_table: str) -> None:
    op.create_table(
        name,
        sa.Column("lesion_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=32), nullable=False),
        sa.Column("captured_at", sa.String(length=27), nullable=True),
        sa.Column("imported_at", sa.String(length=27), nullable=False),
        sa.Column("imported_by", sa.String(length=36), nullable=True),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("mm_per_pixel", sa.Float(), nullable=True),
        sa.Column("calibration_source", sa.String(length=16), nullable=True),
        sa.Column("overlay", sa.Text(), nullable=False),
        sa.Column("alignment", sa.Text(), nullable=True),
        sa.Column("device", sa.String(length=120), nullable=False),
        *_synced_columns(),
        sa.CheckConstraint(
            "calibration_source IS NULL OR calibration_source IN ('ruler', 'device_default')",
            name=op.f("ck_lesion_images_calibration_source"),
        ),
        sa.CheckConstraint(f"consent IN ({_SCOPES})", name=op.f("ck_lesion_images_consent")),
        sa.CheckConstraint(f"modality IN ({_MODALITIES})", name=op.f("ck_lesion_images_modality")),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_lesion_images_imported_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["lesion_id"], [f"{lesions_table}.id"], name=op.f("fk_lesion_images_lesion_id_lesions")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_lesion_images_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesion_images")),
    )


def _old_lesions(name: str) -> None:
    op.create_table(
        name,
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("body_site", sa.String(length=64), nullable=False),
        sa.Column("body_map_x", sa.Float(), nullable=True),
        sa.Column("body_map_y", sa.Float(), nullable=True),
        sa.Column("first_seen_at", sa.String(length=27), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_synced_columns(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_lesions_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesions")),
    )


def _old_images(name: str, lesions_table: str) -> None:
    op.create_table(
        name,
        sa.Column("lesion_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("modality", sa.String(length=16), nullable=False),
        sa.Column("captured_at", sa.String(length=27), nullable=False),
        sa.Column("captured_by", sa.String(length=36), nullable=True),
        sa.Column("width_px", sa.Integer(), nullable=True),
        sa.Column("height_px", sa.Integer(), nullable=True),
        sa.Column("mm_per_pixel", sa.Float(), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=True),
        *_synced_columns(),
        sa.CheckConstraint(
            "modality IN ('clinical', 'dermoscopic')", name=op.f("ck_lesion_images_modality")
        ),
        sa.ForeignKeyConstraint(
            ["captured_by"], ["users.id"], name=op.f("fk_lesion_images_captured_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["lesion_id"], [f"{lesions_table}.id"], name=op.f("fk_lesion_images_lesion_id_lesions")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_lesion_images_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesion_images")),
    )


def _swap(temp_lesions: str, temp_images: str, old_indexes: list[str]) -> None:
    """Drop the old pair (child first), then give the new pair the real names."""
    for index in old_indexes:
        op.drop_index(index, table_name="lesion_images")
    op.drop_table("lesion_images")
    op.drop_index("ix_lesions_patient_id", table_name="lesions")
    op.drop_table("lesions")
    op.rename_table(temp_lesions, "lesions")
    op.rename_table(temp_images, "lesion_images")
    op.create_index("ix_lesions_patient_id", "lesions", ["patient_id"], unique=False)


def upgrade() -> None:
    _new_lesions("_lesions_0006")
    # Older rows knew only "monitoring"-like states: they are all still being watched.
    op.execute(
        f"INSERT INTO _lesions_0006 (patient_id, label, body_site, body_view, body_map_x, "  # noqa: S608
        f"body_map_y, first_noted, status, impression, follow_up_months, recall_id, {_SYNCED}) "
        "SELECT patient_id, label, body_site, 'front', COALESCE(body_map_x, 0.5), "
        "COALESCE(body_map_y, 0.5), substr(first_seen_at, 1, 10), "
        f"CASE WHEN status IN ({_STATUSES}) THEN status ELSE 'watch' END, '', NULL, NULL, "
        f"{_SYNCED} FROM lesions"
    )
    _new_images("_lesion_images_0006", "_lesions_0006")
    # Polarisation was never recorded before; most clinic dermatoscopes are polarised.
    op.execute(
        "INSERT INTO _lesion_images_0006 (lesion_id, patient_id, sha256, content_type, "  # noqa: S608
        "width_px, height_px, byte_size, modality, captured_at, imported_at, imported_by, "
        f"consent, mm_per_pixel, calibration_source, overlay, alignment, device, {_SYNCED}) "
        "SELECT lesion_id, patient_id, sha256, content_type, COALESCE(width_px, 0), "
        "COALESCE(height_px, 0), COALESCE(byte_size, 0), "
        "CASE modality WHEN 'dermoscopic' THEN 'dermoscopic_polarised' "
        "ELSE 'clinical_overview' END, captured_at, created_at, captured_by, 'care_only', "
        "mm_per_pixel, CASE WHEN mm_per_pixel IS NULL THEN NULL ELSE 'device_default' END, "
        f"'', NULL, '', {_SYNCED} FROM lesion_images"
    )
    _swap(
        "_lesions_0006",
        "_lesion_images_0006",
        ["ix_lesion_images_lesion_id", "ix_lesion_images_sha256"],
    )
    op.create_index("ix_lesion_images_lesion_id", "lesion_images", ["lesion_id"], unique=False)
    op.create_index("ix_lesion_images_patient_id", "lesion_images", ["patient_id"], unique=False)
    op.create_index("ix_lesion_images_sha256", "lesion_images", ["sha256"], unique=False)

    op.create_table(
        "patient_image_consent",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        *_synced_columns(),
        sa.CheckConstraint(f"scope IN ({_SCOPES})", name=op.f("ck_patient_image_consent_scope")),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_image_consent_patient_id_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_image_consent")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_image_consent_patient_id")),
    )
    op.create_table(
        "image_store_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_store_keys")),
    )


def downgrade() -> None:
    op.drop_table("image_store_keys")
    op.drop_table("patient_image_consent")
    _old_lesions("_lesions_0005")
    op.execute(
        "INSERT INTO _lesions_0005 (patient_id, label, body_site, body_map_x, body_map_y, "  # noqa: S608
        f"first_seen_at, status, {_SYNCED}) SELECT patient_id, label, substr(body_site, 1, 64), "
        "body_map_x, body_map_y, first_noted || 'T00:00:00.000000Z', "
        f"CASE status WHEN 'watch' THEN 'monitoring' ELSE status END, {_SYNCED} FROM lesions"
    )
    _old_images("_lesion_images_0005", "_lesions_0005")
    op.execute(
        "INSERT INTO _lesion_images_0005 (lesion_id, patient_id, sha256, modality, "  # noqa: S608
        "captured_at, captured_by, width_px, height_px, mm_per_pixel, content_type, byte_size, "
        f"{_SYNCED}) SELECT lesion_id, patient_id, sha256, "
        "CASE WHEN modality LIKE 'dermoscopic%' THEN 'dermoscopic' ELSE 'clinical' END, "
        "COALESCE(captured_at, imported_at), imported_by, width_px, height_px, mm_per_pixel, "
        f"content_type, byte_size, {_SYNCED} FROM lesion_images"
    )
    _swap(
        "_lesions_0005",
        "_lesion_images_0005",
        ["ix_lesion_images_lesion_id", "ix_lesion_images_patient_id", "ix_lesion_images_sha256"],
    )
    op.create_index("ix_lesion_images_lesion_id", "lesion_images", ["lesion_id"], unique=False)
    op.create_index("ix_lesion_images_sha256", "lesion_images", ["sha256"], unique=False)

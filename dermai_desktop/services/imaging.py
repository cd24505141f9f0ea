"""Lesion images: import, view, measure, consent, compare, export, report.

The pixels live in the encrypted image store (``ImageStore``), addressed by
their SHA-256; the database keeps one row per image of a lesion. An import
stores the blobs first (idempotent, content-addressed) and only then writes
the row and its audit event in one transaction, so a failure at any point
leaves either nothing or at most an unreferenced blob a later import reuses,
never a row without pixels.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId, new_uuid7
from dermai_desktop.domain.imaging import (
    Alignment,
    Calibration,
    ConsentScope,
    GrowthPoint,
    LesionImage,
    Modality,
    Overlay,
    default_calibration,
    growth_series,
    parse_fields_of_view,
)
from dermai_desktop.domain.lesions import Lesion
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.imaging_dto import ExportOutcome, ImportResult
from dermai_desktop.services.imaging_export import ConsentRefused, ImageExportOps, load_image
from dermai_desktop.services.imaging_ports import (
    DecodedImage,
    FolderWatch,
    FolderWatchFactory,
    ImageDecoder,
    ImageExporter,
    ImageIngestor,
    ImageRejected,
    ImageStore,
    ImageStoreError,
    PreparedImage,
)
from dermai_desktop.services.lesions import DEFAULT_CONSENT, load_lesion
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from dermai_desktop.services.settings import SettingsService

log = logging.getLogger(__name__)

TIMEZONE_SETTING = "clinic.timezone"
FIELDS_OF_VIEW_SETTING = "imaging.device_fields_of_view"
THUMBNAIL_SIDE = 256
DUPLICATE_MESSAGE = "This photo is already on this lesion; it was not added twice."


class ImageService(ImageExportOps):
    """Only dermatologists see, change or send out lesion images; each step is audited."""

    def __init__(  # noqa: PLR0917 - positional order fixed by the shared spec
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        store: ImageStore,
        ingestor: ImageIngestor,
        decoder: ImageDecoder,
        exporter: ImageExporter,
        *,
        settings: SettingsService | None = None,
        folder_watch_factory: FolderWatchFactory | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._store = store
        self._ingestor = ingestor
        self._decoder = decoder
        self._exporter = exporter
        self._settings = settings
        self._folder_watch_factory = folder_watch_factory
        self._gate = Gatekeeper(uow_factory, clock)

    # --- getting images in -----------------------------------------------------------------

    @property
    def can_watch_folders(self) -> bool:
        return self._folder_watch_factory is not None

    def watch_folder(self, actor: Actor, folder: Path) -> FolderWatch:
        """Start watching a camera's export folder; its new photos are offered for import."""
        self._gate.require(actor, Operation.IMAGE_EDIT, entity_type="image")
        if self._folder_watch_factory is None:
            raise ValidationFailed("Watching a folder is not available on this workstation.")
        return self._folder_watch_factory(folder)

    def import_files(
        self,
        actor: Actor,
        lesion_id: LesionId,
        paths: Sequence[Path],
        modality: Modality,
        calibration: Calibration | None = None,
    ) -> list[ImportResult]:
        """Import each file; a rejected file gets its plain reason and the batch goes on."""
        self._require_lesion_edit(actor, lesion_id)
        results = []
        for path in paths:
            prepare = functools.partial(self._ingestor.prepare_file, path)
            results.append(
                self._import_one(
                    actor,
                    lesion_id,
                    prepare,
                    modality=modality,
                    calibration=calibration,
                    source_name=Path(path).name,
                )
            )
        return results

    def import_bytes(
        self,
        actor: Actor,
        lesion_id: LesionId,
        data: bytes,
        modality: Modality,
        source_name: str = "Pasted image",
    ) -> ImportResult:
        """Import pasted or dropped image data that never touched the disk."""
        self._require_lesion_edit(actor, lesion_id)
        return self._import_one(
            actor,
            lesion_id,
            functools.partial(self._ingestor.prepare_bytes, data),
            modality=modality,
            calibration=None,
            source_name=source_name,
        )

    # --- reading -----------------------------------------------------------------------------

    def images(self, actor: Actor, lesion_id: LesionId) -> list[LesionImage]:
        """The lesion's images, oldest first (the timeline strip)."""
        self._gate.require(actor, Operation.IMAGE_VIEW, entity_type="image", entity_id=lesion_id)
        with self._uow_factory(actor) as uow:
            load_lesion(uow, lesion_id)
            return uow.images.for_lesion(lesion_id)

    def patient_images(self, actor: Actor, patient_id: PatientId) -> list[LesionImage]:
        self._gate.require(actor, Operation.IMAGE_VIEW, patient_id=patient_id, entity_type="image")
        with self._uow_factory(actor) as uow:
            return uow.images.for_patient(patient_id)

    def thumbnail(self, actor: Actor, image_id: ImageId) -> bytes:
        """A small JPEG of the image (decrypted in memory only)."""
        self._gate.require(actor, Operation.IMAGE_VIEW, entity_type="image", entity_id=image_id)
        with self._uow_factory(actor) as uow:
            image = load_image(uow, image_id)
        if self._store.contains(image.sha256, kind="thumbnail"):
            return self._store.get(image.sha256, kind="thumbnail")
        # A thumbnail lost (or never synced) is made again from the image itself.
        data = self._store.get(image.sha256)
        thumb = self._decoder.report_jpeg(data, image.media_type, THUMBNAIL_SIDE)
        self._store.put(image.sha256, thumb, kind="thumbnail")
        return thumb

    def open_image(
        self, actor: Actor, image_id: ImageId, preview_side: int = 1600
    ) -> tuple[LesionImage, DecodedImage]:
        """The image row and a reduced decode for a fast first paint (audited as a view)."""
        self._gate.require(actor, Operation.IMAGE_VIEW, entity_type="image", entity_id=image_id)
        with self._uow_factory(actor) as uow:
            image = load_image(uow, image_id)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="image",
                entity_id=image.id,
                patient_id=image.patient_id,
            )
            uow.commit()
        data = self._store.get(image.sha256)
        return image, self._decoder.decode(data, image.media_type, max_side=preview_side)

    def full_image(self, actor: Actor, image_id: ImageId) -> DecodedImage:
        """Every pixel, after ``open_image`` showed the preview (that view was audited)."""
        self._gate.require(actor, Operation.IMAGE_VIEW, entity_type="image", entity_id=image_id)
        with self._uow_factory(actor) as uow:
            image = load_image(uow, image_id)
        return self._decoder.decode(self._store.get(image.sha256), image.media_type)

    def growth(self, actor: Actor, lesion_id: LesionId) -> list[GrowthPoint]:
        """Calibrated diameter and area over time, oldest first."""
        return growth_series(self.images(actor, lesion_id))

    # --- changing what is drawn and known about an image --------------------------------------

    def save_overlay(
        self, actor: Actor, image_id: ImageId, overlay: Overlay, expected_version: int
    ) -> LesionImage:
        detail = f"overlay measurements={len(overlay.measurements)} "
        detail += f"annotations={len(overlay.annotations)}"
        return self._change(actor, image_id, expected_version, detail, overlay=overlay)

    def set_calibration(
        self,
        actor: Actor,
        image_id: ImageId,
        calibration: Calibration | None,
        expected_version: int,
    ) -> LesionImage:
        source = calibration.source.value if calibration else "none"
        detail = f"calibration source={source}"
        return self._change(actor, image_id, expected_version, detail, calibration=calibration)

    def set_consent(
        self, actor: Actor, image_id: ImageId, scope: ConsentScope, expected_version: int
    ) -> LesionImage:
        scope = ConsentScope(scope)
        return self._change(
            actor, image_id, expected_version, f"consent scope={scope.value}", consent=scope
        )

    def set_modality(
        self, actor: Actor, image_id: ImageId, modality: Modality, expected_version: int
    ) -> LesionImage:
        modality = Modality(modality)
        return self._change(
            actor, image_id, expected_version, f"modality={modality.value}", modality=modality
        )

    def save_alignment(
        self,
        actor: Actor,
        image_id: ImageId,
        alignment: Alignment | None,
        expected_version: int,
    ) -> LesionImage:
        """How this (later) image lies on an earlier one of the same lesion; None clears it."""
        if alignment is not None and alignment.reference_id == image_id:
            raise ValidationFailed("An image cannot be aligned onto itself.")
        return self._change(
            actor,
            image_id,
            expected_version,
            "alignment" if alignment else "alignment cleared",
            alignment=alignment,
        )

    # --- internals ---------------------------------------------------------------------------

    def _require_lesion_edit(self, actor: Actor, lesion_id: LesionId) -> None:
        self._gate.require(actor, Operation.IMAGE_EDIT, entity_type="image", entity_id=lesion_id)
        with self._uow_factory(actor) as uow:
            load_lesion(uow, lesion_id)

    def _import_one(
        self,
        actor: Actor,
        lesion_id: LesionId,
        prepare: Callable[[], PreparedImage],
        *,
        modality: Modality,
        calibration: Calibration | None,
        source_name: str,
    ) -> ImportResult:
        try:
            prepared = prepare()
            sha256 = hashlib.sha256(prepared.data).hexdigest()
            self._store.put(sha256, prepared.data, kind="image")
            self._store.put(sha256, prepared.thumbnail, kind="thumbnail")
        except (ImageRejected, ImageStoreError) as error:
            return ImportResult(source_name, None, error.message)
        except OSError as error:  # vanished, unreadable or a full disk: one file's problem
            log.warning("image import failed: %s", type(error).__name__)
            return ImportResult(
                source_name, None, "The file could not be read or stored (disk or permissions)."
            )
        with self._uow_factory(actor) as uow:
            lesion = load_lesion(uow, lesion_id)
            same = uow.images.find(lesion_id, sha256)
            if same is not None:
                return ImportResult(source_name, same, DUPLICATE_MESSAGE, duplicate=True)
            image = uow.images.add(
                self._new_image(
                    uow,
                    actor,
                    lesion,
                    prepared,
                    sha256=sha256,
                    modality=modality,
                    calibration=calibration,
                )
            )
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.IMPORT,
                entity_type="image",
                entity_id=image.id,
                patient_id=image.patient_id,
                detail=f"lesion={lesion_id} modality={image.modality.value}",
            )
            uow.commit()
        return ImportResult(source_name, image, "Imported.")

    def _new_image(
        self,
        uow: UnitOfWork,
        actor: Actor,
        lesion: Lesion,
        prepared: PreparedImage,
        *,
        sha256: str,
        modality: Modality,
        calibration: Calibration | None,
    ) -> LesionImage:
        return LesionImage(
            id=ImageId(new_uuid7()),
            patient_id=lesion.patient_id,
            lesion_id=lesion.id,
            sha256=sha256,
            media_type=prepared.media_type,
            width=prepared.width,
            height=prepared.height,
            byte_size=len(prepared.data),
            modality=Modality(modality),
            captured_at=self._camera_time(uow, prepared.captured_at),
            imported_at=self._clock.now(),
            consent=uow.lesions.standing_consent(lesion.patient_id) or DEFAULT_CONSENT,
            calibration=calibration or self._device_calibration(uow, prepared, Modality(modality)),
            device=prepared.device,
            imported_by=actor.user_id,
        )

    def _device_calibration(
        self, uow: UnitOfWork, prepared: PreparedImage, modality: Modality
    ) -> Calibration | None:
        """A calibration from the capture device's field of view, when the clinic lists it."""
        if self._settings is None:
            return None
        try:
            table = parse_fields_of_view(self._settings.str_value(FIELDS_OF_VIEW_SETTING, uow=uow))
        except (ValidationFailed, KeyError, TypeError):
            # A bad value cannot be saved through the settings screen; one from an old
            # machine file just means no automatic calibration, never a failed import.
            return None
        return default_calibration(table, prepared.device, modality, prepared.width)

    def _camera_time(self, uow: UnitOfWork, taken: datetime | None) -> datetime | None:
        """EXIF time is the camera's wall clock without a zone: read it as clinic local time.

        Cameras at the clinic are set to the clinic's clock, so the clinic time
        zone (a setting) is the best reading. Without a settings service (some
        tests, tools) or with an unknown zone the time is taken as UTC.
        """
        if taken is None or taken.tzinfo is not None:
            return taken.astimezone(UTC) if taken is not None else None
        zone: ZoneInfo | None = None
        if self._settings is not None:
            try:
                zone = ZoneInfo(self._settings.str_value(TIMEZONE_SETTING, uow=uow))
            except (ZoneInfoNotFoundError, ValueError, KeyError):
                zone = None
        return taken.replace(tzinfo=zone or UTC).astimezone(UTC)

    def _change(
        self,
        actor: Actor,
        image_id: ImageId,
        expected_version: int,
        detail: str,
        **changes: object,
    ) -> LesionImage:
        self._gate.require(actor, Operation.IMAGE_EDIT, entity_type="image", entity_id=image_id)
        with self._uow_factory(actor) as uow:
            image = load_image(uow, image_id)
            if image.version != expected_version:
                raise ValidationFailed(
                    "Someone else changed this image a moment ago.",
                    "It has been reloaded; check it and make your change again.",
                )
            alignment = changes.get("alignment")
            if isinstance(alignment, Alignment):
                reference = uow.images.get(alignment.reference_id)
                if reference is None or reference.lesion_id != image.lesion_id:
                    raise ValidationFailed("Align onto an earlier image of the same lesion.")
            after = uow.images.update(replace(image, **changes), expected_version)  # type: ignore[arg-type]
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.UPDATE,
                entity_type="image",
                entity_id=image.id,
                patient_id=image.patient_id,
                detail=detail,
            )
            uow.commit()
        return after


__all__ = [
    "DUPLICATE_MESSAGE",
    "ConsentRefused",
    "ExportOutcome",
    "ImageService",
    "ImportResult",
]

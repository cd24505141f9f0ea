"""The Lesions panel's image side: the strip's thumbnails and every way images come in.

A mixin of ``LesionsPanel`` (kept apart so the panel module stays about lesions:
the body map, the list and the form). Images arrive by the file chooser, a drop
on the strip or on a lesion in the list, a paste, or the watched folder; each is
filed under a lesion through the panel's ``ImageIntake``. Like the schedule
screen's mixins, it declares what the panel provides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import LesionId
from dermai_desktop.domain.lesions import Lesion
from dermai_desktop.domain.roles import Operation
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.lesion_intake import ImageIntake, OfferBar
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.image_strip import ImageStrip
from dermai_desktop.ui.worker_images import qimage_from_jpeg


def load_thumbnails(session: Session, lesion_id: str) -> list[tuple[Any, QImage | None]]:
    """A lesion's images with decoded thumbnails (runs on the database thread)."""
    images, actor = session.services.images, session.actor
    found: list[tuple[Any, QImage | None]] = []
    for image in images.images(actor, LesionId(lesion_id)):
        try:
            thumb: QImage | None = qimage_from_jpeg(images.thumbnail(actor, image.id))
        except ExpectedError:
            thumb = None  # shown as a titled tile; the viewer says what is wrong
        found.append((image, thumb))
    return found


class LesionImages(QWidget):
    """Shows the selected lesion's images and files new ones under a lesion."""

    # provided by LesionsPanel
    changed: Any  # Signal()
    intake: ImageIntake
    offer_bar: OfferBar
    status: InlineStatus
    strip: ImageStrip
    watch_button: QPushButton
    watch_label: QLabel
    _session: Session
    _tasks: TaskRunner

    #: Bumped by every thumbnail load, so a slow load for an earlier selection is dropped.
    _strip_generation = 0

    def lesion(self, lesion_id: str | None) -> Lesion | None:
        raise NotImplementedError

    def current_lesion_id(self) -> str | None:
        raise NotImplementedError

    def _select(self, lesion_id: str | None) -> None:
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        raise NotImplementedError

    # --- the strip ---------------------------------------------------------------------------

    def _load_images(self, lesion_id: str) -> None:
        if not self._session.may(Operation.IMAGE_VIEW):
            self.strip.set_images([])
            return
        self._strip_generation += 1
        generation, session = self._strip_generation, self._session
        self.strip.show_loading()

        def shown(images: list[tuple[Any, QImage | None]]) -> None:
            if generation == self._strip_generation:  # a later selection wins
                self.strip.set_images(images)

        self._tasks.run(
            lambda: load_thumbnails(session, lesion_id),
            on_success=shown,
            on_error=self._failed,
            owner=self,
        )

    # --- images in ---------------------------------------------------------------------------

    def _target(self, lesion_id: str | None = None) -> Lesion | None:
        lesion = self.lesion(lesion_id or self.current_lesion_id())
        if lesion is None:
            self.status.show_info("Select a lesion first; images are filed under a lesion.")
        return lesion

    def import_dialog(self) -> None:
        lesion = self._target()
        if lesion is None:
            return
        paths = self.intake.file_chooser(self)
        self.intake.import_files(str(lesion.id), lesion.label, paths, self.strip.chosen_modality())

    def _dropped_on_strip(self, paths: list[Path]) -> None:
        lesion = self._target()
        if lesion is not None:
            self.intake.import_files(
                str(lesion.id), lesion.label, paths, self.strip.chosen_modality()
            )

    def _dropped_on_lesion(self, lesion_id: str, paths: list[Path]) -> None:
        lesion = self._target(lesion_id)
        if lesion is not None:
            self._select(lesion_id)
            self.intake.import_files(
                str(lesion.id), lesion.label, paths, self.strip.chosen_modality()
            )

    def paste(self) -> None:
        lesion = self._target()
        if lesion is None:
            return
        reason = self.intake.paste(str(lesion.id), lesion.label, self.strip.chosen_modality())
        if reason:
            self.status.show_info(reason)

    def _imported(self, lesion_id: str, ok: bool, text: str) -> None:
        if ok:
            self.status.show_success(text)
        else:
            self.status.show_error(text)
        if lesion_id == self.current_lesion_id():
            self._load_images(lesion_id)
        emit(self.changed)

    # --- watched folder ----------------------------------------------------------------------

    def _toggle_watch(self) -> None:
        if self.intake.watch is not None:
            self.intake.stop_watching()
            self.watch_button.setText("Watch folder…")
            self.watch_label.setText("")
            return
        folder = self.intake.folder_chooser(self)
        if folder is None:
            return
        self.watch_button.setText("Stop watching")
        self.watch_label.setText(f"Watching {folder.name}")
        self.intake.start_watching(folder)

    def _show_offer(self) -> None:
        if not self.intake.offered or self.intake.folder is None:
            self.offer_bar.hide()
            return
        lesion = self.lesion(self.current_lesion_id())
        self.offer_bar.offer(
            len(self.intake.offered), self.intake.folder.name, lesion.label if lesion else None
        )

    def _assign_offer(self) -> None:
        lesion = self._target()
        if lesion is not None:
            self.intake.assign(str(lesion.id), lesion.label, self.strip.chosen_modality())

"""Export lesion images for a referral: pick images, original or de-identified, a use, a folder.

Every image carries the patient's consent scope; the dialog shows before the
export which images the chosen use would leave out, and afterwards lists the
refusals with the consent reason. One image can also go out as a DICOM file.
The service does the checks, the writing and the audit; thumbnails are read
and decoded on the task runner, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import ImageUse, LesionImage
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.imaging import ImageService
from dermai_desktop.services.imaging_dto import ExportOutcome
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.worker_images import qimage_from_jpeg

THUMB = 72
ID_ROLE = Qt.ItemDataRole.UserRole
USE_CHOICES = (
    (ImageUse.CARE, "The patient's care (referral, second opinion)"),
    (ImageUse.TEACHING, "Teaching"),
    (ImageUse.RESEARCH, "Research and model training"),
    (ImageUse.PUBLICATION, "Publication"),
)


def _load_thumbnail(images: ImageService, actor: Actor, image_id: ImageId) -> QImage:
    """Read and decode one thumbnail (worker thread: QImage, unlike QPixmap, is safe there)."""
    return qimage_from_jpeg(images.thumbnail(actor, image_id))


class ImageExportDialog(QDialog):
    """Referral export of one patient's lesion images.

    Signals:
        exported(object): the ``ExportOutcome`` of a finished export.
        dicom_written(str): the path of a DICOM file written.
    """

    exported = Signal(object)
    dicom_written = Signal(str)

    def __init__(  # noqa: PLR0915 - the dialog's widgets, laid out in reading order
        self,
        tasks: TaskRunner,
        images: ImageService,
        actor: Actor,
        patient_id: PatientId,
        *,
        lesion_labels: dict[LesionId, str] | None = None,
        preselect: Sequence[ImageId] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export images")
        self.setMinimumSize(560, 560)
        self._tasks = tasks
        self._images = images
        self._actor = actor
        self._patient_id = patient_id
        self._labels = lesion_labels or {}
        self._preselect = set(preselect)
        self._by_id: dict[ImageId, LesionImage] = {}

        intro = QLabel(
            "Choose the photos to send. De-identified copies carry no name, record number "
            "or camera details in the file names or the files. Photos whose consent does "
            "not cover the chosen use are left out."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setAccessibleName("Images to export")
        self.deidentified = QRadioButton("De-identified (no name or record number)")
        self.original = QRadioButton("Original (files named by lesion and date)")
        self.deidentified.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.deidentified)
        group.addButton(self.original)
        self.use = QComboBox()
        for use, label in USE_CHOICES:
            self.use.addItem(label, use)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("Folder to write the files into")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)

        form = QFormLayout()
        form.addRow("Copies", self.deidentified)
        form.addRow("", self.original)
        form.addRow("Use", self.use)
        form.addRow("Folder", folder_row)
        self.outcome_label = QLabel("")
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_label.setAccessibleName("Export result")
        self.outcome_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.dicom_button = self.buttons.addButton(
            "Export DICOM…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.dicom_button.setToolTip("Write the highlighted photo as a DICOM file")
        self.export_button.clicked.connect(self.export)
        self.dicom_button.clicked.connect(self.export_dicom)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        outcome = QScrollArea()  # refusals can run to many lines; the list keeps its room
        outcome.setWidget(self.outcome_label)
        outcome.setWidgetResizable(True)
        outcome.setFrameShape(QFrame.Shape.NoFrame)
        outcome.setMaximumHeight(110)
        layout.addWidget(outcome)
        layout.addWidget(self.buttons)
        self.use.currentIndexChanged.connect(self._mark_consent)
        self.list.itemChanged.connect(self._sync_buttons)
        self._sync_buttons()
        self._tasks.run(
            lambda: self._images.patient_images(self._actor, self._patient_id),
            on_success=self._show_images,
            on_error=self._show_error,
            owner=self,
        )

    # --- the list -----------------------------------------------------------------------------

    def _show_images(self, images: list[LesionImage]) -> None:
        self.list.clear()
        self._by_id = {image.id: image for image in images}
        for image in sorted(images, key=lambda i: (self._labels.get(i.lesion_id, ""), i.taken_on)):
            item = QListWidgetItem()
            item.setData(ID_ROLE, image.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = not self._preselect or image.id in self._preselect
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            self._request_thumbnail(image.id, item)
        if not images:
            self.outcome_label.setText("This patient has no lesion photos yet.")
        self._mark_consent()

    def _request_thumbnail(self, image_id: ImageId, item: QListWidgetItem) -> None:
        def load() -> QImage:
            return _load_thumbnail(self._images, self._actor, image_id)

        def ignore(_exc: BaseException) -> None:
            """A missing thumbnail leaves the row without one; the export still works."""

        self._tasks.run(
            load,
            on_success=lambda thumb: self._set_thumbnail(item, thumb),
            on_error=ignore,
            owner=self,
        )

    def _set_thumbnail(self, item: QListWidgetItem, thumb: QImage) -> None:
        if not thumb.isNull() and self.list.row(item) >= 0:
            item.setIcon(QPixmap.fromImage(thumb))

    def _mark_consent(self) -> None:
        use = self.chosen_use()
        for row in range(self.list.count()):
            item = self.list.item(row)
            image = self._by_id.get(item.data(ID_ROLE))
            if image is None:
                continue
            lesion = self._labels.get(image.lesion_id, "")
            text = f"{lesion + ' · ' if lesion else ''}{image.taken_on:%d %b %Y} · "
            text += f"{image.modality.label}\nConsent: {image.consent.label}"
            reason = image.consent.refusal(use)
            if reason is not None:
                text += " — will be left out for this use"
                item.setToolTip(reason)
            else:
                item.setToolTip("")
            item.setText(text)
        self._sync_buttons()

    def checked_ids(self) -> list[ImageId]:
        return [
            self.list.item(row).data(ID_ROLE)
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]

    def chosen_use(self) -> ImageUse:
        return ImageUse(self.use.currentData())

    def _sync_buttons(self, *_args: object) -> None:
        self.export_button.setEnabled(bool(self.checked_ids()))
        self.dicom_button.setEnabled(self._dicom_target() is not None)

    def _dicom_target(self) -> ImageId | None:
        current: QListWidgetItem | None = self.list.currentItem()  # None: no current row
        if current is not None:
            return current.data(ID_ROLE)
        checked = self.checked_ids()
        return checked[0] if len(checked) == 1 else None

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose the folder for the exported files")
        if chosen:
            self.folder.setText(chosen)

    # --- exporting ----------------------------------------------------------------------------

    def export(self, folder: Path | None = None) -> None:
        """Export the checked images into ``folder`` (or the one typed in the dialog)."""
        target = folder or (Path(self.folder.text()) if self.folder.text().strip() else None)
        if target is None:
            self.outcome_label.setText("Choose a folder to write the files into.")
            return
        ids = self.checked_ids()
        deidentify, use = self.deidentified.isChecked(), self.chosen_use()
        self.export_button.setEnabled(False)
        self.outcome_label.setText("Exporting…")
        self._tasks.run(
            lambda: self._images.export_images(
                self._actor, ids, target, deidentify=deidentify, use=use
            ),
            on_success=lambda outcome: self._show_outcome(outcome, target),
            on_error=self._show_error,
            owner=self,
        )

    def _show_outcome(self, outcome: ExportOutcome, folder: Path) -> None:
        lines = []
        count = len(outcome.written)
        if count:
            lines.append(f"{count} file{'s' if count != 1 else ''} written to {folder}.")
        for image_id, reason in outcome.refused:
            lines.append(f"Not exported — {self._describe(image_id)}: {reason}")
        if not lines:
            lines.append("Nothing was exported.")
        self.outcome_label.setText("\n".join(lines))
        self._sync_buttons()
        emit(self.exported, outcome)

    def _describe(self, image_id: ImageId) -> str:
        image = self._by_id.get(image_id)
        if image is None:
            return "one photo"
        lesion = self._labels.get(image.lesion_id)
        return f"{lesion + ', ' if lesion else ''}photo of {image.taken_on:%d %b %Y}"

    def export_dicom(self, path: Path | None = None) -> None:
        """Write the highlighted (or only checked) image as DICOM, asking where if needed."""
        image_id = self._dicom_target()
        if image_id is None:
            self.outcome_label.setText("Highlight one photo to export as DICOM.")
            return
        deidentify, use = self.deidentified.isChecked(), self.chosen_use()
        if path is None:
            start = str(Path(self.folder.text() or ".") / "lesion-image.dcm")
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Save DICOM file", start, "DICOM (*.dcm)"
            )
            if not chosen:
                return
            path = Path(chosen)
        target = path

        def written(result: Path) -> None:
            self.outcome_label.setText(f"DICOM file written: {result.name}")
            emit(self.dicom_written, str(result))

        self._tasks.run(
            lambda: self._images.export_dicom(
                self._actor, image_id, target, deidentify=deidentify, use=use
            ),
            on_success=written,
            on_error=self._show_error,
            owner=self,
        )

    def _show_error(self, exc: BaseException) -> None:
        self._sync_buttons()
        if isinstance(exc, ExpectedError):
            self.outcome_label.setText(exc.user_text())
            return
        self.outcome_label.setText("")
        self._tasks.report(exc)


__all__ = ["ImageExportDialog"]

"""The selected lesion's timeline: its images by date as thumbnails, oldest first.

The strip only shows what it is given; the panel reads the images and decodes
the thumbnails off the GUI thread (QImage may be built in a worker thread;
QPixmap only here). Image files dropped on the strip are handed to the panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.imaging import LesionImage, Modality
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.chart_common import fmt_date
from dermai_desktop.ui.widgets.forms import button

THUMB = QSize(88, 88)
# Short enough to sit under a thumbnail; the tooltip has the full modality.
SHORT_MODALITY = {
    Modality.CLINICAL_OVERVIEW: "Overview",
    Modality.CLOSE_UP: "Close-up",
    Modality.DERMOSCOPIC_POLARISED: "Dermoscopy, PD",
    Modality.DERMOSCOPIC_NON_POLARISED: "Dermoscopy, NPD",
}
ID_ROLE = Qt.ItemDataRole.UserRole
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"}


def dropped_files(mime: object) -> list[Path]:
    """Local files in a drag's data; the importer judges what they are."""
    urls: list[Any] = getattr(mime, "urls", list)()
    return [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]


class _Thumbnails(QListWidget):
    files_dropped = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        files = dropped_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            emit(self.files_dropped, files)


class ImageStrip(QWidget):
    """Thumbnails of one lesion's images with the actions that act on them.

    Signals:
        view_requested(str): an image id to open in the viewer.
        compare_requested(list): two to four image ids.
        growth_requested(): the growth chart of the shown lesion.
        import_requested(): the Import… button.
        files_dropped(list): local paths dropped on the strip.
        analyze_all_requested(): run the lesion analysis on every image shown.
    """

    view_requested = Signal(str)
    compare_requested = Signal(list)
    growth_requested = Signal()
    export_requested = Signal(list)
    import_requested = Signal()
    files_dropped = Signal(list)
    analyze_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one layout
        super().__init__(parent)
        self.setObjectName("imageStrip")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.title = QLabel("Images")
        self.title.setObjectName("cardTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.open_button = button("Open")
        self.open_button.setToolTip("Open the selected image in the viewer")
        self.open_button.clicked.connect(self._open)
        self.compare_button = button("Compare")
        self.compare_button.setToolTip("Select two to four images (Ctrl+click) to compare")
        self.compare_button.clicked.connect(self._compare)
        self.growth_button = button("Growth chart")
        self.growth_button.clicked.connect(lambda: emit(self.growth_requested))
        self.export_button = button("Export…")
        self.export_button.setToolTip(
            "Export the selected images (or all of this lesion's) for a referral, or as DICOM"
        )
        self.export_button.clicked.connect(
            lambda: emit(self.export_requested, self.selected_ids() or self.image_ids())
        )
        self.analyze_button = button("Analyze all", "Analyze all images of this lesion")
        self.analyze_button.setToolTip("Run the on-device lesion analysis on every image shown")
        self.analyze_button.clicked.connect(lambda: emit(self.analyze_all_requested))
        self.analyze_button.hide()  # shown by set_can_analyze for roles that may analyse
        for widget in (
            self.open_button,
            self.compare_button,
            self.growth_button,
            self.export_button,
            self.analyze_button,
        ):
            head.addWidget(widget)
        layout.addLayout(head)

        intake = QHBoxLayout()
        intake.setSpacing(8)
        self.import_button = button("Import…", "Import images from files")
        self.import_button.clicked.connect(lambda: emit(self.import_requested))
        intake.addWidget(self.import_button)
        modality_label = QLabel("as")
        modality_label.setObjectName("muted")
        intake.addWidget(modality_label)
        self.modality = QComboBox()
        self.modality.setAccessibleName("Modality of imported images")
        for modality in Modality:
            self.modality.addItem(modality.label, modality.value)
        self.modality.setCurrentIndex(self.modality.findData(Modality.DERMOSCOPIC_POLARISED.value))
        modality_label.setBuddy(self.modality)
        intake.addWidget(self.modality)
        self.intake_hint = QLabel("or drop image files here, or paste one (Ctrl+V)")
        self.intake_hint.setObjectName("muted")
        intake.addWidget(self.intake_hint, 1)
        self.thumbs = _Thumbnails()
        self.thumbs.setObjectName("imageThumbs")
        self.thumbs.setAccessibleName("Images of the selected lesion, oldest first")
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.LeftToRight)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setIconSize(THUMB)
        self.thumbs.setGridSize(QSize(THUMB.width() + 48, THUMB.height() + 42))
        self.thumbs.setFixedHeight(THUMB.height() + 46)
        self.thumbs.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.thumbs.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.thumbs.itemActivated.connect(
            lambda item: emit(self.view_requested, str(item.data(ID_ROLE)))
        )
        self.thumbs.itemSelectionChanged.connect(self._update_buttons)
        self.thumbs.files_dropped.connect(lambda files: emit(self.files_dropped, files))
        layout.addWidget(self.thumbs)
        layout.addLayout(intake)
        self.note = QLabel("")
        self.note.setObjectName("summaryEmpty")
        self.note.hide()
        layout.addWidget(self.note)
        self._images: list[LesionImage] = []
        self.set_lesion_label(None)

    def set_lesion_label(self, label: str | None) -> None:
        """Which lesion the strip belongs to (None: no lesion selected)."""
        self.title.setText(f"Images of {label}" if label else "Images")
        if label is None:
            self.set_images([])
            self._set_note("Select a lesion to see its images over time.")
        self._update_buttons()

    def show_loading(self) -> None:
        self.thumbs.clear()
        self._set_note("Loading images…")

    def set_images(self, images: list[tuple[LesionImage, QImage | None]]) -> None:
        self.thumbs.clear()
        self._images = [image for image, _thumb in images]
        for image, thumb in images:
            item = QListWidgetItem(f"{fmt_date(image.taken_on)}\n{SHORT_MODALITY[image.modality]}")
            item.setData(ID_ROLE, str(image.id))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            if thumb is not None and not thumb.isNull():
                item.setIcon(QPixmap.fromImage(thumb))
            size = f"{image.width}×{image.height} px"
            detail = f"{image.modality.label}, {fmt_date(image.taken_on)}, {size}"
            item.setToolTip(detail)
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, detail)
            self.thumbs.addItem(item)
        if images:
            self._set_note("")
        elif self.title.text() != "Images":
            self._set_note("No images yet. Import, drop image files here, or paste one (Ctrl+V).")
        self._update_buttons()

    def _set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def image_ids(self) -> list[str]:
        return [str(self.thumbs.item(i).data(ID_ROLE)) for i in range(self.thumbs.count())]

    def selected_ids(self) -> list[str]:
        rows = sorted(self.thumbs.row(item) for item in self.thumbs.selectedItems())
        return [str(self.thumbs.item(row).data(ID_ROLE)) for row in rows]

    def set_can_import(self, allowed: bool) -> None:
        self.import_button.setEnabled(allowed)
        self.modality.setEnabled(allowed)
        self.intake_hint.setVisible(allowed)
        self.thumbs.setAcceptDrops(allowed)

    def set_can_analyze(self, allowed: bool) -> None:
        self.analyze_button.setVisible(allowed)

    def shown_images(self) -> list[LesionImage]:
        return list(self._images)

    def chosen_modality(self) -> Modality:
        return Modality(self.modality.currentData())

    def _open(self) -> None:
        chosen = self.selected_ids() or self.image_ids()[-1:]
        if chosen:
            emit(self.view_requested, chosen[0])

    def _compare(self) -> None:
        chosen = self.selected_ids()
        if len(chosen) < 2:
            # Nothing picked: the usual question is "how does it look now against last time".
            chosen = last_visit_pair(self._images)
        if len(chosen) >= 2:
            emit(self.compare_requested, chosen[:4])

    def _update_buttons(self) -> None:
        count = self.thumbs.count()
        self.open_button.setEnabled(count > 0)
        self.compare_button.setEnabled(count > 1 and len(self.selected_ids()) <= 4)
        self.growth_button.setEnabled(count > 0)
        self.export_button.setEnabled(count > 0)
        self.analyze_button.setEnabled(count > 0)


def last_visit_pair(images: list[LesionImage]) -> list[str]:
    """The newest image and the newest one from an earlier day, same modality if possible.

    Two photos from the same visit (polarised and non-polarised, say) show no
    change over time, so the earlier one must come from an earlier date.
    """
    if len(images) < 2:
        return []
    ordered = sorted(images, key=lambda image: (image.taken_on, image.imported_at))
    latest = ordered[-1]
    earlier = [image for image in ordered if image.taken_on < latest.taken_on]
    same_kind = [image for image in earlier if image.modality is latest.modality]
    previous = (same_kind or earlier or ordered[:-1])[-1]
    return [str(previous.id), str(latest.id)]


__all__ = ["IMAGE_SUFFIXES", "ImageStrip", "dropped_files", "last_visit_pair"]

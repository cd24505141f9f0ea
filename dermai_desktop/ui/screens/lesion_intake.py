"""Getting images into a lesion: file dialog, drops, paste and a watched camera folder.

Every import runs off the GUI thread. A pasted picture is encoded to PNG in
memory in the worker and handed to ``import_bytes``: it never touches a temp
file. The watched folder is polled through a small protocol (the adapter that
scans the disk lives outside ``ui``; ``app.py`` passes its class in), and its
new files are offered in a non-modal bar rather than imported on their own:
a photo belongs to a lesion only when someone says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QWidget

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import LesionId
from dermai_desktop.domain.imaging import Modality
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button

WATCH_INTERVAL_MS = 3000
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.tif *.tiff *.heic *.heif);;All files (*)"


class FolderWatchLike(Protocol):
    """What the panel needs of a watched folder: the new, finished files since last time."""

    def scan(self) -> list[Path]: ...


FolderWatchFactory = Callable[[Path], FolderWatchLike]


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG in memory (runs in a worker thread)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes; run time wants str
    buffer.close()
    return bytes(data.data())


def summarise(results: Sequence[Any], label: str) -> tuple[bool, str]:
    """(all went well, plain text): a count, then one line per rejected file."""
    stored = [r for r in results if r.image is not None and not r.duplicate]
    duplicates = [r for r in results if r.image is not None and r.duplicate]
    rejected = [r for r in results if r.image is None]
    parts = []
    if stored:
        parts.append(f"Imported {len(stored)} image{'s' if len(stored) != 1 else ''} into {label}.")
    if duplicates:
        parts.append(
            f"{len(duplicates)} {'was' if len(duplicates) == 1 else 'were'} already stored"
            " and kept once."
        )
    if rejected and not stored and not duplicates:
        parts.append("No image was imported.")
    lines = [" ".join(parts)] + [f"{r.source_name}: {r.message}" for r in rejected]
    return not rejected, "\n".join(line for line in lines if line)


class OfferBar(QFrame):
    """ "3 new photos in Dermatoscope folder — Assign to L2 / Dismiss", never modal."""

    assign_clicked = Signal()
    dismiss_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offerBar")
        self.setAccessibleName("New photos in the watched folder")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        self.text = QLabel("")
        self.text.setObjectName("offerText")
        layout.addWidget(self.text, 1)
        self.assign_button = button("Assign", role="primary")
        self.assign_button.clicked.connect(lambda: emit(self.assign_clicked))
        self.dismiss_button = button("Dismiss")
        self.dismiss_button.clicked.connect(lambda: emit(self.dismiss_clicked))
        layout.addWidget(self.assign_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def offer(self, count: int, folder: str, lesion_label: str | None) -> None:
        photos = f"{count} new photo{'s' if count != 1 else ''}"
        self.text.setText(f"{photos} in the {folder} folder")
        if lesion_label:
            self.assign_button.setText(f"Assign to {lesion_label}")
            self.assign_button.setEnabled(True)
        else:
            self.assign_button.setText("Select a lesion to assign")
            self.assign_button.setEnabled(False)
        self.setAccessibleDescription(self.text.text())
        self.show()


def _service_folder_watch(session: Session) -> FolderWatchFactory | None:
    """The workstation's own folder watching, through the image service (None if it has none)."""
    images = session.services.images
    if not images.can_watch_folders:
        return None
    return lambda folder: images.watch_folder(session.actor, folder)


class ImageIntake(QObject):
    """Runs imports for the panel and tells it how they went.

    Signals:
        finished(str, bool, str): lesion id, all stored, plain summary text.
        failed(object): an exception from the service (refusals and bugs).
        offer_changed(): the watched folder found files (or the offer was settled).
    """

    finished = Signal(str, bool, str)
    failed = Signal(object)
    offer_changed = Signal()

    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        folder_watch_factory: FolderWatchFactory | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session, self._tasks = session, tasks
        self._factory = folder_watch_factory or _service_folder_watch(session)
        self.watch: FolderWatchLike | None = None
        self.folder: Path | None = None
        self.offered: list[Path] = []
        self._scanning = False
        self.timer = QTimer(self)
        self.timer.setInterval(WATCH_INTERVAL_MS)
        self.timer.timeout.connect(self.poll)
        # Replaceable in tests: the dialogs a person answers.
        self.file_chooser: Callable[[QWidget | None], list[Path]] = _choose_files
        self.folder_chooser: Callable[[QWidget | None], Path | None] = _choose_folder

    @property
    def can_watch(self) -> bool:
        return self._factory is not None

    # --- importing ------------------------------------------------------------------

    def import_files(
        self, lesion_id: str, label: str, paths: Sequence[Path], modality: Modality
    ) -> None:
        if not paths:
            return
        images, actor = self._session.services.images, self._session.actor
        chosen = list(paths)
        self._tasks.run(
            lambda: images.import_files(actor, LesionId(lesion_id), chosen, modality),
            on_success=lambda results: self._done(lesion_id, label, results),
            on_error=lambda exc: emit(self.failed, exc),
            owner=self,
        )

    def import_image(self, lesion_id: str, label: str, image: QImage, modality: Modality) -> None:
        images, actor = self._session.services.images, self._session.actor
        picture = QImage(image)  # a detached copy the worker may read

        def store() -> list[Any]:
            return [images.import_bytes(actor, LesionId(lesion_id), png_bytes(picture), modality)]

        self._tasks.run(
            store,
            on_success=lambda results: self._done(lesion_id, label, results),
            on_error=lambda exc: emit(self.failed, exc),
            owner=self,
        )

    def paste(self, lesion_id: str, label: str, modality: Modality) -> str | None:
        """Import what the clipboard holds; returns a plain reason when there is nothing."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            image = QGuiApplication.clipboard().image()
            if not image.isNull():
                self.import_image(lesion_id, label, image, modality)
                return None
        if mime is not None and mime.hasUrls():
            files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
            if files:
                self.import_files(lesion_id, label, files, modality)
                return None
        return "The clipboard holds no picture. Copy an image (or image files) first."

    def _done(self, lesion_id: str, label: str, results: list[Any]) -> None:
        ok, text = summarise(results, label)
        emit(self.finished, lesion_id, ok, text)

    # --- the watched folder -------------------------------------------------------------

    def start_watching(self, folder: Path) -> None:
        assert self._factory is not None
        self.watch = self._factory(folder)
        self.folder = folder
        self.offered = []
        self.timer.start()
        self.poll()

    def stop_watching(self) -> None:
        self.timer.stop()
        self.watch, self.folder, self.offered = None, None, []
        emit(self.offer_changed)

    def poll(self) -> None:
        """Ask the folder for new files (off the GUI thread: it reads the disk)."""
        watch = self.watch
        if watch is None or self._scanning:
            return
        self._scanning = True
        self._tasks.run(
            watch.scan, on_success=self._scanned, on_error=self._scan_failed, pool="io", owner=self
        )

    def _scanned(self, found: list[Path]) -> None:
        self._scanning = False
        fresh = [path for path in found if path not in self.offered]
        if fresh:
            self.offered.extend(fresh)
            emit(self.offer_changed)

    def _scan_failed(self, exc: BaseException) -> None:
        self._scanning = False
        if isinstance(exc, (ExpectedError, OSError)):
            # A folder on an unplugged camera or share: stop quietly and say so once.
            self.timer.stop()
            emit(self.failed, exc)
        else:
            self._tasks.report(exc)

    def assign(self, lesion_id: str, label: str, modality: Modality) -> None:
        files, self.offered = self.offered, []
        emit(self.offer_changed)
        self.import_files(lesion_id, label, files, modality)

    def dismiss(self) -> None:
        self.offered = []
        emit(self.offer_changed)


def _choose_files(parent: QWidget | None) -> list[Path]:
    names, _filter = QFileDialog.getOpenFileNames(parent, "Import images", "", IMAGE_FILTER)
    return [Path(name) for name in names]


def _choose_folder(parent: QWidget | None) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, "Choose the camera or dermatoscope folder")
    return Path(name) if name else None


__all__ = [
    "FolderWatchFactory",
    "FolderWatchLike",
    "ImageIntake",
    "OfferBar",
    "png_bytes",
    "summarise",
]

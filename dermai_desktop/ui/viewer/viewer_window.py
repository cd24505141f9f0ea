"""The image viewer window: canvas, tool bar, measurement list, calibration, saving the overlay."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.ids import ImageId
from dermai_desktop.domain.imaging import (
    Calibration,
    ConsentScope,
    LesionImage,
    Modality,
    Point,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.ui.analysis.analysis_dock import AnalysisDock
from dermai_desktop.ui.analysis.client import AnalysisClient
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.calibration_dialog import CalibrationDialog
from dermai_desktop.ui.viewer.drawing import DrawingCanvas
from dermai_desktop.ui.viewer.image_facts import ImageFacts, calibration_text
from dermai_desktop.ui.viewer.overlay_items import TextItem
from dermai_desktop.ui.viewer.source import (
    Adjustment,
    ImageSource,
    Level,
    Opened,
    open_full,
    open_preview,
)
from dermai_desktop.ui.viewer.tools import ShortcutSheet, Tool, remember_tool, remembered_tool
from dermai_desktop.ui.viewer.viewer_toolbar import ViewerToolbar


class ViewerWindow(QMainWindow):
    """One lesion image with calibrated measuring and vector annotations.

    Signals:
        image_changed(object): the ``LesionImage`` after a save (overlay or calibration).
        loaded(object): the ``LesionImage`` once the first (reduced) image is on screen.
        full_resolution_shown(): the full decode replaced the preview.
    """

    image_changed = Signal(object)
    loaded = Signal(object)
    full_resolution_shown = Signal()

    def __init__(
        self,
        source: ImageSource,
        actor: Actor,
        tasks: TaskRunner,
        image_id: ImageId,
        *,
        settings: QSettings | None = None,
        analysis: AnalysisClient | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("viewerWindow")
        self.setWindowTitle("Lesion image")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._source, self._actor, self._tasks, self._image_id = source, actor, tasks, image_id
        self._settings = settings if settings is not None else QSettings()
        self.image: LesionImage | None = None
        self.dirty = False
        self._writes: list[Callable[[int], LesionImage]] = []
        self._writing = False
        self._close_after_save = False
        self.calibration_dialog: CalibrationDialog | None = None
        self.text_dialog: QInputDialog | None = None
        self.unsaved_box: QMessageBox | None = None
        self.canvas = DrawingCanvas(tasks, self)
        self._build_toolbar()
        self._build_panel()
        self._build_status()
        # Only for roles that may run the analysis (the caller passes None otherwise).
        self.analysis_dock = (
            AnalysisDock.attach(
                self,
                analysis,
                actor,
                tasks,
                image_id,
                toolbar=self.toolbar,
                before=self.actions_by_name["help"],
            )
            if analysis is not None
            else None
        )
        self.setCentralWidget(self.canvas)
        self._connect()
        self.select_tool(remembered_tool(self._settings))
        self.resize(1280, 820)

    # --- building -------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = ViewerToolbar(
            self,
            self.canvas,
            select_tool=self.select_tool,
            adjust=self.adjust,
            save=self.save,
            show_shortcuts=self.show_shortcuts,
        )
        self.toolbar = toolbar.bar
        self.actions_by_name = toolbar.actions_by_name
        self.tool_actions = toolbar.tool_actions
        self.save_button = toolbar.save_button

    def _build_panel(self) -> None:
        panel = QFrame(self)
        panel.setObjectName("viewerPanel")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(6)
        self.facts = ImageFacts(panel)
        self.facts.modality_chosen.connect(self.change_modality)
        self.facts.consent_chosen.connect(self.change_consent)
        self.device_button = QPushButton("Calibrate from device…", panel)
        self.device_button.setToolTip(
            "Use the capture device's field of view (mm across the image)"
        )
        self.device_button.clicked.connect(self.ask_device_calibration)
        self.measure_list = QListWidget(panel)
        self.measure_list.setObjectName("viewerMeasurements")
        self.measure_list.setAccessibleName("Measurements and annotations")
        self.measure_list.itemSelectionChanged.connect(self._list_selected)
        self.adjust_label = QLabel("Original brightness and contrast", panel)
        self.adjust_label.setObjectName("viewerMuted")
        for title, widget in (
            ("Image", self.facts),
            (None, self.device_button),
            ("Measurements", self.measure_list),
            ("Display", self.adjust_label),
        ):
            if title:
                heading = QLabel(title.upper(), panel)
                heading.setObjectName("viewerHeading")
                layout.addWidget(heading)
            layout.addWidget(widget)
        panel.setFixedWidth(290)
        dock_host = QToolBar("Details", self)
        dock_host.setObjectName("viewerSide")
        dock_host.setMovable(False)
        dock_host.addWidget(panel)
        self.addToolBar(Qt.ToolBarArea.RightToolBarArea, dock_host)
        self.panel = panel

    def _build_status(self) -> None:
        status = self.statusBar()
        status.setObjectName("viewerStatus")
        self.zoom_label = QLabel(self)
        self.calibration_label = QLabel(self)
        self.info_label = QLabel(self)
        self.loading_label = QLabel("Opening…", self)
        for label in (self.zoom_label, self.calibration_label, self.info_label):
            status.addWidget(label)
        status.addPermanentWidget(self.loading_label)

    def _connect(self) -> None:
        self.canvas.view_changed.connect(self._show_zoom)
        self.canvas.layer.changed.connect(self._overlay_changed)
        self.canvas.calibration_drawn.connect(self.ask_line_calibration)
        self.canvas.text_requested.connect(self.ask_text)
        self.canvas.text_edit_requested.connect(self.edit_text)
        self.canvas.tool_changed.connect(
            lambda value: self.tool_actions[Tool(value)].setChecked(True)
        )

    # --- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Open the image: the reduced decode first, the full one right after (both off-thread)."""
        source, actor, image_id = self._source, self._actor, self._image_id
        adjustment = self.canvas.adjustment
        if self.analysis_dock is not None:
            self.analysis_dock.load()
        self._tasks.run(
            lambda: open_preview(source, actor, image_id, adjustment),
            on_success=self._opened,
            on_error=self._failed,
            owner=self,
        )

    def _opened(self, opened: Opened) -> None:
        self._set_image(opened.image)
        self.canvas.show_image(opened.level, opened.full_width, opened.full_height)
        self.canvas.layer.load(opened.image.overlay)
        self._refresh_list()
        emit(self.loaded, opened.image)
        if not opened.is_reduced:
            self._full_shown()
            return
        self.loading_label.setText("Loading full resolution…")
        source, actor, image_id = self._source, self._actor, self._image_id
        adjustment = self.canvas.adjustment
        self._tasks.run(
            lambda: open_full(source, actor, image_id, adjustment),
            on_success=lambda level: self._full_arrived(level, adjustment),
            on_error=self._failed,
            owner=self,
        )

    def _full_arrived(self, level: Level, adjustment: Adjustment) -> None:
        self.canvas.add_level(level)
        if adjustment != self.canvas.adjustment:  # changed while decoding
            self.canvas.set_adjustment(self.canvas.adjustment)
        self._full_shown()

    def _full_shown(self) -> None:
        self.loading_label.setText("Full resolution")
        emit(self.full_resolution_shown)

    def _failed(self, exc: BaseException) -> None:
        self.loading_label.setText("Could not open")
        self._tasks.report(exc)

    def _set_image(self, image: LesionImage) -> None:
        self.image = image
        self.canvas.layer.set_calibration(image.calibration)
        taken = image.taken_on.strftime("%d %b %Y")
        self.setWindowTitle(f"Lesion image — {taken}")
        self.calibration_label.setText(calibration_text(image.calibration))
        self.info_label.setText(f"{image.modality.label} · {image.consent.label} · {taken}")
        self.facts.show_image(image)
        self.facts.set_editable(True)

    def change_modality(self, value: str) -> None:
        modality = Modality(value)
        if self.image is None or modality is self.image.modality:
            return
        source, actor, image_id = self._source, self._actor, self._image_id
        self._write(lambda version: source.set_modality(actor, image_id, modality, version))

    def change_consent(self, value: str) -> None:
        scope = ConsentScope(value)
        if self.image is None or scope is self.image.consent:
            return
        source, actor, image_id = self._source, self._actor, self._image_id
        self._write(lambda version: source.set_consent(actor, image_id, scope, version))

    # --- tools and adjustments ------------------------------------------------------------

    def select_tool(self, tool: Tool) -> None:
        self.canvas.set_tool(tool)
        remember_tool(self._settings, tool)

    def adjust(self, adjustment: Adjustment) -> None:
        self.canvas.set_adjustment(adjustment)
        self.adjust_label.setText(
            f"Brightness {adjustment.brightness:+d} · contrast {adjustment.contrast:.1f}× "
            "(display only)"
            if not adjustment.is_identity
            else "Original brightness and contrast"
        )

    def show_shortcuts(self) -> ShortcutSheet:
        sheet = ShortcutSheet(self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sheet.open()
        return sheet

    def _show_zoom(self) -> None:
        turn = f" · rotated {self.canvas.rotation}°" if self.canvas.rotation else ""
        flips = " · flipped" if self.canvas.flipped_h or self.canvas.flipped_v else ""
        self.zoom_label.setText(f"Zoom {self.canvas.zoom * 100:.0f}%{turn}{flips}")

    # --- calibration and text ---------------------------------------------------------------

    def ask_line_calibration(self, start: Point, end: Point) -> None:
        width = self.canvas.image_size()[0]
        self._open_calibration(CalibrationDialog(width, (start, end), self))

    def ask_device_calibration(self) -> None:
        self._open_calibration(CalibrationDialog(self.canvas.image_size()[0], None, self))

    def _open_calibration(self, dialog: CalibrationDialog) -> None:
        self.calibration_dialog = dialog
        dialog.accepted.connect(lambda: self.apply_calibration(dialog.calibration))
        dialog.finished.connect(lambda _result: self._calibration_done())
        dialog.open()

    def _calibration_done(self) -> None:
        self.canvas.clear_calibration_line()
        self.calibration_dialog = None
        if self.canvas.tool is Tool.CALIBRATE:
            self.select_tool(Tool.RULER)  # measuring is what comes next

    def apply_calibration(self, calibration: Calibration | None) -> None:
        """Show measurements with the new calibration now and save it to the image."""
        self.canvas.layer.set_calibration(calibration)
        self.calibration_label.setText(calibration_text(calibration))
        self._refresh_list()
        source, actor, image_id = self._source, self._actor, self._image_id
        self._write(lambda version: source.set_calibration(actor, image_id, calibration, version))

    def ask_text(self, anchor: Point) -> None:
        self._text_dialog("Add a note", "", lambda text: self.canvas.layer.add_text(anchor, text))

    def edit_text(self, item: TextItem) -> None:
        self._text_dialog("Edit the note", item.text, item.set_text)

    def _text_dialog(self, title: str, text: str, done: Callable[[str], object]) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText("Text shown on the image (not burned into it):")
        dialog.setTextValue(text)
        dialog.accepted.connect(
            lambda: done(t) if (t := dialog.textValue().strip()[:200]) else None
        )
        self.text_dialog = dialog
        dialog.open()

    # --- the measurement list -----------------------------------------------------------------

    def _overlay_changed(self) -> None:
        self.dirty = True
        self.save_button.setProperty("dirty", True)
        self._refresh_list()

    def _refresh_list(self) -> None:
        self.measure_list.blockSignals(True)
        self.measure_list.clear()
        for item in self.canvas.layer.items():
            what, value = item.describe()
            row = QListWidgetItem(f"{what}    {value}".rstrip())
            row.setData(Qt.ItemDataRole.UserRole, item.overlay_id)
            self.measure_list.addItem(row)
        self.measure_list.blockSignals(False)

    def _list_selected(self) -> None:
        chosen = {row.data(Qt.ItemDataRole.UserRole) for row in self.measure_list.selectedItems()}
        for item in self.canvas.layer.items():
            item.setSelected(item.overlay_id in chosen)

    # --- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        if not self.dirty or self.image is None:
            return
        overlay = self.canvas.layer.overlay()
        source, actor, image_id = self._source, self._actor, self._image_id
        self.dirty = False
        self._write(lambda version: source.save_overlay(actor, image_id, overlay, version))

    def _write(self, change: Callable[[int], LesionImage]) -> None:
        # One write at a time, each with the version the previous one returned.
        self._writes.append(change)
        self._next_write()

    def _next_write(self) -> None:
        if self._writing or not self._writes or self.image is None:
            return
        change, version = self._writes.pop(0), self.image.version
        self._writing = True
        self.loading_label.setText("Saving…")
        self._tasks.run(
            lambda: change(version),
            on_success=self._written,
            on_error=self._write_failed,
            owner=self,
        )

    def _written(self, image: LesionImage) -> None:
        self._writing = False
        self._set_image(image)
        self.loading_label.setText("Saved")
        emit(self.image_changed, image)
        if self._writes:
            self._next_write()
        elif self._close_after_save and not self.dirty:
            self.close()

    def _write_failed(self, exc: BaseException) -> None:
        self._writing = False
        self._writes.clear()
        self.dirty = True
        if self.image is not None:  # show what is really stored, not the refused choice
            self.facts.show_image(self.image)
        self._close_after_save = False
        self.loading_label.setText("Not saved")
        self._tasks.report(exc)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._writing or self.dirty:
            event.ignore()
            if self.dirty and not self._writing and self.unsaved_box is None:
                self._ask_unsaved()
            return
        self.canvas.cancel_drawing()
        super().closeEvent(event)

    def _ask_unsaved(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved measurements",
            "Save the measurements and annotations on this image before closing?",
            parent=self,
        )
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.finished.connect(
            lambda _r: self._unsaved_answered(box.standardButton(box.clickedButton()))
        )
        self.unsaved_box = box
        box.open()

    def _unsaved_answered(self, answer: QMessageBox.StandardButton) -> None:
        self.unsaved_box = None
        if answer == QMessageBox.StandardButton.Save:
            self._close_after_save = True
            self.save()
        elif answer == QMessageBox.StandardButton.Discard:
            self.dirty = False
            self.close()

"""The windows a chart's Lesions tab opens: viewer, comparison, growth chart, report, export.

One ``LesionWindows`` belongs to one open chart. It keeps the windows it
opened (a second "Open" of the same image brings its viewer to the front)
and closes them all when the chart closes, so no patient's image stays on
screen after their chart is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import GrowthPoint
from dermai_desktop.domain.roles import Operation
from dermai_desktop.ui.reports.report_actions import LesionReportRunner
from dermai_desktop.ui.screens.image_export_dialog import ImageExportDialog
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.compare_window import MAX_IMAGES, CompareWindow
from dermai_desktop.ui.viewer.growth_chart import GrowthChart
from dermai_desktop.ui.viewer.viewer_window import ViewerWindow


class GrowthWindow(QWidget):
    """A lesion's calibrated diameter and area over time, in its own small window."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("growthWindow")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.chart = GrowthChart(self)
        layout.addWidget(self.chart)
        self.resize(760, 320)

    def show_points(self, points: list[GrowthPoint]) -> None:
        self.chart.set_points(points)


class LesionWindows(QObject):
    """Opens and owns the imaging windows of one patient's chart.

    Signals:
        lesions_changed(): a window changed what the Lesions tab shows (a verdict that sent a
            lesion for biopsy, an image's modality or calibration); the tab re-reads.
    """

    lesions_changed = Signal()

    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        patient_id: Callable[[], PatientId | None],
        parent: QWidget,
        lesion_labels: Callable[[], dict[LesionId, str]] = dict,
    ) -> None:
        super().__init__(parent)
        self._session, self._tasks = session, tasks
        self._patient_id = patient_id
        self._lesion_labels = lesion_labels  # "L2" beside each photo in the export list
        self._parent = parent
        self.windows: dict[str, QWidget] = {}
        self.report_runner = LesionReportRunner(
            tasks, session.services.images, session.actor, parent
        )
        self.report_choice: QMessageBox | None = None
        self.export_dialog: ImageExportDialog | None = None

    # --- opening ------------------------------------------------------------------------

    def open_viewer(self, image_id: str) -> ViewerWindow:
        key = f"viewer:{image_id}"
        existing = self.windows.get(key)
        if isinstance(existing, ViewerWindow):
            self._raise(existing)
            return existing
        analysis = (
            self._session.services.analysis if self._session.may(Operation.ANALYSIS_RUN) else None
        )
        window = ViewerWindow(
            self._session.services.images,
            self._session.actor,
            self._tasks,
            ImageId(image_id),
            analysis=analysis,
        )
        if window.analysis_dock is not None:
            window.analysis_dock.verdict_recorded.connect(lambda _v: emit(self.lesions_changed))
        window.image_changed.connect(lambda _image: emit(self.lesions_changed))
        self._keep(key, window)
        window.load()
        return window

    def open_compare(self, image_ids: Sequence[str]) -> CompareWindow | None:
        ids = [ImageId(i) for i in list(image_ids)[:MAX_IMAGES]]
        if len(ids) < 2:
            return None
        key = "compare:" + ",".join(ids)
        existing = self.windows.get(key)
        if isinstance(existing, CompareWindow):
            self._raise(existing)
            return existing
        window = CompareWindow(self._session.services.images, self._session.actor, self._tasks, ids)
        self._keep(key, window)
        window.load()
        return window

    def open_growth(self, lesion_id: str) -> GrowthWindow:
        key = f"growth:{lesion_id}"
        existing = self.windows.get(key)
        if isinstance(existing, GrowthWindow):
            self._raise(existing)
            return existing
        window = GrowthWindow("Lesion growth")
        self._keep(key, window)
        images, actor = self._session.services.images, self._session.actor
        self._tasks.run(
            lambda: images.growth(actor, LesionId(lesion_id)),
            on_success=window.show_points,
            owner=window,
        )
        return window

    def ask_report(self, lesion_ids: Sequence[str]) -> QMessageBox | None:
        """Offer "Save as PDF" or "Print" for the listed lesions."""
        patient_id = self._patient_id()
        if patient_id is None or not lesion_ids:
            return None
        ids = [LesionId(i) for i in lesion_ids]
        box = QMessageBox(self._parent)
        box.setWindowTitle("Lesion report")
        box.setIcon(QMessageBox.Icon.Question)
        count = len(ids)
        box.setText(f"Make a report of {count} lesion{'s' if count != 1 else ''}?")
        box.setInformativeText(
            "The report has the body map, each lesion's photos over time and its "
            "measurements. Saving or printing it is recorded in the audit trail."
        )
        save = box.addButton("Save as PDF…", QMessageBox.ButtonRole.AcceptRole)
        printing = box.addButton("Print…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)

        def chosen() -> None:
            clicked = box.clickedButton()
            if clicked is save:
                self.report_runner.save_pdf(patient_id, ids)
            elif clicked is printing:
                self.report_runner.print_report(patient_id, ids)

        box.finished.connect(lambda _result: chosen())
        self.report_choice = box
        box.open()
        return box

    def open_export(self, image_ids: Sequence[str]) -> ImageExportDialog | None:
        patient_id = self._patient_id()
        if patient_id is None:
            return None
        dialog = ImageExportDialog(
            self._tasks,
            self._session.services.images,
            self._session.actor,
            patient_id,
            lesion_labels=self._lesion_labels(),
            preselect=[ImageId(i) for i in image_ids],
            parent=self._parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def close_all(self) -> None:
        for window in list(self.windows.values()):
            window.close()
        self.windows.clear()

    # --- helpers --------------------------------------------------------------------------

    def _keep(self, key: str, window: QWidget) -> None:
        self.windows[key] = window
        window.destroyed.connect(lambda _obj=None, key=key: self.windows.pop(key, None))
        window.show()

    @staticmethod
    def _raise(window: QWidget) -> None:
        window.showNormal()
        if QGuiApplication.platformName() != "offscreen":  # it has no window stacking
            window.raise_()
            window.activateWindow()


__all__ = ["GrowthWindow", "LesionWindows"]

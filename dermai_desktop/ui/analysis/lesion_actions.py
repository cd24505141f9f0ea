"""The Lesions tab's analysis actions: "Analyze all" on the image strip, "Pathology…" on the form.

Kept out of the panel module: the panel hands over its strip, its form and a
way to read the selected lesion, and this object shows the buttons to the
roles allowed to use them and opens the dialogs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.imaging import LesionImage
from dermai_desktop.domain.lesions import Lesion
from dermai_desktop.domain.roles import Operation
from dermai_desktop.ui.analysis.analyze_all import AnalyzeAllDialog, Batch
from dermai_desktop.ui.analysis.dialogs import PathologyDialog
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import fmt_date
from dermai_desktop.ui.widgets.image_strip import SHORT_MODALITY, ImageStrip
from dermai_desktop.ui.widgets.lesion_form import LesionForm


class LesionAnalysisActions(QObject):
    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        strip: ImageStrip,
        form: LesionForm,
        *,
        selected: Callable[[], Lesion | None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._session, self._tasks, self._strip, self._selected = session, tasks, strip, selected
        self._parent = parent
        self.analyze_dialog: AnalyzeAllDialog | None = None
        self.pathology_dialog: PathologyDialog | None = None
        # Front desk and IT never see analysis; the service refuses them anyway.
        strip.set_can_analyze(session.may(Operation.ANALYSIS_RUN))
        form.set_can_record_pathology(session.may(Operation.PATHOLOGY_RECORD))
        strip.analyze_all_requested.connect(self.analyze_all)
        form.pathology_requested.connect(self.record_pathology)

    def analyze_all(self) -> AnalyzeAllDialog | None:
        lesion = self._selected()
        images = self._strip.shown_images()
        if lesion is None or not images:
            return None
        names = {
            str(image.id): f"{fmt_date(image.taken_on)} · {SHORT_MODALITY[image.modality]}"
            for image in images
        }
        analysis, actor, lesion_id = self._session.services.analysis, self._session.actor, lesion.id
        return self._run_batch(
            lambda progress: analysis.analyze_lesion(actor, lesion_id, progress=progress),
            f"Analyse all images of lesion {lesion.label}",
            names,
        )

    def analyze_visit(self, patient_id: PatientId) -> None:
        """Analyse every photo of the patient's latest visit (all lesions), with progress."""
        images, actor = self._session.services.images, self._session.actor
        self._tasks.run(
            lambda: images.patient_images(actor, patient_id),
            on_success=lambda found: self._open_visit(patient_id, found),
            owner=self,
        )

    def _open_visit(self, patient_id: PatientId, found: list[LesionImage]) -> None:
        if not found:
            return
        day = max(image.taken_on for image in found)
        visit = sorted(
            (image for image in found if image.taken_on == day),
            key=lambda image: image.imported_at,
        )
        names = {str(image.id): SHORT_MODALITY[image.modality] for image in visit}
        analysis, actor = self._session.services.analysis, self._session.actor
        self._run_batch(
            lambda progress: analysis.analyze_visit(actor, patient_id, day, progress),
            f"Analyse the visit of {fmt_date(day)}",
            names,
        )

    def _run_batch(self, run: Batch, title: str, names: dict[str, str]) -> AnalyzeAllDialog:
        dialog = AnalyzeAllDialog(
            self._tasks, run, title=title, image_names=names, parent=self._parent
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.analyze_dialog = dialog
        dialog.open()
        dialog.start()
        return dialog

    def record_pathology(self) -> PathologyDialog | None:
        lesion = self._selected()
        if lesion is None:
            return None
        dialog = PathologyDialog(
            self._tasks,
            self._session.services.analysis,
            self._session.actor,
            lesion.id,
            lesion_label=lesion.label,
            parent=self._parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.pathology_dialog = dialog
        dialog.open()
        dialog.load()
        return dialog


__all__ = ["LesionAnalysisActions"]

"""Save or print a lesion report: data and pictures on a worker, painting on the GUI thread.

``report_data`` (database reads, decrypting and shrinking the photos) and
decoding the pictures run on the task runner; painting the pages is quick and
stays on the GUI thread, as a printer must. Each saved or printed report is
then recorded with ``record_report`` so the audit trail shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from dermai_desktop.domain.ids import LesionId, PatientId
from dermai_desktop.domain.imaging import ImageUse
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.imaging import ImageService
from dermai_desktop.services.imaging_dto import LesionReport
from dermai_desktop.ui.reports.lesion_report import (
    Pictures,
    decode_pictures,
    paint_report,
    write_report_pdf,
)
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner

#: Suggested file name: never the patient's name (file names travel in e-mails and logs).
DEFAULT_FILE_NAME = "lesion-report.pdf"


class LesionReportRunner(QObject):
    """Makes one patient's lesion report as a PDF or on paper.

    Signals:
        saved(str): the PDF's path, after it is written and audited.
        printed(int): the number of pages sent to the printer, after auditing.
    """

    saved = Signal(str)
    printed = Signal(int)

    def __init__(
        self,
        tasks: TaskRunner,
        images: ImageService,
        actor: Actor,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._images = images
        self._actor = actor
        self._parent = parent
        self.last_pages = 0

    def _load(
        self, patient_id: PatientId, lesion_ids: Sequence[LesionId], use: ImageUse
    ) -> tuple[LesionReport, Pictures]:
        report = self._images.report_data(self._actor, patient_id, list(lesion_ids), use)
        return report, decode_pictures(report)

    def save_pdf(
        self,
        patient_id: PatientId,
        lesion_ids: Sequence[LesionId],
        path: Path | None = None,
        use: ImageUse = ImageUse.CARE,
    ) -> None:
        """Ask where (unless ``path`` is given), then write the PDF and audit it."""
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self._parent, "Save lesion report", DEFAULT_FILE_NAME, "PDF (*.pdf)"
            )
            if not chosen:
                return
            path = Path(chosen)
        target = path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")
        ids = list(lesion_ids)

        def write(loaded: tuple[LesionReport, Pictures]) -> None:
            report, pictures = loaded
            self.last_pages = write_report_pdf(target, report, pictures)
            self._tasks.run(
                lambda: self._images.record_report(self._actor, patient_id, ids, printed=False),
                on_success=lambda _none: emit(self.saved, str(target)),
                owner=self,
            )

        self._tasks.run(lambda: self._load(patient_id, ids, use), on_success=write, owner=self)

    def print_report(
        self,
        patient_id: PatientId,
        lesion_ids: Sequence[LesionId],
        printer: QPrinter | None = None,
        *,
        ask: bool = True,
    ) -> None:
        """Show the print dialog (unless ``ask`` is False), print, and audit the print."""
        ids = list(lesion_ids)

        def send(loaded: tuple[LesionReport, Pictures]) -> None:
            report, pictures = loaded
            device = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
            if ask:
                dialog = QPrintDialog(device, self._parent)
                dialog.setWindowTitle("Print lesion report")
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return
            pages = paint_report(device, report, pictures)
            self.last_pages = pages
            self._tasks.run(
                lambda: self._images.record_report(self._actor, patient_id, ids, printed=True),
                on_success=lambda _none: emit(self.printed, pages),
                owner=self,
            )

        self._tasks.run(
            lambda: self._load(patient_id, ids, ImageUse.CARE), on_success=send, owner=self
        )


__all__ = ["DEFAULT_FILE_NAME", "LesionReportRunner"]

"""Analyse every image of a lesion, with progress, then a summary table.

The service analyses the images one by one on the database thread and
reports progress through a callback; that callback runs on the worker thread,
so it only emits a signal, which Qt delivers on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.analysis import AnalysisResult
from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.ui.analysis.client import HIGH_SUSPICION, percent
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner


class _Progress(QObject):
    step = Signal(int, int)


def summary_text(results: list[AnalysisResult], total: int) -> str:
    """One paragraph: how many were analysed, which need a second look."""
    if not results:
        return f"None of the {total} images could be analysed."
    done = f"Analysed {len(results)} of {total} image{'s' if total != 1 else ''}."
    if len(results) < total:
        done += f" {total - len(results)} could not be read and were skipped."
    unreliable = sum(not r.outcome.reliable for r in results)
    unsure = sum(r.outcome.low_confidence for r in results)
    notes = []
    if unreliable:
        notes.append(f"{unreliable} unreliable (image quality)")
    if unsure:
        notes.append(f"{unsure} low confidence")
    highest = max(results, key=lambda r: r.outcome.suspicion)
    worst = f"Highest suspicion {percent(highest.outcome.suspicion)}"
    if highest.outcome.suspicion >= HIGH_SUSPICION:
        worst += " — worth a closer look in the viewer"
    parts = [done, (", ".join(notes).capitalize() + ".") if notes else "", worst + "."]
    return " ".join(part for part in parts if part)


#: A batch of analyses given a progress callback ``(done, total)``; runs on a worker.
Batch = Callable[[Callable[[int, int], None]], list[AnalysisResult]]


class AnalyzeAllDialog(QDialog):
    """Signals:
    finished_with(object): the list of ``AnalysisResult`` made.
    """

    finished_with = Signal(object)

    def __init__(
        self,
        tasks: TaskRunner,
        run: Batch,
        *,
        title: str,
        image_names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        """``run`` is what to analyse (a lesion's images, a visit's photos), on a worker."""
        super().__init__(parent)
        self.setObjectName("analyzeAllDialog")
        self.setWindowTitle(title)
        self._tasks, self._run, self._names = tasks, run, image_names
        self.results: list[AnalysisResult] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.heading = QLabel(f"Analysing {len(image_names)} images on this computer…")
        self.heading.setObjectName("sectionTitle")
        layout.addWidget(self.heading)
        self.progress = QProgressBar()
        self.progress.setRange(0, max(1, len(image_names)))
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m")
        self.progress.setAccessibleName("Analysis progress")
        layout.addWidget(self.progress)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.hide()
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("analyzeAllTable")
        self.table.setHorizontalHeaderLabels(["Image", "Leading class", "Suspicion", "Quality"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.hide()
        layout.addWidget(self.table, 1)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        self.disclaimer = QLabel(
            "Decision support, not a diagnosis: open each image in the viewer to see the "
            "measurements and record your verdict."
        )
        self.disclaimer.setObjectName("analysisDisclaimerLight")
        self.disclaimer.setWordWrap(True)
        layout.addWidget(self.disclaimer)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setEnabled(False)
        layout.addWidget(self.buttons)
        self._progress = _Progress(self)
        self._progress.step.connect(self._step)
        self.resize(620, 420)

    def start(self) -> None:
        batch, relay = self._run, self._progress

        def run() -> list[AnalysisResult]:
            return batch(lambda done, total: emit(relay.step, done, total))

        self._tasks.run(run, on_success=self._done, on_error=self._failed, owner=self)

    def _step(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _done(self, results: list[AnalysisResult]) -> None:
        self.results = list(results)
        total = max(len(self._names), len(results))
        self.progress.setValue(self.progress.maximum())
        self.heading.setText("Analysis finished")
        self.summary.setText(summary_text(self.results, total))
        self.summary.show()
        self.table.setRowCount(len(self.results))
        for row, result in enumerate(self.results):
            outcome = result.outcome
            cells = (
                self._names.get(str(result.image_id), "Image"),
                f"{outcome.top.label} ({percent(outcome.top.probability)})",
                percent(outcome.suspicion)
                + (" · low confidence" if outcome.low_confidence else ""),
                "OK" if outcome.reliable else "Unreliable",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3 and not outcome.reliable:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
        self.table.show()
        self.close_button.setEnabled(True)
        emit(self.finished_with, self.results)

    def _failed(self, exc: BaseException) -> None:
        self.close_button.setEnabled(True)
        self.heading.setText("Analysis did not run")
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.show_error("The analysis did not complete; nothing was stored.")
            self._tasks.report(exc)


__all__ = ["AnalyzeAllDialog", "summary_text"]

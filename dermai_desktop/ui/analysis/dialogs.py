"""Small dialogs of the analysis workflow: the clinician's own impression, the biopsy result.

The impression dialog only collects text (the dock records it); the
pathology dialog reads the lesion's current pathology and records a new one
itself, off the GUI thread, like the chart's other dialogs.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.analysis import (
    CLASS_CODES,
    CLASS_LABELS,
    MAX_IMPRESSION,
    OTHER_PATHOLOGY,
    PathologyResult,
)
from dermai_desktop.domain.ids import LesionId
from dermai_desktop.domain.users import Actor
from dermai_desktop.ui.analysis.client import AnalysisClient, when
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import TaskDialog

PATHOLOGY_CHOICES: tuple[tuple[str, str], ...] = (
    *((code, CLASS_LABELS[code]) for code in CLASS_CODES),
    (OTHER_PATHOLOGY, "Other (outside the model's classes)"),
)


def fit_text(button: QPushButton) -> None:
    # A dialog button box sizes buttons for "OK"; the style sheet's padding then clips longer text.
    button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 64)


def pathology_label(code: str) -> str:
    return dict(PATHOLOGY_CHOICES).get(code, code)


class ImpressionDialog(QDialog):
    """Disagreeing with the model needs the clinician's own impression; OK waits for it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisImpressionDialog")
        self.setWindowTitle("Disagree with the model")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Write your own impression. It is stored with this result, the model version and "
            "the image hash, and the verdict is written to the audit trail."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Your impression")
        self.text.setPlaceholderText(
            "e.g. Seborrhoeic keratosis: milia-like cysts, comedo-like openings"
        )
        self.text.setTabChangesFocus(True)
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record disagreement")
        fit_text(self.ok_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._update)
        self._update()
        self.resize(460, 240)

    def impression(self) -> str:
        return self.text.toPlainText().strip()[:MAX_IMPRESSION]

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.text.toPlainText().strip()))


class PathologyDialog(TaskDialog):
    """Enter the biopsy's diagnosis for a lesion, in the model's classes or "other".

    Signals (from TaskDialog):
        succeeded(object): the recorded ``PathologyResult``.
    """

    def __init__(
        self,
        tasks: TaskRunner,
        client: AnalysisClient,
        actor: Actor,
        lesion_id: LesionId,
        *,
        lesion_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pathologyDialog")
        self.setWindowTitle(f"Pathology of lesion {lesion_label}")
        self._tasks, self._client, self._actor, self._lesion_id = tasks, client, actor, lesion_id
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Enter the biopsy result. The model's stored results for this lesion are compared "
            "with it in the clinic's model-vs-pathology table."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.current = QLabel("Reading the current pathology…")
        self.current.setObjectName("muted")
        self.current.setWordWrap(True)
        layout.addWidget(self.current)
        form = QFormLayout()
        self.diagnosis = QComboBox()
        self.diagnosis.setAccessibleName("Pathology diagnosis")
        self.diagnosis.addItem("Choose…", "")
        for code, label in PATHOLOGY_CHOICES:
            self.diagnosis.addItem(label, code)
        form.addRow("&Diagnosis", self.diagnosis)
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Pathology note")
        self.note.setPlaceholderText("Laboratory, report number, margins… (optional)")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(90)
        form.addRow("&Note", self.note)
        layout.addLayout(form)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record pathology")
        fit_text(self.ok_button)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.diagnosis.currentIndexChanged.connect(self._update)
        self._update()
        self.resize(480, 320)

    def load(self) -> None:
        client, actor, lesion_id = self._client, self._actor, self._lesion_id
        self._tasks.run(
            lambda: client.pathology(actor, lesion_id),
            on_success=self._show_current,
            on_error=self._failed,
            owner=self,
        )

    def _show_current(self, current: PathologyResult | None) -> None:
        if current is None:
            self.current.setText("No pathology recorded for this lesion yet.")
            return
        self.current.setText(
            f"Recorded {when(current.recorded_at)}: {pathology_label(current.diagnosis)}. "
            "A new entry replaces it (the earlier one is kept)."
        )
        self.diagnosis.setCurrentIndex(max(0, self.diagnosis.findData(current.diagnosis)))

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.diagnosis.currentData()))

    def save(self) -> None:
        code = str(self.diagnosis.currentData() or "")
        if not code:
            self.status.show_error("Choose the diagnosis from the list.")
            return
        note = self.note.toPlainText()
        client, actor, lesion_id = self._client, self._actor, self._lesion_id
        self.ok_button.setEnabled(False)
        self.status.clear_message()
        self._tasks.run(
            lambda: client.record_pathology(actor, lesion_id, code, note),
            on_success=self._done,
            on_error=self._failed,
            owner=self,
        )


__all__ = ["PATHOLOGY_CHOICES", "ImpressionDialog", "PathologyDialog", "pathology_label"]

"""The ICD-10 picker: type a code or words, pick from the bundled dermatology subset."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import muted_label

DEBOUNCE_MS = 120
MAX_QUERY = 100
LIMIT = 50


def diagnosis_search(session: Session) -> Callable[[str], Sequence[Any]] | None:
    """The ICD-10 catalogue's search as ``fn(text) -> [Diagnosis]``."""
    catalog = session.services.diagnoses
    return lambda text: catalog.search(text, limit=LIMIT)


class _SearchEdit(QLineEdit):
    """Down arrow moves into the results, as in any search box."""

    def __init__(self, results: QListWidget) -> None:
        super().__init__()
        self._results = results

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Down and self._results.count():
            self._results.setFocus()
            if self._results.currentRow() < 0:
                self._results.setCurrentRow(0)
            return
        super().keyPressEvent(event)


class DiagnosisPicker(QDialog):
    """Signals:
    chosen(str, str): code and official title of the picked diagnosis.
    """

    chosen = Signal(str, str)

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one widget's layout, read top to bottom
        super().__init__(parent)
        self._tasks = tasks
        self._search = diagnosis_search(session)
        self._generation = 0
        self.results_shown: list[Any] = []
        self.setWindowTitle("Add diagnosis")
        self.setAccessibleName("Add diagnosis")
        self.resize(560, 460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(8)
        heading = QLabel("Add diagnosis (ICD-10)")
        heading.setObjectName("dialogTitle")
        layout.addWidget(heading)
        layout.addWidget(muted_label("Type a code (L40) or words (plaque psoriasis)."))
        self.results = QListWidget()
        self.results.setObjectName("icdResults")
        self.results.setAccessibleName("Matching diagnoses")
        self.search_edit = _SearchEdit(self.results)
        self.search_edit.setAccessibleName("Search ICD-10")
        self.search_edit.setPlaceholderText("Code or words…")
        self.search_edit.setMaxLength(MAX_QUERY)
        self.search_edit.setClearButtonEnabled(True)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.results, 1)
        self.hint = QLabel("")
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setProperty("role", "primary")
        self.ok_button.setAccessibleName("Add diagnosis")
        buttons.accepted.connect(self.accept_current)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self.accept_current)
        self.results.itemActivated.connect(lambda _i: self.accept_current())
        self.results.currentRowChanged.connect(lambda r: self.ok_button.setEnabled(r >= 0))
        self.ok_button.setEnabled(False)
        if self._search is None:
            self.search_edit.setEnabled(False)
            self.hint.setText("The ICD-10 list is not installed on this workstation yet.")
        else:
            self.hint.setText("Start typing to search.")
        self.search_edit.setFocus()

    def run_search(self) -> None:
        text = self.search_edit.text().strip()
        self._generation += 1
        generation = self._generation
        if not text or self._search is None:
            self._show([], generation, text)
            return
        search = self._search
        self._tasks.run(
            lambda: list(search(text)),
            on_success=lambda found: self._show(found, generation, text),
            on_error=self._failed,
            pool="io",
            owner=self,
        )

    def _show(self, found: Sequence[Any], generation: int, text: str) -> None:
        if generation != self._generation:
            return  # a newer search is on its way; typing never shows stale results
        self.results.clear()
        self.results_shown = list(found)
        for diagnosis in self.results_shown:
            item = QListWidgetItem(f"{diagnosis.code}    {diagnosis.title}")
            item.setData(Qt.ItemDataRole.UserRole, diagnosis.code)
            self.results.addItem(item)
        if self.results_shown:
            self.results.setCurrentRow(0)
            self.hint.setText(
                f"{len(self.results_shown)} match(es). Enter adds the highlighted one."
            )
        elif text:
            self.hint.setText("No diagnosis matches. Try fewer words or the code's first letters.")
        else:
            self.hint.setText("Start typing to search.")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExpectedError):
            self.hint.setText(exc.user_text())
        else:
            self._tasks.report(exc)

    def accept_current(self) -> None:
        if self._timer.isActive():
            # Enter pressed before the debounce fired: search now, choose when it lands.
            self._timer.stop()
            self.run_search()
            return
        row = self.results.currentRow()
        if not 0 <= row < len(self.results_shown):
            return
        diagnosis = self.results_shown[row]
        emit(self.chosen, diagnosis.code, diagnosis.title)
        self.accept()

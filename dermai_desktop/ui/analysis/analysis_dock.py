"""The viewer's analysis side panel: Analyze, the latest result, earlier results, the verdict.

Every service call runs on the TaskRunner's database thread (the service reads
the image, runs the on-device models and stores the result there), so the
viewer stays responsive; the panel shows a busy bar meanwhile. Expected
refusals (no model, an unreadable image, no permission) are written in the
panel in plain words; anything else goes to the app's error surface.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.analysis import DISCLAIMER, AnalysisResult, Verdict, VerdictKind
from dermai_desktop.domain.errors import ExpectedError, PermissionDenied
from dermai_desktop.domain.ids import ImageId
from dermai_desktop.domain.users import Actor
from dermai_desktop.ui import theme
from dermai_desktop.ui.analysis.client import AnalysisClient, model_line, percent, when
from dermai_desktop.ui.analysis.result_panel import ResultPanel
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner

#: Not used by any viewer tool or command (see ``ui/viewer/tools.py``).
ANALYZE_KEY = "Y"
PANEL_WIDTH = 372


class AnalysisDock(QDockWidget):
    """Signals:
    result_shown(object): the ``AnalysisResult`` now on screen.
    verdict_recorded(object): the ``Verdict`` just stored.
    failed(str): the plain message shown for a refused or failed call.
    """

    result_shown = Signal(object)
    verdict_recorded = Signal(object)
    failed = Signal(str)

    def __init__(  # noqa: PLR0915 - one layout
        self,
        client: AnalysisClient,
        actor: Actor,
        tasks: TaskRunner,
        image_id: ImageId,
        parent: QMainWindow,
    ) -> None:
        super().__init__("Lesion analysis", parent)
        self.setObjectName("analysisDock")
        self.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.setTitleBarWidget(QWidget(self))  # the heading inside says what it is
        self._client, self._actor, self._tasks, self._image_id = client, actor, tasks, image_id
        self.results: list[AnalysisResult] = []
        self.busy = False

        panel = QFrame(self)
        panel.setObjectName("analysisPanel")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        head = QHBoxLayout()
        heading = QLabel("LESION ANALYSIS")
        heading.setObjectName("viewerHeading")
        heading.setStyleSheet("padding-top: 0;")
        head.addWidget(heading, 1)
        self.analyze_button = QPushButton(theme.icon("viewer-analyze", "#ffffff"), "Analyze")
        self.analyze_button.setObjectName("analysisRun")
        self.analyze_button.setToolTip(
            f"Run the on-device model on this image  ({ANALYZE_KEY}). Takes under a second."
        )
        self.analyze_button.clicked.connect(self.analyze)
        head.addWidget(self.analyze_button)
        layout.addLayout(head)

        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("analysisBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(4)
        self.busy_bar.setAccessibleName("Analysing")
        self.busy_bar.hide()
        layout.addWidget(self.busy_bar)
        self.message = QLabel("")
        self.message.setObjectName("analysisMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.AutoText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        self.history = QComboBox()
        self.history.setObjectName("analysisHistory")
        self.history.setAccessibleName("Earlier results of this image")
        self.history.setToolTip("Results are never edited: each analysis is kept.")
        self.history.activated.connect(self.show_index)
        self.history_row = QWidget()
        history_layout = QHBoxLayout(self.history_row)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_label = QLabel("Result")
        history_label.setObjectName("viewerMuted")
        history_label.setBuddy(self.history)
        history_layout.addWidget(history_label)
        history_layout.addWidget(self.history, 1)
        self.history_row.hide()
        layout.addWidget(self.history_row)

        self.result_panel = ResultPanel()
        self.result_panel.verdict_requested.connect(self._verdict_requested)
        self.result_panel.hide()
        self.empty = QLabel(
            "Not analysed yet.\n\nPress Analyze (Y) for the model's probabilities, the ABCD "
            "measurements and the image-quality checks. You then record whether you agree."
        )
        self.empty.setObjectName("analysisEmpty")
        self.empty.setWordWrap(True)
        body = QWidget()
        body.setObjectName("analysisBody")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 6, 0)
        body_layout.addWidget(self.empty)
        body_layout.addWidget(self.result_panel)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("analysisScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.result_panel.verdict_box)
        self.disclaimer = QLabel(DISCLAIMER)
        self.disclaimer.setObjectName("analysisDisclaimer")
        self.disclaimer.setWordWrap(True)
        self.disclaimer.setAccessibleName("Disclaimer")
        layout.addWidget(self.disclaimer)
        self.setWidget(panel)
        self.setMinimumWidth(PANEL_WIDTH)
        self.setMaximumWidth(PANEL_WIDTH + 120)

        self.analyze_action = QAction(theme.icon("viewer-analyze", "#d5e0e6"), "Analyze", parent)
        self.analyze_action.setObjectName("viewerAction_analyze")
        self.analyze_action.setShortcut(QKeySequence(ANALYZE_KEY))
        self.analyze_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.analyze_action.setToolTip(
            f"Analyze this image with the on-device model  ({ANALYZE_KEY})"
        )
        self.analyze_action.triggered.connect(self.analyze)
        parent.addAction(self.analyze_action)

    @classmethod
    def attach(
        cls,
        window: QMainWindow,
        client: AnalysisClient,
        actor: Actor,
        tasks: TaskRunner,
        image_id: ImageId,
        *,
        toolbar: QToolBar | None = None,
        before: QAction | None = None,
    ) -> AnalysisDock:
        """Add the panel to ``window``'s right side and its action to ``toolbar``."""
        dock = cls(client, actor, tasks, image_id, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.resizeDocks([dock], [PANEL_WIDTH], Qt.Orientation.Horizontal)  # image gets the rest
        if toolbar is not None and before is not None:
            toolbar.insertAction(before, dock.analyze_action)
        elif toolbar is not None:
            toolbar.addAction(dock.analyze_action)
        return dock

    # --- reading ------------------------------------------------------------------------

    def load(self) -> None:
        """Show the latest stored result of the image, if any (its verdicts too)."""
        client, actor, image_id = self._client, self._actor, self._image_id

        def read() -> tuple[list[AnalysisResult], list[Verdict]]:
            results = client.results(actor, image_id)
            verdicts = client.verdicts(actor, results[0].id) if results else []
            return results, verdicts

        self._tasks.run(
            read, on_success=lambda found: self._loaded(*found), on_error=self._failed, owner=self
        )

    def _loaded(self, results: list[AnalysisResult], verdicts: list[Verdict]) -> None:
        self._set_results(results)
        if results:
            self._show(results[0], verdicts)

    def _set_results(self, results: list[AnalysisResult]) -> None:
        self.results = list(results)
        self.history.clear()
        for result in self.results:
            outcome = result.outcome
            flag = "" if outcome.reliable else " · unreliable"
            self.history.addItem(
                f"{when(result.created_at)} · {model_line(outcome.classifier)} · "
                f"{outcome.top.code} {percent(outcome.top.probability)}{flag}"
            )
        self.history_row.setVisible(len(self.results) > 1)

    def show_index(self, index: int) -> None:
        """Show an earlier result (with its own verdicts)."""
        if not 0 <= index < len(self.results):
            return
        result = self.results[index]
        client, actor = self._client, self._actor
        self._tasks.run(
            lambda: client.verdicts(actor, result.id),
            on_success=lambda verdicts: self._show(result, verdicts),
            on_error=self._failed,
            owner=self,
        )

    def _show(self, result: AnalysisResult, verdicts: list[Verdict]) -> None:
        index = next((i for i, r in enumerate(self.results) if r.id == result.id), 0)
        self.history.setCurrentIndex(index)
        self.empty.hide()
        self.result_panel.show_result(result, verdicts)
        self.result_panel.show()
        emit(self.result_shown, result)

    # --- analysing -------------------------------------------------------------------------

    def analyze(self) -> None:
        if self.busy:
            return
        self._set_busy(True, "Analysing on this computer…")
        client, actor, image_id = self._client, self._actor, self._image_id
        self._tasks.run(
            lambda: client.analyze(actor, image_id),
            on_success=self._analysed,
            on_error=self._failed,
            owner=self,
        )

    def _analysed(self, result: AnalysisResult) -> None:
        self._set_busy(False)
        self._set_results([result, *[r for r in self.results if r.id != result.id]])
        self._show(result, [])

    # --- the verdict ------------------------------------------------------------------------

    def _verdict_requested(self, kind_value: str, impression: str) -> None:
        result = self.result_panel.result
        if result is None or self.busy:
            return
        kind = VerdictKind(kind_value)
        self._set_busy(True, f"Recording “{kind.label}”…")
        client, actor = self._client, self._actor

        def record() -> list[Verdict]:
            client.record_verdict(actor, result.id, kind, impression)
            return client.verdicts(actor, result.id)

        self._tasks.run(record, on_success=self._recorded, on_error=self._failed, owner=self)

    def _recorded(self, verdicts: list[Verdict]) -> None:
        self._set_busy(False)
        self.result_panel.show_verdicts(verdicts)
        self._set_message(f"Verdict recorded: {verdicts[-1].kind.label}.", "success")
        emit(self.verdict_recorded, verdicts[-1])

    # --- state -------------------------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.busy_bar.setVisible(busy)
        self.analyze_button.setEnabled(not busy)
        self.analyze_action.setEnabled(not busy)
        self.analyze_button.setText("Analysing…" if busy and "Analys" in text else "Analyze")
        self.result_panel.set_verdict_enabled(not busy)
        # Starting shows what is running; finishing clears it (a failure then says why).
        self._set_message(text if busy else "", "info")

    def _set_message(self, text: str, kind: str) -> None:
        self.message.setText(text)  # plain text, or the few tags of an expected error
        self.message.setAccessibleDescription(self.message.text())
        self.message.setProperty("kind", kind)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ExpectedError):
            text = f"{exc.title}\n{exc.user_text()}"
            if isinstance(exc, PermissionDenied):
                self.analyze_button.setEnabled(False)
                self.analyze_action.setEnabled(False)
            self._set_message(f"<b>{escape(exc.title)}</b><br>{escape(exc.user_text())}", "error")
            emit(self.failed, text)
            return
        self._set_message("The analysis did not complete; nothing was stored.", "error")
        emit(self.failed, self.message.text())
        self._tasks.report(exc)  # a bug: the error surface gives an incident id


__all__ = ["ANALYZE_KEY", "AnalysisDock"]

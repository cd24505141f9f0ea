"""One stored analysis, shown honestly: probabilities, suspicion, measurements, quality, verdict.

The panel only shows what it is given and asks for a verdict; the dock
records it off the GUI thread. Failed quality checks come first and mark the
whole result unreliable, because a clean-looking chart over a blurred photo
is the most misleading thing this screen could show.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.analysis import (
    AnalysisResult,
    QualityFinding,
    Verdict,
    VerdictKind,
)
from dermai_desktop.ui.analysis.charts import ProbabilityChart, SuspicionGauge
from dermai_desktop.ui.analysis.client import HIGH_SUSPICION, model_line, percent, short_sha, when
from dermai_desktop.ui.analysis.dialogs import ImpressionDialog
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.chart_common import clear_layout


def _label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("viewerHeading")
    return label


def badge(text: str, kind: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("analysisBadge")
    label.setProperty("kind", kind)
    label.setAccessibleName(text)
    return label


def quality_line(finding: QualityFinding) -> str:
    return finding.message


class ResultPanel(QWidget):
    """Signals:
    verdict_requested(str, str): a ``VerdictKind`` value and the clinician's impression.
    """

    verdict_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one layout
        super().__init__(parent)
        self.setObjectName("analysisResult")
        self.result: AnalysisResult | None = None
        self.measure_texts: list[str] = []
        self.impression_dialog: ImpressionDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        self.top_label = _label("", "analysisTop")
        layout.addWidget(self.top_label)
        flags = QHBoxLayout()
        flags.setSpacing(6)
        self.unreliable_badge = badge("Unreliable", "error")
        self.unreliable_badge.setToolTip("An image-quality check failed; see below.")
        self.low_confidence_badge = badge("Low confidence", "warning")
        self.low_confidence_badge.setToolTip(
            "The model's answer is spread over several classes or changes when the image is "
            "flipped: rely on your own assessment."
        )
        flags.addWidget(self.unreliable_badge)
        flags.addWidget(self.low_confidence_badge)
        flags.addStretch(1)
        layout.addLayout(flags)
        self.when_label = _label("", "viewerMuted")
        layout.addWidget(self.when_label)

        self.quality_box = QFrame()
        self.quality_box.setObjectName("analysisQuality")
        quality_layout = QVBoxLayout(self.quality_box)
        quality_layout.setContentsMargins(10, 8, 10, 8)
        quality_layout.setSpacing(4)
        self.quality_title = _label(
            "Image quality problem — this result is unreliable", "analysisQualityTitle"
        )
        quality_layout.addWidget(self.quality_title)
        self.quality_list = _label("", "analysisQualityText")
        quality_layout.addWidget(self.quality_list)
        layout.addWidget(self.quality_box)
        self.quality_ok = _label("", "analysisQualityOk")
        layout.addWidget(self.quality_ok)

        layout.addWidget(_heading("Probabilities (calibrated)"))
        self.chart = ProbabilityChart()
        layout.addWidget(self.chart)
        layout.addWidget(_label("● malignant class (melanoma, BCC, AKIEC)", "viewerMuted"))

        layout.addWidget(_heading("Suspicion"))
        score_row = QHBoxLayout()
        score_row.setSpacing(10)
        self.suspicion_value = _label("", "analysisScore", wrap=False)
        score_row.addWidget(self.suspicion_value)
        self.suspicion_text = _label("of the probability is on a malignant class", "viewerMuted")
        score_row.addWidget(self.suspicion_text, 1)
        layout.addLayout(score_row)
        self.gauge = SuspicionGauge()
        layout.addWidget(self.gauge)
        self.uncertainty_label = _label("", "viewerMuted")
        layout.addWidget(self.uncertainty_label)

        layout.addWidget(_heading("Measurements"))
        self.measure_list = QVBoxLayout()
        self.measure_list.setSpacing(7)
        layout.addLayout(self.measure_list)

        layout.addWidget(_heading("Model"))
        self.model_label = _label("", "analysisModel")
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.model_label)

        # The verdict sits outside the scrolling result (the dock places it) so it is
        # always in reach, however long the result.
        self.verdict_box = QFrame()
        self.verdict_box.setObjectName("analysisVerdictBox")
        verdict_layout = QVBoxLayout(self.verdict_box)
        verdict_layout.setContentsMargins(0, 0, 0, 0)
        verdict_layout.setSpacing(6)
        verdict_layout.addWidget(_heading("Your verdict"))
        self.verdict_label = _label("No verdict recorded yet.", "analysisVerdict")
        verdict_layout.addWidget(self.verdict_label)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.agree_button = QPushButton("Agree")
        self.agree_button.setToolTip("The model's leading class matches your assessment")
        self.disagree_button = QPushButton("Disagree…")
        self.disagree_button.setToolTip("Record your own impression instead")
        self.biopsy_button = QPushButton("Send for biopsy")
        self.biopsy_button.setObjectName("analysisBiopsy")
        for widget in (self.agree_button, self.disagree_button, self.biopsy_button):
            widget.setAccessibleName(widget.text().rstrip("…"))
            buttons.addWidget(widget)
        verdict_layout.addLayout(buttons)
        self.verdict_box.hide()
        self.agree_button.clicked.connect(lambda: self._request(VerdictKind.AGREE, ""))
        self.disagree_button.clicked.connect(self.ask_impression)
        self.biopsy_button.clicked.connect(lambda: self._request(VerdictKind.BIOPSY, ""))

    # --- showing -------------------------------------------------------------------------

    def show_result(self, result: AnalysisResult, verdicts: list[Verdict]) -> None:
        self.result = result
        outcome = result.outcome
        top = outcome.top
        self.top_label.setText(f"Leading class: {top.label} ({percent(top.probability)})")
        self.when_label.setText(
            f"Analysed {when(result.created_at)}"
            + (f" in {outcome.seconds:.2f} s" if outcome.seconds else "")
        )
        self.unreliable_badge.setVisible(not outcome.reliable)
        self.low_confidence_badge.setVisible(outcome.low_confidence)
        self._show_quality(outcome.quality)
        self.chart.set_probabilities(outcome.probabilities)
        self.suspicion_value.setText(percent(outcome.suspicion))
        self.suspicion_value.setProperty("high", outcome.suspicion >= HIGH_SUSPICION)
        self.suspicion_value.style().unpolish(self.suspicion_value)
        self.suspicion_value.style().polish(self.suspicion_value)
        self.gauge.set_value(outcome.suspicion, outcome.uncertainty)
        firmness = (
            "low confidence: the model is unsure, rely on your own assessment"
            if outcome.low_confidence
            else "the model's answer is consistent"
        )
        self.uncertainty_label.setText(
            f"Uncertainty {outcome.uncertainty:.2f} (0 = certain, 1 = no idea) — {firmness}."
        )
        self._show_measurements(result)
        self.model_label.setText(
            "<table cellspacing='2'>"
            + "".join(
                f"<tr><td style='color:#8fa3ae;padding-right:8px'>{role}</td>"
                f"<td>{escape(model_line(model))}<br><span style='color:#8fa3ae'>SHA-256 "
                f"{escape(short_sha(model.sha256))}…</span></td></tr>"
                for role, model in (
                    ("Classifier", outcome.classifier),
                    ("Segmenter", outcome.segmenter),
                )
            )
            + "</table>"
        )
        self.model_label.setToolTip(
            f"Classifier SHA-256 {outcome.classifier.sha256}\n"
            f"Segmenter SHA-256 {outcome.segmenter.sha256}\n"
            f"Image SHA-256 {result.image_sha256}"
        )
        self.show_verdicts(verdicts)
        self.verdict_box.show()

    def _show_quality(self, findings: tuple[QualityFinding, ...]) -> None:
        failed = [finding for finding in findings if not finding.passed]
        self.quality_box.setVisible(bool(failed))
        self.quality_list.setText("\n".join(f"• {quality_line(f)}" for f in failed))
        self.quality_ok.setVisible(not failed)
        self.quality_ok.setText(
            f"✓ All {len(findings)} image-quality checks passed." if findings else ""
        )

    def _show_measurements(self, result: AnalysisResult) -> None:
        clear_layout(self.measure_list)
        self.measure_texts = []
        for measurement in result.outcome.measurements:
            row = QWidget()
            row.setObjectName("analysisMeasure")
            rows = QVBoxLayout(row)
            rows.setContentsMargins(0, 0, 0, 0)
            rows.setSpacing(1)
            line = QHBoxLayout()
            line.addWidget(_label(measurement.label, "analysisMeasureName", wrap=False), 1)
            line.addWidget(_label(measurement.display, "analysisMeasureValue", wrap=False))
            rows.addLayout(line)
            rows.addWidget(_label(measurement.explanation, "analysisMeasureExplain"))
            self.measure_list.addWidget(row)
            self.measure_texts.append(
                f"{measurement.label}: {measurement.display} — {measurement.explanation}"
            )

    def show_verdicts(self, verdicts: list[Verdict]) -> None:
        if not verdicts:
            self.verdict_label.setText("No verdict recorded yet.")
            self.verdict_label.setProperty("recorded", False)
        else:
            current = verdicts[-1]
            text = f"Recorded: {current.kind.label} · {when(current.recorded_at)}"
            if current.impression:
                text += f"\nYour impression: “{current.impression}”"
            if len(verdicts) > 1:
                earlier = len(verdicts) - 1
                text += f"\nReplaces {earlier} earlier verdict{'s' if earlier > 1 else ''} (kept)."
            self.verdict_label.setText(text)
            self.verdict_label.setProperty("recorded", True)
        self.verdict_label.style().unpolish(self.verdict_label)
        self.verdict_label.style().polish(self.verdict_label)

    def set_verdict_enabled(self, enabled: bool) -> None:
        for widget in (self.agree_button, self.disagree_button, self.biopsy_button):
            widget.setEnabled(enabled)

    def text(self) -> str:
        """Everything shown, as plain text (tests, accessibility)."""
        parts = [
            self.top_label.text(),
            self.unreliable_badge.text() if self.unreliable_badge.isVisibleTo(self) else "",
            self.low_confidence_badge.text() if self.low_confidence_badge.isVisibleTo(self) else "",
            self.quality_list.text() if self.quality_box.isVisibleTo(self) else "",
            self.chart.text(),
            self.suspicion_value.text(),
            self.uncertainty_label.text(),
        ]
        parts += self.measure_texts
        parts += [self.model_label.toolTip(), self.verdict_label.text()]
        return "\n".join(part for part in parts if part)

    # --- asking ----------------------------------------------------------------------------

    def ask_impression(self) -> ImpressionDialog:
        # On the window, not inside the dark panel, whose style rules would reach the dialog.
        dialog = ImpressionDialog(self.window())
        dialog.accepted.connect(lambda: self._request(VerdictKind.DISAGREE, dialog.impression()))
        self.impression_dialog = dialog
        dialog.open()
        return dialog

    def _request(self, kind: VerdictKind, impression: str) -> None:
        if self.result is not None:
            emit(self.verdict_requested, kind.value, impression)


__all__ = ["ResultPanel", "badge"]

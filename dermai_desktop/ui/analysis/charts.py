"""Painted parts of the result panel: the sorted probability bars and the suspicion gauge.

Painted rather than built from progress bars so the bars, labels and
percentages line up in columns and the malignant classes can be told apart
by colour and by a marker (not colour alone).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from dermai_desktop.domain.analysis import CLASS_LABELS, MALIGNANT_CODES, ClassProbability
from dermai_desktop.ui.analysis.client import HIGH_SUSPICION, percent

# The viewer is always dark (viewer.qss); these match its greys and accent.
TEXT = QColor("#e2e9ed")
MUTED = QColor("#8fa3ae")
TRACK = QColor("#26323a")
BENIGN = QColor("#2f93ad")
MALIGNANT = QColor("#e0894a")
WARNING = QColor("#f0b45a")

#: Short names for the bars; the tooltip and accessible text carry the full label.
SHORT_LABELS = {
    "akiec": "Actinic keratosis / IEC",
    "bcc": "Basal cell carcinoma",
    "bkl": "Benign keratosis-like",
    "df": "Dermatofibroma",
    "mel": "Melanoma",
    "nv": "Melanocytic naevus",
    "vasc": "Vascular lesion",
}
ROW = 22
VALUE_WIDTH = 44
MIN_BAR = 90


def sorted_probabilities(probabilities: tuple[ClassProbability, ...]) -> list[ClassProbability]:
    return sorted(probabilities, key=lambda p: (-p.probability, p.code))


class ProbabilityChart(QWidget):
    """One horizontal bar per class, most probable first; malignant classes in amber with "●"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisProbabilities")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._rows: list[ClassProbability] = []

    def set_probabilities(self, probabilities: tuple[ClassProbability, ...]) -> None:
        self._rows = sorted_probabilities(probabilities)
        self.setAccessibleDescription(self.text())
        self.setToolTip(
            "\n".join(
                f"{CLASS_LABELS.get(p.code, p.code)}: {percent(p.probability)}" for p in self._rows
            )
        )
        self.updateGeometry()
        self.update()

    def rows(self) -> list[tuple[str, float]]:
        return [(p.code, p.probability) for p in self._rows]

    def text(self) -> str:
        return "; ".join(
            f"{CLASS_LABELS.get(p.code, p.code)} {percent(p.probability)}" for p in self._rows
        )

    @staticmethod
    def _label(code: str) -> str:
        label = SHORT_LABELS.get(code, code)
        return f"● {label}" if code in MALIGNANT_CODES else label

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(300, max(1, len(self._rows)) * ROW + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, self.sizeHint().height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QFont(self.font())
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        width = self.width()
        labels = [self._label(row.code) for row in self._rows]
        widest = max((QFontMetrics(bold).horizontalAdvance(text) for text in labels), default=0)
        # The value column fits "100 %" in the bold face, so no figure runs into its bar.
        value_width = max(VALUE_WIDTH, QFontMetrics(bold).horizontalAdvance("100 %") + 8)
        label_width = min(widest + 4, max(60, width - value_width - MIN_BAR - 10))
        bar_left = label_width + 8
        bar_width = max(20, width - bar_left - value_width - 4)
        for index, row in enumerate(self._rows):
            top = index * ROW + 2
            malignant = row.code in MALIGNANT_CODES
            font = bold if index == 0 else base
            painter.setFont(font)
            painter.setPen(TEXT if index == 0 else MUTED.lighter(125))
            painter.drawText(
                QRectF(0, top, label_width, ROW - 4),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                QFontMetrics(font).elidedText(
                    labels[index], Qt.TextElideMode.ElideRight, int(label_width)
                ),
            )
            track = QRectF(bar_left, top + 5, bar_width, ROW - 14)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(TRACK)
            painter.drawRoundedRect(track, 3, 3)
            filled = QRectF(track)
            filled.setWidth(max(2.0, bar_width * min(1.0, row.probability)))
            painter.setBrush(MALIGNANT if malignant else BENIGN)
            painter.drawRoundedRect(filled, 3, 3)
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(bar_left + bar_width, top, value_width, ROW - 4),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                percent(row.probability),
            )
        painter.end()


class SuspicionGauge(QWidget):
    """The summed malignant probability on a 0–100 track, with the uncertainty as a band."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisSuspicionGauge")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(18)
        self._value = 0.0
        self._spread = 0.0

    def set_value(self, suspicion: float, uncertainty: float) -> None:
        self._value = min(1.0, max(0.0, suspicion))
        # The band is a visual hint of how firm the number is, not a confidence interval.
        self._spread = min(0.5, max(0.0, uncertainty) / 2)
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(1, 5, self.width() - 2, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK)
        painter.drawRoundedRect(track, 4, 4)
        low = max(0.0, self._value - self._spread)
        high = min(1.0, self._value + self._spread)
        band = QRectF(track.left() + track.width() * low, 5, track.width() * (high - low), 8)
        shade = QColor(WARNING if self._value >= HIGH_SUSPICION else BENIGN)
        shade.setAlpha(70)
        painter.setBrush(shade)
        painter.drawRoundedRect(band, 4, 4)
        filled = QRectF(track)
        filled.setWidth(max(3.0, track.width() * self._value))
        painter.setBrush(MALIGNANT if self._value >= HIGH_SUSPICION else BENIGN)
        painter.drawRoundedRect(filled, 4, 4)
        marker_x = track.left() + track.width() * HIGH_SUSPICION
        painter.setPen(QPen(MUTED, 1, Qt.PenStyle.DotLine))
        painter.drawLine(int(marker_x), 2, int(marker_x), 16)
        painter.end()


__all__ = ["ProbabilityChart", "SuspicionGauge", "sorted_probabilities"]

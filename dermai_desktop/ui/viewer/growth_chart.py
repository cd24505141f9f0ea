"""Growth chart: a lesion's longest diameter (mm) and area (mm²) over time, painted with QPainter.

QtCharts is not in pyside6-essentials, and two small charts side by side
read more plainly than one chart with two y axes.
"""

from __future__ import annotations

import itertools
from datetime import date

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from dermai_desktop.domain.imaging import GrowthPoint

DIAMETER_COLOUR = QColor("#ffd54a")
AREA_COLOUR = QColor("#4fd1ff")
EMPTY_MESSAGE = (
    "The growth chart needs at least two calibrated images with an outlined area.\n"
    "Calibrate each image and outline the lesion with the Area tool (A)."
)


def _nice_max(value: float) -> float:
    """A round top for an axis: 1, 2, 2.5 or 5 times a power of ten, above ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** int(f"{value:e}".split("e")[1])
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power:
            return step * power
    return 10.0 * power


class GrowthChart(QWidget):
    """Two small time charts; each point has a tooltip with its date and value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("growthChart")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setMinimumHeight(170)
        self.setMouseTracking(True)
        self.points: list[GrowthPoint] = []
        self._hits: list[tuple[QPointF, str]] = []  # painted point -> tooltip

    def set_points(self, points: list[GrowthPoint]) -> None:
        self.points = sorted(points, key=lambda p: p.taken_on)
        self.update()

    @property
    def has_enough(self) -> bool:
        return len(self.points) >= 2

    def point_positions(self) -> list[QPointF]:
        """Where the diameter points were painted (tests, tooltips)."""
        return [position for position, text in self._hits if text.startswith("Diameter")]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#1a2227"))
        self._hits = []
        if not self.has_enough:
            painter.setPen(QColor("#8fa3ae"))
            painter.drawText(
                self.rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                EMPTY_MESSAGE,
            )
            return
        half = self.width() / 2
        self._chart(
            painter,
            QRectF(0, 0, half, self.height()),
            "Longest diameter",
            "mm",
            [p.diameter_mm for p in self.points],
            DIAMETER_COLOUR,
            "Diameter",
        )
        self._chart(
            painter,
            QRectF(half, 0, half, self.height()),
            "Area",
            "mm²",
            [p.area_mm2 for p in self.points],
            AREA_COLOUR,
            "Area",
        )

    def _chart(  # noqa: PLR0917 - one call site per chart, names at each
        self,
        painter: QPainter,
        box: QRectF,
        title: str,
        unit: str,
        values: list[float],
        colour: QColor,
        tip: str,
    ) -> None:
        font = QFont(self.font())
        font.setPointSizeF(9)
        painter.setFont(font)
        plot = box.adjusted(52, 30, -44, -30)
        top = _nice_max(max(values) * 1.1)
        painter.setPen(QColor("#e2e9ed"))
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(
            QRectF(box.left() + 12, box.top() + 6, box.width() - 24, 20),
            Qt.AlignmentFlag.AlignLeft,
            f"{title} ({unit})",
        )
        painter.setFont(font)
        grid = QPen(QColor("#2c3840"), 1)
        for i in range(5):
            y = plot.bottom() - plot.height() * i / 4
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor("#8fa3ae"))
            painter.drawText(
                QRectF(box.left(), y - 8, 46, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{top * i / 4:g}",
            )
        dates = [p.taken_on for p in self.points]
        first, last = dates[0], dates[-1]
        span = max(1, (last - first).days)

        def x_of(day: date) -> float:
            return plot.left() + plot.width() * (day - first).days / span

        positions = [
            QPointF(x_of(d), plot.bottom() - plot.height() * v / top)
            for d, v in zip(dates, values, strict=True)
        ]
        painter.setPen(QPen(colour, 2))
        for a, b in itertools.pairwise(positions):
            painter.drawLine(a, b)
        painter.setBrush(colour)
        for point, day, value in zip(positions, dates, values, strict=True):
            painter.setPen(QPen(QColor("#1a2227"), 2))
            painter.drawEllipse(point, 5, 5)
            self._hits.append((point, f"{tip} {value:.1f} {unit} on {day:%d %b %Y}"))
        painter.setPen(QColor("#8fa3ae"))
        labelled = {0, len(dates) - 1} | (
            {len(dates) // 2} if len(dates) > 4 else set(range(len(dates)))
        )
        for index in sorted(labelled):
            x = positions[index].x()
            painter.drawText(
                QRectF(x - 45, plot.bottom() + 6, 90, 16),
                Qt.AlignmentFlag.AlignHCenter,
                f"{dates[index]:%d %b %y}",
            )

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent):
            spot = QPointF(event.pos())
            for point, text in self._hits:
                if (point - spot).manhattanLength() <= 10:
                    QToolTip.showText(event.globalPos(), text, self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(event)  # type: ignore[arg-type]

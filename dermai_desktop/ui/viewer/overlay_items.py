"""Vector overlay items: ruler, area outline, arrow, ellipse, text — editable, never burned in.

Each kind says what it measures or marks and how it is drawn; what they all
share (points in image pixels, the label, selection handles, dragging) is
``overlay_base.VectorItem``. The shared names are re-exported here because the
layer and the drawing canvas import every overlay name from this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem

from dermai_desktop.domain.imaging import (
    Annotation,
    AnnotationKind,
    Calibration,
    MeasureKind,
    Measurement,
    Point,
    longest_diameter,
    polygon_area,
)
from dermai_desktop.ui.viewer.overlay_base import (
    ANNOTATION_COLOUR,
    CALIBRATION_COLOUR,
    HALO,
    HANDLE_PX,
    MEASURE_COLOUR,
    PICK_PX,
    Label,
    VectorItem,
)


def format_length(px: float, calibration: Calibration | None) -> str:
    if calibration is None:
        return f"{px:.0f} px"
    mm = px * calibration.mm_per_pixel
    return f"{mm:.2f} mm" if mm < 10 else f"{mm:.1f} mm"


def format_area(px2: float, calibration: Calibration | None) -> str:
    if calibration is None:
        return f"{px2:,.0f} px²"
    return f"{px2 * calibration.mm_per_pixel**2:.1f} mm²"


class RulerItem(VectorItem):
    kind = MeasureKind.RULER

    def __init__(
        self, overlay_id: str, points: Sequence[Point], colour: QColor = MEASURE_COLOUR
    ) -> None:
        super().__init__(overlay_id, points[:2], colour)

    def length_px(self) -> float:
        a, b = self._points[0], self._points[-1]
        return math.hypot(b.x() - a.x(), b.y() - a.y())

    def label_text(self) -> str:
        return format_length(self.length_px(), self._calibration)

    def label_anchor(self) -> QPointF:
        return (self._points[0] + self._points[-1]) / 2

    def describe(self) -> tuple[str, str]:
        return ("Ruler", self.label_text())

    def paint_shape(self, painter: QPainter) -> None:
        path = self.outline_path()
        line = QLineF(self._points[0], self._points[-1])
        if line.length() > 0:
            normal = line.normalVector().unitVector()
            tick = QPointF(normal.dx(), normal.dy()) * self._screen(7)
            for end in (line.p1(), line.p2()):
                path.moveTo(end - tick)
                path.lineTo(end + tick)
        self.draw_path(painter, path)

    def to_measurement(self) -> Measurement:
        return Measurement(self.overlay_id, MeasureKind.RULER, self.scene_points())


class CalibrationLine(RulerItem):
    """The line drawn to calibrate: shown while the real length is asked, never saved."""

    def __init__(self, points: Sequence[Point]) -> None:
        super().__init__("calibration", points, CALIBRATION_COLOUR)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)

    def label_text(self) -> str:
        return f"Calibrate: {self.length_px():.0f} px"


class AreaItem(VectorItem):
    kind = MeasureKind.AREA
    closed = True
    min_points = 3

    def __init__(self, overlay_id: str, points: Sequence[Point]) -> None:
        super().__init__(overlay_id, points, MEASURE_COLOUR)

    def _local_points(self) -> tuple[Point, ...]:
        return tuple((p.x(), p.y()) for p in self._points)

    def area_px2(self) -> float:
        return polygon_area(self._local_points())

    def diameter(self) -> tuple[float, QPointF, QPointF]:
        length, a, b = longest_diameter(self._local_points())
        return length, QPointF(*a), QPointF(*b)

    def label_text(self) -> str:
        if len(self._points) < 3:
            return ""
        length = self.diameter()[0]
        return (
            f"{format_area(self.area_px2(), self._calibration)}  ·  "
            f"Ø {format_length(length, self._calibration)}"
        )

    def label_anchor(self) -> QPointF:
        rect = self.outline_path().boundingRect()
        return QPointF(rect.right(), rect.top())

    def describe(self) -> tuple[str, str]:
        return ("Area", self.label_text())

    def paint_shape(self, painter: QPainter) -> None:
        path = self.outline_path()
        painter.fillPath(path, QBrush(QColor(255, 213, 74, 38)))
        self.draw_path(painter, path)
        if len(self._points) >= 3:
            _, a, b = self.diameter()
            diameter = QPainterPath(a)
            diameter.lineTo(b)
            self.draw_path(painter, diameter, dashed=True)

    def to_measurement(self) -> Measurement:
        return Measurement(self.overlay_id, MeasureKind.AREA, self.scene_points())


class ArrowItem(VectorItem):
    kind = AnnotationKind.ARROW

    def __init__(self, overlay_id: str, points: Sequence[Point]) -> None:
        super().__init__(overlay_id, points[:2], ANNOTATION_COLOUR)

    def describe(self) -> tuple[str, str]:
        return ("Arrow", "")

    def paint_shape(self, painter: QPainter) -> None:
        path = self.outline_path()
        line = QLineF(self._points[-1], self._points[0])  # from the head back to the tail
        if line.length() > 0:
            size = self._screen(14)
            for turn in (25.0, -25.0):
                wing = QLineF(line)
                wing.setAngle(line.angle() + turn)
                wing.setLength(size)
                path.moveTo(wing.p1())
                path.lineTo(wing.p2())
        self.draw_path(painter, path)

    def to_annotation(self) -> Annotation:
        return Annotation(self.overlay_id, AnnotationKind.ARROW, self.scene_points())


class EllipseItem(VectorItem):
    kind = AnnotationKind.ELLIPSE

    def __init__(self, overlay_id: str, points: Sequence[Point]) -> None:
        super().__init__(overlay_id, points[:2], ANNOTATION_COLOUR)

    def outline_path(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QRectF(self._points[0], self._points[-1]).normalized())
        return path

    def shape(self) -> QPainterPath:
        path = super().shape()
        path.addPath(self.outline_path())
        return path

    def describe(self) -> tuple[str, str]:
        return ("Ellipse", "")

    def to_annotation(self) -> Annotation:
        return Annotation(self.overlay_id, AnnotationKind.ELLIPSE, self.scene_points())


class TextItem(VectorItem):
    kind = AnnotationKind.TEXT
    min_points = 1

    def __init__(self, overlay_id: str, point: Point, text: str) -> None:
        self._text = text
        super().__init__(overlay_id, [point], ANNOTATION_COLOUR)

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        self.refresh()
        self.on_change(self)

    def label_text(self) -> str:
        return self._text

    def label_anchor(self) -> QPointF:
        return self._points[0]

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        pad = self._screen(HANDLE_PX + 4)
        point = self._points[0]
        return QRectF(point.x() - pad, point.y() - pad, 2 * pad, 2 * pad)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def paint_shape(self, painter: QPainter) -> None:
        radius = self._screen(4)
        painter.setPen(self._pen(HALO, 1.5))
        painter.setBrush(self._colour)
        painter.drawEllipse(self._points[0], radius, radius)

    def describe(self) -> tuple[str, str]:
        return ("Text", self._text)

    def to_annotation(self) -> Annotation:
        return Annotation(self.overlay_id, AnnotationKind.TEXT, self.scene_points(), self._text)


__all__ = [
    "ANNOTATION_COLOUR",
    "CALIBRATION_COLOUR",
    "HALO",
    "HANDLE_PX",
    "MEASURE_COLOUR",
    "PICK_PX",
    "AreaItem",
    "ArrowItem",
    "CalibrationLine",
    "EllipseItem",
    "Label",
    "RulerItem",
    "TextItem",
    "VectorItem",
    "format_area",
    "format_length",
]

"""Vector overlay items: ruler, area outline, arrow, ellipse, text — editable, never burned in.

Every item keeps its points in image pixel coordinates (the scene's
coordinates), so what is saved is exactly ``domain.imaging.Overlay``. Lines
are cosmetic (the same width at any zoom) with a dark halo so they read on
any skin tone; labels ignore the view transform so they stay upright and
legible when the image is zoomed, rotated or flipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

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

MEASURE_COLOUR = QColor("#ffd54a")  # amber: measurements
ANNOTATION_COLOUR = QColor("#4fd1ff")  # cyan: arrows, ellipses, text
CALIBRATION_COLOUR = QColor("#7dff8a")  # green: the line being calibrated
HALO = QColor(0, 0, 0, 170)
HANDLE_PX = 9.0  # handle squares, in screen pixels
PICK_PX = 8.0  # how near (screen pixels) a click must be to take a line


def format_length(px: float, calibration: Calibration | None) -> str:
    if calibration is None:
        return f"{px:.0f} px"
    mm = px * calibration.mm_per_pixel
    return f"{mm:.2f} mm" if mm < 10 else f"{mm:.1f} mm"


def format_area(px2: float, calibration: Calibration | None) -> str:
    if calibration is None:
        return f"{px2:,.0f} px²"
    return f"{px2 * calibration.mm_per_pixel**2:.1f} mm²"


class Label(QGraphicsItem):
    """A dark rounded tag with white text, drawn in screen pixels beside its anchor."""

    def __init__(self, parent: QGraphicsItem, colour: QColor) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._text = ""
        self._colour = colour
        self._font = QFont()
        self._font.setPointSizeF(10)
        self._font.setBold(True)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text != self._text:
            self.prepareGeometryChange()
            self._text = text

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        metrics = QFontMetricsF(self._font)
        return QRectF(10, 8, metrics.horizontalAdvance(self._text) + 14, metrics.height() + 6)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if not self._text:
            return
        rect = self.boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self._colour, 1))
        painter.setBrush(QColor(12, 16, 20, 215))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setFont(self._font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._text)


class VectorItem(QGraphicsItem):
    """Base of every overlay item: points, selection handles, point dragging, change callback."""

    closed = False
    min_points = 2

    def __init__(self, overlay_id: str, points: Sequence[Point], colour: QColor) -> None:
        super().__init__()
        self.overlay_id = overlay_id
        self._points = [QPointF(x, y) for x, y in points]
        self._colour = colour
        self._calibration: Calibration | None = None
        self._scale = 1.0  # view scale (screen px per image px), for sizes given in screen px
        self._dragged_handle: int | None = None
        self.on_change: Callable[[VectorItem], None] = lambda item: None
        self.label = Label(self, colour)
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsSelectable | flags.ItemIsMovable | flags.ItemSendsGeometryChanges)
        self.setZValue(10)
        self.refresh()

    # --- data ------------------------------------------------------------------------------

    def scene_points(self) -> tuple[Point, ...]:
        offset = self.pos()
        return tuple((p.x() + offset.x(), p.y() + offset.y()) for p in self._points)

    def set_points(self, points: Sequence[Point]) -> None:
        self.prepareGeometryChange()
        self._points = [QPointF(x - self.pos().x(), y - self.pos().y()) for x, y in points]
        self.refresh()

    def set_calibration(self, calibration: Calibration | None) -> None:
        self._calibration = calibration
        self.refresh()

    def set_view_scale(self, scale: float) -> None:
        if scale > 0 and abs(scale - self._scale) > 1e-9:
            self.prepareGeometryChange()
            self._scale = scale

    def refresh(self) -> None:
        """Recompute the label text (after points or calibration changed)."""
        self.label.set_text(self.label_text())
        self.label.setPos(self.label_anchor())
        self.update()

    def label_text(self) -> str:
        return ""

    def label_anchor(self) -> QPointF:
        return self._points[-1] if self._points else QPointF()

    def describe(self) -> tuple[str, str]:
        """(what, value) for the measurement list."""
        return (type(self).__name__, self.label_text())

    # --- geometry --------------------------------------------------------------------------

    def _screen(self, pixels: float) -> float:
        return pixels / self._scale

    def outline_path(self) -> QPainterPath:
        path = QPainterPath()
        if self._points:
            path.addPolygon(QPolygonF(self._points))
            if self.closed:
                path.closeSubpath()
        return path

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        pad = self._screen(HANDLE_PX + 16)
        return self.outline_path().boundingRect().adjusted(-pad, -pad, pad, pad)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(self._screen(PICK_PX * 2))
        path = stroker.createStroke(self.outline_path())
        if self.closed:
            path.addPath(self.outline_path())
        for point in self._points if self.isSelected() else []:
            half = self._screen(HANDLE_PX)
            path.addRect(QRectF(point.x() - half, point.y() - half, 2 * half, 2 * half))
        return path

    # --- painting --------------------------------------------------------------------------

    def _pen(
        self, colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine
    ) -> QPen:
        pen = QPen(colour, width, style, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        pen.setCosmetic(True)
        return pen

    def draw_path(self, painter: QPainter, path: QPainterPath, dashed: bool = False) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._pen(HALO, 4.5))
        painter.drawPath(path)
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        painter.setPen(self._pen(self._colour, 2.0, style))
        painter.drawPath(path)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_shape(painter)
        if self.isSelected():
            half = self._screen(HANDLE_PX / 2)
            painter.setPen(self._pen(QColor("#000000"), 1.0))
            painter.setBrush(QColor("#ffffff"))
            for point in self._points:
                painter.drawRect(QRectF(point.x() - half, point.y() - half, 2 * half, 2 * half))

    def paint_shape(self, painter: QPainter) -> None:
        self.draw_path(painter, self.outline_path())

    # --- editing ---------------------------------------------------------------------------

    def _handle_at(self, local: QPointF) -> int | None:
        reach = self._screen(HANDLE_PX)
        for index, point in enumerate(self._points):
            if abs(point.x() - local.x()) <= reach and abs(point.y() - local.y()) <= reach:
                return index
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt override
        handle = self._handle_at(event.pos()) if self.isSelected() else None
        if handle is not None and event.button() == Qt.MouseButton.LeftButton:
            self._dragged_handle = handle
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragged_handle is not None:
            self.prepareGeometryChange()
            self._points[self._dragged_handle] = event.pos()
            self.refresh()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragged_handle is not None:
            self._dragged_handle = None
            self.on_change(self)
            return
        super().mouseReleaseEvent(event)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:  # noqa: N802 - Qt override
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.on_change(self)
        return super().itemChange(change, value)


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

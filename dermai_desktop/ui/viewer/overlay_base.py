"""What every vector overlay item shares: colours, the upright label, handles and dragging.

Every item keeps its points in image pixel coordinates (the scene's
coordinates), so what is saved is exactly ``domain.imaging.Overlay``. Lines
are cosmetic (the same width at any zoom) with a dark halo so they read on
any skin tone; labels ignore the view transform so they stay upright and
legible when the image is zoomed, rotated or flipped.

The concrete items (ruler, area, arrow, ellipse, text) are in ``overlay_items``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
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

from dermai_desktop.domain.imaging import Calibration, Point

MEASURE_COLOUR = QColor("#ffd54a")  # amber: measurements
ANNOTATION_COLOUR = QColor("#4fd1ff")  # cyan: arrows, ellipses, text
CALIBRATION_COLOUR = QColor("#7dff8a")  # green: the line being calibrated
HALO = QColor(0, 0, 0, 170)
HANDLE_PX = 9.0  # handle squares, in screen pixels
PICK_PX = 8.0  # how near (screen pixels) a click must be to take a line


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

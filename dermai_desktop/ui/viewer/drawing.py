"""The canvas with tools: drawing rulers, outlines, arrows, ellipses, text and calibration lines."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsView, QWidget

from dermai_desktop.domain.imaging import Point
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.image_canvas import ImageCanvas
from dermai_desktop.ui.viewer.overlay_items import (
    MEASURE_COLOUR,
    ArrowItem,
    CalibrationLine,
    EllipseItem,
    RulerItem,
    TextItem,
    VectorItem,
)
from dermai_desktop.ui.viewer.overlay_layer import OverlayLayer
from dermai_desktop.ui.viewer.tools import Tool

#: A drag shorter than this (screen pixels) is a slip of the hand, not a measurement.
MIN_DRAG_PX = 4.0
#: While tracing an outline with the button held, a new point every this many screen pixels.
TRACE_STEP_PX = 6.0


def _pt(point: QPointF) -> Point:
    return (point.x(), point.y())


class DrawingCanvas(ImageCanvas):
    """An ``ImageCanvas`` whose left button draws with the current tool.

    Signals:
        calibration_drawn(object, object): start and end (image pixels) of a calibration line.
        text_requested(object): where a text note should go; the window asks for the words.
        text_edit_requested(object): a ``TextItem`` was double-clicked.
        tool_changed(str): the current tool's value.
    """

    calibration_drawn = Signal(object, object)
    text_requested = Signal(object)
    text_edit_requested = Signal(object)
    tool_changed = Signal(str)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(tasks, parent)
        self.layer = OverlayLayer(self.scene(), self)
        self.on_scale_changed = self.layer.set_view_scale
        self.tool = Tool.PAN
        self._drag_start: QPointF | None = None
        self._preview: VectorItem | None = None
        self._outline: list[Point] = []
        self._outline_band: QGraphicsPathItem | None = None
        self.calibration_line: CalibrationLine | None = None
        self.set_tool(Tool.PAN)

    def set_tool(self, tool: Tool) -> None:
        self.cancel_drawing()
        self.tool = tool
        if tool is Tool.PAN:
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            self.viewport().unsetCursor()
        else:
            self.setDragMode(QGraphicsView.DragMode.NoDrag)
            self.scene().clearSelection()
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        emit(self.tool_changed, tool.value)

    # --- mouse ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if not (self.tool.draws and event.button() == Qt.MouseButton.LeftButton):
            super().mousePressEvent(event)
            return
        if not self.has_image():
            return
        point = self.mapToScene(event.position().toPoint())
        event.accept()
        if self.tool is Tool.AREA:
            self._outline.append(_pt(point))
            self._drag_start = point
            self._update_band(point)
        elif self.tool is Tool.TEXT:
            emit(self.text_requested, _pt(point))
        else:
            self._drag_start = point
            self._preview = self._make_preview(point)
            self.scene().addItem(self._preview)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        point = self.mapToScene(event.position().toPoint())
        if self.tool is Tool.AREA and self._outline:
            held = bool(event.buttons() & Qt.MouseButton.LeftButton)
            last = QPointF(*self._outline[-1])
            if held and self._screen_distance(last, point) >= TRACE_STEP_PX:
                self._outline.append(_pt(point))  # tracing the border freehand
            self._update_band(point)
            event.accept()
            return
        if self._preview is not None and self._drag_start is not None:
            self._preview.set_points([_pt(self._drag_start), _pt(point)])
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._preview is None or event.button() != Qt.MouseButton.LeftButton:
            if self.tool is Tool.AREA and event.button() == Qt.MouseButton.LeftButton:
                event.accept()
                return
            super().mouseReleaseEvent(event)
            return
        point = self.mapToScene(event.position().toPoint())
        start = self._drag_start or point
        preview, self._preview, self._drag_start = self._preview, None, None
        self.scene().removeItem(preview)
        event.accept()
        if self._screen_distance(start, point) < MIN_DRAG_PX:
            return
        self.finish_drag(_pt(start), _pt(point))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.tool is Tool.AREA:
            self.finish_outline()
            event.accept()
            return
        if self.tool is Tool.PAN:
            item = self.itemAt(event.position().toPoint())
            while item is not None and not isinstance(item, TextItem):
                item = item.parentItem()
            if isinstance(item, TextItem):
                emit(self.text_edit_requested, item)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._outline:
            self.finish_outline()
            return
        if event.key() == Qt.Key.Key_Escape and (self._outline or self._preview is not None):
            self.cancel_drawing()
            return
        super().keyPressEvent(event)

    # --- finishing --------------------------------------------------------------------------

    def finish_drag(self, start: Point, end: Point) -> None:
        """A two-point drawing is complete: add it (or, calibrating, show it and ask)."""
        if self.tool is Tool.RULER:
            self.layer.add_ruler(start, end)
        elif self.tool is Tool.ARROW:
            self.layer.add_arrow(start, end)
        elif self.tool is Tool.ELLIPSE:
            self.layer.add_ellipse(start, end)
        elif self.tool is Tool.CALIBRATE:
            self.clear_calibration_line()
            self.calibration_line = CalibrationLine((start, end))
            self.calibration_line.set_view_scale(self.zoom)
            self.scene().addItem(self.calibration_line)
            emit(self.calibration_drawn, start, end)

    def finish_outline(self) -> None:
        # The double-click's first press added a point on top of the last one; drop repeats.
        points: list[Point] = []
        for point in self._outline:
            if not points or self._screen_distance(QPointF(*points[-1]), QPointF(*point)) >= 1.0:
                points.append(point)
        self.cancel_drawing()
        if len(points) >= 3:
            self.layer.add_area(points)

    def cancel_drawing(self) -> None:
        if self._preview is not None:
            self.scene().removeItem(self._preview)
        self._preview = None
        self._drag_start = None
        self._outline = []
        if self._outline_band is not None:
            self.scene().removeItem(self._outline_band)
            self._outline_band = None

    def clear_calibration_line(self) -> None:
        if self.calibration_line is not None:
            self.scene().removeItem(self.calibration_line)
            self.calibration_line = None

    # --- helpers ----------------------------------------------------------------------------

    def _make_preview(self, point: QPointF) -> VectorItem:
        points = [_pt(point), _pt(point)]
        preview: VectorItem
        if self.tool is Tool.ARROW:
            preview = ArrowItem("preview", points)
        elif self.tool is Tool.ELLIPSE:
            preview = EllipseItem("preview", points)
        elif self.tool is Tool.CALIBRATE:
            preview = CalibrationLine(points)
        else:
            preview = RulerItem("preview", points)
        preview.set_view_scale(self.zoom)
        preview.set_calibration(self.layer.calibration)
        return preview

    def _update_band(self, cursor: QPointF) -> None:
        path = QPainterPath(QPointF(*self._outline[0]))
        for point in self._outline[1:]:
            path.lineTo(QPointF(*point))
        path.lineTo(cursor)
        if self._outline_band is None:
            self._outline_band = QGraphicsPathItem()
            pen = QPen(QColor(MEASURE_COLOUR), 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self._outline_band.setPen(pen)
            self._outline_band.setZValue(20)
            self.scene().addItem(self._outline_band)
        self._outline_band.setPath(path)

    def _screen_distance(self, a: QPointF, b: QPointF) -> float:
        delta = self.mapFromScene(a) - self.mapFromScene(b)
        return float((delta.x() ** 2 + delta.y() ** 2) ** 0.5)

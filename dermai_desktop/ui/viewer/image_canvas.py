"""The image canvas: a QGraphicsView over one image, zoom/pan/rotate/flip and display adjustments.

Scene coordinates are always the full image's pixel coordinates, whatever
resolution is on screen: the reduced preview and the full decode are two
levels of one ``ImageItem`` that paints the smallest level sharp enough for
the current zoom. So the full image swaps in without the view moving, and
overlay points are stored in the same coordinates they are drawn in.
Rotation and flips live in the view transform only; pixels are never touched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGestureEvent,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QPinchGesture,
    QStyleOptionGraphicsItem,
    QWidget,
)

from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.source import Adjustment, Level, readjust

MIN_ZOOM = 0.01
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25
CANVAS_BACKGROUND = QColor("#101418")


class ImageItem(QGraphicsItem):
    """One image at one or more resolutions, always spanning full-image pixel coordinates."""

    def __init__(self, full_width: int, full_height: int) -> None:
        super().__init__()
        self.full_width = full_width
        self.full_height = full_height
        self.levels: list[Level] = []
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setZValue(0)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, self.full_width, self.full_height)

    def set_level(self, level: Level) -> None:
        """Add a resolution, or replace the one of the same size (a re-adjusted copy)."""
        self.levels = [old for old in self.levels if old.width != level.width] + [level]
        self.levels.sort(key=lambda lv: lv.width)
        self.update()

    def best_level(self, scale: float) -> Level | None:
        wanted = self.full_width * scale * 0.9
        for level in self.levels:
            if level.width >= wanted:
                return level
        return self.levels[-1] if self.levels else None

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        level = self.best_level(scale)
        if level is None:
            return
        target = option.exposedRect.intersected(self.boundingRect())
        if target.isEmpty():
            return
        kx, ky = level.width / self.full_width, level.height / self.full_height
        source = QRectF(target.x() * kx, target.y() * ky, target.width() * kx, target.height() * ky)
        # Smooth when shrinking; above 2x show the real pixels, as clinicians expect when they zoom.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 2.0)
        painter.drawImage(target, level.image, source)


class ImageCanvas(QGraphicsView):
    """Zoom, pan, rotate, flip and brightness/contrast for one image; overlays live in its scene.

    Signals:
        view_changed(): zoom, rotation, flip or scroll position changed (status line, sync).
        first_frame_painted(): the first frame with pixels reached the screen (benchmark).
    """

    view_changed = Signal()
    first_frame_painted = Signal()

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.setScene(QGraphicsScene(self))
        self.setObjectName("imageCanvas")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(CANVAS_BACKGROUND)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self.image_item: ImageItem | None = None
        self.zoom = 1.0
        self.rotation = 0  # degrees clockwise, a multiple of 90
        self.flipped_h = False
        self.flipped_v = False
        self.adjustment = Adjustment()
        self._fitted = True  # keep fitting on resize until the user zooms or pans
        self._painted = False
        self._pan_from: QPoint | None = None
        self._adjust_generation = 0
        self._pinch_start_zoom = 1.0
        self.on_scale_changed: Callable[[float], None] = lambda scale: None
        self.horizontalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

    # --- the image --------------------------------------------------------------------------

    def show_image(self, level: Level, full_width: int, full_height: int) -> None:
        """Show the first (often reduced) level and fit it to the window."""
        if self.image_item is not None:
            self.scene().removeItem(self.image_item)
        self.image_item = ImageItem(full_width, full_height)
        self.image_item.set_level(level)
        self.scene().addItem(self.image_item)
        self.scene().setSceneRect(self.image_item.boundingRect())
        self._painted = False
        self.fit()

    def add_level(self, level: Level) -> None:
        """A sharper level arrived (the full decode): same coordinates, so nothing moves."""
        if self.image_item is not None:
            self.image_item.set_level(level)

    def has_image(self) -> bool:
        return self.image_item is not None and bool(self.image_item.levels)

    def image_size(self) -> tuple[int, int]:
        item = self.image_item
        return (item.full_width, item.full_height) if item is not None else (0, 0)

    # --- zoom, rotation, flips ------------------------------------------------------------

    def fit_zoom(self) -> float:
        width, height = self.image_size()
        if not width or not height:
            return 1.0
        if self.rotation % 180:
            width, height = height, width
        view = self.viewport().size()
        return max(MIN_ZOOM, min(view.width() / width, view.height() / height) * 0.98)

    def fit(self) -> None:
        self._fitted = True
        self._set_transform(self.fit_zoom())
        width, height = self.image_size()
        self.centerOn(width / 2, height / 2)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor)

    def set_zoom(self, zoom: float, anchor: QPoint | None = None) -> None:
        self._fitted = False
        self._set_transform(max(MIN_ZOOM, min(MAX_ZOOM, zoom)), anchor)

    def rotate_by(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._refit_or_keep()

    def flip_horizontal(self) -> None:
        self.flipped_h = not self.flipped_h
        self._refit_or_keep()

    def flip_vertical(self) -> None:
        self.flipped_v = not self.flipped_v
        self._refit_or_keep()

    def _refit_or_keep(self) -> None:
        if self._fitted:
            self.fit()
        else:
            self._set_transform(self.zoom)

    def _set_transform(self, zoom: float, anchor: QPoint | None = None) -> None:
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        scene_point = self.mapToScene(anchor)
        self.zoom = zoom
        transform = QTransform()
        transform.scale(-zoom if self.flipped_h else zoom, -zoom if self.flipped_v else zoom)
        transform.rotate(self.rotation)
        self.setTransform(transform)
        # Keep the point under the anchor (the pointer, or the centre) where it was.
        moved = self.mapFromScene(scene_point) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())
        self.on_scale_changed(zoom)
        emit(self.view_changed)

    # --- view state for synchronised comparison -----------------------------------------

    def relative_view(self) -> tuple[float, float, float]:
        """(zoom relative to fit, centre x and y as fractions of the image)."""
        width, height = self.image_size()
        centre = self.mapToScene(self.viewport().rect().center())
        return (
            self.zoom / self.fit_zoom(),
            centre.x() / max(1, width),
            centre.y() / max(1, height),
        )

    def apply_relative_view(self, zoom: float, fx: float, fy: float) -> None:
        width, height = self.image_size()
        self._fitted = False
        self._set_transform(max(MIN_ZOOM, min(MAX_ZOOM, zoom * self.fit_zoom())))
        self.centerOn(fx * width, fy * height)

    # --- brightness and contrast (display only) ---------------------------------------------

    def set_adjustment(self, adjustment: Adjustment) -> None:
        """Re-render each level with new brightness/contrast on a worker; stored pixels kept."""
        self.adjustment = adjustment
        self._adjust_generation += 1
        generation = self._adjust_generation
        item = self.image_item
        if item is None:
            return
        for level in list(item.levels):
            self.tasks.run(
                functools.partial(readjust, level, adjustment),
                on_success=functools.partial(self._adjusted, generation=generation),
                pool="io",
                owner=self,
            )

    def _adjusted(self, level: Level, generation: int) -> None:
        if generation == self._adjust_generation and self.image_item is not None:
            self.image_item.set_level(level)
            emit(self.view_changed)

    # --- events -----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._fitted and self.has_image():
            self.fit()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if not self._painted and self.has_image():
            self._painted = True
            emit(self.first_frame_painted)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        self.zoom_by(ZOOM_STEP**steps, event.position().toPoint())
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Gesture and isinstance(event, QGestureEvent):
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if isinstance(pinch, QPinchGesture):
                if pinch.state() == Qt.GestureState.GestureStarted:
                    self._pinch_start_zoom = self.zoom
                anchor = self.viewport().mapFromGlobal(pinch.centerPoint().toPoint())
                self.set_zoom(self._pinch_start_zoom * pinch.totalScaleFactor(), anchor)
                event.accept()
                return True
        if (
            isinstance(event, QNativeGestureEvent)  # macOS trackpads
            and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture
        ):
            self.zoom_by(1.0 + event.value(), event.position().toPoint())
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.MiddleButton:
            self._start_pan(event.position().toPoint())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.pan_by(delta)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _start_pan(self, at: QPoint) -> None:
        self._pan_from = at
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def pan_by(self, delta: QPoint) -> None:
        self._fitted = False
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # Arrow keys pan (the window's shortcuts take the letters).
        step = 40
        moves = {
            Qt.Key.Key_Left: QPoint(step, 0),
            Qt.Key.Key_Right: QPoint(-step, 0),
            Qt.Key.Key_Up: QPoint(0, step),
            Qt.Key.Key_Down: QPoint(0, -step),
        }
        pressed = Qt.Key(event.key())
        if pressed in moves and not self.scene().selectedItems():
            self.pan_by(moves[pressed])
            return
        super().keyPressEvent(event)

    def _scrolled(self, _value: int) -> None:
        emit(self.view_changed)

    def scene_point(self, view_point: QPoint | QPointF) -> QPointF:
        return self.mapToScene(
            view_point.toPoint() if isinstance(view_point, QPointF) else view_point
        )

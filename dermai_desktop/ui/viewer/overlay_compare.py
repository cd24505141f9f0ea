"""Overlay comparison: the later image over the earlier one, with opacity and manual alignment.

The alignment follows ``domain.imaging.Alignment``: about the later image's
own centre, scale, then rotate, then shift by (dx, dy) pixels of the earlier
image; with no shift the two centres coincide.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsView, QWidget

from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.align import ShiftEstimate, estimate_shift, grey
from dermai_desktop.ui.viewer.image_canvas import ImageCanvas, ImageItem
from dermai_desktop.ui.viewer.source import Level

AUTO_ALIGN_SIDE = 512  # the working size for phase correlation


class OverlayCompareView(ImageCanvas):
    """Earlier image below, later above; drag moves the later one, Shift-drag turns/scales it.

    Signals:
        alignment_changed(): the later image was moved, turned or scaled.
        auto_aligned(object): a ``ShiftEstimate`` (applied only when reliable).
    """

    alignment_changed = Signal()
    auto_aligned = Signal(object)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(tasks, parent)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.later_item: ImageItem | None = None
        self.dx = self.dy = self.rotation_deg = 0.0
        self.scale_factor = 1.0
        self._drag_from: QPointF | None = None
        self._drag_turn = False

    def set_later(self, level: Level, full_width: int, full_height: int, opacity: float) -> None:
        if self.later_item is not None:
            self.scene().removeItem(self.later_item)
        self.later_item = ImageItem(full_width, full_height)
        self.later_item.set_level(level)
        self.later_item.setOpacity(opacity)
        self.later_item.setZValue(1)
        self.scene().addItem(self.later_item)
        self._place()

    def add_later_level(self, level: Level) -> None:
        if self.later_item is not None:
            self.later_item.set_level(level)

    def set_opacity(self, opacity: float) -> None:
        if self.later_item is not None:
            self.later_item.setOpacity(opacity)

    def set_alignment(self, dx: float, dy: float, rotation_deg: float, scale: float) -> None:
        self.dx, self.dy, self.rotation_deg = dx, dy, rotation_deg
        self.scale_factor = max(0.05, min(20.0, scale))
        self._place()
        emit(self.alignment_changed)

    def later_transform(self) -> QTransform:
        earlier_w, earlier_h = self.image_size()
        later = self.later_item
        later_w, later_h = (later.full_width, later.full_height) if later else (0, 0)
        transform = QTransform()
        transform.translate(earlier_w / 2 + self.dx, earlier_h / 2 + self.dy)
        transform.rotate(self.rotation_deg)
        transform.scale(self.scale_factor, self.scale_factor)
        transform.translate(-later_w / 2, -later_h / 2)
        return transform

    def _place(self) -> None:
        if self.later_item is not None:
            self.later_item.setTransform(self.later_transform())

    # --- manual alignment -------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self.later_item is not None:
            self._drag_from = self.mapToScene(event.position().toPoint())
            self._drag_turn = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.viewport().setCursor(Qt.CursorShape.SizeAllCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drag_from is None:
            super().mouseMoveEvent(event)
            return
        now = self.mapToScene(event.position().toPoint())
        if self._drag_turn:
            # Shift-drag: sideways turns (a quarter degree per screen pixel), up/down scales.
            screen = (now - self._drag_from) * self.zoom
            self.set_alignment(
                self.dx,
                self.dy,
                self.rotation_deg + screen.x() * 0.25,
                self.scale_factor * 1.002 ** (-screen.y()),
            )
        else:
            delta = now - self._drag_from
            self.set_alignment(
                self.dx + delta.x(), self.dy + delta.y(), self.rotation_deg, self.scale_factor
            )
        self._drag_from = now
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drag_from is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        step = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        turns = {
            Qt.Key.Key_Comma: -0.5 * step,
            Qt.Key.Key_Less: -5.0,
            Qt.Key.Key_Period: 0.5 * step,
            Qt.Key.Key_Greater: 5.0,
        }
        scales = {Qt.Key.Key_PageUp: 1.01, Qt.Key.Key_PageDown: 1 / 1.01}
        if key in moves and self.later_item is not None:
            mx, my = moves[key]
            self.set_alignment(self.dx + mx, self.dy + my, self.rotation_deg, self.scale_factor)
        elif key in turns:
            self.set_alignment(self.dx, self.dy, self.rotation_deg + turns[key], self.scale_factor)
        elif key in scales:
            self.set_alignment(self.dx, self.dy, self.rotation_deg, self.scale_factor * scales[key])
        else:
            super().keyPressEvent(event)

    # --- automatic alignment (translation only) ---------------------------------------------

    def _rendered(
        self, item: ImageItem, transform: QTransform, size: tuple[int, int]
    ) -> np.ndarray:
        picture = QImage(size[0], size[1], QImage.Format.Format_RGB888)
        picture.fill(QColor("#000000"))
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setTransform(transform)
        level = item.levels[0]
        painter.drawImage(
            QRectF(0, 0, item.full_width, item.full_height),
            level.image,
            QRectF(0, 0, level.width, level.height),
        )
        painter.end()
        stride = picture.bytesPerLine()
        raw = np.frombuffer(picture.constBits(), np.uint8).reshape(size[1], stride)
        return raw[:, : size[0] * 3].reshape(size[1], size[0], 3).copy()

    def auto_align(self) -> None:
        """Estimate the remaining shift on a worker; apply it only if the estimate is sure."""
        earlier, later = self.image_item, self.later_item
        if earlier is None or later is None or not earlier.levels or not later.levels:
            return
        ratio = AUTO_ALIGN_SIDE / max(earlier.full_width, earlier.full_height)
        size = (
            max(8, round(earlier.full_width * ratio)),
            max(8, round(earlier.full_height * ratio)),
        )
        down = QTransform.fromScale(ratio, ratio)
        reference = self._rendered(earlier, down, size)
        moving = self._rendered(later, self.later_transform() * down, size)
        self.tasks.run(
            lambda: estimate_shift(grey(reference), grey(moving)),
            on_success=lambda estimate: self._auto_done(estimate, ratio),
            pool="io",
            owner=self,
        )

    def _auto_done(self, estimate: ShiftEstimate, ratio: float) -> None:
        if estimate.reliable:
            self.set_alignment(
                self.dx + estimate.dx / ratio,
                self.dy + estimate.dy / ratio,
                self.rotation_deg,
                self.scale_factor,
            )
        emit(self.auto_aligned, estimate)

"""The body map: four silhouettes side by side with a coloured marker per lesion.

A painted widget rather than a QGraphicsScene: four pictures and a few dozen
dots do not need a scene graph, and painting keeps hit-testing, keyboard
selection and the legend in one place. Positions are stored in each view's
0..1 art coordinates, so the map can be drawn at any size.

Mouse: click a marker to select it, drag it to move it; while ``placing`` is
on, a click on an empty spot of a figure places a new marker. Keyboard: Tab
focuses the map, Left/Right (or Up/Down) select the previous/next marker,
Ctrl+arrows nudge the selected marker, Enter opens it, Escape cancels placing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from dermai_desktop.domain.body_map import ASPECT_RATIO, on_body, site_at
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionStatus
from dermai_desktop.ui import theme
from dermai_desktop.ui.signals import emit

VIEWS = (BodyView.FRONT, BodyView.BACK, BodyView.LEFT, BodyView.RIGHT)
VIEW_TITLES = {
    BodyView.FRONT: "Front",
    BodyView.BACK: "Back",
    BodyView.LEFT: "Left side",
    BodyView.RIGHT: "Right side",
}
# Distinct in hue and lightness, so they stay apart for the common colour-vision deficiencies.
STATUS_COLOURS = {
    LesionStatus.WATCH: "#e08e0b",
    LesionStatus.BIOPSY_PENDING: "#c62828",
    LesionStatus.EXCISED: "#6a4fb3",
    LesionStatus.BENIGN: "#2e8b57",
    LesionStatus.RESOLVED: "#7c8a93",
}
MARKER_RADIUS = 7.0
HIT_RADIUS = 11.0
DRAG_THRESHOLD = 4.0
TITLE_HEIGHT = 22.0
LEGEND_HEIGHT = 26.0
GAP = 10.0
NUDGE = 0.005


_Colours = tuple[QColor, QColor]  # label text, label background


@dataclass(frozen=True, slots=True)
class MapMarker:
    """What the map needs to draw one lesion."""

    lesion_id: str
    label: str
    status: LesionStatus
    position: BodyPoint
    site: str = ""


@cache
def body_map_svg(view: BodyView) -> bytes | None:
    """The silhouette art for ``view`` (read once per run; None if the resources are missing)."""
    root = theme.resources_dir()
    if root is None:
        return None
    try:
        return (root / "body_map" / f"{view.value}.svg").read_bytes()
    except OSError:
        return None


class BodyMapWidget(QWidget):
    """Front, back, left and right silhouettes with lesion markers.

    Signals:
        marker_selected(str): a lesion id ("" when the selection was cleared).
        marker_activated(str): Enter or a double-click on a marker.
        point_placed(object, str): a BodyPoint and the suggested site ("" off any region).
        marker_moved(str, object, str): lesion id, new BodyPoint, suggested site.
    """

    marker_selected = Signal(str)
    marker_activated = Signal(str)
    point_placed = Signal(object, str)
    marker_moved = Signal(str, object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyMap")
        self.setAccessibleName("Body map")
        self.setAccessibleDescription(
            "Front, back, left and right views of the body with lesion markers. "
            "Arrow keys select markers; Control with arrows moves the selected marker."
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(420, 300))
        self._renderers: dict[BodyView, QSvgRenderer] = {}
        for view in VIEWS:
            data = body_map_svg(view)
            if data is not None:
                self._renderers[view] = QSvgRenderer(data, self)
        self._markers: list[MapMarker] = []
        self._selected: str | None = None
        self._placing = False
        self._pending: BodyPoint | None = None  # a placed point not yet saved as a lesion
        self._press: QPointF | None = None
        self._dragging: str | None = None
        self._drag_point: BodyPoint | None = None
        self._editable = True

    # --- public API -----------------------------------------------------------------

    def set_markers(self, markers: list[MapMarker]) -> None:
        self._markers = list(markers)
        if self._selected not in {m.lesion_id for m in self._markers}:
            self._selected = None
        self.update()

    def markers(self) -> list[MapMarker]:
        return list(self._markers)

    def set_editable(self, editable: bool) -> None:
        """A role that may only read the chart sees markers but cannot move them."""
        self._editable = editable
        if not editable:
            self.set_placing(False)

    def set_placing(self, placing: bool) -> None:
        self._placing = placing and self._editable
        self.setCursor(Qt.CursorShape.CrossCursor if self._placing else Qt.CursorShape.ArrowCursor)
        self.update()

    @property
    def placing(self) -> bool:
        return self._placing

    def set_pending(self, point: BodyPoint | None) -> None:
        """Show (or clear) the outline marker of a lesion being added."""
        self._pending = point
        self.update()

    def select(self, lesion_id: str | None, *, notify: bool = False) -> None:
        """Select a marker (from the list); ``notify`` emits ``marker_selected``."""
        self._selected = lesion_id or None
        self.update()
        if notify:
            emit(self.marker_selected, self._selected or "")

    def selected(self) -> str | None:
        return self._selected

    # --- geometry ------------------------------------------------------------------

    def view_rect(self, view: BodyView) -> QRectF:
        """Where ``view``'s art is drawn, keeping its aspect ratio."""
        width = max(1.0, self.width() - 2 * GAP)
        height = max(1.0, self.height() - TITLE_HEIGHT - LEGEND_HEIGHT - GAP)
        cell = (width - GAP * (len(VIEWS) - 1)) / len(VIEWS)
        art_w = min(cell, height * ASPECT_RATIO)
        art_h = art_w / ASPECT_RATIO
        total = art_w * len(VIEWS) + GAP * (len(VIEWS) - 1)
        left = (self.width() - total) / 2 + VIEWS.index(view) * (art_w + GAP)
        top = TITLE_HEIGHT + max(0.0, (height - art_h) / 2)
        return QRectF(left, top, art_w, art_h)

    def to_widget(self, point: BodyPoint) -> QPointF:
        rect = self.view_rect(point.view)
        return QPointF(rect.left() + point.x * rect.width(), rect.top() + point.y * rect.height())

    def to_body(self, pos: QPointF) -> BodyPoint | None:
        """The body point under ``pos``, or None between the figures."""
        for view in VIEWS:
            rect = self.view_rect(view)
            if rect.contains(pos):
                x = min(1.0, max(0.0, (pos.x() - rect.left()) / rect.width()))
                y = min(1.0, max(0.0, (pos.y() - rect.top()) / rect.height()))
                return BodyPoint(view, x, y)
        return None

    def marker_at(self, pos: QPointF) -> MapMarker | None:
        best: tuple[float, MapMarker] | None = None
        for marker in self._markers:
            centre = self.to_widget(marker.position)
            distance = ((centre.x() - pos.x()) ** 2 + (centre.y() - pos.y()) ** 2) ** 0.5
            if distance <= HIT_RADIUS and (best is None or distance < best[0]):
                best = (distance, marker)
        return best[1] if best else None

    # --- events ----------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        marker = self.marker_at(pos)
        if marker is not None:
            self._press = pos
            self._dragging = marker.lesion_id if self._editable else None
            self._drag_point = None
            self.select(marker.lesion_id, notify=True)
            return
        point = self.to_body(pos)
        if self._placing and point is not None and on_body(point.view, point.x, point.y):
            self._pending = point
            self.update()
            emit(self.point_placed, point, site_at(point.view, point.x, point.y) or "")

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if self._dragging is None or self._press is None:
            hovering = self.marker_at(pos) is not None
            if not self._placing:
                self.setCursor(
                    Qt.CursorShape.PointingHandCursor if hovering else Qt.CursorShape.ArrowCursor
                )
            return
        if (pos - self._press).manhattanLength() < DRAG_THRESHOLD and self._drag_point is None:
            return
        marker = self._marker(self._dragging)
        point = self.to_body(pos)
        # A marker stays on its own view; the pointer leaving it clamps to the edge.
        if marker is not None:
            rect = self.view_rect(marker.position.view)
            x = min(1.0, max(0.0, (pos.x() - rect.left()) / rect.width()))
            y = min(1.0, max(0.0, (pos.y() - rect.top()) / rect.height()))
            point = BodyPoint(marker.position.view, x, y)
        if point is not None:
            self._drag_point = point
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        lesion_id, point = self._dragging, self._drag_point
        self._press, self._dragging, self._drag_point = None, None, None
        if lesion_id is not None and point is not None:
            if on_body(point.view, point.x, point.y):
                self._move(lesion_id, point)
            else:
                self.update()  # dropped off the figure: the marker springs back
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        marker = self.marker_at(event.position())
        if marker is not None:
            emit(self.marker_activated, marker.lesion_id)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key, mods = Qt.Key(event.key()), event.modifiers()
        steps: dict[Qt.Key, tuple[int, int]] = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in steps and mods & Qt.KeyboardModifier.ControlModifier:
            self._nudge(*steps[key])
        elif key in steps:
            self._step(1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down) else -1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected:
            emit(self.marker_activated, self._selected)
        elif key == Qt.Key.Key_Escape and self._placing:
            self.set_placing(False)
        else:
            super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            marker = self.marker_at(QPointF(event.pos()))
            if marker is not None:
                QToolTip.showText(event.globalPos(), self._describe(marker), self)
            else:
                point = self.to_body(QPointF(event.pos()))
                site = site_at(point.view, point.x, point.y) if point else None
                if site and self._placing:
                    QToolTip.showText(event.globalPos(), f"Place a lesion here: {site}", self)
                else:
                    QToolTip.hideText()
            return True
        return super().event(event)

    # --- internals ---------------------------------------------------------------------

    def _marker(self, lesion_id: str | None) -> MapMarker | None:
        return next((m for m in self._markers if m.lesion_id == lesion_id), None)

    def _describe(self, marker: MapMarker) -> str:
        site = marker.site or site_at(marker.position.view, marker.position.x, marker.position.y)
        return f"{marker.label} · {marker.status.label}" + (f"\n{site}" if site else "")

    def _move(self, lesion_id: str, point: BodyPoint) -> None:
        self._markers = [
            MapMarker(m.lesion_id, m.label, m.status, point, m.site)
            if m.lesion_id == lesion_id
            else m
            for m in self._markers
        ]
        self.update()
        emit(self.marker_moved, lesion_id, point, site_at(point.view, point.x, point.y) or "")

    def _ordered(self) -> list[MapMarker]:
        return sorted(
            self._markers,
            key=lambda m: (VIEWS.index(m.position.view), m.position.y, m.position.x),
        )

    def _step(self, delta: int) -> None:
        ordered = self._ordered()
        if not ordered:
            return
        ids = [m.lesion_id for m in ordered]
        if self._selected in ids:
            index = (ids.index(self._selected) + delta) % len(ids)
        else:
            index = 0 if delta > 0 else len(ids) - 1
        self.select(ids[index], notify=True)
        marker = ordered[index]
        self.setAccessibleDescription(self._describe(marker).replace("\n", ", "))

    def _nudge(self, dx: int, dy: int) -> None:
        marker = self._marker(self._selected)
        if marker is None or not self._editable:
            return
        x = min(1.0, max(0.0, marker.position.x + dx * NUDGE))
        y = min(1.0, max(0.0, marker.position.y + dy * NUDGE))
        if on_body(marker.position.view, x, y):
            self._move(marker.lesion_id, BodyPoint(marker.position.view, x, y))

    # --- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, muted = QColor(theme.token("text")), QColor(theme.token("muted"))
        title_font = QFont(self.font())
        title_font.setPointSizeF(self.font().pointSizeF() * 0.95)
        title_font.setBold(True)
        for view in VIEWS:
            rect = self.view_rect(view)
            renderer = self._renderers.get(view)
            if renderer is not None and renderer.isValid():
                renderer.render(painter, rect)
            painter.setFont(title_font)
            painter.setPen(muted)
            title = QRectF(rect.left() - GAP / 2, 2, rect.width() + GAP, TITLE_HEIGHT - 4)
            painter.drawText(title, Qt.AlignmentFlag.AlignCenter, VIEW_TITLES[view])
        self._paint_markers(painter, text)
        self._paint_legend(painter, text)
        if self.hasFocus():
            pen = QPen(QColor(theme.token("focus")), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        painter.end()

    def _paint_markers(self, painter: QPainter, text: QColor) -> None:
        label_font = QFont(self.font())
        label_font.setPointSizeF(self.font().pointSizeF() * 0.85)
        label_font.setBold(True)
        painter.setFont(label_font)
        halo = QColor(theme.token("surface"))
        for marker in self._markers:
            point = marker.position
            if marker.lesion_id == self._dragging and self._drag_point is not None:
                point = self._drag_point
            centre = self.to_widget(point)
            chosen = marker.lesion_id == self._selected
            radius = MARKER_RADIUS + (2 if chosen else 0)
            if chosen:
                painter.setPen(QPen(QColor(theme.token("focus")), 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(centre, radius + 4, radius + 4)
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.setBrush(QColor(STATUS_COLOURS[marker.status]))
            painter.drawEllipse(centre, radius, radius)
            self._paint_label(painter, centre, radius, marker.label, (text, halo))
        if self._pending is not None:
            centre = self.to_widget(self._pending)
            pen = QPen(QColor(theme.token("accent")), 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(centre, MARKER_RADIUS + 2, MARKER_RADIUS + 2)
            painter.drawLine(centre + QPointF(-4, 0), centre + QPointF(4, 0))
            painter.drawLine(centre + QPointF(0, -4), centre + QPointF(0, 4))

    def _paint_label(
        self, painter: QPainter, centre: QPointF, radius: float, label: str, colours: _Colours
    ) -> None:
        text, halo = colours
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(label) + 8
        box = QRectF(centre.x() + radius + 3, centre.y() - 9, width, 18)
        if box.right() > self.width() - 2:
            box.moveRight(centre.x() - radius - 3)
        halo.setAlpha(215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(halo)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(text)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_legend(self, painter: QPainter, text: QColor) -> None:
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * 0.9)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        items = [(STATUS_COLOURS[s], s.label) for s in LesionStatus]
        widths = [metrics.horizontalAdvance(label) + 34 for _c, label in items]
        x = (self.width() - sum(widths)) / 2
        y = self.height() - LEGEND_HEIGHT / 2 - 2
        for (colour, label), width in zip(items, widths, strict=True):
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(QColor(colour))
            painter.drawEllipse(QPointF(x + 8, y), 6, 6)
            painter.setPen(text)
            painter.drawText(
                QRectF(x + 18, y - 10, width - 18, 20),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            x += width


__all__ = ["STATUS_COLOURS", "VIEWS", "BodyMapWidget", "MapMarker"]

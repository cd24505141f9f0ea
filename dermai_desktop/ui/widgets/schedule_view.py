"""The appointment grid: a custom-painted scroll area with one column per provider (and day).

Why painted and not QGraphicsView: a busy week holds ~2,000 appointments. A graphics scene
needs one QGraphicsItem (a Python wrapper, a BSP-index entry, its own paint call) per
appointment and rebuilds them on every refresh; here a refresh is one pure-Python layout
pass (``schedule_geometry``) and a paint draws only what intersects the visible rows. The
geometry module does all hit testing, so the interaction logic is testable without Qt,
and the sticky header and time gutter come for free by drawing them last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from dermai_desktop.ui import pyside_guard as _pyside_guard  # noqa: F401 - see module
from dermai_desktop.ui import theme
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.schedule_geometry import (
    BlockSpec,
    Column,
    Grid,
    HitKind,
    Placed,
    Rect,
    closed_intervals,
    snap_down,
)
from dermai_desktop.ui.widgets.schedule_paint import STATUS_BADGES, GridPainter

DRAG_THRESHOLD_PX = 4


def _fmt(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _initials(name: str) -> str:
    parts = [p for p in name.replace("Dr ", "").split() if p[:1].isalpha()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@dataclass(slots=True)
class _Drag:
    kind: HitKind
    placed: Placed | None
    press: QPointF  # viewport coordinates
    content_press_y: float
    active: bool = False
    target_column: int = -1
    target_start: int = 0
    target_end: int = 0


class ScheduleView(QAbstractScrollArea):
    """Paints columns and appointment blocks; turns mouse gestures into requests.

    The view never changes an appointment itself: it emits a request and the screen
    asks the service, then gives the view the new blocks (or explains a refusal).

    Signals:
        slot_clicked(str provider_id, object day, int minute): an empty slot was clicked.
        move_requested(str id, str provider_id, object day, int start_minute)
        resize_requested(str id, int end_minute)
        block_selected(str id): a block was clicked ("" when the selection is cleared).
        block_activated(str id): double-click or Enter on a block.
        context_menu_requested(str id, QPoint global_pos)
        navigate_requested(int step): Left/Right arrow (-1 / +1).
    """

    slot_clicked = Signal(str, object, int)
    move_requested = Signal(str, str, object, int)
    resize_requested = Signal(str, int)
    block_selected = Signal(str)
    block_activated = Signal(str)
    context_menu_requested = Signal(str, QPoint)
    navigate_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleView")
        self.setAccessibleName("Appointments grid")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.columns: list[Column] = []
        self.blocks: list[BlockSpec] = []
        self.placed: list[Placed] = []
        self.day_start_min = 7 * 60
        self.day_end_min = 19 * 60
        self.px_per_min = 1.6
        self.slot_minutes = 15
        self.drag_step = 5
        self.now: datetime | None = None
        self.selected_id = ""
        self.week_mode = False
        self.column_counts: dict[int, int] = {}
        self._drag: _Drag | None = None
        self._grid = Grid([], width=1.0)
        self._fonts()

    # --- data --------------------------------------------------------------------

    def set_hours(self, start_min: int, end_min: int) -> None:
        self.day_start_min, self.day_end_min = start_min, end_min
        self._relayout()

    def set_columns(self, columns: Sequence[Column], *, week_mode: bool = False) -> None:
        self.columns = list(columns)
        self.week_mode = week_mode
        self._relayout()

    def set_blocks(self, blocks: Sequence[BlockSpec]) -> None:
        self.blocks = [b for b in blocks if b.status != "cancelled"]
        if self.selected_id and not any(b.id == self.selected_id for b in self.blocks):
            self.selected_id = ""
        self._place()
        self.viewport().update()

    def set_now(self, now: datetime | None) -> None:
        self.now = now
        self.viewport().update()

    def block(self, block_id: str) -> BlockSpec | None:
        return next((b for b in self.blocks if b.id == block_id), None)

    def select(self, block_id: str) -> None:
        self.selected_id = block_id
        spec = self.block(block_id)
        self.setAccessibleDescription(self._describe(spec) if spec else "")
        self.viewport().update()

    @property
    def grid(self) -> Grid:
        return self._grid

    @property
    def header_height(self) -> int:
        return 64 if self.week_mode else 52

    def _relayout(self) -> None:
        self._grid = Grid(
            self.columns,
            width=max(self.viewport().width(), 200),
            day_start_min=self.day_start_min,
            day_end_min=self.day_end_min,
            px_per_min=self.px_per_min,
        )
        body = max(self.viewport().height() - self.header_height, 1)
        self.verticalScrollBar().setRange(0, max(int(self._grid.height - body), 0))
        self.verticalScrollBar().setPageStep(body)
        self.verticalScrollBar().setSingleStep(int(self.px_per_min * 15))
        self._place()
        self.viewport().update()

    def _place(self) -> None:
        self.placed = self._grid.place(self.blocks)
        counts: dict[int, int] = {}
        for item in self.placed:
            counts[item.column] = counts.get(item.column, 0) + 1
        self.column_counts = counts

    # --- coordinates ------------------------------------------------------------------

    def content_y(self, viewport_y: float) -> float:
        return viewport_y - self.header_height + self.verticalScrollBar().value()

    def viewport_point(self, column: int, minute: int) -> QPoint:
        """Where (column, minute) is on screen: tests and keyboard booking use it."""
        rect = self._grid.column_rect(column)
        y = self._grid.y_for(minute) + self.header_height - self.verticalScrollBar().value()
        return QPoint(int(rect.x + rect.w / 3), int(y))

    def block_viewport_rect(self, block_id: str) -> QRectF | None:
        for item in self.placed:
            if item.block.id == block_id:
                r = item.rect
                top = r.y + self.header_height - self.verticalScrollBar().value()
                return QRectF(r.x, top, r.w, r.h)
        return None

    def scroll_to_minute(self, minute: int) -> None:
        self.verticalScrollBar().setValue(int(self._grid.y_for(minute)))

    # --- events ---------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fonts()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt override
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if self._drag is None:
            super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        y = self.content_y(pos.y())
        hit = self._grid.hit(pos.x(), y, self.placed) if pos.y() >= self.header_height else None
        if hit is None or hit.kind == HitKind.NOTHING:
            return
        if event.button() == Qt.MouseButton.RightButton:
            if hit.placed is not None:
                self.select(hit.placed.block.id)
                emit(
                    self.context_menu_requested,
                    hit.placed.block.id,
                    event.globalPosition().toPoint(),
                )
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._drag = _Drag(hit.kind, hit.placed, pos, y)
        if hit.placed is not None:
            self.select(hit.placed.block.id)
            emit(self.block_selected, hit.placed.block.id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        drag = self._drag
        if drag is None:
            self._update_cursor(pos)
            return
        if drag.placed is None:
            return
        if not drag.active:
            if (pos - drag.press).manhattanLength() < DRAG_THRESHOLD_PX:
                return
            drag.active = True
        y = self.content_y(pos.y())
        block = drag.placed.block
        if drag.kind == HitKind.RESIZE:
            drag.target_column = drag.placed.column
            drag.target_start = block.start_min
            drag.target_end = self._grid.resized(drag.placed, y, self.drag_step)
        else:
            col, start = self._grid.moved(
                drag.placed, drag.content_press_y, pos.x(), y, self.drag_step
            )
            drag.target_column, drag.target_start = col, start
            drag.target_end = start + block.end_min - block.start_min
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self.viewport().update()
        if drag.kind == HitKind.EMPTY:
            col = self._grid.column_at(drag.press.x())
            if col >= 0:
                column = self.columns[col]
                minute = snap_down(self._grid.minute_at(drag.content_press_y), self.slot_minutes)
                if self.selected_id:
                    self.select("")
                    emit(self.block_selected, "")
                emit(self.slot_clicked, column.provider_id, column.day, minute)
            return
        if drag.placed is None or not drag.active:
            return
        block = drag.placed.block
        if drag.kind == HitKind.RESIZE:
            if drag.target_end != block.end_min:
                emit(self.resize_requested, block.id, drag.target_end)
            return
        column = self.columns[drag.target_column]
        unchanged = (
            column.provider_id == block.provider_id
            and column.day == block.day
            and drag.target_start == block.start_min
        )
        if not unchanged:
            emit(self.move_requested, block.id, column.provider_id, column.day, drag.target_start)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        hit = self._grid.hit(pos.x(), self.content_y(pos.y()), self.placed)
        if hit.placed is not None:
            emit(self.block_activated, hit.placed.block.id)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            emit(self.navigate_requested, -1 if key == Qt.Key.Key_Left else 1)
            return
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._drag = None
            self.viewport().update()
            return
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier
        ):
            self._step_selection(-1 if key == Qt.Key.Key_Backtab else 1)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected_id:
            emit(self.block_activated, self.selected_id)
            return
        if key == Qt.Key.Key_Menu and self.selected_id:
            rect = self.block_viewport_rect(self.selected_id)
            point = rect.center().toPoint() if rect else QPoint(0, 0)
            emit(self.context_menu_requested, self.selected_id, self.viewport().mapToGlobal(point))
            return
        super().keyPressEvent(event)

    def _step_selection(self, step: int) -> None:
        """Ctrl+Tab walks the blocks in time order: the keyboard way to reach one."""
        order = sorted(self.placed, key=lambda p: (p.block.day, p.block.start_min, p.column))
        if not order:
            return
        ids = [p.block.id for p in order]
        index = ids.index(self.selected_id) + step if self.selected_id in ids else 0
        block_id = ids[index % len(ids)]
        self.select(block_id)
        emit(self.block_selected, block_id)
        rect = self.block_viewport_rect(block_id)
        if rect is not None and not self.viewport().rect().contains(rect.toRect()):
            spec = self.block(block_id)
            if spec is not None:
                self.scroll_to_minute(spec.start_min - 30)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            pos = QPointF(event.pos())
            hit = self._grid.hit(pos.x(), self.content_y(pos.y()), self.placed)
            if hit.placed is not None:
                QToolTip.showText(event.globalPos(), self._describe(hit.placed.block), self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _update_cursor(self, pos: QPointF) -> None:
        if pos.y() < self.header_height:
            self.viewport().unsetCursor()
            return
        hit = self._grid.hit(pos.x(), self.content_y(pos.y()), self.placed)
        shapes = {
            HitKind.RESIZE: Qt.CursorShape.SizeVerCursor,
            HitKind.BODY: Qt.CursorShape.OpenHandCursor,
            HitKind.EMPTY: Qt.CursorShape.PointingHandCursor,
        }
        shape = shapes.get(hit.kind)
        if shape is None:
            self.viewport().unsetCursor()
        else:
            self.viewport().setCursor(shape)

    @staticmethod
    def _describe(block: BlockSpec) -> str:
        label = STATUS_BADGES.get(block.status, (block.status,))[0]
        text = f"{_fmt(block.start_min)}–{_fmt(block.end_min)}  {block.title}"
        described = f"{text}\n{block.detail}\nStatus: {label}".strip()
        if block.series:
            described += f"\nPart of a series: {block.series}"
        return described

    # --- painting ----------------------------------------------------------------------

    def _fonts(self) -> None:
        base = QFont(self.font())
        self.font_small = QFont(base)
        self.font_small.setPointSizeF(max(base.pointSizeF() - 2.0, 7.5))
        self.font_small_bold = QFont(self.font_small)
        self.font_small_bold.setWeight(QFont.Weight.DemiBold)
        self.font_name = QFont(base)
        self.font_name.setPointSizeF(max(base.pointSizeF() - 1.0, 8.0))
        self.font_name.setWeight(QFont.Weight.DemiBold)
        self.font_header = QFont(base)
        self.font_header.setWeight(QFont.Weight.DemiBold)
        self.fm_small = QFontMetrics(self.font_small)
        self.fm_name = QFontMetrics(self.font_name)
        self.fm_header = QFontMetrics(self.font_header)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self.viewport())
        try:
            self.paint(
                painter,
                self.viewport().width(),
                self.viewport().height(),
                self.verticalScrollBar().value(),
            )
        finally:
            painter.end()

    def paint(self, painter: QPainter, width: int, height: int, scroll: int) -> None:
        """Draw everything; separate from paintEvent so a benchmark can paint a full day."""
        GridPainter(self, painter, width, height, scroll).run()

    # for schedule_paint
    def drag_state(self) -> _Drag | None:
        return self._drag if self._drag is not None and self._drag.active else None

    def closed_for(self, column: Column) -> list[tuple[int, int]]:
        return closed_intervals(column, self.day_start_min, self.day_end_min)

    def rect_in_view(self, rect: Rect, scroll: int) -> QRectF:
        return QRectF(rect.x, rect.y + self.header_height - scroll, rect.w, rect.h)

    @staticmethod
    def type_colors(color: str) -> tuple[QColor, QColor]:
        """(stripe, fill) for an appointment type colour: a pale tint reads on both themes."""
        stripe = QColor(color)
        if not stripe.isValid():
            stripe = QColor("#5b8def")
        dark = theme.current_theme() == "dark"
        fill = QColor(stripe)
        if dark:
            fill = fill.darker(260)
        else:
            hue, sat = fill.hsvHueF(), fill.hsvSaturationF()
            fill = QColor.fromHsvF(hue, max(sat * 0.22, 0.05), 0.985)
        return stripe, fill

    @staticmethod
    def brush(color: str) -> QBrush:
        return QBrush(QColor(color))

    @staticmethod
    def pen(color: str, width: float = 1.0) -> QPen:
        return QPen(QColor(color), width)

    @staticmethod
    def today() -> date:
        return date.today()

    fmt = staticmethod(_fmt)
    initials = staticmethod(_initials)

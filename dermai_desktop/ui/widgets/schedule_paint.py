"""Painting of the schedule grid (kept apart from the view's event handling)."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from dermai_desktop.ui import pyside_guard as _pyside_guard  # noqa: F401 - see module
from dermai_desktop.ui import theme
from dermai_desktop.ui.widgets.schedule_geometry import Placed, Rect

if TYPE_CHECKING:
    from dermai_desktop.ui.widgets.schedule_view import ScheduleView

#: label, text colour, fill colour of each status badge (light and dark read the same).
STATUS_BADGES: dict[str, tuple[str, str, str]] = {
    "booked": ("Booked", "#3d4f59", "#e4eaee"),
    "confirmed": ("Confirmed", "#14506b", "#d4ecf6"),
    "arrived": ("Arrived", "#1c5e3a", "#d3f0dd"),
    "in_room": ("In room", "#5a2f86", "#ebdcfa"),
    "completed": ("Done", "#42525b", "#e3e7ea"),
    "no_show": ("No-show", "#8a1f16", "#fbdcd8"),
    "cancelled": ("Cancelled", "#8a1f16", "#fbdcd8"),
}
#: Provider avatar colours in the header (stable per provider id).
AVATAR_COLOURS = ("#2a7f9e", "#7a5ab8", "#b3603a", "#3d8a5a", "#a2457a", "#4b6cb7")
ANTIALIAS_LIMIT = 400
#: room kept at the right of a block's first line for the "repeats" mark
REPEAT_MARK_WIDTH = 14
ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ELIDE = Qt.TextElideMode.ElideRight


def avatar_colour(provider_id: str) -> str:
    return AVATAR_COLOURS[zlib.crc32(provider_id.encode()) % len(AVATAR_COLOURS)]


class GridPainter:
    """One paint pass. Reads the view's state; draws body, blocks, then sticky header/gutter."""

    def __init__(
        self, view: ScheduleView, painter: QPainter, width: int, height: int, scroll: int
    ) -> None:
        self.v = view
        self.p = painter
        self.width = width
        self.height = height
        self.scroll = scroll
        self.hh = view.header_height
        self.grid = view.grid
        tokens = theme.theme_tokens(theme.current_theme())
        self.dark = theme.current_theme() == "dark"
        self.c_surface = QColor(tokens.get("surface", "#ffffff"))
        self.c_window = QColor(tokens.get("window", "#f3f6f8"))
        self.c_header = QColor(tokens.get("header", "#eaf0f3"))
        self.c_border = QColor(tokens.get("border", "#d3dde3"))
        self.c_text = QColor(tokens.get("text", "#1b2a32"))
        self.c_muted = QColor(tokens.get("muted", "#5a6a74"))
        self.c_accent = QColor(tokens.get("accent", "#17708a"))
        self.c_focus = QColor(tokens.get("focus", "#2a9fbf"))
        self.c_closed = QColor("#1a2328" if self.dark else "#eef2f4")
        self.c_hatch = QColor("#222c32" if self.dark else "#e3e9ec")
        self.c_half = QColor(self.c_border)
        self.c_half.setAlpha(110)
        self.c_today = QColor(self.c_accent)
        self.c_today.setAlpha(14)
        self.c_block_text = QColor("#eef3f5") if self.dark else QColor("#17242b")
        self.c_block_muted = QColor("#b7c6cd") if self.dark else self.c_muted
        self.no_show_brush = QBrush(QColor(190, 40, 30, 60), Qt.BrushStyle.BDiagPattern)
        self._cache: dict[str, tuple[QColor, QColor, QPen]] = {}

    def run(self) -> None:
        p = self.p
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(QRectF(0, 0, self.width, self.height), self.c_surface)
        if not self.v.columns:
            return
        top = self.scroll
        bottom = self.scroll + self.height - self.hh
        p.save()
        p.setClipRect(QRectF(0, self.hh, self.width, self.height - self.hh))
        self._columns_background()
        self._lines()
        drag = self.v.drag_state()
        dragged_id = drag.placed.block.id if drag and drag.placed else ""
        visible = [item for item in self.v.placed if item.rect.intersects_y(top, bottom)]
        # Level of detail: a normal screen shows ~50-150 blocks, drawn antialiased; a
        # packed week of 2,000 is drawn with crisp square edges, at a third of the cost.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, len(visible) <= ANTIALIAS_LIMIT)
        for item in visible:
            self._block(item, ghost_source=item.block.id == dragged_id)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if drag is not None and drag.placed is not None and drag.target_column >= 0:
            self._ghost(drag.placed, drag.target_column, drag.target_start, drag.target_end)
        self._now_line()
        p.restore()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._gutter()
        self._header()

    # --- body ------------------------------------------------------------------------

    def _y(self, minute: float) -> float:
        return self.grid.y_for(minute) + self.hh - self.scroll

    def _columns_background(self) -> None:
        p = self.p
        today = self.v.today()
        hatch = QBrush(self.c_hatch, Qt.BrushStyle.BDiagPattern)
        for i, column in enumerate(self.v.columns):
            rect = self.grid.column_rect(i)
            if self.v.week_mode and column.day == today:
                p.fillRect(QRectF(rect.x, self.hh, rect.w, self.height), self.c_today)
            for start, end in self.v.closed_for(column):
                area = QRectF(rect.x, self._y(start), rect.w, self._y(end) - self._y(start))
                p.fillRect(area, self.c_closed)
                p.fillRect(area, hatch)

    def _lines(self) -> None:
        p = self.p
        left, right = self.grid.gutter, float(self.width)
        for hour in self.grid.hour_marks():
            y = round(self._y(hour)) + 0.5
            p.setPen(QPen(self.c_border, 1))
            p.drawLine(QPointF(left - 6, y), QPointF(right, y))
            if hour + 30 < self.grid.day_end_min:
                y2 = round(self._y(hour + 30)) + 0.5
                p.setPen(QPen(self.c_half, 1, Qt.PenStyle.DotLine))
                p.drawLine(QPointF(left, y2), QPointF(right, y2))
        previous = None
        for i, column in enumerate(self.v.columns):
            rect = self.grid.column_rect(i)
            new_day = previous is not None and column.day != previous
            p.setPen(QPen(self.c_border if new_day or i == 0 else self.c_half, 1))
            x = round(rect.x) - 0.5
            p.drawLine(QPointF(x, self.hh), QPointF(x, self.height))
            previous = column.day

    def _palette_for(self, item: Placed) -> tuple[QColor, QColor, QColor]:
        stripe, fill, _pen = self._colours(item.block.color)
        return stripe, fill, self.c_block_text

    def _colours(self, colour: str) -> tuple[QColor, QColor, QPen]:
        """(stripe, fill, border pen) per type colour, made once per paint."""
        cached = self._cache.get(colour)
        if cached is None:
            stripe, fill = self.v.type_colors(colour)
            border = QColor(stripe)
            border.setAlpha(120)
            cached = (stripe, fill, QPen(border, 1))
            self._cache[colour] = cached
        return cached

    def _block(self, item: Placed, *, ghost_source: bool = False) -> None:
        # Performance: one antialiased drawRoundedRect (fill and border together) and
        # plain fillRects; no QPainterPath, clip path or save/restore per block -- those
        # tripled the cost of a 2,000-appointment week.
        p = self.p
        block = item.block
        r = self.v.rect_in_view(item.rect, self.scroll)
        stripe, fill, pen = self._colours(block.color)
        faded = block.status in ("completed", "no_show") or ghost_source
        if faded:
            p.setOpacity(0.45 if ghost_source else 0.62)
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRoundedRect(r, 4, 4)
        p.fillRect(QRectF(round(r.x()) + 1, round(r.y()) + 2, 3, round(r.height()) - 3), stripe)
        if block.status == "no_show":
            p.fillRect(r.adjusted(4, 1, -1, -1), self.no_show_brush)
        self._block_text(item, r, self.c_block_text)
        if faded:
            p.setOpacity(1.0)
        if block.id == self.v.selected_id and not ghost_source:
            p.setPen(QPen(self.c_focus, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 4, 4)

    def _block_text(self, item: Placed, r: QRectF, text: QColor) -> None:
        p = self.p
        v = self.v
        block = item.block
        x, w = r.x() + 8, r.width() - 11
        if w < 12:
            return
        compact = r.width() < 110  # week view: start time and family name only
        time_text = (
            v.fmt(block.start_min)
            if compact
            else (f"{v.fmt(block.start_min)}–{v.fmt(block.end_min)}")
        )
        title = block.title.split(",")[0] if compact else block.title
        badge_w = self._badge_width(block.status) if r.width() >= 120 else 0
        line_h = v.fm_small.height()
        mark_w = REPEAT_MARK_WIDTH if block.series and w >= 40 else 0
        if r.height() < line_h * 2 + 6:  # one line: "09:00 Name"
            p.setFont(v.font_name)
            p.setPen(text)
            label = title if compact else f"{v.fmt(block.start_min)}  {title}"
            avail = w - (badge_w + 4 if badge_w else 0) - mark_w
            p.drawText(
                QRectF(x, r.y(), avail, min(r.height(), line_h + 6)),
                ALIGN_LEFT,
                v.fm_name.elidedText(label, ELIDE, int(avail)),
            )
            if mark_w:
                self._repeat_mark(QPointF(x + avail + mark_w / 2, r.y() + 8))
            if badge_w:
                self._badge(block.status, QRectF(r.right() - badge_w - 4, r.y() + 3, badge_w, 15))
            elif r.width() >= 24:
                self._status_dot(block.status, QPointF(r.right() - 7, r.y() + 7))
            return
        y = r.y() + 3
        p.setFont(v.font_small)
        p.setPen(self.c_block_muted)
        avail = w - (badge_w + 4 if badge_w else 0) - mark_w
        if mark_w:
            self._repeat_mark(QPointF(x + avail + mark_w / 2, y + line_h / 2))
            p.setFont(v.font_small)
            p.setPen(self.c_block_muted)
        p.drawText(
            QRectF(x, y, avail, line_h),
            ALIGN_LEFT,
            v.fm_small.elidedText(time_text, ELIDE, int(avail)),
        )
        if badge_w:
            self._badge(block.status, QRectF(r.right() - badge_w - 4, y + 1, badge_w, 15))
        elif r.width() >= 24:
            self._status_dot(block.status, QPointF(r.right() - 7, y + 7))
        y += line_h + 1
        p.setFont(v.font_name)
        p.setPen(text)
        name_h = v.fm_name.height()
        p.drawText(QRectF(x, y, w, name_h), ALIGN_LEFT, v.fm_name.elidedText(title, ELIDE, int(w)))
        y += name_h
        if block.detail and y + line_h <= r.bottom() - 1:
            p.setFont(v.font_small)
            p.setPen(self.c_block_muted)
            p.drawText(
                QRectF(x, y, w, line_h),
                ALIGN_LEFT,
                v.fm_small.elidedText(block.detail, ELIDE, int(w)),
            )

    def _repeat_mark(self, centre: QPointF) -> None:
        """A small circular arrow: this visit is one of a repeating series."""
        p = self.p
        radius = 4.0
        p.setPen(QPen(self.c_block_muted, 1.4))
        p.setBrush(Qt.BrushStyle.NoBrush)
        box = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
        p.drawArc(box, 60 * 16, 290 * 16)
        tip = QPointF(centre.x() + radius * 0.5, centre.y() - radius * 0.87)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.c_block_muted)
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(tip.x() - 3.2, tip.y() - 2.2),
                    QPointF(tip.x() + 1.6, tip.y() - 0.2),
                    QPointF(tip.x() - 2.0, tip.y() + 2.6),
                ]
            )
        )

    def _badge_width(self, status: str) -> int:
        label = STATUS_BADGES.get(status, (status,))[0]
        return self.v.fm_small.horizontalAdvance(label) + 12

    def _badge(self, status: str, rect: QRectF) -> None:
        label, fg, bg = STATUS_BADGES.get(status, (status, "#3d4f59", "#e4eaee"))
        p = self.p
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(bg))
        p.drawRoundedRect(rect, 7.5, 7.5)
        p.setPen(QColor(fg))
        p.setFont(self.v.font_small_bold)
        p.drawText(rect, ALIGN_CENTER, label)

    def _status_dot(self, status: str, centre: QPointF) -> None:
        if status == "booked":
            return
        _label, fg, _bg = STATUS_BADGES.get(status, ("", "#3d4f59", ""))
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(QColor(fg))
        self.p.drawEllipse(centre, 3.5, 3.5)

    def _ghost(self, source: Placed, column: int, start: int, end: int) -> None:
        p = self.p
        rect = self.grid.block_rect(column, start, end)
        r = self.v.rect_in_view(rect, self.scroll)
        stripe, fill, text = self._palette_for(source)
        p.save()
        path = QPainterPath()
        path.addRoundedRect(r, 5, 5)
        fill.setAlpha(235)
        p.fillPath(path, fill)
        p.setPen(QPen(stripe, 2, Qt.PenStyle.DashLine))
        p.drawPath(path)
        p.setFont(self.v.font_small_bold)
        p.setPen(text)
        label = f"{self.v.fmt(start)}–{self.v.fmt(end)}"
        p.drawText(
            r.adjusted(8, 2, -4, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label
        )
        p.restore()

    def _now_line(self) -> None:
        now = self.v.now
        if now is None:
            return
        local = now.astimezone()
        minute = local.hour * 60 + local.minute
        if not self.grid.day_start_min <= minute <= self.grid.day_end_min:
            return
        y = self._y(minute)
        red = QColor("#d2453b")
        for i, column in enumerate(self.v.columns):
            if column.day != local.date():
                continue
            rect = self.grid.column_rect(i)
            self.p.setPen(QPen(red, 2))
            self.p.drawLine(QPointF(rect.x, y), QPointF(rect.right, y))
        if any(c.day == local.date() for c in self.v.columns):
            self.p.setPen(Qt.PenStyle.NoPen)
            self.p.setBrush(red)
            self.p.drawEllipse(QPointF(self.grid.gutter - 1, y), 4, 4)

    # --- sticky parts ----------------------------------------------------------------

    def _gutter(self) -> None:
        p = self.p
        g = self.grid.gutter
        p.fillRect(QRectF(0, self.hh, g - 1, self.height - self.hh), self.c_surface)
        p.setFont(self.v.font_small)
        p.setPen(self.c_muted)
        fm = self.v.fm_small
        for hour in self.grid.hour_marks():
            y = self._y(hour)
            if y < self.hh - 2 or y > self.height:
                continue
            label = f"{hour // 60:02d}:00"
            p.drawText(
                QRectF(
                    0,
                    y - fm.height() / 2 + (fm.height() / 2 if y < self.hh + 8 else 0),
                    g - 12,
                    fm.height(),
                ),
                ALIGN_RIGHT,
                label,
            )
        p.setPen(QPen(self.c_border, 1))
        p.drawLine(QPointF(g - 0.5, self.hh), QPointF(g - 0.5, self.height))

    def _header(self) -> None:
        p = self.p
        p.fillRect(QRectF(0, 0, self.width, self.hh), self.c_header)
        if self.v.week_mode:
            self._week_header()
        else:
            self._day_header()
        p.setPen(QPen(self.c_border, 1))
        p.drawLine(QPointF(0, self.hh - 0.5), QPointF(self.width, self.hh - 0.5))

    def _day_header(self) -> None:
        p = self.p
        v = self.v
        for i, column in enumerate(v.columns):
            rect = self.grid.column_rect(i)
            self._avatar(
                column.provider_id, column.provider_name, QPointF(rect.x + 24, self.hh / 2), 15
            )
            x = rect.x + 46
            w = rect.w - 52
            count = v.column_counts.get(i, 0)
            p.setFont(v.font_header)
            p.setPen(self.c_text)
            p.drawText(
                QRectF(x, 8, w, v.fm_header.height()),
                ALIGN_LEFT,
                v.fm_header.elidedText(column.provider_name, ELIDE, int(w)),
            )
            p.setFont(v.font_small)
            p.setPen(self.c_muted)
            if not column.open_intervals:
                sub = "Not working today"
            else:
                sub = f"{count} appointment{'s' if count != 1 else ''}"
            p.drawText(
                QRectF(x, 10 + v.fm_header.height(), w, v.fm_small.height()),
                ALIGN_LEFT,
                v.fm_small.elidedText(sub, ELIDE, int(w)),
            )
            if i:
                p.setPen(QPen(self.c_border, 1))
                p.drawLine(QPointF(rect.x - 0.5, 10), QPointF(rect.x - 0.5, self.hh - 10))

    def _week_header(self) -> None:
        p = self.p
        v = self.v
        today = v.today()
        for day, x, w in self.grid.day_spans():
            label = day.strftime("%a %d %b").replace(" 0", " ")
            box = QRectF(x + 2, 6, w - 4, 24)
            if day == today:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(self.c_accent)
                p.drawRoundedRect(box, 12, 12)
                p.setPen(QColor("#ffffff"))
            else:
                p.setPen(self.c_text)
            p.setFont(v.font_header)
            p.drawText(box, ALIGN_CENTER, v.fm_header.elidedText(label, ELIDE, int(w - 8)))
        for i, column in enumerate(v.columns):
            rect = self.grid.column_rect(i)
            if rect.w >= 30:
                self._avatar(
                    column.provider_id, column.provider_name, QPointF(rect.x + rect.w / 2, 48), 10
                )
        for _day, x, _w in self.grid.day_spans()[1:]:
            p.setPen(QPen(self.c_border, 1))
            p.drawLine(QPointF(x - 3.5, 8), QPointF(x - 3.5, self.hh - 4))

    def _avatar(self, provider_id: str, name: str, centre: QPointF, radius: float) -> None:
        p = self.p
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(avatar_colour(provider_id)))
        p.drawEllipse(centre, radius, radius)
        font = self.v.font_small_bold if radius < 13 else self.v.font_header
        p.setFont(font)
        p.setPen(QColor("#ffffff"))
        p.drawText(
            QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius),
            ALIGN_CENTER,
            self.v.initials(name),
        )


__all__ = ["STATUS_BADGES", "GridPainter", "Rect", "avatar_colour"]

"""Pieces of the lesion report: the body map with numbered markers, headings, the growth table."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtSvg import QSvgRenderer

from dermai_desktop.domain.body_map import ASPECT_RATIO
from dermai_desktop.domain.imaging import GrowthPoint
from dermai_desktop.domain.lesions import BodyView, Lesion, LesionStatus
from dermai_desktop.ui.widgets.body_map import STATUS_COLOURS, VIEW_TITLES, body_map_svg

if TYPE_CHECKING:
    from dermai_desktop.services.imaging_dto import LesionReport

INK = "#1b2a32"
MUTED = "#5a6a74"
ACCENT = "#17708a"
VIEWS = (BodyView.FRONT, BodyView.BACK, BodyView.LEFT, BodyView.RIGHT)


@cache
def _renderer(view: BodyView) -> QSvgRenderer | None:
    data = body_map_svg(view)
    if data is None:
        return None
    renderer = QSvgRenderer(QByteArray(data))
    return renderer if renderer.isValid() else None


def lesion_heading(number: int, lesion: Lesion) -> tuple[str, str]:
    """The lesion's heading and its one-line details (status, dates, follow-up)."""
    details = [
        lesion.status.label,
        f"{lesion.position.view.label} view",
        f"first noted {lesion.first_noted:%d %b %Y}",
    ]
    if lesion.follow_up_months:
        details.append(f"review every {lesion.follow_up_months} months")
    return f"{number}.  {lesion.label} — {lesion.site}", " · ".join(details)


def draw_body_map(painter: QPainter, rect: QRectF, report: LesionReport, font: QFont) -> None:
    """Four silhouettes side by side, each lesion of the report as a numbered dot."""
    title_h = rect.height() * 0.08
    art_h = rect.height() - title_h * 2.2
    art_w = art_h * ASPECT_RATIO
    legend_w = rect.width() * 0.2
    slot = (rect.width() - legend_w) / len(VIEWS)
    art_w = min(art_w, slot * 0.9)
    art_h = art_w / ASPECT_RATIO
    marker_r = max(art_w * 0.065, 6.0)
    placed: dict[BodyView, list[tuple[int, Lesion]]] = {view: [] for view in VIEWS}
    for number, entry in enumerate(report.lesions, start=1):
        placed[entry.lesion.position.view].append((number, entry.lesion))
    bold = QFont(font)
    bold.setWeight(QFont.Weight.Bold)

    for index, view in enumerate(VIEWS):
        art = QRectF(rect.x() + index * slot + (slot - art_w) / 2, rect.y(), art_w, art_h)
        renderer = _renderer(view)
        if renderer is not None:
            renderer.render(painter, art)
        else:  # the art is missing (a broken install): still show where the markers are
            painter.setPen(QPen(QColor("#c9d3d8")))
            painter.drawRect(art)
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        painter.drawText(
            QRectF(art.x() - slot * 0.05, art.bottom() + title_h * 0.3, slot, title_h),
            int(Qt.AlignmentFlag.AlignHCenter),
            VIEW_TITLES.get(view, view.label),
        )
        for number, lesion in placed[view]:
            centre = QPointF(
                art.x() + lesion.position.x * art.width(),
                art.y() + lesion.position.y * art.height(),
            )
            _marker(
                painter,
                centre,
                marker_r,
                STATUS_COLOURS[lesion.status],
                text=str(number),
                font=bold,
            )
    _legend(painter, rect, legend_w, report, font=font, radius=marker_r)


def _marker(
    painter: QPainter, centre: QPointF, radius: float, colour: str, *, text: str, font: QFont
) -> None:
    painter.setPen(QPen(QColor("white"), radius * 0.25))
    painter.setBrush(QColor(colour))
    painter.drawEllipse(centre, radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QColor("white"))
    painter.setFont(font)
    box = QRectF(centre.x() - radius * 2, centre.y() - radius, radius * 4, radius * 2)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


def _legend(
    painter: QPainter,
    rect: QRectF,
    width: float,
    report: LesionReport,
    *,
    font: QFont,
    radius: float,
) -> None:
    statuses = [s for s in LesionStatus if any(e.lesion.status is s for e in report.lesions)]
    x = rect.right() - width + radius
    y = rect.y() + radius * 2
    line = radius * 3.2
    painter.setFont(font)
    for status in statuses or [LesionStatus.WATCH]:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(STATUS_COLOURS[status]))
        painter.drawEllipse(QPointF(x, y), radius * 0.7, radius * 0.7)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QColor(INK))
        painter.drawText(
            QRectF(x + radius * 1.4, y - line / 2, width - radius * 3, line),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            status.label,
        )
        y += line


# --- growth -----------------------------------------------------------------------------

GROWTH_COLUMNS = (("Date", 0.3), ("Longest diameter", 0.27), ("Area", 0.23), ("Change", 0.2))


def growth_height(layout: Any, growth: Sequence[GrowthPoint]) -> float:
    row = layout.metrics(layout.small).height() * 1.5
    return row * (len(growth) + 2) + 2 * layout.mm


def draw_growth(layout: Any, y: float, growth: Sequence[GrowthPoint]) -> None:
    """A small table of sizes over time and, beside it, a line of the diameter."""
    p: QPainter = layout.p
    row = layout.metrics(layout.small).height() * 1.5
    table_w = layout.width * 0.55
    bold = QFont(layout.small)
    bold.setWeight(QFont.Weight.DemiBold)
    layout.text(
        QRectF(0, y, table_w, row),
        "Growth (largest measured outline)",
        bold,
        INK,
        int(Qt.AlignmentFlag.AlignVCenter),
    )
    y += row
    p.fillRect(QRectF(0, y, table_w, row), QColor("#eaf0f3"))
    _cells(layout, y, row, table_w, [title for title, _w in GROWTH_COLUMNS], font=bold)
    first = growth[0]
    for index, point in enumerate(growth, start=1):
        change = (point.diameter_mm - first.diameter_mm) / first.diameter_mm * 100
        cells = [
            f"{point.taken_on:%d %b %Y}",
            f"{point.diameter_mm:.1f} mm",
            f"{point.area_mm2:.1f} mm²",
            "baseline" if index == 1 else f"{change:+.0f} %",
        ]
        _cells(layout, y + row * index, row, table_w, cells, font=layout.small)
    if len(growth) >= 2:
        chart = QRectF(
            table_w + 6 * layout.mm,
            y,
            layout.width - table_w - 8 * layout.mm,
            row * len(growth) + row * 0.5,
        )
        _chart(layout, chart, growth)


def _cells(
    layout: Any, y: float, row: float, width: float, cells: list[str], *, font: QFont
) -> None:
    x = 0.0
    for text, (_title, share) in zip(cells, GROWTH_COLUMNS, strict=True):
        layout.text(
            QRectF(x + layout.mm, y, width * share, row),
            text,
            font,
            INK,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
        )
        x += width * share


def _chart(layout: Any, rect: QRectF, growth: Sequence[GrowthPoint]) -> None:
    p: QPainter = layout.p
    p.setPen(QPen(QColor("#c9d3d8"), 1))
    p.drawLine(rect.bottomLeft(), rect.bottomRight())
    p.drawLine(rect.bottomLeft(), rect.topLeft())
    days = [(g.taken_on - growth[0].taken_on).days for g in growth]
    values = [g.diameter_mm for g in growth]
    low, high = min(values) * 0.9, max(values) * 1.05
    span_days = max(days[-1], 1)

    def point(day: int, value: float) -> QPointF:
        x = rect.x() + 2 * layout.mm + (rect.width() - 4 * layout.mm) * day / span_days
        y = rect.bottom() - (rect.height() - layout.mm) * (value - low) / max(high - low, 1e-6)
        return QPointF(x, y)

    points = [point(d, v) for d, v in zip(days, values, strict=True)]
    p.setPen(QPen(QColor(ACCENT), max(layout.mm * 0.35, 1.0)))
    for a, b in itertools.pairwise(points):
        p.drawLine(a, b)
    p.setBrush(QColor(ACCENT))
    for dot in points:
        p.drawEllipse(dot, layout.mm * 0.6, layout.mm * 0.6)
    p.setBrush(Qt.BrushStyle.NoBrush)
    layout.text(
        QRectF(rect.x() + layout.mm, rect.y() - layout.mm, rect.width(), layout.mm * 4),
        f"Diameter {values[0]:.1f} → {values[-1]:.1f} mm",
        layout.small,
        MUTED,
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
    )


__all__ = ["ACCENT", "INK", "MUTED", "draw_body_map", "draw_growth", "growth_height"]

"""The printable day sheet: one table per dermatologist, written with Qt's own PDF writer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPageLayout, QPageSize, QPainter, QPdfWriter

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.services.schedule_dto import ScheduleView as ScheduleData
from dermai_desktop.ui import pyside_guard as _pyside_guard  # noqa: F401 - many void calls

COLUMNS = (
    ("Time", 0.13),
    ("Patient", 0.30),
    ("MRN", 0.14),
    ("Type", 0.19),
    ("Room", 0.12),
    ("Status", 0.12),
)


class DaySheetFailed(ExpectedError):
    title = "Day sheet not saved"
    default_message = "The day sheet could not be written."
    default_next_step = "Choose another folder (one you can write to) and try again."


def write_day_sheet(
    path: Path, data: ScheduleData, day: date, provider_id: str | None, clinic_name: str = ""
) -> Path:
    """Write the sheet for local ``day`` (one provider or all) to ``path``; return it."""
    config = data.config
    rows_by_provider: dict[str, list[list[str]]] = {}
    for listing in data.appointments:
        appt = listing.appointment
        local = config.local(appt.start)
        if local.date() != day or (provider_id and appt.provider_id != provider_id):
            continue
        if appt.status.value == "cancelled":
            continue
        try:
            type_label = config.type(appt.type_code).label
        except ExpectedError:
            type_label = appt.type_code
        room = next((r.name for r in config.rooms if r.id == appt.room_id), "")
        end = config.local(appt.end)
        rows_by_provider.setdefault(appt.provider_id, []).append(
            [
                f"{local:%H:%M}–{end:%H:%M}",
                listing.patient.name,
                listing.patient.mrn,
                type_label,
                room,
                appt.status.label,
            ]
        )
    providers = [p for p in data.providers if not provider_id or p.id == provider_id]

    writer = QPdfWriter(str(path))
    writer.setTitle(f"Day sheet {day.isoformat()}")
    writer.setCreator("DermAI Desktop")
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(14, 14, 14, 14),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise DaySheetFailed()
    try:
        _Sheet(painter, writer, day, clinic_name).draw(providers, rows_by_provider)
    finally:
        painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise DaySheetFailed()
    return path


class _Sheet:
    def __init__(self, painter: QPainter, writer: QPdfWriter, day: date, clinic: str) -> None:
        self.p = painter
        self.writer = writer
        self.day = day
        self.clinic = clinic
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        self.width = float(rect.width())
        self.height = float(rect.height())
        self.body = QFont("DejaVu Sans", 9)
        self.bold = QFont(self.body)
        self.bold.setWeight(QFont.Weight.DemiBold)
        self.title = QFont("DejaVu Sans", 15)
        self.title.setWeight(QFont.Weight.DemiBold)
        self.section = QFont("DejaVu Sans", 11)
        self.section.setWeight(QFont.Weight.DemiBold)
        self.small = QFont("DejaVu Sans", 7)
        self.row_h = QFontMetrics(self.body, writer).height() * 1.9
        self.y = 0.0
        self.page = 1

    def draw(self, providers: Sequence[object], rows: dict[str, list[list[str]]]) -> None:
        self._page_header()
        for provider in providers:
            pid = getattr(provider, "id", "")
            name = getattr(provider, "full_name", "")
            entries = rows.get(pid, [])
            self._need(self.row_h * 3)
            self.p.setFont(self.section)
            self.p.setPen(QColor("#0f3b4a"))
            count = f"{len(entries)} appointment{'s' if len(entries) != 1 else ''}"
            self.p.drawText(
                QRectF(0, self.y, self.width, self.row_h * 1.2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{name}  ·  {count}",
            )
            self.y += self.row_h * 1.3
            self._table_header()
            if not entries:
                self._row(["", "No appointments", "", "", "", ""], muted=True)
            for index, entry in enumerate(entries):
                self._need(self.row_h)
                self._row(entry, shaded=index % 2 == 1)
            self.y += self.row_h * 0.8
        self._footer()

    def _page_header(self) -> None:
        p = self.p
        p.setPen(QColor("#1b2a32"))
        p.setFont(self.title)
        fm = QFontMetrics(self.title, self.writer)
        p.drawText(
            QRectF(0, 0, self.width, fm.height()),
            Qt.AlignmentFlag.AlignLeft,
            f"Day sheet — {self.day:%A %d %B %Y}".replace(" 0", " "),
        )
        p.setFont(self.body)
        p.setPen(QColor("#5a6a74"))
        p.drawText(
            QRectF(0, 0, self.width, fm.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            self.clinic,
        )
        self.y = fm.height() * 1.5
        p.setPen(QColor("#17708a"))
        p.drawLine(0, int(self.y), int(self.width), int(self.y))
        self.y += self.row_h * 0.6

    def _table_header(self) -> None:
        self.p.fillRect(QRectF(0, self.y, self.width, self.row_h), QColor("#eaf0f3"))
        self._cells([c for c, _w in COLUMNS], self.bold, QColor("#3a5460"))
        self.y += self.row_h

    def _row(self, cells: list[str], *, shaded: bool = False, muted: bool = False) -> None:
        if shaded:
            self.p.fillRect(QRectF(0, self.y, self.width, self.row_h), QColor("#f6f9fa"))
        self._cells(cells, self.body, QColor("#5a6a74" if muted else "#1b2a32"))
        self.y += self.row_h

    def _cells(self, cells: list[str], font: QFont, colour: QColor) -> None:
        self.p.setFont(font)
        self.p.setPen(colour)
        fm = QFontMetrics(font, self.writer)
        x = 0.0
        for text, (_title, share) in zip(cells, COLUMNS, strict=True):
            w = self.width * share
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(w - 12))
            self.p.drawText(
                QRectF(x + 6, self.y, w - 12, self.row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            x += w

    def _need(self, space: float) -> None:
        if self.y + space > self.height - self.row_h * 1.5:
            self._footer()
            self.writer.newPage()
            self.page += 1
            self._page_header()

    def _footer(self) -> None:
        self.p.setFont(self.small)
        self.p.setPen(QColor("#5a6a74"))
        text = (
            f"Confidential patient information · printed {datetime.now():%d %b %Y %H:%M} · "
            f"page {self.page}"
        )
        self.p.drawText(
            QRectF(0, self.height - self.row_h, self.width, self.row_h),
            Qt.AlignmentFlag.AlignCenter,
            text,
        )

"""The printable lesion report: patient header, body map, each lesion's photos over time.

Written with Qt's own PDF writer (``QPdfWriter``) or sent to a ``QPrinter``:
both are paged paint devices, so one painter routine serves both. The page
is laid out first as a list of blocks with measured heights, then painted,
so every footer can say "page x of y".

The report's pictures are decoded to ``QImage`` (which, unlike ``QPixmap``, is
safe off the GUI thread) by ``decode_pictures`` on a worker; painting them is
then quick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import ImageId
from dermai_desktop.services.imaging_dto import LesionReport, LesionReportEntry, ReportImage
from dermai_desktop.ui import pyside_guard as _pyside_guard  # noqa: F401 - many void calls
from dermai_desktop.ui.reports.report_parts import (
    ACCENT,
    INK,
    MUTED,
    draw_body_map,
    draw_growth,
    growth_height,
    lesion_heading,
)
from dermai_desktop.ui.worker_images import qimage_from_jpeg

#: Pictures are decoded no larger than this: plenty for a 45 mm wide print at 300 dpi.
PICTURE_SIDE = 640
IMAGES_PER_ROW = 4
RESOLUTION = 200  # dpi of the PDF's coordinate system (text stays vector at any dpi)


class ReportFailed(ExpectedError):
    title = "Report not saved"
    default_message = "The lesion report could not be written."
    default_next_step = "Choose another folder (one you can write to) and try again."


Pictures = dict[ImageId, QImage]


def decode_pictures(report: LesionReport, max_side: int = PICTURE_SIDE) -> Pictures:
    """Decode and shrink the report's photos (run on a worker thread)."""
    pictures: Pictures = {}
    for entry in report.lesions:
        for item in entry.images:
            image = qimage_from_jpeg(item.jpeg, max_side)
            if not image.isNull():
                pictures[item.image.id] = image
    return pictures


def write_report_pdf(path: Path, report: LesionReport, pictures: Pictures | None = None) -> int:
    """Write ``report`` as an A4 PDF at ``path``; return the number of pages."""
    writer = QPdfWriter(str(path))
    writer.setTitle("Lesion report")  # never the patient's name: PDF metadata travels
    writer.setCreator("DermAI Desktop")
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(14, 14, 14, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    pages = paint_report(writer, report, pictures)
    if not path.exists() or path.stat().st_size == 0:
        raise ReportFailed()
    return pages


def paint_report(
    device: QPagedPaintDevice, report: LesionReport, pictures: Pictures | None = None
) -> int:
    """Paint ``report`` on a PDF writer or printer; return the number of pages."""
    if pictures is None:
        pictures = decode_pictures(report)
    painter = QPainter()
    if not painter.begin(device):
        raise ReportFailed()
    try:
        layout = _Layout(painter, device, report, pictures)
        return layout.paint()
    finally:
        painter.end()


@dataclass
class _Block:
    height: float
    paint: Callable[[float], None]
    keep_with_next: bool = False


class _Layout:
    def __init__(
        self,
        painter: QPainter,
        device: QPagedPaintDevice,
        report: LesionReport,
        pictures: Pictures,
    ) -> None:
        self.p = painter
        self.device = device
        self.report = report
        self.pictures = pictures
        dpi = device.logicalDpiX()  # QPdfWriter.resolution() or the printer's
        rect = device.pageLayout().paintRectPixels(dpi)
        self.width = float(rect.width())
        self.height = float(rect.height())
        self.mm = dpi / 25.4
        self.body = QFont("DejaVu Sans", 9)
        self.small = QFont("DejaVu Sans", 7)
        self.bold = QFont(self.body)
        self.bold.setWeight(QFont.Weight.DemiBold)
        self.title = QFont("DejaVu Sans", 16)
        self.title.setWeight(QFont.Weight.DemiBold)
        self.section = QFont("DejaVu Sans", 11)
        self.section.setWeight(QFont.Weight.DemiBold)
        self.footer_h = self.metrics(self.small).height() * 2.2

    def metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.device)

    def text_height(self, text: str, font: QFont, width: float) -> float:
        flags = int(Qt.TextFlag.TextWordWrap)
        return self.metrics(font).boundingRect(QRectF(0, 0, width, 1e6), flags, text).height()

    def text(self, rect: QRectF, text: str, font: QFont, colour: str, flags: int = 0) -> None:
        self.p.setFont(font)
        self.p.setPen(QColor(colour))
        self.p.drawText(rect, flags or int(Qt.TextFlag.TextWordWrap), text)

    # --- blocks ---------------------------------------------------------------------------

    def blocks(self) -> list[_Block]:
        blocks = [self._header(), self._body_map()]
        for number, entry in enumerate(self.report.lesions, start=1):
            blocks.extend(self._lesion(number, entry))
        if not self.report.lesions:
            blocks.append(self._paragraph("No lesions were chosen for this report.", MUTED))
        return blocks

    def _header(self) -> _Block:
        report, patient = self.report, self.report.patient
        title_h = self.metrics(self.title).height()
        line_h = self.metrics(self.body).height() * 1.35
        height = title_h * 1.4 + line_h * 3 + 3 * self.mm

        def paint(y: float) -> None:
            self.text(QRectF(0, y, self.width, title_h), "Lesion report", self.title, INK)
            self.text(
                QRectF(0, y, self.width, title_h),
                report.clinic_name,
                self.body,
                MUTED,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            )
            y += title_h * 1.25
            self.p.fillRect(QRectF(0, y, self.width, line_h * 3 + 2 * self.mm), QColor("#eef3f5"))
            y += self.mm
            taken = report.generated_at.date()
            skin = f"Fitzpatrick {patient.fitzpatrick.roman}" if patient.fitzpatrick else ""
            rows = (
                (patient.display_name, f"MRN {patient.mrn}"),
                (
                    f"Born {patient.date_of_birth:%d %b %Y} (age {patient.age_on(taken)})"
                    f" · {patient.sex.value.capitalize()}" + (f" · {skin}" if skin else ""),
                    f"{len(report.lesions)} lesion{'s' if len(report.lesions) != 1 else ''}",
                ),
                (
                    f"Prepared by {report.generated_by}",
                    f"{report.generated_at.astimezone():%d %b %Y %H:%M}",
                ),
            )
            for index, (left, right) in enumerate(rows):
                font = self.section if index == 0 else self.body
                rect = QRectF(2 * self.mm, y, self.width - 4 * self.mm, line_h)
                align = int(Qt.AlignmentFlag.AlignVCenter)
                self.text(rect, left, font, INK, align | int(Qt.AlignmentFlag.AlignLeft))
                self.text(rect, right, self.body, MUTED, align | int(Qt.AlignmentFlag.AlignRight))
                y += line_h

        return _Block(height, paint)

    def _body_map(self) -> _Block:
        height = 72 * self.mm

        def paint(y: float) -> None:
            draw_body_map(
                self.p, QRectF(0, y, self.width, height - 4 * self.mm), self.report, self.small
            )

        return _Block(height, paint)

    def _paragraph(self, text: str, colour: str = INK, font: QFont | None = None) -> _Block:
        font = font or self.body
        height = self.text_height(text, font, self.width) + 1.5 * self.mm

        def paint(y: float) -> None:
            self.text(QRectF(0, y, self.width, height), text, font, colour)

        return _Block(height, paint)

    def _lesion(self, number: int, entry: LesionReportEntry) -> list[_Block]:
        heading, details = lesion_heading(number, entry.lesion)
        head_h = self.metrics(self.section).height() * 1.6

        def paint_heading(y: float) -> None:
            self.p.setPen(QColor(ACCENT))
            self.p.drawLine(0, int(y + 0.5 * self.mm), int(self.width), int(y + 0.5 * self.mm))
            self.text(QRectF(0, y + self.mm, self.width, head_h), heading, self.section, INK)

        blocks = [_Block(head_h + self.mm, paint_heading, keep_with_next=True)]
        blocks.append(self._paragraph(details, MUTED))
        if entry.lesion.impression:
            blocks.append(self._paragraph(f"Impression: {entry.lesion.impression}"))
        for start in range(0, len(entry.images), IMAGES_PER_ROW):
            blocks.append(self._image_row(entry.images[start : start + IMAGES_PER_ROW]))
        if not entry.images:
            blocks.append(self._paragraph("No photographs in this report.", MUTED))
        if entry.growth:
            height = growth_height(self, entry.growth)
            blocks.append(
                _Block(height, lambda y, g=entry.growth: draw_growth(self, y, g))  # type: ignore[misc]
            )
        for line in entry.left_out:
            blocks.append(self._paragraph(line, MUTED, self.small))
        blocks[-1].height += 4 * self.mm  # room before the next lesion
        return blocks

    def _image_row(self, items: Sequence[ReportImage]) -> _Block:
        gap = 3 * self.mm
        cell_w = (self.width - gap * (IMAGES_PER_ROW - 1)) / IMAGES_PER_ROW
        picture_h = cell_w * 0.75
        captions = [self._caption(item) for item in items]
        caption_h = max(self.text_height(c, self.small, cell_w) for c in captions)
        height = picture_h + caption_h + 3 * self.mm

        def paint(y: float) -> None:
            for index, (item, caption) in enumerate(zip(items, captions, strict=True)):
                x = index * (cell_w + gap)
                box = QRectF(x, y, cell_w, picture_h)
                self.p.fillRect(box, QColor("#101417"))
                picture = self.pictures.get(item.image.id)
                if picture is not None:
                    self.p.drawImage(_fit(box, picture.width(), picture.height()), picture)
                self.text(
                    QRectF(x, y + picture_h + self.mm, cell_w, caption_h + self.mm),
                    caption,
                    self.small,
                    INK,
                )

        return _Block(height, paint)

    @staticmethod
    def _caption(item: ReportImage) -> str:
        image = item.image
        lines = [f"{image.taken_on:%d %b %Y} · {image.modality.label}"]
        lines.extend(item.measurements[:3])
        return "\n".join(lines)

    # --- pages ----------------------------------------------------------------------------

    def paginate(self, blocks: list[_Block]) -> list[list[tuple[float, _Block]]]:
        bottom = self.height - self.footer_h
        pages: list[list[tuple[float, _Block]]] = [[]]
        y = 0.0
        for index, block in enumerate(blocks):
            need = block.height
            if block.keep_with_next and index + 1 < len(blocks):
                need += blocks[index + 1].height
            if y + need > bottom and pages[-1]:
                pages.append([])
                y = 0.0
            pages[-1].append((y, block))
            y += block.height
        return pages

    def paint(self) -> int:
        pages = self.paginate(self.blocks())
        for number, page in enumerate(pages, start=1):
            if number > 1:
                self.device.newPage()
            for y, block in page:
                block.paint(y)
            self._footer(number, len(pages))
        return len(pages)

    def _footer(self, page: int, pages: int) -> None:
        y = self.height - self.footer_h * 0.7
        self.p.setPen(QColor("#c9d3d8"))
        self.p.drawLine(0, int(y), int(self.width), int(y))
        rect = QRectF(0, y, self.width, self.footer_h * 0.7)
        align = int(Qt.AlignmentFlag.AlignVCenter)
        patient = self.report.patient
        self.text(
            rect,
            f"Confidential patient information · {patient.display_name} · MRN {patient.mrn}",
            self.small,
            MUTED,
            align | int(Qt.AlignmentFlag.AlignLeft),
        )
        self.text(
            rect,
            f"Page {page} of {pages}",
            self.small,
            MUTED,
            align | int(Qt.AlignmentFlag.AlignRight),
        )


def _fit(box: QRectF, width: int, height: int) -> QRectF:
    """The largest rectangle of the picture's shape centred in ``box``."""
    scale = min(box.width() / max(width, 1), box.height() / max(height, 1))
    w, h = width * scale, height * scale
    return QRectF(box.x() + (box.width() - w) / 2, box.y() + (box.height() - h) / 2, w, h)


__all__ = [
    "PICTURE_SIDE",
    "Pictures",
    "ReportFailed",
    "decode_pictures",
    "paint_report",
    "write_report_pdf",
]

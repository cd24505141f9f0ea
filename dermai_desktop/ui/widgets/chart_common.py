"""Small shared pieces of the chart widgets: local-time formatting, cards, chips, names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.patients import SoapNote
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner

SECTIONS = (
    ("subjective", "Subjective", "History, symptoms, what the patient reports"),
    ("objective", "Objective", "Examination findings: morphology, distribution, dermoscopy"),
    ("assessment", "Assessment", "Diagnosis or differential, severity"),
    ("plan", "Plan", "Treatment, investigations, follow-up"),
)


def local(moment: datetime) -> datetime:
    """Stored times are UTC; people read the workstation's local time."""
    return moment.astimezone()


def fmt_time(moment: datetime) -> str:
    return local(moment).strftime("%H:%M")


def fmt_datetime(moment: datetime) -> str:
    return local(moment).strftime("%d %b %Y, %H:%M").lstrip("0")


def fmt_date(day: date | datetime) -> str:
    if isinstance(day, datetime):
        day = local(day).date()
    return day.strftime("%d %b %Y").lstrip("0")


# The chart's dialogs all save off-thread and end the same way; written once here.
class TaskDialog(QDialog):
    """A dialog whose OK runs a background task: success closes it, failure re-enables OK.

    Subclasses set ``_tasks``, ``status`` and ``ok_button`` and pass ``_done`` and
    ``_failed`` to ``TaskRunner.run``.

    Signals:
        succeeded(object): what the task returned.
    """

    succeeded = Signal(object)
    _tasks: TaskRunner
    status: InlineStatus
    ok_button: QPushButton

    def _done(self, result: object) -> None:
        emit(self.succeeded, result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.status.show_failure(exc, self._tasks.report)


class NameBook:
    """Who wrote what: user id -> display name, as far as this session may know."""

    def __init__(self, own_id: str, own_name: str) -> None:
        self._names: dict[str, str] = {own_id: own_name}

    def update(self, names: Mapping[str, str]) -> None:
        self._names.update({k: v for k, v in names.items() if v})

    def name(self, user_id: str | None) -> str:
        if user_id is None:
            return "—"
        return self._names.get(user_id, "another clinician")


def note_text(note: SoapNote) -> str:
    """A note's sections as plain text, for previews and addenda."""
    parts = [getattr(note, key).strip() for key, _label, _hint in SECTIONS]
    return "\n\n".join(p for p in parts if p)


def card(object_name: str = "chartCard") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(object_name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(16, 14, 16, 14)
    layout.setSpacing(8)
    return frame, layout


def card_title(text: str, icon_name: str | None = None) -> QWidget:
    row = QWidget()
    row.setObjectName("cardTitleRow")
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    if icon_name:
        pic = QLabel()
        pic.setPixmap(theme.pixmap(icon_name, 18, theme.token("accent")))
        layout.addWidget(pic)
    label = QLabel(text)
    label.setObjectName("cardTitle")
    label.setAccessibleName(text)
    layout.addWidget(label)
    layout.addStretch(1)
    return row


def chip(text: str, kind: str = "neutral", accessible: str | None = None) -> QLabel:
    """A small rounded label; ``kind`` selects the colour in chart.qss."""
    label = QLabel(text)
    label.setObjectName("chip")
    label.setProperty("kind", kind)
    label.setAccessibleName(accessible or text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def set_kind(widget: QWidget, kind: str) -> None:
    widget.setProperty("kind", kind)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def clear_layout(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        inner = item.layout()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif inner is not None:
            clear_layout(inner)


class TwoLineDelegate(QStyledItemDelegate):
    """List rows as a bold title over a muted subtitle, both elided, with the item's icon.

    The title is the item's display text; the subtitle is ``SUBTITLE_ROLE``.
    """

    ROW_HEIGHT = 58

    def paint(  # type: ignore[override]
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, subtitle = opt.text, str(index.data(SUBTITLE_ROLE) or "")
        opt.text = ""
        opt.icon = QIcon()
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(12, 8, -10, -8)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            icon.paint(painter, QRect(rect.left(), rect.top() + 2, 16, 16))
            rect.setLeft(rect.left() + 26)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        bold = QFont(opt.font)
        bold.setWeight(QFont.Weight.DemiBold)
        painter.setFont(bold)
        text_color = QColor(theme.token("selection_text" if selected else "text"))
        painter.setPen(text_color)
        metrics = QFontMetrics(bold)
        line = QRect(rect.left(), rect.top(), rect.width(), metrics.height())
        painter.drawText(
            line,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(title, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.setFont(opt.font)
        painter.setPen(QColor(theme.token("selection_text" if selected else "muted")))
        small = QFontMetrics(opt.font)
        line2 = QRect(rect.left(), line.bottom() + 4, rect.width(), small.height())
        painter.drawText(
            line2,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            small.elidedText(subtitle, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.restore()

    def sizeHint(  # type: ignore[override]  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), self.ROW_HEIGHT)


SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1

"""The lesion list beside the body map: one row per lesion, filterable by status."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.lesions import Lesion, LesionStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.body_map import STATUS_COLOURS
from dermai_desktop.ui.widgets.chart_common import fmt_date
from dermai_desktop.ui.widgets.image_strip import dropped_files

ALL = "all"
ACTIVE = "active"
FILTERS: tuple[tuple[str, str], ...] = (
    (ALL, "All lesions"),
    (ACTIVE, "Active (watch or biopsy pending)"),
    *((status.value, status.label) for status in LesionStatus),
)
ID_ROLE = Qt.ItemDataRole.UserRole


def status_dot(status: LesionStatus, size: int = 12) -> QIcon:
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATUS_COLOURS[status]))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def matches(lesion: Lesion, key: str) -> bool:
    if key == ALL:
        return True
    if key == ACTIVE:
        return lesion.status.is_active
    return lesion.status.value == key


class _DropRows(QListWidget):
    """The rows accept image files dropped on a lesion."""

    files_dropped = Signal(str, list)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)

    def _target(self, event: QDropEvent | QDragMoveEvent) -> str | None:
        item = self.itemAt(event.position().toPoint())
        if item is None or not dropped_files(event.mimeData()):
            return None
        return str(item.data(ID_ROLE))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        if self._target(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        target = self._target(event)
        if target is not None:
            event.acceptProposedAction()
            emit(self.files_dropped, target, dropped_files(event.mimeData()))


class LesionList(QWidget):
    """Lesions of one patient with a status filter.

    Signals:
        lesion_selected(str): a lesion id ("" when nothing is selected).
        lesion_activated(str): Enter or double-click on a row.
        files_dropped(str, list): image files dropped on a lesion's row.
    """

    lesion_selected = Signal(str)
    lesion_activated = Signal(str)
    files_dropped = Signal(str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lesions: list[Lesion] = []
        self._quiet = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel("Lesions")
        title.setObjectName("cardTitle")
        head.addWidget(title, 1)
        self.filter = QComboBox()
        self.filter.setAccessibleName("Show lesions with status")
        for key, label in FILTERS:
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(lambda _i: self._fill())
        head.addWidget(self.filter)
        layout.addLayout(head)
        self.rows = _DropRows()
        self.rows.files_dropped.connect(lambda lid, files: emit(self.files_dropped, lid, files))
        self.rows.setObjectName("lesionList")
        self.rows.setAccessibleName("Lesions")
        self.rows.setIconSize(QSize(12, 12))
        self.rows.setUniformItemSizes(True)
        self.rows.setMinimumHeight(120)
        self.rows.currentItemChanged.connect(self._current_changed)
        self.rows.itemActivated.connect(
            lambda item: emit(self.lesion_activated, str(item.data(ID_ROLE)))
        )
        layout.addWidget(self.rows, 1)
        self.empty = QLabel("")
        self.empty.setObjectName("summaryEmpty")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

    def set_lesions(self, lesions: list[Lesion], keep: str | None = None) -> None:
        self._lesions = sorted(lesions, key=lambda les: (not les.status.is_active, les.label))
        self._fill(keep if keep is not None else self.current_id())

    def set_filter(self, key: str) -> None:
        index = self.filter.findData(key)
        if index >= 0:
            self.filter.setCurrentIndex(index)

    def visible_ids(self) -> list[str]:
        return [str(self.rows.item(i).data(ID_ROLE)) for i in range(self.rows.count())]

    def current_id(self) -> str | None:
        item = self.rows.currentItem()
        return str(item.data(ID_ROLE)) if item is not None else None

    def select(self, lesion_id: str | None) -> None:
        """Select a row without emitting ``lesion_selected`` (the map already knows)."""
        self._quiet = True
        try:
            for i in range(self.rows.count()):
                item = self.rows.item(i)
                if item.data(ID_ROLE) == lesion_id:
                    self.rows.setCurrentItem(item)
                    self.rows.scrollToItem(item)
                    return
            self.rows.setCurrentRow(-1)
        finally:
            self._quiet = False

    def _fill(self, keep: str | None = None) -> None:
        keep = keep if keep is not None else self.current_id()
        key = str(self.filter.currentData())
        self._quiet = True
        try:
            self.rows.clear()
            for lesion in self._lesions:
                if not matches(lesion, key):
                    continue
                item = QListWidgetItem(
                    status_dot(lesion.status), f"{lesion.label}  ·  {lesion.site}"
                )
                item.setData(ID_ROLE, str(lesion.id))
                detail = f"{lesion.status.label}, first noted {fmt_date(lesion.first_noted)}"
                item.setToolTip(detail)
                item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, detail)
                self.rows.addItem(item)
        finally:
            self._quiet = False
        if self._lesions and not self.rows.count():
            self.empty.setText("No lesions with this status.")
        elif not self._lesions:
            self.empty.setText("No lesions recorded. Use “Add lesion” and click the body map.")
        else:
            self.empty.setText("")
        self.empty.setVisible(bool(self.empty.text()))
        self.select(keep)

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if not self._quiet:
            emit(self.lesion_selected, str(current.data(ID_ROLE)) if current else "")


__all__ = ["FILTERS", "LesionList", "matches", "status_dot"]

"""The schedule screen's chrome: title row, toolbar, legend and keyboard shortcuts.

A mixin of ``ScheduleScreen`` (kept apart so the screen module stays about behaviour).
Everything fits at 1280 px wide with the navigation sidebar (a 996 px page):

    Schedule  Wednesday 25 November 2026 · today     [Find free slot…] [Print] [Export…] [↶][↷]
    [‹][Today][›]  [Day|Week]  [All dermatologists][All rooms]             [+ New appointment]

Undo and redo are icon buttons; Print and Export have short labels. Every
button keeps its full meaning in its tooltip and accessible name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from dermai_desktop.ui import theme
from dermai_desktop.ui.widgets.forms import button, title_label


class ScheduleChrome(QWidget):
    """Builds the controls; the screen provides the slots they call."""

    # provided by ScheduleScreen
    data: Any
    undo_stack: Any
    _can_edit: bool

    def _render(self) -> None:
        raise NotImplementedError

    def step(self, direction: int) -> None:
        raise NotImplementedError

    def go_today(self) -> None:
        raise NotImplementedError

    def new_appointment(self) -> object:
        raise NotImplementedError

    def find_free_slot(self) -> object:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def set_mode(self, mode: str) -> None:
        raise NotImplementedError

    def _sync_undo(self, busy: bool = False) -> None:
        raise NotImplementedError

    def print_day_sheet(self, path: Any = None) -> object:
        raise NotImplementedError

    def export_ical(self, path: Any = None) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        raise NotImplementedError

    def _title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(title_label("Schedule"))
        row.addSpacing(4)
        self.date_label = QLabel()
        self.date_label.setObjectName("scheduleDate")
        self.date_label.setAccessibleName("Shown dates")
        row.addWidget(self.date_label, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        self.find_button = button("Find free slot…", "Find the next free slot")
        self.find_button.setIcon(theme.icon("search"))
        self.find_button.clicked.connect(self.find_free_slot)
        self.print_button = button("Print", "Print day sheet to PDF")
        self.print_button.setToolTip("Print the day sheet (PDF)")
        self.print_button.setIcon(theme.icon("print"))
        self.ical_button = button("Export…", "Export iCalendar")
        self.ical_button.setToolTip("Export the shown days as an iCalendar (.ics) file")
        self.ical_button.setIcon(theme.icon("calendar"))
        self.print_button.clicked.connect(self.print_day_sheet)
        self.ical_button.clicked.connect(self.export_ical)
        self.undo_button = self._tool("", "Undo the last change (Ctrl+Z)", "undo")
        self.redo_button = self._tool("", "Redo (Ctrl+Y)", "redo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.undo_stack.canUndoChanged.connect(lambda _b: self._sync_undo())
        self.undo_stack.canRedoChanged.connect(lambda _b: self._sync_undo())
        for widget in (self.find_button, self.print_button, self.ical_button):
            row.addWidget(widget)
        row.addSpacing(4)
        row.addWidget(self.undo_button)
        row.addWidget(self.redo_button)
        self._sync_undo()
        return row

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.prev_button = self._tool("‹", "Previous day (Left arrow)")
        self.today_button = button("Today", "Go to today (T)")
        self.next_button = self._tool("›", "Next day (Right arrow)")
        self.prev_button.setObjectName("navArrow")
        self.next_button.setObjectName("navArrow")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.day_button = self._tool("Day", "Day view")
        self.week_button = self._tool("Week", "Week view")
        self.mode_group = QButtonGroup(self)
        modes = QHBoxLayout()
        modes.setSpacing(0)  # one segmented control
        for edge, b in (("first", self.day_button), ("last", self.week_button)):
            b.setCheckable(True)
            b.setObjectName("segment")
            b.setProperty("edge", edge)
            self.mode_group.addButton(b)
            modes.addWidget(b)
        self.day_button.setChecked(True)
        self.day_button.clicked.connect(lambda: self.set_mode("day"))
        self.week_button.clicked.connect(lambda: self.set_mode("week"))
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Dermatologist filter")
        self.provider_combo.addItem("All dermatologists", "")
        self.room_combo = QComboBox()
        self.room_combo.setAccessibleName("Room filter")
        self.room_combo.addItem("All rooms", "")
        for combo in (self.provider_combo, self.room_combo):
            # grow with the longest name, never elide it
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.provider_combo.currentIndexChanged.connect(lambda _i: self._render())
        self.room_combo.currentIndexChanged.connect(lambda _i: self._render())
        self.new_button = button("New appointment", "New appointment (N)", role="primary")
        self.new_button.setIcon(theme.icon("plus", "#ffffff"))
        self.new_button.clicked.connect(self.new_appointment)
        self.new_button.setVisible(self._can_edit)
        for widget in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addLayout(modes)
        bar.addSpacing(12)
        bar.addWidget(self.provider_combo)
        bar.addWidget(self.room_combo)
        bar.addStretch(1)
        bar.addWidget(self.new_button)
        return bar

    def _legend_row(self) -> QHBoxLayout:
        self.legend = QHBoxLayout()
        self.legend.setSpacing(14)
        self.hint = QLabel("Click a free slot to book · drag to move or resize · right-click")
        self.hint.setToolTip(
            "Click an empty slot to book · drag to move · drag the bottom edge "
            "to change the length · right-click for status and more"
        )
        self.hint.setObjectName("hint")
        return self.legend

    def _fill_legend(self) -> None:
        while self.legend.count():
            item = self.legend.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.hint:
                widget.deleteLater()
        if self.data is None:
            return
        for kind in self.data.config.types:
            if not kind.active:
                continue
            chip = QLabel(f"<span style='color:{kind.colour}'>■</span> {kind.label}")
            chip.setObjectName("legendChip")
            self.legend.addWidget(chip)
        self.legend.addStretch(1)
        self.legend.addWidget(self.hint)

    @staticmethod
    def _tool(text: str, tip: str, icon: str | None = None) -> QToolButton:
        tool = QToolButton()
        tool.setText(text)
        tool.setToolTip(tip)
        tool.setAccessibleName(tip.split(" (", maxsplit=1)[0])
        if icon is not None:  # icon only: the tooltip and accessible name say what it does
            tool.setIcon(theme.icon(icon))
            tool.setIconSize(QSize(20, 20))
            tool.setObjectName("iconTool")
        return tool

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        bindings: list[tuple[str, Callable[[], object]]] = [
            ("Left", lambda: self.step(-1)),
            ("Right", lambda: self.step(1)),
            ("T", self.go_today),
            ("N", self.new_appointment),
            ("Ctrl+Z", self.undo),
            ("Ctrl+Y", self.redo),
            ("Ctrl+Shift+Z", self.redo),
        ]
        self.shortcuts: dict[str, QShortcut] = {}
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
            self.shortcuts[keys] = shortcut

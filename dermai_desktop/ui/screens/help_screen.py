"""The F1 help screen: every keyboard shortcut, the shell's and each open screen's own."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.ui.shell_pages import Shortcut
from dermai_desktop.ui.widgets.forms import muted_label, title_label


class HelpScreen(QDialog):
    """A searchable table of shortcuts: keys, what they do, and where they work.

    Keyboard first: the filter box has focus, typing narrows the list, Esc closes.
    """

    def __init__(self, shortcuts: Iterable[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.setObjectName("helpScreen")
        self.resize(640, 560)
        self.shortcuts: tuple[Shortcut, ...] = tuple(shortcuts)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(title_label("Keyboard shortcuts", "dialogTitle"))
        layout.addWidget(
            muted_label(
                "Everything you do often has a key. Shortcuts marked with a place work "
                "while that page is in front."
            )
        )
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter, e.g. “patient” or “Ctrl+S”")
        self.filter_edit.setAccessibleName("Filter shortcuts")
        self.filter_edit.setClearButtonEnabled(True)
        layout.addWidget(self.filter_edit)

        self.table = QTableWidget(len(self.shortcuts), 3)
        self.table.setObjectName("shortcutTable")
        self.table.setAccessibleName("Shortcut list")
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Where"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for row, shortcut in enumerate(self.shortcuts):
            keys = QTableWidgetItem(shortcut.keys)
            font = keys.font()
            font.setBold(True)
            keys.setFont(font)
            self.table.setItem(row, 0, keys)
            self.table.setItem(row, 1, QTableWidgetItem(shortcut.text))
            self.table.setItem(row, 2, QTableWidgetItem(shortcut.where))
        layout.addWidget(self.table, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.filter_edit.textChanged.connect(self.apply_filter)
        self.setTabOrder(self.filter_edit, self.table)
        self.setTabOrder(self.table, self.close_button)
        self.filter_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row, shortcut in enumerate(self.shortcuts):
            haystack = f"{shortcut.keys} {shortcut.text} {shortcut.where}".casefold()
            self.table.setRowHidden(row, bool(needle) and needle not in haystack)

    def visible_keys(self) -> list[str]:
        return [s.keys for row, s in enumerate(self.shortcuts) if not self.table.isRowHidden(row)]


__all__ = ["HelpScreen"]

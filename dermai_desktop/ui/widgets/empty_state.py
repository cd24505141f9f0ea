"""An honest empty state: an icon, what this place is, and what to do (or what is coming)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dermai_desktop.ui import theme


class EmptyState(QFrame):
    def __init__(
        self, icon_name: str, title: str, text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 48, 32, 48)
        layout.setSpacing(10)
        layout.addStretch(1)
        self.icon_label = QLabel()
        self.icon_label.setPixmap(theme.pixmap(icon_name, 56, theme.token("muted")))
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon_label.setAccessibleName(f"{title} icon")
        self.title_label = QLabel(title)
        self.title_label.setObjectName("emptyTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("emptyText")
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A fixed width: a word-wrapped label given only its size hint collapses to a sliver.
        self.text_label.setFixedWidth(480)
        for widget in (self.icon_label, self.title_label):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        # Centred by stretches, not an alignment flag, so the layout gives the wrapped
        # text the height it needs for its width.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.text_label)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)

    def set_text(self, title: str, text: str) -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)

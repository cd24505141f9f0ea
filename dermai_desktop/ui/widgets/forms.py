"""Small form-building helpers so every screen labels, names and styles controls the same way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget


def title_label(text: str, object_name: str = "pageTitle") -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setAccessibleName(text)
    return label


def muted_label(text: str, *, wrap: bool = True, object_name: str = "muted") -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(wrap)
    return label


def line_edit(accessible_name: str, *, password: bool = False, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(accessible_name)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        # Passwords never go through input-method prediction or the clipboard history.
        edit.setInputMethodHints(
            Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhNoAutoUppercase
        )
    return edit


def button(
    text: str, accessible_name: str | None = None, *, role: str | None = None
) -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(accessible_name or text.replace("&", "").rstrip("…."))
    if role:
        widget.setProperty("role", role)
    return widget


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark a field invalid for the style sheet (red border) and for screen readers."""
    widget.setProperty("invalid", "true" if invalid else "false")
    widget.style().unpolish(widget)
    widget.style().polish(widget)

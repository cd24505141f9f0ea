"""A new-password + confirm pair with inline checks and an honest strength hint."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from dermai_desktop.domain.users import MIN_PASSWORD_LENGTH
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.forms import line_edit, set_invalid


def strength_hint(password: str) -> str:
    """A quick hint while typing; the clinic's full password check runs on submit.

    Only length and variety are judged here because the real policy (common
    passwords, closeness to the name) lives in the service layer.
    """
    if not password:
        return f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well."
    if len(password) < MIN_PASSWORD_LENGTH:
        missing = MIN_PASSWORD_LENGTH - len(password)
        return f"Too short: {missing} more character{'s' if missing != 1 else ''} needed."
    kinds = sum(
        any(test(c) for c in password)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if len(password) >= 16 or kinds >= 3:
        return "Looks strong. It is checked against common passwords when you continue."
    return "Long enough. Longer or mixed passwords are harder to guess."


class NewPasswordFields(QWidget):
    """Two password rows added to a form; ``problem()`` says what is wrong, if anything.

    Signals:
        edited(): either field changed.
    """

    edited = Signal()

    def __init__(self, form: QFormLayout, label: str = "New password") -> None:
        super().__init__()
        self.password_edit: QLineEdit = line_edit(label, password=True)
        self.confirm_edit: QLineEdit = line_edit(f"Confirm {label.lower()}", password=True)
        self.hint = QLabel(strength_hint(""))
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Password hint")
        form.addRow(f"{label}", self.password_edit)
        form.addRow("", self.hint)
        form.addRow("Confirm", self.confirm_edit)
        self.password_edit.textChanged.connect(self._changed)
        self.confirm_edit.textChanged.connect(self._changed)

    def _changed(self) -> None:
        self.hint.setText(strength_hint(self.password_edit.text()))
        confirm = self.confirm_edit.text()
        mismatch = bool(confirm) and confirm != self.password_edit.text()[: len(confirm)]
        set_invalid(self.confirm_edit, mismatch)
        emit(self.edited)

    def password(self) -> str:
        return self.password_edit.text()

    def problem(self) -> str | None:
        """Plain reason the pair cannot be submitted, or None."""
        password = self.password_edit.text()
        if len(password) < MIN_PASSWORD_LENGTH:
            return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
        if password != self.confirm_edit.text():
            return "The two passwords do not match."
        return None

    def clear(self) -> None:
        self.password_edit.clear()
        self.confirm_edit.clear()

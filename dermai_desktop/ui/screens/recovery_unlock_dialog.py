"""Unlock with the printed recovery key when the keychain cannot give the database key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dermai_desktop.domain.errors import ExpectedError, KeychainUnavailable
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label

if TYPE_CHECKING:
    from dermai_desktop.services.startup import ClinicGate, UnlockedClinic


class RecoveryUnlockDialog(QDialog):
    """Explains why the key is needed and accepts the recovery key; retries are allowed.

    Signals:
        unlocked(UnlockedClinic): the recovery key opened the clinic.
    """

    unlocked = Signal(object)

    def __init__(
        self,
        gate: ClinicGate,
        tasks: TaskRunner,
        reason: KeychainUnavailable | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._gate = gate
        self._tasks = tasks
        self.setWindowTitle("Unlock with recovery key")
        self.setAccessibleName("Unlock with recovery key")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)

        heading = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(theme.pixmap("key", 36, theme.token("accent")))
        icon.setAccessibleName("Recovery key")
        heading.addWidget(icon)
        heading.addWidget(title_label("The recovery key is needed", "dialogTitle"), 1)
        layout.addLayout(heading)
        reason = reason or KeychainUnavailable()
        layout.addWidget(muted_label(reason.message))
        layout.addWidget(
            muted_label(
                "Normally this computer's keychain opens the clinic's encrypted data by itself. "
                "This time it could not, so type the recovery key from the sheet printed when "
                "the clinic was set up. Upper or lower case and dashes do not matter."
            )
        )
        self.key_edit = line_edit("Recovery key", placeholder="XXXX-XXXX-XXXX-XXXX-…")
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setPointSize(13)
        self.key_edit.setFont(fixed)
        layout.addWidget(self.key_edit)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = button("Quit", "Quit DermAI Desktop")
        self.unlock_button = button("Unlock", role="primary")
        # Return is handled by the key field; see keyPressEvent for why no default button.
        for push in (self.cancel_button, self.unlock_button):
            push.setDefault(False)
        self.unlock_button.setAutoDefault(True)  # a focused Unlock still answers Return
        self.cancel_button.setAutoDefault(False)  # quitting takes a click, Space or Escape
        row.addWidget(self.cancel_button)
        row.addWidget(self.unlock_button)
        layout.addLayout(row)
        self.unlock_button.clicked.connect(self._submit)
        self.key_edit.returnPressed.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)
        self.setTabOrder(self.key_edit, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.cancel_button)
        self.key_edit.setFocus()
        self.resize(600, 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Return belongs to the field it was typed in, never to a dialog default button.

        The fields act on Return themselves (returnPressed); a focused button handles its own
        Return before this is reached. QDialog would otherwise also "click" a default button
        for the same key press - after a sign-in starts and focus has moved on, that was Quit.
        """
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return  # an unlock is already on its way
        key = self.key_edit.text().strip()
        if not key:
            self.status.show_error("Type the recovery key from the printed sheet.")
            return
        self.unlock_button.setEnabled(False)
        self.key_edit.setReadOnly(True)  # not disabled: focus must not jump to Quit
        self.status.show_info("Checking the recovery key… this takes a few seconds.")
        self._tasks.run(
            lambda: self._gate.unlock_with_recovery_key(key),
            on_success=self._on_unlocked,
            on_error=self._on_failed,
            pool="io",
            owner=self,
        )

    def _on_unlocked(self, clinic: UnlockedClinic) -> None:
        self.status.clear_message()
        emit(self.unlocked, clinic)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.key_edit.setReadOnly(False)
        self.key_edit.setFocus()
        self.key_edit.selectAll()
        if isinstance(exc, ExpectedError):  # WrongRecoveryKey and friends: plain, inline
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)

"""Change your own password: old, new, confirm; policy messages inline. Forced when required."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QVBoxLayout, QWidget

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.password_fields import NewPasswordFields
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label


class ChangePasswordDialog(QDialog):
    """Signals:
    password_changed(): the service accepted the new password.
    """

    password_changed = Signal()

    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        *,
        forced: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self.forced = forced
        self.setWindowTitle("Change password")
        self.setAccessibleName("Change password")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(title_label("Change your password", "dialogTitle"))
        if forced:
            text = (
                "A manager set a temporary password for your account. Choose your own "
                "password now; nobody else will know it."
            )
        else:
            text = f"Signed in as {session.full_name} ({session.actor.username})."
        layout.addWidget(muted_label(text))

        form = QFormLayout()
        form.setSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.old_edit = line_edit("Current password", password=True)
        form.addRow("Current password", self.old_edit)
        self.new_fields = NewPasswordFields(form)
        layout.addLayout(form)
        self.status = InlineStatus()
        layout.addWidget(self.status)

        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = button("Sign out" if forced else "Cancel")
        self.ok_button = button("Change password", role="primary")
        self.ok_button.setDefault(True)
        row.addWidget(self.cancel_button)
        row.addWidget(self.ok_button)
        layout.addLayout(row)

        self.ok_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)
        self.setTabOrder(self.old_edit, self.new_fields.password_edit)
        self.setTabOrder(self.new_fields.password_edit, self.new_fields.confirm_edit)
        self.setTabOrder(self.new_fields.confirm_edit, self.ok_button)
        self.setTabOrder(self.ok_button, self.cancel_button)
        self.old_edit.setFocus()
        self.resize(520, 0)

    def _submit(self) -> None:
        old = self.old_edit.text()
        if not old:
            self.status.show_error("Enter your current password.")
            return
        problem = self.new_fields.problem()
        if problem:
            self.status.show_error(problem)
            return
        if self.new_fields.password() == old:
            self.status.show_error("The new password must differ from the current one.")
            return
        new = self.new_fields.password()
        actor = self._session.actor
        auth = self._session.services.auth
        self.ok_button.setEnabled(False)
        self.status.show_info("Checking and saving…")
        self._tasks.run(
            lambda: auth.change_own_password(actor, old, new),
            on_success=self._on_changed,
            on_error=self._on_failed,
            owner=self,
        )

    def _on_changed(self, _result: object) -> None:
        emit(self.password_changed)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)

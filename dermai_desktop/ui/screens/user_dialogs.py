"""Dialogs the Users page opens: add a user, reset a password, change a role."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import User
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.password_fields import NewPasswordFields
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label


def role_combo(selected: Role | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName("Role")
    for role in Role:
        combo.addItem(role.label, role)
    if selected is not None:
        combo.setCurrentIndex(list(Role).index(selected))
    return combo


class _ServiceDialog(QDialog):
    """A small form whose OK button runs one services call off-thread, errors inline.

    Signals:
        succeeded(object): the service call worked; carries its result.
    """

    succeeded = Signal(object)

    def __init__(
        self, tasks: TaskRunner, title: str, intro: str, ok_text: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(28, 24, 28, 24)
        self.layout_.setSpacing(12)
        self.layout_.addWidget(title_label(title, "dialogTitle"))
        self.layout_.addWidget(muted_label(intro))
        self.form = QFormLayout()
        self.form.setSpacing(10)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.layout_.addLayout(self.form)
        self.status = InlineStatus()
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button: QPushButton = button("Cancel")
        self.ok_button: QPushButton = button(ok_text, role="primary")
        self.ok_button.setDefault(True)
        row.addWidget(self.cancel_button)
        row.addWidget(self.ok_button)
        self._buttons = row
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self._submit)
        self.resize(520, 0)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.status)
        self.layout_.addLayout(self._buttons)

    def call(self) -> Callable[[], object] | None:
        """The services call to make, or None after showing an inline problem."""
        raise NotImplementedError

    def _submit(self) -> None:
        fn = self.call()
        if fn is None:
            return
        self.ok_button.setEnabled(False)
        self.status.show_info("Saving…")
        self._tasks.run(fn, on_success=self._on_done, on_error=self._on_failed, owner=self)

    def _on_done(self, result: object) -> None:
        emit(self.succeeded, result)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)


class AddUserDialog(_ServiceDialog):
    def __init__(
        self,
        add: Callable[[str, str, Role, str], object],
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            tasks,
            "Add user",
            "The new colleague signs in with this temporary password and is asked to "
            "choose their own.",
            "Add user",
            parent,
        )
        self._add = add
        self.username_edit = line_edit("User name", placeholder="e.g. jsmith")
        self.full_name_edit = line_edit("Full name", placeholder="e.g. Dr Jane Smith")
        self.role_combo = role_combo(Role.DERMATOLOGIST)
        self.form.addRow("User name", self.username_edit)
        self.form.addRow("Full name", self.full_name_edit)
        self.form.addRow("Role", self.role_combo)
        self.password_fields = NewPasswordFields(self.form, "Initial password")
        self.finish_layout()
        self.setTabOrder(self.username_edit, self.full_name_edit)
        self.setTabOrder(self.full_name_edit, self.role_combo)
        self.setTabOrder(self.role_combo, self.password_fields.password_edit)
        self.setTabOrder(self.password_fields.password_edit, self.password_fields.confirm_edit)
        self.setTabOrder(self.password_fields.confirm_edit, self.ok_button)
        self.setTabOrder(self.ok_button, self.cancel_button)
        self.username_edit.setFocus()

    def call(self) -> Callable[[], object] | None:
        username = self.username_edit.text().strip()
        full_name = self.full_name_edit.text().strip()
        if not username or not full_name:
            self.status.show_error("Enter a user name and the person's full name.")
            return None
        problem = self.password_fields.problem()
        if problem:
            self.status.show_error(problem)
            return None
        role = Role(self.role_combo.currentData())
        password = self.password_fields.password()
        return lambda: self._add(username, full_name, role, password)


class ResetPasswordDialog(_ServiceDialog):
    def __init__(
        self,
        user: User,
        reset: Callable[[str], object],
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            tasks,
            "Reset password",
            f"Set a temporary password for {user.full_name} ({user.username}). They will be "
            "asked to choose a new one at their next sign-in.",
            "Reset password",
            parent,
        )
        self._reset = reset
        self.password_fields = NewPasswordFields(self.form, "Temporary password")
        self.finish_layout()
        self.password_fields.password_edit.setFocus()

    def call(self) -> Callable[[], object] | None:
        problem = self.password_fields.problem()
        if problem:
            self.status.show_error(problem)
            return None
        password = self.password_fields.password()
        return lambda: self._reset(password)


class ChangeRoleDialog(_ServiceDialog):
    def __init__(
        self,
        user: User,
        change: Callable[[Role], object],
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            tasks,
            "Change role",
            f"What {user.full_name} ({user.username}) may do depends on the role. "
            "The change applies from their next action.",
            "Change role",
            parent,
        )
        self._change = change
        self.role_combo = role_combo(user.role)
        self.form.addRow("Role", self.role_combo)
        self.finish_layout()
        self.role_combo.setFocus()

    def call(self) -> Callable[[], object] | None:
        role = Role(self.role_combo.currentData())
        return lambda: self._change(role)

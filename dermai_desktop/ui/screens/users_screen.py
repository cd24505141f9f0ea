"""Users page: managers add, disable, reset and re-role accounts; IT may look."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.roles import Operation, Role
from dermai_desktop.domain.users import User
from dermai_desktop.ui import theme
from dermai_desktop.ui.item_models.users_model import UsersTableModel
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.user_dialogs import (
    AddUserDialog,
    ChangeRoleDialog,
    ResetPasswordDialog,
)
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, muted_label, title_label


class UsersScreen(QWidget):
    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._users = session.services.users
        self.dialog: QDialog | None = None  # the open child dialog; tests drive it
        self.setObjectName("page")
        self.setAccessibleName("Users")
        self._can_manage = session.may(Operation.USER_MANAGE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(14)
        layout.addWidget(title_label("Users"))
        intro = (
            "Everyone who signs in at this clinic. Disabled accounts keep their history in "
            "the audit trail."
            if self._can_manage
            else "Everyone who signs in at this clinic. Only a clinic manager can change accounts."
        )
        layout.addWidget(muted_label(intro))

        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        self.add_button = button("Add user…", "Add user", role="primary")
        self.add_button.setIcon(theme.icon("plus", "#ffffff"))
        self.toggle_button = button("Disable", "Disable or enable the selected user")
        self.reset_button = button("Reset password…", "Reset password of the selected user")
        self.reset_button.setIcon(theme.icon("key"))
        self.role_button = button("Change role…", "Change role of the selected user")
        self.refresh_button = button("Refresh")
        for widget in (self.add_button, self.toggle_button, self.reset_button, self.role_button):
            toolbar.addWidget(widget)
            widget.setVisible(self._can_manage)
        toolbar.addStretch(1)
        toolbar.addWidget(self.refresh_button)
        layout.addLayout(toolbar)

        self.status = InlineStatus()
        layout.addWidget(self.status)
        self.model = UsersTableModel(lambda: datetime.now(UTC), self)
        self.table = self._make_table()
        layout.addWidget(self.table, 1)

        self.add_button.clicked.connect(self.open_add_dialog)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.reset_button.clicked.connect(self.open_reset_dialog)
        self.role_button.clicked.connect(self.open_role_dialog)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("User accounts")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(38)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(120)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return table

    # --- loading -------------------------------------------------------------------

    def refresh(self) -> None:
        actor = self._session.actor
        self._tasks.run(
            lambda: self._users.list_users(actor),
            on_success=self._on_loaded,
            on_error=self._show_refusal,
            owner=self,
        )

    def _on_loaded(self, users: list[User]) -> None:
        selected = self.selected_user()
        self.model.set_users(users)
        if selected is not None:
            self.select_username(selected.username)
        self._update_buttons()

    def select_username(self, username: str) -> None:
        row = self.model.row_of(username)
        if row >= 0:
            self.table.selectRow(row)

    def selected_user(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.user_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        user = self.selected_user()
        for widget in (self.toggle_button, self.reset_button, self.role_button):
            widget.setEnabled(user is not None)
        if user is not None and not user.active:
            self.toggle_button.setText("Enable")
        else:
            self.toggle_button.setText("Disable")

    # --- actions ---------------------------------------------------------------------

    def open_add_dialog(self) -> None:
        actor = self._session.actor

        def add(username: str, full_name: str, role: Role, password: str) -> User:
            return self._users.add_user(actor, username, full_name, role, password)

        dialog = AddUserDialog(add, self._tasks, self)
        dialog.succeeded.connect(self._after_add)
        self._open(dialog)

    def _after_add(self, user: object) -> None:
        if isinstance(user, User):
            self.status.show_success(f"{user.full_name} can now sign in as {user.username}.")
        self.refresh()

    def open_reset_dialog(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        actor = self._session.actor
        dialog = ResetPasswordDialog(
            user, lambda pw: self._users.reset_password(actor, user.id, pw), self._tasks, self
        )
        dialog.succeeded.connect(
            lambda _r: self._done(f"Password reset. {user.full_name} must change it at sign-in.")
        )
        self._open(dialog)

    def open_role_dialog(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        actor = self._session.actor
        dialog = ChangeRoleDialog(
            user, lambda role: self._users.change_role(actor, user.id, role), self._tasks, self
        )
        dialog.succeeded.connect(lambda _r: self._done(f"Role of {user.full_name} changed."))
        self._open(dialog)

    def toggle_selected(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        if user.active:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Disable user",
                f"Disable {user.full_name} ({user.username})?",
                QMessageBox.StandardButton.Cancel,
                self,
            )
            box.setInformativeText(
                "They will not be able to sign in. Their records and audit history stay."
            )
            confirm = box.addButton("Disable", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.accepted.connect(lambda: self._set_active(user, False))
            box.setAccessibleName("Confirm disable user")
            confirm.setAccessibleName("Disable")
            self._open(box)
        else:
            self._set_active(user, True)

    def _set_active(self, user: User, active: bool) -> None:
        actor = self._session.actor
        if active:
            fn = lambda: self._users.enable_user(actor, user.id)  # noqa: E731
            message = f"{user.full_name} can sign in again."
        else:
            fn = lambda: self._users.disable_user(actor, user.id)  # noqa: E731
            message = f"{user.full_name} can no longer sign in."
        self._tasks.run(
            fn, on_success=lambda _r: self._done(message), on_error=self._show_refusal, owner=self
        )

    def _done(self, message: str) -> None:
        self.status.show_success(message)
        self.refresh()

    def _show_refusal(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def _open(self, dialog: QDialog) -> None:
        self.status.clear_message()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[arg-type]
        self.refresh()

"""Sign-in dialog: clinic, user name, password; inline messages; demo accounts on demo clinics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session, sign_in
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label

if TYPE_CHECKING:
    from dermai_desktop.services.startup import DemoAccount, UnlockedClinic


class LoginDialog(QDialog):
    """Asks for user name and password and signs in off the GUI thread.

    Signals:
        signed_in(Session, bool): the new session and whether a password change is required.
    """

    signed_in = Signal(object, bool)

    def __init__(
        self,
        clinic: UnlockedClinic,
        tasks: TaskRunner,
        *,
        username: str = "",
        heading: str = "Sign in",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._clinic = clinic
        self._tasks = tasks
        self.setWindowTitle(f"Sign in — {clinic.clinic_name}")
        self.setAccessibleName("Sign in")
        self.setModal(True)

        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self._brand_panel())

        body = QVBoxLayout()
        body.setContentsMargins(40, 36, 40, 32)
        body.setSpacing(14)
        body.addWidget(title_label(heading, "dialogTitle"))
        body.addWidget(muted_label(f"{clinic.clinic_name} · workstation {clinic.workstation_name}"))

        self.username_edit = line_edit("User name", placeholder="e.g. jsmith")
        self.username_edit.setText(username)
        self.password_edit = line_edit("Password", password=True)
        form = QFormLayout()
        form.setSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("&User name", self.username_edit)
        form.addRow("&Password", self.password_edit)
        body.addLayout(form)

        self.status = InlineStatus()
        body.addWidget(self.status)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Quit", "Quit DermAI Desktop")
        self.sign_in_button = button("Sign in", role="primary")
        self._route_return_key()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_in_button)
        body.addLayout(buttons)

        self.demo_panel: QFrame | None = None
        if clinic.is_demo:
            self.demo_panel = self._demo_panel(clinic.demo_accounts)
            body.addWidget(self.demo_panel)
        body.addStretch(1)
        root.addLayout(body, 1)

        self.sign_in_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)
        self.password_edit.returnPressed.connect(self._submit)
        self.username_edit.returnPressed.connect(self.password_edit.setFocus)
        self.setTabOrder(self.username_edit, self.password_edit)
        self.setTabOrder(self.password_edit, self.sign_in_button)
        self.setTabOrder(self.sign_in_button, self.cancel_button)
        (self.password_edit if username else self.username_edit).setFocus()
        self.resize(820, 520 if clinic.is_demo else 420)

    def _brand_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("sidebar")
        panel.setFixedWidth(250)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(28, 36, 28, 28)
        layout.setSpacing(8)
        logo = QLabel()
        logo.setPixmap(theme.pixmap("logo", 56))
        logo.setAccessibleName("DermAI logo")
        layout.addWidget(logo)
        layout.addSpacing(8)
        brand = QLabel("DermAI Desktop")
        brand.setObjectName("brand")
        layout.addWidget(brand)
        sub = QLabel("Dermatology clinic workstation")
        sub.setObjectName("brandSub")
        sub.setWordWrap(True)
        layout.addWidget(sub)
        layout.addStretch(1)
        note = QLabel("Patient data on this computer is encrypted. Every sign-in is recorded.")
        note.setObjectName("brandSub")
        note.setWordWrap(True)
        layout.addWidget(note)
        return panel

    def _demo_panel(self, accounts: tuple[DemoAccount, ...]) -> QFrame:
        panel = QFrame()
        panel.setObjectName("demoPanel")
        panel.setAccessibleName("Demo accounts")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        heading = QLabel("Demo clinic — sample accounts, not for real patient data")
        heading.setObjectName("demoTitle")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        for column, text in enumerate(("User name", "Password", "Role")):
            header = QLabel(text)
            header.setObjectName("demoTitle")
            grid.addWidget(header, 0, column)
        self.demo_fill_buttons: dict[str, QWidget] = {}
        for row, account in enumerate(accounts, start=1):
            grid.addWidget(QLabel(account.username), row, 0)
            password = QLabel(account.password)
            password.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(password, row, 1)
            grid.addWidget(QLabel(account.role.label), row, 2)
            fill = button("Use", f"Fill in the {account.role.label} demo account", role="demoFill")
            fill.clicked.connect(lambda _=False, a=account: self.fill_demo_account(a))
            grid.addWidget(fill, row, 3)
            self.demo_fill_buttons[account.username] = fill
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        return panel

    def fill_demo_account(self, account: DemoAccount) -> None:
        self.username_edit.setText(account.username)
        self.password_edit.setText(account.password)
        self.status.clear_message()
        self.sign_in_button.setFocus()

    def _route_return_key(self) -> None:
        # Return is handled by the fields themselves (user name -> password -> sign in); see
        # keyPressEvent for why no button is the dialog's default.
        for push in (self.cancel_button, self.sign_in_button):
            push.setDefault(False)
        self.sign_in_button.setAutoDefault(True)  # a focused Sign in still answers Return
        self.cancel_button.setAutoDefault(False)  # quitting takes a click, Space or Escape

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
        if not self.sign_in_button.isEnabled():
            return  # a sign-in is already on its way
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self.status.show_error("Enter your user name and password.")
            (self.username_edit if not username else self.password_edit).setFocus()
            return
        self._set_busy(True)
        self.status.show_info("Signing in…")
        self._tasks.run(
            lambda: sign_in(self._clinic, username, password),
            on_success=self._on_signed_in,
            on_error=self._on_failed,
            owner=self,
        )

    def _on_signed_in(self, result: tuple[Session, bool]) -> None:
        session, must_change = result
        self._set_busy(False)
        self.password_edit.clear()
        self.status.clear_message()
        emit(self.signed_in, session, must_change)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.password_edit.clear()
        self.password_edit.setFocus()
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)

    def _set_busy(self, busy: bool) -> None:
        # Fields go read-only rather than disabled: a disabled field hands keyboard focus to
        # the next button (Quit), and an impatient second Enter would then press it.
        self.username_edit.setReadOnly(busy)
        self.password_edit.setReadOnly(busy)
        self.sign_in_button.setEnabled(not busy)

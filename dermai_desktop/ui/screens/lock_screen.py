"""Lock screen: hides the session's pages until the same user re-enters the password."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label


class LockScreen(QWidget):
    """Shown in place of every page while the session is locked.

    Signals:
        unlocked(): the password was accepted (auth.unlock_session).
        switch_user_requested(): someone else wants to sign in on this workstation.
    """

    unlocked = Signal()
    switch_user_requested = Signal()

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Session locked")

        outer = QVBoxLayout(self)
        outer.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame()
        card.setObjectName("card")
        card.setFixedWidth(440)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)
        brand = QLabel(f"DermAI Desktop · {session.clinic.clinic_name}")
        brand.setObjectName("lockBrand")
        brand.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(brand)

        layout = QVBoxLayout(card)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(12)
        icon = QLabel()
        icon.setPixmap(theme.pixmap("lock", 44, theme.token("accent")))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setAccessibleName("Locked")
        layout.addWidget(icon)
        heading = title_label("Session locked", "dialogTitle")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        who = muted_label(
            f"Signed in as {session.full_name} ({session.role.label}). "
            "Patient information is hidden until you enter your password."
        )
        who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(who)
        self.password_edit = line_edit(
            f"Password for {session.actor.username}", password=True, placeholder="Password"
        )
        layout.addWidget(self.password_edit)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        self.unlock_button = button("Unlock", role="primary")
        self.unlock_button.setDefault(True)
        layout.addWidget(self.unlock_button)
        self.switch_button = button("Sign in as someone else", role="link")
        layout.addWidget(self.switch_button, 0, Qt.AlignmentFlag.AlignHCenter)

        self.unlock_button.clicked.connect(self._submit)
        self.password_edit.returnPressed.connect(self._submit)
        self.switch_button.clicked.connect(self.switch_user_requested)
        self.setTabOrder(self.password_edit, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.switch_button)

    def reset(self) -> None:
        """Ready for the next unlock: empty field, no old message, focus on the password."""
        self.password_edit.clear()
        self.password_edit.setReadOnly(False)
        self.unlock_button.setEnabled(True)
        self.status.clear_message()
        self.password_edit.setFocus()

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return  # an unlock is already on its way
        password = self.password_edit.text()
        if not password:
            self.status.show_error("Enter your password to unlock.")
            return
        actor = self._session.actor
        auth = self._session.services.auth
        self.unlock_button.setEnabled(False)
        # Read-only, not disabled: focus must stay here, not jump to "someone else".
        self.password_edit.setReadOnly(True)
        self._tasks.run(
            lambda: auth.unlock_session(actor, password),
            on_success=self._on_unlocked,
            on_error=self._on_failed,
            owner=self,
        )

    def _on_unlocked(self, _result: object) -> None:
        self.password_edit.clear()
        self.unlock_button.setEnabled(True)
        self.password_edit.setReadOnly(False)
        self.status.clear_message()
        emit(self.unlocked)

    def _on_failed(self, exc: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.password_edit.setReadOnly(False)
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.status.show_failure(exc, self._tasks.report)

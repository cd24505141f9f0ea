"""Drives the whole GUI flow: set-up or unlock, sign in, main window, lock, switch, sign out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

from dermai_desktop.domain.errors import ExpectedError, KeychainUnavailable
from dermai_desktop.services.startup import ClinicState
from dermai_desktop.ui import theme
from dermai_desktop.ui.main_window import MainWindow
from dermai_desktop.ui.messages import (
    BusyIndicator,
    ErrorSurface,
    IncidentIdFactory,
    default_incident_id,
)
from dermai_desktop.ui.screens.change_password_dialog import ChangePasswordDialog
from dermai_desktop.ui.screens.login_dialog import LoginDialog
from dermai_desktop.ui.screens.recovery_unlock_dialog import RecoveryUnlockDialog
from dermai_desktop.ui.screens.setup_wizard import SetupWizard
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from dermai_desktop.services.startup import ClinicGate, UnlockedClinic

logger = logging.getLogger(__name__)


class Stage(StrEnum):
    STARTING = "starting"
    SETUP = "setup"
    RECOVERY = "recovery"
    LOGIN = "login"
    SIGNED_IN = "signed_in"
    FINISHED = "finished"


class AppController(QObject):
    """Owns the screens of one application run; screens never call each other.

    ``app.py`` does ``AppController(gate, task_runner, incident_id_factory).start()``
    and then ``app.exec()``. Every gate and services call runs on the TaskRunner.

    Signals:
        stage_changed(str): a ``Stage`` value, for tests and diagnostics.
        finished(int): the flow ended (user quit or a fatal start-up error); exit code.
    """

    stage_changed = Signal(str)
    finished = Signal(int)

    def __init__(
        self,
        gate: ClinicGate,
        tasks: TaskRunner,
        incident_id_factory: IncidentIdFactory = default_incident_id,
        parent: QObject | None = None,
        *,
        quit_app: Callable[[int], None] = QCoreApplication.exit,
    ) -> None:
        super().__init__(parent)
        self._quit_app = quit_app  # tests pass a recorder: exit() would end later event loops
        self.gate = gate
        self.tasks = tasks
        self.surface = ErrorSurface(incident_id_factory)
        self.surface.set_parent_provider(self._active_window)
        tasks.set_error_handler(self.surface)
        self._busy = BusyIndicator()
        tasks.busy_changed.connect(self._busy.set_busy)
        self.stage = Stage.STARTING
        self.clinic: UnlockedClinic | None = None
        self.window: MainWindow | None = None
        self.wizard: SetupWizard | None = None
        self.recovery_dialog: RecoveryUnlockDialog | None = None
        self.login_dialog: LoginDialog | None = None
        self.password_dialog: ChangePasswordDialog | None = None

    # --- start-up -----------------------------------------------------------------------

    def start(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and not app.styleSheet():
            theme.apply_theme(app, theme.DEFAULT_THEME)
        self.tasks.run(self.gate.state, on_success=self._on_state, on_error=self._fatal, pool="io")

    def _on_state(self, state: ClinicState) -> None:
        if state == ClinicState.NO_CLINIC:
            self._show_wizard()
        else:
            self._unlock()

    def _show_wizard(self) -> None:
        self._set_stage(Stage.SETUP)
        wizard = SetupWizard(self.gate, self.tasks)
        wizard.clinic_created.connect(self._on_clinic_created)
        wizard.rejected.connect(lambda: self._finish(0))
        self.wizard = wizard
        wizard.show()

    def _on_clinic_created(self, clinic: UnlockedClinic, username: str) -> None:
        self.wizard = None
        self._use_clinic(clinic, username)

    def _unlock(self) -> None:
        self.tasks.run(
            self.gate.unlock,
            on_success=self._use_clinic,
            on_error=self._on_unlock_failed,
            pool="io",
        )

    def _on_unlock_failed(self, exc: BaseException) -> None:
        if isinstance(exc, KeychainUnavailable):
            self._set_stage(Stage.RECOVERY)
            dialog = RecoveryUnlockDialog(self.gate, self.tasks, exc)
            dialog.unlocked.connect(self._use_clinic)
            dialog.rejected.connect(lambda: self._finish(0))
            self.recovery_dialog = dialog
            dialog.show()
            return
        self._fatal(exc)

    def _use_clinic(self, clinic: UnlockedClinic, username: str = "") -> None:
        self.clinic = clinic
        self.recovery_dialog = None
        # The clinic's theme is known once the database is open; apply it before sign-in.
        self.tasks.run(
            lambda: clinic.services.settings.value("ui.theme"),
            on_success=lambda name: self._apply_theme(str(name)),
            on_error=lambda exc: logger.warning("theme setting unreadable: %s", type(exc).__name__),
        )
        self.show_login(username)

    # --- signing in ---------------------------------------------------------------------

    def show_login(self, username: str = "", *, switching: bool = False) -> LoginDialog:
        assert self.clinic is not None
        self._set_stage(Stage.LOGIN)
        parent = self.window if switching else None
        dialog = LoginDialog(
            self.clinic,
            self.tasks,
            username=username,
            heading="Sign in as someone else" if switching else "Sign in",
            parent=parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if switching:
            dialog.cancel_button.setText("Cancel")
            dialog.cancel_button.setAccessibleName("Cancel")
            dialog.signed_in.connect(self._on_switched)
            dialog.rejected.connect(self._on_switch_cancelled)
        else:
            dialog.signed_in.connect(self._on_signed_in)
            dialog.rejected.connect(lambda: self._finish(0))
        self.login_dialog = dialog
        dialog.show()
        return dialog

    def _on_signed_in(self, session: Session, must_change: bool) -> None:
        self.login_dialog = None
        if must_change:
            self._force_password_change(session)
        else:
            self._open_window(session)

    def _force_password_change(self, session: Session) -> None:
        dialog = ChangePasswordDialog(session, self.tasks, forced=True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.password_changed.connect(lambda: self._open_window(session))
        dialog.rejected.connect(lambda: self._sign_out_session(session))
        self.password_dialog = dialog
        dialog.show()

    def _open_window(self, session: Session) -> None:
        self.password_dialog = None
        self._apply_theme(session.theme)
        window = MainWindow(session, self.tasks)
        window.sign_out_requested.connect(self.sign_out)
        window.switch_user_requested.connect(self.switch_user)
        window.close_requested.connect(self._on_close_requested)
        self.window = window
        self._set_stage(Stage.SIGNED_IN)
        window.show()

    # --- signed in ----------------------------------------------------------------------

    def sign_out(self) -> None:
        if self.window is None:
            return
        session = self.window.session
        self._discard_window()
        self._sign_out_session(session)

    def _sign_out_session(self, session: Session) -> None:
        self.password_dialog = None
        self._logout(session)
        self.show_login(session.actor.username)

    def switch_user(self) -> None:
        """Fast user switch: lock this session, let someone else sign in over it."""
        if self.window is None:
            return
        self.window.lock()
        self.show_login(switching=True)

    def _on_switched(self, session: Session, must_change: bool) -> None:
        self.login_dialog = None
        if self.window is not None:
            old = self.window.session
            # The old session's pages go away with its window; nothing of it is reused.
            self._discard_window()
            self._logout(old)
        self._on_signed_in(session, must_change)

    def _on_switch_cancelled(self) -> None:
        self.login_dialog = None
        if self.window is not None:
            self._set_stage(Stage.SIGNED_IN)
            self.window.lock_screen.reset()

    def _on_close_requested(self) -> None:
        if self.window is not None:
            session = self.window.session
            self._discard_window()
            self._logout(session)
        self._finish(0)

    def _logout(self, session: Session) -> None:
        auth, actor = session.services.auth, session.actor
        self.tasks.run(lambda: auth.logout(actor), on_success=lambda _r: None)

    def _discard_window(self) -> None:
        if self.window is not None:
            self.window.discard()
            self.window = None

    # --- helpers ------------------------------------------------------------------------

    def _apply_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and name != theme.current_theme():
            theme.apply_theme(app, name)

    def _fatal(self, exc: BaseException) -> None:
        """A start-up failure nobody can fix from here: say so plainly, then quit."""
        box = self.surface.show(exc)
        if isinstance(exc, ExpectedError):
            box.setWindowTitle(f"DermAI Desktop cannot start — {exc.title}")
        box.finished.connect(lambda _r: self._finish(1))

    def _finish(self, code: int) -> None:
        if self.stage == Stage.FINISHED:
            return
        self._set_stage(Stage.FINISHED)
        emit(self.finished, code)
        self._quit_app(code)

    def _set_stage(self, stage: Stage) -> None:
        self.stage = stage
        emit(self.stage_changed, stage.value)

    def _active_window(self) -> QWidget | None:
        for widget in (self.login_dialog, self.window, self.wizard, self.recovery_dialog):
            if widget is not None and shiboken6.isValid(widget) and widget.isVisible():
                return widget
        return QApplication.activeWindow()


__all__ = ["AppController", "Stage"]

"""Shared steps for UI tests: start the app flow, sign in as a person would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.services.startup import ClinicGate, DemoAccount
from dermai_desktop.ui.app_controller import AppController, Stage
from dermai_desktop.ui.main_window import MainWindow
from dermai_desktop.ui.screens.login_dialog import LoginDialog
from dermai_desktop.ui.tasks import TaskRunner

WAIT_MS = 5000
NEW_PASSWORD = "Lilac-harmonica-9043"
LEFT = Qt.MouseButton.LeftButton


def start(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> AppController:
    exits: list[int] = []
    controller = AppController(gate, tasks, lambda: "TEST-0001", quit_app=exits.append)
    controller.exit_codes = exits  # type: ignore[attr-defined]
    controller.start()
    qtbot.waitUntil(lambda: controller.stage != Stage.STARTING, timeout=WAIT_MS)
    return controller


def account(controller: AppController, username: str) -> DemoAccount:
    assert controller.clinic is not None
    return next(a for a in controller.clinic.demo_accounts if a.username == username)


def type_credentials(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> None:
    dialog.username_edit.clear()
    qtbot.keyClicks(dialog.username_edit, username)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.mouseClick(dialog.sign_in_button, LEFT)


def finish_forced_change(qtbot: QtBot, controller: AppController, old_password: str) -> None:
    """Complete the forced password change if the service asks for one."""
    dialog = controller.password_dialog
    if dialog is None:
        return
    qtbot.keyClicks(dialog.old_edit, old_password)
    qtbot.keyClicks(dialog.new_fields.password_edit, NEW_PASSWORD)
    qtbot.keyClicks(dialog.new_fields.confirm_edit, NEW_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, LEFT)


def sign_in(qtbot: QtBot, controller: AppController, username: str) -> MainWindow:
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    demo = account(controller, username)
    dialog = controller.login_dialog
    assert dialog is not None
    previous = controller.window
    type_credentials(qtbot, dialog, demo.username, demo.password)

    def new_window() -> bool:
        return controller.window is not None and controller.window is not previous

    qtbot.waitUntil(lambda: new_window() or controller.password_dialog is not None, timeout=WAIT_MS)
    finish_forced_change(qtbot, controller, demo.password)
    qtbot.waitUntil(new_window, timeout=WAIT_MS)
    window = controller.window
    assert window is not None
    return window

"""Renders the main screens offscreen into resources/screenshots/ (README, design review)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget, QWizard
from pytestqt.qtbot import QtBot

from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui import theme
from dermai_desktop.ui.screens.setup_wizard import RECOVERY
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.fake_gate import FakeGate
from tests.ui.helpers import LEFT, WAIT_MS, sign_in, start

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"
SIZE = (1280, 800)


def _save(qtbot: QtBot, tasks: TaskRunner, widget: QWidget, name: str) -> Path:
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(50)  # let layouts and style polish settle
    QApplication.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def test_login_with_demo_panel(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    controller = start(qtbot, gate, tasks)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    dialog = controller.login_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.demo_fill_buttons["derm"], LEFT)
    dialog.password_edit.clear()
    dialog.username_edit.setFocus()
    _save(qtbot, tasks, dialog, "login-demo")


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_main_window(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, theme_name: str) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "manager")
    theme.apply_theme(QApplication.instance(), theme_name)  # type: ignore[arg-type]
    window.resize(*SIZE)
    window.show_page("schedule")
    _save(qtbot, tasks, window, f"main-{theme_name}")
    window.show_page("users")
    _save(qtbot, tasks, window, f"users-{theme_name}")
    window.show_page("settings")
    _save(qtbot, tasks, window, f"settings-{theme_name}")
    window.show_page("audit")
    _save(qtbot, tasks, window, f"audit-{theme_name}")
    window.lock()
    _save(qtbot, tasks, window, f"lock-{theme_name}")


def test_wizard_recovery_key_page(qtbot: QtBot, fresh_gate: FakeGate, tasks: TaskRunner) -> None:
    controller = start(qtbot, fresh_gate, tasks)
    wizard = controller.wizard
    assert wizard is not None
    wizard.next()
    wizard.clinic_page.clinic_edit.setText("Harbour Dermatology")
    wizard.clinic_page.workstation_edit.setText("Room 2")
    wizard.next()
    page = wizard.manager_page
    page.username_edit.setText("jsmith")
    page.full_name_edit.setText("Jane Smith")
    page.password_fields.password_edit.setText("Saffron-kettle-meadow-88")
    page.password_fields.confirm_edit.setText("Saffron-kettle-meadow-88")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), LEFT)
    qtbot.waitUntil(lambda: wizard.currentId() == RECOVERY, timeout=WAIT_MS)
    _save(qtbot, tasks, wizard, "wizard-recovery-key")

"""The whole flow as a person uses it: set-up, sign in, lock, switch user, sign out."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWizard
from pytestqt.qtbot import QtBot

from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.app_controller import Stage
from dermai_desktop.ui.screens.setup_wizard import MANAGER, RECOVERY
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.fake_gate import RECOVERY_KEY, FakeGate
from tests.ui.helpers import LEFT, WAIT_MS, account, sign_in, start, type_credentials

STRONG = "Saffron-kettle-meadow-88"


def _wizard_to_manager_page(qtbot: QtBot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), LEFT)
    page = wizard.clinic_page  # type: ignore[attr-defined]
    qtbot.keyClicks(page.clinic_edit, "Harbour Dermatology")
    qtbot.keyClicks(page.workstation_edit, "Room 2")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), LEFT)
    assert wizard.currentId() == MANAGER


def test_wizard_creates_clinic_and_recovery_checkbox_gates_finish(
    qtbot: QtBot, fresh_gate: FakeGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, fresh_gate, tasks)
    assert controller.stage == Stage.SETUP
    wizard = controller.wizard
    assert wizard is not None
    _wizard_to_manager_page(qtbot, wizard)
    page = wizard.manager_page
    qtbot.keyClicks(page.username_edit, "jsmith")
    qtbot.keyClicks(page.full_name_edit, "Jane Smith")
    qtbot.keyClicks(page.password_fields.password_edit, STRONG)
    qtbot.keyClicks(page.password_fields.confirm_edit, STRONG)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), LEFT)
    qtbot.waitUntil(lambda: wizard.currentId() == RECOVERY, timeout=WAIT_MS)
    assert fresh_gate.calls[-2:] == ["validate_setup", "create_clinic"]

    recovery = wizard.recovery_page
    assert recovery.key_label.text().replace("  ", "-").replace("\n", "-") == RECOVERY_KEY
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    qtbot.mouseClick(recovery.copy_button, LEFT)
    assert QApplication.clipboard().text() == RECOVERY_KEY
    recovery.stored_check.setChecked(True)
    assert finish.isEnabled()
    qtbot.mouseClick(finish, LEFT)

    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    dialog = controller.login_dialog
    assert dialog is not None
    assert dialog.username_edit.text() == "jsmith"
    assert dialog.demo_panel is None  # a real clinic shows no demo accounts
    qtbot.keyClicks(dialog.password_edit, STRONG)
    qtbot.mouseClick(dialog.sign_in_button, LEFT)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=WAIT_MS)


def test_wizard_weak_password_is_refused_inline(
    qtbot: QtBot, fresh_gate: FakeGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, fresh_gate, tasks)
    wizard = controller.wizard
    assert wizard is not None
    _wizard_to_manager_page(qtbot, wizard)
    page = wizard.manager_page
    qtbot.keyClicks(page.username_edit, "jsmith")
    qtbot.keyClicks(page.full_name_edit, "Jane Smith")
    qtbot.keyClicks(page.password_fields.password_edit, "short")
    assert "more characters needed" in page.password_fields.hint.text()
    qtbot.keyClicks(page.password_fields.confirm_edit, "short")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), LEFT)
    assert page.status.isVisible()
    assert "at least 12 characters" in page.status.text()
    # Long enough but containing the user's name: the gate's policy refuses it off-thread.
    weak = "jsmith-password-1"
    for edit in (page.password_fields.password_edit, page.password_fields.confirm_edit):
        edit.clear()
        qtbot.keyClicks(edit, weak)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), LEFT)
    qtbot.waitUntil(lambda: "too close" in page.status.text(), timeout=WAIT_MS)
    assert wizard.currentId() == MANAGER
    assert "create_clinic" not in fresh_gate.calls


def test_wrong_password_is_shown_inline_not_as_popup(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    dialog = controller.login_dialog
    assert dialog is not None
    type_credentials(qtbot, dialog, "manager", "not-the-password")
    qtbot.waitUntil(lambda: "not correct" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.isVisible()
    assert dialog.password_edit.text() == ""
    assert controller.surface.last_box is None


def test_five_failures_lock_the_account_with_a_plain_wait(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    dialog = controller.login_dialog
    assert dialog is not None
    for _ in range(5):
        type_credentials(qtbot, dialog, "frontdesk", "wrong-password-x")
        qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=WAIT_MS)
    type_credentials(qtbot, dialog, "frontdesk", account(controller, "frontdesk").password)
    qtbot.waitUntil(lambda: "Too many failed" in dialog.status.text(), timeout=WAIT_MS)
    assert "Try again in" in dialog.status.text()
    assert controller.window is None


def test_demo_panel_fills_credentials_and_signs_in(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    dialog = controller.login_dialog
    assert dialog is not None
    assert dialog.demo_panel is not None
    assert {"manager", "derm", "frontdesk", "itadmin"} <= set(dialog.demo_fill_buttons)
    qtbot.mouseClick(dialog.demo_fill_buttons["manager"], LEFT)
    assert dialog.username_edit.text() == "manager"
    assert dialog.password_edit.text() == account(controller, "manager").password
    qtbot.mouseClick(dialog.sign_in_button, LEFT)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=WAIT_MS)
    window = controller.window
    assert window is not None
    texts = [w.text() for w in window.statusBar().findChildren(QLabel)]
    joined = " ".join(texts)
    assert account(controller, "manager").full_name in joined
    assert "Clinic manager" in joined
    assert "Workstation:" in joined


def test_idle_lock_hides_pages_and_unlock_restores(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "manager")
    window.show_page("users")
    window.idle.set_timeout_ms(150)
    qtbot.waitUntil(lambda: window.is_locked, timeout=3000)
    assert not window.shell.isVisible()
    assert window.lock_screen.isVisible()
    # Tab cycles only through the lock screen: no page widget can take focus.
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is None or window.lock_screen.isAncestorOf(focused)
    assert not window.lock_action.isEnabled()

    lock = window.lock_screen
    qtbot.keyClicks(lock.password_edit, "wrong-password-1")
    qtbot.mouseClick(lock.unlock_button, LEFT)
    qtbot.waitUntil(
        lambda: lock.status.isVisible() and lock.unlock_button.isEnabled(), timeout=3000
    )
    assert window.is_locked
    qtbot.keyClicks(lock.password_edit, account(controller, "manager").password)
    qtbot.mouseClick(lock.unlock_button, LEFT)
    qtbot.waitUntil(lambda: not window.is_locked, timeout=WAIT_MS)
    assert window.shell.isVisible()
    assert window.current_page_key() == "users"
    assert window.idle.active


def test_ctrl_l_locks_and_sign_out_returns_to_login(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "manager")
    window.activateWindow()
    window.lock_action.trigger()  # Ctrl+L
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    assert window.is_locked
    window.lock_screen.reset()
    qtbot.keyClicks(window.lock_screen.password_edit, account(controller, "manager").password)
    qtbot.keyClick(window.lock_screen.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked, timeout=WAIT_MS)
    qtbot.mouseClick(window.sign_out_button, LEFT)
    qtbot.waitUntil(lambda: controller.stage == Stage.LOGIN, timeout=WAIT_MS)
    assert controller.window is None
    assert controller.login_dialog is not None
    assert controller.login_dialog.username_edit.text() == "manager"


def test_switch_user_rebuilds_window_for_new_role(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    old = sign_in(qtbot, controller, "manager")
    assert set(old.pages) == {
        "schedule",
        "patients",
        "checkin",
        "waitlist",
        "schedule_settings",
        "templates",
        "users",
        "settings",
        "audit",
    }
    old.lock()
    qtbot.mouseClick(old.lock_screen.switch_button, LEFT)
    window = sign_in(qtbot, controller, "itadmin")
    assert window is not old
    assert set(window.pages) == {"users", "settings", "audit"}
    assert window.session.actor.username == "itadmin"
    # The old session's window and pages are gone (deleteLater runs on a later loop turn).
    qtbot.waitUntil(lambda: not shiboken6.isValid(old), timeout=5000)
    assert not window.pages["users"].add_button.isVisible()  # IT may look, not change


def test_switch_user_cancel_returns_to_the_lock_screen(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "manager")
    window.switch_action.trigger()
    assert window.is_locked
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    assert controller.login_dialog is not None
    qtbot.mouseClick(controller.login_dialog.cancel_button, LEFT)
    qtbot.waitUntil(lambda: controller.login_dialog is None, timeout=WAIT_MS)
    assert controller.window is window
    assert window.is_locked
    assert controller.stage == Stage.SIGNED_IN


def test_front_desk_sees_only_its_pages(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "frontdesk")
    assert set(window.pages) == {"schedule", "patients", "checkin", "waitlist", "settings"}
    assert "charts" not in window.pages  # clinical content is for clinicians


def test_keychain_unavailable_asks_for_recovery_key(
    qtbot: QtBot, make_gate: object, tasks: TaskRunner
) -> None:
    fake = make_gate(keychain_ok=False)  # type: ignore[operator]
    controller = start(qtbot, fake, tasks)
    qtbot.waitUntil(lambda: controller.recovery_dialog is not None, timeout=WAIT_MS)
    dialog = controller.recovery_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.key_edit, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    qtbot.mouseClick(dialog.unlock_button, LEFT)
    qtbot.waitUntil(lambda: "does not open" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.isVisible()
    dialog.key_edit.clear()
    qtbot.keyClicks(dialog.key_edit, RECOVERY_KEY.lower())
    qtbot.mouseClick(dialog.unlock_button, LEFT)
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT_MS)
    assert fake.calls.count("unlock_with_recovery_key") == 2

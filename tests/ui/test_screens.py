"""Users, settings, audit and password screens driven through the real services."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox, QSpinBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.roles import Role
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui import theme
from dermai_desktop.ui.item_models.users_model import UsersTableModel
from dermai_desktop.ui.main_window import MainWindow
from dermai_desktop.ui.screens.audit_screen import AuditScreen
from dermai_desktop.ui.screens.settings_screen import LOCKED_TEXT, SettingsScreen
from dermai_desktop.ui.screens.user_dialogs import AddUserDialog
from dermai_desktop.ui.screens.users_screen import UsersScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.conftest import LOCKED_SETTING
from tests.ui.helpers import LEFT, WAIT_MS, sign_in, start

NEW_USER_PASSWORD = "Walnut-oboe-canyon-61"


def _manager_window(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> MainWindow:
    controller = start(qtbot, gate, tasks)
    return sign_in(qtbot, controller, "manager")


def _users_page(qtbot: QtBot, window: MainWindow) -> UsersScreen:
    window.show_page("users")
    page = window.pages["users"]
    assert isinstance(page, UsersScreen)
    qtbot.waitUntil(lambda: page.model.rowCount() >= 4, timeout=WAIT_MS)
    return page


def test_users_model_passes_qt_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, gate: ClinicGate, tasks: TaskRunner
) -> None:
    page = _users_page(qtbot, _manager_window(qtbot, gate, tasks))
    qtmodeltester.check(page.model)
    empty = UsersTableModel(page.model._now)
    qtmodeltester.check(empty)
    statuses = {page.model.index(r, 3).data() for r in range(page.model.rowCount())}
    assert statuses <= {"Active", "New password due", "Disabled", "Locked"}


def test_add_user_through_the_dialog(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    page = _users_page(qtbot, _manager_window(qtbot, gate, tasks))
    before = page.model.rowCount()
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, AddUserDialog)
    qtbot.keyClicks(dialog.username_edit, "npatel")
    qtbot.keyClicks(dialog.full_name_edit, "Dr Nita Patel")
    dialog.role_combo.setCurrentIndex(list(Role).index(Role.DERMATOLOGIST))
    qtbot.keyClicks(dialog.password_fields.password_edit, NEW_USER_PASSWORD)
    qtbot.keyClicks(dialog.password_fields.confirm_edit, NEW_USER_PASSWORD + "x")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert "do not match" in dialog.status.text()  # checked before any service call
    dialog.password_fields.confirm_edit.clear()
    qtbot.keyClicks(dialog.password_fields.confirm_edit, NEW_USER_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=WAIT_MS)
    row = page.model.row_of("npatel")
    assert page.model.index(row, 2).data() == "Dermatologist"
    assert page.model.index(row, 3).data() == "New password due"
    assert "npatel" in page.status.text()


def test_duplicate_user_name_is_refused_plainly(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    page = _users_page(qtbot, _manager_window(qtbot, gate, tasks))
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, AddUserDialog)
    qtbot.keyClicks(dialog.username_edit, "derm")
    qtbot.keyClicks(dialog.full_name_edit, "Someone Else")
    qtbot.keyClicks(dialog.password_fields.password_edit, NEW_USER_PASSWORD)
    qtbot.keyClicks(dialog.password_fields.confirm_edit, NEW_USER_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: "already taken" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.isVisible()


def test_disable_and_enable_a_user(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    page = _users_page(qtbot, _manager_window(qtbot, gate, tasks))
    page.select_username("frontdesk")
    assert page.toggle_button.text() == "Disable"
    qtbot.mouseClick(page.toggle_button, LEFT)
    box = page.dialog
    assert isinstance(box, QMessageBox)
    confirm = next(b for b in box.buttons() if b.text() == "Disable")
    qtbot.mouseClick(confirm, LEFT)
    row = lambda: page.model.row_of("frontdesk")  # noqa: E731
    qtbot.waitUntil(lambda: page.model.index(row(), 3).data() == "Disabled", timeout=WAIT_MS)
    page.select_username("frontdesk")
    assert page.toggle_button.text() == "Enable"
    qtbot.mouseClick(page.toggle_button, LEFT)
    qtbot.waitUntil(lambda: page.model.index(row(), 3).data() != "Disabled", timeout=WAIT_MS)


def test_manager_cannot_disable_themself(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    page = _users_page(qtbot, _manager_window(qtbot, gate, tasks))
    page.select_username("manager")
    qtbot.mouseClick(page.toggle_button, LEFT)
    box = page.dialog
    assert isinstance(box, QMessageBox)
    qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "Disable"), LEFT)
    qtbot.waitUntil(
        lambda: page.status.isVisible() and page.status.property("kind") == "error",
        timeout=WAIT_MS,
    )
    assert "Traceback" not in page.status.text()
    assert page.model.index(page.model.row_of("manager"), 3).data() != "Disabled"


def test_locked_setting_is_read_only_and_others_save(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    window = _manager_window(qtbot, gate, tasks)
    window.show_page("settings")
    page = window.pages["settings"]
    assert isinstance(page, SettingsScreen)
    qtbot.waitUntil(lambda: LOCKED_SETTING in page.rows, timeout=WAIT_MS)
    locked = page.rows[LOCKED_SETTING]
    assert not locked.editor.isEnabled()
    assert locked.editor.toolTip() == LOCKED_TEXT
    assert locked.setting.source == "machine"
    assert not page.save_button.isEnabled()

    idle = page.rows["security.idle_lock_minutes"].editor
    assert isinstance(idle, QSpinBox)
    assert idle.isEnabled()
    idle.setValue(15)
    assert page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, LEFT)
    qtbot.waitUntil(
        lambda: page.rows["security.idle_lock_minutes"].setting.source == "clinic", timeout=WAIT_MS
    )
    assert page.rows["security.idle_lock_minutes"].setting.value == 15
    assert "Saved 1 change" in page.status.text()


def test_a_refused_setting_keeps_what_was_typed_and_says_why(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    window = _manager_window(qtbot, gate, tasks)
    window.show_page("settings")
    page = window.pages["settings"]
    assert isinstance(page, SettingsScreen)
    name = "imaging.device_fields_of_view"
    qtbot.waitUntil(lambda: name in page.rows, timeout=WAIT_MS)
    field = page.rows[name].editor
    assert isinstance(field, QLineEdit)
    field.setText("DermLite 25")
    qtbot.mouseClick(page.save_button, LEFT)
    qtbot.waitUntil(lambda: page.status.property("kind") == "error", timeout=WAIT_MS)
    assert "Make Model = mm" in page.status.text()
    # The page re-reads what is in force and puts the unsaved text back to be corrected.
    qtbot.waitUntil(lambda: page.rows[name].editor is not field, timeout=WAIT_MS)
    retyped = page.rows[name].editor
    assert isinstance(retyped, QLineEdit)
    assert retyped.text() == "DermLite 25"
    assert page.save_button.isEnabled()


def test_theme_setting_switches_to_dark(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    window = _manager_window(qtbot, gate, tasks)
    window.show_page("settings")
    page = window.pages["settings"]
    assert isinstance(page, SettingsScreen)
    qtbot.waitUntil(lambda: "ui.theme" in page.rows, timeout=WAIT_MS)
    combo = page.rows["ui.theme"].editor
    assert isinstance(combo, QComboBox)
    combo.setCurrentText("dark")
    qtbot.mouseClick(page.save_button, LEFT)
    qtbot.waitUntil(lambda: theme.current_theme() == "dark", timeout=WAIT_MS)


def test_audit_verify_reports_ok(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    window = _manager_window(qtbot, gate, tasks)
    window.show_page("audit")
    page = window.pages["audit"]
    assert isinstance(page, AuditScreen)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=WAIT_MS)
    assert page.model.index(0, 4).data()  # newest first, an action label
    qtbot.mouseClick(page.verify_button, LEFT)
    qtbot.waitUntil(lambda: "intact" in page.status.text(), timeout=WAIT_MS)
    assert "entries checked" in page.status.text()
    assert page.status.property("kind") == "success"


def test_change_password_dialog_checks_inline_then_changes(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "manager")
    old = next(a for a in controller.clinic.demo_accounts if a.username == "manager").password
    dialog = window.open_change_password()
    assert dialog is not None
    qtbot.keyClicks(dialog.old_edit, old)
    qtbot.keyClicks(dialog.new_fields.password_edit, "short")
    qtbot.keyClicks(dialog.new_fields.confirm_edit, "short")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert "at least 12" in dialog.status.text()
    for edit in (dialog.new_fields.password_edit, dialog.new_fields.confirm_edit):
        edit.clear()
        qtbot.keyClicks(edit, "Juniper-bassoon-ridge-27")
    dialog.old_edit.clear()
    qtbot.keyClicks(dialog.old_edit, "not-my-password")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(
        lambda: dialog.ok_button.isEnabled() and "not correct" in dialog.status.text(),
        timeout=WAIT_MS,
    )
    dialog.old_edit.clear()
    qtbot.keyClicks(dialog.old_edit, old)
    with qtbot.waitSignal(dialog.password_changed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.ok_button, LEFT)

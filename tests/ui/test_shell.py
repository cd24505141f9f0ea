"""The application shell: pages per role, wiring of screens, shortcuts, help, theme switch."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui import shell_pages, theme
from dermai_desktop.ui.chart_tabs import ChartTabs
from dermai_desktop.ui.main_window import MainWindow
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.screens.checkin_screen import CheckInScreen
from dermai_desktop.ui.screens.help_screen import HelpScreen
from dermai_desktop.ui.screens.patients_screen import PatientsScreen
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.screens.settings_screen import SettingsScreen
from dermai_desktop.ui.screens.templates_screen import TemplatesScreen
from dermai_desktop.ui.screens.waitlist_recall_screen import WaitlistRecallScreen
from dermai_desktop.ui.shell_pages import SHELL_SHORTCUTS
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.empty_state import EmptyState
from tests.ui.helpers import sign_in, start

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class FakePatients(QWidget):
    open_chart_requested = Signal(str)
    book_requested = Signal(str)
    SHORTCUTS = (("Alt+R", "Refresh the patient list"),)

    def __init__(self, session: object, tasks: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calls: list[str] = []
        self.search_edit = QLineEdit(self)
        self.search_edit.setAccessibleName("Search patients")

    def focus_search(self) -> None:
        self.calls.append("focus_search")

    def new_patient(self) -> None:
        self.calls.append("new_patient")


class FakeSchedule(QWidget):
    open_chart_requested = Signal(str)
    appointment_changed = Signal(object)
    offers_available = Signal(object)
    SHORTCUTS = (("T", "Today"), ("Ctrl+Z", "Undo the last change"))

    def __init__(self, session: object, tasks: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calls: list[tuple[str, ...]] = []

    def new_appointment(self) -> None:
        self.calls.append(("new_appointment",))

    def go_today(self) -> None:
        self.calls.append(("go_today",))

    def book_for_patient(self, patient_id: str) -> None:
        self.calls.append(("book_for_patient", patient_id))

    def refresh(self) -> None:
        self.calls.append(("refresh",))


class FakeBoard(QWidget):
    """Stands in for the check-in board and the waitlist page."""

    open_chart_requested = Signal(str)
    appointment_changed = Signal(object)

    def __init__(self, session: object, tasks: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calls: list[tuple[str, ...]] = []

    def refresh(self) -> None:
        self.calls.append(("refresh",))

    def show_offers(self, offers: tuple[object, ...]) -> None:
        self.calls.append(("show_offers", *map(str, offers)))


class FakeChart(QWidget):
    closed = Signal()
    book_follow_up_requested = Signal(str)
    SHORTCUTS = (("Ctrl+Shift+A", "Add an addendum"),)
    instances: ClassVar[list[FakeChart]] = []

    def __init__(self, session: object, tasks: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calls: list[str] = []
        FakeChart.instances.append(self)

    def open_patient(self, patient_id: str) -> None:
        self.setWindowTitle(f"Patient {patient_id}")

    def save(self) -> None:
        self.calls.append("save")

    def sign(self) -> None:
        self.calls.append("sign")

    def about_to_close(self) -> None:
        self.calls.append("about_to_close")


class BrokenScreen(QWidget):
    def __init__(self, session: object, tasks: object, parent: QWidget | None = None) -> None:
        raise RuntimeError("this screen has a bug")


FAKES: dict[str, object] = {
    "patients": FakePatients,
    "schedule": FakeSchedule,
    "checkin": FakeBoard,
    "waitlist": FakeBoard,
    "charts": functools.partial(ChartTabs, chart_factory=FakeChart),
}


def _use_screens(monkeypatch: pytest.MonkeyPatch, screens: dict[str, object]) -> None:
    """Build the pages in ``screens`` from the given classes instead of the real ones."""
    pages = tuple(
        dataclasses.replace(spec, screen=screens[spec.key]) if spec.key in screens else spec
        for spec in shell_pages.PAGES
    )
    monkeypatch.setattr(shell_pages, "PAGES", pages)


@pytest.fixture
def fake_screens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the other areas' screens by fakes; users, settings, audit stay real."""
    FakeChart.instances.clear()
    _use_screens(monkeypatch, FAKES)


def _window(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, username: str) -> MainWindow:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, username)
    window.activateWindow()
    qtbot.waitExposed(window)
    return window


def _key(window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    target = QApplication.focusWidget() or window
    QTest.keyClick(target, key, modifiers)


# --- pages per role ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("derm", ["schedule", "patients", "charts", "checkin", "waitlist", "settings"]),
        ("frontdesk", ["schedule", "patients", "checkin", "waitlist", "settings"]),
        (
            "manager",
            [
                "schedule",
                "patients",
                "checkin",
                "waitlist",
                "schedule_settings",
                "templates",
                "users",
                "settings",
                "audit",
            ],
        ),
        ("itadmin", ["users", "settings", "audit"]),
    ],
)
def test_navigation_follows_the_role(
    qtbot: QtBot,
    gate: ClinicGate,
    tasks: TaskRunner,
    fake_screens: object,
    username: str,
    expected: list[str],
) -> None:
    window = _window(qtbot, gate, tasks, username)
    keys = [window.nav.item(r).data(Qt.ItemDataRole.UserRole) for r in range(window.nav.count())]
    assert keys == expected
    for row in range(window.nav.count()):
        assert window.nav.item(row).data(Qt.ItemDataRole.AccessibleTextRole)
    # Ctrl+<n> goes to the n-th page.
    _key(window, Qt.Key.Key_2, CTRL)
    assert window.current_page_key() == expected[1]


def test_a_screen_that_fails_to_build_becomes_a_plain_error_page(
    qtbot: QtBot,
    gate: ClinicGate,
    tasks: TaskRunner,
    fake_screens: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _use_screens(monkeypatch, {"patients": BrokenScreen})
    with caplog.at_level(logging.ERROR, logger="dermai_desktop.ui.shell_pages"):
        window = _window(qtbot, gate, tasks, "frontdesk")
    page = window.pages["patients"]
    assert isinstance(page, EmptyState)
    assert page.title_label.text() == "Patients could not be opened"
    assert "tell IT" in page.text_label.text()
    assert any("patients" in r.getMessage() for r in caplog.records)
    assert isinstance(window.pages["schedule"], FakeSchedule)  # the rest of the window works
    # The shortcuts say plainly that the screen is not there, and nothing breaks.
    assert window.find_patient() is False
    assert window.current_page_key() == "patients"
    assert "could not be opened" in window.statusBar().currentMessage()


def test_pages_name_the_real_screen_classes() -> None:
    screens = {spec.key: spec.screen for spec in shell_pages.PAGES}
    assert screens["schedule"] is ScheduleScreen
    assert screens["patients"] is PatientsScreen
    assert screens["charts"] is ChartTabs
    assert screens["checkin"] is CheckInScreen
    assert screens["waitlist"] is WaitlistRecallScreen
    assert screens["templates"] is TemplatesScreen
    assert screens["settings"] is SettingsScreen
    assert ChartTabs.__init__.__defaults__ == (ChartScreen, None)


# --- shortcuts -------------------------------------------------------------------------


def test_front_desk_shortcuts_reach_the_right_screen(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "frontdesk")
    patients = window.pages["patients"]
    schedule = window.pages["schedule"]
    assert isinstance(patients, FakePatients)
    assert isinstance(schedule, FakeSchedule)
    window.show_page("settings")

    _key(window, Qt.Key.Key_F, CTRL)
    assert window.current_page_key() == "patients"
    assert patients.calls == ["focus_search"]
    _key(window, Qt.Key.Key_N, CTRL)
    assert patients.calls == ["focus_search", "new_patient"]
    _key(window, Qt.Key.Key_N, CTRL | SHIFT)
    assert window.current_page_key() == "schedule"
    assert schedule.calls == [("new_appointment",)]
    window.show_page("patients")
    _key(window, Qt.Key.Key_T, CTRL)
    assert window.current_page_key() == "schedule"
    assert schedule.calls[-1] == ("go_today",)

    # Signing is a clinician's: the front desk is told so, nothing else happens.
    _key(window, Qt.Key.Key_S, CTRL | SHIFT)
    assert "Open a chart" in window.statusBar().currentMessage()


def test_it_admin_is_told_plainly_when_a_shortcut_is_not_for_them(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "itadmin")
    _key(window, Qt.Key.Key_N, CTRL)
    assert "front desk and clinicians" in window.statusBar().currentMessage()
    assert window.new_appointment() is False
    assert window.current_page_key() == "users"


def test_charts_open_as_tabs_and_save_sign_close_by_keyboard(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "derm")
    patients = window.pages["patients"]
    assert isinstance(patients, FakePatients)
    assert window.charts is not None
    assert window.charts.stack.currentWidget() is window.charts.empty

    patients.open_chart_requested.emit("p-1")
    assert window.current_page_key() == "charts"
    patients.open_chart_requested.emit("p-2")
    patients.open_chart_requested.emit("p-1")  # already open: brought forward, not reopened
    tabs = window.charts.tabs
    assert tabs.count() == 2
    assert tabs.tabText(tabs.currentIndex()) == "Patient p-1"
    chart = FakeChart.instances[0]

    _key(window, Qt.Key.Key_S, CTRL)
    _key(window, Qt.Key.Key_S, CTRL | SHIFT)
    assert chart.calls == ["save", "sign"]
    _key(window, Qt.Key.Key_W, CTRL)
    assert chart.calls[-1] == "about_to_close"  # the draft is saved before the tab goes
    assert window.charts.open_patient_ids() == ["p-2"]
    FakeChart.instances[1].closed.emit()
    assert window.charts.stack.currentWidget() is window.charts.empty


def test_book_requests_reach_the_schedule(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "frontdesk")
    patients, schedule = window.pages["patients"], window.pages["schedule"]
    assert isinstance(patients, FakePatients)
    assert isinstance(schedule, FakeSchedule)
    patients.book_requested.emit("p-9")
    assert window.current_page_key() == "schedule"
    assert schedule.calls == [("book_for_patient", "p-9")]
    # The front desk cannot open charts: asking explains instead of opening anything.
    patients.open_chart_requested.emit("p-9")
    assert "clinicians" in window.statusBar().currentMessage()


def test_a_chart_books_its_follow_up_on_the_schedule(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: None
) -> None:
    window = _window(qtbot, gate, tasks, "derm")
    schedule = window.pages["schedule"]
    assert isinstance(schedule, FakeSchedule)
    window.open_chart("p-3")
    FakeChart.instances[0].book_follow_up_requested.emit("p-3")
    assert window.current_page_key() == "schedule"
    assert schedule.calls == [("book_for_patient", "p-3")]


def test_an_appointment_change_refreshes_the_other_appointment_pages(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: None
) -> None:
    window = _window(qtbot, gate, tasks, "frontdesk")
    schedule, checkin, waitlist = (window.pages[k] for k in ("schedule", "checkin", "waitlist"))
    assert isinstance(schedule, FakeSchedule)
    assert isinstance(checkin, FakeBoard)
    assert isinstance(waitlist, FakeBoard)
    schedule.appointment_changed.emit(object())
    assert checkin.calls == [("refresh",)]
    assert waitlist.calls == [("refresh",)]
    assert schedule.calls == []  # the page that changed it already shows the change
    checkin.appointment_changed.emit(object())  # e.g. marked arrived on the board
    assert schedule.calls == [("refresh",)]
    assert waitlist.calls == [("refresh",), ("refresh",)]
    assert checkin.calls == [("refresh",)]


def test_a_freed_slot_is_offered_on_the_waitlist_without_leaving_the_schedule(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: None
) -> None:
    window = _window(qtbot, gate, tasks, "frontdesk")
    schedule, waitlist = window.pages["schedule"], window.pages["waitlist"]
    assert isinstance(schedule, FakeSchedule)
    assert isinstance(waitlist, FakeBoard)
    window.show_page("schedule")
    schedule.offers_available.emit(("offer-1", "offer-2"))
    assert waitlist.calls == [("show_offers", "offer-1", "offer-2")]
    assert window.current_page_key() == "schedule"
    message = window.statusBar().currentMessage()
    assert "2 waitlisted patients could take the freed slot" in message
    assert "Waitlist & recalls (Ctrl+4)" in message


def test_f1_lists_every_shortcut(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "derm")
    _key(window, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(lambda: isinstance(window.dialog, HelpScreen), timeout=2000)
    help_screen = window.dialog
    assert isinstance(help_screen, HelpScreen)
    listed = {(s.keys, s.text) for s in help_screen.shortcuts}
    for shortcut in SHELL_SHORTCUTS:
        assert (shortcut.keys, shortcut.text) in listed
    # ...and each installed screen's own keys, with where they work.
    where = {s.keys: s.where for s in help_screen.shortcuts}
    assert where["Alt+R"] == "Patients"
    assert where["Ctrl+Z"] == "Schedule"
    assert where["Ctrl+Shift+A"] == "Chart"
    for keys in ("Ctrl+F", "Ctrl+N", "Ctrl+Shift+N", "Ctrl+T", "Ctrl+S", "Ctrl+Shift+S", "F1"):
        assert keys in help_screen.visible_keys()
    qtbot.keyClicks(help_screen.filter_edit, "sign")
    assert help_screen.visible_keys() == ["Ctrl+Shift+S"]
    help_screen.reject()


def test_controls_in_the_shell_have_accessible_names_and_tab_into_the_page(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "manager")
    assert window.nav.accessibleName() == "Navigation"
    for widget in window.shell.findChildren(QAbstractButton):
        if widget.isVisibleTo(window):
            assert widget.accessibleName() or widget.text(), widget.objectName()
    # Tab leaves the navigation into the page in front, not into the sidebar buttons.
    window.show_page("users")
    window.nav.setFocus()
    QTest.keyClick(window.nav, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None
    assert window.page_stack.isAncestorOf(focused)


# --- theme -----------------------------------------------------------------------------


def test_theme_switch_applies_live_and_redraws_icons(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "manager")
    before = window.status_lock_button.icon().pixmap(20, 20).toImage()
    window._apply_theme("dark")
    assert theme.current_theme() == "dark"
    assert window.status_lock_button.icon().pixmap(20, 20).toImage() != before
    assert QApplication.instance().styleSheet()  # type: ignore[union-attr]
    window._apply_theme("light")
    assert theme.current_theme() == "light"


@pytest.mark.parametrize("name", theme.THEMES)
def test_every_area_style_sheet_is_loaded_with_every_token_defined(name: str) -> None:
    sheet = theme.build_stylesheet(name)
    for file in theme.area_stylesheets(name):
        assert file.startswith("styles/")
    rules = re.sub(r"/\*.*?\*/", "", sheet, flags=re.DOTALL)  # comments may say "@tokens"
    leftovers = sorted(set(theme._TOKEN.findall(rules)))
    assert leftovers == [], f"undefined style tokens in {name}: {leftovers}"


def test_area_files_load_shared_then_theme_specific(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "base.qss").write_text("QWidget { color: @text; }")
    (styles / "light.qss").write_text("/* @define text: #111111; */")
    (styles / "dark.qss").write_text("/* @define text: #eeeeee; */")
    (styles / "zeta.qss").write_text("QLabel#zeta { color: @text; }")
    (styles / "alpha.qss").write_text("QLabel#alpha { color: red; }")
    (styles / "alpha.dark.qss").write_text("QLabel#alpha { color: pink; }")
    monkeypatch.setattr(theme, "resources_dir", lambda: tmp_path)
    theme._read.cache_clear()
    try:
        assert theme.area_stylesheets("light") == ["styles/alpha.qss", "styles/zeta.qss"]
        assert theme.area_stylesheets("dark")[-1] == "styles/alpha.dark.qss"
        dark = theme.build_stylesheet("dark")
        assert dark.index("color: red") < dark.index("color: pink")
        assert "QLabel#zeta { color: #eeeeee; }" in dark
        assert "pink" not in theme.build_stylesheet("light")
    finally:
        theme._read.cache_clear()


def test_clicking_patients_in_the_navigation_puts_the_caret_in_the_search(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    window = _window(qtbot, gate, tasks, "frontdesk")
    patients = window.pages["patients"]
    assert isinstance(patients, FakePatients)
    row = next(
        r
        for r in range(window.nav.count())
        if window.nav.item(r).data(Qt.ItemDataRole.UserRole) == "patients"
    )
    rect = window.nav.visualItemRect(window.nav.item(row))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_page_key() == "patients"
    assert patients.calls == ["focus_search"]


def test_a_saved_schedule_setting_reloads_the_schedule(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, fake_screens: object
) -> None:
    from dermai_desktop.ui.signals import emit

    window = _window(qtbot, gate, tasks, "manager")
    schedule = window.pages["schedule"]
    settings = window.pages["schedule_settings"]
    assert isinstance(schedule, FakeSchedule)
    emit(settings.schedule_config_changed)  # type: ignore[attr-defined]
    assert ("refresh",) in schedule.calls

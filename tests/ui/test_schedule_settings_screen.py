"""Schedule settings (managers) over the real services and an encrypted demo clinic."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.errors import PermissionDenied
from dermai_desktop.domain.patients import PatientDraft, Sex
from dermai_desktop.domain.scheduling import (
    AppointmentType,
    BookingRequest,
    ConflictKind,
    ScheduleConflict,
)
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.main_window import MainWindow
from dermai_desktop.ui.screens.schedule_dialogs import BookingDialog
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.screens.schedule_settings_parts import AppointmentTypeDialog
from dermai_desktop.ui.screens.schedule_settings_screen import TABS, ScheduleSettingsScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.helpers import LEFT, WAIT_MS, sign_in, start

FRIDAY = 4


def _weekday_ahead(today: date, weekday: int, weeks: int = 2) -> date:
    day = today + timedelta(days=7 * weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _manager_page(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> tuple[MainWindow, ScheduleSettingsScreen]:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "manager")
    if getattr(window.session.services, "schedule", None) is None:
        pytest.skip("the real schedule service is not wired")
    window.controller = controller  # type: ignore[attr-defined]
    assert window.show_page("schedule_settings")
    page = window.pages["schedule_settings"]
    assert isinstance(page, ScheduleSettingsScreen)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: page.config is not None, timeout=WAIT_MS)
    return window, page


def _saved(qtbot: QtBot, tasks: TaskRunner, page: ScheduleSettingsScreen) -> None:
    tasks.wait_idle(WAIT_MS)
    qtbot.waitUntil(lambda: page.status.property("kind") != "info", timeout=WAIT_MS)


def test_manager_adds_a_type_and_the_booking_dialog_offers_it(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    window, page = _manager_page(qtbot, gate, tasks)
    assert page.tabs.tabText(0) == TABS[0]
    assert page.types_table.rowCount() >= 5  # the built-in five
    changes: list[None] = []
    page.schedule_config_changed.connect(lambda: changes.append(None))

    qtbot.mouseClick(page.add_type_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, AppointmentTypeDialog)
    qtbot.keyClicks(dialog.name_edit, "Mole mapping")
    dialog.minutes_spin.setValue(40)
    dialog.colour_edit.clear()
    qtbot.keyClicks(dialog.colour_edit, "#12ab34")
    picker = dialog.pick_colour()  # the colour picker opens on the typed colour
    assert picker.currentColor().name() == "#12ab34"
    picker.reject()
    qtbot.mouseClick(dialog.ok_button, LEFT)
    tasks.wait_idle(WAIT_MS)
    qtbot.waitUntil(lambda: page.select_row(page.types_table, "Mole mapping"), timeout=WAIT_MS)
    assert changes, "schedule_config_changed() after the save"
    row = page.types_table.currentRow()
    assert page.types_table.item(row, 1).text() == "40 min"
    assert page.types_table.item(row, 2).text() == "#12AB34"

    session = window.session
    config = session.services.schedule.config(session.actor)
    kind = next(k for k in config.types if k.label == "Mole mapping")
    assert (kind.duration_minutes, kind.colour, kind.active) == (40, "#12AB34", True)

    def booking_codes() -> list[str]:
        schedule = ScheduleScreen(session, tasks)
        qtbot.addWidget(schedule)
        schedule.show()
        qtbot.waitUntil(lambda: schedule.data is not None, timeout=WAIT_MS)
        booking = schedule.new_appointment()
        assert isinstance(booking, BookingDialog)
        codes = [booking.type_combo.itemData(i) for i in range(booking.type_combo.count())]
        booking.reject()
        return codes

    assert kind.code in booking_codes()

    # Deactivate rather than delete: no longer offered, still listed here.
    assert page.selected_type() == kind
    assert page.toggle_type_button.text() == "Stop offering"
    qtbot.mouseClick(page.toggle_type_button, LEFT)
    _saved(qtbot, tasks, page)
    assert "no longer offered" in page.status.text()
    assert kind.code not in booking_codes()
    assert page.select_row(page.types_table, "Mole mapping")
    assert page.toggle_type_button.text() == "Offer again"


def test_type_dialog_explains_a_bad_colour_without_saving(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    _window, page = _manager_page(qtbot, gate, tasks)
    assert page.select_row(page.types_table, "Follow-up")
    qtbot.mouseClick(page.edit_type_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, AppointmentTypeDialog)
    assert dialog.name_edit.text() == "Follow-up"
    dialog.colour_edit.setText("teal")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.isVisible()
    assert "#2E7D9A" in dialog.status.text()


def test_a_dermatologists_friday_off_removes_friday_slots(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    window, page = _manager_page(qtbot, gate, tasks)
    session = window.session
    schedule = session.services.schedule
    page.tabs.setCurrentIndex(TABS.index("Dermatologists' hours"))
    assert page.provider_combo.count() >= 1
    page.provider_combo.setCurrentIndex(0)
    provider_id = page.provider_combo.currentData()
    config = schedule.config(session.actor)
    friday = _weekday_ahead(date.today(), FRIDAY)

    def slots_on(day: date) -> list[object]:
        return schedule.find_free_slots(
            session.actor,
            "follow_up",
            provider_id=provider_id,
            after=config.at(day, time(0, 0)),
            within_days=1,
        )

    assert slots_on(friday), "Fridays are bookable before the change"

    # A break that ends before it starts is explained inline, and nothing is saved.
    page.breaks_grid.set_day(0, True, time(13, 0), time(12, 0))
    qtbot.mouseClick(page.save_provider_button, LEFT)
    assert "Monday" in page.status.text()
    assert page.status.property("kind") == "error"
    qtbot.mouseClick(page.revert_provider_button, LEFT)

    if page.same_as_clinic.isChecked():
        page.same_as_clinic.setChecked(False)
    assert page.working_grid.isEnabled()
    page.working_grid.set_day(FRIDAY, False)
    page.breaks_grid.set_day(2, True, time(12, 30), time(13, 15))  # a Wednesday lunch
    qtbot.mouseClick(page.save_provider_button, LEFT)
    _saved(qtbot, tasks, page)
    assert page.status.property("kind") == "success", page.status.text()
    assert not slots_on(friday)
    assert slots_on(friday - timedelta(days=1)), "Thursday is still offered"
    saved = schedule.config(session.actor).hours_for(provider_id)
    assert saved.working.on(FRIDAY) == ()
    assert [s.text() for s in saved.breaks.on(2)] == ["12:30–13:15"]
    assert saved.breaks.on(0) == (), "the reverted Monday break was not saved"


def test_the_service_refusal_is_shown_in_plain_words(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    _window, page = _manager_page(qtbot, gate, tasks)
    page.tabs.setCurrentIndex(TABS.index("Opening hours"))
    for weekday in range(7):
        page.clinic_grid.set_day(weekday, False)
    qtbot.mouseClick(page.save_clinic_button, LEFT)
    _saved(qtbot, tasks, page)
    assert page.status.property("kind") == "error"
    assert "open on at least one day" in page.status.text()


def test_a_holiday_refuses_booking_and_front_desk_has_no_page(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    window, page = _manager_page(qtbot, gate, tasks)
    page.tabs.setCurrentIndex(TABS.index("Holidays & leave"))
    day = _weekday_ahead(date.today(), 2)
    page.holiday_date.setDate(QDate(day.year, day.month, day.day))
    qtbot.keyClicks(page.holiday_name_edit, "Staff training day")
    assert page.holiday_who.currentText() == "Whole clinic"
    qtbot.mouseClick(page.add_holiday_button, LEFT)
    _saved(qtbot, tasks, page)
    assert page.status.property("kind") == "success", page.status.text()
    assert page.holidays_table.rowCount() == 1
    assert page.holidays_table.item(0, 1).text() == "Staff training day"
    assert page.holidays_table.item(0, 2).text() == "Whole clinic"

    # The same day twice is refused by the service, inline.
    qtbot.keyClicks(page.holiday_name_edit, "Again")
    qtbot.mouseClick(page.add_holiday_button, LEFT)
    _saved(qtbot, tasks, page)
    assert "already marked" in page.status.text()
    page.holiday_name_edit.clear()

    # Switch to the front desk: no such page, the service refuses, booking that day is refused.
    controller = window.controller  # type: ignore[attr-defined]
    window.lock()
    qtbot.mouseClick(window.lock_screen.switch_button, LEFT)
    desk = sign_in(qtbot, controller, "frontdesk")
    assert "schedule_settings" not in desk.pages
    session = desk.session
    schedule = session.services.schedule
    with pytest.raises(PermissionDenied):
        schedule.save_appointment_type(
            session.actor, AppointmentType("sneaky", "Sneaky", 10, "#000000")
        )
    patient = session.services.patients.register(
        session.actor,
        PatientDraft("Margaret", "Ellison", date(1961, 7, 14), next(iter(Sex)), phone="0123456789"),
    )
    provider = schedule.providers(session.actor)[0]
    config = schedule.config(session.actor)
    request = BookingRequest(patient.id, provider.id, config.at(day, time(10, 0)), "follow_up")
    with pytest.raises(ScheduleConflict) as refused:
        schedule.book(session.actor, request)
    assert ConflictKind.HOLIDAY in {c.kind for c in refused.value.conflicts}
    next_day = BookingRequest(
        patient.id, provider.id, config.at(day + timedelta(days=1), time(10, 0)), "follow_up"
    )
    assert schedule.book(session.actor, next_day).appointment is not None


def test_a_manager_removes_leave_again(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    window, page = _manager_page(qtbot, gate, tasks)
    page.tabs.setCurrentIndex(TABS.index("Holidays & leave"))
    day = _weekday_ahead(date.today(), 0, weeks=3)
    page.holiday_date.setDate(QDate(day.year, day.month, day.day))
    page.holiday_who.setCurrentIndex(1)  # the first dermatologist's leave
    qtbot.keyClicks(page.holiday_name_edit, "Conference")
    qtbot.keyClick(page.holiday_name_edit, Qt.Key.Key_Return)
    _saved(qtbot, tasks, page)
    assert page.holidays_table.item(0, 2).text().endswith("(leave)")
    holiday = window.session.services.schedule.config(window.session.actor).holidays[0]
    assert holiday.provider_id == page.providers[0].id
    page.holidays_table.selectRow(0)
    qtbot.mouseClick(page.remove_holiday_button, LEFT)
    _saved(qtbot, tasks, page)
    assert page.holidays_table.rowCount() == 0
    assert "removed" in page.status.text()

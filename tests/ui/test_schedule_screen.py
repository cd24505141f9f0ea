"""The schedule driven as the front desk does: click to book, drag, resize, undo, cancel."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.scheduling import AppointmentStatus
from dermai_desktop.ui.screens.schedule_dialogs import BookingDialog, CancelDialog
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.schedule_support import LINDQVIST, OKAFOR, Clinic, make_clinic

LEFT = Qt.MouseButton.LeftButton
WAIT = 3000


@pytest.fixture
def clinic() -> Clinic:
    return make_clinic()


@pytest.fixture
def screen(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> ScheduleScreen:
    widget = ScheduleScreen(clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(1200, 820)
    widget.show()
    widget.show_date(clinic.day)
    qtbot.waitUntil(
        lambda: widget.data is not None and widget.data.start == clinic.day, timeout=WAIT
    )
    tasks.wait_idle(WAIT)
    return widget


def _reload(qtbot: QtBot, screen: ScheduleScreen, tasks: TaskRunner) -> None:
    screen.refresh()
    tasks.wait_idle(WAIT)


def _point(screen: ScheduleScreen, provider: str, hour: int, minute: int = 0) -> QPoint:
    col = screen.view.grid.column_index(screen.anchor, provider)
    assert col >= 0
    screen.view.scroll_to_minute(7 * 60)
    return screen.view.viewport_point(col, hour * 60 + minute + 2)


def _drag(qtbot: QtBot, screen: ScheduleScreen, start: QPoint, end: QPoint) -> None:
    vp = screen.view.viewport()
    qtbot.mousePress(vp, LEFT, pos=start)
    mid = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(vp, mid)
    qtbot.mouseMove(vp, end)
    qtbot.mouseRelease(vp, LEFT, pos=end)


def test_click_an_empty_slot_and_book(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    qtbot.mouseClick(screen.view.viewport(), LEFT, pos=_point(screen, OKAFOR, 10, 0))
    dialog = screen.dialog
    assert isinstance(dialog, BookingDialog)
    assert dialog.time_edit.time().toString("HH:mm") == "10:00"
    assert not dialog.book_button.isEnabled()  # no patient yet
    qtbot.keyClicks(dialog.patient_edit, "ellis")
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=WAIT)
    qtbot.mouseClick(
        dialog.patient_list.viewport(),
        LEFT,
        pos=dialog.patient_list.visualItemRect(dialog.patient_list.item(0)).center(),
    )
    assert dialog.patient is not None
    assert dialog.book_button.isEnabled()
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("full_skin_check"))
    assert dialog.duration_spin.value() == 30  # default length follows the type
    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(lambda: len(clinic.schedule.appointments) == 1, timeout=WAIT)
    appt = next(iter(clinic.schedule.appointments.values()))
    assert appt.start == clinic.at(10)
    assert appt.end == clinic.at(10, 30)
    assert appt.provider_id == OKAFOR
    assert appt.patient_id == clinic.patients["ellison"]
    qtbot.waitUntil(lambda: screen.view.block(appt.id) is not None, timeout=WAIT)
    assert "MainThread" not in clinic.schedule.threads  # every call went off the GUI thread


def test_enter_on_a_patient_chooses_them_and_a_second_enter_books(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic
) -> None:
    """One key press does one thing: Enter in the list picks the patient, it does not book."""
    qtbot.mouseClick(screen.view.viewport(), LEFT, pos=_point(screen, OKAFOR, 10, 0))
    dialog = screen.dialog
    assert isinstance(dialog, BookingDialog)
    qtbot.keyClicks(dialog.patient_edit, "ellis")
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=WAIT)
    qtbot.keyClick(dialog.patient_edit, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.patient_list, Qt.Key.Key_Return)
    assert dialog.patient is not None
    assert dialog.isVisible()
    qtbot.wait(100)
    assert clinic.schedule.appointments == {}  # chosen, not yet booked
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(clinic.schedule.appointments) == 1, timeout=WAIT)


def test_booking_conflict_is_explained_in_the_dialog(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    clinic.schedule.seed(clinic.patients["herrera"], OKAFOR, clinic.at(10), 30)
    _reload(qtbot, screen, tasks)
    dialog = screen.open_booking(OKAFOR, clinic.day, 10 * 60 + 15)
    assert dialog is not None
    qtbot.keyClicks(dialog.patient_edit, "raman")
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=WAIT)
    dialog.patient_list.setFocus()
    qtbot.keyClick(dialog.patient_list, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(dialog.status.isVisible, timeout=WAIT)
    assert "Dr Okafor already has an appointment 10:00–10:30" in dialog.status.text()
    assert dialog.isVisible()
    assert len(clinic.schedule.appointments) == 1


def test_drag_to_move_then_undo_and_redo(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    appt = clinic.schedule.seed(clinic.patients["ellison"], OKAFOR, clinic.at(9), 30)
    _reload(qtbot, screen, tasks)
    _drag(qtbot, screen, _point(screen, OKAFOR, 9, 5), _point(screen, LINDQVIST, 11, 5))
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[appt.id].provider_id == LINDQVIST, timeout=WAIT
    )
    moved = clinic.schedule.appointments[appt.id]
    assert moved.start == clinic.at(11)
    assert moved.end == clinic.at(11, 30)
    tasks.wait_idle(WAIT)
    assert "Moved" in screen.status.text()

    qtbot.keyClick(screen.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[appt.id].provider_id == OKAFOR, timeout=WAIT
    )
    assert clinic.schedule.appointments[appt.id].start == clinic.at(9)
    tasks.wait_idle(WAIT)
    qtbot.keyClick(screen.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[appt.id].provider_id == LINDQVIST, timeout=WAIT
    )
    assert "revert" in clinic.schedule.calls


def test_drag_onto_a_busy_slot_is_refused_in_plain_words(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    mover = clinic.schedule.seed(clinic.patients["ellison"], OKAFOR, clinic.at(9), 30)
    clinic.schedule.seed(clinic.patients["herrera"], LINDQVIST, clinic.at(11), 30)
    _reload(qtbot, screen, tasks)
    _drag(qtbot, screen, _point(screen, OKAFOR, 9, 5), _point(screen, LINDQVIST, 11, 20))
    qtbot.waitUntil(screen.status.isVisible, timeout=WAIT)
    tasks.wait_idle(WAIT)
    assert "Dr Lindqvist already has an appointment 11:00–11:30" in screen.status.text()
    assert clinic.schedule.appointments[mover.id].start == clinic.at(9)
    block = screen.view.block(mover.id)
    assert block is not None
    assert block.provider_id == OKAFOR
    assert block.start_min == 9 * 60


def test_drag_into_lunch_break_is_refused(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    clinic.schedule.seed(clinic.patients["ellison"], OKAFOR, clinic.at(9), 30)
    _reload(qtbot, screen, tasks)
    _drag(qtbot, screen, _point(screen, OKAFOR, 9, 5), _point(screen, OKAFOR, 12, 35))
    qtbot.waitUntil(screen.status.isVisible, timeout=WAIT)
    assert "break 12:30" in screen.status.text()


def test_resize_by_dragging_the_bottom_edge(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    appt = clinic.schedule.seed(clinic.patients["raman"], HADDAD_ID, clinic.at(14), 30)
    _reload(qtbot, screen, tasks)
    rect = screen.view.block_viewport_rect(appt.id)
    assert rect is not None
    edge = QPoint(int(rect.center().x()), int(rect.bottom()) - 2)
    target = QPoint(edge.x(), edge.y() + int(screen.view.px_per_min * 15))
    _drag(qtbot, screen, edge, target)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[appt.id].end == clinic.at(14, 45), timeout=WAIT
    )
    tasks.wait_idle(WAIT)
    screen.undo()
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[appt.id].end == clinic.at(14, 30), timeout=WAIT
    )


def test_check_in_and_cancel_with_reason_from_the_context_menu(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner, qtlog: Any
) -> None:
    first = clinic.schedule.seed(clinic.patients["ellison"], OKAFOR, clinic.at(9), 30)
    second = clinic.schedule.seed(clinic.patients["herrera"], OKAFOR, clinic.at(10), 30)
    _reload(qtbot, screen, tasks)
    vp = screen.view.viewport()
    with qtlog.disabled():  # offscreen: a popup menu cannot raise or grab the keyboard
        qtbot.mouseClick(vp, Qt.MouseButton.RightButton, pos=_point(screen, OKAFOR, 9, 10))
        assert screen.menu is not None
        assert not screen.menu_action("Complete").isEnabled()  # not arrived yet
        screen.menu_action("Check in (arrived)").trigger()
        screen.menu.close()
        qtbot.waitUntil(
            lambda: clinic.schedule.appointments[first.id].status is AppointmentStatus.ARRIVED,
            timeout=WAIT,
        )
        tasks.wait_idle(WAIT)
        qtbot.waitUntil(lambda: screen.view.block(first.id).status == "arrived", timeout=WAIT)
        qtbot.mouseClick(vp, Qt.MouseButton.RightButton, pos=_point(screen, OKAFOR, 10, 10))
        screen.menu_action("Cancel appointment…").trigger()
        screen.menu.close()
        qtbot.wait(10)
    dialog = screen.dialog
    assert isinstance(dialog, CancelDialog)
    qtbot.mouseClick(dialog.ok_button, LEFT)  # no reason given
    assert "Please give a reason" in dialog.status.text()
    dialog.reason_combo.setCurrentText("Patient unwell")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[second.id].status is AppointmentStatus.CANCELLED,
        timeout=WAIT,
    )
    assert clinic.schedule.appointments[second.id].cancel_reason == "Patient unwell"
    tasks.wait_idle(WAIT)
    assert screen.view.block(second.id) is None  # the slot shows free again
    screen.undo()  # undo the cancellation: reinstated
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[second.id].status is AppointmentStatus.BOOKED,
        timeout=WAIT,
    )


def test_keyboard_arrows_today_and_new(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    screen.view.setFocus()
    qtbot.keyClick(screen.view, Qt.Key.Key_Right)
    assert screen.anchor == clinic.day + timedelta(days=1)
    qtbot.keyClick(screen.view, Qt.Key.Key_Left)
    qtbot.keyClick(screen.view, Qt.Key.Key_Left)
    assert screen.anchor == clinic.day - timedelta(days=1)
    qtbot.keyClick(screen.view, Qt.Key.Key_T)
    assert screen.anchor == screen.today()
    tasks.wait_idle(WAIT)
    qtbot.keyClick(screen.view, Qt.Key.Key_N)
    assert isinstance(screen.dialog, BookingDialog)


def test_week_view_has_a_column_per_provider_and_day(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    clinic.schedule.seed(clinic.patients["ellison"], OKAFOR, clinic.at(9), 30)
    screen.set_mode("week")
    tasks.wait_idle(WAIT)
    assert len(screen.view.columns) == 5 * 3  # Monday-Friday, three dermatologists
    assert len(screen.view.placed) == 1
    screen.provider_combo.setCurrentIndex(screen.provider_combo.findData(OKAFOR))
    assert len(screen.view.columns) == 5
    screen.room_combo.setCurrentIndex(screen.room_combo.findData("room-1"))
    assert screen.view.placed == []  # the appointment has no room


@pytest.mark.parametrize("text", ['" OR 1=1 --', "NEAR(", "*", "😀😀", "\u202eevil", "x" * 10_000])
def test_malformed_patient_search_gives_a_clear_answer(
    qtbot: QtBot, screen: ScheduleScreen, text: str
) -> None:
    dialog = screen.open_booking(OKAFOR, screen.anchor, 9 * 60)
    assert dialog is not None
    dialog.patient_edit.setText(text)
    dialog.patient_edit.textEdited.emit(text)
    expected = "at least two letters" if len(text.strip()) < 2 else "No patient matches"
    qtbot.waitUntil(lambda: expected in dialog.patient_hint.text(), timeout=WAIT)
    assert not dialog.book_button.isEnabled()


def test_print_day_sheet_writes_a_pdf_that_renders(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner, tmp_path: Path
) -> None:
    clinic.schedule.seed(clinic.patients["rtl"], OKAFOR, clinic.at(9), 30)
    _reload(qtbot, screen, tasks)
    pdf = screen.print_day_sheet(tmp_path / "sheet.pdf")
    assert pdf is not None
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True, timeout=30
    )
    assert list(tmp_path.glob("page*.png"))


def test_export_icalendar_writes_the_file(
    qtbot: QtBot, screen: ScheduleScreen, tasks: TaskRunner, tmp_path: Path
) -> None:
    target = tmp_path / "okafor.ics"
    screen.export_ical(target)
    qtbot.waitUntil(target.exists, timeout=WAIT)
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_dermatologist_double_click_opens_the_chart(qtbot: QtBot, tasks: TaskRunner) -> None:
    from dermai_desktop.domain.roles import Role

    clinic = make_clinic(Role.DERMATOLOGIST)
    appt = clinic.schedule.seed(clinic.patients["ellison"], OKAFOR, clinic.at(9), 30)
    screen = ScheduleScreen(clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.resize(1200, 800)
    screen.show()
    screen.show_date(clinic.day)
    qtbot.waitUntil(lambda: screen.view.block(appt.id) is not None, timeout=WAIT)
    with qtbot.waitSignal(screen.open_chart_requested, timeout=WAIT) as blocker:
        qtbot.mouseDClick(screen.view.viewport(), LEFT, pos=_point(screen, OKAFOR, 9, 10))
    assert blocker.args == [clinic.patients["ellison"]]
    QApplication.processEvents()


HADDAD_ID = "prov-haddad"

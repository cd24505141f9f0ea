"""Recurring appointments driven as the front desk does: repeat in the booking dialog,
preview with clashes, cancel or move one visit or "this and following", undo."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import Appointment, AppointmentStatus, BookingRequest
from dermai_desktop.ui.screens.schedule_dialogs import (
    BookingDialog,
    CancelDialog,
    MoveFollowingDialog,
)
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.schedule_view import ScheduleView
from tests.ui.schedule_support import LINDQVIST, OKAFOR, Clinic, make_clinic

LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton
WAIT = 3000


@pytest.fixture
def clinic() -> Clinic:
    return make_clinic()


@pytest.fixture
def screen(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> ScheduleScreen:
    widget = ScheduleScreen(clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    widget.show_date(clinic.day)
    qtbot.waitUntil(
        lambda: widget.data is not None and widget.data.start == clinic.day, timeout=WAIT
    )
    tasks.wait_idle(WAIT)
    return widget


def _go(screen: ScheduleScreen, tasks: TaskRunner, day: date) -> None:
    screen.show_date(day)
    tasks.wait_idle(WAIT)


def _point(screen: ScheduleScreen, provider: str, hour: int, minute: int = 0) -> QPoint:
    col = screen.view.grid.column_index(screen.anchor, provider)
    assert col >= 0
    screen.view.scroll_to_minute(7 * 60)
    return screen.view.viewport_point(col, hour * 60 + minute + 2)


def _choose_patient(qtbot: QtBot, dialog: BookingDialog, text: str) -> None:
    qtbot.keyClicks(dialog.patient_edit, text)
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=WAIT)
    item = dialog.patient_list.item(0)
    qtbot.mouseClick(
        dialog.patient_list.viewport(), LEFT, pos=dialog.patient_list.visualItemRect(item).center()
    )
    assert dialog.patient is not None


def _repeat(dialog: BookingDialog, choice: str, visits: int) -> None:
    panel = dialog.repeat
    panel.repeat_combo.setCurrentIndex(panel.repeat_combo.findText(choice))
    panel.count_spin.setValue(visits)


def _series_rows(clinic: Clinic) -> list[Appointment]:
    rows = [a for a in clinic.schedule.appointments.values() if a.series_id]
    return sorted(rows, key=lambda a: a.start)


def _seed_series(clinic: Clinic, tasks: TaskRunner, screen: ScheduleScreen) -> list[Appointment]:
    """A weekly series of four at 10:00 (booked through the service, then shown)."""
    request = BookingRequest(
        PatientId(clinic.patients["ellison"]), UserId(OKAFOR), clinic.at(10), "follow_up"
    )
    clinic.schedule.book_series(None, request, "FREQ=WEEKLY;COUNT=4")
    screen.refresh()
    tasks.wait_idle(WAIT)
    return _series_rows(clinic)


def _menu(qtbot: QtBot, screen: ScheduleScreen, qtlog: Any, hour: int, text: str) -> None:
    with qtlog.disabled():  # offscreen: a popup menu cannot raise or grab the keyboard
        qtbot.mouseClick(screen.view.viewport(), RIGHT, pos=_point(screen, OKAFOR, hour, 10))
        assert screen.menu is not None
        action = screen.menu_action(text)
        assert action is not None, [a.text() for a in screen.menu.actions()]
        assert action.isEnabled()
        action.trigger()
        screen.menu.close()
        qtbot.wait(10)


def test_book_a_weekly_series_of_four_from_the_dialog(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    qtbot.mouseClick(screen.view.viewport(), LEFT, pos=_point(screen, OKAFOR, 10))
    dialog = screen.dialog
    assert isinstance(dialog, BookingDialog)
    assert not dialog.repeat.details.isVisible()  # "Does not repeat" by default
    _choose_patient(qtbot, dialog, "ellis")
    _repeat(dialog, "Every week", 4)
    assert dialog.repeat.details.isVisible()
    assert dialog.book_button.text() == "Book series"
    qtbot.waitUntil(lambda: len(dialog.repeat.date_rows()) == 4, timeout=WAIT)
    assert "Every week, 4 times" in dialog.repeat.summary_label.text()
    assert dialog.repeat.clash_rows == []
    first = dialog.repeat.date_rows()[0]
    assert f"{clinic.day.day} {clinic.day:%b %Y}  10:00" in first

    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(lambda: len(_series_rows(clinic)) == 4, timeout=WAIT)
    tasks.wait_idle(WAIT)
    rows = _series_rows(clinic)
    assert [a.start for a in rows] == [clinic.at(10) + timedelta(weeks=k) for k in range(4)]
    assert len({a.series_id for a in rows}) == 1
    assert "Booked a series of 4 visits" in screen.status.text()
    assert "MainThread" not in clinic.schedule.threads

    for k, appt in enumerate(rows):  # one block in each of the four weeks
        _go(screen, tasks, clinic.day + timedelta(weeks=k))
        qtbot.waitUntil(lambda a=appt: screen.view.block(a.id) is not None, timeout=WAIT)
        block = screen.view.block(appt.id)
        assert block is not None
        assert block.series == "Every week, 4 times"
        described = ScheduleView._describe(block)
        assert "Part of a series: Every week, 4 times" in described


def test_preview_marks_a_clash_and_skip_books_around_it(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    busy_day = clinic.day + timedelta(weeks=2)
    clinic.schedule.seed(clinic.patients["herrera"], OKAFOR, clinic.at(10, day=busy_day), 30)
    dialog = screen.open_booking(OKAFOR, clinic.day, 10 * 60)
    assert dialog is not None
    _choose_patient(qtbot, dialog, "raman")
    _repeat(dialog, "Every week", 4)
    qtbot.waitUntil(lambda: len(dialog.repeat.clash_rows) == 1, timeout=WAIT)
    clash = dialog.repeat.clash_rows[0]
    assert f"{busy_day.day} {busy_day:%b}" in clash
    assert "Dr Okafor already has an appointment 10:00–10:30" in clash
    assert "4 visits, 1 clash" in dialog.repeat.summary_label.text()
    assert "Skip dates that clash" in dialog.repeat.problem.text()

    qtbot.mouseClick(dialog.book_button, LEFT)  # a clash stops the whole series
    qtbot.waitUntil(dialog.status.isVisible, timeout=WAIT)
    assert "already has an appointment" in dialog.status.text()
    assert _series_rows(clinic) == []

    box = dialog.repeat.skip_check
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert dialog.repeat.skip_conflicts
    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(lambda: len(_series_rows(clinic)) == 3, timeout=WAIT)
    tasks.wait_idle(WAIT)
    assert busy_day not in {a.start.date() for a in _series_rows(clinic)}
    assert "Left out 1 date that clash" in screen.status.text()


def test_a_custom_rule_typo_gets_a_plain_message(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    dialog = screen.open_booking(OKAFOR, clinic.day, 10 * 60)
    assert dialog is not None
    _choose_patient(qtbot, dialog, "ellis")
    panel = dialog.repeat
    panel.repeat_combo.setCurrentIndex(panel.repeat_combo.findData("custom"))
    assert panel.rule_edit.isVisible()
    qtbot.keyClicks(panel.rule_edit, "FREQ=WEKLY;INTERVAL=6")
    qtbot.waitUntil(panel.problem.isVisible, timeout=WAIT)
    assert "Repeat daily, weekly, monthly or yearly." in panel.problem.text()
    assert "Traceback" not in panel.problem.text()
    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(dialog.status.isVisible, timeout=WAIT)
    assert "Repeat daily, weekly, monthly or yearly." in dialog.status.text()
    assert clinic.schedule.appointments == {}

    panel.rule_edit.clear()
    qtbot.keyClicks(panel.rule_edit, "FREQ=WEEKLY;INTERVAL=6;BYDAY")
    qtbot.waitUntil(lambda: "not understood" in panel.problem.text(), timeout=WAIT)
    assert "FREQ=WEEKLY;COUNT=6" in panel.problem.text()  # says what a good rule looks like

    panel.rule_edit.clear()
    qtbot.keyClicks(panel.rule_edit, "FREQ=WEEKLY;INTERVAL=6")  # the end comes from "Ends"
    panel.count_spin.setValue(3)
    qtbot.waitUntil(lambda: len(panel.date_rows()) == 3, timeout=WAIT)
    assert "Every 6 weeks, 3 times" in panel.summary_label.text()
    assert not panel.problem.isVisible()
    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(lambda: len(_series_rows(clinic)) == 3, timeout=WAIT)
    assert _series_rows(clinic)[1].start == clinic.at(10) + timedelta(weeks=6)


def test_repeat_until_a_date(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    dialog = screen.open_booking(OKAFOR, clinic.day, 10 * 60)
    assert dialog is not None
    _choose_patient(qtbot, dialog, "ellis")
    panel = dialog.repeat
    panel.repeat_combo.setCurrentIndex(panel.repeat_combo.findText("Every 2 weeks"))
    panel.end_combo.setCurrentIndex(panel.end_combo.findData("until"))
    assert panel.until_edit.isVisible()
    assert not panel.count_spin.isVisible()
    last = clinic.day + timedelta(weeks=6)
    panel.until_edit.setDate(last)
    qtbot.waitUntil(lambda: len(panel.date_rows()) == 4, timeout=WAIT)
    assert f"Every 2 weeks, until {last.day} {last:%B %Y}" in panel.summary_label.text()


def test_undo_of_a_series_booking_removes_the_whole_series(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner
) -> None:
    dialog = screen.open_booking(OKAFOR, clinic.day, 10 * 60)
    assert dialog is not None
    _choose_patient(qtbot, dialog, "ellis")
    _repeat(dialog, "Every 2 weeks", 3)
    qtbot.waitUntil(lambda: len(dialog.repeat.date_rows()) == 3, timeout=WAIT)
    qtbot.mouseClick(dialog.book_button, LEFT)
    qtbot.waitUntil(lambda: len(_series_rows(clinic)) == 3, timeout=WAIT)
    tasks.wait_idle(WAIT)
    first = _series_rows(clinic)[0]
    qtbot.waitUntil(lambda: screen.view.block(first.id) is not None, timeout=WAIT)

    assert "Undo Booked a series of 3 visits" in screen.undo_button.toolTip()
    qtbot.mouseClick(screen.undo_button, LEFT)
    qtbot.waitUntil(lambda: _series_rows(clinic) == [], timeout=WAIT)
    tasks.wait_idle(WAIT)
    assert screen.view.block(first.id) is None
    screen.redo()  # and back again, every visit
    qtbot.waitUntil(lambda: len(_series_rows(clinic)) == 3, timeout=WAIT)
    tasks.wait_idle(WAIT)
    assert screen.view.block(first.id) is not None


def test_cancel_one_occurrence_keeps_the_others(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner, qtlog: Any
) -> None:
    rows = _seed_series(clinic, tasks, screen)
    _go(screen, tasks, rows[1].start.date())
    _menu(qtbot, screen, qtlog, 10, "Cancel appointment…")
    dialog = screen.dialog
    assert isinstance(dialog, CancelDialog)
    dialog.reason_combo.setCurrentText("Patient unwell")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[rows[1].id].status is AppointmentStatus.CANCELLED,
        timeout=WAIT,
    )
    statuses = [clinic.schedule.appointments[a.id].status for a in rows]
    assert statuses == [
        AppointmentStatus.BOOKED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.BOOKED,
        AppointmentStatus.BOOKED,
    ]
    assert all(clinic.schedule.appointments[a.id].start == a.start for a in rows)


def test_cancel_this_and_following_on_the_third_keeps_the_first_two(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner, qtlog: Any
) -> None:
    rows = _seed_series(clinic, tasks, screen)
    _go(screen, tasks, rows[2].start.date())
    _menu(qtbot, screen, qtlog, 10, "Cancel this and following…")
    dialog = screen.dialog
    assert isinstance(dialog, CancelDialog)
    assert dialog.windowTitle() == "Cancel this and following"
    qtbot.mouseClick(dialog.ok_button, LEFT)  # the reason is required
    assert "Please give a reason" in dialog.status.text()
    dialog.reason_combo.setCurrentText("Treatment finished early")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[rows[3].id].status is AppointmentStatus.CANCELLED,
        timeout=WAIT,
    )
    tasks.wait_idle(WAIT)
    statuses = [clinic.schedule.appointments[a.id].status for a in rows]
    assert statuses == [AppointmentStatus.BOOKED] * 2 + [AppointmentStatus.CANCELLED] * 2
    assert clinic.schedule.appointments[rows[2].id].cancel_reason == "Treatment finished early"
    assert screen.view.block(rows[2].id) is None
    series = clinic.schedule.series_rows[rows[0].series_id]  # type: ignore[index]
    assert "UNTIL=" in series.rule  # the series now ends before the third visit

    screen.undo()
    qtbot.waitUntil(
        lambda: all(
            clinic.schedule.appointments[a.id].status is AppointmentStatus.BOOKED for a in rows
        ),
        timeout=WAIT,
    )
    tasks.wait_idle(WAIT)
    assert clinic.schedule.series_rows[rows[0].series_id].rule == "FREQ=WEEKLY;COUNT=4"  # type: ignore[index]


def test_move_this_and_following_leaves_earlier_visits(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner, qtlog: Any
) -> None:
    rows = _seed_series(clinic, tasks, screen)
    _go(screen, tasks, rows[1].start.date())
    _menu(qtbot, screen, qtlog, 10, "Move this and following…")
    dialog = screen.dialog
    assert isinstance(dialog, MoveFollowingDialog)
    dialog.time_edit.setTime(dialog.time_edit.time().addSecs(3600))  # 10:00 -> 11:00
    dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findData(LINDQVIST))
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[rows[3].id].provider_id == LINDQVIST, timeout=WAIT
    )
    tasks.wait_idle(WAIT)
    now = [clinic.schedule.appointments[a.id] for a in rows]
    assert now[0].start == rows[0].start
    assert now[0].provider_id == OKAFOR
    for before, after in zip(rows[1:], now[1:], strict=True):
        assert after.start == before.start + timedelta(hours=1)
    assert "Moved this and following" in screen.status.text()


def test_drag_moves_only_that_occurrence_and_the_menu_offers_series_actions(
    qtbot: QtBot, screen: ScheduleScreen, clinic: Clinic, tasks: TaskRunner, qtlog: Any
) -> None:
    rows = _seed_series(clinic, tasks, screen)
    single = clinic.schedule.seed(clinic.patients["herrera"], OKAFOR, clinic.at(14), 30)
    screen.refresh()
    tasks.wait_idle(WAIT)
    vp = screen.view.viewport()
    start, end = _point(screen, OKAFOR, 10, 5), _point(screen, OKAFOR, 11, 5)
    qtbot.mousePress(vp, LEFT, pos=start)
    qtbot.mouseMove(vp, QPoint(start.x(), (start.y() + end.y()) // 2))
    qtbot.mouseMove(vp, end)
    qtbot.mouseRelease(vp, LEFT, pos=end)
    qtbot.waitUntil(
        lambda: clinic.schedule.appointments[rows[0].id].start == clinic.at(11), timeout=WAIT
    )
    tasks.wait_idle(WAIT)
    assert clinic.schedule.appointments[rows[0].id].is_exception
    assert all(clinic.schedule.appointments[a.id].start == a.start for a in rows[1:])

    with qtlog.disabled():
        qtbot.mouseClick(vp, RIGHT, pos=_point(screen, OKAFOR, 14, 10))  # not in a series
        assert screen.menu_action("Cancel this and following…") is None
        assert screen.menu_action("Cancel appointment…") is not None
        screen.menu.close()  # type: ignore[union-attr]
        qtbot.mouseClick(vp, RIGHT, pos=_point(screen, OKAFOR, 11, 10))  # the moved visit
        assert screen.menu_action("Move this and following…") is not None
        assert screen.menu_action("Cancel this and following…") is not None
        screen.menu.close()  # type: ignore[union-attr]
    block = screen.view.block(single.id)
    assert block is not None
    assert block.series == ""

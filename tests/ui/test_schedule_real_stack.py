"""The schedule screen over the real services and an encrypted demo clinic (front desk)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.patients import PatientDraft, Sex
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.screens.schedule_dialogs import BookingDialog
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.helpers import sign_in, start

LEFT = Qt.MouseButton.LeftButton
WAIT = 5000


def _weekday_ahead(today: date) -> date:
    day = today + timedelta(days=8)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_front_desk_books_and_moves_on_the_real_stack(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "frontdesk")
    session = window.session
    services = session.services
    if getattr(services, "schedule", None) is None or not hasattr(services.patients, "search"):
        pytest.skip("the real schedule service or patient search is not wired yet")
    patient = services.patients.register(
        session.actor,
        PatientDraft("Margaret", "Ellison", date(1961, 7, 14), next(iter(Sex)), phone="0123456789"),
    )
    screen = ScheduleScreen(session, tasks)
    qtbot.addWidget(screen)
    screen.resize(1200, 820)
    screen.show()
    day = _weekday_ahead(date.today())
    screen.show_date(day)
    qtbot.waitUntil(lambda: screen.data is not None and screen.data.start == day, timeout=WAIT)
    tasks.wait_idle(WAIT)
    assert screen.view.columns, "the demo clinic has dermatologists"
    provider = screen.view.columns[0].provider_id
    screen.view.scroll_to_minute(8 * 60)
    point = screen.view.viewport_point(0, 10 * 60 + 2)
    qtbot.mouseClick(screen.view.viewport(), LEFT, pos=point)
    dialog = screen.dialog
    assert isinstance(dialog, BookingDialog)
    qtbot.keyClicks(dialog.patient_edit, "Ellison")
    qtbot.waitUntil(lambda: dialog.patient_list.count() >= 1, timeout=WAIT)
    dialog.choose_patient(dialog.patient_list.item(0).data(Qt.ItemDataRole.UserRole))
    qtbot.mouseClick(dialog.book_button, LEFT)
    tasks.wait_idle(WAIT)
    qtbot.waitUntil(
        lambda: any(b.patient_id == patient.id for b in screen.view.blocks), timeout=WAIT
    )
    block = next(b for b in screen.view.blocks if b.patient_id == patient.id)
    assert block.provider_id == provider
    assert block.start_min == 10 * 60

    rect = screen.view.block_viewport_rect(block.id)
    assert rect is not None
    source = rect.center().toPoint()
    target = QPoint(source.x(), source.y() + int(screen.view.px_per_min * 60))
    vp = screen.view.viewport()
    qtbot.mousePress(vp, LEFT, pos=source)
    qtbot.mouseMove(vp, QPoint(source.x(), source.y() + 20))
    qtbot.mouseMove(vp, target)
    qtbot.mouseRelease(vp, LEFT, pos=target)
    tasks.wait_idle(WAIT)
    qtbot.waitUntil(
        lambda: (
            screen.view.block(block.id) is not None
            and screen.view.block(block.id).start_min == 11 * 60
        ),
        timeout=WAIT,
    )
    screen.undo()
    tasks.wait_idle(WAIT)
    qtbot.waitUntil(lambda: screen.view.block(block.id).start_min == 10 * 60, timeout=WAIT)
    listing = services.schedule.get(session.actor, block.id)
    assert listing.appointment.start == screen.appointment(block.id).start

    screen.book_for_patient(patient.id)  # "Book" from the patient list
    qtbot.waitUntil(
        lambda: (
            isinstance(screen.dialog, BookingDialog)
            and screen.dialog is not dialog
            and screen.dialog.patient is not None
        ),
        timeout=WAIT,
    )
    assert screen.dialog.patient.patient_id == patient.id
    assert "Ellison, Margaret" in screen.dialog.patient_edit.text()


def test_front_desk_books_a_series_through_the_dialog_on_the_real_stack(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "frontdesk")
    session = window.session
    services = session.services
    schedule = getattr(services, "schedule", None)
    if schedule is None or not hasattr(schedule, "book_series"):
        pytest.skip("the real schedule service has no recurring series yet")
    patient = services.patients.register(
        session.actor,
        PatientDraft("Tomás", "Herrera", date(1975, 3, 2), next(iter(Sex)), phone="0123456780"),
    )
    screen = ScheduleScreen(session, tasks)
    qtbot.addWidget(screen)
    screen.resize(1200, 900)
    screen.show()
    day = _weekday_ahead(date.today())
    screen.show_date(day)
    qtbot.waitUntil(lambda: screen.data is not None and screen.data.start == day, timeout=WAIT)
    tasks.wait_idle(WAIT)
    provider = screen.view.columns[0].provider_id
    dialog = screen.open_booking(provider, day, 10 * 60)
    assert isinstance(dialog, BookingDialog)
    qtbot.keyClicks(dialog.patient_edit, "Herrera")
    qtbot.waitUntil(lambda: dialog.patient_list.count() >= 1, timeout=WAIT)
    dialog.choose_patient(dialog.patient_list.item(0).data(Qt.ItemDataRole.UserRole))
    panel = dialog.repeat
    panel.repeat_combo.setCurrentIndex(panel.repeat_combo.findText("Every week"))
    panel.count_spin.setValue(3)
    qtbot.waitUntil(lambda: len(panel.date_rows()) == 3, timeout=WAIT)
    assert "Every week, 3 times" in panel.summary_label.text()
    panel.skip_check.setChecked(True)  # the demo clinic's own bookings may take a date
    qtbot.mouseClick(dialog.book_button, LEFT)
    tasks.wait_idle(WAIT)
    qtbot.waitUntil(
        lambda: any(b.patient_id == patient.id for b in screen.view.blocks), timeout=WAIT
    )
    block = next(b for b in screen.view.blocks if b.patient_id == patient.id)
    appt = screen.appointment(block.id)
    assert appt is not None
    assert appt.series_id is not None
    assert block.series == "Every week, 3 times"
    series, rows = schedule.series(session.actor, appt.series_id)
    assert series.rule == "FREQ=WEEKLY;COUNT=3"
    assert 1 <= len(rows) <= 3
    assert all(r.start.weekday() == appt.start.weekday() for r in rows)

    screen.undo()  # the whole new series goes
    tasks.wait_idle(WAIT)
    qtbot.waitUntil(
        lambda: not any(b.patient_id == patient.id for b in screen.view.blocks), timeout=WAIT
    )
    _series, left = schedule.series(session.actor, appt.series_id)
    assert left == ()

"""Check-in board (live waiting times) and the waitlist/recall screen, driven by a front desk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.scheduling import AppointmentStatus, WaitlistPriority
from dermai_desktop.services.schedule_dto import FreeSlot, WaitlistOffer
from dermai_desktop.ui.screens.checkin_screen import CheckInScreen, waiting_text
from dermai_desktop.ui.screens.waitlist_recall_screen import WaitlistRecallScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.schedule_support import LINDQVIST, OKAFOR, make_clinic

LEFT = Qt.MouseButton.LeftButton
WAIT = 3000
NOW = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)


def test_waiting_text() -> None:
    start = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert waiting_text(None, None, start) == ""
    assert waiting_text(start, None, start + timedelta(minutes=12)) == "12 min"
    assert waiting_text(start, start + timedelta(minutes=7), start + timedelta(hours=2)) == "7 min"
    assert waiting_text(start, None, start + timedelta(minutes=75)) == "1 h 15 min"


def test_check_in_board_checks_in_and_waiting_time_ticks(qtbot: QtBot, tasks: TaskRunner) -> None:
    clinic = make_clinic(now=NOW)
    s = clinic.schedule
    arrived = s.seed(
        clinic.patients["ellison"],
        OKAFOR,
        NOW - timedelta(minutes=15),
        30,
        status=AppointmentStatus.ARRIVED,
        arrived_at=NOW - timedelta(minutes=25),
    )
    expected = s.seed(clinic.patients["herrera"], LINDQVIST, NOW + timedelta(minutes=30), 15)
    late = s.seed(
        clinic.patients["raman"],
        OKAFOR,
        NOW - timedelta(minutes=45),
        15,
        status=AppointmentStatus.CONFIRMED,
    )
    screen = CheckInScreen(clinic.session, tasks)  # type: ignore[arg-type]
    screen.now = lambda: s.now
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitUntil(lambda: len(screen.rows) == 3, timeout=WAIT)
    row = next(i for i, r in enumerate(screen.rows) if r.listing.appointment.id == arrived.id)
    assert screen.table.item(row, 6).text() == "25 min"
    late_row = next(i for i, r in enumerate(screen.rows) if r.listing.appointment.id == late.id)
    assert screen.table.item(late_row, 5).text() == "Late"
    assert "1 waiting" in screen.summary.text()
    assert "1 late" in screen.summary.text()

    s.now = NOW + timedelta(minutes=5)  # time passes: the board ticks without a reload
    screen.tick()
    assert screen.table.item(row, 6).text() == "30 min"

    screen.select(expected.id)
    assert screen.check_in_button.isEnabled()
    assert not screen.complete_button.isEnabled()
    qtbot.mouseClick(screen.check_in_button, LEFT)
    qtbot.waitUntil(
        lambda: s.appointments[expected.id].status is AppointmentStatus.ARRIVED, timeout=WAIT
    )
    tasks.wait_idle(WAIT)
    assert "checked in" in screen.status.text()
    assert "2 waiting" in screen.summary.text()


def test_empty_board_says_what_to_do(qtbot: QtBot, tasks: TaskRunner) -> None:
    clinic = make_clinic(now=NOW)
    screen = CheckInScreen(clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.show()
    tasks.wait_idle(WAIT)
    assert screen.empty.isVisible()
    assert not screen.table.isVisible()


@pytest.fixture
def lists_clinic():  # type: ignore[no-untyped-def]
    clinic = make_clinic(now=NOW)
    s = clinic.schedule
    s.add_waitlist(
        clinic.patients["herrera"],
        NOW - timedelta(days=9),
        "follow_up",
        WaitlistPriority.URGENT,
        note="Flare, wants sooner",
    )
    s.add_recall(
        clinic.patients["ellison"],
        date.today() - timedelta(days=34),
        "Full skin check in 12 months",
        "full_skin_check",
    )
    s.add_recall(
        clinic.patients["raman"], date.today() + timedelta(days=20), "Acne review", "follow_up"
    )
    return clinic


def test_recalls_overdue_highlighted_and_booked_in_two_clicks(
    qtbot: QtBot,
    tasks: TaskRunner,
    lists_clinic,  # type: ignore[no-untyped-def]
) -> None:
    clinic = lists_clinic
    screen = WaitlistRecallScreen(clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitUntil(lambda: len(screen.recalls) == 2 and len(screen.waitlist) == 1, timeout=WAIT)
    assert screen.tabs.tabText(1) == "Recalls (2, 1 overdue)"
    assert screen.recall_table.item(0, 5).text() == "Overdue 34 days"
    assert screen.recall_table.item(1, 5).text() == "Upcoming"
    screen.tabs.setCurrentIndex(1)
    screen.recall_table.selectRow(0)
    qtbot.mouseClick(screen.recall_book_button, LEFT)
    dialog = screen.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=WAIT)
    assert dialog.type_combo.currentData() == "full_skin_check"
    qtbot.mouseClick(dialog.use_button, LEFT)
    qtbot.waitUntil(lambda: len(clinic.schedule.appointments) == 1, timeout=WAIT)
    appt = next(iter(clinic.schedule.appointments.values()))
    assert appt.patient_id == clinic.patients["ellison"]
    assert appt.type_code == "full_skin_check"
    qtbot.waitUntil(lambda: len(screen.recalls) == 1, timeout=WAIT)
    assert "booked" in screen.status.text()


def test_waitlist_book_with_nothing_selected_explains(
    qtbot: QtBot,
    tasks: TaskRunner,
    lists_clinic,  # type: ignore[no-untyped-def]
) -> None:
    screen = WaitlistRecallScreen(lists_clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: len(screen.waitlist) == 1, timeout=WAIT)
    assert screen.waitlist_table.item(0, 0).text() == "Urgent"
    screen.waitlist_table.clearSelection()
    qtbot.mouseClick(screen.waitlist_book_button, LEFT)
    assert "Select a row first" in screen.status.text()
    screen.waitlist_table.selectRow(0)
    qtbot.mouseClick(screen.waitlist_book_button, LEFT)
    dialog = screen.dialog
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=WAIT)
    qtbot.mouseClick(dialog.use_button, LEFT)
    qtbot.waitUntil(lambda: len(lists_clinic.schedule.waitlist_entries) == 0, timeout=WAIT)


def test_a_freed_slot_is_explained_and_the_best_waiting_patient_selected(
    qtbot: QtBot,
    tasks: TaskRunner,
    lists_clinic,  # type: ignore[no-untyped-def]
) -> None:
    s = lists_clinic.schedule
    s.add_waitlist(lists_clinic.patients["raman"], NOW - timedelta(days=2), "follow_up")
    screen = WaitlistRecallScreen(lists_clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: len(screen.waitlist) == 2, timeout=WAIT)
    screen.tabs.setCurrentIndex(1)  # the user was looking at recalls
    raman = next(
        x for x in screen.waitlist if x.patient.patient_id == lists_clinic.patients["raman"]
    )
    start = NOW + timedelta(days=1)
    slot = FreeSlot(OKAFOR, "Dr Amara Okafor", start, start + timedelta(minutes=15))
    screen.show_offers((WaitlistOffer(raman.entry, raman.patient, slot),))
    assert screen.tabs.currentIndex() == 0
    text = screen.status.text()
    assert "Dr Amara Okafor" in text
    assert raman.patient.name in text
    qtbot.waitUntil(lambda: screen.waitlist_table.currentRow() >= 0, timeout=WAIT)
    row = screen.waitlist_table.selectionModel().selectedRows()[0].row()
    assert screen.waitlist[row].entry.id == raman.entry.id
    assert screen.waitlist_table.item(row, 1).font().bold()

"""Screenshots of the schedule (day, week), the check-in board and the waitlist/recalls.

A realistic clinic day: three dermatologists, a mixed list, statuses following the clock
(done before 10:40, someone in a room, patients waiting, the afternoon still booked).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.scheduling import AppointmentStatus, WaitlistPriority
from dermai_desktop.ui import theme
from dermai_desktop.ui.screens.checkin_screen import CheckInScreen
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.screens.waitlist_recall_screen import WaitlistRecallScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.fake_schedule import PROVIDERS
from tests.ui.schedule_samples import NAMES, clinic_day
from tests.ui.schedule_support import Clinic, make_clinic

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"
SIZE = (1280, 800)
TYPE_CODES = {
    "new_patient": "new_patient",
    "follow_up": "follow_up",
    "skin_check": "full_skin_check",
    "procedure": "procedure",
    "cosmetic": "cosmetic",
}
ROOMS = ("room-1", "room-2", "procedure-room")


def _realistic_clinic() -> tuple[Clinic, date]:
    today = datetime.now(UTC).date()
    now = datetime.combine(today, time(10, 40), tzinfo=UTC)
    clinic = make_clinic(now=now)
    s = clinic.schedule
    mrn = 204_311
    ids = {}
    for name in NAMES:
        family, given = name.split()[-1], " ".join(name.split()[:-1])
        ids[name] = s.add_patient(f"{family}, {given}", f"DA-{mrn:06d}")
        mrn += 7
    monday = today - timedelta(days=today.weekday())
    for offset in range(5):
        day = monday + timedelta(days=offset)
        minute_now = 10 * 60 + 40 if day == today else (24 * 60 if day < today else 0)
        for spec in clinic_day(day, now_minute=minute_now):
            start = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(minutes=spec.start_min)
            status = AppointmentStatus(spec.status)
            arrived = None
            if status in (
                AppointmentStatus.ARRIVED,
                AppointmentStatus.IN_ROOM,
                AppointmentStatus.COMPLETED,
            ):
                arrived = start - timedelta(minutes=6 + (spec.start_min % 17))
            room = ROOMS[2] if spec.type_key == "procedure" else ROOMS[spec.start_min // 15 % 2]
            s.seed(
                ids[spec.title],
                spec.provider_id,
                start,
                spec.end_min - spec.start_min,
                TYPE_CODES[spec.type_key],
                status,
                room=room,
                arrived_at=arrived,
                roomed_at=start + timedelta(minutes=2)
                if arrived and status is not AppointmentStatus.ARRIVED
                else None,
            )
    s.add_waitlist(
        ids["Tomás Herrera"],
        now - timedelta(days=12),
        "follow_up",
        WaitlistPriority.URGENT,
        PROVIDERS[0].id,
        "Psoriasis flare, wants sooner",
    )
    s.add_waitlist(
        ids["Julia Novak"],
        now - timedelta(days=5),
        "full_skin_check",
        WaitlistPriority.SOON,
        note="Any morning",
    )
    s.add_waitlist(ids["Chen Wei"], now - timedelta(days=2), "cosmetic")
    for i, (name, days, reason, code) in enumerate(
        (
            ("Margaret Ellison", -41, "Full skin check in 12 months", "full_skin_check"),
            ("George Papadakis", -9, "Review excision site", "follow_up"),
            ("Hannah Schmidt", 3, "Acne review on isotretinoin", "follow_up"),
            ("Kenji Watanabe", 16, "Dermoscopy follow-up (3 months)", "full_skin_check"),
            ("Lucia Romano", 45, "Mole map in 6 months", "full_skin_check"),
        )
    ):
        s.add_recall(ids[name], today + timedelta(days=days), reason, code)
        _ = i
    return clinic, today


def _save(qtbot: QtBot, tasks: TaskRunner, widget: QWidget, name: str) -> Path:
    tasks.wait_idle(3000)
    qtbot.wait(50)
    QApplication.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_schedule_day_and_week(qtbot: QtBot, tasks: TaskRunner, theme_name: str) -> None:
    clinic, today = _realistic_clinic()
    theme.apply_theme(QApplication.instance(), theme_name)  # type: ignore[arg-type]
    screen = ScheduleScreen(clinic.session, tasks)  # type: ignore[arg-type]
    screen.now = lambda: clinic.schedule.now
    qtbot.addWidget(screen)
    screen.resize(*SIZE)
    screen.show()
    screen.show_date(today)
    tasks.wait_idle(3000)
    screen.view.scroll_to_minute(7 * 60 + 45)
    suffix = "" if theme_name == "light" else "-dark"
    _save(qtbot, tasks, screen, f"schedule-day{suffix}")
    screen.set_mode("week")
    tasks.wait_idle(3000)
    screen.view.scroll_to_minute(7 * 60 + 45)
    _save(qtbot, tasks, screen, f"schedule-week{suffix}")
    if theme_name == "light":
        screen.provider_combo.setCurrentIndex(1)
        _save(qtbot, tasks, screen, "schedule-week-one-provider")


def test_checkin_and_lists(qtbot: QtBot, tasks: TaskRunner) -> None:
    clinic, _today = _realistic_clinic()
    board = CheckInScreen(clinic.session, tasks)  # type: ignore[arg-type]
    board.now = lambda: clinic.schedule.now
    qtbot.addWidget(board)
    board.resize(*SIZE)
    board.show()
    tasks.wait_idle(3000)
    _save(qtbot, tasks, board, "checkin-board")
    lists = WaitlistRecallScreen(clinic.session, tasks)  # type: ignore[arg-type]
    qtbot.addWidget(lists)
    lists.resize(*SIZE)
    lists.show()
    tasks.wait_idle(3000)
    lists.tabs.setCurrentIndex(1)
    _save(qtbot, tasks, lists, "recalls")

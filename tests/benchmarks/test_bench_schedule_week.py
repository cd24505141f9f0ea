"""Week view with 2,000 appointments: from the service's DTO to painted pixels in <= 200 ms.

One measured run = map the ``ScheduleView`` DTO (2,000 listings, Mon-Fri x 3 dermatologists,
packed with overlaps: the worst case) to columns and blocks, lay them out (lanes), and paint
the whole week -- every one of the 2,000 blocks, the full day height, not just the rows a
screen shows -- into a 1280-px-wide image. The on-screen paint (one 800-px viewport) is
reported too. Offscreen Qt, light theme, in this process.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.benchmarks._common import median, ms, p95, report, write_result

NAME = "schedule_week"
APPOINTMENTS = 2000
RUNS = 15
GOAL_MS = 200.0
WIDTH, HEIGHT = 1280, 800


def _data(monday: date) -> Any:
    from dermai_desktop.domain.ids import PatientId, UserId
    from dermai_desktop.domain.scheduling import Appointment, AppointmentId, AppointmentStatus
    from dermai_desktop.services.schedule_dto import AppointmentListing, PatientLabel, ScheduleView
    from tests.ui.fake_schedule import PROVIDERS, default_config
    from tests.ui.schedule_samples import NAMES

    config = default_config()
    rng = random.Random(11)
    statuses = list(AppointmentStatus)[:5]
    kinds = [(k.code, k.duration_minutes) for k in config.types]
    listings = []
    for i in range(APPOINTMENTS):
        day = monday + timedelta(days=i % 5)
        provider = PROVIDERS[(i // 5) % len(PROVIDERS)]
        code, length = kinds[i % len(kinds)]
        start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(
            minutes=rng.randrange(0, 9 * 60, 5)
        )
        appt = Appointment(
            AppointmentId(f"a{i}"),
            PatientId(f"p{i}"),
            UserId(provider.id),
            start,
            start + timedelta(minutes=length),
            code,
            statuses[i % 5],
        )
        label = PatientLabel(PatientId(f"p{i}"), NAMES[i % len(NAMES)], f"DA-{i:06d}")
        listings.append(AppointmentListing(appt, label))
    return ScheduleView(
        monday, monday + timedelta(days=7), "UTC", PROVIDERS, tuple(listings), config
    )


def run() -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from dermai_desktop.ui import theme
    from dermai_desktop.ui.screens.schedule_client import (
        blocks_for,
        columns_for,
        open_days,
        visible_hours,
    )
    from dermai_desktop.ui.widgets.schedule_view import ScheduleView

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app, "light")  # type: ignore[arg-type]
    monday = date(2026, 3, 2)
    data = _data(monday)
    view = ScheduleView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    app.processEvents()

    full_times: list[float] = []
    screen_times: list[float] = []
    placed = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        days = open_days(data.config, monday)
        view.set_hours(*visible_hours(data.config, days))
        view.set_columns(columns_for(data, days), week_mode=True)
        view.set_blocks(blocks_for(data))
        image = QImage(
            view.viewport().width(),
            int(view.grid.height) + view.header_height,
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        painter = QPainter(image)
        view.paint(painter, image.width(), image.height(), 0)
        painter.end()
        full_times.append(time.perf_counter() - start)
        placed = len(view.placed)

        start = time.perf_counter()
        view.viewport().grab()  # the real paintEvent of what a screen shows
        screen_times.append(time.perf_counter() - start)
    view.close()
    figures = {
        "appointments": APPOINTMENTS,
        "placed": placed,
        "runs": RUNS,
        "width_px": WIDTH,
        "full_week_median_ms": ms(median(full_times)),
        "full_week_p95_ms": ms(p95(full_times)),
        "viewport_paint_median_ms": ms(median(screen_times)),
        "goal_ms": GOAL_MS,
    }
    write_result(NAME, figures)
    report(
        NAME,
        f"{APPOINTMENTS} appointments, map + layout + paint of the whole week: median "
        f"{figures['full_week_median_ms']:.0f} ms (p95 {figures['full_week_p95_ms']:.0f} ms, "
        f"goal <= {GOAL_MS:.0f}); one viewport repaint "
        f"{figures['viewport_paint_median_ms']:.0f} ms",
    )
    return figures


def test_schedule_week() -> None:
    figures = run()
    assert figures["placed"] == APPOINTMENTS
    # The median: on a shared 2-CPU CI runner single runs spike with other jobs' load.
    assert figures["full_week_median_ms"] <= GOAL_MS


if __name__ == "__main__":
    run()

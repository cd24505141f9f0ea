"""Comparing over time: linked zoom/pan, overlay opacity, saved alignment, growth chart."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.imaging import (
    Calibration,
    CalibrationSource,
    GrowthPoint,
    MeasureKind,
    Measurement,
    Overlay,
)
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.compare_window import CompareWindow
from dermai_desktop.ui.viewer.growth_chart import GrowthChart
from tests.shared_data import fullres_images
from tests.ui.viewer_support import ACTOR, MemoryImageSource, jpeg_bytes, rgb_of

WAIT_MS = 10000
CALIBRATION = Calibration(0.02, CalibrationSource.RULER)
DATES = (
    datetime(2024, 3, 1, tzinfo=UTC),
    datetime(2024, 9, 2, tzinfo=UTC),
    datetime(2025, 3, 4, tzinfo=UTC),
)


def outline(scale: float) -> Overlay:
    points = tuple(
        (
            300 + scale * 80 * math.cos(k * math.tau / 12),
            225 + scale * 60 * math.sin(k * math.tau / 12),
        )
        for k in range(12)
    )
    return Overlay((Measurement("m", MeasureKind.AREA, points),))


@pytest.fixture
def source() -> MemoryImageSource:
    images = fullres_images()
    src = MemoryImageSource()
    for taken, scale in zip(DATES, (1.0, 1.1, 1.25), strict=True):
        src.add_file(images[0], taken=taken, calibration=CALIBRATION, overlay=outline(scale))
    return src


def open_compare(
    qtbot: QtBot, tasks: TaskRunner, source: MemoryImageSource, ids: list[str]
) -> CompareWindow:
    window = CompareWindow(source, ACTOR, tasks, ids)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.load()
    tasks.wait_idle(WAIT_MS)
    return window


def ids_of(source: MemoryImageSource) -> list[str]:
    return [image.id for image in source.images(ACTOR, "lesion-1")]  # type: ignore[arg-type]


def test_side_by_side_zoom_and_pan_are_linked(
    qtbot: QtBot, tasks: TaskRunner, source: MemoryImageSource
) -> None:
    window = open_compare(qtbot, tasks, source, ids_of(source))
    first, *others = [pane.canvas for pane in window.panes]
    labels = [pane.date_label.text() for pane in window.panes]
    assert labels[0].startswith("01 Mar 2024")
    assert labels[2].startswith("04 Mar 2025")
    first.zoom_by(2.0)
    first.centerOn(200, 150)
    expected = first.relative_view()
    for canvas in others:
        assert canvas.relative_view() == pytest.approx(expected, abs=0.01)
    window.link_action.setChecked(False)
    first.zoom_by(2.0)
    assert others[0].relative_view()[0] == pytest.approx(expected[0], abs=0.01)
    assert first.relative_view()[0] == pytest.approx(2 * expected[0], abs=0.02)


def test_overlay_opacity_and_alignment_saved_and_reapplied(
    qtbot: QtBot, tasks: TaskRunner, source: MemoryImageSource
) -> None:
    ids = ids_of(source)
    window = open_compare(qtbot, tasks, source, [ids[0], ids[2]])
    QTest.keyClick(window, Qt.Key.Key_O)
    assert window.stack.currentIndex() == 1
    view = window.overlay_view
    assert view.later_item is not None
    window.opacity.setValue(30)
    assert view.later_item.opacity() == pytest.approx(0.3)
    # Drag the later image 40 screen pixels right, then fine-tune with keys.
    viewport = view.viewport()
    start = viewport.rect().center()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + type(start)(40, 0))
    QTest.mouseRelease(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        start + type(start)(40, 0),
    )
    assert view.dx == pytest.approx(40 / view.zoom, abs=2)
    QTest.keyClick(view, Qt.Key.Key_Period)
    QTest.keyClick(view, Qt.Key.Key_PageUp)
    assert view.rotation_deg == pytest.approx(0.5)
    assert view.scale_factor == pytest.approx(1.01)
    dx = view.dx
    with qtbot.waitSignal(window.alignment_saved, timeout=WAIT_MS):
        window.save_button.click()
    stored = source.get(ids[2]).alignment
    assert stored is not None
    assert stored.reference_id == ids[0]
    assert stored.dx == pytest.approx(dx, abs=0.01)
    assert stored.rotation_deg == pytest.approx(0.5)
    window.close()
    again = open_compare(qtbot, tasks, source, [ids[0], ids[2]])
    assert again.overlay_view.dx == pytest.approx(dx, abs=0.01)
    assert again.overlay_view.scale_factor == pytest.approx(1.01)
    assert again.overlay_view.rotation_deg == pytest.approx(0.5)


def test_automatic_alignment_recovers_a_shift(qtbot: QtBot, tasks: TaskRunner) -> None:
    rgb = rgb_of(fullres_images()[3])
    source = MemoryImageSource()
    earlier = source.add_bytes(jpeg_bytes(rgb[40:400, 40:520].copy()), taken=DATES[0])
    later = source.add_bytes(jpeg_bytes(rgb[52:412, 20:500].copy()), taken=DATES[1])
    window = open_compare(qtbot, tasks, source, [earlier.id, later.id])
    window.set_overlay_mode(True)
    with qtbot.waitSignal(window.overlay_view.auto_aligned, timeout=WAIT_MS) as signal:
        window.auto_button.click()
    assert signal.args[0].reliable
    # The later crop starts 20 px further left and 12 px lower, so the lesion sits 20 px
    # further right and 12 px higher in it: laying it on the earlier moves it left 20, down 12.
    assert window.overlay_view.dx == pytest.approx(-20, abs=1.5)
    assert window.overlay_view.dy == pytest.approx(12, abs=1.5)


def test_growth_chart_shows_points_or_says_what_it_needs(
    qtbot: QtBot, tasks: TaskRunner, source: MemoryImageSource
) -> None:
    window = open_compare(qtbot, tasks, source, ids_of(source))
    chart = window.growth_chart
    qtbot.waitUntil(lambda: len(chart.points) == 3, timeout=WAIT_MS)
    assert chart.points[0].diameter_mm < chart.points[-1].diameter_mm
    chart.repaint()
    positions = chart.point_positions()
    assert len(positions) == 3
    assert positions[0].x() < positions[1].x() < positions[2].x()
    assert positions[0].y() > positions[2].y()  # bigger is higher
    lonely = GrowthChart()
    qtbot.addWidget(lonely)
    lonely.set_points([GrowthPoint("i", DATES[0].date(), 3.0, 7.0)])  # type: ignore[arg-type]
    lonely.resize(500, 200)
    lonely.repaint()
    assert not lonely.has_enough
    assert lonely.point_positions() == []

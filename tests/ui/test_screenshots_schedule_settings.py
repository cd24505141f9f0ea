"""Screenshots of Schedule settings in the main window (manager, realistic demo clinic)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.app import build_demo_gate
from dermai_desktop.ui.screens.schedule_settings_screen import TABS, ScheduleSettingsScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.helpers import WAIT_MS, sign_in, start

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


def _save(qtbot: QtBot, tasks: TaskRunner, widget: QWidget, name: str) -> None:
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(300)
    QApplication.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(OUT / f"{name}.png"))


def test_schedule_settings_screenshots(qtbot: QtBot, tmp_path: Path, tasks: TaskRunner) -> None:
    gate = build_demo_gate(tmp_path / "demo", fast=True, patients=150)
    try:
        controller = start(qtbot, gate, tasks)
        window = sign_in(qtbot, controller, "manager")
        window.resize(1280, 800)
        window.show()
        assert window.show_page("schedule_settings")
        page = window.pages["schedule_settings"]
        assert isinstance(page, ScheduleSettingsScreen)
        qtbot.waitUntil(lambda: page.config is not None, timeout=WAIT_MS)
        page.select_row(page.types_table, "Full skin check")
        _save(qtbot, tasks, window, "schedule-settings")
        page.tabs.setCurrentIndex(TABS.index("Dermatologists' hours"))
        page.provider_combo.setCurrentIndex(1)
        _save(qtbot, tasks, window, "schedule-settings-hours")
    finally:
        gate.close()

"""Screenshots of the shell with a realistic demo clinic: main window and the F1 help screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.app import build_demo_gate
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


def test_shell_with_demo_practice(qtbot: QtBot, tmp_path: Path, tasks: TaskRunner) -> None:
    gate = build_demo_gate(tmp_path / "demo", fast=True, patients=150)
    try:
        controller = start(qtbot, gate, tasks)
        window = sign_in(qtbot, controller, "derm")
        window.resize(1280, 800)
        window.show_page("schedule")
        _save(qtbot, tasks, window, "shell-schedule")
        window.show_page("patients")
        _save(qtbot, tasks, window, "shell-patients")
        window.show_page("charts")
        _save(qtbot, tasks, window, "shell-charts-empty")
        help_screen = window.show_shortcuts()
        _save(qtbot, tasks, help_screen, "help-shortcuts")
        help_screen.reject()
    finally:
        gate.close()

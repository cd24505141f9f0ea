"""The manager's note-template editor, driven through the real template service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.screens.templates_screen import TemplatesScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import WAIT_MS, session_for

LEFT = Qt.MouseButton.LeftButton


def _screen(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, username: str) -> TemplatesScreen:
    clinic = gate.unlock()
    screen = TemplatesScreen(session_for(clinic, username), tasks)
    qtbot.addWidget(screen)
    screen.resize(1044, 760)
    screen.show()
    qtbot.waitUntil(lambda: screen.list.count() >= 6, timeout=WAIT_MS)
    return screen


def test_bundled_templates_are_listed(qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner) -> None:
    screen = _screen(qtbot, gate, tasks, "manager")
    names = [screen.list.item(i).text() for i in range(screen.list.count())]
    assert any("skin" in n.lower() for n in names)
    assert any("acne" in n.lower() for n in names)
    assert screen.current is not None
    assert screen.name_edit.text() == screen.current.name
    assert any(e.toPlainText() for e in screen.sections.values())


def test_manager_creates_edits_and_retires(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, gate, tasks, "manager")
    before = screen.list.count()
    qtbot.mouseClick(screen.new_button, LEFT)
    qtbot.keyClicks(screen.name_edit, "Mohs follow-up")
    qtbot.mouseClick(screen.save_button, LEFT)
    qtbot.waitUntil(screen.status.isVisible, timeout=WAIT_MS)
    assert screen.name_edit.property("invalid") != "true"
    assert "section" in screen.status.text()  # refused: no text yet, said plainly
    qtbot.keyClicks(screen.sections["objective"], "Scar: well healed / hypertrophic.")
    qtbot.mouseClick(screen.save_button, LEFT)
    qtbot.waitUntil(lambda: screen.list.count() == before + 1, timeout=WAIT_MS)
    assert "created" in screen.status.text()
    assert screen.current is not None
    assert screen.current.name == "Mohs follow-up"

    screen.sections["plan"].setPlainText("Review in 3 months.")
    qtbot.mouseClick(screen.save_button, LEFT)
    qtbot.waitUntil(lambda: "saved" in screen.status.text(), timeout=WAIT_MS)
    assert screen.current.plan == "Review in 3 months."

    qtbot.mouseClick(screen.retire_button, LEFT)
    qtbot.waitUntil(lambda: "retired" in screen.status.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: screen.retire_button.text() == "Restore", timeout=WAIT_MS)


def test_dermatologist_sees_templates_read_only(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, gate, tasks, "derm")
    assert screen.save_button.isHidden()
    assert screen.new_button.isHidden()
    assert screen.sections["subjective"].isReadOnly()

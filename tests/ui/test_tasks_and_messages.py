"""TaskRunner delivers on the GUI thread; the error surface shows plain words or an incident id."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.errors import DiskFull
from dermai_desktop.ui.messages import ErrorSurface, default_incident_id
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner


def test_result_arrives_on_gui_thread_from_a_worker(qtbot: QtBot, tasks: TaskRunner) -> None:
    gui = threading.current_thread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["callback"] = threading.current_thread()
        seen["value"] = value

    tasks.run(work, on_success=done)
    qtbot.waitUntil(lambda: "value" in seen, timeout=3000)
    assert seen["value"] == 42
    assert seen["worker"] is not gui
    assert seen["callback"] is gui
    assert not tasks.busy


def test_db_pool_runs_one_task_at_a_time(qtbot: QtBot, tasks: TaskRunner) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    finished: list[int] = []

    def work(i: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        threading.Event().wait(0.02)
        with lock:
            active -= 1
        return i

    for i in range(5):
        tasks.run(lambda i=i: work(i), on_success=finished.append, pool="db")
    assert tasks.wait_idle(3000)
    assert peak == 1
    assert finished == [0, 1, 2, 3, 4]  # one writer, in order


def test_error_goes_to_on_error_when_given(qtbot: QtBot, tasks: TaskRunner) -> None:
    errors: list[BaseException] = []

    def fail() -> None:
        raise DiskFull()

    tasks.run(fail, on_success=lambda _r: None, on_error=errors.append)
    assert tasks.wait_idle(3000)
    assert isinstance(errors[0], DiskFull)
    assert tasks.surface.last_box is None  # type: ignore[attr-defined]


def test_expected_error_without_handler_shows_plain_box(qtbot: QtBot, tasks: TaskRunner) -> None:
    def fail() -> None:
        raise DiskFull()

    tasks.run(fail, on_success=lambda _r: None)
    assert tasks.wait_idle(3000)
    box = tasks.surface.last_box  # type: ignore[attr-defined]
    assert box is not None
    assert box.windowTitle() == "Disk full"
    assert "Nothing was lost" in box.text()
    assert box.informativeText() == DiskFull.default_next_step
    assert "Traceback" not in box.text() + box.informativeText()
    box.close()


def test_bug_shows_incident_id_and_logs_traceback(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    surface = ErrorSurface(lambda: "ABCD-2345")
    with caplog.at_level(logging.ERROR):
        try:
            raise KeyError("internal detail")
        except KeyError as exc:
            box = surface.show(exc)
    assert box.icon() == QMessageBox.Icon.Critical
    assert "ABCD-2345" in box.informativeText()
    assert "internal detail" not in box.text() + box.informativeText()
    record = next(r for r in caplog.records if "ABCD-2345" in r.getMessage())
    assert record.exc_info is not None  # the traceback goes to the log only
    box.close()


def test_callbacks_dropped_when_owner_is_gone(qtbot: QtBot, tasks: TaskRunner) -> None:
    owner = QWidget()
    calls: list[object] = []
    release = threading.Event()
    tasks.run(lambda: release.wait(2), on_success=calls.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=2000)
    release.set()
    assert tasks.wait_idle(3000)
    assert calls == []


def _alive(widget: QWidget) -> bool:
    return shiboken6.isValid(widget)


def test_default_incident_id_is_short_and_unambiguous() -> None:
    ids = {default_incident_id() for _ in range(50)}
    assert len(ids) == 50
    for value in ids:
        assert len(value) == 9
        assert value[4] == "-"
        assert not set(value) & set("01OI")


def test_emit_helper_keeps_true_alive() -> None:
    # PySide6 6.12 drops a reference to True on each Python emit(); ui.signals repairs it.
    class Source(QObject):
        fired = Signal(object)

    source = Source()
    before = sys.getrefcount(True)
    for _ in range(500):
        emit(source.fired, 1)
    assert abs(sys.getrefcount(True) - before) <= 5  # without the repair: -500

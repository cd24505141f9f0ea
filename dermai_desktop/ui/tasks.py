"""Background task runner: services calls run off the GUI thread, results come back on it."""

from __future__ import annotations

import gc
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
)

from dermai_desktop.ui.signals import emit

logger = logging.getLogger(__name__)

Pool = Literal["db", "io"]
ErrorHandler = Callable[[BaseException], None]


@dataclass(slots=True)
class _Pending:
    on_success: Callable[[Any], None]
    on_error: ErrorHandler | None
    owner: QObject | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    payload: object
    #: The job's callable, handed back so that its last reference (and any widget its
    #: closure holds) is normally dropped on the GUI thread rather than the worker.
    fn: object = None


class _Job(QRunnable):
    """Runs one callable in a pool thread and reports through the runner's signal."""

    def __init__(self, runner: TaskRunner, job_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._job_id = job_id
        self._fn: Callable[[], Any] | None = fn

    def run(self) -> None:
        fn, self._fn = self._fn, None
        if fn is None:  # a QRunnable runs once; nothing left to do
            return
        try:
            outcome = _Outcome(True, fn(), fn)
        except BaseException as exc:
            outcome = _Outcome(False, exc, fn)
        del fn  # from here the outcome, bound for the GUI thread, holds the callable
        emit(self._runner._finished, self._job_id, outcome)


class _GuiThreadGarbageCollector(QObject):
    """Python's cycle collector runs on whichever thread happens to allocate. A Qt object
    caught in a garbage cycle could then be destroyed on a worker thread, which crashes
    Qt (seen: a closed dialog collected while the database thread read rows). While any
    TaskRunner lives, automatic collection is off and done here, on the GUI thread, with
    the interpreter's own generation thresholds.
    """

    _users = 0
    _instance: _GuiThreadGarbageCollector | None = None

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.collect)

    @classmethod
    def acquire(cls) -> None:
        if QCoreApplication.instance() is None:
            return  # no event loop to collect on: leave the interpreter's collector alone
        if cls._instance is None:
            cls._instance = cls()
        if cls._users == 0:
            gc.disable()
            cls._instance._timer.start()
        cls._users += 1

    @classmethod
    def release(cls) -> None:
        if cls._instance is None or cls._users == 0:
            return
        cls._users -= 1
        if cls._users == 0:
            cls._instance._timer.stop()
            gc.enable()

    def collect(self) -> None:
        first, second, third = self._thresholds
        young, middle, old = gc.get_count()
        if young > first:
            gc.collect(0)
            if middle > second:
                gc.collect(1)
                if old > third:
                    gc.collect(2)


class TaskRunner(QObject):
    """Runs services calls on thread pools and delivers outcomes on the GUI thread.

    Modelled on Anki's QueryOp/CollectionOp and Picard's ``run_task``: the "db"
    pool has exactly one thread because SQLite has one writer and SQLCipher
    connections must not be shared; the "io" pool serves keychain and file work.
    Failures go to ``on_error`` if given, else to the one error surface.

    Signals:
        busy_changed(bool): True when the first task starts, False when the last ends.
    """

    busy_changed = Signal(bool)
    # One object argument: a Python bool crossing threads in a queued signal has been seen
    # to upset PySide's reference counting at interpreter exit.
    _finished = Signal(int, object)

    def __init__(self, parent: QObject | None = None, *, io_threads: int = 4) -> None:
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {"db": QThreadPool(self), "io": QThreadPool(self)}
        self._pools["db"].setMaxThreadCount(1)
        self._pools["io"].setMaxThreadCount(io_threads)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._error_handler: ErrorHandler | None = None
        # A queued connection: the worker emits, the GUI thread's event loop delivers.
        self._finished.connect(self._on_finished)
        _GuiThreadGarbageCollector.acquire()
        self._collecting = True

    def set_error_handler(self, handler: ErrorHandler) -> None:
        """Where failures go when a caller gives no ``on_error`` (the error surface)."""
        self._error_handler = handler

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_success: Callable[[Any], None],
        on_error: ErrorHandler | None = None,
        pool: Pool = "db",
        owner: QObject | None = None,
    ) -> int:
        """Run ``fn`` in ``pool``; call ``on_success(result)`` or ``on_error(exc)`` later.

        ``owner``: if this Qt object is deleted before the task ends (a dialog
        was closed), the callbacks are dropped instead of touching a dead widget.
        """
        job_id = next(self._ids)
        was_idle = not self._pending
        self._pending[job_id] = _Pending(on_success, on_error, owner)
        if was_idle:
            emit(self.busy_changed, True)
        self._pools[pool].start(_Job(self, job_id, fn))
        return job_id

    def report(self, exc: BaseException) -> None:
        """Send ``exc`` to the error surface (for on_error handlers that only take some errors)."""
        if self._error_handler is None:
            logger.error("error with no handler", exc_info=exc)
            return
        self._error_handler(exc)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait_idle(self, timeout_ms: int = 5000) -> bool:
        """Process events until every task has delivered its outcome (tests, shutdown)."""
        deadline = QDeadlineTimer(timeout_ms)
        while self._pending and not deadline.hasExpired():
            for pool in self._pools.values():
                pool.waitForDone(10)
            QCoreApplication.processEvents()
        return not self._pending

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Let running tasks finish (a write must commit or roll back); drop queued ones."""
        for pool in self._pools.values():
            pool.clear()
        for pool in self._pools.values():
            pool.waitForDone(timeout_ms)
        self._pending.clear()
        if self._collecting:
            self._collecting = False
            _GuiThreadGarbageCollector.release()

    def _on_finished(self, job_id: int, outcome: _Outcome) -> None:
        ok, payload = outcome.ok, outcome.payload
        pending = self._pending.pop(job_id, None)
        if not self._pending:
            emit(self.busy_changed, False)
        if pending is None:
            return
        if pending.owner is not None and not shiboken6.isValid(pending.owner):
            logger.debug("task %d finished after its owner was closed; result dropped", job_id)
            return
        if ok:
            self._call(pending.on_success, payload)
            return
        assert isinstance(payload, BaseException)
        handler = pending.on_error or self._error_handler
        if handler is None:
            logger.error("task %d failed with no error handler", job_id, exc_info=payload)
            return
        self._call(handler, payload)

    def _call(self, callback: Callable[[Any], None], arg: object) -> None:
        # A bug in a callback must not silently kill the delivery slot; route it to the surface.
        try:
            callback(arg)
        except Exception as exc:
            if self._error_handler is None or callback is self._error_handler:
                logger.exception("task callback failed")
                return
            self._error_handler(exc)

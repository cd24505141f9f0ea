"""Undo/redo of schedule changes: each command replays the service's inverse operation.

The service does the work before a command is pushed (a refused change never enters
the stack), so the first ``redo()`` Qt makes on ``push`` does nothing. Later undo/redo
ask the service to ``revert`` the last change it returned; that call runs on the db
thread, and until it answers the stack is disabled so no second undo races it. If the
service refuses (someone else changed the appointment meanwhile), the reason is shown
and the history is cleared: a stack that no longer matches the database would lie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from dermai_desktop.services.schedule_dto import ScheduleChange

if TYPE_CHECKING:
    from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen


class ScheduleCommand(QUndoCommand):
    def __init__(self, screen: ScheduleScreen, change: ScheduleChange, text: str) -> None:
        super().__init__(text)
        self._screen = screen
        self.change = change  # the change as it stands now (what undo will revert)
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._replay()

    def undo(self) -> None:
        self._replay()

    def _replay(self) -> None:
        def done(change: ScheduleChange) -> None:
            self.change = change

        self._screen.run_revert(self.change, done)


Callback = Callable[[ScheduleChange], None]

"""The Charts page: each open chart (a ``ChartScreen``) is a closable tab.

With no chart open it says how to open one. A chart that fails to build is
logged and reported on the status bar; the other tabs stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeAlias

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.empty_state import EmptyState

log = logging.getLogger(__name__)

#: More open charts than this and the oldest closes: a dozen tabs is already a lot to scan.
MAX_OPEN_CHARTS = 12

#: How a chart tab is made (``ChartScreen``; tests pass a stand-in).
ChartFactory: TypeAlias = Callable[[Session, TaskRunner], ChartScreen]

EMPTY_TEXT = (
    "No chart is open. Find a patient on the Patients page (Ctrl+F) or pick an "
    "appointment on the Schedule, then choose Open chart."
)


class ChartTabs(QWidget):
    """Signals:
    message(str): something the status bar should say (e.g. a chart failed to open).
    book_follow_up_requested(str patient_id): a chart's "Book follow-up" was chosen.
    """

    message = Signal(str)
    book_follow_up_requested = Signal(str)

    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        chart_factory: ChartFactory = ChartScreen,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self.chart_factory = chart_factory
        self.setObjectName("page")
        self.setAccessibleName("Open charts")
        self._open: dict[int, tuple[ChartScreen, str]] = {}  # id(tab) -> (screen, patient id)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        self.empty = EmptyState("chart", "No chart open", EMPTY_TEXT)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("chartTabs")
        self.tabs.setAccessibleName("Open charts")
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tabs)
        layout.addWidget(self.stack)

    # --- opening ----------------------------------------------------------------------

    def open_chart(self, patient_id: str) -> ChartScreen | None:
        """Bring the patient's chart to the front, opening a new tab when needed."""
        for index in range(self.tabs.count()):
            screen, pid = self._open.get(id(self.tabs.widget(index)), (None, ""))
            if screen is not None and pid == patient_id:
                self.tabs.setCurrentIndex(index)
                return screen
        try:
            screen = self.chart_factory(self._session, self._tasks)
            screen.open_patient(patient_id)
        except Exception:  # a faulty chart must not take the window down
            log.exception("chart screen failed to build")
            emit(self.message, "This chart could not be opened. Please try again or call IT.")
            return None
        self._open[id(screen)] = (screen, patient_id)
        while self.tabs.count() >= MAX_OPEN_CHARTS:
            self.close_tab(0)
        index = self.tabs.addTab(screen, screen.windowTitle() or "Chart")
        self.tabs.setTabToolTip(index, "Close with Ctrl+W")
        screen.windowTitleChanged.connect(lambda title, s=screen: self._retitle(s, title))
        screen.closed.connect(lambda s=screen: self._close_screen(s))  # its own Close button
        screen.book_follow_up_requested.connect(self.book_follow_up_requested)
        self.tabs.setCurrentIndex(index)
        self.stack.setCurrentWidget(self.tabs)
        return screen

    def _retitle(self, screen: QWidget, title: str) -> None:
        if not shiboken6.isValid(screen):
            return
        index = self.tabs.indexOf(screen)
        if index >= 0:
            self.tabs.setTabText(index, title or "Chart")

    # --- closing and querying ---------------------------------------------------------

    def close_tab(self, index: int) -> None:
        screen = self._screen_at(index)
        if screen is None:
            return
        try:
            screen.about_to_close()  # the draft is saved before the tab goes
        except Exception:  # the tab still closes; nothing else depends on it
            log.exception("chart failed while closing")
        del self._open[id(screen)]
        self.tabs.removeTab(index)
        screen.deleteLater()
        if self.tabs.count() == 0:
            self.stack.setCurrentWidget(self.empty)

    def _close_screen(self, screen: QWidget) -> None:
        if shiboken6.isValid(screen) and self.tabs.indexOf(screen) >= 0:
            self.close_tab(self.tabs.indexOf(screen))

    def close_current(self) -> bool:
        if self.tabs.count() == 0:
            return False
        self.close_tab(self.tabs.currentIndex())
        return True

    def current_screen(self) -> ChartScreen | None:
        return self._screen_at(self.tabs.currentIndex())

    def _screen_at(self, index: int) -> ChartScreen | None:
        return self._open.get(id(self.tabs.widget(index)), (None, ""))[0]

    def open_patient_ids(self) -> list[str]:
        return [
            self._open.get(id(self.tabs.widget(i)), (None, ""))[1] for i in range(self.tabs.count())
        ]


__all__ = ["MAX_OPEN_CHARTS", "ChartTabs"]

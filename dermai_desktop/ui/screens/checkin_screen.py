"""Today's check-in board: who is expected, who is waiting and for how long, who is in a room."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import TRANSITIONS, AppointmentStatus
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_client import ScheduleClient
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button, muted_label, title_label
from dermai_desktop.ui.widgets.schedule_paint import STATUS_BADGES

S = AppointmentStatus
HEADERS = ("Time", "Patient", "MRN", "Dermatologist", "Type", "Status", "Waiting", "No-shows")
LONG_WAIT_MINUTES = 20
TICK_MS = 15_000
REFRESH_MS = 60_000


def waiting_text(since: datetime | None, until: datetime | None, now: datetime) -> str:
    """ "12 min" while waiting; the total once taken to a room; "" before arrival."""
    if since is None:
        return ""
    minutes = max(int(((until or now) - since).total_seconds() // 60), 0)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min"


class CheckInScreen(QWidget):
    """Signals: open_chart_requested(str patient_id), appointment_changed(object change)."""

    open_chart_requested = Signal(str)
    appointment_changed = Signal(object)

    def __init__(  # noqa: PLR0915 - one widget's layout, read top to bottom
        self, session: Session, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self.client = ScheduleClient(session.services, session.actor)
        self.rows: list[Any] = []
        self.now = lambda: datetime.now(UTC)  # tests replace it to move the clock
        self._can_edit = session.may(Operation.SCHEDULE_EDIT)
        self.setObjectName("page")
        self.setAccessibleName("Check-in")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 20)
        layout.setSpacing(12)
        top = QHBoxLayout()
        top.addWidget(title_label("Check-in"))
        self.day_label = muted_label(f"{datetime.now():%A %d %B}".replace(" 0", " "), wrap=False)
        top.addWidget(self.day_label, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("checkinSummary")
        self.summary.setAccessibleName("Today's numbers")
        top.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)

        bar = QHBoxLayout()
        self.check_in_button = button(
            "Check in", "Check in the selected patient (Ctrl+I)", role="primary"
        )
        self.check_in_button.setIcon(theme.icon("check", "#ffffff"))
        self.room_button = button("Take to room")
        self.complete_button = button("Complete")
        self.no_show_button = button("No-show", "Mark no-show")
        self.refresh_button = button("Refresh")
        for widget in (
            self.check_in_button,
            self.room_button,
            self.complete_button,
            self.no_show_button,
        ):
            bar.addWidget(widget)
            widget.setVisible(self._can_edit)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        self.status = InlineStatus()
        layout.addWidget(self.status)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setAccessibleName("Today's appointments")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(40)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.empty = EmptyState(
            "calendar",
            "Nobody is booked today",
            "Appointments booked for today appear here. Book from the "
            "Schedule page (Ctrl+Shift+N).",
        )
        self.empty.hide()
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)

        self.check_in_button.clicked.connect(lambda: self.change(S.ARRIVED))
        self.room_button.clicked.connect(lambda: self.change(S.IN_ROOM))
        self.complete_button.clicked.connect(lambda: self.change(S.COMPLETED))
        self.no_show_button.clicked.connect(lambda: self.change(S.NO_SHOW))
        self.refresh_button.clicked.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(self._open_chart)
        shortcut = QShortcut(QKeySequence("Ctrl+I"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.change(S.ARRIVED))
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self.tick)
        self._reloader = QTimer(self)
        self._reloader.setInterval(REFRESH_MS)
        self._reloader.timeout.connect(self.refresh)
        self._update_buttons()

    # --- data -----------------------------------------------------------------------

    def refresh(self) -> None:
        self._tasks.run(
            self.client.board, on_success=self.set_rows, on_error=self._error, owner=self
        )

    def set_rows(self, rows: list[Any]) -> None:
        selected = self.selected_id()
        self.rows = list(rows)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            appt = row.listing.appointment
            local = appt.start.astimezone()
            cells = (
                f"{local:%H:%M}",
                row.listing.patient.name,
                row.listing.patient.mrn,
                row.provider_name,
                self._type_label(appt.type_code),
                appt.status.label,
                "",
                str(row.no_show_count) if row.no_show_count else "",
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(appt.id))
                self.table.setItem(r, c, item)
        self.tick()
        if not selected and self.rows:
            # Morning rows are done: bring the first patient still to be seen into view.
            active = next(
                (
                    i
                    for i, row in enumerate(self.rows)
                    if row.listing.appointment.status not in (S.COMPLETED, S.NO_SHOW)
                ),
                0,
            )
            QTimer.singleShot(0, lambda: self._scroll_to(active))
        has_rows = bool(self.rows)
        self.table.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if selected:
            self.select(selected)
        self._update_buttons()

    def _scroll_to(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.table.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtTop)

    def _type_label(self, code: str) -> str:
        return code.replace("_", " ").capitalize()

    def tick(self) -> None:  # noqa: PLR0912 - one pass over the rows, one case per status
        """Recompute waiting times and highlights (every 15 s while shown)."""
        now = self.now()
        counts = {"expected": 0, "waiting": 0, "in_room": 0, "done": 0, "late": 0}
        warn_bg = QBrush(QColor(theme.token("warning_bg")))
        muted = QBrush(QColor(theme.token("muted")))
        error_bg = QBrush(QColor(theme.token("error_bg")))
        for r, row in enumerate(self.rows):
            appt = row.listing.appointment
            if appt.status is S.ARRIVED:  # still waiting: the clock ticks here
                waited = waiting_text(row.waiting_since, None, now)
            elif row.waiting_minutes is not None:  # seen: the service knows the total
                waited = waiting_text(now - timedelta(minutes=row.waiting_minutes), now, now)
            else:
                waited = ""
            item = self.table.item(r, 6)
            if item is not None:
                item.setText(waited)
            late = appt.status in (S.BOOKED, S.CONFIRMED) and appt.start < now
            long_wait = (
                appt.status is S.ARRIVED
                and row.waiting_since is not None
                and (now - row.waiting_since).total_seconds() >= LONG_WAIT_MINUTES * 60
            )
            status_item = self.table.item(r, 5)
            if status_item is not None:
                status_item.setText("Late" if late else appt.status.label)
            brush = error_bg if long_wait else warn_bg if late else QBrush()
            finished = appt.status in (S.COMPLETED, S.NO_SHOW)
            for c in range(self.table.columnCount()):
                cell = self.table.item(r, c)
                if cell is not None:
                    cell.setBackground(brush)
                    cell.setForeground(muted if finished else QBrush())
            if status_item is not None and not finished:
                _label, fg, _bg = STATUS_BADGES.get(appt.status.value, ("", "", ""))
                if fg and theme.current_theme() == "light":
                    status_item.setForeground(QBrush(QColor(fg)))
                font = status_item.font()
                font.setBold(appt.status in (S.ARRIVED, S.IN_ROOM) or late)
                status_item.setFont(font)
            if appt.status in (S.BOOKED, S.CONFIRMED):
                counts["expected"] += 1
                counts["late"] += int(late)
            elif appt.status is S.ARRIVED:
                counts["waiting"] += 1
            elif appt.status is S.IN_ROOM:
                counts["in_room"] += 1
            elif appt.status is S.COMPLETED:
                counts["done"] += 1
        parts = [
            f"{counts['expected']} expected",
            f"{counts['waiting']} waiting",
            f"{counts['in_room']} in a room",
            f"{counts['done']} done",
        ]
        if counts["late"]:
            parts.append(f"{counts['late']} late")
        self.summary.setText("  ·  ".join(parts))

    # --- actions ----------------------------------------------------------------------

    def selected_id(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def select(self, appointment_id: str) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == appointment_id:
                self.table.selectRow(r)
                return

    def _row_of(self, appointment_id: str) -> Any:
        return next((r for r in self.rows if r.listing.appointment.id == appointment_id), None)

    def _update_buttons(self) -> None:
        row = self._row_of(self.selected_id())
        allowed = TRANSITIONS.get(row.listing.appointment.status, frozenset()) if row else ()
        for widget, status in (
            (self.check_in_button, S.ARRIVED),
            (self.room_button, S.IN_ROOM),
            (self.complete_button, S.COMPLETED),
            (self.no_show_button, S.NO_SHOW),
        ):
            widget.setEnabled(status in allowed)

    def change(self, status: AppointmentStatus) -> None:
        row = self._row_of(self.selected_id())
        if row is None or not self._can_edit:
            return
        appt = row.listing.appointment
        if status not in TRANSITIONS.get(appt.status, frozenset()):
            return
        name = row.listing.patient.name

        def done(change: object) -> None:
            verb = {
                S.ARRIVED: "checked in",
                S.IN_ROOM: "taken to a room",
                S.COMPLETED: "seen",
                S.NO_SHOW: "marked as no-show",
            }[status]
            self.status.show_success(f"{name} {verb}.")
            emit(self.appointment_changed, change)
            self.refresh()

        self._tasks.run(
            lambda: self.client.set_status(appt, status),
            on_success=done,
            on_error=self._error,
            owner=self,
        )

    def _open_chart(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.rows) and self._session.may(Operation.CHART_VIEW):
            emit(self.open_chart_requested, str(self.rows[row].listing.patient.patient_id))

    def _error(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._ticker.start()
        self._reloader.start()
        self.refresh()

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self._ticker.stop()
        self._reloader.stop()

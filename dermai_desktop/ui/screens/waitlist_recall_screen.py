"""Waitlist and recalls: patients waiting for an earlier slot, follow-ups due; book in one go."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.roles import Operation
from dermai_desktop.services.schedule_dto import WaitlistOffer
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_client import ScheduleClient
from dermai_desktop.ui.screens.schedule_dialogs import FreeSlotDialog
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, muted_label, title_label

WAITLIST_HEADERS = ("Priority", "Patient", "MRN", "Wants", "Dermatologist", "Waiting since", "Note")
RECALL_HEADERS = ("Due", "Patient", "MRN", "Reason", "Type", "Status")


def _table(headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(38)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


class WaitlistRecallScreen(QWidget):
    """Signals: open_chart_requested(str), appointment_changed(object ScheduleChange).

    ``show_offers(offers)`` (called by the shell when the schedule freed a slot)
    explains the free slot and selects the waitlisted patients who fit it.
    """

    open_chart_requested = Signal(str)
    appointment_changed = Signal(object)

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self.client = ScheduleClient(session.services, session.actor)
        self.waitlist: list[Any] = []
        self.recalls: list[Any] = []
        self.dialog: QDialog | None = None
        self._config: Any = None
        self._providers: tuple[Any, ...] = ()
        self._can_edit = session.may(Operation.SCHEDULE_EDIT)
        self.offered: tuple[str, ...] = ()  # waitlist entry ids offered a freed slot, best first
        self._select_offer = False  # select the best offered row once it is loaded
        self.setObjectName("page")
        self.setAccessibleName("Waitlist and recalls")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 20)
        layout.setSpacing(12)
        layout.addWidget(title_label("Waitlist & recalls"))
        layout.addWidget(
            muted_label(
                "Patients waiting for an earlier slot, and follow-ups that are due. Overdue "
                "recalls are highlighted. Select a row and press Book (or double-click) to "
                "find a slot."
            )
        )
        self.status = InlineStatus()
        layout.addWidget(self.status)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Waitlist or recalls")
        self.waitlist_table = _table(WAITLIST_HEADERS, "Waitlist")
        self.recall_table = _table(RECALL_HEADERS, "Recalls")
        self.tabs.addTab(self._page(self.waitlist_table, "waitlist"), "Waitlist")
        self.tabs.addTab(self._page(self.recall_table, "recall"), "Recalls")
        layout.addWidget(self.tabs, 1)

    def _page(self, table: QTableWidget, kind: str) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 10, 0, 0)
        bar = QHBoxLayout()
        book = button("Book…", f"Book the selected {kind}", role="primary")
        book.setIcon(theme.icon("calendar", "#ffffff"))
        book.setVisible(self._can_edit)
        refresh = button("Refresh")
        bar.addWidget(book)
        bar.addStretch(1)
        bar.addWidget(refresh)
        box.addLayout(bar)
        box.addWidget(table, 1)
        book.clicked.connect(lambda: self.book_selected(kind))
        table.cellDoubleClicked.connect(lambda _r, _c: self.book_selected(kind))
        refresh.clicked.connect(self.refresh)
        setattr(self, f"{kind}_book_button", book)
        return page

    # --- loading ---------------------------------------------------------------------

    def refresh(self) -> None:
        def load() -> tuple[list[Any], list[Any], Any]:
            today = datetime.now(UTC).date()
            data = self.client.load(today, today)
            return self.client.waitlist(), self.client.recalls(), data

        self._tasks.run(load, on_success=self._loaded, on_error=self._error, owner=self)

    def _loaded(self, result: tuple[list[Any], list[Any], Any]) -> None:
        waitlist, recalls, data = result
        self._config = data.config
        self._providers = data.providers
        self.set_waitlist(waitlist)
        self.set_recalls(recalls)

    def _provider_name(self, provider_id: str | None) -> str:
        if provider_id is None:
            return "Any"
        return next((p.full_name for p in self._providers if p.id == provider_id), "—")

    def _type_label(self, code: str | None) -> str:
        if code is None:
            return "Any type"
        if self._config is not None:
            try:
                return str(self._config.type(code).label)
            except ExpectedError:
                pass
        return code.replace("_", " ").capitalize()

    def show_offers(self, offers: tuple[WaitlistOffer, ...]) -> None:
        """A slot was freed that these waitlisted patients fit: say so and select the best."""
        if not offers:
            return
        self.offered = tuple(str(offer.entry.id) for offer in offers)
        slot = offers[0].slot
        start = self._config.local(slot.start) if self._config is not None else slot.start
        names = ", ".join(offer.patient.name for offer in offers[:3])
        more = f" and {len(offers) - 3} more" if len(offers) > 3 else ""
        self.status.show_info(
            f"A slot is free on {start:%a %d %b at %H:%M} with {slot.provider_name}. "
            f"Patients waiting who fit it, best first: {names}{more}. "
            "The first is selected: press Book… to offer the slot."
        )
        self.tabs.setCurrentIndex(0)
        self._select_offer = True
        self.set_waitlist(self.waitlist)  # highlight now; the refresh brings newer rows
        self.refresh()

    def _select_offered(self) -> None:
        ids = [str(listing.entry.id) for listing in self.waitlist]
        row = next((ids.index(i) for i in self.offered if i in ids), None)
        if self._select_offer and row is not None:
            self.waitlist_table.selectRow(row)
            self._select_offer = False

    def set_waitlist(self, listings: list[Any]) -> None:
        self.waitlist = list(listings)
        table = self.waitlist_table
        table.setRowCount(len(self.waitlist))
        urgent = QBrush(QColor(theme.token("warning_bg")))
        for r, listing in enumerate(self.waitlist):
            entry = listing.entry
            days = (datetime.now(UTC) - entry.requested_at).days
            cells = (
                entry.priority.label,
                listing.patient.name,
                listing.patient.mrn,
                self._type_label(entry.type_code),
                self._provider_name(entry.provider_id),
                f"{entry.requested_at:%d %b} ({days} d)",
                entry.note,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if entry.priority.value == 1:
                    item.setBackground(urgent)
                if str(entry.id) in self.offered:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(r, c, item)
        self.tabs.setTabText(0, f"Waitlist ({len(self.waitlist)})")
        self._select_offered()

    def set_recalls(self, listings: list[Any]) -> None:
        self.recalls = list(listings)
        table = self.recall_table
        table.setRowCount(len(self.recalls))
        overdue_bg = QBrush(QColor(theme.token("error_bg")))
        overdue_fg = QBrush(QColor(theme.token("error")))
        overdue = 0
        for r, listing in enumerate(self.recalls):
            recall = listing.recall
            state = (
                f"Overdue {listing.days_overdue} days"
                if listing.overdue
                else "Due"
                if recall.due <= date.today()
                else "Upcoming"
            )
            cells = (
                f"{recall.due:%d %b %Y}",
                listing.patient.name,
                listing.patient.mrn,
                recall.reason,
                self._type_label(recall.type_code),
                state,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if listing.overdue:
                    item.setBackground(overdue_bg)
                    if c in (0, 5):
                        item.setForeground(overdue_fg)
                table.setItem(r, c, item)
            overdue += int(listing.overdue)
        label = f"Recalls ({len(self.recalls)}"
        self.tabs.setTabText(1, label + (f", {overdue} overdue)" if overdue else ")"))

    # --- booking -------------------------------------------------------------------------

    def book_selected(self, kind: str) -> FreeSlotDialog | None:
        table = self.waitlist_table if kind == "waitlist" else self.recall_table
        rows = table.selectionModel().selectedRows()
        if not rows or self._config is None or not self._can_edit:
            if not rows:
                self.status.show_info("Select a row first, then press Book.")
            return None
        listing = (self.waitlist if kind == "waitlist" else self.recalls)[rows[0].row()]
        item = listing.entry if kind == "waitlist" else listing.recall
        dialog = FreeSlotDialog(
            self.client,
            self._tasks,
            self._config,
            self._providers,
            datetime.now(UTC),
            self,
            type_code=item.type_code,
            provider_id=item.provider_id,
        )

        def chosen(slot: Any) -> None:
            code = dialog.chosen_type
            if kind == "waitlist":
                fn = lambda: self.client.book_waitlist(item, slot, code)  # noqa: E731
            else:
                fn = lambda: self.client.book_recall(item, slot, code)  # noqa: E731
            local = self._config.local(slot.start)

            def done(change: object) -> None:
                self.status.show_success(
                    f"{listing.patient.name} booked {local:%a %d %b %H:%M} with "
                    f"{slot.provider_name}."
                )
                emit(self.appointment_changed, change)
                self.refresh()

            self._tasks.run(fn, on_success=done, on_error=self._error, owner=self)

        dialog.slot_chosen.connect(chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        dialog.search()  # the next free slots are listed straight away: one more click books
        return dialog

    def _error(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()

"""The schedule screen's appointment actions: the context menu, status changes, cancel,
and "this and following" for recurring visits.

A mixin of ``ScheduleScreen`` (kept apart so the screen module stays about loading,
booking and undo); like ``ScheduleChrome`` it declares what the screen provides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu

from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import TRANSITIONS, Appointment, AppointmentStatus
from dermai_desktop.services.schedule_dto import ScheduleChange
from dermai_desktop.ui.screens.schedule_client import ScheduleClient
from dermai_desktop.ui.screens.schedule_dialogs import CancelDialog, MoveFollowingDialog
from dermai_desktop.ui.screens.schedule_toolbar import ScheduleChrome
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.schedule_view import ScheduleView

S = AppointmentStatus
#: context-menu status actions: (label, target status)
STATUS_ACTIONS = (
    ("Confirm", S.CONFIRMED),
    ("Check in (arrived)", S.ARRIVED),
    ("Take to room", S.IN_ROOM),
    ("Complete", S.COMPLETED),
    ("Mark no-show", S.NO_SHOW),
)


class ScheduleActions(ScheduleChrome):
    """What can be done to one appointment on the schedule, besides dragging it."""

    # provided by ScheduleScreen
    client: ScheduleClient
    view: ScheduleView
    menu: QMenu | None
    open_chart_requested: Any  # Signal(str)
    _session: Session
    _tasks: TaskRunner

    def appointment(self, appointment_id: str) -> Appointment | None:
        raise NotImplementedError

    def _providers(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _mutate(self, fn: Callable[[], ScheduleChange]) -> None:
        raise NotImplementedError

    def _after_change(self, change: object) -> None:
        raise NotImplementedError

    def _open(self, dialog: QDialog) -> None:
        raise NotImplementedError

    def set_status(self, appointment_id: str, status: AppointmentStatus) -> None:
        appt = self.appointment(appointment_id)
        if appt is not None:
            self._mutate(lambda: self.client.set_status(appt, status))

    def cancel_appointment(self, appointment_id: str) -> CancelDialog | None:
        appt = self.appointment(appointment_id)
        block = self.view.block(appointment_id)
        if appt is None or block is None:
            return None
        summary = f"{block.title} · {self.view.fmt(block.start_min)} · {block.detail}"
        dialog = CancelDialog(
            self._tasks, summary, lambda reason: self.client.cancel(appt, reason), self
        )
        dialog.succeeded.connect(self._after_change)
        self._open(dialog)
        return dialog

    def _block_summary(self, appointment_id: str) -> str:
        block = self.view.block(appointment_id)
        if block is None:
            return ""
        return f"{block.title} · {self.view.fmt(block.start_min)} · {block.detail}"

    def cancel_following(self, appointment_id: str) -> CancelDialog | None:
        """ "Cancel this and following": this visit and the later ones; earlier ones stay."""
        appt = self.appointment(appointment_id)
        if appt is None or appt.series_id is None or self.data is None:
            return None
        local = self.data.config.local(appt.start)
        dialog = CancelDialog(
            self._tasks,
            self._block_summary(appointment_id),
            lambda reason: self.client.cancel_following(appt, reason),
            self,
            title="Cancel this and following",
            note=(
                f"This visit ({local:%a} {local.day} {local:%b}) and every later visit of "
                "the series are cancelled. Earlier visits stay booked."
            ),
        )
        dialog.succeeded.connect(self._after_change)
        self._open(dialog)
        return dialog

    def move_following(self, appointment_id: str) -> MoveFollowingDialog | None:
        """ "Move this and following": the later visits shift by the same amount."""
        appt = self.appointment(appointment_id)
        if appt is None or appt.series_id is None or self.data is None:
            return None
        dialog = MoveFollowingDialog(
            self._tasks,
            self.data.config,
            self._providers(),
            appt.start,
            str(appt.provider_id),
            self._block_summary(appointment_id),
            lambda provider, start: self.client.change_following(appt, provider, start),
            self,
        )
        dialog.succeeded.connect(self._after_change)
        self._open(dialog)
        return dialog

    def open_context_menu(self, appointment_id: str, global_pos: QPoint) -> QMenu | None:
        appt = self.appointment(appointment_id)
        if appt is None:
            return None
        menu = QMenu(self)
        menu.setAccessibleName("Appointment actions")
        allowed = TRANSITIONS.get(appt.status, frozenset())
        for label, status in STATUS_ACTIONS:
            action = menu.addAction(label)
            action.setEnabled(self._can_edit and status in allowed)
            action.triggered.connect(lambda _c=False, s=status: self.set_status(appointment_id, s))
        menu.addSeparator()
        cancel = menu.addAction("Cancel appointment…")
        cancel.setEnabled(self._can_edit and S.CANCELLED in allowed)
        cancel.triggered.connect(lambda: self.cancel_appointment(appointment_id))
        if appt.series_id is not None:
            # A drag moves only this visit; these change it and the later ones together.
            live = self._can_edit and not appt.status.is_final
            move_all = menu.addAction("Move this and following…")
            move_all.setEnabled(live)
            move_all.triggered.connect(lambda: self.move_following(appointment_id))
            cancel_all = menu.addAction("Cancel this and following…")
            cancel_all.setEnabled(live)
            cancel_all.triggered.connect(lambda: self.cancel_following(appointment_id))
        if self._session.may(Operation.CHART_VIEW):
            menu.addSeparator()
            chart = menu.addAction("Open chart")
            chart.triggered.connect(lambda: emit(self.open_chart_requested, str(appt.patient_id)))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu = menu
        menu.popup(global_pos)
        return menu

    def menu_action(self, text: str) -> QAction | None:
        """The open context menu's action called ``text`` (tests, keyboard users)."""
        if self.menu is None:
            return None
        return next((a for a in self.menu.actions() if a.text() == text), None)

    def _on_activated(self, appointment_id: str) -> None:
        appt = self.appointment(appointment_id)
        if appt is not None and self._session.may(Operation.CHART_VIEW):
            emit(self.open_chart_requested, str(appt.patient_id))
        elif appt is not None:
            rect = self.view.block_viewport_rect(appointment_id)
            point = rect.center().toPoint() if rect else QPoint()
            self.open_context_menu(appointment_id, self.view.viewport().mapToGlobal(point))

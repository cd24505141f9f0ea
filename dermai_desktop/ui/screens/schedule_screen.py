"""The schedule: day and week views per dermatologist, booking, drag to move, undo, print."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import Appointment
from dermai_desktop.services.schedule_dto import ScheduleChange
from dermai_desktop.services.schedule_dto import ScheduleView as ScheduleData
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_actions import STATUS_ACTIONS, ScheduleActions
from dermai_desktop.ui.screens.schedule_client import (
    PatientChoice,
    ScheduleClient,
    apply_change,
    blocks_for,
    change_summary,
    columns_for,
    open_days,
    skipped_summary,
    utc_at,
    visible_hours,
)
from dermai_desktop.ui.screens.schedule_commands import ScheduleCommand
from dermai_desktop.ui.screens.schedule_dialogs import BookingDialog, FreeSlotDialog
from dermai_desktop.ui.screens.schedule_print import write_day_sheet
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.schedule_view import ScheduleView


class ScheduleScreen(ScheduleActions):
    """Day/week grid of appointments with one column per dermatologist.

    Signals:
        open_chart_requested(str patient_id): double-click / "Open chart" on an appointment.
        appointment_changed(object ScheduleChange): after any change (check-in board refresh).
        offers_available(object tuple[WaitlistOffer]): a change freed a slot waitlisted
            patients fit (the waitlist screen can show them).
    """

    open_chart_requested = Signal(str)
    appointment_changed = Signal(object)
    offers_available = Signal(object)

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self.client = ScheduleClient(session.services, session.actor)
        self.data: ScheduleData | None = None
        #: series id -> "Every 2 weeks, 6 times" for the series on screen (tooltips)
        self.series_labels: dict[str, str] = {}
        self.mode = "day"
        self.anchor = date.today()
        self.dialog: QDialog | None = None
        self.menu: QMenu | None = None
        self.last_path: Path | None = None
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests move the clock
        self._load_seq = 0
        self._can_edit = session.may(Operation.SCHEDULE_EDIT)
        self.undo_stack = QUndoStack(self)
        self.setObjectName("page")
        self.setAccessibleName("Schedule")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 12)
        layout.setSpacing(10)
        layout.addLayout(self._title_row())
        layout.addLayout(self._toolbar())
        self.status = InlineStatus()
        layout.addWidget(self.status)
        frame = QFrame()
        frame.setObjectName("scheduleFrame")
        frame_layout = QVBoxLayout(frame)
        frame_layout.setContentsMargins(1, 1, 1, 1)
        self.view = ScheduleView()
        frame_layout.addWidget(self.view)
        layout.addWidget(frame, 1)
        layout.addLayout(self._legend_row())

        self.view.slot_clicked.connect(self._on_slot_clicked)
        self.view.move_requested.connect(self._on_move)
        self.view.resize_requested.connect(self._on_resize)
        self.view.context_menu_requested.connect(self.open_context_menu)
        self.view.block_activated.connect(self._on_activated)
        self.view.navigate_requested.connect(self.step)
        self._shortcuts()
        self._clock = QTimer(self)
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(lambda: self.view.set_now(self.now()))
        self._clock.start()
        self._update_title()

    # --- navigation -------------------------------------------------------------------

    def today(self) -> date:
        if self.data is not None:
            return datetime.now(self.data.config.tz).date()
        return date.today()

    def go_today(self) -> None:
        self.show_date(self.today())

    def step(self, direction: int) -> None:
        delta = 7 if self.mode == "week" else 1
        self.show_date(self.anchor + timedelta(days=delta * direction))

    def show_date(self, day: date) -> None:
        self.anchor = day
        self._update_title()
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode = "week" if mode == "week" else "day"
        (self.week_button if self.mode == "week" else self.day_button).setChecked(True)
        self.prev_button.setToolTip(f"Previous {self.mode} (Left arrow)")
        self.next_button.setToolTip(f"Next {self.mode} (Right arrow)")
        self._update_title()
        self.refresh()

    def _range(self) -> tuple[date, date]:
        if self.mode == "week":
            monday = self.anchor - timedelta(days=self.anchor.weekday())
            return monday, monday + timedelta(days=7)
        return self.anchor, self.anchor + timedelta(days=1)

    def _update_title(self) -> None:
        start, end = self._range()
        if self.mode == "week":
            last = end - timedelta(days=1)
            text = f"{start:%d %b} – {last:%d %b %Y}"
        else:
            text = f"{start:%A %d %B %Y}"
            if start == self.today():
                text += "  ·  today"
        self.date_label.setText(text.replace(" 0", " "))

    # --- loading ------------------------------------------------------------------------

    def refresh(self) -> None:
        start, end = self._range()
        self._load_seq += 1
        seq = self._load_seq

        known = dict(self.series_labels)

        def load() -> tuple[ScheduleData, dict[str, str]]:
            data = self.client.load(start, end)
            return data, self.client.series_labels(data, known)

        def loaded(result: tuple[ScheduleData, dict[str, str]]) -> None:
            if seq == self._load_seq:
                data, labels = result
                self.series_labels = labels
                self.set_data(data)

        self._tasks.run(
            load,
            on_success=loaded,
            on_error=self._show_error,
            owner=self,
        )

    def set_data(self, data: ScheduleData) -> None:
        first = self.data is None
        self.data = data
        self._fill_filters(data)
        if first:
            self._fill_legend()
        self._render()
        if first:
            minute = visible_hours(data.config, [self.anchor])[0]
            self.view.scroll_to_minute(minute)

    def _fill_filters(self, data: ScheduleData) -> None:
        for combo, items in (
            (self.provider_combo, [(p.id, p.full_name) for p in data.providers]),
            (self.room_combo, [(r.id, r.name) for r in data.config.rooms if r.active]),
        ):
            known = {combo.itemData(i) for i in range(1, combo.count())}
            if known == {key for key, _ in items}:
                continue
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for key, name in items:
                combo.addItem(name, key)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)

    def _render(self) -> None:
        data = self.data
        if data is None:
            return
        start, _end = self._range()
        days = open_days(data.config, start) if self.mode == "week" else [start]
        provider = self.provider_combo.currentData() or None
        room = self.room_combo.currentData() or None
        hours = visible_hours(data.config, days)
        self.view.set_hours(*hours)
        self.view.slot_minutes = data.config.slot_minutes
        self.view.set_columns(
            columns_for(data, days, [provider] if provider else None), week_mode=self.mode == "week"
        )
        self.view.set_blocks(blocks_for(data, room, self.series_labels))
        self.view.set_now(self.now())
        self._update_title()

    # --- booking ----------------------------------------------------------------------

    def _providers(self) -> tuple[Any, ...]:
        return self.data.providers if self.data is not None else ()

    def _on_slot_clicked(self, provider_id: str, day: date, minute: int) -> None:
        self.open_booking(provider_id, day, minute)

    def new_appointment(self) -> BookingDialog | None:
        """N: book at the next free-looking slot of the shown day (the dialog lets you change)."""
        if self.data is None or not self._can_edit:
            return None
        provider = self.provider_combo.currentData() or (
            self._providers()[0].id if self._providers() else ""
        )
        now = datetime.now(self.data.config.tz)
        minute = (
            (now.hour * 60 + now.minute) // 15 * 15 + 15 if self.anchor == now.date() else 9 * 60
        )
        return self.open_booking(provider, self.anchor, minute)

    def book_for_patient(self, patient_id: str) -> None:
        """ "Book" from the patient list: the booking dialog with that patient filled in."""
        if self.data is None or not self._can_edit:
            return

        def ready(choice: PatientChoice) -> None:
            dialog = self.new_appointment()
            if dialog is not None:
                dialog.choose_patient(choice)

        self._tasks.run(
            lambda: self.client.patient_choice(patient_id),
            on_success=ready,
            on_error=self._show_error,
            owner=self,
        )

    def open_booking(
        self,
        provider_id: str,
        day: date,
        minute: int,
        patient: PatientChoice | None = None,
        type_code: str | None = None,
    ) -> BookingDialog | None:
        if self.data is None or not self._can_edit:
            return None
        dialog = BookingDialog(
            self.client,
            self._tasks,
            self.data.config,
            self._providers(),
            provider_id,
            day,
            minute,
            self,
            patient=patient,
            type_code=type_code,
        )
        dialog.succeeded.connect(self._after_change)
        self._open(dialog)
        return dialog

    def find_free_slot(self) -> FreeSlotDialog | None:
        if self.data is None:
            return None
        dialog = FreeSlotDialog(
            self.client,
            self._tasks,
            self.data.config,
            self._providers(),
            datetime.now(UTC),
            self,
            provider_id=self.provider_combo.currentData() or None,
        )

        def chosen(slot: Any) -> None:
            assert self.data is not None
            local = self.data.config.local(slot.start)
            QTimer.singleShot(
                0,
                lambda: self.open_booking(
                    str(slot.provider_id),
                    local.date(),
                    local.hour * 60 + local.minute,
                    type_code=dialog.chosen_type,
                ),
            )

        dialog.slot_chosen.connect(chosen)
        self._open(dialog)
        return dialog

    # --- moving and resizing (status, cancel and the context menu: ScheduleActions) -------

    def appointment(self, appointment_id: str) -> Appointment | None:
        if self.data is None:
            return None
        for listing in self.data.appointments:
            if listing.appointment.id == appointment_id:
                return listing.appointment
        return None

    def _on_move(self, appointment_id: str, provider_id: str, day: date, start_min: int) -> None:
        appt = self.appointment(appointment_id)
        if appt is None or self.data is None:
            return
        start = utc_at(self.data.config, day, start_min)
        self._preview(
            appointment_id,
            provider_id=provider_id,
            day=day,
            start_min=start_min,
            end_min=start_min + int(appt.duration.total_seconds() // 60),
        )
        self._mutate(lambda: self.client.move(appt, provider_id, start))

    def _on_resize(self, appointment_id: str, end_min: int) -> None:
        appt = self.appointment(appointment_id)
        if appt is None or self.data is None:
            return
        config = self.data.config
        day = config.local(appt.start).date()
        self._preview(appointment_id, end_min=end_min)
        self._mutate(lambda: self.client.resize(appt, utc_at(config, day, end_min)))

    def _preview(self, appointment_id: str, **fields: Any) -> None:
        """Show the block where it was dropped at once; the service has the last word."""
        from dataclasses import replace

        blocks = [replace(b, **fields) if b.id == appointment_id else b for b in self.view.blocks]
        self.view.set_blocks(blocks)

    # --- running changes and undo ---------------------------------------------------------

    def _mutate(self, fn: Callable[[], ScheduleChange]) -> None:
        self.status.clear_message()

        def failed(exc: BaseException) -> None:
            self._render()  # put a dropped block back where the database has it
            self._show_error(exc)

        self._tasks.run(fn, on_success=self._after_change, on_error=failed, owner=self)

    def _after_change(self, change: object) -> None:
        if not isinstance(change, ScheduleChange) or self.data is None:
            return
        text = change_summary(change, self.data.config)
        self.undo_stack.push(ScheduleCommand(self, change, text))
        self._applied(change, text)

    def _applied(self, change: ScheduleChange, text: str) -> None:
        assert self.data is not None
        self.data = apply_change(self.data, change)
        self._render()
        message = text + ". Undo with Ctrl+Z."
        skipped = skipped_summary(change, self.data.config)
        if skipped:
            message = f"{text}. {skipped} Undo with Ctrl+Z."
        if change.offers:
            n = len(change.offers)
            message += (
                f" {n} waitlisted patient{'s' if n > 1 else ''} could take the freed "
                "slot — see Waitlist."
            )
            emit(self.offers_available, change.offers)
        self.status.show_success(message)
        emit(self.appointment_changed, change)
        if change.series:
            for item in change.series:
                for state in (item.before, item.after):
                    if state is not None:
                        self.series_labels.pop(str(state.id), None)
        if change.series or any(item.before is None for item in change.appointments):
            self.refresh()  # a new booking or series: fetch it with its labels

    def run_revert(self, change: ScheduleChange, done: Callable[[ScheduleChange], None]) -> None:
        """Called by ScheduleCommand: ask the service to revert ``change``."""
        self.undo_stack.setActive(False)
        self._sync_undo(busy=True)

        def ok(result: ScheduleChange) -> None:
            done(result)
            self.undo_stack.setActive(True)
            self._sync_undo()
            if self.data is not None:
                self._applied(result, "Undone" if result.kind else "Done")
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.undo_stack.setActive(True)
            self.undo_stack.clear()
            self._sync_undo()
            self.refresh()
            if isinstance(exc, ExpectedError):
                self.status.show_error(
                    f"Could not undo: {exc.user_text()} The undo history was cleared."
                )
            else:
                self._tasks.report(exc)

        self._tasks.run(
            lambda: self.client.revert(change), on_success=ok, on_error=failed, owner=self
        )

    def undo(self) -> None:
        if self.undo_stack.canUndo() and self.undo_stack.isActive():
            self.undo_stack.undo()

    def redo(self) -> None:
        if self.undo_stack.canRedo() and self.undo_stack.isActive():
            self.undo_stack.redo()

    def _sync_undo(self, busy: bool = False) -> None:
        if not shiboken6.isValid(self.undo_stack) or not shiboken6.isValid(self.undo_button):
            return  # the stack announces its own destruction while the screen closes
        self.undo_button.setEnabled(not busy and self.undo_stack.canUndo())
        self.redo_button.setEnabled(not busy and self.undo_stack.canRedo())
        self.undo_button.setToolTip(
            f"Undo {self.undo_stack.undoText()} (Ctrl+Z)".replace("Undo  (", "Undo (")
        )

    # --- print and export -------------------------------------------------------------------

    def print_day_sheet(self, path: str | Path | None = None) -> Path | None:
        if self.data is None:
            return None
        if path is None:
            chosen, _f = QFileDialog.getSaveFileName(
                self, "Save day sheet", f"day-sheet-{self.anchor.isoformat()}.pdf", "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = chosen
        provider = self.provider_combo.currentData() or None
        target = write_day_sheet(
            Path(path),
            self.data,
            self.anchor,
            provider,
            self._session.clinic.clinic_name if hasattr(self._session, "clinic") else "",
        )
        self.last_path = target
        self.status.show_success(f"Day sheet saved to {target.name}.")
        return target

    def export_ical(self, path: str | Path | None = None) -> None:
        if self.data is None:
            return
        provider = self.provider_combo.currentData() or (
            self._providers()[0].id if self._providers() else ""
        )
        if path is None:
            chosen, _f = QFileDialog.getSaveFileName(
                self, "Export iCalendar", "schedule.ics", "iCalendar (*.ics)"
            )
            if not chosen:
                return
            path = chosen
        target = Path(path)
        start, end = self._range()

        def write(data: bytes) -> None:
            target.write_bytes(data)
            self.last_path = target
            self.status.show_success(f"Calendar exported to {target.name}.")

        self._tasks.run(
            lambda: self.client.export_ical(provider, start, end + timedelta(days=56)),
            on_success=write,
            on_error=self._show_error,
            owner=self,
        )

    # --- plumbing --------------------------------------------------------------------------

    def _show_error(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.view.setFocus()  # arrows, T and N work at once
        self.refresh()


__all__ = ["STATUS_ACTIONS", "ScheduleScreen"]

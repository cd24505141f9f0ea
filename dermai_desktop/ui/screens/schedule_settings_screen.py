"""Schedule settings (managers): appointment types, rooms, opening hours, working hours, holidays.

Every change goes through ``ScheduleService`` off the GUI thread; the service
checks SCHEDULE_CONFIGURE and the rules (overlapping spans, names, a clinic
open at least one day) and a refusal is shown on the page in plain words.
After each save the page emits ``schedule_config_changed()`` so the schedule
can reload. The tabs' widgets are built in ``schedule_settings_tabs``; this
module wires them and does the saving.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QTableWidget, QTabWidget, QVBoxLayout, QWidget

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import UserId
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import (
    AppointmentType,
    Holiday,
    Provider,
    Room,
    RoomId,
    ScheduleConfig,
    WeeklyHours,
)
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_settings_parts import AppointmentTypeDialog
from dermai_desktop.ui.screens.schedule_settings_tabs import (
    WHOLE_CLINIC,
    ClinicHoursTab,
    HolidaysTab,
    ProviderHoursTab,
    RoomsTab,
    TypesTab,
    day_text,
    first_cell,
    selected_data,
)
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import muted_label, title_label

TABS = ("Appointment types", "Rooms", "Opening hours", "Dermatologists' hours", "Holidays & leave")


class ScheduleSettingsScreen(QWidget):
    """Signals:
    schedule_config_changed(): a type, room, hours or holiday was saved.
    """

    schedule_config_changed = Signal()

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._schedule = session.services.schedule
        self.config: ScheduleConfig | None = None
        self.providers: tuple[Provider, ...] = ()
        self.dialog: QDialog | None = None  # the open child dialog; tests drive it
        self._can_configure = session.may(Operation.SCHEDULE_CONFIGURE)
        self.setObjectName("page")
        self.setAccessibleName("Schedule settings")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(14)
        layout.addWidget(title_label("Schedule settings"))
        layout.addWidget(
            muted_label(
                "How the clinic's schedule is laid out: the kinds of appointment, rooms, "
                "opening hours, each dermatologist's hours and the days the clinic or a "
                "dermatologist is away. Existing appointments are never moved by a change here."
            )
        )
        self.status = InlineStatus()
        layout.addWidget(self.status)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("scheduleSettingsTabs")
        self.tabs.setAccessibleName("Schedule settings sections")
        layout.addWidget(self.tabs, 1)
        self.types_tab = TypesTab()
        self.rooms_tab = RoomsTab()
        self.clinic_tab = ClinicHoursTab()
        self.provider_tab = ProviderHoursTab()
        self.holidays_tab = HolidaysTab()
        pages = (
            self.types_tab.page,
            self.rooms_tab.page,
            self.clinic_tab.page,
            self.provider_tab.page,
            self.holidays_tab.page,
        )
        for title, page in zip(TABS, pages, strict=True):
            self.tabs.addTab(page, title.replace("&", "&&"))  # "&" is not a mnemonic
        self._name_controls()
        self._connect_controls()
        self.tabs.currentChanged.connect(lambda _i: self.status.clear_message())
        self.setEnabled(self._can_configure)
        self._update_buttons()

    # --- the tabs' controls ------------------------------------------------------------

    def _name_controls(self) -> None:
        """The tabs' controls under the screen's names (tests and slots use these)."""
        types, rooms, clinic = self.types_tab, self.rooms_tab, self.clinic_tab
        provider, holidays = self.provider_tab, self.holidays_tab
        self.add_type_button = types.add_button
        self.edit_type_button = types.edit_button
        self.toggle_type_button = types.toggle_button
        self.types_table = types.table
        self.room_name_edit = rooms.name_edit
        self.add_room_button = rooms.add_button
        self.rename_room_button = rooms.rename_button
        self.toggle_room_button = rooms.toggle_button
        self.rooms_table = rooms.table
        self.clinic_grid = clinic.grid
        self.revert_clinic_button = clinic.revert_button
        self.save_clinic_button = clinic.save_button
        self.provider_combo = provider.combo
        self.same_as_clinic = provider.same_as_clinic
        self.working_grid = provider.working_grid
        self.breaks_grid = provider.breaks_grid
        self.revert_provider_button = provider.revert_button
        self.save_provider_button = provider.save_button
        self.holiday_date = holidays.date_edit
        self.holiday_name_edit = holidays.name_edit
        self.holiday_who = holidays.who
        self.add_holiday_button = holidays.add_button
        self.remove_holiday_button = holidays.remove_button
        self.holidays_table = holidays.table

    def _connect_controls(self) -> None:
        self.add_type_button.clicked.connect(lambda: self.open_type_dialog(None))
        self.edit_type_button.clicked.connect(lambda: self.open_type_dialog(self.selected_type()))
        self.types_table.doubleClicked.connect(
            lambda _i: self.open_type_dialog(self.selected_type())
        )
        self.toggle_type_button.clicked.connect(self.toggle_selected_type)
        self.types_table.itemSelectionChanged.connect(self._update_buttons)

        self.add_room_button.clicked.connect(self.add_room)
        self.rename_room_button.clicked.connect(self.rename_selected_room)
        self.toggle_room_button.clicked.connect(self.toggle_selected_room)
        self.room_name_edit.returnPressed.connect(self.add_room)
        self.room_name_edit.textChanged.connect(self._update_buttons)
        self.rooms_table.itemSelectionChanged.connect(self._room_selected)

        self.save_clinic_button.clicked.connect(self.save_clinic_hours)
        self.revert_clinic_button.clicked.connect(self._show_clinic_hours)

        self.provider_combo.currentIndexChanged.connect(lambda _i: self._show_provider_hours())
        self.same_as_clinic.toggled.connect(self._same_toggled)
        self.save_provider_button.clicked.connect(self.save_provider_hours)
        self.revert_provider_button.clicked.connect(self._show_provider_hours)

        self.add_holiday_button.clicked.connect(self.add_holiday)
        self.holiday_name_edit.returnPressed.connect(self.add_holiday)
        self.holiday_name_edit.textChanged.connect(self._update_buttons)
        self.remove_holiday_button.clicked.connect(self.remove_selected_holiday)
        self.holidays_table.itemSelectionChanged.connect(self._update_buttons)

    # --- loading -----------------------------------------------------------------------

    def refresh(self) -> None:
        if not self._can_configure:
            self.status.show_error("Only a clinic manager can change the schedule settings.")
            return
        actor = self._session.actor
        schedule = self._schedule
        self._tasks.run(
            lambda: (schedule.config(actor), schedule.providers(actor)),
            on_success=self._on_loaded,
            on_error=self._show_problem,
            owner=self,
        )

    def _on_loaded(self, loaded: tuple[ScheduleConfig, tuple[Provider, ...]]) -> None:
        config, providers = loaded
        self.providers = providers
        self.provider_tab.fill_providers(providers)
        self._show_config(config)

    def _show_config(self, config: ScheduleConfig) -> None:
        self.config = config
        kind, room = self.selected_type(), self.selected_room()
        self.types_tab.fill(config, kind.code if kind is not None else None)
        self.rooms_tab.fill(config, room.id if room is not None else None)
        self._show_clinic_hours()
        self._show_provider_hours()
        self.holidays_tab.fill(config, self.providers)
        self._update_buttons()

    def _show_clinic_hours(self) -> None:
        if self.config is not None:
            self.clinic_grid.set_hours(self.config.clinic_hours)

    def _show_provider_hours(self) -> None:
        provider_id = self.provider_combo.currentData()
        config = self.config
        has_provider = config is not None and provider_id is not None
        for widget in (
            self.same_as_clinic,
            self.save_provider_button,
            self.revert_provider_button,
        ):
            widget.setEnabled(has_provider)
        if config is None or provider_id is None:
            self.working_grid.setEnabled(False)
            self.breaks_grid.setEnabled(False)
            return
        hours = config.hours_for(UserId(provider_id))
        self.working_grid.set_hours(hours.working)
        self.breaks_grid.set_hours(hours.breaks)
        self.breaks_grid.setEnabled(True)
        self.same_as_clinic.blockSignals(True)
        self.same_as_clinic.setChecked(hours.working == config.clinic_hours)
        self.same_as_clinic.blockSignals(False)
        self.working_grid.setEnabled(not self.same_as_clinic.isChecked())

    def _same_toggled(self, same: bool) -> None:
        if same and self.config is not None:
            self.working_grid.set_hours(self.config.clinic_hours)
        self.working_grid.setEnabled(not same)

    # --- selection ---------------------------------------------------------------------

    def selected_type(self) -> AppointmentType | None:
        code = selected_data(self.types_table)
        if code is None or self.config is None:
            return None
        return next((k for k in self.config.types if k.code == code), None)

    def selected_room(self) -> Room | None:
        room_id = selected_data(self.rooms_table)
        if room_id is None or self.config is None:
            return None
        return next((r for r in self.config.rooms if r.id == room_id), None)

    def selected_holiday(self) -> Holiday | None:
        holiday = selected_data(self.holidays_table)
        return holiday if isinstance(holiday, Holiday) else None

    def select_row(self, table: QTableWidget, text: str) -> bool:
        """Select the first row whose first column reads ``text`` (tests, keyboard users)."""
        for row in range(table.rowCount()):
            if first_cell(table, row).text() == text:
                table.selectRow(row)
                return True
        return False

    def _room_selected(self) -> None:
        room = self.selected_room()
        if room is not None:
            self.room_name_edit.setText(room.name)
        self._update_buttons()

    def _update_buttons(self) -> None:
        kind = self.selected_type()
        self.edit_type_button.setEnabled(kind is not None)
        self.toggle_type_button.setEnabled(kind is not None)
        self.toggle_type_button.setText(
            "Offer again" if kind is not None and not kind.active else "Stop offering"
        )
        room = self.selected_room()
        name = self.room_name_edit.text().strip()
        self.add_room_button.setEnabled(bool(name))
        self.rename_room_button.setEnabled(room is not None and bool(name) and name != room.name)
        self.toggle_room_button.setEnabled(room is not None)
        self.toggle_room_button.setText(
            "Use again" if room is not None and not room.active else "Stop using"
        )
        self.add_holiday_button.setEnabled(bool(self.holiday_name_edit.text().strip()))
        self.remove_holiday_button.setEnabled(self.selected_holiday() is not None)

    # --- saving ------------------------------------------------------------------------

    def _save(
        self,
        call: Callable[[], ScheduleConfig],
        done: str,
        after: Callable[[], None] | None = None,
    ) -> None:
        """Run ``call`` off the GUI thread; show the new configuration and say ``done``."""
        self.status.show_info("Saving…")

        def saved(config: ScheduleConfig) -> None:
            if after is not None:
                after()
            self._show_config(config)
            self.status.show_success(done)
            emit(self.schedule_config_changed)

        self._tasks.run(call, on_success=saved, on_error=self._show_problem, owner=self)

    def open_type_dialog(self, existing: AppointmentType | None) -> AppointmentTypeDialog:
        actor = self._session.actor
        schedule = self._schedule
        taken = [k.code for k in self.config.types] if self.config else []
        dialog = AppointmentTypeDialog(
            self._tasks,
            lambda kind: schedule.save_appointment_type(actor, kind),
            existing,
            taken,
            self,
        )
        dialog.succeeded.connect(self._type_saved)
        self.status.clear_message()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _type_saved(self, config: object) -> None:
        if isinstance(config, ScheduleConfig):
            self._show_config(config)
        self.status.show_success("Appointment type saved. The schedule uses it from now on.")
        emit(self.schedule_config_changed)

    def toggle_selected_type(self) -> None:
        kind = self.selected_type()
        if kind is None:
            return
        actor = self._session.actor
        schedule = self._schedule
        changed = AppointmentType(
            kind.code, kind.label, kind.duration_minutes, kind.colour, not kind.active
        )
        done = (
            f"{kind.label} is offered again when booking."
            if changed.active
            else f"{kind.label} is no longer offered when booking. Past appointments keep it."
        )
        self._save(lambda: schedule.save_appointment_type(actor, changed), done)

    def add_room(self) -> None:
        name = " ".join(self.room_name_edit.text().split())
        if not name:
            return
        actor = self._session.actor
        schedule = self._schedule
        room = Room(RoomId(f"room-{uuid.uuid4().hex[:12]}"), name)
        self._save(
            lambda: schedule.save_room(actor, room), f"{name} added.", self.room_name_edit.clear
        )

    def rename_selected_room(self) -> None:
        room = self.selected_room()
        name = " ".join(self.room_name_edit.text().split())
        if room is None or not name:
            return
        actor = self._session.actor
        schedule = self._schedule
        renamed = Room(room.id, name, room.active)
        self._save(lambda: schedule.save_room(actor, renamed), f"{room.name} is now {name}.")

    def toggle_selected_room(self) -> None:
        room = self.selected_room()
        if room is None:
            return
        actor = self._session.actor
        schedule = self._schedule
        changed = Room(room.id, room.name, not room.active)
        done = f"{room.name} is in use again." if changed.active else f"{room.name} is not in use."
        self._save(lambda: schedule.save_room(actor, changed), done)

    def save_clinic_hours(self) -> None:
        try:
            hours = self.clinic_grid.hours()
        except ExpectedError as exc:
            self.status.show_expected(exc)
            return
        actor = self._session.actor
        schedule = self._schedule
        self._save(lambda: schedule.set_clinic_hours(actor, hours), "Opening hours saved.")

    def save_provider_hours(self) -> None:
        provider_id = self.provider_combo.currentData()
        if provider_id is None:
            return
        try:
            working: WeeklyHours | None = (
                None if self.same_as_clinic.isChecked() else self.working_grid.hours()
            )
            breaks = self.breaks_grid.hours()
        except ExpectedError as exc:
            self.status.show_expected(exc)
            return
        actor = self._session.actor
        schedule = self._schedule
        who = self.provider_combo.currentText()
        self._save(
            lambda: schedule.set_provider_hours(actor, UserId(provider_id), working, breaks),
            f"Working hours of {who} saved.",
        )

    def add_holiday(self) -> None:
        name = " ".join(self.holiday_name_edit.text().split())
        if not name:
            self.status.show_error("Please give the day a name, for example Christmas Day.")
            return
        picked = self.holiday_date.date()
        day = date(picked.year(), picked.month(), picked.day())
        provider_id = self.holiday_who.currentData()
        holiday = Holiday(day, name, UserId(provider_id) if provider_id else None)
        who = self.holiday_who.currentText()
        actor = self._session.actor
        schedule = self._schedule

        def call() -> ScheduleConfig:
            return schedule.add_holiday(actor, holiday)

        self._save(
            call,
            f"{day_text(day)} added: {name} ({who.lower()}).",
            self.holiday_name_edit.clear,
        )

    def remove_selected_holiday(self) -> None:
        holiday = self.selected_holiday()
        if holiday is None:
            return
        actor = self._session.actor
        schedule = self._schedule
        self._save(
            lambda: schedule.remove_holiday(actor, holiday.day, holiday.provider_id),
            f"{day_text(holiday.day)} ({holiday.name}) removed; it can be booked again.",
        )

    def save(self) -> None:
        """Ctrl+S: save the hours shown on the current tab."""
        if self.tabs.currentIndex() == TABS.index("Opening hours"):
            self.save_clinic_hours()
        elif self.tabs.currentIndex() == TABS.index("Dermatologists' hours"):
            self.save_provider_hours()

    def _show_problem(self, exc: BaseException) -> None:
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[arg-type]
        if self.config is None:
            self.refresh()


__all__ = ["TABS", "WHOLE_CLINIC", "ScheduleSettingsScreen", "day_text"]

"""Schedule settings (managers): appointment types, rooms, opening hours, working hours, holidays.

Every change goes through ``ScheduleService`` off the GUI thread; the service
checks SCHEDULE_CONFIGURE and the rules (overlapping spans, names, a clinic
open at least one day) and a refusal is shown on the page in plain words.
After each save the page emits ``schedule_config_changed()`` so the schedule
can reload.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, time

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

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
    TimeSpan,
    WeeklyHours,
)
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_settings_parts import (
    AppointmentTypeDialog,
    WeekHoursGrid,
    swatch,
)
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label

TABS = ("Appointment types", "Rooms", "Opening hours", "Dermatologists' hours", "Holidays & leave")
_OPEN_DEFAULT = TimeSpan(time(8, 0), time(18, 0))
_BREAK_DEFAULT = TimeSpan(time(12, 30), time(13, 15))
WHOLE_CLINIC = "Whole clinic"


def _table(name: str, headers: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName("scheduleSettingsTable")
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(38)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(120)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def _item(text: str, data: object = None, *, muted: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    if muted:
        item.setForeground(QColor(theme.token("muted")))
    return item


def _cell(table: QTableWidget, row: int) -> QTableWidgetItem:
    item = table.item(row, 0)
    assert item is not None  # every row is filled when it is inserted
    return item


def _page(*intro: str) -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    page.setObjectName("scheduleSettingsPage")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(20, 18, 20, 18)
    layout.setSpacing(12)
    for text in intro:
        layout.addWidget(muted_label(text))
    return page, layout


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


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
        builders = (
            self._types_tab,
            self._rooms_tab,
            self._clinic_tab,
            self._provider_tab,
            self._holidays_tab,
        )
        for title, build in zip(TABS, builders, strict=True):
            self.tabs.addTab(build(), title.replace("&", "&&"))  # "&" is not a mnemonic
        self.tabs.currentChanged.connect(lambda _i: self.status.clear_message())
        self.setEnabled(self._can_configure)
        self._update_buttons()

    # --- building the tabs -------------------------------------------------------------

    def _types_tab(self) -> QWidget:
        page, layout = _page(
            "Each type has a default length and a colour on the schedule. A type that is no "
            "longer offered stays on past appointments; it is just not offered when booking."
        )
        bar = QHBoxLayout()
        self.add_type_button = button("Add type…", "Add appointment type", role="primary")
        self.add_type_button.setIcon(theme.icon("plus", "#ffffff"))
        self.edit_type_button = button("Edit…", "Edit the selected appointment type")
        self.toggle_type_button = button("Stop offering", "Stop offering the selected type")
        for widget in (self.add_type_button, self.edit_type_button, self.toggle_type_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.types_table = _table(
            "Appointment types", ("Name", "Default length", "Colour", "Offered"), 0
        )
        layout.addWidget(self.types_table, 1)
        self.add_type_button.clicked.connect(lambda: self.open_type_dialog(None))
        self.edit_type_button.clicked.connect(lambda: self.open_type_dialog(self.selected_type()))
        self.types_table.doubleClicked.connect(
            lambda _i: self.open_type_dialog(self.selected_type())
        )
        self.toggle_type_button.clicked.connect(self.toggle_selected_type)
        self.types_table.itemSelectionChanged.connect(self._update_buttons)
        return page

    def _rooms_tab(self) -> QWidget:
        page, layout = _page(
            "Rooms can be chosen when booking and filter the schedule. A room no longer in use "
            "is marked as such rather than deleted, so past appointments keep their room."
        )
        bar = QHBoxLayout()
        self.room_name_edit = line_edit("Room name", placeholder="Room name, e.g. Room 3")
        self.room_name_edit.setMaxLength(80)
        self.room_name_edit.setMinimumWidth(260)
        self.add_room_button = button("Add room", role="primary")
        self.rename_room_button = button("Rename selected", "Rename the selected room")
        self.toggle_room_button = button("Stop using", "Stop using the selected room")
        bar.addWidget(self.room_name_edit)
        for widget in (self.add_room_button, self.rename_room_button, self.toggle_room_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.rooms_table = _table("Rooms", ("Name", "In use"), 0)
        layout.addWidget(self.rooms_table, 1)
        self.add_room_button.clicked.connect(self.add_room)
        self.rename_room_button.clicked.connect(self.rename_selected_room)
        self.toggle_room_button.clicked.connect(self.toggle_selected_room)
        self.room_name_edit.returnPressed.connect(self.add_room)
        self.room_name_edit.textChanged.connect(self._update_buttons)
        self.rooms_table.itemSelectionChanged.connect(self._room_selected)
        return page

    def _clinic_tab(self) -> QWidget:
        page, layout = _page(
            "When the clinic is open. Nothing can be booked outside these hours, whatever a "
            "dermatologist's own hours say."
        )
        self.clinic_grid = WeekHoursGrid("Open", "open", _OPEN_DEFAULT)
        self.clinic_grid.setAccessibleName("Clinic opening hours")
        layout.addWidget(self.clinic_grid)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.revert_clinic_button = button("Revert", "Revert opening hours")
        self.save_clinic_button = button("Save opening hours", role="primary")
        bar.addWidget(self.revert_clinic_button)
        bar.addWidget(self.save_clinic_button)
        layout.addLayout(bar)
        layout.addStretch(1)
        self.save_clinic_button.clicked.connect(self.save_clinic_hours)
        self.revert_clinic_button.clicked.connect(self._show_clinic_hours)
        return page

    def _provider_tab(self) -> QWidget:
        page, layout = _page()
        top = QHBoxLayout()
        label = QLabel("Dermatologist")
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Dermatologist")
        self.provider_combo.setMinimumWidth(240)
        label.setBuddy(self.provider_combo)
        self.same_as_clinic = QCheckBox("Works whenever the clinic is open")
        self.same_as_clinic.setAccessibleName("Same hours as the clinic")
        top.addWidget(label)
        top.addWidget(self.provider_combo)
        top.addSpacing(24)
        top.addWidget(self.same_as_clinic)
        top.addStretch(1)
        layout.addLayout(top)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setObjectName("scheduleSettingsScroll")
        body = QWidget()
        body.setObjectName("scheduleSettingsPage")
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(36)
        self.working_grid = WeekHoursGrid("Works", "works", _OPEN_DEFAULT)
        self.working_grid.setAccessibleName("Working hours")
        self.breaks_grid = WeekHoursGrid("Break", "break", _BREAK_DEFAULT)
        self.breaks_grid.setAccessibleName("Lunch and breaks")
        for heading, grid in (
            ("Working hours", self.working_grid),
            ("Lunch and breaks", self.breaks_grid),
        ):
            column = QVBoxLayout()
            column.setSpacing(10)  # not the 36 px between the columns, which it would inherit
            title = QLabel(heading)
            title.setObjectName("sectionTitle")
            column.addWidget(title)
            column.addWidget(grid)
            column.addStretch(1)
            columns.addLayout(column)
        columns.addStretch(1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        layout.addWidget(
            muted_label(
                "Bookings are offered only where the clinic is open and the dermatologist "
                "works, minus breaks, holidays and leave.",
                object_name="hint",
            )
        )
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.revert_provider_button = button("Revert", "Revert working hours")
        self.save_provider_button = button("Save working hours", role="primary")
        bar.addWidget(self.revert_provider_button)
        bar.addWidget(self.save_provider_button)
        layout.addLayout(bar)
        self.provider_combo.currentIndexChanged.connect(lambda _i: self._show_provider_hours())
        self.same_as_clinic.toggled.connect(self._same_toggled)
        self.save_provider_button.clicked.connect(self.save_provider_hours)
        self.revert_provider_button.clicked.connect(self._show_provider_hours)
        return page

    def _holidays_tab(self) -> QWidget:
        page, layout = _page(
            "Days nobody can book: clinic holidays, or one dermatologist's leave. Appointments "
            "already booked on such a day stay on the schedule so the front desk can move them."
        )
        bar = QHBoxLayout()
        self.holiday_date = QDateEdit()
        self.holiday_date.setAccessibleName("Holiday date")
        self.holiday_date.setCalendarPopup(True)
        self.holiday_date.setDisplayFormat("ddd d MMM yyyy")
        self.holiday_date.setDate(QDate.currentDate())
        self.holiday_date.setMinimumWidth(150)
        self.holiday_name_edit = line_edit("Holiday name", placeholder="e.g. Christmas Day")
        self.holiday_name_edit.setMinimumWidth(220)
        self.holiday_who = QComboBox()
        self.holiday_who.setAccessibleName("Applies to")
        self.holiday_who.setMinimumWidth(200)
        self.add_holiday_button = button("Add day", "Add holiday or leave", role="primary")
        self.remove_holiday_button = button("Remove selected", "Remove the selected day")
        for widget in (
            self.holiday_date,
            self.holiday_name_edit,
            self.holiday_who,
            self.add_holiday_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.remove_holiday_button)
        layout.addLayout(bar)
        self.holidays_table = _table("Holidays and leave", ("Date", "Name", "Applies to"), 1)
        layout.addWidget(self.holidays_table, 1)
        self.add_holiday_button.clicked.connect(self.add_holiday)
        self.holiday_name_edit.returnPressed.connect(self.add_holiday)
        self.holiday_name_edit.textChanged.connect(self._update_buttons)
        self.remove_holiday_button.clicked.connect(self.remove_selected_holiday)
        self.holidays_table.itemSelectionChanged.connect(self._update_buttons)
        return page

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
        previous = self.provider_combo.currentData()
        self.provider_combo.blockSignals(True)
        self.provider_combo.clear()
        for provider in providers:
            self.provider_combo.addItem(provider.full_name, provider.id)
        index = self.provider_combo.findData(previous)
        self.provider_combo.setCurrentIndex(max(index, 0))
        self.provider_combo.blockSignals(False)
        self._show_config(config)

    def _show_config(self, config: ScheduleConfig) -> None:
        self.config = config
        self._fill_types(config)
        self._fill_rooms(config)
        self._show_clinic_hours()
        self._show_provider_hours()
        self._fill_holidays(config)
        self._update_buttons()

    def _fill_types(self, config: ScheduleConfig) -> None:
        selected = self.selected_type()
        table = self.types_table
        table.setRowCount(0)
        for kind in config.types:
            row = table.rowCount()
            table.insertRow(row)
            name = _item(kind.label, kind.code, muted=not kind.active)
            name.setIcon(swatch(kind.colour))
            table.setItem(row, 0, name)
            table.setItem(row, 1, _item(f"{kind.duration_minutes} min", muted=not kind.active))
            colour = _item(kind.colour.upper(), muted=not kind.active)
            colour.setIcon(swatch(kind.colour, 18))
            table.setItem(row, 2, colour)
            table.setItem(
                row, 3, _item("Yes" if kind.active else "No, not offered", muted=not kind.active)
            )
            if selected is not None and kind.code == selected.code:
                table.selectRow(row)

    def _fill_rooms(self, config: ScheduleConfig) -> None:
        selected = self.selected_room()
        table = self.rooms_table
        table.blockSignals(True)
        table.setRowCount(0)
        for room in config.rooms:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, _item(room.name, room.id, muted=not room.active))
            table.setItem(row, 1, _item("Yes" if room.active else "No", muted=not room.active))
            if selected is not None and room.id == selected.id:
                table.selectRow(row)
        table.blockSignals(False)

    def _fill_holidays(self, config: ScheduleConfig) -> None:
        names = {p.id: p.full_name for p in self.providers}
        previous = self.holiday_who.currentData()
        self.holiday_who.clear()
        self.holiday_who.addItem(WHOLE_CLINIC, None)
        for provider in self.providers:
            self.holiday_who.addItem(f"{provider.full_name} (leave)", provider.id)
        self.holiday_who.setCurrentIndex(max(self.holiday_who.findData(previous), 0))
        today = date.today()
        table = self.holidays_table
        table.setRowCount(0)
        for holiday in sorted(config.holidays, key=lambda h: (h.day, h.provider_id or "")):
            row = table.rowCount()
            table.insertRow(row)
            past = holiday.day < today
            who = (
                WHOLE_CLINIC
                if holiday.provider_id is None
                else f"{names.get(holiday.provider_id, 'A former dermatologist')} (leave)"
            )
            table.setItem(row, 0, _item(day_text(holiday.day), holiday, muted=past))
            table.setItem(row, 1, _item(holiday.name, muted=past))
            table.setItem(row, 2, _item(who, muted=past))

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
        rows = self.types_table.selectionModel().selectedRows()
        if not rows or self.config is None:
            return None
        code = _cell(self.types_table, rows[0].row()).data(Qt.ItemDataRole.UserRole)
        return next((k for k in self.config.types if k.code == code), None)

    def selected_room(self) -> Room | None:
        rows = self.rooms_table.selectionModel().selectedRows()
        if not rows or self.config is None:
            return None
        room_id = _cell(self.rooms_table, rows[0].row()).data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.config.rooms if r.id == room_id), None)

    def selected_holiday(self) -> Holiday | None:
        rows = self.holidays_table.selectionModel().selectedRows()
        if not rows:
            return None
        holiday = _cell(self.holidays_table, rows[0].row()).data(Qt.ItemDataRole.UserRole)
        return holiday if isinstance(holiday, Holiday) else None

    def select_row(self, table: QTableWidget, text: str) -> bool:
        """Select the first row whose first column reads ``text`` (tests, keyboard users)."""
        for row in range(table.rowCount()):
            if _cell(table, row).text() == text:
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

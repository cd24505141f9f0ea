"""The tabs of the Schedule settings page: their widgets, layout and tables.

Each tab is a plain holder of its ``page`` widget and controls; it builds and
fills them but saves nothing. ``ScheduleSettingsScreen`` wires the controls to
its slots and keeps the names tests and keyboard users reach
(``types_table``, ``add_holiday_button`` and so on).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.scheduling import Provider, ScheduleConfig, TimeSpan
from dermai_desktop.ui import theme
from dermai_desktop.ui.screens.schedule_settings_parts import WeekHoursGrid, swatch
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label

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


def first_cell(table: QTableWidget, row: int) -> QTableWidgetItem:
    item = table.item(row, 0)
    assert item is not None  # every row is filled when it is inserted
    return item


def selected_data(table: QTableWidget) -> object:
    """The data of the selected row's first cell, or None when nothing is selected."""
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    return first_cell(table, rows[0].row()).data(Qt.ItemDataRole.UserRole)


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


class TypesTab:
    """Appointment types: a table with add, edit and stop/start offering."""

    def __init__(self) -> None:
        self.page, layout = _page(
            "Each type has a default length and a colour on the schedule. A type that is no "
            "longer offered stays on past appointments; it is just not offered when booking."
        )
        bar = QHBoxLayout()
        self.add_button = button("Add type…", "Add appointment type", role="primary")
        self.add_button.setIcon(theme.icon("plus", "#ffffff"))
        self.edit_button = button("Edit…", "Edit the selected appointment type")
        self.toggle_button = button("Stop offering", "Stop offering the selected type")
        for widget in (self.add_button, self.edit_button, self.toggle_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.table = _table("Appointment types", ("Name", "Default length", "Colour", "Offered"), 0)
        layout.addWidget(self.table, 1)

    def fill(self, config: ScheduleConfig, selected_code: str | None) -> None:
        table = self.table
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
            if kind.code == selected_code:
                table.selectRow(row)


class RoomsTab:
    """Rooms: a name field with add and rename, a table, and stop/start using."""

    def __init__(self) -> None:
        self.page, layout = _page(
            "Rooms can be chosen when booking and filter the schedule. A room no longer in use "
            "is marked as such rather than deleted, so past appointments keep their room."
        )
        bar = QHBoxLayout()
        self.name_edit = line_edit("Room name", placeholder="Room name, e.g. Room 3")
        self.name_edit.setMaxLength(80)
        self.name_edit.setMinimumWidth(260)
        self.add_button = button("Add room", role="primary")
        self.rename_button = button("Rename selected", "Rename the selected room")
        self.toggle_button = button("Stop using", "Stop using the selected room")
        bar.addWidget(self.name_edit)
        for widget in (self.add_button, self.rename_button, self.toggle_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.table = _table("Rooms", ("Name", "In use"), 0)
        layout.addWidget(self.table, 1)

    def fill(self, config: ScheduleConfig, selected_id: str | None) -> None:
        table = self.table
        table.blockSignals(True)
        table.setRowCount(0)
        for room in config.rooms:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, _item(room.name, room.id, muted=not room.active))
            table.setItem(row, 1, _item("Yes" if room.active else "No", muted=not room.active))
            if room.id == selected_id:
                table.selectRow(row)
        table.blockSignals(False)


class ClinicHoursTab:
    """Opening hours: one weekly grid with revert and save."""

    def __init__(self) -> None:
        self.page, layout = _page(
            "When the clinic is open. Nothing can be booked outside these hours, whatever a "
            "dermatologist's own hours say."
        )
        self.grid = WeekHoursGrid("Open", "open", _OPEN_DEFAULT)
        self.grid.setAccessibleName("Clinic opening hours")
        layout.addWidget(self.grid)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.revert_button = button("Revert", "Revert opening hours")
        self.save_button = button("Save opening hours", role="primary")
        bar.addWidget(self.revert_button)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)
        layout.addStretch(1)


class ProviderHoursTab:
    """Dermatologists' hours: pick one, then their working hours and breaks side by side."""

    def __init__(self) -> None:
        self.page, layout = _page()
        top = QHBoxLayout()
        label = QLabel("Dermatologist")
        self.combo = QComboBox()
        self.combo.setAccessibleName("Dermatologist")
        self.combo.setMinimumWidth(240)
        label.setBuddy(self.combo)
        self.same_as_clinic = QCheckBox("Works whenever the clinic is open")
        self.same_as_clinic.setAccessibleName("Same hours as the clinic")
        top.addWidget(label)
        top.addWidget(self.combo)
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
        self.revert_button = button("Revert", "Revert working hours")
        self.save_button = button("Save working hours", role="primary")
        bar.addWidget(self.revert_button)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)

    def fill_providers(self, providers: Sequence[Provider]) -> None:
        """List ``providers``, keeping the one shown if it is still there (no signal)."""
        combo = self.combo
        previous = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for provider in providers:
            combo.addItem(provider.full_name, provider.id)
        combo.setCurrentIndex(max(combo.findData(previous), 0))
        combo.blockSignals(False)


class HolidaysTab:
    """Holidays and leave: date, name and who on one row, the days below."""

    def __init__(self) -> None:
        self.page, layout = _page(
            "Days nobody can book: clinic holidays, or one dermatologist's leave. Appointments "
            "already booked on such a day stay on the schedule so the front desk can move them."
        )
        bar = QHBoxLayout()
        self.date_edit = QDateEdit()
        self.date_edit.setAccessibleName("Holiday date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setDate(QDate.currentDate())
        self.date_edit.setMinimumWidth(150)
        self.name_edit = line_edit("Holiday name", placeholder="e.g. Christmas Day")
        self.name_edit.setMinimumWidth(220)
        self.who = QComboBox()
        self.who.setAccessibleName("Applies to")
        self.who.setMinimumWidth(200)
        self.add_button = button("Add day", "Add holiday or leave", role="primary")
        self.remove_button = button("Remove selected", "Remove the selected day")
        for widget in (self.date_edit, self.name_edit, self.who, self.add_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.remove_button)
        layout.addLayout(bar)
        self.table = _table("Holidays and leave", ("Date", "Name", "Applies to"), 1)
        layout.addWidget(self.table, 1)

    def fill(self, config: ScheduleConfig, providers: Sequence[Provider]) -> None:
        names = {p.id: p.full_name for p in providers}
        previous = self.who.currentData()
        self.who.clear()
        self.who.addItem(WHOLE_CLINIC, None)
        for provider in providers:
            self.who.addItem(f"{provider.full_name} (leave)", provider.id)
        self.who.setCurrentIndex(max(self.who.findData(previous), 0))
        today = date.today()
        table = self.table
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

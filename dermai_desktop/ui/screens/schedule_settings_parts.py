"""Pieces of the Schedule settings page: the weekly hours grid and the appointment type dialog."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import time

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError, ValidationFailed
from dermai_desktop.domain.scheduling import AppointmentType, TimeSpan, WeeklyHours
from dermai_desktop.domain.scheduling_types import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, set_invalid, title_label

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def swatch(colour: str, size: int = 14) -> QIcon:
    """A small filled square of ``colour`` for tables and buttons."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour) if _HEX.match(colour) else QColor("#888888"))
    return QIcon(pixmap)


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _time(value: QTime) -> time:
    return time(value.hour(), value.minute())


def spans_text(spans: Iterable[TimeSpan]) -> str:
    return ", ".join(span.text() for span in spans)


class _DayRow:
    """One weekday: on/off, from, to; remembers the stored spans until the row is edited."""

    def __init__(self, weekday: int, on_text: str, what: str) -> None:
        name = WEEKDAYS[weekday]
        self.weekday = weekday
        self.check = QCheckBox(on_text)
        self.check.setAccessibleName(f"{name}: {on_text.lower()}")
        self.start = self._time_edit(f"{name}: {what} from")
        self.end = self._time_edit(f"{name}: {what} until")
        self.note = QLabel("")
        self.note.setObjectName("hint")
        self.stored: tuple[TimeSpan, ...] = ()
        self.touched = False

    @staticmethod
    def _time_edit(name: str) -> QTimeEdit:
        edit = QTimeEdit()
        edit.setDisplayFormat("HH:mm")
        edit.setAccessibleName(name)
        edit.setFixedWidth(92)
        return edit

    def load(self, spans: tuple[TimeSpan, ...], default: TimeSpan) -> None:
        self.stored = spans
        self.touched = False
        first = spans[0] if spans else default
        last = spans[-1] if spans else default
        for widget, value in ((self.start, first.start), (self.end, last.end)):
            widget.blockSignals(True)
            widget.setTime(_qtime(value))
            widget.blockSignals(False)
        self.check.blockSignals(True)
        self.check.setChecked(bool(spans))
        self.check.blockSignals(False)
        self.note.setText(
            f"Stored as {spans_text(spans)}; changing this day replaces them with one span."
            if len(spans) > 1
            else ""
        )
        self.sync()

    def sync(self) -> None:
        on = self.check.isChecked() and self.check.isEnabled()
        self.start.setEnabled(on)
        self.end.setEnabled(on)
        bad = on and self.start.time() >= self.end.time()
        set_invalid(self.start, bad)
        set_invalid(self.end, bad)

    def spans(self) -> tuple[TimeSpan, ...]:
        if not self.touched:
            return self.stored
        if not self.check.isChecked():
            return ()
        start, end = _time(self.start.time()), _time(self.end.time())
        if start >= end:
            raise ValidationFailed(
                f"{WEEKDAYS[self.weekday]}: the end time must be after the start time.",
                "Correct the times marked in red.",
            )
        return (TimeSpan(start, end),)


class WeekHoursGrid(QWidget):
    """Seven rows (Monday first): a checkbox and from/until times; one span per day.

    Signals:
        changed(): the user edited a day.
    """

    changed = Signal()

    def __init__(
        self,
        on_text: str,
        what: str,
        default: TimeSpan,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("weekHoursGrid")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._default = default
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        for column, text in enumerate(("Day", "", "From", "Until")):
            header = QLabel(text)
            header.setObjectName("gridHeader")
            grid.addWidget(header, 0, column)
        self.rows: list[_DayRow] = []
        for weekday in range(7):
            row = _DayRow(weekday, on_text, what)
            day = QLabel(WEEKDAYS[weekday])
            day.setObjectName("weekdayName")
            grid.addWidget(day, weekday + 1, 0)
            grid.addWidget(row.check, weekday + 1, 1)
            grid.addWidget(row.start, weekday + 1, 2)
            grid.addWidget(row.end, weekday + 1, 3)
            grid.addWidget(row.note, weekday + 1, 4)
            row.check.toggled.connect(lambda _on, r=row: self._edited(r))
            row.start.timeChanged.connect(lambda _t, r=row: self._edited(r))
            row.end.timeChanged.connect(lambda _t, r=row: self._edited(r))
            self.rows.append(row)
        grid.setColumnStretch(4, 1)

    def _edited(self, row: _DayRow) -> None:
        row.touched = True
        row.note.setText("")
        row.sync()
        emit(self.changed)

    def set_hours(self, hours: WeeklyHours) -> None:
        for row in self.rows:
            row.load(hours.on(row.weekday), self._default)

    def hours(self) -> WeeklyHours:
        """What the grid shows; ``ValidationFailed`` names the first day that is wrong."""
        return WeeklyHours(tuple(row.spans() for row in self.rows))

    def set_day(
        self, weekday: int, on: bool, start: time | None = None, end: time | None = None
    ) -> None:
        """Set one day as a user would (tests and "copy" helpers)."""
        row = self.rows[weekday]
        if start is not None:
            row.start.setTime(_qtime(start))
        if end is not None:
            row.end.setTime(_qtime(end))
        row.check.setChecked(on)
        self._edited(row)

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 - Qt override
        super().setEnabled(enabled)
        for row in self.rows:
            row.sync()


class AppointmentTypeDialog(QDialog):
    """Add or edit an appointment type: name, default minutes, colour, offered.

    ``save(kind)`` is the services call; it runs off the GUI thread and a refusal
    is shown inside the dialog.

    Signals:
        succeeded(object): what ``save`` returned (the new ScheduleConfig).
    """

    succeeded = Signal(object)

    def __init__(
        self,
        tasks: TaskRunner,
        save: Callable[[AppointmentType], object],
        existing: AppointmentType | None,
        taken_codes: Iterable[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._save = save
        self._existing = existing
        self._taken = set(taken_codes)
        title = "Edit appointment type" if existing else "New appointment type"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.colour_dialog: QColorDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(title_label(title, "dialogTitle"))
        layout.addWidget(
            muted_label(
                "The default length is used when the front desk books this type; they can "
                "still change it for one appointment."
            )
        )
        layout.addLayout(self._form())
        self.status = InlineStatus()
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button: QPushButton = button("Cancel")
        self.ok_button: QPushButton = button("Save type", role="primary")
        self.ok_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)

        kind = existing or AppointmentType("", "", 30, "#2E7D9A")
        self.name_edit.setText(kind.label)
        self.minutes_spin.setValue(kind.duration_minutes)
        self.set_colour(kind.colour)
        self.active_check.setChecked(kind.active)
        self.colour_edit.textChanged.connect(self._colour_typed)
        self.colour_button.clicked.connect(self.pick_colour)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)
        self.resize(480, 0)

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.setSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.name_edit = line_edit("Name", placeholder="e.g. Mole check")
        self.name_edit.setMaxLength(80)
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setAccessibleName("Default length in minutes")
        self.minutes_spin.setRange(MIN_DURATION_MINUTES, MAX_DURATION_MINUTES)
        self.minutes_spin.setSingleStep(5)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setMaximumWidth(140)
        self.colour_edit = line_edit("Colour", placeholder="#2E7D9A")
        self.colour_edit.setMaxLength(7)
        self.colour_edit.setMaximumWidth(110)
        self.colour_button = button("Choose…", "Choose colour")
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour_edit)
        colour_row.addWidget(self.colour_button)
        colour_row.addStretch(1)
        self.active_check = QCheckBox("Offered when booking")
        self.active_check.setAccessibleName("Offered when booking")
        form.addRow("Name", self.name_edit)
        form.addRow("Default length", self.minutes_spin)
        form.addRow("Colour", colour_row)
        form.addRow("", self.active_check)
        return form

    def set_colour(self, colour: str) -> None:
        self.colour_edit.setText(colour.upper())
        self._colour_typed(colour)

    def _colour_typed(self, text: str) -> None:
        ok = bool(_HEX.match(text))
        set_invalid(self.colour_edit, not ok)
        self.colour_button.setIcon(swatch(text if ok else "#888888", 16))

    def pick_colour(self) -> QColorDialog:
        dialog = QColorDialog(QColor(self.colour_edit.text() or "#2E7D9A"), self)
        dialog.setWindowTitle("Appointment type colour")
        dialog.colorSelected.connect(lambda c: self.set_colour(c.name()))
        self.colour_dialog = dialog
        dialog.open()
        return dialog

    def _code(self, label: str) -> str:
        if self._existing is not None:
            return self._existing.code
        base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:28] or "type"
        code, n = base, 2
        while code in self._taken:
            code, n = f"{base}_{n}", n + 1
        return code

    def kind(self) -> AppointmentType:
        label = " ".join(self.name_edit.text().split())
        if not label:
            raise ValidationFailed("Please give the type a name.", "For example: Mole check.")
        colour = self.colour_edit.text().strip()
        if not _HEX.match(colour):
            raise ValidationFailed(
                "A colour is written like #2E7D9A.", "Or press Choose… to pick one."
            )
        return AppointmentType(
            self._code(label),
            label,
            self.minutes_spin.value(),
            colour.upper(),
            self.active_check.isChecked(),
        )

    def submit(self) -> None:
        try:
            kind = self.kind()
        except ValidationFailed as exc:
            self.status.show_expected(exc)
            return
        self.ok_button.setEnabled(False)
        self.status.show_info("Saving…")
        self._tasks.run(
            lambda: self._save(kind), on_success=self._done, on_error=self._failed, owner=self
        )

    def _done(self, result: object) -> None:
        emit(self.succeeded, result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)


__all__ = ["WEEKDAYS", "AppointmentTypeDialog", "WeekHoursGrid", "spans_text", "swatch"]

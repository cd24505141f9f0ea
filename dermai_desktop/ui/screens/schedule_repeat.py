"""The booking dialog's "Repeat" section: a rule, an end, and a live list of the dates.

The rule is built from a few common choices (every week, every 2 or 4 weeks,
every 3 months) or typed as RFC 5545 RRULE text by a power user; either way the
service's ``normalise_rule`` checks it (on the db thread, with the preview), so
a typo reads as a plain sentence rather than a crash. The preview lists every
date the series would take and marks those that clash, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.scheduling import BookingRequest, ScheduleConfig
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_client import ScheduleClient, SeriesPreview, utc_at
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import line_edit, muted_label

PREVIEW_DEBOUNCE_MS = 200
MAX_VISITS = 104  # the service's MAX_OCCURRENCES; it refuses more whatever we send
CUSTOM = "custom"
#: label, RRULE body without an end ("" = does not repeat, CUSTOM = typed by the user)
REPEAT_CHOICES = (
    ("Does not repeat", ""),
    ("Every week", "FREQ=WEEKLY"),
    ("Every 2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
    ("Every 4 weeks", "FREQ=WEEKLY;INTERVAL=4"),
    ("Every 3 months", "FREQ=MONTHLY;INTERVAL=3"),
    ("Custom (RRULE)…", CUSTOM),
)
CLASH_COLOUR = "#b3261e"


def until_stamp(config: ScheduleConfig, day: date) -> str:
    """RRULE UNTIL for "up to and including ``day``" in the clinic's time, written in UTC.

    The last minute of the local day, but never past the end of that date in UTC,
    so the rule in words ("until 3 March 2026") names the day the person chose.
    """
    moment = utc_at(config, day, 23 * 60 + 59)
    latest = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    return min(moment, latest).strftime("%Y%m%dT%H%M%SZ")


class RepeatPanel(QWidget):
    """Repeat choice, end (after N visits / until a date), skip-clashes, live preview."""

    def __init__(  # noqa: PLR0915, PLR0917 - one linear form; Qt-style constructor
        self,
        client: ScheduleClient,
        tasks: TaskRunner,
        config: ScheduleConfig,
        request: Callable[[], BookingRequest | None],
        first_day: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._tasks = tasks
        self._config = config
        self._request = request
        self._seq = 0
        self.preview: SeriesPreview | None = None

        self.repeat_combo = QComboBox()
        self.repeat_combo.setAccessibleName("Repeat")
        for label, rule in REPEAT_CHOICES:
            self.repeat_combo.addItem(label, rule)
        self.rule_edit = line_edit(
            "Repeat rule (RRULE)", placeholder="e.g. FREQ=WEEKLY;INTERVAL=6;BYDAY=TU"
        )
        self.rule_edit.setMaxLength(300)
        self.end_combo = QComboBox()
        self.end_combo.setAccessibleName("Series ends")
        self.end_combo.addItem("After", "count")
        self.end_combo.addItem("Until", "until")
        self.count_spin = QSpinBox()
        self.count_spin.setAccessibleName("Number of visits")
        self.count_spin.setRange(1, MAX_VISITS)
        self.count_spin.setValue(6)
        self.count_spin.setSuffix(" visits")
        until = first_day + timedelta(weeks=12)
        self.until_edit = QDateEdit(QDate(until.year, until.month, until.day))
        self.until_edit.setAccessibleName("Last date of the series")
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("ddd d MMM yyyy")
        self.until_edit.setMinimumDate(QDate(first_day.year, first_day.month, first_day.day))
        self.until_edit.hide()
        self.skip_check = QCheckBox("Skip dates that clash")
        self.skip_check.setAccessibleName("Skip dates that clash")
        self.skip_check.setToolTip(
            "Book the free dates and leave out the ones that clash. "
            "Without this, a clash stops the whole series."
        )
        self.summary_label = muted_label("", object_name="hint")
        self.summary_label.setAccessibleName("Series summary")
        self.dates_list = QListWidget()
        self.dates_list.setAccessibleName("Dates of the series")
        self.dates_list.setMaximumHeight(130)
        self.dates_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.dates_list.setWordWrap(True)
        self.dates_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problem = InlineStatus()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setSpacing(6)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Rule", self.rule_edit)
        self._rule_row_label = form.labelForField(self.rule_edit)
        end_row = QHBoxLayout()
        end_row.addWidget(self.end_combo)
        end_row.addWidget(self.count_spin, 1)
        end_row.addWidget(self.until_edit, 1)
        form.addRow("Ends", end_row)
        details.addLayout(form)
        details.addWidget(self.skip_check)
        details.addWidget(self.summary_label)
        details.addWidget(self.dates_list)
        details.addWidget(self.problem)
        layout.addWidget(self.details)
        self.details.hide()
        self._show_rule_row(visible=False)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self.repeat_combo.currentIndexChanged.connect(self._repeat_changed)
        self.end_combo.currentIndexChanged.connect(self._end_changed)
        self.rule_edit.textChanged.connect(lambda _t: self.schedule_preview())
        self.count_spin.valueChanged.connect(lambda _v: self.schedule_preview())
        self.until_edit.dateChanged.connect(lambda _d: self.schedule_preview())
        self.skip_check.toggled.connect(lambda _c: self._show_skip_hint())

    # --- state ----------------------------------------------------------------------

    @property
    def repeating(self) -> bool:
        return bool(self.repeat_combo.currentData())

    @property
    def skip_conflicts(self) -> bool:
        return self.repeating and self.skip_check.isChecked()

    def rule(self) -> str:
        """The RRULE body the service gets ("" when the visit does not repeat)."""
        choice = str(self.repeat_combo.currentData() or "")
        if not choice:
            return ""
        if choice == CUSTOM:
            body = self.rule_edit.text().strip().strip(";")
            if body.upper().startswith("RRULE:"):
                body = body[6:].strip()
            upper = body.upper()
            if not body or "COUNT=" in upper or "UNTIL=" in upper:
                return body  # the typed rule says when it ends (or the service explains)
        else:
            body = choice
        return f"{body};{self._end()}"

    def _end(self) -> str:
        if self.end_combo.currentData() == "until":
            qd = self.until_edit.date()
            return f"UNTIL={until_stamp(self._config, date(qd.year(), qd.month(), qd.day()))}"
        return f"COUNT={self.count_spin.value()}"

    def first_day_changed(self, day: date) -> None:
        self.until_edit.setMinimumDate(QDate(day.year, day.month, day.day))
        self.schedule_preview()

    # --- showing and hiding ------------------------------------------------------------

    def _show_rule_row(self, *, visible: bool) -> None:
        self.rule_edit.setVisible(visible)
        if self._rule_row_label is not None:
            self._rule_row_label.setVisible(visible)

    def _repeat_changed(self) -> None:
        custom = self.repeat_combo.currentData() == CUSTOM
        self.details.setVisible(self.repeating)
        self._show_rule_row(visible=custom)
        if custom:
            self.rule_edit.setFocus()
        self.schedule_preview()

    def _end_changed(self) -> None:
        until = self.end_combo.currentData() == "until"
        self.count_spin.setVisible(not until)
        self.until_edit.setVisible(until)
        self.schedule_preview()

    # --- preview -----------------------------------------------------------------------

    def schedule_preview(self) -> None:
        """Something the dates depend on changed: preview again shortly (debounced)."""
        self._seq += 1  # an answer on its way is now stale
        if self.repeating:
            self._timer.start()
        else:
            self._timer.stop()
            self.preview = None

    def refresh_preview(self) -> None:
        if not self.repeating:
            return
        self._seq += 1
        seq = self._seq
        rule = self.rule()
        request = self._request()
        if self.repeat_combo.currentData() == CUSTOM and not rule:
            self._show_problem("Type a repeat rule, for example FREQ=WEEKLY;INTERVAL=6;COUNT=4.")
            return

        def show(preview: SeriesPreview) -> None:
            if seq == self._seq:
                self._show(preview, has_patient=request is not None)

        def failed(exc: BaseException) -> None:
            if seq != self._seq:
                return
            if isinstance(exc, ExpectedError):
                self._show_problem(exc.user_text())
            else:
                self._tasks.report(exc)

        self._tasks.run(
            lambda: self._client.preview_series(request, rule),
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def _show_problem(self, text: str) -> None:
        self.preview = None
        self.summary_label.setText("")
        self.dates_list.clear()
        self.dates_list.hide()
        self.problem.show_error(text)

    def _show(self, preview: SeriesPreview, *, has_patient: bool) -> None:
        self.preview = preview
        self.problem.clear_message()
        self.dates_list.clear()
        if not has_patient:
            self.summary_label.setText(
                f"{preview.description}. Choose the patient to see the dates."
            )
            self.dates_list.hide()
            return
        n = len(preview.dates)
        text = f"{preview.description} · {n} visit{'s' if n != 1 else ''}"
        if preview.clashes:
            text += f", {preview.clashes} clash{'es' if preview.clashes != 1 else ''}"
        self.summary_label.setText(text)
        clash_colour = QColor(CLASH_COLOUR)
        for start, conflicts in preview.dates:
            local = self._config.local(start)
            when = f"{local:%a} {local.day} {local:%b %Y}  {local:%H:%M}"
            if conflicts:
                reasons = " ".join(c.message for c in conflicts[:2])
                item = QListWidgetItem(f"✕ {when} — {reasons}")
                item.setForeground(clash_colour)
                item.setToolTip(" ".join(c.message for c in conflicts))
            else:
                item = QListWidgetItem(f"✓ {when}")
            item.setData(Qt.ItemDataRole.UserRole, start)
            self.dates_list.addItem(item)
        self.dates_list.setVisible(n > 0)
        if n == 0:
            self.problem.show_error("No visit falls before the end date. Choose a later end date.")
        self._show_skip_hint()

    def _show_skip_hint(self) -> None:
        preview = self.preview
        if preview is None or not preview.dates or not preview.clashes:
            return
        if preview.clashes == len(preview.dates):
            self.problem.show_error("Every date clashes. Choose another time or dermatologist.")
        elif self.skip_check.isChecked():
            self.problem.show_info(
                f"The {preview.clashes} date{'s' if preview.clashes != 1 else ''} that clash "
                "will be left out; the others are booked."
            )
        else:
            self.problem.show_info(
                'Tick "Skip dates that clash" to book the other dates, or choose another time.'
            )

    @property
    def clash_rows(self) -> list[str]:
        """The preview lines marked as clashing (tests, screen readers)."""
        rows = (self.dates_list.item(i) for i in range(self.dates_list.count()))
        return [item.text() for item in rows if item.text().startswith("✕")]

    def date_rows(self) -> list[str]:
        return [self.dates_list.item(i).text() for i in range(self.dates_list.count())]


__all__ = ["CUSTOM", "REPEAT_CHOICES", "RepeatPanel", "until_stamp"]

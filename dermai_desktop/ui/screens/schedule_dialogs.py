"""Schedule dialogs: book an appointment, cancel with a reason, find the next free slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    BookingRequest,
    Provider,
    RoomId,
    ScheduleConfig,
)
from dermai_desktop.domain.scheduling_types import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.schedule_client import PatientChoice, ScheduleClient, utc_at
from dermai_desktop.ui.screens.schedule_repeat import RepeatPanel
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, title_label

SEARCH_DEBOUNCE_MS = 150
MIN_SEARCH_CHARS = 2
CANCEL_REASONS = (
    "Patient asked to cancel",
    "Patient unwell",
    "Clinician unavailable",
    "Booked in error",
    "Rescheduled by phone",
)


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    return combo


class _TaskDialog(QDialog):
    """A dialog that runs one services call and shows a refusal inline."""

    succeeded = Signal(object)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.status = InlineStatus()

    def _submit(self, fn: Any, ok_button: QWidget) -> None:
        self.status.clear_message()
        ok_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            ok_button.setEnabled(True)
            self.status.show_failure(exc, self._tasks.report)

        def done(result: object) -> None:
            emit(self.succeeded, result)
            self.accept()

        self._tasks.run(fn, on_success=done, on_error=failed, owner=self)


class BookingDialog(_TaskDialog):
    """Book: a patient found by type-ahead, a type (its default length), provider, time, room."""

    def __init__(  # noqa: PLR0915, PLR0917 - one linear form; Qt-style constructor
        self,
        client: ScheduleClient,
        tasks: TaskRunner,
        config: ScheduleConfig,
        providers: tuple[Provider, ...],
        provider_id: str,
        day: date,
        minute: int,
        parent: QWidget | None = None,
        patient: PatientChoice | None = None,
        type_code: str | None = None,
    ) -> None:
        super().__init__(tasks, parent)
        self._client = client
        self._config = config
        self._search_seq = 0
        self._patient: PatientChoice | None = None
        self._duration_touched = False
        self.setWindowTitle("New appointment")
        self.setAccessibleName("New appointment")
        self.setMinimumWidth(500)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title_label("New appointment", "dialogTitle"))

        self.patient_edit = line_edit("Patient", placeholder="Type a name, MRN or phone…")
        self.patient_list = QListWidget()
        self.patient_list.setAccessibleName("Matching patients")
        self.patient_list.setMaximumHeight(140)
        self.patient_list.hide()
        self.patient_hint = muted_label("", object_name="hint")
        self.type_combo = _combo("Appointment type")
        for kind in config.types:
            if kind.active:
                self.type_combo.addItem(f"{kind.label} ({kind.duration_minutes} min)", kind.code)
        self.duration_spin = QSpinBox()
        self.duration_spin.setAccessibleName("Duration in minutes")
        self.duration_spin.setRange(MIN_DURATION_MINUTES, MAX_DURATION_MINUTES)
        self.duration_spin.setSingleStep(5)
        self.duration_spin.setSuffix(" min")
        self.provider_combo = _combo("Dermatologist")
        for provider in providers:
            self.provider_combo.addItem(provider.full_name, provider.id)
        self.date_edit = QDateEdit(QDate(day.year, day.month, day.day))
        self.date_edit.setAccessibleName("Date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.time_edit = QTimeEdit(QTime(minute // 60 % 24, minute % 60))
        self.time_edit.setAccessibleName("Start time")
        self.time_edit.setDisplayFormat("HH:mm")
        self.room_combo = _combo("Room")
        self.room_combo.addItem("No particular room", "")
        for room in config.rooms:
            if room.active:
                self.room_combo.addItem(room.name, room.id)
        self.reason_edit = line_edit("Reason for visit", placeholder="Optional, e.g. mole check")
        self.reason_edit.setMaxLength(500)
        self.repeat = RepeatPanel(client, tasks, config, self.request, day, self)

        form = QFormLayout()
        form.setSpacing(10)
        patient_box = QVBoxLayout()
        patient_box.setSpacing(4)
        patient_box.addWidget(self.patient_edit)
        patient_box.addWidget(self.patient_list)
        patient_box.addWidget(self.patient_hint)
        form.addRow("Patient", patient_box)
        form.addRow("Type", self.type_combo)
        form.addRow("Length", self.duration_spin)
        form.addRow("Dermatologist", self.provider_combo)
        when = QHBoxLayout()
        when.addWidget(self.date_edit, 1)
        when.addWidget(self.time_edit)
        form.addRow("When", when)
        form.addRow("Room", self.room_combo)
        form.addRow("Reason", self.reason_edit)
        form.addRow("Repeat", self.repeat.repeat_combo)
        layout.addLayout(form)
        layout.addWidget(self.repeat)
        layout.addWidget(self.status)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Close")
        self.book_button = button("Book", "Book appointment", role="primary")
        self.book_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.book_button)
        layout.addLayout(buttons)

        self._just_chose_patient = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self._search)
        self.patient_edit.textEdited.connect(self._on_text)
        self.patient_list.itemActivated.connect(self._choose_item)
        self.patient_list.itemClicked.connect(self._choose_item)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self.duration_spin.valueChanged.connect(self._duration_edited)
        self.cancel_button.clicked.connect(self.reject)
        self.book_button.clicked.connect(self.book)
        # Whatever the series' dates depend on asks the preview to look again.
        for signal in (
            self.type_combo.currentIndexChanged,
            self.duration_spin.valueChanged,
            self.provider_combo.currentIndexChanged,
            self.time_edit.timeChanged,
            self.room_combo.currentIndexChanged,
        ):
            signal.connect(lambda *_a: self.repeat.schedule_preview())
        self.date_edit.dateChanged.connect(self._date_changed)
        self.repeat.repeat_combo.currentIndexChanged.connect(lambda _i: self._update_ok())

        index = self.provider_combo.findData(provider_id)
        self.provider_combo.setCurrentIndex(max(index, 0))
        if type_code:
            self.type_combo.setCurrentIndex(max(self.type_combo.findData(type_code), 0))
        self._type_changed()
        if patient is not None:
            self.choose_patient(patient)
        self._update_ok()
        self.patient_edit.setFocus()

    # --- patient type-ahead ---------------------------------------------------------

    def _on_text(self, text: str) -> None:
        if self._patient is not None and text != self._patient.label:
            self._patient = None
            self._update_ok()
        self._timer.start()

    def _search(self) -> None:
        text = self.patient_edit.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if len(text) < MIN_SEARCH_CHARS:
            self.patient_list.hide()
            self.patient_hint.setText("Type at least two letters of the name, or the MRN.")
            return

        def show(results: list[PatientChoice]) -> None:
            if seq != self._search_seq:
                return  # an older search answered late: its results are stale
            self.patient_list.clear()
            for choice in results:
                item = QListWidgetItem(choice.label)
                item.setData(Qt.ItemDataRole.UserRole, choice)
                self.patient_list.addItem(item)
            self.patient_list.setVisible(bool(results))
            if results:
                self.patient_list.setCurrentRow(0)
                self.patient_hint.setText("Choose the patient (↓ then Enter, or click).")
            else:
                self.patient_hint.setText(
                    "No patient matches. Check the spelling, or register the patient first."
                )

        def failed(exc: BaseException) -> None:
            if seq != self._search_seq:
                return
            if isinstance(exc, ExpectedError):
                self.patient_hint.setText(exc.user_text())
            else:
                self._tasks.report(exc)

        self._tasks.run(
            lambda: self._client.search_patients(text), on_success=show, on_error=failed, owner=self
        )

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        down = event.key() == Qt.Key.Key_Down
        if down and self.patient_edit.hasFocus() and self.patient_list.isVisible():
            self.patient_list.setFocus()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._just_chose_patient:
            # The list already used this Enter to choose the patient; it must not also
            # press Book. The person reviews type and time, then presses Enter again.
            self._just_chose_patient = False
            self.type_combo.setFocus()
            event.accept()
            return
        super().keyPressEvent(event)

    def _choose_item(self, item: QListWidgetItem) -> None:
        choice = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(choice, PatientChoice):
            self.choose_patient(choice)
            # The list ignores the Enter it activated on, so the same key press reaches
            # keyPressEvent next; a click never does, hence the reset on the next loop turn.
            self._just_chose_patient = True
            QTimer.singleShot(0, self._forget_choice_key)

    def _forget_choice_key(self) -> None:
        self._just_chose_patient = False

    def choose_patient(self, choice: PatientChoice) -> None:
        self._patient = choice
        self.patient_edit.setText(choice.label)
        self.patient_list.hide()
        self.patient_hint.setText("")
        self._update_ok()
        self.type_combo.setFocus()

    # --- form -------------------------------------------------------------------------

    def _type_changed(self) -> None:
        code = self.type_combo.currentData()
        if code and not self._duration_touched:
            minutes = self._config.type(code).duration_minutes
            self.duration_spin.blockSignals(True)
            self.duration_spin.setValue(minutes)
            self.duration_spin.blockSignals(False)

    def _duration_edited(self) -> None:
        self._duration_touched = True

    def _date_changed(self, qd: QDate) -> None:
        self.repeat.first_day_changed(date(qd.year(), qd.month(), qd.day()))

    def _update_ok(self) -> None:
        self.book_button.setEnabled(self._patient is not None)
        self.book_button.setText("Book series" if self.repeat.repeating else "Book")
        self.repeat.schedule_preview()

    @property
    def patient(self) -> PatientChoice | None:
        return self._patient

    def request(self) -> BookingRequest | None:
        if self._patient is None:
            return None
        qd, qt = self.date_edit.date(), self.time_edit.time()
        day = date(qd.year(), qd.month(), qd.day())
        start = utc_at(self._config, day, qt.hour() * 60 + qt.minute())
        room = self.room_combo.currentData() or None
        return BookingRequest(
            PatientId(self._patient.patient_id),
            UserId(self.provider_combo.currentData()),
            start,
            self.type_combo.currentData(),
            self.duration_spin.value(),
            RoomId(room) if room else None,
            self.reason_edit.text(),
        )

    def book(self) -> None:
        request = self.request()
        if request is None:
            self.status.show_error("Choose the patient first: type a name and pick from the list.")
            return
        if not self.repeat.repeating:
            self._submit(lambda: self._client.book(request), self.book_button)
            return
        rule = self.repeat.rule()
        if not rule:
            self.status.show_error(
                "Type a repeat rule, for example FREQ=WEEKLY;INTERVAL=6;COUNT=4, "
                "or choose one of the repeat choices."
            )
            return
        skip = self.repeat.skip_conflicts
        self._submit(
            lambda: self._client.book_series(request, rule, skip_conflicts=skip), self.book_button
        )


class CancelDialog(_TaskDialog):
    """Cancel with a reason (required, kept with the appointment and in the audit trail)."""

    def __init__(
        self,
        tasks: TaskRunner,
        summary: str,
        submit: Any,
        parent: QWidget | None = None,
        *,
        title: str = "Cancel appointment",
        note: str = "",
    ) -> None:
        super().__init__(tasks, parent)
        self._submit_fn = submit
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title_label(title, "dialogTitle"))
        layout.addWidget(muted_label(summary))
        if note:
            layout.addWidget(muted_label(note))
        self.reason_combo = _combo("Cancellation reason")
        self.reason_combo.setEditable(True)
        self.reason_combo.addItem("")
        self.reason_combo.addItems(CANCEL_REASONS)
        reason_edit = self.reason_combo.lineEdit()
        assert reason_edit is not None  # editable combo
        reason_edit.setPlaceholderText("Why is it cancelled?")
        reason_edit.setMaxLength(500)
        layout.addWidget(self.reason_combo)
        layout.addWidget(
            muted_label(
                "The slot becomes free; waitlisted patients who fit are offered it first.",
                object_name="hint",
            )
        )
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.keep_button = button("Keep appointment" if title == "Cancel appointment" else "Keep")
        self.ok_button = button(title, role="primary")
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)
        self.keep_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)
        self.reason_combo.setFocus()

    def submit(self) -> None:
        reason = " ".join(self.reason_combo.currentText().split())
        if not reason:
            self.status.show_error("Please give a reason for cancelling. A few words are enough.")
            return
        self._submit(lambda: self._submit_fn(reason), self.ok_button)


class MoveFollowingDialog(_TaskDialog):
    """ "Move this and following": a new time (and maybe dermatologist) for this visit;
    the later visits of the series shift by the same amount, earlier ones stay."""

    def __init__(  # noqa: PLR0917 - Qt-style constructor
        self,
        tasks: TaskRunner,
        config: ScheduleConfig,
        providers: tuple[Provider, ...],
        start: datetime,
        provider_id: str,
        summary: str,
        submit: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tasks, parent)
        self._config = config
        self._submit_fn = submit
        title = "Move this and following"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title_label(title, "dialogTitle"))
        layout.addWidget(muted_label(summary))
        local = config.local(start)
        self.date_edit = QDateEdit(QDate(local.year, local.month, local.day))
        self.date_edit.setAccessibleName("New date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.time_edit = QTimeEdit(QTime(local.hour, local.minute))
        self.time_edit.setAccessibleName("New start time")
        self.time_edit.setDisplayFormat("HH:mm")
        self.provider_combo = _combo("Dermatologist")
        for provider in providers:
            self.provider_combo.addItem(provider.full_name, provider.id)
        self.provider_combo.setCurrentIndex(max(self.provider_combo.findData(provider_id), 0))
        form = QFormLayout()
        when = QHBoxLayout()
        when.addWidget(self.date_edit, 1)
        when.addWidget(self.time_edit)
        form.addRow("This visit to", when)
        form.addRow("Dermatologist", self.provider_combo)
        layout.addLayout(form)
        layout.addWidget(
            muted_label(
                "The later visits of the series move by the same amount. Earlier visits, "
                "and visits already moved on their own, keep their times.",
                object_name="hint",
            )
        )
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.keep_button = button("Close")
        self.ok_button = button("Move visits", role="primary")
        self.ok_button.setDefault(True)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)
        self.keep_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)
        self.time_edit.setFocus()

    def start(self) -> datetime:
        qd, qt = self.date_edit.date(), self.time_edit.time()
        day = date(qd.year(), qd.month(), qd.day())
        return utc_at(self._config, day, qt.hour() * 60 + qt.minute())

    def submit(self) -> None:
        start, provider = self.start(), str(self.provider_combo.currentData())
        self._submit(lambda: self._submit_fn(provider, start), self.ok_button)


class FreeSlotDialog(QDialog):
    """ "Next free slot of type T with provider P after t": pick one to book it.

    Signals:
        slot_chosen(object FreeSlot)
    """

    slot_chosen = Signal(object)

    def __init__(  # noqa: PLR0915, PLR0917 - one linear form; Qt-style constructor
        self,
        client: ScheduleClient,
        tasks: TaskRunner,
        config: ScheduleConfig,
        providers: tuple[Provider, ...],
        after: datetime,
        parent: QWidget | None = None,
        type_code: str | None = None,
        provider_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._tasks = tasks
        self._config = config
        self.setWindowTitle("Find a free slot")
        self.setAccessibleName("Find a free slot")
        self.setMinimumSize(520, 460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title_label("Find a free slot", "dialogTitle"))
        self.type_combo = _combo("Appointment type")
        for kind in config.types:
            if kind.active:
                self.type_combo.addItem(f"{kind.label} ({kind.duration_minutes} min)", kind.code)
        self.provider_combo = _combo("Dermatologist")
        self.provider_combo.addItem("Any dermatologist", "")
        for provider in providers:
            self.provider_combo.addItem(provider.full_name, provider.id)
        local = config.local(after)
        self.date_edit = QDateEdit(QDate(local.year, local.month, local.day))
        self.date_edit.setAccessibleName("Earliest date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        form = QFormLayout()
        form.addRow("Type", self.type_combo)
        form.addRow("Dermatologist", self.provider_combo)
        form.addRow("From", self.date_edit)
        layout.addLayout(form)
        self.search_button = button("Search", role="primary")
        layout.addWidget(self.search_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.results = QListWidget()
        self.results.setAccessibleName("Free slots")
        layout.addWidget(self.results, 1)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = button("Close")
        self.use_button = button("Book this slot…", role="primary")
        self.use_button.setEnabled(False)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.use_button)
        layout.addLayout(buttons)
        if type_code:
            self.type_combo.setCurrentIndex(max(self.type_combo.findData(type_code), 0))
        if provider_id:
            self.provider_combo.setCurrentIndex(max(self.provider_combo.findData(provider_id), 0))
        self._after = after
        self.search_button.clicked.connect(self.search)
        self.close_button.clicked.connect(self.reject)
        self.use_button.clicked.connect(self.use_selected)
        self.results.itemActivated.connect(lambda _i: self.use_selected())
        self.results.currentRowChanged.connect(lambda row: self.use_button.setEnabled(row >= 0))

    def search(self) -> None:
        code = self.type_combo.currentData()
        provider = self.provider_combo.currentData() or None
        qd = self.date_edit.date()
        day = date(qd.year(), qd.month(), qd.day())
        after = max(utc_at(self._config, day, 0), datetime.now(UTC) - timedelta(minutes=1))
        self.status.clear_message()
        self.results.clear()
        self.search_button.setEnabled(False)

        def show(slots: list[Any]) -> None:
            self.search_button.setEnabled(True)
            for slot in slots:
                local = self._config.local(slot.start)
                end = self._config.local(slot.end)
                text = f"{local:%a %d %b}   {local:%H:%M}–{end:%H:%M}   {slot.provider_name}"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, slot)
                self.results.addItem(item)
            if slots:
                self.results.setCurrentRow(0)
                self.results.setFocus()
            else:
                self.status.show_info(
                    "No free slot in the next weeks. Try another "
                    "dermatologist or add the patient to the waitlist."
                )

        def failed(exc: BaseException) -> None:
            self.search_button.setEnabled(True)
            self.status.show_failure(exc, self._tasks.report)

        self._tasks.run(
            lambda: self._client.free_slots(code, provider, after),
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def use_selected(self) -> None:
        if self.results.currentRow() < 0:
            return
        item = self.results.currentItem()
        emit(self.slot_chosen, item.data(Qt.ItemDataRole.UserRole))
        self.accept()

    @property
    def chosen_type(self) -> str:
        return str(self.type_combo.currentData())

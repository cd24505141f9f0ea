"""Patients page: type-ahead search over the register, and registering or editing patients.

The front desk lives here. Typing searches as you go (debounced, off the GUI
thread; an answer to an older keystroke is dropped); with the box empty the
whole register is listed through a lazy model. Keyboard: Down moves from the
box into the results, Up from the first row goes back, Enter opens the chart,
Escape clears the search; Ctrl+F and Ctrl+N come from the main window.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import parse_query
from dermai_desktop.domain.patients import Patient
from dermai_desktop.domain.roles import Operation
from dermai_desktop.services.dto import PatientSummary
from dermai_desktop.ui import theme
from dermai_desktop.ui.item_models.patient_list_model import PatientListModel
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.patient_form_dialog import PatientFormDialog
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button, muted_label, title_label

DEBOUNCE_MS = 120
RESULT_LIMIT = 100

PLACEHOLDER = (
    "Search by name, date of birth, MRN or phone  —  e.g. smith jo · 14/07/1961 · DA000042"
)


class PatientsScreen(QWidget):
    """Find, register and edit patients.

    Signals:
        open_chart_requested(str): open this patient's chart (Enter, double-click).
        book_requested(str): book an appointment for this patient.
        patient_saved(str): a patient was registered or edited (their id).
        search_finished(int): results for the current text are showing (their count).
    """

    SHORTCUTS = (
        ("Down", "Move from the search box into the results"),
        ("Enter", "Open the chart of the selected patient"),
        ("Escape", "Clear the search"),
        ("Ctrl+E", "Edit the selected patient's details"),
        ("Ctrl+B", "Book an appointment for the selected patient"),
    )

    open_chart_requested = Signal(str)
    book_requested = Signal(str)
    patient_saved = Signal(str)
    search_finished = Signal(int)

    def __init__(  # noqa: PLR0915 - one linear layout
        self, session: Session, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._patients = session.services.patients
        self._generation = 0  # bumped per search; older answers are dropped
        self._total: int | None = None
        self._loaded_once = False
        self.dialog: QDialog | None = None  # the open form; tests drive it
        self.setObjectName("page")
        self.setAccessibleName("Patients")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        header = QHBoxLayout()
        header.addWidget(title_label("Patients"))
        header.addStretch(1)
        self.new_button = button("New patient", "Register a new patient", role="primary")
        self.new_button.setIcon(theme.icon("plus", "#ffffff"))
        self.new_button.setToolTip("Register a new patient (Ctrl+N)")
        self.new_button.setVisible(session.may(Operation.PATIENT_REGISTER))
        header.addWidget(self.new_button)
        layout.addLayout(header)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("patientSearch")
        self.search_edit.setAccessibleName("Find a patient")
        self.search_edit.setAccessibleDescription(
            "Type a name, date of birth, medical record number or phone number."
        )
        self.search_edit.setPlaceholderText(PLACEHOLDER)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaxLength(200)
        self.search_edit.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        layout.addWidget(self.search_edit)

        info = QHBoxLayout()
        self.count_label = muted_label("", wrap=False)
        self.count_label.setObjectName("resultCount")
        self.count_label.setAccessibleName("Result count")
        self.hint_label = QLabel("")
        self.hint_label.setObjectName("hint")
        self.hint_label.setWordWrap(True)
        info.addWidget(self.count_label)
        info.addSpacing(12)
        info.addWidget(self.hint_label, 1)
        layout.addLayout(info)

        self.status = InlineStatus()
        layout.addWidget(self.status)

        self.model = PatientListModel(self._load_page, self)
        self.table = self._make_table()
        self.empty = EmptyState("patients", "", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        actions = QHBoxLayout()
        self.open_button = button("Open chart", "Open the chart of the selected patient")
        self.open_button.setIcon(theme.icon("chart"))
        self.edit_button = button("Edit details…", "Edit the selected patient's details")
        self.edit_button.setVisible(session.may(Operation.DEMOGRAPHICS_EDIT))
        self.book_button = button(
            "Book appointment", "Book an appointment for the selected patient"
        )
        self.book_button.setIcon(theme.icon("calendar"))
        self.book_button.setVisible(session.may(Operation.SCHEDULE_EDIT))
        for widget in (self.open_button, self.edit_button, self.book_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        actions.addWidget(muted_label("Enter opens the chart · ↓ moves into the list", wrap=False))
        layout.addLayout(actions)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_edit.textChanged.connect(self._text_changed)
        self.search_edit.returnPressed.connect(self._enter_in_search)
        self.search_edit.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.new_button.clicked.connect(self.new_patient)
        self.open_button.clicked.connect(self.open_selected)
        self.edit_button.clicked.connect(self.edit_selected)
        self.book_button.clicked.connect(self.book_selected)
        self._update_buttons()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("patientTable")
        table.setModel(self.model)
        table.setAccessibleName("Patients found")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        # Uniform rows: a 100,000-row table scrolls without measuring every row.
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(36)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate((300, 190, 100, 130)):
            table.setColumnWidth(column, width)
        return table

    # --- the shell's hooks ----------------------------------------------------------------

    def focus_search(self) -> None:
        """Ctrl+F: the search box, ready to type over."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def new_patient(self) -> None:
        """Ctrl+N: the register form (prefilled with a typed name, if any)."""
        dialog = PatientFormDialog(self._session, self._tasks, None, self)
        query = self.search_edit.text().strip()
        parsed = parse_query(query, date.today())
        if query and parsed.kind.value == "name" and "," in query:
            family, _, given = query.partition(",")
            dialog.family.setText(family.strip().title())
            dialog.given.setText(given.strip().title())
        self._open_form(dialog)

    # --- searching ------------------------------------------------------------------------

    def _text_changed(self, _text: str) -> None:
        self.status.clear_message()
        self._debounce.start()

    def run_search(self) -> None:
        """Search for the box's text now (the debounce timer calls this)."""
        self._debounce.stop()
        text = self.search_edit.text()
        self._generation += 1
        generation = self._generation
        if not text.strip():
            self.hint_label.setText("")
            self.load_register()
            return
        parsed = parse_query(text, date.today())
        self.hint_label.setText(" ".join(parsed.notes))
        if parsed.is_empty:
            self.model.set_rows([])
            self._show_results(text, 0)
            return
        actor = self._session.actor
        self._tasks.run(
            lambda: self._patients.search(actor, text, RESULT_LIMIT + 1),
            on_success=lambda rows: self._results(generation, text, rows),
            on_error=self._failed,
            owner=self,
        )

    def _results(self, generation: int, text: str, rows: list[PatientSummary]) -> None:
        if generation != self._generation:
            return  # typed on since: a newer search is coming
        more = len(rows) > RESULT_LIMIT
        self.model.set_rows(rows[:RESULT_LIMIT])
        self._show_results(text, len(rows), more=more)
        if self.model.rowCount():
            self.table.selectRow(0)

    def _show_results(self, text: str, count: int, *, more: bool = False) -> None:
        if count == 0:
            self.count_label.setText("No matches")
            self.empty.set_text(
                "No patient matches",
                f"Nothing matches “{_shorten(text)}”. Check the spelling, or try the date of "
                "birth (14/07/1961), the MRN or a phone number."
                + (" To add this person, press Ctrl+N." if self.new_button.isVisible() else ""),
            )
            self.stack.setCurrentWidget(self.empty)
        else:
            shown = min(count, RESULT_LIMIT)
            self.count_label.setText(
                f"First {shown} matches"
                if more
                else f"{shown} match" + ("es" if shown != 1 else "")
            )
            if more and not self.hint_label.text():
                self.hint_label.setText("Keep typing to narrow the list (add a given name or DOB).")
            self.stack.setCurrentWidget(self.table)
        emit(self.search_finished, count if not more else RESULT_LIMIT)

    def load_register(self) -> None:
        """The whole register in name order (lazy: rows load as they scroll into view)."""
        generation = self._generation
        actor = self._session.actor
        self._tasks.run(
            lambda: self._patients.list_ids(actor),
            on_success=lambda ids: self._register_loaded(generation, ids),
            on_error=self._failed,
            owner=self,
        )

    def _register_loaded(self, generation: int, ids: list[PatientId]) -> None:
        if generation != self._generation:
            return
        self._total = len(ids)
        self.model.set_ids(ids)
        if not ids:
            self.count_label.setText("")
            self.empty.set_text(
                "No patients yet",
                "Register the first patient with New patient (Ctrl+N). "
                "They will be listed here, and found by typing in the search box.",
            )
            self.stack.setCurrentWidget(self.empty)
        else:
            self.count_label.setText(f"{len(ids):,} patients")
            self.stack.setCurrentWidget(self.table)
        emit(self.search_finished, len(ids))

    def _load_page(self, ids: list[PatientId], deliver: object) -> None:
        actor = self._session.actor

        def failed(exc: BaseException) -> None:
            self.model.page_failed(ids)
            self._failed(exc)

        self._tasks.run(
            lambda: self._patients.summaries(actor, ids),
            on_success=deliver,  # type: ignore[arg-type]
            on_error=failed,
            owner=self,
        )

    def _failed(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    # --- keyboard ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802, PLR0911
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.search_edit:
                if key == Qt.Key.Key_Down and self.model.rowCount():
                    self.table.setFocus(Qt.FocusReason.TabFocusReason)
                    if not self.table.selectionModel().hasSelection():
                        self.table.selectRow(0)
                    return True
                if key == Qt.Key.Key_Escape and self.search_edit.text():
                    self.search_edit.clear()
                    return True
            elif watched is self.table:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.open_selected()
                    return True
                if key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
                    self.search_edit.setFocus(Qt.FocusReason.BacktabFocusReason)
                    return True
                if key == Qt.Key.Key_E and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    self.edit_selected()
                    return True
                if key == Qt.Key.Key_B and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    self.book_selected()
                    return True
                if key == Qt.Key.Key_Escape:
                    self.focus_search()
                    return True
        return super().eventFilter(watched, event)

    def _enter_in_search(self) -> None:
        """Enter in the box: run a pending search now, then open the chart of the top hit."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.search_finished.connect(self._open_first_once)
            self.run_search()
            return
        self.open_selected()

    def _open_first_once(self, _count: int) -> None:
        self.search_finished.disconnect(self._open_first_once)
        self.open_selected()

    # --- selection and actions -----------------------------------------------------------------

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else (0 if self.model.rowCount() == 1 else -1)
        patient_id = self.model.patient_id(row)
        return str(patient_id) if patient_id else None

    def _update_buttons(self, *_args: object) -> None:
        has = self.selected_id() is not None
        for widget in (self.open_button, self.edit_button, self.book_button):
            widget.setEnabled(has)

    def open_selected(self) -> None:
        patient_id = self.selected_id()
        if patient_id:
            emit(self.open_chart_requested, patient_id)

    def book_selected(self) -> None:
        patient_id = self.selected_id()
        if patient_id and self.book_button.isVisible():
            emit(self.book_requested, patient_id)

    def edit_selected(self) -> None:
        patient_id = self.selected_id()
        if not patient_id or not self.edit_button.isVisible():
            return
        actor = self._session.actor
        self._tasks.run(
            lambda: self._patients.get(actor, PatientId(patient_id)),
            on_success=self._edit_loaded,
            on_error=self._failed,
            owner=self,
        )

    def _edit_loaded(self, patient: Patient) -> None:
        self._open_form(PatientFormDialog(self._session, self._tasks, patient, self))

    def _open_form(self, dialog: PatientFormDialog) -> None:
        self.status.clear_message()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._after_save)
        dialog.open_existing_requested.connect(self._open_existing)
        self.dialog = dialog
        dialog.open()

    def _after_save(self, patient: object) -> None:
        if not isinstance(patient, Patient):
            return
        self.status.show_success(
            f"{patient.display_name} saved · MRN {patient.mrn}. Press Enter to open the chart."
        )
        emit(self.patient_saved, str(patient.id))
        # Show exactly this patient, selected, so Enter opens their chart.
        self.search_edit.blockSignals(True)
        self.search_edit.setText(patient.mrn)
        self.search_edit.blockSignals(False)
        self.run_search()
        self.table.setFocus()

    def _open_existing(self, patient_id: str) -> None:
        emit(self.open_chart_requested, patient_id)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[arg-type]
        if not self._loaded_once:
            self._loaded_once = True
            self.run_search()


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["PatientsScreen"]

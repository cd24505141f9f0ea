"""The Visits tab: encounters newest first; the selected one's note as editor or locked view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patients import Encounter, SoapNote
from dermai_desktop.services.dto import Chart
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import (
    SUBTITLE_ROLE,
    NameBook,
    TaskDialog,
    TwoLineDelegate,
    fmt_date,
)
from dermai_desktop.ui.widgets.chart_note_editor import NoteEditor
from dermai_desktop.ui.widgets.chart_note_view import AddendumDialog, SignedNoteView
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button

VISIT_REASONS = (
    "Full skin examination",
    "Acne follow-up",
    "Psoriasis review",
    "Eczema review",
    "Biopsy / excision",
    "Cosmetic consultation",
    "New lesion",
    "Follow-up",
)
MAX_REASON = 500
Diagnoses = Mapping[str, Sequence[tuple[str, str]]]


class NewVisitDialog(TaskDialog):
    """Ask for the reason for the visit, then start the encounter.

    Signals:
        succeeded(object): the new Encounter.
    """

    def __init__(
        self, start: Callable[[str], Encounter], tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._start = start
        self._tasks = tasks
        self.setWindowTitle("New visit")
        self.setAccessibleName("New visit")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        form = QFormLayout()
        self.reason_combo = QComboBox()
        self.reason_combo.setEditable(True)
        self.reason_combo.addItems(VISIT_REASONS)
        self.reason_combo.setAccessibleName("Reason for the visit")
        line = self.reason_combo.lineEdit()
        if line is not None:
            line.setMaxLength(MAX_REASON)
        form.addRow("Reason for the visit", self.reason_combo)
        layout.addLayout(form)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Start visit", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setProperty("role", "primary")
        self.ok_button.setAccessibleName("Start visit")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def submit(self) -> None:
        reason = " ".join(self.reason_combo.currentText().split())
        if not reason:
            self.status.show_error("Say why the patient is here, e.g. “Full skin examination”.")
            return
        self.ok_button.setEnabled(False)
        start = self._start
        self._tasks.run(
            lambda: start(reason), on_success=self._done, on_error=self._failed, owner=self
        )


class VisitsPanel(QWidget):
    """Visit list on the left, the selected visit's note on the right.

    Signals:
        changed(): a visit was started, a note signed or an addendum added.
    """

    changed = Signal()

    def __init__(
        self, session: Session, tasks: TaskRunner, names: NameBook, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._names = names
        self.patient_id: PatientId | None = None
        self.encounters: list[Encounter] = []
        self.notes_by_encounter: dict[str, list[SoapNote]] = {}
        self.diagnoses: dict[str, list[tuple[str, str]]] = {}
        self.dialog: QDialog | None = None
        self.setAccessibleName("Visits")

        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        outer.addWidget(splitter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 12, 0)
        left_layout.setSpacing(8)
        self.new_visit_button = button("New visit…", "Start a new visit", role="primary")
        self.new_visit_button.setIcon(theme.icon("plus", "#ffffff"))
        self.new_visit_button.clicked.connect(self.open_new_visit)
        left_layout.addWidget(self.new_visit_button)
        self.list = QListWidget()
        self.list.setObjectName("visitList")
        self.list.setAccessibleName("Visits, newest first")
        self.list.setIconSize(QSize(16, 16))
        self.list.setUniformItemSizes(True)
        self.list.setItemDelegate(TwoLineDelegate(self.list))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._on_row)
        left_layout.addWidget(self.list, 1)
        left.setMinimumWidth(260)
        left.setMaximumWidth(340)
        splitter.addWidget(left)

        self.stack = QStackedWidget()
        self.empty = EmptyState(
            "chart",
            "No visits yet",
            "Start the first visit with “New visit…”. The note saves itself as you type.",
        )
        self.editor = NoteEditor(session, tasks)
        self.signed_view = SignedNoteView(names)
        for widget in (self.empty, self.editor, self.signed_view):
            self.stack.addWidget(widget)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 740])

        self.editor.saved.connect(self._on_note_saved)
        self.editor.signed.connect(self._on_note_signed)
        self.editor.locked.connect(self._on_locked)
        self.signed_view.addendum_requested.connect(self.open_addendum)

    # --- data ---------------------------------------------------------------------------

    def set_chart(self, chart: Chart, diagnoses: Diagnoses | None = None) -> None:
        self.patient_id = chart.patient.id
        self.encounters = list(chart.encounters)
        self.notes_by_encounter = {}
        for note in chart.notes:
            self.notes_by_encounter.setdefault(note.encounter_id, []).append(note)
        self.diagnoses = {k: list(v) for k, v in (diagnoses or {}).items()}
        self._fill_list()
        if self.encounters:
            self.list.setCurrentRow(0)
        else:
            self.stack.setCurrentWidget(self.empty)

    def set_templates(self, templates: Sequence[Any]) -> None:
        self.editor.set_templates(templates)

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        muted = theme.token("muted")
        for encounter in self.encounters:
            note = self._note_of(encounter)
            if note is None:
                state, icon = "No note yet", theme.icon("info", muted)
            elif note.is_signed:
                extra = len(note.addenda)
                state = "Signed" + (
                    f" · {extra} addend{'um' if extra == 1 else 'a'}" if extra else ""
                )
                icon = theme.icon("lock", theme.token("success"))
            else:
                state, icon = "Draft — not signed", theme.icon("warning", theme.token("warning"))
            reason = encounter.reason or "Visit"
            item = QListWidgetItem(icon, reason)
            item.setData(SUBTITLE_ROLE, f"{fmt_date(encounter.started_at)}  ·  {state}")
            item.setData(Qt.ItemDataRole.UserRole, encounter.id)
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole,
                f"{fmt_date(encounter.started_at)}, {reason}, {state}",
            )
            item.setToolTip(reason)
            self.list.addItem(item)
        self.list.blockSignals(False)

    def _note_of(self, encounter: Encounter) -> SoapNote | None:
        notes = self.notes_by_encounter.get(encounter.id, [])
        return notes[0] if notes else None

    def current_encounter(self) -> Encounter | None:
        row = self.list.currentRow()
        return self.encounters[row] if 0 <= row < len(self.encounters) else None

    def select_encounter(self, encounter_id: str) -> None:
        for row, encounter in enumerate(self.encounters):
            if encounter.id == encounter_id:
                self.list.setCurrentRow(row)
                return

    def _on_row(self, row: int) -> None:
        # Leaving a draft writes it at once (focus-out covers typing, this covers clicks).
        self.editor.save_now()
        encounter = self.current_encounter()
        if encounter is None or self.patient_id is None:
            self.stack.setCurrentWidget(self.empty)
            return
        note = self._note_of(encounter)
        codes = self.diagnoses.get(note.id, []) if note else []
        if note is not None and note.is_signed:
            self.signed_view.show_note(encounter, note, codes)
            self.stack.setCurrentWidget(self.signed_view)
            return
        self.editor.load(self.patient_id, encounter, note, codes)
        self.editor.unlock_editing()
        if note is not None and note.author_id != self._session.actor.user_id:
            # A colleague's draft: only its author may edit or sign it (the service agrees).
            self.editor._lock_editing()
            self.editor._set_indicator(
                f"Draft by {self._names.name(note.author_id)} — only the author can edit", "idle"
            )
        self.stack.setCurrentWidget(self.editor)

    # --- actions --------------------------------------------------------------------------

    def open_new_visit(self) -> None:
        if self.patient_id is None:
            return
        actor, charts, patient_id = (
            self._session.actor,
            self._session.services.charts,
            self.patient_id,
        )
        dialog = NewVisitDialog(
            lambda reason: charts.start_encounter(actor, patient_id, reason), self._tasks, self
        )
        dialog.succeeded.connect(self._on_visit_started)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def _on_visit_started(self, encounter: Encounter) -> None:
        self.encounters.insert(0, encounter)
        self._fill_list()
        self.list.setCurrentRow(0)
        self.editor.sections["subjective"].setFocus()
        emit(self.changed)

    def _replace_note(self, note: SoapNote) -> None:
        notes = self.notes_by_encounter.setdefault(note.encounter_id, [])
        for index, existing in enumerate(notes):
            if existing.id == note.id:
                notes[index] = note
                return
        notes.insert(0, note)

    def _on_note_saved(self, note: SoapNote) -> None:
        first = not any(n.id == note.id for n in self.notes_by_encounter.get(note.encounter_id, []))
        self._replace_note(note)
        self.diagnoses[note.id] = list(self.editor.diagnoses)
        if first:
            self._refresh_item(note.encounter_id)

    def _on_note_signed(self, note: SoapNote) -> None:
        self._replace_note(note)
        self.diagnoses[note.id] = list(self.editor.diagnoses)
        self._refresh_item(note.encounter_id)
        self._on_row(self.list.currentRow())
        emit(self.changed)

    def _on_locked(self, exc: object) -> None:
        self._status_refusal(exc)
        emit(self.changed)  # reload: the note was signed elsewhere

    def _status_refusal(self, exc: object) -> None:
        if isinstance(exc, ExpectedError):
            self.editor.indicator.setToolTip(exc.user_text())

    def _refresh_item(self, encounter_id: str) -> None:
        row = self.list.currentRow()
        self._fill_list()
        self.list.blockSignals(True)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)

    def open_addendum(self) -> None:
        note = self.signed_view.note
        if note is None:
            return
        actor, charts = self._session.actor, self._session.services.charts
        note_id = note.id
        dialog = AddendumDialog(
            lambda text: charts.add_addendum(actor, note_id, text), self._tasks, self
        )
        dialog.succeeded.connect(self._on_addendum)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def _on_addendum(self, addendum: SoapNote) -> None:
        target = self.signed_view.note
        if target is None:
            return
        updated = _with_addendum(target, addendum)
        self._replace_note(updated)
        self._refresh_item(updated.encounter_id)
        self._on_row(self.list.currentRow())
        emit(self.changed)

    def has_unsaved_draft(self) -> bool:
        return self.editor.dirty or self.editor.saving


def _with_addendum(note: SoapNote, addendum: SoapNote) -> SoapNote:
    from dataclasses import replace

    return replace(note, addenda=(*note.addenda, addendum))


__all__ = ["NewVisitDialog", "VisitsPanel"]

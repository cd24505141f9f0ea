"""The SOAP draft editor: templates, ICD-10 diagnoses, autosave with a visible indicator, sign."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError, SignedContentLocked
from dermai_desktop.domain.ids import NoteId, PatientId
from dermai_desktop.domain.patients import Encounter, SoapNote
from dermai_desktop.services.dto import NoteText
from dermai_desktop.ui import theme
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import (
    SECTIONS,
    chip,
    clear_layout,
    fmt_datetime,
    fmt_time,
    set_kind,
)
from dermai_desktop.ui.widgets.forms import button

#: Quiet time after the last keystroke before the draft is written.
AUTOSAVE_MS = 3000


class _FocusOut(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FocusOut:
            self._callback()
        return False


class NoteEditor(QWidget):
    """Edits one draft note. Saves by itself; never blocks typing.

    Saves are serialised: one write in flight at a time; edits made while it
    runs are written by the next save. The first save of a new visit creates
    the note (``write_note``), later ones update it (``update_draft``).

    Signals:
        saved(object): the SoapNote as stored after a save.
        signed(object): the SoapNote after signing.
        locked(object): the service refused because the note is signed (on another
            workstation, say); carries the exception.
        diagnoses_changed(object): the tuple of ICD-10 codes now attached.
    """

    saved = Signal(object)
    signed = Signal(object)
    locked = Signal(object)
    diagnoses_changed = Signal(object)

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one widget's layout, read top to bottom
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._charts = session.services.charts
        self.setObjectName("noteEditor")
        self.setAccessibleName("Visit note editor")
        self.patient_id: PatientId | None = None
        self.encounter: Encounter | None = None
        self.note: SoapNote | None = None
        self.note_id: NoteId | None = None
        self.dirty = False
        self.saving = False
        self.saved_at: datetime | None = None
        self.diagnoses: list[tuple[str, str]] = []  # (code, title)
        self.templates: list[Any] = []
        self.dialog: QWidget | None = None
        self._sign_after_save = False
        self._loading = False

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_now)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        outer.addWidget(self._header())
        outer.addWidget(self._toolbar())

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("scrollBody")
        form = QVBoxLayout(body)
        form.setContentsMargins(0, 0, 8, 0)
        form.setSpacing(6)
        self.sections: dict[str, QPlainTextEdit] = {}
        focus_filter = _FocusOut(self._on_focus_out, self)
        for key, label, hint in SECTIONS:
            title = QLabel(label)
            title.setObjectName("soapLabel")
            form.addWidget(title)
            edit = QPlainTextEdit()
            edit.setObjectName("soapEdit")
            edit.setAccessibleName(label)
            edit.setAccessibleDescription(hint)
            edit.setPlaceholderText(hint)
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(92)
            edit.textChanged.connect(self._on_edited)
            edit.installEventFilter(focus_filter)
            title.setBuddy(edit)
            self.sections[key] = edit
            form.addWidget(edit)
        form.addWidget(self._diagnosis_box())
        form.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

    # --- construction ------------------------------------------------------------------

    def _header(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.title_label = QLabel("Visit note")
        self.title_label.setObjectName("noteTitle")
        row.addWidget(self.title_label)
        self.state_chip = chip("Draft", "draft", "Note state: draft")
        row.addWidget(self.state_chip)
        row.addStretch(1)
        self.indicator = QLabel("")
        self.indicator.setObjectName("saveIndicator")
        self.indicator.setAccessibleName("Draft save status")
        self.indicator.setProperty("kind", "idle")
        row.addWidget(self.indicator)
        self.sign_button = button("Sign note…", "Sign note", role="primary")
        self.sign_button.setIcon(theme.icon("check-white", "#ffffff"))
        self.sign_button.setToolTip("Sign and lock this note (Ctrl+Shift+S)")
        self.sign_button.clicked.connect(self.request_sign)
        row.addWidget(self.sign_button)
        return box

    def _toolbar(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        label = QLabel("Template")
        label.setObjectName("muted")
        row.addWidget(label)
        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName("Note template")
        self.template_combo.setMinimumWidth(260)
        self.template_combo.addItem("No templates available", None)
        self.template_combo.setEnabled(False)
        label.setBuddy(self.template_combo)
        row.addWidget(self.template_combo)
        self.apply_template_button = button("Insert template", "Insert the chosen template")
        self.apply_template_button.setEnabled(False)
        self.apply_template_button.clicked.connect(self.apply_selected_template)
        row.addWidget(self.apply_template_button)
        row.addStretch(1)
        return box

    def _diagnosis_box(self) -> QWidget:
        box = QFrame()
        box.setObjectName("diagnosisBox")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel("Diagnoses (ICD-10)")
        title.setObjectName("soapLabel")
        head.addWidget(title)
        head.addStretch(1)
        self.add_diagnosis_button = button("Add diagnosis…", "Add an ICD-10 diagnosis")
        self.add_diagnosis_button.setIcon(theme.icon("plus"))
        self.add_diagnosis_button.clicked.connect(self.open_diagnosis_picker)
        head.addWidget(self.add_diagnosis_button)
        layout.addLayout(head)
        self.diagnosis_row = QVBoxLayout()
        self.diagnosis_row.setSpacing(4)
        layout.addLayout(self.diagnosis_row)
        self._render_diagnoses()
        return box

    # --- loading ----------------------------------------------------------------------

    def load(
        self,
        patient_id: PatientId,
        encounter: Encounter,
        note: SoapNote | None,
        diagnoses: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Show ``note`` (or an empty new note) of ``encounter`` for editing."""
        self._timer.stop()
        self._loading = True
        self.patient_id = patient_id
        self.encounter = encounter
        self.note = note
        self.note_id = note.id if note else None
        for key, edit in self.sections.items():
            edit.setPlainText(getattr(note, key) if note else "")
        self._loading = False
        self.dirty = False
        self.saved_at = note.updated_at if note else None
        self.diagnoses = list(diagnoses)
        self._render_diagnoses()
        reason = encounter.reason or "Visit"
        self.title_label.setText(f"{reason} — {fmt_datetime(encounter.started_at)}")
        if note is not None:
            self._set_indicator(f"Draft saved {fmt_time(note.updated_at)}", "saved")
        else:
            self._set_indicator("New note — saves as you type", "idle")
        self.setEnabled(True)

    def set_templates(self, templates: Sequence[Any]) -> None:
        self.templates = list(templates)
        self.template_combo.clear()
        if not self.templates:
            self.template_combo.addItem("No templates available", None)
        else:
            self.template_combo.addItem("Choose a template…", None)
            for template in self.templates:
                self.template_combo.addItem(template.name, template)
        has = bool(self.templates)
        self.template_combo.setEnabled(has)
        self.apply_template_button.setEnabled(has)

    def text(self) -> NoteText:
        return NoteText(**{key: edit.toPlainText() for key, edit in self.sections.items()})

    # --- templates and diagnoses --------------------------------------------------------

    def apply_selected_template(self) -> None:
        template = self.template_combo.currentData()
        if template is not None:
            self.apply_template(template)

    def apply_template(self, template: Any) -> None:
        """Fill the sections from ``template``; text already typed is kept, the prompt appended."""
        for key, edit in self.sections.items():
            prompt = str(getattr(template, key, "") or "")
            if not prompt:
                continue
            current = edit.toPlainText().rstrip()
            edit.setPlainText(f"{current}\n\n{prompt}" if current else prompt)
        self.sections["subjective"].setFocus()

    def open_diagnosis_picker(self) -> None:
        from dermai_desktop.ui.widgets.chart_icd_picker import DiagnosisPicker

        picker = DiagnosisPicker(self._session, self._tasks, self)
        picker.chosen.connect(self.add_diagnosis)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = picker
        picker.open()

    def add_diagnosis(self, code: str, title: str) -> None:
        if any(c == code for c, _t in self.diagnoses):
            return
        self.diagnoses.append((code, title))
        self._render_diagnoses()
        emit(self.diagnoses_changed, tuple(c for c, _t in self.diagnoses))
        self._mark_dirty()

    def remove_diagnosis(self, code: str) -> None:
        self.diagnoses = [(c, t) for c, t in self.diagnoses if c != code]
        self._render_diagnoses()
        emit(self.diagnoses_changed, tuple(c for c, _t in self.diagnoses))
        self._mark_dirty()

    def _render_diagnoses(self) -> None:
        clear_layout(self.diagnosis_row)
        if not self.diagnoses:
            empty = QLabel("No diagnosis coded yet. Use “Add diagnosis…” to search ICD-10.")
            empty.setObjectName("muted")
            self.diagnosis_row.addWidget(empty)
            return
        for code, title in self.diagnoses:
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addWidget(chip(code, "code", f"ICD-10 {code}"))
            label = QLabel(title)
            label.setWordWrap(True)
            row.addWidget(label, 1)
            remove = button("Remove", f"Remove diagnosis {code}", role="link")
            remove.clicked.connect(lambda _=False, c=code: self.remove_diagnosis(c))
            row.addWidget(remove)
            self.diagnosis_row.addLayout(row)

    # --- autosave -----------------------------------------------------------------------

    def _on_edited(self) -> None:
        if not self._loading:
            self._mark_dirty()

    def _mark_dirty(self) -> None:
        self.dirty = True
        if not self.saving:
            self._set_indicator("Unsaved changes", "pending")
        self._timer.start()

    def _on_focus_out(self) -> None:
        if self.dirty:
            self.save_now()

    def save_now(self) -> None:
        """Write the draft now if anything changed (Ctrl+S, focus out, the timer)."""
        self._timer.stop()
        if self.encounter is None or self.patient_id is None or not self.dirty or self.saving:
            return
        text = self.text()
        if self.note_id is None and not any(s.strip() for s in _sections(text)):
            self.dirty = False
            self._set_indicator("New note — saves as you type", "idle")
            return
        self.dirty = False
        self.saving = True
        self._set_indicator("Saving…", "saving")
        self._tasks.run(
            self._writer(text), on_success=self._on_saved, on_error=self._on_save_failed, owner=self
        )

    def _writer(self, text: NoteText) -> Callable[[], SoapNote]:
        """The save to run off-thread; always hands back the note as now stored."""
        actor, charts = self._session.actor, self._charts
        note, encounter, patient_id = self.note, self.encounter, self.patient_id
        codes = tuple(c for c, _t in self.diagnoses)

        def write() -> SoapNote:
            if note is None:
                assert encounter is not None
                assert patient_id is not None
                created = charts.write_note(actor, encounter.id, text, patient_id=patient_id)
                if codes:
                    charts.set_note_diagnoses(actor, created.id, codes)
                return created
            saved = charts.save_draft(actor, note.id, text, diagnoses=codes)
            return replace(
                note,
                subjective=text.subjective,
                objective=text.objective,
                assessment=text.assessment,
                plan=text.plan,
                version=saved.version,
                updated_at=saved.saved_at,
            )

        return write

    def _on_saved(self, note: SoapNote) -> None:
        self.saving = False
        self.note = note
        self.note_id = note.id
        self.saved_at = datetime.now(UTC)
        self._set_indicator(f"Draft saved {fmt_time(self.saved_at)}", "saved")
        emit(self.saved, note)
        if self.dirty:
            self.save_now()
        elif self._sign_after_save:
            self._sign_after_save = False
            self._sign()

    def _on_save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self._sign_after_save = False
        if isinstance(exc, SignedContentLocked):
            self._set_indicator("Signed elsewhere — locked", "error")
            self._lock_editing()
            emit(self.locked, exc)
            return
        self.dirty = True  # keep the text; try again on the next edit or Ctrl+S
        if isinstance(exc, ExpectedError):
            self._set_indicator(f"Not saved: {exc.message}", "error")
            self.indicator.setToolTip(exc.user_text())
        else:
            self._set_indicator("Not saved — will retry", "error")
            self._tasks.report(exc)

    def _set_indicator(self, text: str, kind: str) -> None:
        self.indicator.setText(text)
        self.indicator.setAccessibleDescription(text)
        set_kind(self.indicator, kind)

    def _lock_editing(self) -> None:
        self._timer.stop()
        for edit in self.sections.values():
            edit.setReadOnly(True)
        self.sign_button.setEnabled(False)
        self.add_diagnosis_button.setEnabled(False)
        self.apply_template_button.setEnabled(False)

    def unlock_editing(self) -> None:
        for edit in self.sections.values():
            edit.setReadOnly(False)
        self.sign_button.setEnabled(True)
        self.add_diagnosis_button.setEnabled(True)
        self.apply_template_button.setEnabled(bool(self.templates))

    # --- signing ------------------------------------------------------------------------

    def request_sign(self) -> None:
        """Ask for confirmation, then save what is pending and sign."""
        if self.encounter is None or not self.sign_button.isEnabled():
            return
        if not any(s.strip() for s in _sections(self.text())):
            self._set_indicator("Write the note before signing it", "error")
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Sign note",
            "Sign this note now?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            "A signed note is locked for good: nobody can change it. Corrections are added "
            "as dated addenda under it."
        )
        confirm = box.addButton("Sign and lock", QMessageBox.ButtonRole.AcceptRole)
        confirm.setAccessibleName("Sign and lock")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAccessibleName("Confirm signing")
        box.accepted.connect(self.confirm_sign)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def confirm_sign(self) -> None:
        """Sign without asking (the confirmation was given)."""
        self._timer.stop()
        if self.saving:
            self._sign_after_save = True
            return
        if self.dirty or self.note_id is None:
            self.dirty = True
            self._sign_after_save = True
            self.save_now()
            return
        self._sign()

    def _sign(self) -> None:
        assert self.note_id is not None
        actor, charts, note_id = self._session.actor, self._charts, self.note_id
        self.sign_button.setEnabled(False)
        self._set_indicator("Signing…", "saving")
        self._tasks.run(
            lambda: charts.sign_note(actor, note_id),
            on_success=self._on_signed,
            on_error=self._on_sign_failed,
            owner=self,
        )

    def _on_signed(self, note: SoapNote) -> None:
        self._set_indicator(f"Signed {fmt_time(note.signed_at or datetime.now(UTC))}", "saved")
        self._lock_editing()
        emit(self.signed, note)

    def _on_sign_failed(self, exc: BaseException) -> None:
        self.sign_button.setEnabled(True)
        if isinstance(exc, SignedContentLocked):
            self._lock_editing()
            emit(self.locked, exc)
            return
        if isinstance(exc, ExpectedError):
            self._set_indicator(f"Not signed: {exc.message}", "error")
            self.indicator.setToolTip(exc.user_text())
        else:
            self._set_indicator("Not signed", "error")
            self._tasks.report(exc)


def _sections(text: NoteText) -> tuple[str, str, str, str]:
    return (text.subjective, text.objective, text.assessment, text.plan)

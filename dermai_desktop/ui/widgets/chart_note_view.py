"""A signed note, read-only and visibly locked, with its addenda (author and time) underneath."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.patients import Encounter, SoapNote
from dermai_desktop.services.dto import NoteText
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import (
    SECTIONS,
    NameBook,
    TaskDialog,
    chip,
    clear_layout,
    fmt_datetime,
    note_text,
)
from dermai_desktop.ui.widgets.forms import button, muted_label

MAX_ADDENDUM = 20_000


def _selectable(text: str, object_name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    return label


class SignedNoteView(QWidget):
    """Shows a signed note. Nothing here edits it; addenda are the only way to add.

    Signals:
        addendum_requested(): the "Add addendum…" button.
    """

    addendum_requested = Signal()

    def __init__(self, names: NameBook, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one widget's layout, read top to bottom
        super().__init__(parent)
        self._names = names
        self.note: SoapNote | None = None
        self.setObjectName("signedNoteView")
        self.setAccessibleName("Signed visit note")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)

        head = QHBoxLayout()
        head.setSpacing(10)
        self.title_label = QLabel("")
        self.title_label.setObjectName("noteTitle")
        head.addWidget(self.title_label)
        head.addWidget(chip("Signed", "signed", "Note state: signed and locked"))
        head.addStretch(1)
        self.addendum_button = button("Add addendum…", "Add an addendum to this note")
        self.addendum_button.setIcon(theme.icon("plus"))
        self.addendum_button.clicked.connect(lambda: emit(self.addendum_requested))
        head.addWidget(self.addendum_button)
        outer.addLayout(head)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("scrollBody")
        self.body_layout = QVBoxLayout(body)
        self.body_layout.setContentsMargins(0, 0, 8, 0)
        self.body_layout.setSpacing(12)

        self.paper = QFrame()
        self.paper.setObjectName("signedPaper")
        paper_layout = QVBoxLayout(self.paper)
        paper_layout.setContentsMargins(18, 12, 18, 16)
        paper_layout.setSpacing(6)
        lock_row = QHBoxLayout()
        lock_row.setSpacing(8)
        lock_icon = QLabel()
        lock_icon.setPixmap(theme.pixmap("lock", 16, theme.token("success")))
        lock_row.addWidget(lock_icon)
        self.lock_label = QLabel("")
        self.lock_label.setObjectName("lockLine")
        self.lock_label.setAccessibleName("Signature")
        lock_row.addWidget(self.lock_label, 1)
        paper_layout.addLayout(lock_row)
        self.sections_layout = QVBoxLayout()
        self.sections_layout.setSpacing(4)
        paper_layout.addLayout(self.sections_layout)
        self.diagnoses_layout = QVBoxLayout()
        self.diagnoses_layout.setSpacing(4)
        paper_layout.addLayout(self.diagnoses_layout)
        self.body_layout.addWidget(self.paper)

        self.addenda_title = QLabel("Addenda")
        self.addenda_title.setObjectName("soapLabel")
        self.body_layout.addWidget(self.addenda_title)
        self.addenda_layout = QVBoxLayout()
        self.addenda_layout.setSpacing(8)
        self.body_layout.addLayout(self.addenda_layout)
        self.body_layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.section_labels: dict[str, QLabel] = {}
        self.addendum_cards: list[QFrame] = []

    def show_note(
        self,
        encounter: Encounter | None,
        note: SoapNote,
        diagnoses: Sequence[tuple[str, str]] = (),
        *,
        can_amend: bool = True,
    ) -> None:
        self.note = note
        reason = encounter.reason if encounter and encounter.reason else "Visit"
        when = fmt_datetime(encounter.started_at) if encounter else fmt_datetime(note.created_at)
        self.title_label.setText(f"{reason} — {when}")
        signer = self._names.name(note.signed_by or note.author_id)
        signed = fmt_datetime(note.signed_at) if note.signed_at else "—"
        self.lock_label.setText(f"Signed by {signer} on {signed} · locked, read-only")
        self.addendum_button.setVisible(can_amend)

        clear_layout(self.sections_layout)
        self.section_labels = {}
        for key, label, _hint in SECTIONS:
            value = getattr(note, key).strip()
            head = QLabel(label)
            head.setObjectName("soapLabel")
            self.sections_layout.addWidget(head)
            body = _selectable(value or "—", "soapText")
            body.setAccessibleName(label)
            self.section_labels[key] = body
            self.sections_layout.addWidget(body)

        clear_layout(self.diagnoses_layout)
        if diagnoses:
            head = QLabel("Diagnoses")
            head.setObjectName("soapLabel")
            self.diagnoses_layout.addWidget(head)
            for code, title in diagnoses:
                row = QHBoxLayout()
                row.addWidget(chip(code, "code", f"ICD-10 {code}"))
                row.addWidget(QLabel(title), 1)
                self.diagnoses_layout.addLayout(row)

        clear_layout(self.addenda_layout)
        self.addendum_cards = []
        for addendum in note.addenda:
            frame = QFrame()
            frame.setObjectName("addendumCard")
            layout = QVBoxLayout(frame)
            layout.setContentsMargins(14, 10, 14, 12)
            layout.setSpacing(4)
            author = self._names.name(addendum.author_id)
            at = fmt_datetime(addendum.signed_at or addendum.created_at)
            meta = QLabel(f"Addendum by {author} · {at}")
            meta.setObjectName("addendumMeta")
            layout.addWidget(meta)
            layout.addWidget(_selectable(note_text(addendum), "soapText"))
            frame.setAccessibleName(f"Addendum by {author}, {at}")
            self.addendum_cards.append(frame)
            self.addenda_layout.addWidget(frame)
        self.addenda_title.setVisible(bool(note.addenda))


class AddendumDialog(TaskDialog):
    """Write an addendum to a signed note; it is signed as it is saved.

    Signals:
        succeeded(object): the addendum SoapNote.
    """

    def __init__(
        self,
        add: Callable[[NoteText], SoapNote],
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._add = add
        self._tasks = tasks
        self.setWindowTitle("Add addendum")
        self.setAccessibleName("Add addendum")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(10)
        layout.addWidget(
            muted_label(
                "The signed note stays as it is. Your addendum is shown under it with your "
                "name and the time, and is signed when you save it."
            )
        )
        self.text_edit = QPlainTextEdit()
        self.text_edit.setAccessibleName("Addendum text")
        self.text_edit.setPlaceholderText("e.g. Histology received: compound naevus, no atypia.")
        self.text_edit.setMinimumHeight(140)
        self.text_edit.setTabChangesFocus(True)
        layout.addWidget(self.text_edit)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Sign addendum", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAccessibleName("Sign addendum")
        self.ok_button.setProperty("role", "primary")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text_edit.setFocus()

    def submit(self) -> None:
        text = self.text_edit.toPlainText().strip()
        if not text:
            self.status.show_error("Write the addendum first.")
            return
        if len(text) > MAX_ADDENDUM:
            self.status.show_error(f"An addendum can have at most {MAX_ADDENDUM:,} characters.")
            return
        self.ok_button.setEnabled(False)
        add = self._add
        self._tasks.run(
            lambda: add(NoteText(subjective=text)),
            on_success=self._done,
            on_error=self._failed,
            owner=self,
        )

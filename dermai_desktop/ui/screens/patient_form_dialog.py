"""Register or edit a patient: inline errors per field, and a duplicate warning first.

The dialog checks what it can as the user types (a date of birth that does not
exist, a missing name); the service is the authority and its
``PatientValidationFailed.problems`` land under the fields they name. Before a
new patient is saved, ``PatientService.find_duplicates`` runs: a likely match
(same name and birth date, or same phone) shows a warning panel offering
"Open existing" - or "Register anyway" (twins share a phone).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import parse_birth_date
from dermai_desktop.domain.patients import FitzpatrickType, Patient, PatientDraft, Sex
from dermai_desktop.services.dto import PatientSummary
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label, set_invalid, title_label

SEXES = (
    (Sex.FEMALE, "Female"),
    (Sex.MALE, "Male"),
    (Sex.INTERSEX, "Intersex"),
    (Sex.UNKNOWN, "Unknown / not stated"),
)
FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "fitzpatrick",
    "flags",
)
DUPLICATE_CHECK_MS = 400


def _today() -> date:
    return date.today()


class PatientFormDialog(QDialog):
    """Register (``patient`` None) or edit demographics.

    Signals:
        saved(object): the Patient as saved.
        open_existing_requested(str): the user chose a likely duplicate instead.
    """

    saved = Signal(object)
    open_existing_requested = Signal(str)

    def __init__(  # noqa: PLR0915 - one linear form
        self,
        session: Session,
        tasks: TaskRunner,
        patient: Patient | None = None,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = _today,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._patient = patient
        self._today = today
        self._duplicates: list[PatientSummary] = []
        self._checked_key: tuple[object, ...] | None = None
        self._check_generation = 0
        self._override = False  # "Register anyway" pressed for the current duplicates
        title = "Edit patient details" if patient else "Register a new patient"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setObjectName("patientForm")
        self.setModal(True)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 22, 28, 20)
        outer.setSpacing(10)
        outer.addWidget(title_label(title, "dialogTitle"))
        intro = (
            "Changes are saved to the patient's record and noted in the audit trail."
            if patient
            else "Fields marked * are required. The medical record number is assigned on saving."
        )
        if patient:
            intro = f"{patient.mrn} · {intro}"
        outer.addWidget(muted_label(intro))

        self.given = line_edit("Given name", placeholder="e.g. Mary-Jane")
        self.family = line_edit("Family name", placeholder="e.g. O'Brien")
        self.dob = line_edit("Date of birth", placeholder="dd/mm/yyyy, 14.7.1961, 14 Jul 1961")
        self.dob_hint = QLabel("")
        self.dob_hint.setObjectName("hint")
        self.sex = QComboBox()
        self.sex.setAccessibleName("Sex")
        self.sex.setPlaceholderText("Choose…")
        for sex_value, sex_label in SEXES:
            self.sex.addItem(sex_label, sex_value)
        self.sex.setCurrentIndex(-1)
        self.phone = line_edit("Phone", placeholder="e.g. 07700 900123")
        self.email = line_edit("E-mail", placeholder="name@example.org")
        self.address = QPlainTextEdit()
        self.address.setAccessibleName("Address")
        self.address.setPlaceholderText("Street, town, postcode")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(64)
        self.fitzpatrick = QComboBox()
        self.fitzpatrick.setAccessibleName("Fitzpatrick skin type")
        self.fitzpatrick.addItem("Not recorded", None)
        for skin in FitzpatrickType:
            self.fitzpatrick.addItem(f"Type {skin.roman}", skin)
        self.flags = line_edit(
            "Flags", placeholder="comma separated, e.g. latex allergy, interpreter"
        )
        for edit in (self.given, self.family):
            edit.setMaxLength(200)
        self.dob.setMaxLength(40)
        self.phone.setMaxLength(40)
        self.email.setMaxLength(254)

        self.errors: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {
            "given_name": self.given,
            "family_name": self.family,
            "date_of_birth": self.dob,
            "sex": self.sex,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "fitzpatrick": self.fitzpatrick,
            "flags": self.flags,
        }
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        layout_rows = (
            (("given_name", "Given name *"), ("family_name", "Family name *")),
            (("date_of_birth", "Date of birth *"), ("sex", "Sex *")),
            (("phone", "Phone"), ("email", "E-mail")),
            (("fitzpatrick", "Fitzpatrick type"), ("flags", "Flags")),
            (("address", "Address"),),
        )
        row = 0
        for pairs in layout_rows:
            for col, (name, label_text) in enumerate(pairs):
                span = 2 if len(pairs) == 1 else 1
                caption = QLabel(label_text)
                caption.setObjectName("fieldLabel")
                caption.setBuddy(self._inputs[name])
                grid.addWidget(caption, row, col, 1, span)
                grid.addWidget(self._inputs[name], row + 1, col, 1, span)
                error = QLabel("")
                error.setObjectName("fieldError")
                error.setWordWrap(True)
                error.setAccessibleName(f"{label_text.rstrip(' *')} problem")
                error.hide()
                self.errors[name] = error
                below = QVBoxLayout()
                below.setSpacing(0)
                below.setContentsMargins(0, 2, 0, 8)
                if name == "date_of_birth":
                    below.addWidget(self.dob_hint)
                below.addWidget(error)
                grid.addLayout(below, row + 2, col, 1, span)
            row += 3
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)

        self.duplicate_panel = self._build_duplicate_panel()
        outer.addWidget(self.duplicate_panel)
        self.status = InlineStatus()
        outer.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Cancel")
        self.save_button = button("Save changes" if patient else "Register patient", role="primary")
        self.save_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        self._dup_timer = QTimer(self)
        self._dup_timer.setSingleShot(True)
        self._dup_timer.setInterval(DUPLICATE_CHECK_MS)
        self._dup_timer.timeout.connect(self.check_duplicates)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.submit)
        self.dob.textChanged.connect(self._update_dob_hint)
        for edit in (self.given, self.family, self.dob, self.phone):
            edit.textEdited.connect(self._fields_edited)
        for name, widget in self._inputs.items():
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _t, n=name: self._clear_error(n))
        self.sex.currentIndexChanged.connect(lambda _i: self._clear_error("sex"))
        if patient is not None:
            self._fill(patient)
        self.resize(640, 0)
        self.given.setFocus()

    # --- building ------------------------------------------------------------------------

    def _build_duplicate_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("duplicatePanel")
        panel.setAccessibleName("Possible duplicate patient")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        self.duplicate_title = QLabel("")
        self.duplicate_title.setObjectName("duplicateTitle")
        self.duplicate_title.setWordWrap(True)
        layout.addWidget(self.duplicate_title)
        self.duplicate_rows = QVBoxLayout()
        self.duplicate_rows.setSpacing(4)
        layout.addLayout(self.duplicate_rows)
        self.register_anyway_button = button(
            "Register anyway", "Register as a new patient anyway", role="link"
        )
        self.register_anyway_button.clicked.connect(self._register_anyway)
        self.register_anyway_button.setVisible(self._patient is None)
        row = QHBoxLayout()
        row.addWidget(muted_label("Twins and family members can share a phone number.", wrap=True))
        row.addStretch(1)
        row.addWidget(self.register_anyway_button)
        layout.addLayout(row)
        panel.hide()
        return panel

    def _fill(self, patient: Patient) -> None:
        self.given.setText(patient.given_name)
        self.family.setText(patient.family_name)
        self.dob.setText(patient.date_of_birth.strftime("%d/%m/%Y"))
        self.sex.setCurrentIndex(self.sex.findData(patient.sex))
        self.phone.setText(patient.phone)
        self.email.setText(patient.email)
        self.address.setPlainText(patient.address)
        index = self.fitzpatrick.findData(patient.fitzpatrick) if patient.fitzpatrick else 0
        self.fitzpatrick.setCurrentIndex(max(0, index))
        self.flags.setText(", ".join(patient.flags))

    # --- reading the form ------------------------------------------------------------------

    def birth_date(self) -> date | None:
        return parse_birth_date(self.dob.text(), self._today())

    def _update_dob_hint(self, text: str) -> None:
        value = self.birth_date()
        if not text.strip():
            self.dob_hint.setText("")
        elif value is None:
            self.dob_hint.setText("Type the date as day/month/year, e.g. 14/07/1961.")
        else:
            today = self._today()
            age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
            shown = f"{value.day} {value.strftime('%B %Y')}"
            self.dob_hint.setText(shown + (f" · {age} years old" if 0 <= age < 130 else ""))

    def local_problems(self) -> dict[str, str]:
        """What can be said without asking the service (names present, a real date, a sex)."""
        problems: dict[str, str] = {}
        if not self.given.text().strip():
            problems["given_name"] = "The given name is required."
        if not self.family.text().strip():
            problems["family_name"] = "The family name is required."
        if not self.dob.text().strip():
            problems["date_of_birth"] = "The date of birth is required."
        elif self.birth_date() is None:
            problems["date_of_birth"] = (
                "That is not a date we can read, or the day does not exist. "
                "Type it as day/month/year, e.g. 14/07/1961."
            )
        if self.sex.currentIndex() < 0:
            problems["sex"] = "Choose a sex (or unknown)."
        return problems

    def draft(self) -> PatientDraft | None:
        value = self.birth_date()
        if value is None or self.sex.currentIndex() < 0:
            return None
        flags = tuple(f.strip() for f in self.flags.text().split(",") if f.strip())
        return PatientDraft(
            given_name=self.given.text(),
            family_name=self.family.text(),
            date_of_birth=value,
            sex=self.sex.currentData(),
            phone=self.phone.text(),
            email=self.email.text(),
            address=self.address.toPlainText(),
            fitzpatrick=self.fitzpatrick.currentData(),
            flags=flags,
        )

    def _duplicate_key(self) -> tuple[object, ...]:
        return (
            self.given.text().strip().casefold(),
            self.family.text().strip().casefold(),
            self.birth_date(),
            "".join(ch for ch in self.phone.text() if ch.isdigit()),
        )

    # --- errors ----------------------------------------------------------------------------

    def show_problems(self, problems: dict[str, str]) -> None:
        for name in FIELDS:
            self._set_error(name, problems.get(name, ""))
        first = next((n for n in FIELDS if n in problems), None)
        if first is not None:
            self._inputs[first].setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_error(self, name: str, message: str) -> None:
        label = self.errors[name]
        label.setText(message)
        label.setVisible(bool(message))
        widget = self._inputs[name]
        set_invalid(widget, bool(message))
        widget.setAccessibleDescription(message)

    def _clear_error(self, name: str) -> None:
        if self.errors[name].isVisible():
            self._set_error(name, "")

    # --- duplicates -------------------------------------------------------------------------

    def _fields_edited(self) -> None:
        self._override = False
        self._dup_timer.start()

    def check_duplicates(self, then: Callable[[], None] | None = None) -> None:
        """Ask the service who this might already be; ``then`` runs when none are found."""
        born = self.birth_date()
        named = bool(self.given.text().strip() and self.family.text().strip() and born)
        if not named and not self.phone.text().strip():
            if then is not None:
                then()
            return
        # Without a full name and birth date only the phone can match.
        draft = PatientDraft(
            self.given.text() if named else "",
            self.family.text() if named else "",
            born or date(1900, 1, 1),
            Sex.UNKNOWN,
            phone=self.phone.text(),
        )
        key = self._duplicate_key()
        self._check_generation += 1
        generation = self._check_generation
        services, actor = self._session.services, self._session.actor
        exclude = self._patient.id if self._patient else None
        request = draft

        def done(found: object) -> None:
            if generation != self._check_generation:
                return  # the fields changed again; a newer check is on its way
            self._checked_key = key
            self.show_duplicates(list(found) if isinstance(found, list) else [])
            if then is not None:
                then()

        self._tasks.run(
            lambda: services.patients.find_duplicates(actor, request, exclude),
            on_success=done,
            on_error=lambda exc: then() if then is not None else None,
            owner=self,
        )

    def show_duplicates(self, found: list[PatientSummary]) -> None:
        self._duplicates = found
        while self.duplicate_rows.count():
            item = self.duplicate_rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not found:
            self.duplicate_panel.hide()
            return
        many = len(found) > 1
        self.duplicate_title.setText(
            f"{len(found)} registered patients look like this person."
            if many
            else "This looks like a patient who is already registered."
        )
        for summary in found[:5]:
            self.duplicate_rows.addWidget(self._duplicate_row(summary))
        self.duplicate_panel.show()
        self.duplicate_panel.setAccessibleDescription(self.duplicate_title.text())

    def _duplicate_row(self, summary: PatientSummary) -> QWidget:
        row = QFrame()
        row.setObjectName("duplicateRow")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        text = (
            f"<b>{_escape(summary.display_name)}</b> · born "
            f"{summary.date_of_birth.strftime('%d %b %Y')} · {_escape(summary.mrn)}"
            + (f" · {_escape(summary.phone)}" if summary.phone else "")
        )
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(label, 1)
        open_button: QPushButton = button("Open existing", f"Open existing {summary.display_name}")
        open_button.setObjectName("openExisting")
        open_button.clicked.connect(lambda: self._open_existing(summary.id))
        layout.addWidget(open_button)
        return row

    def _open_existing(self, patient_id: PatientId) -> None:
        emit(self.open_existing_requested, str(patient_id))
        self.reject()

    def _register_anyway(self) -> None:
        self._override = True
        self.duplicate_panel.hide()
        self.submit()

    @property
    def duplicates(self) -> list[PatientSummary]:
        return list(self._duplicates)

    # --- saving -------------------------------------------------------------------------------

    def submit(self) -> None:
        problems = self.local_problems()
        self.show_problems(problems)
        if problems:
            self.status.show_error("Please correct the highlighted fields.")
            return
        self.status.clear_message()
        if self._patient is None and not self._override:
            if self._checked_key != self._duplicate_key():
                self.save_button.setEnabled(False)
                self.status.show_info("Checking for patients already registered…")
                self.check_duplicates(then=self._after_check)
                return
            if self._duplicates:
                self.status.show_error(
                    "Open the existing record, or choose Register anyway if this is a "
                    "different person."
                )
                self.duplicate_panel.setFocus()
                return
        self._save()

    def _after_check(self) -> None:
        self.save_button.setEnabled(True)
        self.status.clear_message()
        if self._duplicates:
            self.status.show_error(
                "Open the existing record, or choose Register anyway if this is a different person."
            )
            return
        self._save()

    def _save(self) -> None:
        draft = self.draft()
        if draft is None:  # pragma: no cover - local_problems caught it
            return
        services, actor = self._session.services, self._session.actor
        patient = self._patient
        if patient is None:
            fn: Callable[[], object] = lambda: services.patients.register(actor, draft)  # noqa: E731
        else:
            fn = lambda: services.patients.update(actor, patient.id, draft, patient.version)  # noqa: E731
        self.save_button.setEnabled(False)
        self.status.show_info("Saving…")
        self._tasks.run(fn, on_success=self._saved, on_error=self._failed, owner=self)

    def _saved(self, patient: object) -> None:
        emit(self.saved, patient)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        problems = getattr(exc, "problems", None)
        if isinstance(problems, dict) and problems:
            self.show_problems({str(k): str(v) for k, v in problems.items()})
            self.status.show_error("Please correct the highlighted fields.")
        elif isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

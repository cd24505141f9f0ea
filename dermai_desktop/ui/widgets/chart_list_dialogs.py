"""Add/edit dialogs for problems, allergies and medications, and the kept-history view."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.chart_lists import (
    MAX_LABEL,
    Allergy,
    AllergyDraft,
    AllergySeverity,
    AllergyStatus,
    ChartListValidationFailed,
    Medication,
    MedicationDraft,
    MedicationStatus,
    Problem,
    ProblemDraft,
    ProblemStatus,
    Revision,
)
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import NameBook, TaskDialog, fmt_date, fmt_datetime
from dermai_desktop.ui.widgets.forms import set_invalid

_DATE_FORMATS = (
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)
DATE_HINT = "dd/mm/yyyy"


class DateTextError(ValueError):
    pass


def parse_date(text: str) -> date | None:
    """``14/07/2024``, ``14.7.2024``, ``2024-07-14`` or empty; impossible dates refused."""
    text = text.strip()
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise DateTextError("That date does not exist; check the day and month.") from None
    raise DateTextError(f"Type the date as {DATE_HINT}, e.g. 14/07/2024.")


def date_text(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class _ListDialog(TaskDialog):
    """Common shape: a form, an inline status, Save/Cancel; runs ``save(draft)`` off-thread.

    Signals:
        succeeded(object): the stored row.
    """

    def __init__(self, title: str, tasks: TaskRunner, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._save: Callable[[Any], Any] | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(480)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(22, 18, 22, 18)
        self.layout_.setSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("dialogTitle")
        self.layout_.addWidget(heading)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(10)
        self.layout_.addLayout(self.form)
        self.status = InlineStatus()
        self.layout_.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setProperty("role", "primary")
        self.ok_button.setAccessibleName("Save")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.layout_.addWidget(buttons)
        self.fields: dict[str, QWidget] = {}

    def _line(self, name: str, label: str, value: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value)
        edit.setAccessibleName(label)
        edit.setMaxLength(MAX_LABEL if name not in {"reaction"} else 2000)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        self.form.addRow(label, edit)
        self.fields[name] = edit
        return edit

    def _combo(
        self, name: str, label: str, items: Sequence[tuple[str, object]], current: object
    ) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(label)
        for text, data in items:
            combo.addItem(text, data)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        self.form.addRow(label, combo)
        self.fields[name] = combo
        return combo

    def _date(self, name: str, edit: QLineEdit, problems: dict[str, str]) -> date | None:
        try:
            return parse_date(edit.text())
        except DateTextError as exc:
            problems[name] = str(exc)
            return None

    def build_draft(self, problems: dict[str, str]) -> Any:
        raise NotImplementedError

    def set_saver(self, save: Callable[[Any], Any]) -> None:
        self._save = save

    def submit(self) -> None:
        for widget in self.fields.values():
            set_invalid(widget, False)
        problems: dict[str, str] = {}
        draft = self.build_draft(problems)
        if problems:
            self._show_problems(problems)
            return
        save = self._save
        assert save is not None
        self.ok_button.setEnabled(False)
        self._tasks.run(
            lambda: save(draft), on_success=self._done, on_error=self._failed, owner=self
        )

    def _show_problems(self, problems: dict[str, str]) -> None:
        for name in problems:
            widget = self.fields.get(name)
            if widget is not None:
                set_invalid(widget, True)
        first = next(iter(problems))
        if first in self.fields:
            self.fields[first].setFocus()
        self.status.show_error(" ".join(problems.values()))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ChartListValidationFailed):
            self.ok_button.setEnabled(True)
            self._show_problems(exc.problems)
        else:
            super()._failed(exc)


class ProblemDialog(_ListDialog):
    def __init__(
        self, tasks: TaskRunner, problem: Problem | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("Edit problem" if problem else "Add problem", tasks, parent)
        self.label_edit = self._line(
            "label", "Problem", problem.label if problem else "", "e.g. Chronic plaque psoriasis"
        )
        self.code_edit = self._line(
            "code", "ICD-10 code", (problem.code or "") if problem else "", "optional, e.g. L40.0"
        )
        self.onset_edit = self._line(
            "onset",
            "Onset",
            date_text(problem.onset if problem else None),
            f"optional, {DATE_HINT}",
        )
        self._status = problem.status if problem else ProblemStatus.ACTIVE
        self._resolved_on = problem.resolved_on if problem else None
        self.label_edit.setFocus()

    def build_draft(self, problems: dict[str, str]) -> ProblemDraft:
        if not self.label_edit.text().strip():
            problems["label"] = "Describe the problem."
        onset = self._date("onset", self.onset_edit, problems)
        return ProblemDraft(
            self.label_edit.text(),
            self.code_edit.text() or None,
            onset,
            self._status,
            self._resolved_on,
        )


SEVERITIES = [
    (s.label, s)
    for s in (
        AllergySeverity.LIFE_THREATENING,
        AllergySeverity.SEVERE,
        AllergySeverity.MODERATE,
        AllergySeverity.MILD,
        AllergySeverity.UNKNOWN,
    )
]


class AllergyDialog(_ListDialog):
    def __init__(
        self, tasks: TaskRunner, allergy: Allergy | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("Edit allergy" if allergy else "Add allergy", tasks, parent)
        self.substance_edit = self._line(
            "substance",
            "Substance",
            allergy.substance if allergy else "",
            "e.g. Penicillin, latex, chlorhexidine",
        )
        self.reaction_edit = self._line(
            "reaction",
            "Reaction",
            allergy.reaction if allergy else "",
            "e.g. Urticaria, anaphylaxis",
        )
        self.severity_combo = self._combo(
            "severity",
            "Severity",
            SEVERITIES,
            allergy.severity if allergy else AllergySeverity.UNKNOWN,
        )
        self._allergy = allergy
        self.substance_edit.setFocus()

    def build_draft(self, problems: dict[str, str]) -> AllergyDraft:
        if not self.substance_edit.text().strip():
            problems["substance"] = "Name the substance."
        status = self._allergy.status if self._allergy else AllergyStatus.ACTIVE
        return AllergyDraft(
            self.substance_edit.text(),
            self.reaction_edit.text(),
            AllergySeverity(self.severity_combo.currentData()),
            status,
        )


class MedicationDialog(_ListDialog):
    def __init__(
        self, tasks: TaskRunner, medication: Medication | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("Edit medication" if medication else "Add medication", tasks, parent)
        m = medication
        self.name_edit = self._line("name", "Medication", m.name if m else "", "e.g. Methotrexate")
        self.dose_edit = self._line("dose", "Dose", m.dose if m else "", "e.g. 15 mg")
        self.route_edit = self._line("route", "Route", m.route if m else "", "e.g. oral, topical")
        self.frequency_edit = self._line(
            "frequency", "Frequency", m.frequency if m else "", "e.g. once weekly"
        )
        self.start_edit = self._line(
            "start", "Start", date_text(m.start if m else None), f"optional, {DATE_HINT}"
        )
        self.stop_edit = self._line(
            "stop", "Stop", date_text(m.stop if m else None), f"optional, {DATE_HINT}"
        )
        self._status = m.status if m else MedicationStatus.ACTIVE
        self.name_edit.setFocus()

    def build_draft(self, problems: dict[str, str]) -> MedicationDraft:
        if not self.name_edit.text().strip():
            problems["name"] = "Name the medication."
        start = self._date("start", self.start_edit, problems)
        stop = self._date("stop", self.stop_edit, problems)
        return MedicationDraft(
            self.name_edit.text(),
            self.dose_edit.text(),
            self.route_edit.text(),
            self.frequency_edit.text(),
            start,
            stop,
            self._status,
        )


class HistoryDialog(QDialog):
    """Every kept version of one row, newest first, with who and when."""

    def __init__(
        self,
        title: str,
        names: NameBook,
        describe: Callable[[Any], str],
        revisions: Sequence[Revision[Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(720, 380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        heading = QLabel(title)
        heading.setObjectName("dialogTitle")
        layout.addWidget(heading)
        self.table = QTableWidget(len(revisions), 4)
        self.table.setAccessibleName("History")
        self.table.setHorizontalHeaderLabels(["When", "Who", "Change", "What it said"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for row, revision in enumerate(reversed(list(revisions))):
            values = (
                fmt_datetime(revision.recorded_at),
                names.name(revision.recorded_by),
                revision.action.value.capitalize(),
                describe(revision.item),
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def describe_problem(p: Problem) -> str:
    parts = [p.label + (f" ({p.code})" if p.code else "")]
    if p.onset:
        parts.append(f"onset {fmt_date(p.onset)}")
    parts.append(p.status.value)
    if p.resolved_on:
        parts.append(f"resolved {fmt_date(p.resolved_on)}")
    return " · ".join(parts)


def describe_allergy(a: Allergy) -> str:
    return " · ".join(x for x in (a.substance, a.reaction, a.severity.label, a.status.value) if x)


def describe_medication(m: Medication) -> str:
    parts = [m.name, m.dose, m.route, m.frequency]
    if m.start:
        parts.append(f"from {fmt_date(m.start)}")
    if m.stop:
        parts.append(f"until {fmt_date(m.stop)}")
    parts.append(m.status.value)
    return " · ".join(x for x in parts if x)

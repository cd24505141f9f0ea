"""Problems, allergies and medications panels: a table each, add / edit / resolve / history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.chart_lists import (
    Allergy,
    AllergySeverity,
    Medication,
    MedicationStatus,
    Problem,
)
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import NameBook, fmt_date
from dermai_desktop.ui.widgets.chart_list_dialogs import (
    AllergyDialog,
    HistoryDialog,
    MedicationDialog,
    ProblemDialog,
    describe_allergy,
    describe_medication,
    describe_problem,
)
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button


@dataclass(frozen=True)
class ListSpec:
    """What differs between the three lists."""

    kind: str  # "problem" | "allergy" | "medication"
    title: str  # plural, for the tab
    noun: str
    columns: tuple[str, ...]
    cells: Callable[[Any], tuple[str, ...]]
    is_open: Callable[[Any], bool]  # active / current
    resolve_label: str
    reopen_label: str
    empty_text: str
    describe: Callable[[Any], str]


def _problem_cells(p: Problem) -> tuple[str, ...]:
    return (
        p.label,
        p.code or "",
        fmt_date(p.onset) if p.onset else "",
        p.status.value.capitalize() + (f" {fmt_date(p.resolved_on)}" if p.resolved_on else ""),
    )


def _allergy_cells(a: Allergy) -> tuple[str, ...]:
    return (a.substance, a.reaction, a.severity.label, a.status.value.capitalize())


def _medication_cells(m: Medication) -> tuple[str, ...]:
    return (
        m.name,
        m.dose,
        " ".join(x for x in (m.route, m.frequency) if x),
        fmt_date(m.start) if m.start else "",
        fmt_date(m.stop) if m.stop else "",
        m.status.value.capitalize(),
    )


PROBLEMS = ListSpec(
    "problem",
    "Problems",
    "problem",
    ("Problem", "ICD-10", "Onset", "Status"),
    _problem_cells,
    lambda p: p.is_active,
    "Resolve",
    "Reactivate",
    "No problems recorded. Add the patient's diagnoses with “Add problem…”.",
    describe_problem,
)
ALLERGIES = ListSpec(
    "allergy",
    "Allergies",
    "allergy",
    ("Substance", "Reaction", "Severity", "Status"),
    _allergy_cells,
    lambda a: a.is_active,
    "Resolve",
    "Reactivate",
    "No allergies recorded. If the patient has none, that is worth confirming at each visit.",
    describe_allergy,
)
MEDICATIONS = ListSpec(
    "medication",
    "Medications",
    "medication",
    ("Medication", "Dose", "Route / frequency", "Start", "Stop", "Status"),
    _medication_cells,
    lambda m: m.status is MedicationStatus.ACTIVE,
    "Stop",
    "Restart",
    "No medications recorded. Add what the patient takes with “Add medication…”.",
    describe_medication,
)


class ListPanel(QWidget):
    """One chart list. Calls ``services.chart_lists`` for every change.

    Signals:
        changed(object): a row was added or changed (the new row).
    """

    changed = Signal(object)

    def __init__(  # noqa: PLR0915 - one widget's layout, read top to bottom
        self,
        spec: ListSpec,
        session: Session,
        tasks: TaskRunner,
        names: NameBook,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self._session = session
        self._tasks = tasks
        self._names = names
        self.patient_id: PatientId | None = None
        self.rows: list[Any] = []
        self.loaded = False  # True once the service's rows have been shown
        self.dialog: QDialog | None = None
        self.setAccessibleName(spec.title)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.add_button = button(f"Add {spec.noun}…", f"Add {spec.noun}", role="primary")
        self.add_button.setIcon(theme.icon("plus", "#ffffff"))
        self.edit_button = button("Edit…", f"Edit the selected {spec.noun}")
        self.resolve_button = button(
            spec.resolve_label, f"{spec.resolve_label} the selected {spec.noun}"
        )
        self.history_button = button("History…", f"History of the selected {spec.noun}")
        for widget in (self.add_button, self.edit_button, self.resolve_button, self.history_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.status = InlineStatus()
        layout.addWidget(self.status)

        self.stack = QStackedWidget()
        self.table = QTableWidget(0, len(spec.columns))
        self.table.setObjectName("chartListTable")
        self.table.setAccessibleName(spec.title)
        self.table.setHorizontalHeaderLabels(list(spec.columns))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.empty = EmptyState("chart", f"No {spec.title.lower()}", spec.empty_text)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.resolve_button.clicked.connect(self.toggle_resolved)
        self.history_button.clicked.connect(self.open_history)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.open_edit())
        self._update_buttons()

    @property
    def _service(self) -> Any:
        return self._session.services.chart_lists

    def set_rows(self, patient_id: PatientId, rows: Sequence[Any]) -> None:
        self.patient_id = patient_id
        self.loaded = True
        selected = self.selected()
        self.rows = list(rows)
        muted = QBrush(QColor(theme.token("muted")))
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            is_open = self.spec.is_open(row)
            for c, value in enumerate(self.spec.cells(row)):
                item = QTableWidgetItem(value)
                if not is_open:
                    item.setForeground(muted)
                if (
                    self.spec.kind == "allergy"
                    and c == 2
                    and is_open
                    and row.severity in (AllergySeverity.SEVERE, AllergySeverity.LIFE_THREATENING)
                ):
                    item.setForeground(QBrush(QColor(theme.token("error"))))
                self.table.setItem(r, c, item)
        self.stack.setCurrentWidget(self.table if self.rows else self.empty)
        if selected is not None:
            self.select_id(selected.id)
        self._update_buttons()

    def select_id(self, row_id: str) -> None:
        for r, row in enumerate(self.rows):
            if row.id == row_id:
                self.table.selectRow(r)
                return

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def _update_buttons(self) -> None:
        row = self.selected()
        for widget in (self.edit_button, self.resolve_button, self.history_button):
            widget.setEnabled(row is not None)
        label = (
            self.spec.resolve_label
            if row is None or self.spec.is_open(row)
            else self.spec.reopen_label
        )
        self.resolve_button.setText(label)

    # --- actions ----------------------------------------------------------------------

    def _dialog_class(self) -> Any:
        return {"problem": ProblemDialog, "allergy": AllergyDialog, "medication": MedicationDialog}[
            self.spec.kind
        ]

    def open_add(self) -> None:
        if self.patient_id is None:
            return
        actor, service, patient_id, kind = (
            self._session.actor,
            self._service,
            self.patient_id,
            self.spec.kind,
        )
        dialog = self._dialog_class()(self._tasks, None, self)
        add = getattr(service, f"add_{kind}")
        dialog.set_saver(lambda draft: add(actor, patient_id, draft))
        self._open(dialog, f"{self.spec.noun.capitalize()} added.")

    def open_edit(self) -> None:
        row = self.selected()
        if row is None:
            return
        actor, service, kind = self._session.actor, self._service, self.spec.kind
        dialog = self._dialog_class()(self._tasks, row, self)
        edit = getattr(service, f"edit_{kind}")
        dialog.set_saver(lambda draft: edit(actor, row.id, draft, row.version))
        self._open(dialog, f"{self.spec.noun.capitalize()} updated. The previous version is kept.")

    def _open(self, dialog: QDialog, message: str) -> None:
        self.status.clear_message()
        dialog.succeeded.connect(lambda row: self._changed(row, message))  # type: ignore[attr-defined]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def toggle_resolved(self) -> None:
        row = self.selected()
        if row is None:
            return
        kind, actor, service = self.spec.kind, self._session.actor, self._service
        closing = self.spec.is_open(row)
        verb = self.spec.resolve_label if closing else self.spec.reopen_label
        if kind == "medication":
            method = getattr(service, "stop_medication" if closing else "restart_medication")
        else:
            method = getattr(service, f"{'resolve' if closing else 'reactivate'}_{kind}")
        what = self.spec.describe(row).split(" · ")[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"{verb} {self.spec.noun}",
            f"{verb} “{what}”?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText("The current version is kept in the history.")
        confirm = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
        confirm.setAccessibleName(verb)
        box.setAccessibleName(f"Confirm {verb.lower()}")

        def run() -> None:
            self._tasks.run(
                lambda: method(actor, row.id, row.version),
                on_success=lambda r: self._changed(r, f"“{what}”: {verb.lower()} done."),
                on_error=self._refused,
                owner=self,
            )

        box.accepted.connect(run)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def open_history(self) -> None:
        row = self.selected()
        if row is None:
            return
        actor, service, kind = self._session.actor, self._service, self.spec.kind
        history = getattr(service, f"{kind}_history")
        title = f"History — {self.spec.describe(row).split(' · ')[0]}"

        def show(revisions: Sequence[Any]) -> None:
            dialog = HistoryDialog(title, self._names, self.spec.describe, revisions, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog = dialog
            dialog.open()

        self._tasks.run(
            lambda: history(actor, row.id), on_success=show, on_error=self._refused, owner=self
        )

    def _changed(self, row: Any, message: str) -> None:
        self.status.show_success(message)
        emit(self.changed, row)

    def _refused(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)


__all__ = ["ALLERGIES", "MEDICATIONS", "PROBLEMS", "ListPanel", "ListSpec"]

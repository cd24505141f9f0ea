"""The chart driven as a dermatologist would: open, template, type, autosave, sign, amend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.patients import Patient
from dermai_desktop.services.startup import ClinicGate, UnlockedClinic
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import SUBTITLE_ROLE
from dermai_desktop.ui.widgets.chart_icd_picker import DiagnosisPicker
from dermai_desktop.ui.widgets.chart_list_dialogs import (
    AllergyDialog,
    HistoryDialog,
    MedicationDialog,
    ProblemDialog,
)
from dermai_desktop.ui.widgets.chart_note_view import AddendumDialog
from dermai_desktop.ui.widgets.chart_visits import NewVisitDialog
from tests.ui.chart_support import WAIT_MS, open_chart, register_patient, session_for

LEFT = Qt.MouseButton.LeftButton


@dataclass
class Clinic:
    clinic: UnlockedClinic
    derm: Session
    patient: Patient


@pytest.fixture
def clinic(gate: ClinicGate) -> Iterator[Clinic]:
    unlocked = gate.unlock()
    return Clinic(unlocked, session_for(unlocked, "derm"), register_patient(unlocked))


def _start_visit(qtbot: QtBot, screen: ChartScreen, reason: str = "Full skin examination") -> None:
    screen.show_tab("visits")
    qtbot.mouseClick(screen.visits.new_visit_button, LEFT)
    dialog = screen.visits.dialog
    assert isinstance(dialog, NewVisitDialog)
    dialog.reason_combo.setEditText("")
    qtbot.keyClicks(dialog.reason_combo.lineEdit(), reason)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: screen.visits.list.count() >= 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: screen.visits.stack.currentWidget() is screen.visits.editor)


def test_banner_shows_who_the_patient_is(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    banner = screen.banner
    assert banner.name_label.text() == "WHITCOMBE, Eleanor"
    facts = banner.facts_label.text()
    assert "Female" in facts
    assert clinic.patient.mrn in facts
    assert "Fitzpatrick II" in facts
    assert " y" in facts.split("·")[0]
    assert screen.windowTitle() == "WHITCOMBE, Eleanor"
    assert screen.stack.currentWidget() is screen.tabs


def test_write_autosave_sign_then_locked_and_amend(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dermai_desktop.ui.widgets.chart_note_editor.AUTOSAVE_MS", 50)
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    _start_visit(qtbot, screen)
    editor = screen.visits.editor
    editor._timer.setInterval(50)
    qtbot.keyClicks(editor.sections["subjective"], "New mole on the left shoulder, itchy.")
    assert editor.indicator.text() in {"Unsaved changes", "Saving…"}
    qtbot.waitUntil(lambda: editor.indicator.text().startswith("Draft saved"), timeout=WAIT_MS)
    assert editor.note_id is not None
    qtbot.keyClicks(editor.sections["assessment"], "Dysplastic naevus, excise.")
    editor.save_now()  # what Ctrl+S and focus-out do
    qtbot.waitUntil(lambda: not editor.saving and not editor.dirty, timeout=WAIT_MS)
    stored = clinic.clinic.services.charts.open_chart(clinic.derm.actor, clinic.patient.id)
    assert stored.notes[0].assessment == "Dysplastic naevus, excise."

    qtbot.mouseClick(editor.sign_button, LEFT)
    box = editor.dialog
    assert isinstance(box, QMessageBox)
    assert "locked" in box.informativeText()
    box.accept()
    view = screen.visits.signed_view
    qtbot.waitUntil(lambda: screen.visits.stack.currentWidget() is view, timeout=WAIT_MS)
    assert "Signed by Dr Ada Okafor" in view.lock_label.text()
    assert "locked" in view.lock_label.text()
    assert view.section_labels["assessment"].text() == "Dysplastic naevus, excise."
    # Trying to type into the signed note changes nothing: it is text, not an editor.
    view.section_labels["assessment"].setFocus()
    qtbot.keyClicks(view.section_labels["assessment"], "tampered")
    assert view.section_labels["assessment"].text() == "Dysplastic naevus, excise."
    assert "Signed" in screen.visits.list.item(0).data(SUBTITLE_ROLE)

    qtbot.mouseClick(view.addendum_button, LEFT)
    dialog = screen.visits.dialog
    assert isinstance(dialog, AddendumDialog)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert "Write the addendum" in dialog.status.text()
    qtbot.keyClicks(dialog.text_edit, "Histology: compound naevus, no atypia.")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: len(view.addendum_cards) == 1, timeout=WAIT_MS)
    meta = view.addendum_cards[0].findChild(type(view.lock_label), "addendumMeta")
    assert meta is not None
    assert meta.text().startswith("Addendum by Dr Ada Okafor · ")
    assert "1 addendum" in screen.visits.list.item(0).data(SUBTITLE_ROLE)


def test_service_refuses_saving_a_note_signed_elsewhere(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    _start_visit(qtbot, screen, "Acne follow-up")
    editor = screen.visits.editor
    qtbot.keyClicks(editor.sections["subjective"], "Better on lymecycline.")
    editor.save_now()
    qtbot.waitUntil(lambda: editor.note_id is not None and not editor.saving, timeout=WAIT_MS)
    # The same dermatologist signs it on another workstation.
    clinic.clinic.services.charts.sign_note(clinic.derm.actor, editor.note_id)
    qtbot.keyClicks(editor.sections["plan"], "Stop in 4 weeks.")
    editor.save_now()
    qtbot.waitUntil(editor.sections["plan"].isReadOnly, timeout=WAIT_MS)
    assert "locked" in editor.indicator.text()
    assert not editor.sign_button.isEnabled()


def test_empty_note_is_not_signed(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    _start_visit(qtbot, screen)
    editor = screen.visits.editor
    qtbot.mouseClick(editor.sign_button, LEFT)
    assert editor.dialog is None
    assert "Write the note" in editor.indicator.text()


def test_front_desk_is_refused_clinical_tabs(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    front_desk = session_for(clinic.clinic, "frontdesk")
    screen = open_chart(qtbot, front_desk, tasks, clinic.patient.id)
    assert screen.stack.currentWidget() is screen.refusal
    assert "not available to your role" in screen.refusal.title_label.text()
    assert screen.refusal.text_label.text()
    assert screen.banner.name_label.text() == "WHITCOMBE, Eleanor"  # demographics they may see
    assert screen.banner.allergy_badge.isHidden()


def test_unknown_patient_says_so(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, "0190a0a0-0000-7000-8000-000000000000")
    assert screen.stack.currentWidget() is screen.refusal
    assert "does not exist" in screen.refusal.text_label.text()


def test_add_allergy_turns_the_badge_red(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    assert screen.banner.allergy_kind == "none"
    assert screen.banner.allergy_badge.text() == "No known allergies"
    screen.show_tab("allergies")
    panel = screen.allergies
    qtbot.waitUntil(lambda: panel.loaded, timeout=WAIT_MS)
    assert panel.stack.currentWidget() is panel.empty
    qtbot.mouseClick(panel.add_button, LEFT)
    dialog = panel.dialog
    assert isinstance(dialog, AllergyDialog)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.substance_edit.property("invalid") == "true"  # nothing typed: marked
    qtbot.keyClicks(dialog.substance_edit, "Penicillin")
    qtbot.keyClicks(dialog.reaction_edit, "Anaphylaxis")
    dialog.severity_combo.setCurrentIndex(dialog.severity_combo.findText("Life-threatening"))
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: screen.banner.allergy_kind == "alert", timeout=WAIT_MS)
    assert "Penicillin" in screen.banner.allergy_badge.text()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=WAIT_MS)
    assert panel.table.item(0, 2).text() == "Life-threatening"
    assert screen.summary.count("allergies") == 1

    # Resolving it (confirmed) clears the badge; the history keeps both versions.
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.resolve_button, LEFT)
    box = panel.dialog
    assert isinstance(box, QMessageBox)
    box.accept()
    qtbot.waitUntil(lambda: screen.banner.allergy_kind == "none", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.table.item(0, 3).text() == "Resolved", timeout=WAIT_MS)
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.history_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(panel.dialog, HistoryDialog), timeout=WAIT_MS)
    history = panel.dialog
    assert isinstance(history, HistoryDialog)
    assert history.table.rowCount() == 2
    assert history.table.item(0, 2).text() == "Resolved"
    assert history.table.item(1, 1).text() == "Dr Ada Okafor"


def test_problem_edit_keeps_history_and_bad_dates_are_explained(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    screen.show_tab("problems")
    panel = screen.problems
    qtbot.waitUntil(lambda: panel.loaded, timeout=WAIT_MS)
    qtbot.mouseClick(panel.add_button, LEFT)
    dialog = panel.dialog
    assert isinstance(dialog, ProblemDialog)
    qtbot.keyClicks(dialog.label_edit, "Chronic plaque psoriasis")
    qtbot.keyClicks(dialog.code_edit, "l400")
    qtbot.keyClicks(dialog.onset_edit, "31/02/2019")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert "does not exist" in dialog.status.text()
    assert dialog.onset_edit.property("invalid") == "true"
    dialog.onset_edit.setText("14.3.2019")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=WAIT_MS)
    assert panel.table.item(0, 1).text() == "L40.0"
    assert screen.summary.count("problems") == 1

    panel.table.selectRow(0)
    qtbot.mouseClick(panel.edit_button, LEFT)
    dialog = panel.dialog
    assert isinstance(dialog, ProblemDialog)
    dialog.label_edit.setText("Plaque psoriasis, scalp and elbows 🙂 صدفية")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: "صدفية" in panel.table.item(0, 0).text(), timeout=WAIT_MS)
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.history_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(panel.dialog, HistoryDialog), timeout=WAIT_MS)
    assert panel.dialog.table.rowCount() == 2  # type: ignore[union-attr]


def test_medication_with_overlong_name_is_refused_plainly(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    screen.show_tab("medications")
    panel = screen.medications
    qtbot.waitUntil(lambda: panel.loaded, timeout=WAIT_MS)
    qtbot.mouseClick(panel.add_button, LEFT)
    dialog = panel.dialog
    assert isinstance(dialog, MedicationDialog)
    dialog.name_edit.setMaxLength(20_000)  # a paste larger than the field allows
    dialog.name_edit.setText("M" * 10_000)
    dialog.start_edit.setText("2024-07-14")
    dialog.stop_edit.setText("2024-07-01")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(dialog.status.isVisible, timeout=WAIT_MS)
    text = dialog.status.text()
    assert "at most" in text
    assert "before the start" in text
    assert panel.table.rowCount() == 0


def test_template_and_icd10_picker_fill_the_note(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    screen = open_chart(qtbot, clinic.derm, tasks, clinic.patient.id)
    _start_visit(qtbot, screen, "Psoriasis review")
    editor = screen.visits.editor
    qtbot.waitUntil(lambda: editor.template_combo.count() > 1, timeout=WAIT_MS)
    index = next(
        i
        for i in range(editor.template_combo.count())
        if "psoriasis" in editor.template_combo.itemText(i).lower()
    )
    editor.template_combo.setCurrentIndex(index)
    qtbot.mouseClick(editor.apply_template_button, LEFT)
    assert editor.sections["subjective"].toPlainText()
    assert editor.dirty

    qtbot.mouseClick(editor.add_diagnosis_button, LEFT)
    picker = editor.dialog
    assert isinstance(picker, DiagnosisPicker)
    qtbot.keyClicks(picker.search_edit, '" OR 1=1 -- NEAR( *')
    picker.run_search()
    qtbot.waitUntil(lambda: "No diagnosis" in picker.hint.text(), timeout=WAIT_MS)
    picker.search_edit.clear()
    qtbot.keyClicks(picker.search_edit, "psoriasis vulg")
    picker.run_search()
    qtbot.waitUntil(lambda: picker.results.count() > 0, timeout=WAIT_MS)
    assert picker.results_shown[0].code.startswith("L40")
    qtbot.keyClick(picker.search_edit, Qt.Key.Key_Return)
    assert editor.diagnoses
    code = editor.diagnoses[0][0]
    editor.save_now()
    qtbot.waitUntil(lambda: editor.note_id is not None and not editor.saving, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not editor.dirty and not editor.saving, timeout=WAIT_MS)
    chart = clinic.clinic.services.charts.open_chart(clinic.derm.actor, clinic.patient.id)
    assert [d.code for d in chart.diagnoses[editor.note_id]] == [code]

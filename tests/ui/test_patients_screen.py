"""The Patients page driven as the front desk would: type, arrow, Enter, register, fix errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patients import PatientDraft, Sex
from dermai_desktop.services.dto import PatientSummary
from dermai_desktop.services.startup import ClinicGate, UnlockedClinic
from dermai_desktop.ui.item_models.patient_list_model import (
    LOADING,
    PAGE_SIZE,
    PATIENT_ID_ROLE,
    PatientListModel,
)
from dermai_desktop.ui.screens.patient_form_dialog import PatientFormDialog
from dermai_desktop.ui.screens.patients_screen import PatientsScreen
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import session_for

WAIT_MS = 5000
LEFT = Qt.MouseButton.LeftButton
PEOPLE = (
    ("Eleanor", "Whitcombe", date(1961, 7, 14), "07700 900123"),
    ("Edward", "Whitcombe", date(1958, 2, 3), "07700 900456"),
    ("Siobhan", "O'Sullivan", date(1990, 11, 30), "+353 87 123 4567"),
    ("Zoë", "Müller", date(1984, 4, 3), ""),
)


@pytest.fixture
def clinic(gate: ClinicGate) -> Iterator[UnlockedClinic]:
    unlocked = gate.unlock()
    desk = session_for(unlocked, "frontdesk")
    for given, family, born, phone in PEOPLE:
        unlocked.services.patients.register(
            desk.actor, PatientDraft(given, family, born, Sex.FEMALE, phone=phone)
        )
    return unlocked


@pytest.fixture
def desk(clinic: UnlockedClinic) -> Session:
    return session_for(clinic, "frontdesk")


def _screen(qtbot: QtBot, session: Session, tasks: TaskRunner) -> PatientsScreen:
    screen = PatientsScreen(session, tasks)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() >= len(PEOPLE), timeout=WAIT_MS)
    return screen


def _type(qtbot: QtBot, screen: PatientsScreen, text: str) -> None:
    screen.search_edit.setFocus()
    screen.search_edit.clear()
    with qtbot.waitSignal(screen.search_finished, timeout=WAIT_MS):
        if text.isascii():
            qtbot.keyClicks(screen.search_edit, text)
        else:  # QTest types ASCII only; an input method or a paste inserts the rest
            screen.search_edit.insert(text)
    screen._tasks.wait_idle()


def _names(screen: PatientsScreen) -> list[str]:
    return [screen.model.index(r, 0).data() for r in range(screen.model.rowCount())]


def test_register_lists_everyone_then_typing_narrows(
    qtbot: QtBot, desk: Session, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, desk, tasks)
    qtbot.waitUntil(lambda: LOADING not in _names(screen), timeout=WAIT_MS)
    assert _names(screen)[:2] == ["Müller, Zoë", "O'Sullivan, Siobhan"]
    assert screen.count_label.text() == "4 patients"
    _type(qtbot, screen, "whit")
    assert _names(screen) == ["Whitcombe, Edward", "Whitcombe, Eleanor"]
    _type(qtbot, screen, "osullivan")
    assert _names(screen) == ["O'Sullivan, Siobhan"]
    _type(qtbot, screen, "muller")
    assert _names(screen) == ["Müller, Zoë"]


@pytest.mark.parametrize("typed", ["14/07/1961", "14.7.61", "14 Jul 1961", "140761", "1961-07-14"])
def test_date_of_birth_typed_many_ways(
    qtbot: QtBot, desk: Session, tasks: TaskRunner, typed: str
) -> None:
    screen = _screen(qtbot, desk, tasks)
    _type(qtbot, screen, typed)
    assert _names(screen) == ["Whitcombe, Eleanor"]


def test_phone_and_mrn(qtbot: QtBot, desk: Session, tasks: TaskRunner) -> None:
    screen = _screen(qtbot, desk, tasks)
    _type(qtbot, screen, "07700 900456")
    assert _names(screen) == ["Whitcombe, Edward"]
    mrn = screen.model.index(0, 3).data()
    _type(qtbot, screen, mrn)
    assert _names(screen) == ["Whitcombe, Edward"]


@pytest.mark.parametrize("hostile", ['" OR 1=1 --', "NEAR(", "*", "😀", "x" * 300, "مرحبا"])
def test_hostile_text_shows_a_plain_empty_state(
    qtbot: QtBot, desk: Session, tasks: TaskRunner, hostile: str
) -> None:
    screen = _screen(qtbot, desk, tasks)
    _type(qtbot, screen, hostile)
    assert screen.model.rowCount() == 0
    assert screen.stack.currentWidget() is screen.empty
    assert "No patient matches" in screen.empty.title_label.text()
    assert tasks.surface.last_box is None  # type: ignore[attr-defined]


def test_impossible_date_is_explained(qtbot: QtBot, desk: Session, tasks: TaskRunner) -> None:
    screen = _screen(qtbot, desk, tasks)
    _type(qtbot, screen, "31/02/1961")
    assert "does not exist" in screen.hint_label.text()
    assert screen.model.rowCount() == 0


def test_keyboard_down_then_enter_opens_the_chart(
    qtbot: QtBot, desk: Session, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, desk, tasks)
    _type(qtbot, screen, "whitcombe")
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is screen.table
    qtbot.keyClick(screen.table, Qt.Key.Key_Down)
    with qtbot.waitSignal(screen.open_chart_requested, timeout=WAIT_MS) as opened:
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened.args == [screen.model.index(1, 0).data(PATIENT_ID_ROLE)]
    assert screen.model.index(1, 0).data() == "Whitcombe, Eleanor"
    qtbot.keyClick(screen.table, Qt.Key.Key_Up)
    qtbot.keyClick(screen.table, Qt.Key.Key_Up)
    assert QApplication.focusWidget() is screen.search_edit


def test_enter_in_the_box_opens_the_top_hit_even_before_the_debounce(
    qtbot: QtBot, desk: Session, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, desk, tasks)
    screen.search_edit.setFocus()
    qtbot.keyClicks(screen.search_edit, "siobhan")
    with qtbot.waitSignal(screen.open_chart_requested, timeout=WAIT_MS) as opened:
        qtbot.keyClick(screen.search_edit, Qt.Key.Key_Return)
    assert opened.args == [screen.model.index(0, 0).data(PATIENT_ID_ROLE)]


def test_stale_results_are_discarded(qtbot: QtBot, desk: Session, tasks: TaskRunner) -> None:
    screen = _screen(qtbot, desk, tasks)
    screen.search_edit.setText("eleanor")
    screen.run_search()  # an answer for "eleanor" is on its way...
    screen.search_edit.setText("edward")
    with qtbot.waitSignal(screen.search_finished, timeout=WAIT_MS):
        screen.run_search()
    tasks.wait_idle()
    assert _names(screen) == ["Whitcombe, Edward"]


def _open_form(qtbot: QtBot, screen: PatientsScreen) -> PatientFormDialog:
    qtbot.mouseClick(screen.new_button, LEFT)
    dialog = screen.dialog
    assert isinstance(dialog, PatientFormDialog)
    return dialog


def test_register_form_shows_inline_errors(qtbot: QtBot, desk: Session, tasks: TaskRunner) -> None:
    screen = _screen(qtbot, desk, tasks)
    dialog = _open_form(qtbot, screen)
    qtbot.mouseClick(dialog.save_button, LEFT)
    for field in ("given_name", "family_name", "date_of_birth", "sex"):
        assert dialog.errors[field].isVisible(), field
    assert dialog.focusWidget() is dialog.given
    qtbot.keyClicks(dialog.given, "Ivy")
    assert not dialog.errors["given_name"].isVisible()
    qtbot.keyClicks(dialog.family, "Pennant")
    qtbot.keyClicks(dialog.dob, "31/02/1990")
    assert "Type the date" in dialog.dob_hint.text()
    dialog.sex.setCurrentIndex(0)
    qtbot.keyClicks(dialog.phone, "12")
    qtbot.keyClicks(dialog.email, "not-an-email")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert "does not exist" in dialog.errors["date_of_birth"].text()
    dialog.dob.clear()
    qtbot.keyClicks(dialog.dob, "2 Mar 1990")
    assert dialog.dob_hint.text().startswith("2 March 1990")
    qtbot.mouseClick(dialog.save_button, LEFT)
    # The service's own checks land under their fields.
    qtbot.waitUntil(dialog.errors["phone"].isVisible, timeout=WAIT_MS)
    assert "6 to 15 digits" in dialog.errors["phone"].text()
    assert "e-mail" in dialog.errors["email"].text()
    assert dialog.isVisible()


def test_register_a_new_patient_then_enter_opens_their_chart(
    qtbot: QtBot, desk: Session, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, desk, tasks)
    dialog = _open_form(qtbot, screen)
    qtbot.keyClicks(dialog.given, "Ivy")
    qtbot.keyClicks(dialog.family, "Pennant")
    qtbot.keyClicks(dialog.dob, "02/03/1990")
    dialog.sex.setCurrentIndex(0)
    qtbot.keyClicks(dialog.phone, "07700 900777")
    with qtbot.waitSignal(screen.patient_saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: _names(screen) == ["Pennant, Ivy"], timeout=WAIT_MS)
    assert "saved" in screen.status.text()
    with qtbot.waitSignal(screen.open_chart_requested, timeout=WAIT_MS):
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)


def test_duplicate_warning_offers_open_existing(
    qtbot: QtBot, desk: Session, tasks: TaskRunner, clinic: UnlockedClinic
) -> None:
    screen = _screen(qtbot, desk, tasks)
    dialog = _open_form(qtbot, screen)
    qtbot.keyClicks(dialog.given, "eleanor")
    qtbot.keyClicks(dialog.family, "WHITCOMBE")
    qtbot.keyClicks(dialog.dob, "14.7.1961")
    dialog.sex.setCurrentIndex(0)
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(dialog.duplicate_panel.isVisible, timeout=WAIT_MS)
    assert "already registered" in dialog.duplicate_title.text()
    assert [d.display_name for d in dialog.duplicates] == ["Whitcombe, Eleanor"]
    assert dialog.isVisible()  # nothing saved
    before = clinic.services.patients.list_ids(desk.actor)
    open_button = dialog.duplicate_panel.findChild(type(dialog.save_button), "openExisting")
    assert open_button is not None
    with qtbot.waitSignal(screen.open_chart_requested, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(open_button, LEFT)
    assert opened.args == [str(dialog.duplicates[0].id)]
    assert clinic.services.patients.list_ids(desk.actor) == before


def test_same_phone_warns_but_register_anyway_saves(
    qtbot: QtBot, desk: Session, tasks: TaskRunner, clinic: UnlockedClinic
) -> None:
    screen = _screen(qtbot, desk, tasks)
    dialog = _open_form(qtbot, screen)
    qtbot.keyClicks(dialog.given, "Rose")
    qtbot.keyClicks(dialog.family, "Whitcombe")
    qtbot.keyClicks(dialog.dob, "01/01/2001")
    dialog.sex.setCurrentIndex(0)
    qtbot.keyClicks(dialog.phone, "+44 7700 900123")  # Eleanor's number, international form
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(dialog.duplicate_panel.isVisible, timeout=WAIT_MS)
    with qtbot.waitSignal(screen.patient_saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.register_anyway_button, LEFT)
    assert len(clinic.services.patients.list_ids(desk.actor)) == len(PEOPLE) + 1


def test_edit_details_keeps_the_patient_and_is_not_their_own_duplicate(
    qtbot: QtBot, desk: Session, tasks: TaskRunner
) -> None:
    screen = _screen(qtbot, desk, tasks)
    _type(qtbot, screen, "siobhan")
    qtbot.mouseClick(screen.edit_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(screen.dialog, PatientFormDialog), timeout=WAIT_MS)
    dialog = screen.dialog
    assert isinstance(dialog, PatientFormDialog)
    assert dialog.family.text() == "O'Sullivan"
    dialog.family.clear()
    qtbot.keyClicks(dialog.family, "O'Sullivan-Byrne")
    with qtbot.waitSignal(screen.patient_saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: _names(screen) == ["O'Sullivan-Byrne, Siobhan"], timeout=WAIT_MS)


def test_lazy_model_passes_qt_model_tester_and_pages(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    rows = {
        PatientId(f"id-{n:05d}"): PatientSummary(
            PatientId(f"id-{n:05d}"),
            f"DA{n:06d}",
            f"Name{n:05d}, Given",
            date(1970, 1, 1),
            Sex.UNKNOWN,
            "",
            56,
        )
        for n in range(PAGE_SIZE * 3 + 17)
    }
    requests: list[int] = []

    def loader(ids: list[PatientId], deliver: object) -> None:
        requests.append(len(ids))
        deliver([rows[i] for i in ids])  # type: ignore[operator]

    model = PatientListModel(loader)
    model.set_ids(list(rows))
    assert model.rowCount() == len(rows)
    assert requests == []  # nothing fetched until a row is looked at
    assert model.index(PAGE_SIZE + 3, 0).data() == f"Name{PAGE_SIZE + 3:05d}, Given"
    assert requests == [PAGE_SIZE]
    qtmodeltester.check(model)
    for row in range(model.rowCount()):  # scroll to the end: every page fetched once
        assert model.index(row, 3).data() == f"DA{row:06d}"
    assert model.loaded_pages == 4
    assert requests == [PAGE_SIZE, PAGE_SIZE, PAGE_SIZE, 17]
    model.set_rows([rows[PatientId("id-00002")]])
    qtmodeltester.check(model)
    model.clear()
    qtmodeltester.check(model)


def test_lazy_model_shows_loading_and_drops_stale_pages(qtbot: QtBot) -> None:
    pending: list[tuple[list[PatientId], object]] = []
    model = PatientListModel(lambda ids, deliver: pending.append((ids, deliver)))
    model.set_ids([PatientId("a"), PatientId("b")])
    assert model.index(0, 0).data() == LOADING
    _ids, deliver = pending.pop()
    model.set_ids([PatientId("c")])  # the list changed before the page arrived
    deliver([PatientSummary(PatientId("a"), "DA1", "A, A", date(1970, 1, 1), Sex.MALE, "", 1)])  # type: ignore[operator]
    assert model.index(0, 0).data() == LOADING
    assert model.index(0, 0).data(PATIENT_ID_ROLE) == "c"

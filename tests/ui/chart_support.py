"""Shared set-up for the chart tests, screenshots and benchmark: sessions and a patient."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from dermai_desktop.domain.patients import FitzpatrickType, Patient, PatientDraft, Sex
from dermai_desktop.services.startup import ClinicGate, UnlockedClinic
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.session import Session, sign_in
from dermai_desktop.ui.tasks import TaskRunner

WAIT_MS = 5000


def unlock(gate: ClinicGate) -> UnlockedClinic:
    return gate.unlock()


def session_for(clinic: UnlockedClinic, username: str) -> Session:
    account = next(a for a in clinic.demo_accounts if a.username == username)
    session, _must_change = sign_in(clinic, account.username, account.password)
    return session


def register_patient(
    clinic: UnlockedClinic,
    given: str = "Eleanor",
    family: str = "Whitcombe",
    born: date = date(1961, 7, 14),
    flags: tuple[str, ...] = ("Interpreter: Welsh",),
) -> Patient:
    front_desk = session_for(clinic, "frontdesk")
    return clinic.services.patients.register(
        front_desk.actor,
        PatientDraft(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=Sex.FEMALE,
            phone="07700 900123",
            email="e.whitcombe@example.com",
            address="12 Harbour Row, Penzance",
            fitzpatrick=FitzpatrickType.II,
            flags=flags,
        ),
    )


def open_chart(qtbot: QtBot, session: Session, tasks: TaskRunner, patient_id: str) -> ChartScreen:
    screen = ChartScreen(session, tasks)
    qtbot.addWidget(screen)
    screen.resize(1044, 760)
    screen.show()
    loaded: list[str] = []
    screen.loaded.connect(loaded.append)
    screen.open_patient(patient_id)
    qtbot.waitUntil(lambda: bool(loaded), timeout=WAIT_MS)
    return screen

"""Patient search screenshot: the front desk's Patients page in a demo clinic with patients."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from faker import Faker
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.patients import FitzpatrickType, PatientDraft, Sex
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui import theme
from dermai_desktop.ui.screens.patients_screen import PatientsScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import session_for
from tests.ui.helpers import WAIT_MS, sign_in, start

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"
SIZE = (1280, 800)
FAMILIES = ("Whitcombe", "Whitfield", "Whitaker", "Whitmore", "Whitley")


def _register(gate: ClinicGate, count: int = 160) -> None:
    clinic = gate.unlock()
    desk = session_for(clinic, "frontdesk")
    fake = Faker("en_GB")
    fake.seed_instance(3)
    rng = random.Random(3)
    for n in range(count):
        sex = rng.choice((Sex.FEMALE, Sex.MALE))
        given = fake.first_name_female() if sex is Sex.FEMALE else fake.first_name_male()
        family = FAMILIES[n % len(FAMILIES)] if n % 8 == 0 else fake.last_name()
        clinic.services.patients.register(
            desk.actor,
            PatientDraft(
                given,
                family,
                date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 85)),
                sex,
                phone=f"07{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}",
                fitzpatrick=FitzpatrickType(rng.randrange(1, 7)),
            ),
        )


@pytest.mark.parametrize(
    ("theme_name", "name"), [("light", "patients-search"), ("dark", "patients-search-dark")]
)
def test_patient_search(
    qtbot: QtBot, gate: ClinicGate, tasks: TaskRunner, theme_name: str, name: str
) -> None:
    _register(gate)
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "frontdesk")
    theme.apply_theme(QApplication.instance(), theme_name)  # type: ignore[arg-type]
    window.resize(*SIZE)
    window.show_page("patients")
    page = window.pages["patients"]
    assert isinstance(page, PatientsScreen)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=WAIT_MS)
    page.focus_search()
    with qtbot.waitSignal(page.search_finished, timeout=WAIT_MS):
        qtbot.keyClicks(page.search_edit, "whit")
    tasks.wait_idle(WAIT_MS)
    assert page.model.rowCount() >= 5
    page.table.selectRow(1)
    qtbot.wait(50)
    QApplication.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(OUT / f"{name}.png"))

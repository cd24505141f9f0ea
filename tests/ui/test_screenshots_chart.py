"""Chart screenshots for the README: the summary, and a signed note with an addendum."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.bootstrap import LocalClinicGate, SecurityProfile
from dermai_desktop.config import MachineConfig
from dermai_desktop.demo import DEMO_ACCOUNTS, open_or_create_demo
from dermai_desktop.domain.chart_lists import (
    AllergyDraft,
    AllergySeverity,
    MedicationDraft,
    ProblemDraft,
)
from dermai_desktop.domain.ids import new_uuid7
from dermai_desktop.paths import ensure_dirs, resolve_paths
from dermai_desktop.services.dto import NoteText
from dermai_desktop.storage.keychain import KeyStore
from dermai_desktop.ui import theme
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import register_patient, session_for
from tests.ui.helpers import WAIT_MS, sign_in, start

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"
SIZE = (1280, 800)


class TravelClock:
    """The real clock, unless the test sends it back to write a visit months ago."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)


VISITS = (
    (
        200,
        "Full skin examination",
        NoteText(
            subjective="Annual skin check. Long-standing psoriasis, stable on methotrexate. "
            "Noticed a darker mole on the upper back over the summer; no bleeding or itch. "
            "Sunburn as a child; outdoor work until 2010.",
            objective="Fitzpatrick II. Total body examination. ~60 naevi, mostly small and "
            "regular. Left scapula: 6 mm brown macule, slight asymmetry, dermoscopy reticular "
            "network with one area of irregular dots. Psoriatic plaques both elbows, PASI 3.2.",
            assessment="Mildly atypical naevus, left scapula. Stable chronic plaque psoriasis.",
            plan="Sequential digital dermoscopy of the left scapula lesion in 3 months. "
            "Continue methotrexate 15 mg weekly, folic acid. Sun protection advice given.",
        ),
        None,
    ),
    (
        96,
        "Lesion review",
        NoteText(
            subjective="3-month dermoscopy review. No symptoms.",
            objective="Left scapula lesion: 7 mm, new peripheral globules compared with the "
            "baseline image. Two actinic keratoses on the scalp.",
            assessment="Changing melanocytic lesion; excision advised. Actinic keratoses.",
            plan="Excision biopsy with 2 mm margins booked. Cryotherapy to scalp AKs today.",
        ),
        None,
    ),
    (
        12,
        "Biopsy / excision",
        NoteText(
            subjective="Attends for excision of the left scapula lesion. Consented; aware of "
            "the scar and the risk of infection. Allergic to penicillin (anaphylaxis).",
            objective="Lesion 7 mm. Local anaesthetic lidocaine 1% with adrenaline 4 ml. "
            "Elliptical excision with 2 mm margins, closed with 4-0 Monocryl subcuticular. "
            "Haemostasis good. Latex-free gloves.",
            assessment="Excision biopsy of atypical melanocytic lesion, left scapula.",
            plan="Specimen to histology. Sutures dissolve; wound care leaflet given. "
            "Results by phone in 2 weeks.",
        ),
        "Histology (reported 9 days after excision): compound dysplastic naevus with mild "
        "atypia, completely excised, deep and peripheral margins clear. No further surgery "
        "needed. Patient informed by phone; continue 6-monthly skin checks.",
    ),
)


@pytest.fixture
def chart_gate(tmp_path: Path) -> Iterator[tuple[LocalClinicGate, str]]:
    clock = TravelClock()
    paths = resolve_paths(str(tmp_path / "demo"), demo=True)
    ensure_dirs(paths)
    gate = LocalClinicGate(
        paths,
        MachineConfig.load(None),
        keystore_factory=KeyStore,
        security=SecurityProfile.fast(),
        demo=True,
        demo_accounts=DEMO_ACCOUNTS,
        clock=clock,  # type: ignore[arg-type]
    )
    clinic = open_or_create_demo(gate, patients=0)
    patient = register_patient(clinic, flags=("Immunosuppressed", "Latex-free room"))
    derm = session_for(clinic, "derm").actor
    charts, lists = clinic.services.charts, clinic.services.chart_lists
    now = datetime.now(UTC)
    clock.at = now - timedelta(days=400)
    lists.add_problem(
        derm, patient.id, ProblemDraft("Chronic plaque psoriasis", "L40.0", date(2014, 3, 1))
    )
    lists.add_problem(
        derm, patient.id, ProblemDraft("Actinic keratoses, scalp", "L57.0", date(2023, 9, 1))
    )
    lists.add_problem(
        derm, patient.id, ProblemDraft("Multiple melanocytic naevi", "D22.5", date(2019, 5, 1))
    )
    lists.add_allergy(
        derm,
        patient.id,
        AllergyDraft("Penicillin", "Anaphylaxis", AllergySeverity.LIFE_THREATENING),
    )
    lists.add_allergy(
        derm,
        patient.id,
        AllergyDraft("Elastoplast adhesive", "Contact dermatitis", AllergySeverity.MILD),
    )
    lists.add_medication(
        derm,
        patient.id,
        MedicationDraft("Methotrexate", "15 mg", "oral", "once weekly (Mon)", date(2019, 2, 4)),
    )
    lists.add_medication(
        derm,
        patient.id,
        MedicationDraft("Folic acid", "5 mg", "oral", "once weekly (Thu)", date(2019, 2, 7)),
    )
    lists.add_medication(
        derm,
        patient.id,
        MedicationDraft(
            "Calcipotriol / betamethasone foam",
            "thin layer",
            "topical",
            "once daily",
            date(2024, 1, 10),
        ),
    )
    started: dict[str, datetime] = {}
    for days_ago, reason, text, addendum in VISITS:
        clock.at = _clinic_time(now, days_ago, 10, 5)
        encounter = charts.start_encounter(derm, patient.id, reason)
        started[encounter.id] = clock.at
        note = charts.write_note(derm, encounter.id, text, patient_id=patient.id)
        clock.at += timedelta(minutes=24)
        codes = {"Full skin examination": ["D22.5", "L40.0"], "Lesion review": ["D48.5", "L57.0"]}
        charts.set_note_diagnoses(derm, note.id, codes.get(reason, ["D22.5"]))
        charts.sign_note(derm, note.id)
        if addendum:
            clock.at = _clinic_time(now, days_ago - 9, 16, 40)
            charts.add_addendum(derm, note.id, NoteText(subjective=addendum))
    clock.at = None
    _seed_lesions(gate, patient.id, now)
    _backdate_encounters(gate, started)
    gate.close()
    return gate, patient.id


def _clinic_time(now: datetime, days_ago: int, hour: int, minute: int) -> datetime:
    local = (now - timedelta(days=days_ago)).astimezone()
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def _backdate_encounters(gate: LocalClinicGate, started: dict[str, datetime]) -> None:
    """Encounters take the database's own clock; set them to the visit times above."""
    from sqlalchemy import text

    with gate.database.engine.begin() as conn:
        for encounter_id, at in started.items():
            conn.execute(
                text("UPDATE encounters SET started_at = :at WHERE id = :id"),
                {"at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "id": encounter_id},
            )


def _seed_lesions(gate: LocalClinicGate, patient_id: str, now: datetime) -> None:
    from sqlalchemy.orm import Session as OrmSession

    from dermai_desktop.storage.records_imaging import LesionImageRecord, LesionRecord

    with OrmSession(gate.database.engine) as orm:
        for n, (site, count) in enumerate(
            (("left scapula", 4), ("right upper arm", 2), ("mid back", 3))
        ):
            lesion_id = new_uuid7()
            orm.add(
                LesionRecord(
                    id=lesion_id,
                    created_at=now,
                    updated_at=now,
                    patient_id=patient_id,
                    label=f"L{n + 1}",
                    body_site=site,
                    body_view="back",
                    body_map_x=0.3 + 0.2 * n,
                    body_map_y=0.3,
                    first_noted=(now - timedelta(days=200)).date(),
                    status="watch",
                )
            )
            orm.flush()
            for k in range(count):
                orm.add(
                    LesionImageRecord(
                        id=new_uuid7(),
                        created_at=now,
                        updated_at=now,
                        lesion_id=lesion_id,
                        patient_id=patient_id,
                        sha256=f"{n:032x}{k:032x}",
                        modality="dermoscopic_polarised",
                        captured_at=now - timedelta(days=90 * k),
                        imported_at=now - timedelta(days=90 * k),
                        width_px=1024,
                        height_px=768,
                        byte_size=200_000,
                    )
                )
        orm.commit()


def _save(qtbot: QtBot, tasks: TaskRunner, widget: QWidget, name: str) -> Path:
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(80)
    QApplication.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_chart_screenshots(
    qtbot: QtBot, chart_gate: tuple[LocalClinicGate, str], tasks: TaskRunner, theme_name: str
) -> None:
    gate, patient_id = chart_gate
    controller = start(qtbot, gate, tasks)
    window = sign_in(qtbot, controller, "derm")
    theme.apply_theme(QApplication.instance(), theme_name)  # type: ignore[arg-type]
    window.resize(*SIZE)
    window.show()
    screen = window.open_chart(patient_id)
    assert isinstance(screen, ChartScreen)
    qtbot.waitUntil(lambda: screen.data is not None, timeout=WAIT_MS)
    suffix = "" if theme_name == "light" else "-dark"
    _save(qtbot, tasks, window, f"chart-summary{suffix}")
    screen.show_tab("visits")
    screen.visits.select_encounter(
        next(e.id for e in screen.visits.encounters if e.reason == "Biopsy / excision")
    )
    assert screen.visits.stack.currentWidget() is screen.visits.signed_view
    _save(qtbot, tasks, window, f"chart-signed-note{suffix}")

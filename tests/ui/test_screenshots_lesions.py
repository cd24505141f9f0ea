"""Lesion imaging screenshots for the README: body map, viewer, comparison, PDF report page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.reports.lesion_report import write_report_pdf
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import unlock
from tests.ui.fake_gate import FakeGate
from tests.ui.helpers import WAIT_MS
from tests.ui.lesion_report_support import Seeded, seed_patient_with_lesions

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


def _seed(gate: ClinicGate) -> tuple[object, Seeded]:
    if isinstance(gate, FakeGate):
        pytest.skip("the real demo clinic did not build")
    clinic = unlock(gate)
    return clinic, seed_patient_with_lesions(clinic)


def _save(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(OUT / name))


def test_body_map(gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot) -> None:
    """The whole Lesions tab of a chart: body map, lesion list and form, image timeline."""
    from dermai_desktop.ui.screens.lesions_panel import LesionsPanel
    from tests.ui.chart_support import open_chart

    _clinic, seeded = _seed(gate)
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.resize(1440, 900)
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    qtbot.waitUntil(lambda: panel.strip.thumbs.count() == 3, timeout=WAIT_MS)
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(50)
    _save(screen, "lesion-body-map.png")
    screen.about_to_close()


def test_viewer_with_a_measurement(
    gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot, tmp_path: Path
) -> None:
    from dermai_desktop.ui.viewer.viewer_window import ViewerWindow

    clinic, seeded = _seed(gate)
    settings = QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)
    window = ViewerWindow(
        clinic.services.images,
        seeded.session.actor,
        tasks,
        seeded.image_ids[-1],
        settings=settings,
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.load()
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(100)
    _save(window, "lesion-viewer-measurement.png")


def test_side_by_side_comparison(gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot) -> None:
    from dermai_desktop.ui.viewer.compare_window import CompareWindow

    clinic, seeded = _seed(gate)
    first_lesion = seeded.image_ids[:3]  # L1: three visits four months apart
    window = CompareWindow(clinic.services.images, seeded.session.actor, tasks, first_lesion[::2])
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.load()
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(100)
    _save(window, "lesion-compare.png")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")
def test_report_first_page(gate: ClinicGate, tmp_path: Path) -> None:
    clinic, seeded = _seed(gate)
    report = clinic.services.images.report_data(
        seeded.session.actor, seeded.patient.id, seeded.lesion_ids
    )
    pdf = tmp_path / "report.pdf"
    write_report_pdf(pdf, report)
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "90",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-png",
            str(pdf),
            str(OUT / "lesion-report-page1"),
        ],
        check=True,
    )
    assert (OUT / "lesion-report-page1.png").stat().st_size > 20_000

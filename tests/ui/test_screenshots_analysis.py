"""Lesion analysis screenshot for the README: the viewer with a stored result and a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.analysis import VerdictKind
from dermai_desktop.services.analysis_ports import AnalysisUnavailable
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.viewer_window import ViewerWindow
from tests.ui.chart_support import unlock
from tests.ui.fake_gate import FakeGate
from tests.ui.helpers import WAIT_MS
from tests.ui.lesion_report_support import seed_patient_with_lesions

pytestmark = pytest.mark.screenshots

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


def test_analysis_result(gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot, tmp_path: Path) -> None:
    if isinstance(gate, FakeGate):
        pytest.skip("the real demo clinic did not build")
    clinic = unlock(gate)
    seeded = seed_patient_with_lesions(clinic)
    analysis, actor = clinic.services.analysis, seeded.session.actor
    image_id = seeded.image_ids[2]
    try:
        result = analysis.analyze(actor, image_id)
    except AnalysisUnavailable as exc:
        pytest.skip(f"the analysis models do not load here: {exc.message}")
    analysis.record_verdict(actor, result.id, VerdictKind.AGREE)
    settings = QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)
    window = ViewerWindow(
        clinic.services.images, actor, tasks, image_id, settings=settings, analysis=analysis
    )
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    dock = window.analysis_dock
    assert dock is not None
    with qtbot.waitSignal(dock.result_shown, timeout=WAIT_MS):
        window.load()
    tasks.wait_idle(WAIT_MS)
    qtbot.wait(150)
    OUT.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(OUT / "analysis-result.png"))

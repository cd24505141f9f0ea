"""From a chart's Lesions tab to the imaging windows, on the real demo stack.

The Lesions tab only emits requests; the chart turns them into a viewer, a
comparison, a growth chart, a report choice and an export dialog. These
tests press the tab's own buttons and check the right window opens with the
right images, and that closing the chart closes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import ConsentScope, LesionImage, Modality
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.screens.image_export_dialog import ImageExportDialog
from dermai_desktop.ui.screens.lesion_windows import GrowthWindow
from dermai_desktop.ui.screens.lesions_panel import LesionsPanel
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.compare_window import CompareWindow
from dermai_desktop.ui.viewer.viewer_window import ViewerWindow
from dermai_desktop.ui.widgets.image_strip import last_visit_pair
from tests.ui.chart_support import WAIT_MS, open_chart, session_for
from tests.ui.lesion_report_support import Seeded, seed_patient_with_lesions


@pytest.fixture
def seeded(gate: ClinicGate) -> Seeded:
    clinic = gate.unlock()
    if getattr(clinic.services, "images", None) is None:
        pytest.skip("the imaging services are not wired into this build")
    return seed_patient_with_lesions(clinic)


def _lesions_tab(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> tuple[ChartScreen, LesionsPanel]:
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    tasks.wait_idle(WAIT_MS)
    qtbot.waitUntil(lambda: panel.strip.thumbs.count() > 0, timeout=WAIT_MS)
    return screen, panel


def test_open_compare_and_growth_buttons_open_their_windows(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    screen, panel = _lesions_tab(qtbot, tasks, seeded)
    windows = screen.lesion_windows
    first_lesion_images = seeded.image_ids[:3]

    panel.strip.open_button.click()  # nothing selected: the newest image
    viewer = windows.windows[f"viewer:{first_lesion_images[-1]}"]
    assert isinstance(viewer, ViewerWindow)
    qtbot.waitUntil(lambda: viewer.image is not None, timeout=WAIT_MS)

    panel.strip.compare_button.click()  # nothing selected: last visit against this one
    compare = next(w for w in windows.windows.values() if isinstance(w, CompareWindow))
    assert compare._ids == first_lesion_images[-2:]

    panel.strip.growth_button.click()
    growth = next(w for w in windows.windows.values() if isinstance(w, GrowthWindow))
    qtbot.waitUntil(lambda: len(growth.chart.point_positions()) == 3, timeout=WAIT_MS)

    # Opening the same image again raises the existing viewer instead of a second one.
    panel.strip.open_button.click()
    assert sum(isinstance(w, ViewerWindow) for w in windows.windows.values()) == 1

    screen.about_to_close()
    qtbot.waitUntil(lambda: not windows.windows, timeout=WAIT_MS)


def test_report_button_offers_pdf_or_print_and_pdf_is_audited(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded, tmp_path: Path, gate: ClinicGate
) -> None:
    screen, panel = _lesions_tab(qtbot, tasks, seeded)
    windows = screen.lesion_windows
    target = tmp_path / "report.pdf"
    saved: list[str] = []
    windows.report_runner.saved.connect(saved.append)
    original = windows.report_runner.save_pdf
    windows.report_runner.save_pdf = lambda pid, ids, path=None, use=None: original(  # type: ignore[method-assign]
        pid, ids, target
    )

    panel.report_button.click()
    box = windows.report_choice
    assert isinstance(box, QMessageBox)
    assert "2 lesions" in box.text()
    save_button = next(b for b in box.buttons() if b.text() == "Save as PDF…")
    save_button.click()
    qtbot.waitUntil(lambda: bool(saved), timeout=WAIT_MS * 2)
    assert target.read_bytes().startswith(b"%PDF")

    clinic = gate.unlock()
    events = clinic.services.audit.recent(session_for(clinic, "manager").actor, 50)
    reports = [e for e in events if e.entity_type == "lesion_report"]
    assert [e.action for e in reports] == [AuditAction.EXPORT]


def test_export_button_opens_the_export_dialog_with_the_lesions_images(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    screen, panel = _lesions_tab(qtbot, tasks, seeded)
    panel.strip.export_button.click()
    dialog = screen.lesion_windows.export_dialog
    assert isinstance(dialog, ImageExportDialog)
    assert dialog._preselect == set(seeded.image_ids[:3])
    dialog.close()


def _image(image_id: str, day: int, modality: Modality) -> LesionImage:
    taken = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
    return LesionImage(
        id=ImageId(image_id),
        patient_id=PatientId("p"),
        lesion_id=LesionId("l"),
        sha256="0" * 64,
        media_type="image/jpeg",
        width=600,
        height=450,
        byte_size=1,
        modality=modality,
        captured_at=taken,
        imported_at=taken,
        consent=ConsentScope.CARE_ONLY,
    )


def test_compare_with_nothing_selected_takes_the_previous_visit_not_the_same_day() -> None:
    polarised, plain = Modality.DERMOSCOPIC_POLARISED, Modality.DERMOSCOPIC_NON_POLARISED
    images = [
        _image("march-1-pd", 1, polarised),
        _image("march-1-npd", 1, plain),
        _image("march-9-pd", 9, polarised),
        _image("march-9-npd", 9, plain),
    ]
    # The newest is the non-polarised photo of 9 March: compare it with 1 March's.
    assert last_visit_pair(images) == ["march-1-npd", "march-9-npd"]
    assert last_visit_pair(images[:2]) == ["march-1-pd", "march-1-npd"]  # one visit only
    assert last_visit_pair(images[:1]) == []

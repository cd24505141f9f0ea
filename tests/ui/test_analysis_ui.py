"""The Analyze workflow in the UI: viewer panel, verdicts, analyse-all, pathology, validation.

The end-to-end tests run on the real demo stack with the real on-device models
(skipped with the reason when the models do not load); the error and marking
tests drive the same widgets with the in-memory client of ``analysis_support``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.analysis import CLASS_CODES, VerdictKind
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import PermissionDenied
from dermai_desktop.domain.lesions import LesionStatus
from dermai_desktop.services.analysis_ports import AnalysisUnavailable, ImageNotAnalysable
from dermai_desktop.services.startup import ClinicGate, UnlockedClinic
from dermai_desktop.ui.analysis.analysis_dock import AnalysisDock
from dermai_desktop.ui.analysis.analyze_all import AnalyzeAllDialog, summary_text
from dermai_desktop.ui.analysis.dialogs import PathologyDialog
from dermai_desktop.ui.screens.lesions_panel import LesionsPanel
from dermai_desktop.ui.screens.settings_screen import SettingsScreen
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.viewer_window import ViewerWindow
from tests.ui.analysis_support import MemoryAnalysisClient, outcome
from tests.ui.chart_support import WAIT_MS, open_chart, session_for
from tests.ui.fake_gate import FakeGate
from tests.ui.lesion_report_support import Seeded, seed_patient_with_lesions
from tests.ui.viewer_support import ACTOR, MemoryImageSource, jpeg_bytes

# --- the real demo stack -------------------------------------------------------------------


@pytest.fixture
def clinic(gate: ClinicGate) -> UnlockedClinic:
    if isinstance(gate, FakeGate):
        pytest.skip("the real demo clinic did not build")
    return gate.unlock()


@pytest.fixture
def seeded(clinic: UnlockedClinic) -> Seeded:
    seeded = seed_patient_with_lesions(clinic)
    try:
        clinic.services.analysis.model_card(seeded.session.actor)
    except AnalysisUnavailable as exc:
        pytest.skip(f"the analysis models do not load here: {exc.message}")
    return seeded


def _viewer(qtbot: QtBot, tasks: TaskRunner, seeded: Seeded, tmp_path: Path) -> ViewerWindow:
    clinic = seeded.session.clinic
    window = ViewerWindow(
        clinic.services.images,
        seeded.session.actor,
        tasks,
        seeded.image_ids[0],
        settings=QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat),
        analysis=clinic.services.analysis,
    )
    qtbot.addWidget(window)
    window.show()
    window.load()
    tasks.wait_idle(WAIT_MS)
    return window


def test_analyze_then_agree_then_disagree_with_an_impression_is_stored_and_audited(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded, tmp_path: Path
) -> None:
    window = _viewer(qtbot, tasks, seeded, tmp_path)
    dock = window.analysis_dock
    assert isinstance(dock, AnalysisDock)
    assert not dock.result_panel.isVisibleTo(dock)  # nothing stored yet
    assert "Decision support for clinicians, not a diagnosis" in dock.disclaimer.text()

    with qtbot.waitSignal(dock.result_shown, timeout=WAIT_MS * 3) as shown:
        dock.analyze_button.click()
        assert dock.busy
        assert dock.busy_bar.isVisibleTo(dock)
    result = shown.args[0]
    assert not dock.busy
    panel = dock.result_panel
    assert [code for code, _p in panel.chart.rows()] == sorted(
        CLASS_CODES,
        key=lambda c: -next(p.probability for p in result.outcome.probabilities if p.code == c),
    )
    text = panel.text()
    assert "Leading class" in text
    assert "Uncertainty" in text
    assert result.outcome.classifier.sha256 in text  # full hash in the tooltip
    for measurement in result.outcome.measurements:
        assert measurement.explanation in text
    assert result.outcome.seconds < 1.0  # "in under a second"

    with qtbot.waitSignal(dock.verdict_recorded, timeout=WAIT_MS):
        panel.agree_button.click()
    assert "Recorded: Agree" in panel.verdict_label.text()

    dialog = panel.ask_impression()
    assert not dialog.ok_button.isEnabled()  # disagreeing needs the clinician's impression
    dialog.text.setPlainText("Seborrhoeic keratosis")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dock.verdict_recorded, timeout=WAIT_MS) as recorded:
        dialog.ok_button.click()
    assert recorded.args[0].kind is VerdictKind.DISAGREE
    assert "Seborrhoeic keratosis" in panel.verdict_label.text()
    assert "Replaces 1 earlier verdict" in panel.verdict_label.text()

    clinic = seeded.session.clinic
    events = clinic.services.audit.recent(session_for(clinic, "manager").actor, 50)
    analyses = [e for e in events if e.entity_type == "analysis" and e.action == AuditAction.CREATE]
    verdicts = [e for e in events if e.entity_type == "analysis_verdict"]
    assert len(analyses) == 1
    assert len(verdicts) == 2

    # Reopening the image shows the stored result and its current verdict.
    window.close()
    again = _viewer(qtbot, tasks, seeded, tmp_path)
    assert again.analysis_dock is not None
    qtbot.waitUntil(lambda: again.analysis_dock.result_panel.result is not None, timeout=WAIT_MS)
    assert "Disagree" in again.analysis_dock.result_panel.verdict_label.text()


def test_viewer_from_the_lesions_tab_offers_analysis_only_to_dermatologists(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    qtbot.waitUntil(lambda: panel.strip.thumbs.count() > 0, timeout=WAIT_MS)
    assert panel.strip.analyze_button.isVisibleTo(panel)
    viewer = screen.lesion_windows.open_viewer(str(seeded.image_ids[0]))
    assert viewer.analysis_dock is not None
    assert viewer.actions_by_name["help"] in viewer.toolbar.actions()
    screen.about_to_close()


def test_send_for_biopsy_in_the_viewer_updates_the_lesions_tab(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    qtbot.waitUntil(lambda: panel.strip.thumbs.count() > 0, timeout=WAIT_MS)
    first = panel.lesion(str(seeded.lesion_ids[0]))
    assert first is not None
    assert first.status is LesionStatus.WATCH
    viewer = screen.lesion_windows.open_viewer(str(seeded.image_ids[0]))
    dock = viewer.analysis_dock
    assert dock is not None
    with qtbot.waitSignal(dock.result_shown, timeout=WAIT_MS * 3):
        dock.analyze_button.click()
    with qtbot.waitSignal(dock.verdict_recorded, timeout=WAIT_MS):
        dock.result_panel.biopsy_button.click()

    def biopsy_pending_shown() -> bool:
        lesion = panel.lesion(str(seeded.lesion_ids[0]))
        return lesion is not None and lesion.status is LesionStatus.BIOPSY_PENDING

    qtbot.waitUntil(biopsy_pending_shown, timeout=WAIT_MS)
    assert panel.form.status_box.currentData() == LesionStatus.BIOPSY_PENDING.value
    screen.about_to_close()


def test_analyze_all_shows_progress_and_a_summary(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    qtbot.waitUntil(lambda: panel.strip.thumbs.count() == 3, timeout=WAIT_MS)
    panel.strip.analyze_button.click()
    dialog = panel.analysis.analyze_dialog
    assert isinstance(dialog, AnalyzeAllDialog)
    with qtbot.waitSignal(dialog.finished_with, timeout=WAIT_MS * 4):
        pass
    assert dialog.progress.value() == dialog.progress.maximum() == 3
    assert dialog.summary.text().startswith("Analysed 3 of 3 images.")
    assert dialog.table.rowCount() == 3
    assert dialog.close_button.isEnabled()
    screen.about_to_close()


def test_analyze_visit_runs_the_latest_visits_photos_of_every_lesion(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    qtbot.waitUntil(lambda: panel.strip.thumbs.count() > 0, timeout=WAIT_MS)
    assert panel.visit_button.isVisibleTo(panel)
    panel.visit_button.click()
    qtbot.waitUntil(lambda: panel.analysis.analyze_dialog is not None, timeout=WAIT_MS)
    dialog = panel.analysis.analyze_dialog
    assert isinstance(dialog, AnalyzeAllDialog)
    qtbot.waitUntil(dialog.close_button.isEnabled, timeout=WAIT_MS * 4)
    # The seeded lesions' last photos: L1 on 12 Oct 2024, L2's last visit was in June.
    assert "12 Oct 2024" in dialog.windowTitle()
    assert [r.image_id for r in dialog.results] == [seeded.image_ids[2]]
    screen.about_to_close()


def test_pathology_entry_on_a_lesion_feeds_the_managers_table(
    qtbot: QtBot, tasks: TaskRunner, seeded: Seeded
) -> None:
    clinic = seeded.session.clinic
    analysis = clinic.services.analysis
    top = analysis.analyze(seeded.session.actor, seeded.image_ids[0]).outcome.top.code
    screen = open_chart(qtbot, seeded.session, tasks, str(seeded.patient.id))
    screen.show_tab("lesions")
    panel = screen._panels["lesions"]
    assert isinstance(panel, LesionsPanel)
    qtbot.waitUntil(lambda: panel.form.lesion is not None, timeout=WAIT_MS)
    assert panel.form.pathology_button.isVisibleTo(panel)
    panel.form.pathology_button.click()
    dialog = panel.analysis.pathology_dialog
    assert isinstance(dialog, PathologyDialog)
    qtbot.waitUntil(lambda: "No pathology" in dialog.current.text(), timeout=WAIT_MS)
    assert not dialog.ok_button.isEnabled()  # a diagnosis must be chosen
    dialog.diagnosis.setCurrentIndex(dialog.diagnosis.findData("mel"))
    dialog.note.setPlainText("Superficial spreading, Breslow 0.4 mm")
    with qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS):
        dialog.ok_button.click()
    stored = analysis.pathology(seeded.session.actor, seeded.lesion_ids[0])
    assert stored is not None
    assert stored.diagnosis == "mel"
    screen.about_to_close()

    manager = session_for(clinic, "manager")
    settings = SettingsScreen(manager, tasks)
    qtbot.addWidget(settings)
    assert settings.tabs is not None
    assert settings.analysis_page is not None
    settings.show()
    settings.tabs.setCurrentWidget(settings.analysis_page)
    page = settings.analysis_page
    qtbot.waitUntil(lambda: "SHA-256" in page.card_label.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "1 biopsied lesion" in page.agreement.text(), timeout=WAIT_MS)
    row, column = 4, CLASS_CODES.index(top)  # pathology "mel" is the fifth row
    item = page.table.item(row, column)
    assert item is not None
    assert item.text() == "1"
    assert not settings.save_button.isVisible()  # Save belongs to the clinic settings tab


def test_front_desk_sees_no_analysis(
    qtbot: QtBot, tasks: TaskRunner, clinic: UnlockedClinic
) -> None:
    settings = SettingsScreen(session_for(clinic, "frontdesk"), tasks)
    qtbot.addWidget(settings)
    assert settings.tabs is None
    assert settings.analysis_page is None


# --- the panel's states, with the in-memory client -------------------------------------------


def _dock(qtbot: QtBot, tasks: TaskRunner, client: MemoryAnalysisClient) -> ViewerWindow:
    source = MemoryImageSource()
    image = source.add_bytes(jpeg_bytes(np.full((64, 64, 3), 128, np.uint8)))
    client.image_ids = [image.id]
    window = ViewerWindow(
        source,
        ACTOR,
        tasks,
        image.id,
        settings=QSettings(),
        analysis=client,
    )
    qtbot.addWidget(window)
    window.show()
    window.load()
    tasks.wait_idle(WAIT_MS)
    return window


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (AnalysisUnavailable(), "Analysis unavailable"),
        (ImageNotAnalysable(), "Image cannot be analysed"),
        (PermissionDenied(), "Not permitted"),
    ],
)
def test_refusals_are_plain_messages_in_the_panel(
    qtbot: QtBot, tasks: TaskRunner, error: Exception, words: str
) -> None:
    client = MemoryAnalysisClient()
    client.fail = error
    window = _dock(qtbot, tasks, client)
    dock = window.analysis_dock
    assert dock is not None
    with qtbot.waitSignal(dock.failed, timeout=WAIT_MS):
        dock.analyze_action.trigger()  # the Y key and the button run this action
    assert words in dock.message.text()
    assert "Traceback" not in dock.message.text()
    assert tasks.surface.last_box is None  # type: ignore[attr-defined]
    assert not dock.busy
    assert not dock.result_panel.isVisibleTo(dock)
    assert dock.analyze_button.isEnabled() is not isinstance(error, PermissionDenied)


def test_failed_quality_marks_the_result_unreliable_and_low_confidence_shows_a_badge(
    qtbot: QtBot, tasks: TaskRunner
) -> None:
    client = MemoryAnalysisClient()
    client.next_outcome = outcome(reliable=False, low_confidence=True)
    window = _dock(qtbot, tasks, client)
    dock = window.analysis_dock
    assert dock is not None
    with qtbot.waitSignal(dock.result_shown, timeout=WAIT_MS):
        dock.analyze()
    panel = dock.result_panel
    assert panel.unreliable_badge.isVisibleTo(panel)
    assert panel.low_confidence_badge.isVisibleTo(panel)
    assert panel.quality_box.isVisibleTo(panel)
    assert "blurred" in panel.quality_list.text()

    client.next_outcome = outcome()
    with qtbot.waitSignal(dock.result_shown, timeout=WAIT_MS):
        dock.analyze()
    assert not panel.unreliable_badge.isVisibleTo(panel)
    assert not panel.quality_box.isVisibleTo(panel)
    assert dock.history.count() == 2
    assert dock.history_row.isVisibleTo(dock)
    with qtbot.waitSignal(dock.result_shown, timeout=WAIT_MS) as shown:
        dock.show_index(1)  # the earlier, unreliable one is kept and can be shown
    assert not shown.args[0].outcome.reliable


def test_summary_text_counts_the_skipped_and_the_unreliable() -> None:
    client = MemoryAnalysisClient()
    good = client.analyze(ACTOR, client.image_ids[0])
    client.next_outcome = outcome(reliable=False)
    bad = client.analyze(ACTOR, client.image_ids[0])
    text = summary_text([good, bad], 3)
    assert text.startswith("Analysed 2 of 3 images. 1 could not be read")
    assert "1 unreliable (image quality)" in text
    assert summary_text([], 2) == "None of the 2 images could be analysed."

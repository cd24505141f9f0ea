"""Referral export: de-identified file names, consent refusals shown with the reason, DICOM."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.imaging import ImageUse
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.screens.image_export_dialog import ImageExportDialog
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import unlock
from tests.ui.fake_gate import FakeGate
from tests.ui.helpers import WAIT_MS
from tests.ui.lesion_report_support import seed_patient_with_lesions


@pytest.fixture
def dialog_for(gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot):  # type: ignore[no-untyped-def]
    if isinstance(gate, FakeGate):
        pytest.skip("the real demo clinic did not build; export needs real images")
    clinic = unlock(gate)
    seeded = seed_patient_with_lesions(clinic, teaching_first=True)
    labels = dict(zip(seeded.lesion_ids, ["L1", "L2"], strict=True))
    dialog = ImageExportDialog(
        tasks,
        clinic.services.images,
        seeded.session.actor,
        seeded.patient.id,
        lesion_labels=labels,
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == len(seeded.image_ids), timeout=WAIT_MS)
    tasks.wait_idle(WAIT_MS)  # thumbnails
    return dialog, seeded


def test_deidentified_export_names_no_one(dialog_for, qtbot: QtBot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog, seeded = dialog_for
    assert all(not dialog.list.item(r).icon().isNull() for r in range(dialog.list.count()))
    with qtbot.waitSignal(dialog.exported, timeout=WAIT_MS) as done:
        dialog.export(tmp_path)
    outcome = done.args[0]
    assert len(outcome.written) == len(seeded.image_ids)
    assert outcome.refused == []
    for path in outcome.written:
        name = path.name.lower()
        assert seeded.patient.family_name.lower() not in name
        assert seeded.patient.given_name.lower() not in name
        assert seeded.patient.mrn.lower() not in name
    assert "files written" in dialog.outcome_label.text()


def test_consent_refusals_are_shown_with_the_reason(
    dialog_for, qtbot: QtBot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dialog, seeded = dialog_for
    dialog.use.setCurrentIndex(dialog.use.findData(ImageUse.TEACHING))
    left_out = [
        dialog.list.item(r).text()
        for r in range(dialog.list.count())
        if "left out" in dialog.list.item(r).text()
    ]
    assert len(left_out) == len(seeded.image_ids) - 1  # only the first photo allows teaching
    with qtbot.waitSignal(dialog.exported, timeout=WAIT_MS) as done:
        dialog.export(tmp_path)
    outcome = done.args[0]
    assert len(outcome.written) == 1
    assert len(outcome.refused) == len(seeded.image_ids) - 1
    text = dialog.outcome_label.text()
    assert "1 file written" in text
    assert "Not exported" in text
    assert "does not cover teaching" in text


def test_dicom_of_one_photo(dialog_for, qtbot: QtBot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pydicom = pytest.importorskip("pydicom")
    dialog, seeded = dialog_for
    dialog.list.setCurrentRow(0)
    target = tmp_path / "lesion.dcm"
    with qtbot.waitSignal(dialog.dicom_written, timeout=WAIT_MS):
        dialog.export_dicom(target)
    data = pydicom.dcmread(target)
    assert seeded.patient.family_name not in str(data.PatientName)
    assert str(data.PatientID).startswith("ANON-")


def test_nothing_checked_disables_export(dialog_for) -> None:  # type: ignore[no-untyped-def]
    dialog, _seeded = dialog_for
    for row in range(dialog.list.count()):
        dialog.list.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert not dialog.export_button.isEnabled()

"""The PDF lesion report from real services: pages, pictures, audit of save and print."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.services.startup import ClinicGate
from dermai_desktop.ui.reports.lesion_report import write_report_pdf
from dermai_desktop.ui.reports.report_actions import LesionReportRunner
from dermai_desktop.ui.tasks import TaskRunner
from tests.ui.chart_support import session_for, unlock
from tests.ui.fake_gate import FakeGate
from tests.ui.helpers import WAIT_MS
from tests.ui.lesion_report_support import seed_patient_with_lesions

PDFTOPPM = shutil.which("pdftoppm")
needs_pdftoppm = pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm (poppler-utils) is not installed"
)


def _real(gate: ClinicGate) -> None:
    if isinstance(gate, FakeGate):
        pytest.skip("the real demo clinic did not build; the report needs real images")


def _pages(pdf: Path, out: Path) -> list[Path]:
    subprocess.run([PDFTOPPM, "-r", "50", "-png", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page*.png"))


def _not_blank(png: Path) -> bool:
    grey = Image.open(png).convert("L")
    low, high = grey.getextrema()
    return high - low > 100 and sum(grey.histogram()[:200]) > grey.width * grey.height * 0.02


@needs_pdftoppm
def test_saved_report_has_its_pages_and_is_audited(
    gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot, tmp_path: Path
) -> None:
    _real(gate)
    clinic = unlock(gate)
    seeded = seed_patient_with_lesions(clinic, teaching_first=True)
    runner = LesionReportRunner(tasks, clinic.services.images, seeded.session.actor)
    target = tmp_path / "report.pdf"
    with qtbot.waitSignal(runner.saved, timeout=WAIT_MS * 4) as saved:
        runner.save_pdf(seeded.patient.id, seeded.lesion_ids, target)
    assert saved.args == [str(target)]
    assert runner.last_pages >= 1

    pages = _pages(target, tmp_path)
    assert len(pages) == runner.last_pages
    assert _not_blank(pages[0])
    assert target.read_bytes().count(b"Whitcombe") == 0  # text is in glyph streams, not metadata

    manager = session_for(clinic, "manager").actor
    events = clinic.services.audit.recent(manager, 50)
    reports = [e for e in events if e.entity_type == "lesion_report"]
    assert [e.action for e in reports] == [AuditAction.EXPORT]
    assert "format=pdf" in (reports[0].detail or "")


@needs_pdftoppm
def test_many_photos_run_over_several_numbered_pages(
    gate: ClinicGate, tmp_path: Path, qtbot: QtBot
) -> None:
    _real(gate)
    clinic = unlock(gate)
    seeded = seed_patient_with_lesions(clinic)
    images = clinic.services.images
    report = images.report_data(seeded.session.actor, seeded.patient.id, seeded.lesion_ids)
    # The same two lesions three times over: enough rows of photos for a second page.
    long_report = type(report)(
        report.patient,
        report.clinic_name,
        report.generated_at,
        report.generated_by,
        report.lesions * 3,
    )
    pdf = tmp_path / "long.pdf"
    count = write_report_pdf(pdf, long_report)
    pages = _pages(pdf, tmp_path)
    assert count == len(pages) >= 2
    assert all(_not_blank(page) for page in pages)


def test_printing_goes_to_the_printer_and_is_audited(
    gate: ClinicGate, tasks: TaskRunner, qtbot: QtBot, tmp_path: Path
) -> None:
    _real(gate)
    clinic = unlock(gate)
    seeded = seed_patient_with_lesions(clinic)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    runner = LesionReportRunner(tasks, clinic.services.images, seeded.session.actor)
    with qtbot.waitSignal(runner.printed, timeout=WAIT_MS * 4) as printed:
        runner.print_report(seeded.patient.id, seeded.lesion_ids, printer, ask=False)
    assert printed.args[0] >= 1
    assert (tmp_path / "printed.pdf").stat().st_size > 10_000
    events = clinic.services.audit.recent(session_for(clinic, "manager").actor, 50)
    prints = [e for e in events if e.entity_type == "lesion_report"]
    assert [e.action for e in prints] == [AuditAction.PRINT]

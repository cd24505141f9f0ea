"""Opening a big chart: 40 visits (signed notes, some with addenda), 30 lesions, 120 images.

Goal: <= 150 ms from "open this patient" to the first paint - the services
reads (chart, summary, lists; each audited), building a fresh ``ChartScreen``,
filling it and painting it once (offscreen). The chart is built through the
real services (visits, notes, lists) and, for lesions and image metadata whose
services arrive with the imaging issue, straight through the ORM records.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.benchmarks._common import median, ms, p95, report, write_result

NAME = "chart_open"
VISITS = 40
LESIONS = 30
IMAGES = 120
RUNS = int(os.environ.get("DERMAI_BENCH_CHART_RUNS", "20"))
GOAL_MS = 150.0


def _seed(gate: Any, clinic: Any) -> tuple[Any, str]:
    from sqlalchemy.orm import Session as OrmSession

    from dermai_desktop.domain.chart_lists import (
        AllergyDraft,
        AllergySeverity,
        MedicationDraft,
        ProblemDraft,
    )
    from dermai_desktop.domain.ids import new_uuid7
    from dermai_desktop.services.dto import NoteText
    from dermai_desktop.storage.records_imaging import LesionImageRecord, LesionRecord
    from tests.ui.chart_support import register_patient, session_for

    derm = session_for(clinic, "derm")
    patient = register_patient(clinic)
    charts, lists, actor = clinic.services.charts, clinic.services.chart_lists, derm.actor
    for i in range(VISITS):
        encounter = charts.start_encounter(actor, patient.id, f"Follow-up visit {i + 1}")
        note = charts.write_note(
            actor,
            encounter.id,
            NoteText(
                subjective="Reviewing the naevi on the back; no new symptoms. " * 3,
                objective="Multiple benign-appearing naevi, dermoscopy reticular pattern. " * 3,
                assessment="Benign melanocytic naevi.",
                plan="Photograph and review in 6 months.",
            ),
            patient_id=patient.id,
        )
        charts.sign_note(actor, note.id)
        if i % 5 == 0:
            charts.add_addendum(actor, note.id, NoteText(subjective="Histology benign."))
    for label in ("Psoriasis vulgaris", "Actinic keratosis", "Seborrhoeic keratosis"):
        lists.add_problem(actor, patient.id, ProblemDraft(label))
    lists.add_allergy(
        actor,
        patient.id,
        AllergyDraft("Penicillin", "Anaphylaxis", AllergySeverity.LIFE_THREATENING),
    )
    lists.add_medication(
        actor, patient.id, MedicationDraft("Methotrexate", "15 mg", "oral", "weekly")
    )

    now = datetime.now(UTC)
    with OrmSession(gate.database.engine) as orm:
        for n in range(LESIONS):
            lesion_id = new_uuid7()
            orm.add(
                LesionRecord(
                    id=lesion_id,
                    created_at=now,
                    updated_at=now,
                    patient_id=patient.id,
                    label=f"L{n + 1}",
                    body_site="back",
                    body_view="back",
                    body_map_x=0.5,
                    body_map_y=0.4,
                    first_noted=(now - timedelta(days=400)).date(),
                    status="watch",
                )
            )
            orm.flush()
            for k in range(IMAGES // LESIONS):
                orm.add(
                    LesionImageRecord(
                        id=new_uuid7(),
                        created_at=now,
                        updated_at=now,
                        lesion_id=lesion_id,
                        patient_id=patient.id,
                        sha256=f"{n:032x}{k:032x}",
                        modality="dermoscopic_polarised" if k % 2 else "clinical_overview",
                        captured_at=now - timedelta(days=30 * k),
                        imported_at=now - timedelta(days=30 * k),
                        width_px=4000,
                        height_px=3000,
                        mm_per_pixel=0.01,
                        byte_size=2_500_000,
                    )
                )
        orm.commit()
    return derm, patient.id


def run() -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from dermai_desktop.app import build_demo_gate
    from dermai_desktop.ui import theme
    from dermai_desktop.ui.screens.chart_screen import ChartScreen, load_chart
    from dermai_desktop.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app, "light")  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        gate = build_demo_gate(Path(tmp) / "demo", fast=True, patients=0)
        clinic = gate.unlock()
        try:
            derm, patient_id = _seed(gate, clinic)
            tasks = TaskRunner()
            timings: list[float] = []
            service_timings: list[float] = []
            visits_timings: list[float] = []
            for _ in range(RUNS + 2):  # two warm-ups: imports, style polish caches
                started = time.perf_counter()
                data = load_chart(derm, patient_id)
                read = time.perf_counter()
                screen = ChartScreen(derm, tasks)
                screen.resize(1044, 760)
                screen.show()
                screen.show_data(data)
                screen.repaint()  # the first paint, synchronously
                app.processEvents()
                done = time.perf_counter()
                timings.append(done - started)
                service_timings.append(read - started)
                # Not part of the goal: the Visits tab is built when first shown.
                screen.show_tab("visits")
                screen.repaint()
                app.processEvents()
                visits_timings.append(time.perf_counter() - done)
                assert data.chart is not None
                assert len(data.chart.encounters) == VISITS
                assert data.summary is not None
                assert len(data.summary.lesions_under_watch) == LESIONS
                screen.close()
                screen.deleteLater()
                tasks.wait_idle(5000)
                app.processEvents()
            tasks.shutdown()
        finally:
            gate.close()
    timings, service_timings = timings[2:], service_timings[2:]
    visits_timings = visits_timings[2:]
    figures = {
        "visits": VISITS,
        "lesions": LESIONS,
        "images": IMAGES,
        "runs": RUNS,
        "median_ms": ms(median(timings)),
        "p95_ms": ms(p95(timings)),
        "service_median_ms": ms(median(service_timings)),
        "visits_tab_median_ms": ms(median(visits_timings)),
        "goal_ms": GOAL_MS,
        "measured_on": date.today().isoformat(),
    }
    write_result(NAME, figures)
    verdict = "met" if figures["p95_ms"] <= GOAL_MS else "NOT met"
    report(
        NAME,
        f"open chart ({VISITS} visits, {LESIONS} lesions, {IMAGES} images): median "
        f"{figures['median_ms']} ms, p95 {figures['p95_ms']} ms (services "
        f"{figures['service_median_ms']} ms); goal <= {GOAL_MS:.0f} ms {verdict}; first "
        f"switch to the 40-visit Visits tab {figures['visits_tab_median_ms']} ms",
    )
    return figures


def test_chart_open_benchmark() -> None:
    figures = run()
    assert figures["p95_ms"] <= GOAL_MS

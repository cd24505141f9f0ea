"""Viewer first paint: a 24-megapixel JPEG from "open" to the first painted frame.

Goal: <= 300 ms. The image (a shared HAM10000 photo upscaled to 6000 x 4000)
is imported through the real services into the real encrypted image store of
a demo clinic (SQLCipher). Measured: the viewer window asks to open it, the
service audits the view, decrypts the blob and decodes a reduced preview
(JPEG draft mode) on a worker, the window shows it and paints one frame
offscreen. The full decode that follows is timed too, but is not the goal.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from tests.benchmarks._common import median, ms, p95, report, write_result

NAME = "viewer_first_paint"
RUNS = int(os.environ.get("DERMAI_BENCH_VIEWER_RUNS", "10"))
GOAL_MS = 300.0
SIZE = (6000, 4000)


def _big_jpeg(folder: Path) -> Path:
    import numpy as np
    from PIL import Image

    from tests.shared_data import fullres_images

    with Image.open(fullres_images()[0]) as picture:
        smooth = np.asarray(picture.convert("RGB").resize(SIZE, Image.Resampling.BICUBIC))
    # Sensor-like grain: an upscaled picture alone compresses to a fraction of a real
    # camera's 24 MP JPEG; with grain the file is camera-sized and decodes like one.
    grain = np.random.default_rng(4).normal(0, 6, smooth.shape)
    big = Image.fromarray(np.clip(smooth + grain, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=92)
    path = folder / "big.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def run() -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dermai_desktop.app import build_demo_gate
    from dermai_desktop.domain.imaging import Modality
    from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft
    from dermai_desktop.ui import theme
    from dermai_desktop.ui.tasks import TaskRunner
    from dermai_desktop.ui.viewer.viewer_window import ViewerWindow
    from tests.ui.chart_support import register_patient, session_for

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app, "light")  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        source_file = _big_jpeg(Path(tmp))
        byte_size = source_file.stat().st_size
        gate = build_demo_gate(Path(tmp) / "demo", fast=True, patients=0)
        clinic = gate.unlock()
        try:
            derm = session_for(clinic, "derm")
            patient = register_patient(clinic)
            services = clinic.services
            lesion = services.lesions.add(
                derm.actor,
                patient.id,
                LesionDraft("L1", "Back", BodyPoint(BodyView.BACK, 0.5, 0.4), date.today()),
            )
            result = services.images.import_files(
                derm.actor, lesion.id, [source_file], Modality.CLINICAL_OVERVIEW
            )[0]
            assert result.image is not None, result.message
            assert (result.image.width, result.image.height) == SIZE
            settings = QSettings(str(Path(tmp) / "viewer.ini"), QSettings.Format.IniFormat)
            tasks = TaskRunner()
            firsts: list[float] = []
            fulls: list[float] = []
            for _ in range(RUNS + 1):  # one warm-up: imports, style polish, first decode tables
                window = ViewerWindow(
                    services.images, derm.actor, tasks, result.image.id, settings=settings
                )
                window.resize(1280, 820)
                window.show()
                app.processEvents()
                painted: list[float] = []
                full: list[float] = []
                window.canvas.first_frame_painted.connect(
                    lambda painted=painted: painted.append(time.perf_counter())
                )
                window.full_resolution_shown.connect(
                    lambda full=full: full.append(time.perf_counter())
                )
                started = time.perf_counter()
                window.load()
                deadline = started + 30
                while not painted and time.perf_counter() < deadline:
                    app.processEvents()
                    time.sleep(0.001)
                while not full and time.perf_counter() < deadline:
                    app.processEvents()
                    time.sleep(0.002)
                assert painted, "the viewer never painted"
                assert full, "the full image never arrived"
                firsts.append(painted[0] - started)
                fulls.append(full[0] - started)
                window.close()
                window.deleteLater()
                tasks.wait_idle(10000)
                app.processEvents()
            tasks.shutdown()
        finally:
            gate.close()
    firsts, fulls = firsts[1:], fulls[1:]
    figures = {
        "image_px": f"{SIZE[0]}x{SIZE[1]}",
        "jpeg_bytes": byte_size,
        "runs": RUNS,
        "median_ms": ms(median(firsts)),
        "p95_ms": ms(p95(firsts)),
        "full_resolution_median_ms": ms(median(fulls)),
        "goal_ms": GOAL_MS,
        "measured_on": date.today().isoformat(),
    }
    write_result(NAME, figures)
    verdict = "met" if figures["p95_ms"] <= GOAL_MS else "NOT met"
    report(
        NAME,
        f"24 MP JPEG ({byte_size / 1e6:.1f} MB, encrypted store) open -> first paint: median "
        f"{figures['median_ms']} ms, p95 {figures['p95_ms']} ms; goal <= {GOAL_MS:.0f} ms "
        f"{verdict}; full resolution on screen after {figures['full_resolution_median_ms']} ms",
    )
    return figures


def test_viewer_first_paint_benchmark() -> None:
    figures = run()
    assert figures["p95_ms"] <= GOAL_MS

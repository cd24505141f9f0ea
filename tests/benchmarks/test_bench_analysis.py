"""On-device lesion analysis: model latency on one thread, the whole analyze call, model size.

Single-image inference p50/p95 for the classifier and the segmenter separately
(one onnxruntime intra-op thread, the engine's setting), batch throughput (64
images per run), and the whole ``OnnxLesionAnalyzer.analyze`` call (decode,
quality checks, segmentation, measurements, classification) on the 24 real
600 x 450 photos and on a synthesised 24-megapixel JPEG. Goals from issue #5:
inference <= 20 ms per image, the model files <= 20 MB together, and the whole
analysis well under a second (what the dermatologist waits for).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.benchmarks._common import median, ms, p95, report, write_result

NAME = "analysis"
ROUNDS = 200
GOAL_INFERENCE_MS = 20.0
GOAL_TOTAL_MB = 20.0
GOAL_ANALYZE_MS = 1000.0
BATCH = 64


def _timed(action: Callable[[], object], rounds: int) -> list[float]:
    action()  # warm-up: session creation, page cache
    times: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def _figures(times: list[float]) -> dict[str, float]:
    return {"p50_ms": ms(median(times)), "p95_ms": ms(p95(times))}


def run() -> dict[str, Any]:
    import numpy as np
    from PIL import Image

    from dermai_desktop.analysis import OnnxLesionAnalyzer
    from dermai_desktop.analysis.models import CLASSIFIER, SEGMENTER, default_models_dir, load_card
    from dermai_desktop.analysis.preprocess import model_input
    from tests.benchmarks.test_bench_imaging import synthesise_24mp_jpeg
    from tests.shared_data import fullres_images

    engine = OnnxLesionAnalyzer()
    card = engine.classifier_card()
    paths = fullres_images()
    with Image.open(paths[0]) as image:
        one = model_input(image.convert("RGB"), card)
    rng = np.random.default_rng(5)
    batch = np.concatenate([one] * BATCH) + rng.normal(0, 0.05, (BATCH, *one.shape[1:])).astype(
        np.float32
    )

    classifier = _timed(lambda: engine.classifier_logits(one), ROUNDS)
    segmenter = _timed(lambda: engine.segmenter_maps(one), ROUNDS)
    classifier_batch = _timed(lambda: engine.classifier_logits(batch), 10)
    segmenter_batch = _timed(lambda: engine.segmenter_maps(batch), 10)

    photos = [path.read_bytes() for path in paths]
    analyze_times: list[float] = []
    for _ in range(3):
        for data in photos:
            start = time.perf_counter()
            engine.analyze(data, "image/jpeg", 0.02)
            analyze_times.append(time.perf_counter() - start)
    huge = synthesise_24mp_jpeg()
    huge_times = _timed(lambda: engine.analyze(huge, "image/jpeg", 0.002), 8)

    models = default_models_dir()
    sizes = {name: load_card(models, name).path.stat().st_size for name in (CLASSIFIER, SEGMENTER)}
    figures: dict[str, Any] = {
        "threads": 1,
        "input": f"{card.input_size[1]}x{card.input_size[0]}",
        "rounds": ROUNDS,
        "goal_inference_ms": GOAL_INFERENCE_MS,
        "goal_total_mb": GOAL_TOTAL_MB,
        "goal_analyze_ms": GOAL_ANALYZE_MS,
        "classifier": _figures(classifier),
        "segmenter": _figures(segmenter),
        "classifier_batch_images_per_s": round(BATCH / median(classifier_batch), 0),
        "segmenter_batch_images_per_s": round(BATCH / median(segmenter_batch), 0),
        "analyze_600x450": {**_figures(analyze_times), "images": len(analyze_times)},
        "analyze_24mp": {**_figures(huge_times), "jpeg_mb": round(len(huge) / 1e6, 1)},
        "model_mb": {name: round(size / 1e6, 2) for name, size in sizes.items()},
        "total_model_mb": round(sum(sizes.values()) / 1e6, 2),
    }
    write_result(NAME, figures)
    report(
        NAME,
        f"classifier p50 {figures['classifier']['p50_ms']} ms (p95 "
        f"{figures['classifier']['p95_ms']}), segmenter p50 {figures['segmenter']['p50_ms']} ms "
        f"(p95 {figures['segmenter']['p95_ms']}); batch "
        f"{figures['classifier_batch_images_per_s']:.0f}/"
        f"{figures['segmenter_batch_images_per_s']:.0f} images/s; analyze 600x450 p50 "
        f"{figures['analyze_600x450']['p50_ms']} ms (p95 {figures['analyze_600x450']['p95_ms']}), "
        f"24 MP p50 {figures['analyze_24mp']['p50_ms']} ms; models {figures['total_model_mb']} MB",
    )
    return figures


def test_analysis() -> None:
    figures = run()
    assert figures["classifier"]["p95_ms"] <= GOAL_INFERENCE_MS
    assert figures["segmenter"]["p95_ms"] <= GOAL_INFERENCE_MS
    assert figures["total_model_mb"] <= GOAL_TOTAL_MB
    assert figures["analyze_600x450"]["p95_ms"] < GOAL_ANALYZE_MS
    assert figures["analyze_24mp"]["p95_ms"] < GOAL_ANALYZE_MS


if __name__ == "__main__":
    run()

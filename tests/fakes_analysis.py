"""An in-memory analysis repository and a deterministic fake lesion analyser.

The fake analyser answers from the image bytes' hash (the same bytes always
give the same probabilities), or with the class set in ``top``; tests switch
it to "models missing" (``unavailable``), make an image unreadable
(bytes starting with ``b"BAD"``), fail a quality check (``reliable=False``)
or swap the model (``model_sha256``) without any ONNX.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from dermai_desktop.domain.analysis import (
    CLASS_CODES,
    MALIGNANT_CODES,
    AnalysisOutcome,
    AnalysisResult,
    ClassProbability,
    Measurement,
    ModelIdentity,
    PathologyResult,
    QualityCheck,
    QualityFinding,
    Verdict,
)
from dermai_desktop.domain.ids import ImageId, LesionId
from dermai_desktop.services.analysis_ports import (
    AnalysisUnavailable,
    ImageNotAnalysable,
    ModelCardSummary,
)

FAKE_MODEL_SHA = "c1a55" + "0" * 59
FAKE_SEGMENTER_SHA = "5e6" + "0" * 61


@dataclass
class FakeAnalysisState:
    results: dict[str, AnalysisResult] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    pathology: list[PathologyResult] = field(default_factory=list)


class _State(Protocol):
    analysis: FakeAnalysisState


def _newest_first(results: list[AnalysisResult]) -> list[AnalysisResult]:
    return sorted(results, key=lambda r: (r.created_at, r.id), reverse=True)


class FakeAnalysisRepository:
    """Append-only like the real tables: there is no way to change or remove a row."""

    def __init__(self, state: _State) -> None:
        self._s = state.analysis

    def add_result(self, result: AnalysisResult) -> AnalysisResult:
        if result.id in self._s.results:
            raise AssertionError("analysis results are append-only")
        self._s.results[result.id] = result
        return result

    def results_for_image(self, image_id: ImageId) -> list[AnalysisResult]:
        return _newest_first([r for r in self._s.results.values() if r.image_id == image_id])

    def results_for_lesion(self, lesion_id: LesionId) -> list[AnalysisResult]:
        return _newest_first([r for r in self._s.results.values() if r.lesion_id == lesion_id])

    def get_result(self, result_id: str) -> AnalysisResult | None:
        return self._s.results.get(result_id)

    def add_verdict(self, verdict: Verdict) -> Verdict:
        self._s.verdicts.append(verdict)
        return verdict

    def verdicts_for(self, result_id: str) -> list[Verdict]:
        found = [v for v in self._s.verdicts if v.result_id == result_id]
        return sorted(found, key=lambda v: (v.recorded_at, v.id))

    def add_pathology(self, pathology: PathologyResult) -> PathologyResult:
        self._s.pathology.append(pathology)
        return pathology

    def pathology_for(self, lesion_id: LesionId) -> PathologyResult | None:
        found = [p for p in self._s.pathology if p.lesion_id == lesion_id]
        return max(found, key=lambda p: (p.recorded_at, p.id), default=None)

    def all_pathology(self) -> list[PathologyResult]:
        latest: dict[LesionId, PathologyResult] = {}
        for item in sorted(self._s.pathology, key=lambda p: (p.recorded_at, p.id)):
            latest[item.lesion_id] = item
        return list(latest.values())


def _probabilities(data: bytes, top: str | None) -> tuple[ClassProbability, ...]:
    if top is not None:
        rest = (1.0 - 0.7) / (len(CLASS_CODES) - 1)
        return tuple(ClassProbability(code, 0.7 if code == top else rest) for code in CLASS_CODES)
    digest = hashlib.sha256(data).digest()
    weights = [1 + digest[i] for i in range(len(CLASS_CODES))]
    total = sum(weights)
    return tuple(ClassProbability(c, w / total) for c, w in zip(CLASS_CODES, weights, strict=True))


class FakeLesionAnalyzer:
    def __init__(self) -> None:
        self.unavailable = False
        self.reliable = True
        self.top: str | None = None
        self.model_sha256 = FAKE_MODEL_SHA
        self.model_version = "1.0.0"
        self.calls: list[tuple[str, float | None]] = []

    def _models(self) -> tuple[ModelIdentity, ModelIdentity]:
        if self.unavailable:
            raise AnalysisUnavailable()
        return (
            ModelIdentity("fake-classifier", self.model_version, self.model_sha256),
            ModelIdentity("fake-segmenter", "1.0.0", FAKE_SEGMENTER_SHA),
        )

    def analyze(self, data: bytes, media_type: str, mm_per_pixel: float | None) -> AnalysisOutcome:
        classifier, segmenter = self._models()
        if data.startswith(b"BAD"):
            raise ImageNotAnalysable()
        self.calls.append((media_type, mm_per_pixel))
        probabilities = _probabilities(data, self.top)
        blur = 120.0 if self.reliable else 3.0
        diameter = Measurement(
            key="diameter",
            label="Diameter",
            value=None if mm_per_pixel is None else 400 * mm_per_pixel,
            display="not calibrated" if mm_per_pixel is None else f"{400 * mm_per_pixel:.1f} mm",
            explanation="Longest diameter of the lesion.",
        )
        return AnalysisOutcome(
            classifier=classifier,
            segmenter=segmenter,
            probabilities=probabilities,
            suspicion=sum(p.probability for p in probabilities if p.code in MALIGNANT_CODES),
            uncertainty=0.25,
            low_confidence=False,
            measurements=(
                Measurement("asymmetry", "Asymmetry", 1.0, "1 axis", "Halves do not match."),
                diameter,
            ),
            quality=(
                QualityFinding(
                    QualityCheck.BLUR,
                    blur >= 10.0,
                    blur,
                    10.0,
                    "Sharp enough." if blur >= 10.0 else "The image is blurred.",
                ),
            ),
            seconds=0.004,
        )

    def card(self) -> ModelCardSummary:
        classifier, segmenter = self._models()
        return ModelCardSummary(
            classifier=classifier,
            segmenter=segmenter,
            intended_use="Decision support for clinicians, not a diagnosis.",
            known_limits=("Dermoscopic images only.",),
            licence="CC BY-NC 4.0 (HAM10000)",
            figures=("Balanced accuracy .70 on held-out lesions",),
        )


__all__ = [
    "FAKE_MODEL_SHA",
    "FakeAnalysisRepository",
    "FakeAnalysisState",
    "FakeLesionAnalyzer",
]

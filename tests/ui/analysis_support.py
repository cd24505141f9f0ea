"""An in-memory analysis client for the analysis screens' tests and screenshots.

It has the methods of ``AnalysisService`` the screens call, with a realistic
outcome (seven calibrated classes, the ABCD measurements, seven quality
checks); the service itself is tested in ``tests/unit/test_analysis_service.py``
and the screens run against it in ``test_analysis_ui.py`` too.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dermai_desktop.domain.analysis import (
    CLASS_CODES,
    MALIGNANT_CODES,
    AnalysisOutcome,
    AnalysisResult,
    ClassProbability,
    Measurement,
    ModelIdentity,
    ModelVsPathology,
    PathologyResult,
    QualityCheck,
    QualityFinding,
    Verdict,
    VerdictKind,
)
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.analysis_ports import ModelCardSummary

LESION = LesionId("lesion-1")
CLASSIFIER = ModelIdentity("dermai-lesion-classifier", "1.2.0", "3f9a0c7e51d2" + "ab" * 26)
SEGMENTER = ModelIdentity("dermai-lesion-segmenter", "1.0.0", "9c41be0d77aa" + "cd" * 26)
PROBABILITIES = {
    "nv": 0.46,
    "mel": 0.27,
    "bkl": 0.14,
    "bcc": 0.05,
    "akiec": 0.04,
    "df": 0.025,
    "vasc": 0.015,
}
MEASUREMENTS = (
    Measurement(
        "asymmetry",
        "Asymmetry",
        1.0,
        "1 of 2 axes",
        "Folding the outline about its two main axes, one half does not match the other.",
    ),
    Measurement(
        "border",
        "Border",
        4.0,
        "4 of 8 segments",
        "Abrupt pigment cut-off in 4 of the 8 border segments (compactness 1.38).",
    ),
    Measurement(
        "colours",
        "Colours",
        3.0,
        "3 of 6",
        "Light brown, dark brown and blue-grey are present.",
    ),
    Measurement(
        "structures",
        "Structures",
        3.0,
        "≈ 3 of 5",
        "Approximate count of dermoscopic structures (network, dots, globules…).",
    ),
    Measurement("diameter", "Diameter", 6.4, "6.4 mm", "Longest diameter of the segmented lesion."),
    Measurement(
        "tds",
        "Total dermoscopy score",
        5.1,
        "5.1 — suspicious",
        "TDS = 1.3·A + 0.1·B + 0.5·C + 0.5·D; 4.75–5.45 is suspicious.",
    ),
)
QUALITY_PASSED = tuple(
    QualityFinding(check, True, 1.0, 0.5, f"{check.value} ok") for check in QualityCheck
)


def outcome(
    *,
    reliable: bool = True,
    low_confidence: bool = False,
    probabilities: dict[str, float] | None = None,
) -> AnalysisOutcome:
    probs = probabilities or PROBABILITIES
    quality = list(QUALITY_PASSED)
    if not reliable:
        quality[0] = QualityFinding(
            QualityCheck.BLUR,
            False,
            12.0,
            60.0,
            "The image is blurred (sharpness 12, needs 60): refocus and take it again.",
        )
    return AnalysisOutcome(
        classifier=CLASSIFIER,
        segmenter=SEGMENTER,
        probabilities=tuple(ClassProbability(code, probs[code]) for code in CLASS_CODES),
        suspicion=sum(probs[code] for code in MALIGNANT_CODES),
        uncertainty=0.61 if low_confidence else 0.28,
        low_confidence=low_confidence,
        measurements=MEASUREMENTS,
        quality=tuple(quality),
        seconds=0.14,
    )


class MemoryAnalysisClient:
    """Stores results, verdicts and pathology in memory; ``fail`` makes ``analyze`` raise."""

    def __init__(self, lesion_id: LesionId = LESION) -> None:
        self.lesion_id = lesion_id
        self.stored: list[AnalysisResult] = []
        self.verdict_log: list[Verdict] = []
        self.pathology_log: list[PathologyResult] = []
        self.fail: BaseException | None = None
        self.next_outcome = outcome()
        self.image_ids: list[ImageId] = [ImageId("img-1")]
        self._ids = itertools.count(1)
        self._clock = datetime(2025, 3, 12, 14, 2, tzinfo=UTC)
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        self._clock += timedelta(minutes=1)
        return self._clock

    def model_card(self, actor: Actor) -> ModelCardSummary:
        return ModelCardSummary(
            classifier=CLASSIFIER,
            segmenter=SEGMENTER,
            intended_use="Decision support for clinicians, not a diagnosis.",
            known_limits=(
                "Dermoscopic images only; clinical photos are unreliable.",
                "Skin types V–VI are under-represented in HAM10000.",
            ),
            licence="HAM10000 (CC BY-NC 4.0): commercial use needs a licence or retraining.",
            figures=(
                "DermaMNIST test: ACC .812, AUC .951",
                "Held-out lesion groups: balanced accuracy .76, ECE .03",
            ),
        )

    def analyze(self, actor: Actor, image_id: ImageId) -> AnalysisResult:
        with self._lock:
            if self.fail is not None:
                raise self.fail
            result = AnalysisResult(
                id=f"res-{next(self._ids)}",
                image_id=image_id,
                lesion_id=self.lesion_id,
                patient_id=PatientId("p-1"),
                image_sha256="e3b0c442" * 8,
                outcome=self.next_outcome,
                created_at=self._now(),
                created_by=str(actor.user_id),
            )
            self.stored.insert(0, result)
            return result

    def analyze_lesion(
        self,
        actor: Actor,
        lesion_id: LesionId,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[AnalysisResult]:
        done = []
        for index, image_id in enumerate(self.image_ids):
            if progress is not None:
                progress(index, len(self.image_ids))
            done.append(self.analyze(actor, image_id))
        if progress is not None:
            progress(len(self.image_ids), len(self.image_ids))
        return done

    def results_for(self, image_id: ImageId) -> list[AnalysisResult]:
        return [r for r in self.stored if r.image_id == image_id]

    def results(self, actor: Actor, image_id: ImageId) -> list[AnalysisResult]:
        return self.results_for(image_id)

    def record_verdict(
        self, actor: Actor, result_id: str, kind: VerdictKind, impression: str = ""
    ) -> Verdict:
        text = Verdict.check(kind, impression)
        verdict = Verdict(f"v-{next(self._ids)}", result_id, kind, text, self._now(), "u-derm")
        self.verdict_log.append(verdict)
        return verdict

    def verdicts(self, actor: Actor, result_id: str) -> list[Verdict]:
        return [v for v in self.verdict_log if v.result_id == result_id]

    def record_pathology(
        self, actor: Actor, lesion_id: LesionId, diagnosis: str, note: str = ""
    ) -> PathologyResult:
        code, text = PathologyResult.check(diagnosis, note)
        entry = PathologyResult(f"p-{next(self._ids)}", lesion_id, code, text, self._now(), "u")
        self.pathology_log.append(entry)
        return entry

    def pathology(self, actor: Actor, lesion_id: LesionId) -> PathologyResult | None:
        found = [p for p in self.pathology_log if p.lesion_id == lesion_id]
        return found[-1] if found else None

    def model_vs_pathology(self, actor: Actor) -> ModelVsPathology:
        return ModelVsPathology(
            counts={
                "mel": {"mel": 7, "nv": 2, "bkl": 1},
                "nv": {"nv": 18, "mel": 3},
                "bcc": {"bcc": 4, "akiec": 1},
                "bkl": {"bkl": 5, "nv": 2},
                "other": {"nv": 1},
            },
            lesions=44,
        )


def with_outcome(result: AnalysisResult, new: AnalysisOutcome) -> AnalysisResult:
    return replace(result, outcome=new)

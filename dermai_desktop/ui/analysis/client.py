"""What the analysis screens need from ``AnalysisService``, and how they word its numbers.

The screens are typed against this protocol rather than the service class so
the tests can drive them with a small fake; the real service satisfies it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from dermai_desktop.domain.analysis import (
    AnalysisResult,
    ModelIdentity,
    ModelVsPathology,
    PathologyResult,
    Verdict,
    VerdictKind,
)
from dermai_desktop.domain.ids import ImageId, LesionId
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.analysis_ports import ModelCardSummary

#: Above this summed probability of the malignant classes the score is drawn as a warning.
HIGH_SUSPICION = 0.5


class AnalysisClient(Protocol):
    def model_card(self, actor: Actor) -> ModelCardSummary: ...
    def analyze(self, actor: Actor, image_id: ImageId) -> AnalysisResult: ...
    def analyze_lesion(
        self,
        actor: Actor,
        lesion_id: LesionId,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[AnalysisResult]: ...
    def results(self, actor: Actor, image_id: ImageId) -> list[AnalysisResult]: ...
    def record_verdict(
        self, actor: Actor, result_id: str, kind: VerdictKind, impression: str = ""
    ) -> Verdict: ...
    def verdicts(self, actor: Actor, result_id: str) -> list[Verdict]: ...
    def record_pathology(
        self, actor: Actor, lesion_id: LesionId, diagnosis: str, note: str = ""
    ) -> PathologyResult: ...
    def pathology(self, actor: Actor, lesion_id: LesionId) -> PathologyResult | None: ...
    def model_vs_pathology(self, actor: Actor) -> ModelVsPathology: ...


def percent(value: float) -> str:
    """A probability as people read it: "42 %", "<1 %" rather than "0 %" for a small chance."""
    if 0 < value < 0.005:
        return "<1 %"
    return f"{value * 100:.0f} %"


def short_sha(sha256: str) -> str:
    return sha256[:12] if sha256 else "—"


def model_line(model: ModelIdentity) -> str:
    return f"{model.name} v{model.version}"


def when(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M").lstrip("0")


__all__ = [
    "HIGH_SUSPICION",
    "AnalysisClient",
    "model_line",
    "percent",
    "short_sha",
    "when",
]

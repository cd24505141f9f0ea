"""Ports for lesion analysis: the on-device engine and the append-only result store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dermai_desktop.domain.analysis import (
    AnalysisOutcome,
    AnalysisResult,
    ModelIdentity,
    PathologyResult,
    Verdict,
)
from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.ids import ImageId, LesionId


class AnalysisUnavailable(ExpectedError):
    """The model files are missing, changed or unreadable: analysis is off, the app works on."""

    title = "Analysis unavailable"
    default_message = "The lesion analysis model is missing or has been changed."
    default_next_step = (
        "Everything else keeps working. Ask IT to reinstall DermAI Desktop to restore the model."
    )


class ImageNotAnalysable(ExpectedError):
    title = "Image cannot be analysed"
    default_message = "This image cannot be analysed."
    default_next_step = "Use a sharp dermoscopic photo of the lesion."


@dataclass(frozen=True, slots=True)
class ModelCardSummary:
    """What the UI shows about the models (from their cards)."""

    classifier: ModelIdentity
    segmenter: ModelIdentity
    intended_use: str
    known_limits: tuple[str, ...]
    licence: str
    figures: tuple[str, ...]  # plain lines such as "Balanced accuracy .58 on held-out lesions"


class LesionAnalyzer(Protocol):
    def analyze(self, data: bytes, media_type: str, mm_per_pixel: float | None) -> AnalysisOutcome:
        """Quality checks, segmentation, measurements and classification of one image.

        Raise ``AnalysisUnavailable`` when the models cannot be used and
        ``ImageNotAnalysable`` for pixels that cannot be read.
        """
        ...

    def card(self) -> ModelCardSummary:
        """The models' identity and card, checked against the files."""
        ...


class AnalysisRepository(Protocol):
    def add_result(self, result: AnalysisResult) -> AnalysisResult: ...
    def results_for_image(self, image_id: ImageId) -> list[AnalysisResult]:
        """Newest first."""
        ...

    def results_for_lesion(self, lesion_id: LesionId) -> list[AnalysisResult]: ...
    def get_result(self, result_id: str) -> AnalysisResult | None: ...
    def add_verdict(self, verdict: Verdict) -> Verdict: ...
    def verdicts_for(self, result_id: str) -> list[Verdict]:
        """Oldest first; the last one is the current verdict."""
        ...

    def add_pathology(self, pathology: PathologyResult) -> PathologyResult: ...
    def pathology_for(self, lesion_id: LesionId) -> PathologyResult | None:
        """The latest pathology entered for the lesion."""
        ...

    def all_pathology(self) -> list[PathologyResult]:
        """The latest pathology of every lesion that has one."""
        ...


__all__ = [
    "AnalysisRepository",
    "AnalysisUnavailable",
    "ImageNotAnalysable",
    "LesionAnalyzer",
    "ModelCardSummary",
]

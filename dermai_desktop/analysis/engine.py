"""The on-device lesion analyzer: quality checks, segmentation, ABCD measurements, classifier.

Construction is cheap and touches no file. The cards are read, the model files
checked against their SHA-256 and the onnxruntime sessions created on first
use, on the calling (worker) thread; a missing or changed model raises
``AnalysisUnavailable`` there and nowhere else, so the rest of the app runs on.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from dermai_desktop.analysis import decode, features, quality
from dermai_desktop.analysis.models import (
    CLASSIFIER,
    SEGMENTER,
    ModelCard,
    card_figures,
    default_models_dir,
    load_card,
    verified_model_bytes,
)
from dermai_desktop.analysis.preprocess import model_input
from dermai_desktop.analysis.segment import lesion_mask
from dermai_desktop.analysis.sessions import LazySession
from dermai_desktop.domain.analysis import CLASS_CODES, AnalysisOutcome, ClassProbability
from dermai_desktop.services.analysis_ports import AnalysisUnavailable, ModelCardSummary


@dataclass(frozen=True, slots=True)
class _Models:
    classifier: LazySession
    segmenter: LazySession


class OnnxLesionAnalyzer:
    """Implements ``services.analysis_ports.LesionAnalyzer`` with our two ONNX models."""

    def __init__(self, models_dir: Path | None = None) -> None:
        self._models_dir = models_dir
        self._lock = threading.Lock()
        self._models: _Models | None = None

    @property
    def models_dir(self) -> Path:
        return self._models_dir or default_models_dir()

    def _loaded(self) -> _Models:
        with self._lock:
            if self._models is None:
                classifier = load_card(self.models_dir, CLASSIFIER)
                segmenter = load_card(self.models_dir, SEGMENTER)
                if set(classifier.classes) != set(CLASS_CODES):
                    raise AnalysisUnavailable(
                        "The installed lesion classifier does not use the expected classes."
                    )
                self._models = _Models(LazySession(classifier), LazySession(segmenter))
            return self._models

    # --- the port ---------------------------------------------------------------------------

    def card(self) -> ModelCardSummary:
        classifier = load_card(self.models_dir, CLASSIFIER)
        segmenter = load_card(self.models_dir, SEGMENTER)
        verified_model_bytes(classifier)
        verified_model_bytes(segmenter)
        limits = classifier.known_limits or (
            "Dermoscopic images only; unreliable on clinical photos and poor images.",
        )
        return ModelCardSummary(
            classifier=classifier.identity,
            segmenter=segmenter.identity,
            intended_use=classifier.intended_use,
            known_limits=limits,
            licence=classifier.licence,
            figures=card_figures(classifier, segmenter),
        )

    def analyze(self, data: bytes, media_type: str, mm_per_pixel: float | None) -> AnalysisOutcome:
        started = time.perf_counter()
        models = self._loaded()
        image, full_size = decode.decoded_rgb(data)
        work = decode.working_copy(image)
        findings = quality.image_findings(quality.image_stats(work))

        cls_card, seg_card = models.classifier.card, models.segmenter.card
        cls_input = model_input(image, cls_card)
        seg_input = cls_input if _same_input(cls_card, seg_card) else model_input(image, seg_card)
        prob_map = models.segmenter.run("mask", seg_input)[0, 0]
        mask = lesion_mask(prob_map, work.size)
        findings += quality.mask_findings(mask)

        px_scale = full_size[0] / work.size[0]
        calibration = mm_per_pixel if mm_per_pixel and mm_per_pixel > 0 else None
        rgb = np.asarray(work, dtype=np.uint8)
        measured = features.measurements(rgb, mask, px_scale, calibration)

        logits = models.classifier.run("logits", cls_input)[0]
        probabilities = calibrated(logits, cls_card)
        uncertainty = normalised_entropy(probabilities)
        ordered = tuple(
            ClassProbability(code, float(probabilities[cls_card.classes.index(code)]))
            for code in CLASS_CODES
        )
        return AnalysisOutcome(
            classifier=cls_card.identity,
            segmenter=seg_card.identity,
            probabilities=ordered,
            suspicion=float(sum(p.probability for p in ordered if p.code in cls_card.malignant)),
            uncertainty=uncertainty,
            low_confidence=uncertainty > cls_card.uncertainty_threshold,
            measurements=measured,
            quality=tuple(findings),
            seconds=time.perf_counter() - started,
        )

    # --- for the CLI, tests and the benchmark ------------------------------------------------

    def segment(self, image: Image.Image) -> np.ndarray:
        """The lesion mask at ``image``'s size."""
        models = self._loaded()
        prob = models.segmenter.run("mask", model_input(image, models.segmenter.card))[0, 0]
        return lesion_mask(prob, image.size)

    def classifier_logits(self, batch: np.ndarray) -> np.ndarray:
        return self._loaded().classifier.run("logits", batch)

    def segmenter_maps(self, batch: np.ndarray) -> np.ndarray:
        return self._loaded().segmenter.run("mask", batch)

    def classifier_card(self) -> ModelCard:
        return self._loaded().classifier.card


def _same_input(a: ModelCard, b: ModelCard) -> bool:
    return (a.input_size, a.mean, a.std, a.divisor) == (b.input_size, b.mean, b.std, b.divisor)


def calibrated(logits: np.ndarray, card: ModelCard) -> np.ndarray:
    """softmax(logits / temperature) in float64, in the card's class order."""
    z = logits.astype(np.float64) / card.temperature
    z -= z.max()
    e = np.exp(z)
    return np.asarray(e / e.sum(), dtype=np.float64)


def normalised_entropy(probabilities: np.ndarray) -> float:
    """0 when one class has all the probability, 1 when all classes are equally likely."""
    p = np.clip(probabilities, 1e-12, 1.0)
    return float(-(p * np.log(p)).sum() / math.log(len(p)))

"""Find the model files and their cards, and check each file against its card's SHA-256.

Everything the engine needs about a model (input size, normalisation, classes,
temperature, identity) comes from ``<name>.card.json``, so a retrained model
drops in without code changes. A file whose size or SHA-256 differs from its
card is refused before onnxruntime ever parses it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import dermai_desktop
from dermai_desktop.domain.analysis import CLASS_CODES, MALIGNANT_CODES, ModelIdentity
from dermai_desktop.services.analysis_ports import AnalysisUnavailable

CLASSIFIER = "lesion_classifier"
SEGMENTER = "lesion_segmenter"
MODELS_DIR_ENV = "DERMAI_MODELS_DIR"
#: The normalised-entropy level above which a result is "low confidence", unless the card
#: carries its own (``uncertainty_threshold``). On the 2,045 held-out images (lesion groups never
#: trained on) the 42 % above 0.40 have the top class right only 47 % of the time, the rest
#: 90 % (measured for model 0.1.0 and again for the 0.2.0 ensemble: the same split).
DEFAULT_UNCERTAINTY_THRESHOLD = 0.40

_REINSTALL = "Everything else keeps working. Ask IT to reinstall DermAI Desktop to restore it."


def default_models_dir() -> Path:
    """``$DERMAI_MODELS_DIR``, else ``models/`` beside the package (a checkout), else the
    copy installed inside the package (``dermai_desktop/models_data``)."""
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override)
    beside = Path(dermai_desktop.__file__).resolve().parent.parent / "models"
    if (beside / f"{CLASSIFIER}.card.json").is_file():
        return beside
    return Path(str(resources.files("dermai_desktop") / "models_data"))


@dataclass(frozen=True, slots=True)
class ModelCard:
    """The facts of one model's card that the engine uses."""

    identity: ModelIdentity
    path: Path
    bytes: int | None
    input_size: tuple[int, int]  # (height, width)
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    divisor: float  # pixels are divided by this (255), as training did
    classes: tuple[str, ...]
    malignant: frozenset[str]
    temperature: float
    uncertainty_threshold: float
    intended_use: str
    known_limits: tuple[str, ...]
    licence: str
    raw: dict[str, Any]


def _unavailable(message: str) -> AnalysisUnavailable:
    return AnalysisUnavailable(message, _REINSTALL)


def _first(card: dict[str, Any], *paths: tuple[str, ...]) -> Any:
    """The first value found along one of the key paths (cards of the two models differ)."""
    for keys in paths:
        node: Any = card
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return node
    return None


def _triple(value: Any, what: str) -> tuple[float, float, float]:
    if not isinstance(value, list) or len(value) != 3:
        raise _unavailable(f"The lesion analysis model card has no valid {what}.")
    a, b, c = (float(v) for v in value)
    return a, b, c


def _licence_text(card: dict[str, Any]) -> str:
    licence = card.get("licence", "")
    if isinstance(licence, dict):
        return str(licence.get("statement") or licence.get("training_data") or "")
    return str(licence)


def load_card(models_dir: Path, name: str) -> ModelCard:
    """Read and check ``<name>.card.json``; any problem means analysis is unavailable."""
    card_path = models_dir / f"{name}.card.json"
    try:
        raw = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _unavailable("The lesion analysis model is not installed.") from None
    except (OSError, ValueError):
        raise _unavailable("The lesion analysis model card cannot be read.") from None
    if not isinstance(raw, dict):
        raise _unavailable("The lesion analysis model card cannot be read.")
    try:
        size = _first(raw, ("input", "resize", "size"), ("input_size",))
        height, width = int(size[0]), int(size[1])
        sha256 = str(raw["sha256"]).lower()
        temperature = float(raw.get("temperature", 1.0))
        scale = float(_first(raw, ("input", "scale")) or 1 / 255)
        threshold = float(raw.get("uncertainty_threshold", DEFAULT_UNCERTAINTY_THRESHOLD))
        expected_bytes = raw.get("bytes")
        identity = ModelIdentity(str(raw["name"]), str(raw.get("version", "")), sha256)
        file_name = str(raw.get("file", f"{name}.onnx"))
    except (KeyError, TypeError, ValueError, IndexError):
        raise _unavailable("The lesion analysis model card is incomplete.") from None
    if len(sha256) != 64 or not (temperature > 0 and math.isfinite(temperature)):
        raise _unavailable("The lesion analysis model card is incomplete.")
    if Path(file_name).name != file_name:
        raise _unavailable("The lesion analysis model card is incomplete.")
    classes = tuple(str(c) for c in raw.get("classes", CLASS_CODES))
    return ModelCard(
        identity=identity,
        path=models_dir / file_name,
        bytes=int(expected_bytes) if expected_bytes is not None else None,
        input_size=(height, width),
        mean=_triple(_first(raw, ("input", "mean"), ("mean",)), "mean"),
        std=_triple(_first(raw, ("input", "std"), ("std",)), "standard deviation"),
        divisor=float(round(1.0 / scale, 6)),
        classes=classes,
        malignant=frozenset(raw.get("malignant_classes", MALIGNANT_CODES)),
        temperature=temperature,
        uncertainty_threshold=threshold,
        intended_use=str(raw.get("intended_use", "")),
        known_limits=tuple(str(x) for x in raw.get("known_limits", ())),
        licence=_licence_text(raw),
        raw=raw,
    )


def verified_model_bytes(card: ModelCard) -> bytes:
    """The model file's bytes, only if they are exactly what the card describes."""
    try:
        data = card.path.read_bytes()
    except FileNotFoundError:
        raise _unavailable("The lesion analysis model file is missing.") from None
    except OSError:
        raise _unavailable("The lesion analysis model file cannot be read.") from None
    if card.bytes is not None and len(data) != card.bytes:
        raise _unavailable(
            "The lesion analysis model file is incomplete or has been changed (wrong size)."
        )
    if hashlib.sha256(data).hexdigest() != card.identity.sha256:
        raise _unavailable(
            "The lesion analysis model file has been changed: its checksum does not match "
            "its model card, so it is not used."
        )
    return data


def card_figures(classifier: ModelCard, segmenter: ModelCard) -> tuple[str, ...]:
    """Plain lines with the headline figures of both cards (what the UI shows)."""
    lines: list[str] = []
    metrics = classifier.raw.get("metrics", {})
    official = metrics.get("official_dermamnist_test") or {}
    if "acc" in official and "auc" in official:
        lines.append(
            f"DermaMNIST official test ({official.get('n', '?')} images): "
            f"accuracy {official['acc']:.3f}, AUC {official['auc']:.3f}"
        )
    held = metrics.get("lesion_grouped_heldout") or {}
    if "bacc" in held:
        lines.append(
            f"Held-out lesions ({held.get('n_images', '?')} images): balanced accuracy "
            f"{held['bacc']:.3f}, macro AUC {held.get('macro_auc', float('nan')):.3f}"
        )
    if "mel_sens_at_90_spec" in held:
        lines.append(f"Melanoma sensitivity at 90% specificity: {held['mel_sens_at_90_spec']:.2f}")
    if "ece_after" in held:
        lines.append(f"Calibration error (ECE) on held-out lesions: {held['ece_after']:.3f}")
    seg = segmenter.raw.get("metrics_heldout_200x150") or {}
    if "mean_jaccard" in seg:
        lines.append(f"Segmentation Jaccard on held-out lesions: {seg['mean_jaccard']:.3f}")
    return tuple(lines)

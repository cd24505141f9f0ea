"""Parity with the training code: our NumPy preprocessing, and ONNX vs the PyTorch model."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from dermai_desktop.analysis import OnnxLesionAnalyzer
from dermai_desktop.analysis.models import CLASSIFIER, SEGMENTER, default_models_dir, load_card
from dermai_desktop.analysis.preprocess import model_input
from tests.shared_data import fullres_images, small_images

TRAINING = Path(__file__).resolve().parents[2] / "models" / "training"


def training_data_module() -> ModuleType:
    """``models/training/data.py`` (plain NumPy + Pillow), loaded from its file."""
    name = "dermai_training_data"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TRAINING / "data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _pictures() -> list[Image.Image]:
    paths = fullres_images()[:6] + small_images(6)
    pictures = []
    for path in paths:
        with Image.open(path) as image:
            pictures.append(image.copy())
    pictures.append(pictures[0].convert("L"))  # other modes go through .convert("RGB") too
    pictures.append(pictures[0].convert("RGBA"))
    return pictures


@pytest.mark.parametrize("model", [CLASSIFIER, SEGMENTER])
def test_numpy_preprocessing_equals_training_exactly(model: str) -> None:
    data = training_data_module()
    card = load_card(default_models_dir(), model)
    assert card.mean == pytest.approx(data.MEAN, abs=0)
    assert card.std == pytest.approx(data.STD, abs=0)
    assert card.input_size[0] == card.input_size[1]
    for picture in _pictures():
        ours = model_input(picture, card)
        theirs = data.preprocess(picture, card.input_size[0])
        assert ours.dtype == theirs.dtype == np.float32
        assert ours.shape == theirs.shape
        assert np.array_equal(ours, theirs)


def _checkpoints() -> list[Path]:
    return sorted((TRAINING / "runs").glob("*/best.pt"))


def test_onnx_matches_the_pytorch_model() -> None:
    torch = pytest.importorskip("torch", reason="torch (the 'train' extra) is not installed")
    card = load_card(default_models_dir(), CLASSIFIER)
    if not _checkpoints():
        pytest.skip("no training checkpoint in models/training/runs/ (git-ignored)")
    sys.path.insert(0, str(TRAINING))
    try:
        from model import build  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(TRAINING))
    data = training_data_module()
    batch = np.concatenate(
        [model_input(picture.convert("RGB"), card) for picture in _pictures()[:8]]
    )
    onnx_logits = OnnxLesionAnalyzer().classifier_logits(batch)
    differences = []
    for checkpoint in _checkpoints():
        saved = torch.load(checkpoint, map_location="cpu")
        if int(saved.get("size", 0)) != card.input_size[0]:
            continue
        net = build(saved["arch"])
        net.load_state_dict(saved["state_dict"])
        net.eval()
        with torch.no_grad():
            logits = net(torch.from_numpy(batch)).numpy()
        differences.append(float(np.abs(logits - onnx_logits).max()))
    assert data.MEAN  # the recipe is the one the card describes
    close = [d for d in differences if d < 1e-2]
    if not close:
        pytest.skip(
            "no checkpoint in models/training/runs/ is the one exported to the shipped ONNX"
        )
    assert min(close) <= 1e-4

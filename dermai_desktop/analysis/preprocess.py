"""Model input exactly as in training (``models/training/data.py``: ``preprocess``).

Squash-resize the whole RGB image with Pillow's antialiased BILINEAR filter,
then ``(x / 255 - mean) / std`` in float32 and HWC -> CHW. The constants come
from the model card; a parity test checks equality with the training code.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from dermai_desktop.analysis.models import ModelCard


def resized_rgb(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """``size`` is (height, width); returns uint8 HWC RGB."""
    height, width = size
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return np.asarray(rgb.resize((width, height), Image.Resampling.BILINEAR), dtype=np.uint8)


def normalised(batch_uint8_nhwc: np.ndarray, card: ModelCard) -> np.ndarray:
    """uint8 NHWC -> float32 NCHW with the card's constants (same float32 steps as training)."""
    scaled = batch_uint8_nhwc.astype(np.float32) / np.float32(card.divisor)
    x = (scaled - np.asarray(card.mean, np.float32)) / np.asarray(card.std, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def model_input(image: Image.Image, card: ModelCard) -> np.ndarray:
    """One RGB image -> the model's (1, 3, H, W) float32 input."""
    return normalised(resized_rgb(image, card.input_size)[None], card)

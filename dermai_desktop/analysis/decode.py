"""Decode an image for analysis, in memory: EXIF-upright RGB, reduced early when huge.

A 24-megapixel JPEG is decoded at a reduced DCT scale (libjpeg "draft" mode)
to no less than ``DECODE_SIDE`` pixels on its long side: the models look at
80 x 80 pixels and the measurements at ``WORK_SIDE``, so the full decode would
cost half a second for nothing (the classifier's probabilities move by less
than 0.01; see the engine tests).
"""

from __future__ import annotations

import io
import struct
import threading
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from dermai_desktop.services.analysis_ports import ImageNotAnalysable

DECODE_SIDE = 1200  # JPEGs larger than this are decoded at a reduced scale (never below it)
WORK_SIDE = 600  # measurements and quality checks at HAM10000's native resolution
MIN_SIDE = 32
MAX_SIDE = 20_000
_warnings_lock = threading.Lock()  # warning filters are process-wide


def _refuse(message: str) -> ImageNotAnalysable:
    return ImageNotAnalysable(message, "Use a sharp dermoscopic photo of the lesion.")


def decoded_rgb(data: bytes) -> tuple[Image.Image, tuple[int, int]]:
    """The upright RGB image (maybe DCT-reduced) and the full upright size (width, height)."""
    if not data:
        raise _refuse("The image file is empty.")
    with _warnings_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if max(width, height) > MAX_SIDE:
                raise _refuse("The image is too large to analyse (over 20,000 pixels a side).")
            if min(width, height) < MIN_SIDE:
                raise _refuse(f"The image is too small to analyse (under {MIN_SIDE} pixels).")
            if image.format in ("JPEG", "MPO") and max(width, height) > 2 * DECODE_SIDE:
                scale = DECODE_SIDE / max(width, height)
                image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            image.load()
            transposed = ImageOps.exif_transpose(image)
        except ImageNotAnalysable:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse("The image has far too many pixels to open safely.") from None
        except UnidentifiedImageError:
            raise _refuse("The file is not an image that can be read.") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise _refuse("The image file is damaged or incomplete.") from None
    loaded = image.size  # after any DCT reduction, before turning upright
    swapped = loaded[0] != loaded[1] and transposed.size == (loaded[1], loaded[0])
    full_size = (height, width) if swapped else (width, height)
    return _to_rgb8(transposed), full_size


def _to_rgb8(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = max(float(values.max()), 1.0)
        grey = np.clip(values * (255.0 / (65535.0 if top > 255 else 255.0)), 0, 255)
        return Image.fromarray(grey.astype(np.uint8)).convert("RGB")
    return image.convert("RGB")


def working_copy(image: Image.Image) -> Image.Image:
    """The image reduced to ``WORK_SIDE`` on its long side (unchanged when already smaller)."""
    width, height = image.size
    if max(width, height) <= WORK_SIDE:
        return image
    scale = WORK_SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)

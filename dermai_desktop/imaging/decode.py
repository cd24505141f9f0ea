"""Decode stored images for the viewer and for reports, in memory.

A reduced preview of a JPEG uses libjpeg's DCT scaling (Pillow "draft" mode):
decoding a 24-megapixel photo at 1/2 or 1/4 scale skips most of the inverse
DCT work, which is what lets the viewer paint a first picture quickly and
swap in the full decode when it is ready.
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image

from dermai_desktop.imaging.pixels import (
    REPORT_QUALITY,
    jpeg_bytes,
    oriented_size,
    reduced,
    to_rgb8,
    upright,
)
from dermai_desktop.services.imaging_ports import DecodedImage, ImageStoreError

_TAG_ORIENTATION = 0x0112


class PillowDecoder:
    """Implements ``services.imaging_ports.ImageDecoder``."""

    def decode(self, data: bytes, media_type: str, max_side: int | None = None) -> DecodedImage:
        image, orientation, full_size = self._open(data, media_type, max_side)
        rgb = to_rgb8(upright(image, orientation))
        if max_side is not None:
            rgb = reduced(rgb, max_side)
        full_width, full_height = oriented_size(full_size, orientation)
        return DecodedImage(
            width=rgb.width,
            height=rgb.height,
            rgb=rgb.tobytes(),
            full_width=full_width,
            full_height=full_height,
        )

    def report_jpeg(self, data: bytes, media_type: str, max_side: int) -> bytes:
        image, orientation, _ = self._open(data, media_type, max_side)
        picture = reduced(to_rgb8(upright(image, orientation)), max_side)
        return jpeg_bytes(picture, quality=REPORT_QUALITY)

    def _open(
        self, data: bytes, media_type: str, max_side: int | None
    ) -> tuple[Image.Image, int, tuple[int, int]]:
        """The loaded (possibly DCT-reduced) image, its orientation and its full stored size."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # stored images were checked at import
                image = Image.open(io.BytesIO(data))
                full_size = image.size
                orientation = 1
                if image.format in ("JPEG", "MPO"):
                    orientation = _orientation(image)
                    if max_side is not None and max(full_size) > max_side:
                        scale = max_side / max(full_size)
                        wanted = (
                            max(1, int(full_size[0] * scale)),
                            max(1, int(full_size[1] * scale)),
                        )
                        image.draft("RGB", wanted)
                image.load()
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise ImageStoreError(
                f"This image ({media_type}) could not be decoded.",
                "Restore the clinic data from a backup, or call IT.",
            ) from None
        return image, orientation, full_size


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(_TAG_ORIENTATION, 1) or 1)
    except Exception:  # Pillow raises many kinds of error on malformed EXIF: treat as upright
        return 1
    return value if 1 <= value <= 8 else 1

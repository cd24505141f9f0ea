"""Small Pillow helpers shared by ingest and decode: orientation, 8-bit RGB, resizing, JPEG."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 82
REPORT_QUALITY = 88

#: EXIF orientation -> the transpose that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """Apply an EXIF orientation we already read (never re-parsing possibly broken EXIF)."""
    method = _UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def to_rgb8(image: Image.Image) -> Image.Image:
    """8-bit RGB: 16-bit and float scaled down (not clipped), alpha flattened onto white."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Pillow's convert("L") clips 16-bit values at 255: scale the full range instead.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        return image.convert("RGB")
    if mode == "F":
        image = image.point(lambda value: value * 255 if 0 <= value <= 1 else value)
        return image.convert("L").convert("RGB")
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV


def reduced(image: Image.Image, max_side: int) -> Image.Image:
    """A copy no larger than ``max_side`` on a side (the image itself when already small)."""
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def jpeg_bytes(image: Image.Image, quality: int = THUMBNAIL_QUALITY) -> bytes:
    """Encode as a plain JPEG in memory: no EXIF, no comments."""
    buffer = io.BytesIO()
    to_rgb8(image).save(buffer, format="JPEG", quality=quality, optimize=False)
    return buffer.getvalue()

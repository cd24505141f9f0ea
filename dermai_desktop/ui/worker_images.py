"""Turning stored JPEG bytes (thumbnails, report pictures) into QImages on a worker thread.

``QImage.fromData`` must not be used there. Without a format it probes every
image plugin, the SVG one included. That plugin builds a QTextStream, which
takes Qt's connection lock while PySide still holds the GIL. A GUI thread
deleting a QObject at that moment holds the lock and waits for the GIL, so
both threads stop. (A CI run hung exactly like that.) Pillow decodes without
any QObject and releases the GIL while it works; the QImage is then built
from plain pixels.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError
from PySide6.QtGui import QImage

from dermai_desktop.ui.viewer.source import qimage_from_rgb


def qimage_from_jpeg(data: bytes, max_side: int | None = None) -> QImage:
    """The picture as a QImage (a null one if the bytes are not a readable image).

    ``max_side`` shrinks larger pictures (aspect kept) while decoding.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            if max_side is not None and max(image.size) > max_side:
                image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
                image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            rgb = np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return QImage()
    return qimage_from_rgb(rgb)


__all__ = ["qimage_from_jpeg"]

"""Check and clean an incoming photo in memory: reject bad files, strip identifying metadata.

A JPEG stays the same JPEG (metadata segments dropped losslessly, see
``jpeg_segments``); anything else (PNG, TIFF, HEIC, 16-bit, CMYK, greyscale,
palette, alpha) is decoded, turned upright, converted to 8-bit RGB and kept
as a PNG without text chunks. Nothing is written to disk here: a temp file
would be a plaintext copy of a patient photo.
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from dermai_desktop.imaging import jpeg_segments
from dermai_desktop.imaging.pixels import (
    THUMBNAIL_SIDE,
    jpeg_bytes,
    oriented_size,
    reduced,
    to_rgb8,
    upright,
)
from dermai_desktop.services.imaging_ports import ImageRejected, PreparedImage

MAX_FILE_BYTES = 200 * 1024 * 1024
MIN_SIDE = 32
MAX_SIDE = 20_000
MAX_ASPECT = 20.0
#: What Pillow reports for the formats we take (MPO: a JPEG with extra "multi-picture" frames).
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "TIFF", "HEIF", "WEBP", "BMP"})
PNG_COMPRESS_LEVEL = 3  # lossless either way; 3 is several times faster than 6 on big photos

_TAG_ORIENTATION = 0x0112
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_EXIF_IFD = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004

_heif_lock = threading.Lock()
_ingest_lock = threading.Lock()
_heif_state: dict[str, bool] = {}


def _rejected(message: str, next_step: str | None = None) -> ImageRejected:
    return ImageRejected(message, next_step)


EMPTY = "The file is empty (0 bytes)."
NOT_AN_IMAGE = "The file is not a picture DermAI can read (JPEG, PNG, TIFF or HEIC)."
TRUNCATED = "The picture is incomplete or damaged; it may not have finished copying."
BOMB = "The picture has far too many pixels to open safely."
TOO_SMALL = f"The picture is too small to be useful (under {MIN_SIDE} pixels on a side)."
TOO_LARGE = f"The picture is too large (over {MAX_SIDE:,} pixels on a side)."
TOO_NARROW = "The picture is an unusually long, thin strip; it is not a lesion photo."
TOO_BIG_FILE = "The file is larger than 200 MB."
HEIC_UNAVAILABLE = "HEIC photos cannot be read on this computer (the HEIC plug-in is missing)."
UNREADABLE = "The file could not be read."


class PillowIngestor:
    """Implements ``services.imaging_ports.ImageIngestor`` with Pillow, all in memory."""

    def prepare_file(self, path: Path) -> PreparedImage:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise _rejected(TOO_BIG_FILE, "Export a smaller JPEG from the camera software.")
            data = path.read_bytes()
        except ImageRejected:
            raise
        except OSError:
            raise _rejected(UNREADABLE, "Check that the file still exists and try again.") from None
        return self.prepare_bytes(data)

    def prepare_bytes(self, data: bytes) -> PreparedImage:
        if not data:
            raise _rejected(EMPTY, "Copy the photo again from the camera or card.")
        if len(data) > MAX_FILE_BYTES:
            raise _rejected(TOO_BIG_FILE, "Export a smaller JPEG from the camera software.")
        if _looks_like_heif(data) and not _register_heif():
            raise _rejected(HEIC_UNAVAILABLE, "Export the photo as JPEG and import that instead.")
        # Warning filters are process-wide, so ingests take turns (imports run one file at
        # a time on a worker anyway).
        with _ingest_lock, warnings.catch_warnings():
            # Pillow warns (rather than fails) between 1x and 2x its pixel limit; treat both
            # as the same decompression bomb, and keep corrupt-EXIF warnings quiet.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open(data)
            with image:
                _check_dimensions(image.size)
                facts = _read_exif(image)
                if image.format in ("JPEG", "MPO"):
                    return _prepare_jpeg(data, image, facts)
                return _prepare_other(image, facts)


@dataclass(frozen=True, slots=True)
class _ExifFacts:
    orientation: int
    captured_at: datetime | None
    device: str


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _rejected(BOMB, "Export the photo at a normal camera resolution.") from None
    except UnidentifiedImageError:
        raise _rejected(
            NOT_AN_IMAGE, "Check that the file is a photo, not another document."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise _rejected(TRUNCATED, "Copy the photo again from the camera or card.") from None
    if image.format not in ACCEPTED_FORMATS:
        image.close()
        raise _rejected(NOT_AN_IMAGE, "Save it as JPEG, PNG or TIFF and import that instead.")
    return image


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if min(width, height) < MIN_SIDE:
        raise _rejected(TOO_SMALL, "Import the full-size photo instead of an icon or preview.")
    if max(width, height) > MAX_SIDE:
        raise _rejected(TOO_LARGE, "Export the photo at a normal camera resolution.")
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise _rejected(TOO_NARROW, "Check that this is the right file.")


def _read_exif(image: Image.Image) -> _ExifFacts:
    """Orientation, capture time and make/model; broken EXIF counts as none at all."""
    try:
        exif = image.getexif()
        orientation = int(exif.get(_TAG_ORIENTATION, 1) or 1)
        if not 1 <= orientation <= 8:
            orientation = 1
        sub = exif.get_ifd(_TAG_EXIF_IFD)
        raw_time = sub.get(_TAG_DATETIME_ORIGINAL) or sub.get(_TAG_DATETIME_DIGITIZED)
        make = _clean_text(exif.get(_TAG_MAKE))
        model = _clean_text(exif.get(_TAG_MODEL))
    except Exception:  # malformed EXIF raises ValueError, KeyError, struct.error, TypeError...
        return _ExifFacts(1, None, "")
    if make and model.lower().startswith(make.lower()):
        device = model  # "Canon Canon EOS R5" reads badly
    else:
        device = " ".join(part for part in (make, model) if part)
    return _ExifFacts(orientation, _parse_exif_time(raw_time), device[:120])


def _clean_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("\x00", " ").split())


def _parse_exif_time(value: object) -> datetime | None:
    text = _clean_text(value)
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _prepare_jpeg(data: bytes, image: Image.Image, facts: _ExifFacts) -> PreparedImage:
    try:
        cleaned = jpeg_segments.strip_metadata(data, facts.orientation)
    except jpeg_segments.JpegStructureError:
        raise _rejected(TRUNCATED, "Copy the photo again from the camera or card.") from None
    # Decoding the whole file (reduced: DCT scaling still reads every byte) proves it is
    # intact and gives the thumbnail in one go.
    image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    preview = upright(_load(image), facts.orientation)
    width, height = oriented_size(_full_size(data), facts.orientation)
    return PreparedImage(
        data=cleaned,
        media_type="image/jpeg",
        width=width,
        height=height,
        orientation=facts.orientation,
        captured_at=facts.captured_at,
        device=facts.device,
        thumbnail=jpeg_bytes(reduced(to_rgb8(preview), THUMBNAIL_SIDE)),
    )


def _prepare_other(image: Image.Image, facts: _ExifFacts) -> PreparedImage:
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    loaded = _load(image)
    rgb = to_rgb8(upright(loaded, facts.orientation))
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA", "P") else None
    buffer = io.BytesIO()
    options: dict[str, object] = {"compress_level": PNG_COMPRESS_LEVEL}
    if isinstance(icc, bytes) and icc:
        options["icc_profile"] = icc
    rgb.save(buffer, format="PNG", **options)
    return PreparedImage(
        data=buffer.getvalue(),
        media_type="image/png",
        width=rgb.width,
        height=rgb.height,
        orientation=facts.orientation,
        captured_at=facts.captured_at,
        device=facts.device,
        thumbnail=jpeg_bytes(reduced(rgb, THUMBNAIL_SIDE)),
    )


def _load(image: Image.Image) -> Image.Image:
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    if previous:  # a global someone else set; truncated files must fail here
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _rejected(BOMB, "Export the photo at a normal camera resolution.") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise _rejected(TRUNCATED, "Copy the photo again from the camera or card.") from None
    except MemoryError:
        raise _rejected(BOMB, "Export the photo at a normal camera resolution.") from None
    finally:
        if previous:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
    return image


def _full_size(data: bytes) -> tuple[int, int]:
    info = jpeg_segments.frame_info(data)
    return info.width, info.height


def _looks_like_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif",
    )  # fmt: skip


def _register_heif() -> bool:
    """Register pillow-heif's opener on first use (importing it costs start-up time)."""
    with _heif_lock:
        if "available" not in _heif_state:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
                _heif_state["available"] = True
            except ImportError:
                _heif_state["available"] = False
        return _heif_state["available"]

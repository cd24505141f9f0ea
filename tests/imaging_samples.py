"""Test pictures for the imaging adapter: real photos with planted metadata, and malformed files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

SERIAL = "SN-PLANTED-4711"
OWNER = "Quillbracken Owner"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def real_or_synthetic(path: Path | None, size: tuple[int, int] = (600, 450)) -> Image.Image:
    """A real shared-data photo when given, otherwise a synthetic gradient with a dark blob."""
    if path is not None:
        with Image.open(path) as image:
            return image.convert("RGB")
    image = Image.radial_gradient("L").resize(size).convert("RGB")
    return image


def jpeg_with_metadata(image: Image.Image, orientation: int = 1) -> bytes:
    """A camera-like JPEG: EXIF (make, model, serial, owner, GPS, capture time), XMP, IPTC, COM."""
    exif = Image.Exif()
    exif[0x010F] = "Canfield"  # Make
    exif[0x0110] = "VEOS HD2"  # Model
    exif[0x0112] = orientation
    exif[0x013B] = OWNER  # Artist
    exif[0x8298] = OWNER  # Copyright
    sub = exif.get_ifd(EXIF_IFD)
    sub[0x9003] = "2025:11:03 14:25:36"  # DateTimeOriginal
    sub[0xA431] = SERIAL  # BodySerialNumber
    sub[0xA430] = OWNER  # CameraOwnerName
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" '
        b'aux:SerialNumber="' + SERIAL.encode() + b'"/></rdf:RDF></x:xmpmeta>'
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes(), xmp=xmp, comment=f"Owner {OWNER}")
    return insert_segment(buffer.getvalue(), 0xED, b"Photoshop 3.0\x00" + b"8BIM" + OWNER.encode())


def insert_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """Put a marker segment right after SOI."""
    segment = b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def corrupt_exif_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    garbage = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x7FFFFFF0) + b"\xde\xad" * 40
    return insert_segment(buffer.getvalue(), 0xE1, garbage)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but holds (almost) no pixel data: a decompression-bomb probe."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_rgb16(width: int, height: int, value: int) -> bytes:
    """A 16-bit-per-channel RGB PNG filled with one grey ``value`` (0-65535)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" + struct.pack(">HHH", value, value, value) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    body = zlib.compress(row * height)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")

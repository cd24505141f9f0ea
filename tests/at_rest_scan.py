"""Scan a data directory for image content readable without a key.

Looks, anywhere inside every file, for the signatures of JPEG, PNG and TIFF
data and for metadata text (EXIF, JFIF, XMP, ICC). Short signatures are
confirmed by the structure that must follow them (a JPEG's next marker, a
TIFF's first directory), so random ciphertext does not trip the scan.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

_PNG = b"\x89PNG\r\n\x1a\n"
_TEXT_SIGNATURES = {
    b"Exif\x00\x00": "EXIF header",
    b"JFIF\x00": "JFIF header",
    b"http://ns.adobe.com/xap/": "XMP packet",
    b"ICC_PROFILE\x00": "ICC profile",
}
_JPEG = re.compile(rb"\xff\xd8\xff", re.DOTALL)
_TIFF = re.compile(rb"II\*\x00|MM\x00\*", re.DOTALL)


def find_plaintext(data_dir: Path) -> list[str]:
    """One line per finding: ``<relative path>: <what> at <offset>``; empty when clean."""
    findings: list[str] = []
    for path in sorted(p for p in Path(data_dir).rglob("*") if p.is_file()):
        data = path.read_bytes()
        name = path.relative_to(data_dir).as_posix()
        findings.extend(f"{name}: {what} at {offset}" for what, offset in scan_bytes(data))
    return findings


def scan_bytes(data: bytes) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    offset = data.find(_PNG)
    if offset >= 0:
        found.append(("PNG signature", offset))
    for signature, what in _TEXT_SIGNATURES.items():
        offset = data.find(signature)
        if offset >= 0:
            found.append((what, offset))
    for match in _JPEG.finditer(data):
        if _plausible_jpeg(data, match.start()):
            found.append(("JPEG start of image", match.start()))
            break
    for match in _TIFF.finditer(data):
        if _plausible_tiff(data, match.start()):
            found.append(("TIFF header", match.start()))
            break
    return found


def _plausible_jpeg(data: bytes, start: int) -> bool:
    """SOI, then a real marker segment whose length lands on another marker."""
    marker_at = start + 2
    if marker_at + 4 > len(data):
        return False
    marker = data[marker_at + 1]
    if not (0xC0 <= marker <= 0xFE):
        return False
    (length,) = struct.unpack(">H", data[marker_at + 2 : marker_at + 4])
    following = marker_at + 2 + length
    return (
        length >= 2
        and following + 1 < len(data)
        and data[following] == 0xFF
        and (0xC0 <= data[following + 1] <= 0xFE)
    )


def _plausible_tiff(data: bytes, start: int) -> bool:
    """A TIFF header whose first directory lies inside the data with a sane entry count."""
    if start + 8 > len(data):
        return False
    order = "<" if data[start : start + 2] == b"II" else ">"
    (first_ifd,) = struct.unpack(order + "I", data[start + 4 : start + 8])
    at = start + first_ifd
    if first_ifd < 8 or at + 2 > len(data):
        return False
    (entries,) = struct.unpack(order + "H", data[at : at + 2])
    return 0 < entries <= 512

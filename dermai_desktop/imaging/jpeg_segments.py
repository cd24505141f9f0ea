"""Lossless metadata removal from a JPEG by rewriting its marker segments.

Re-encoding a photograph to drop its metadata would lose quality, so the
compressed image data is copied byte for byte and only the metadata segments
are left out: APP1 (EXIF, XMP: GPS, serial numbers, owner names), APP13
(IPTC/Photoshop), COM, every other APPn, and anything after the end-of-image
marker (MPF "secondary images" and vendor trailers hide there). Kept: APP0
JFIF (without its embedded thumbnail), APP2 ICC profiles (colour), APP14
Adobe (needed to decode CMYK/YCCK correctly). When the photo needs rotating,
a minimal new EXIF block with only the Orientation tag is written back so
every viewer shows it upright.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
APP0, APP1, APP2, APP13, APP14, APP15 = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xEF
COM = 0xFE
#: Start-of-frame markers (C4 DHT, C8 JPG and CC DAC share the range but are not frames).
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: Markers without a length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
#: The next marker inside entropy-coded data: FF not followed by 00 (stuffing),
#: D0-D7 (restart markers) or FF (fill bytes).
_NEXT_MARKER = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


class JpegStructureError(ValueError):
    """The bytes are not a well-formed JPEG (cut short, or not a JPEG at all)."""


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """What the start-of-frame segment says about the compressed image."""

    marker: int  # 0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...
    precision: int
    width: int
    height: int
    components: int
    #: Horizontal/vertical sampling factors per component, e.g. ((2, 2), (1, 1), (1, 1)).
    sampling: tuple[tuple[int, int], ...]

    @property
    def is_baseline(self) -> bool:
        return self.marker == 0xC0 and self.precision == 8

    @property
    def chroma_subsampled(self) -> bool:
        return len(set(self.sampling)) > 1


@dataclass(frozen=True, slots=True)
class Segment:
    marker: int
    start: int  # offset of the 0xFF of the marker
    end: int  # offset just past the segment (for SOS: past the entropy-coded data)

    def payload(self, data: bytes) -> bytes:
        return data[self.start + 4 : self.end] if self.marker not in _STANDALONE else b""


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def segments(data: bytes) -> list[Segment]:
    """Every marker segment from SOI to EOI; an SOS segment runs to the next marker."""
    if not is_jpeg(data):
        raise JpegStructureError("not a JPEG")
    found = [Segment(SOI, 0, 2)]
    position = 2
    size = len(data)
    while True:
        while position < size and data[position] == 0xFF and position + 1 < size:
            if data[position + 1] != 0xFF:
                break
            position += 1  # fill bytes before a marker
        if position + 2 > size:
            raise JpegStructureError("the JPEG ends before its end-of-image marker")
        if data[position] != 0xFF:
            raise JpegStructureError("garbage where a JPEG marker should be")
        marker = data[position + 1]
        if marker == EOI:
            found.append(Segment(EOI, position, position + 2))
            return found
        if marker in _STANDALONE:
            found.append(Segment(marker, position, position + 2))
            position += 2
            continue
        if position + 4 > size:
            raise JpegStructureError("the JPEG is cut short inside a segment header")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > size:
            raise JpegStructureError("the JPEG is cut short inside a segment")
        if marker == SOS:
            match = _NEXT_MARKER.search(data, end)
            if match is None:
                raise JpegStructureError("the JPEG image data is cut short")
            end = match.start()
        found.append(Segment(marker, position, end))
        position = end


def frame_info(data: bytes, found: list[Segment] | None = None) -> FrameInfo:
    for segment in found if found is not None else segments(data):
        if segment.marker in SOF_MARKERS:
            body = segment.payload(data)
            if len(body) < 6:
                break
            precision, height, width, count = struct.unpack(">BHHB", body[:6])
            sampling = tuple(
                (body[7 + 3 * i] >> 4, body[7 + 3 * i] & 0x0F)
                for i in range(count)
                if 8 + 3 * i < len(body)
            )
            return FrameInfo(segment.marker, precision, width, height, count, sampling)
    raise JpegStructureError("the JPEG has no frame header")


def _keep(marker: int, payload: bytes) -> bool:
    if marker == APP0:
        return payload.startswith(b"JFIF\x00")
    if marker == APP2:
        return payload.startswith(b"ICC_PROFILE\x00")
    if marker == APP14:
        return payload.startswith(b"Adobe")
    return not (APP0 <= marker <= APP15 or marker == COM)


def _jfif_without_thumbnail(payload: bytes) -> bytes:
    """The 14-byte JFIF header with its optional thumbnail dropped (X/Ythumbnail = 0)."""
    if len(payload) < 14:
        return payload
    return payload[:12] + b"\x00\x00"


def orientation_exif(orientation: int) -> bytes:
    """An APP1 EXIF segment holding only the Orientation tag (little-endian TIFF)."""
    tiff = b"II*\x00" + struct.pack("<I", 8)
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd += struct.pack("<I", 0)  # no next IFD
    body = b"Exif\x00\x00" + tiff + ifd
    return b"\xff" + bytes([APP1]) + struct.pack(">H", len(body) + 2) + body


def strip_metadata(data: bytes, orientation: int = 1) -> bytes:
    """The same JPEG without identifying metadata; image data copied unchanged."""
    found = segments(data)
    out = bytearray(b"\xff\xd8")
    exif_written = orientation == 1
    for segment in found[1:]:
        payload = segment.payload(data)
        if not exif_written and segment.marker != APP0:
            out += orientation_exif(orientation)  # right after SOI/JFIF, where readers look
            exif_written = True
        if segment.marker == EOI:
            out += b"\xff\xd9"
            break
        if not _keep(segment.marker, payload):
            continue
        if segment.marker == APP0:
            kept = _jfif_without_thumbnail(payload)
            out += b"\xff\xe0" + struct.pack(">H", len(kept) + 2) + kept
            continue
        out += data[segment.start : segment.end]
    return bytes(out)

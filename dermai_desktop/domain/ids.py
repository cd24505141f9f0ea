"""Identifier types and the UUIDv7 generator used for every synced row."""

from __future__ import annotations

import os
import time
import uuid
from typing import NewType

UserId = NewType("UserId", str)
PatientId = NewType("PatientId", str)
ClinicId = NewType("ClinicId", str)
WorkstationId = NewType("WorkstationId", str)
EncounterId = NewType("EncounterId", str)
NoteId = NewType("NoteId", str)
LesionId = NewType("LesionId", str)
ImageId = NewType("ImageId", str)


def new_uuid7() -> str:
    """Return a time-ordered UUID version 7 (RFC 9562) as a string.

    Time-ordered keys keep B-tree inserts local and let sync order rows
    created offline on different workstations; Python 3.11 has no uuid7,
    so we build one: 48 bits of Unix milliseconds, then 74 random bits.
    """
    unix_ms = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((random_bits >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= random_bits & ((1 << 62) - 1)  # rand_b, 62 bits
    return str(uuid.UUID(int=value))

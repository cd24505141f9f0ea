"""Adapter for lesion photographs: encrypted blob store, Pillow ingest and decode, export, DICOM.

Implements the imaging ports of ``services.imaging_ports``. Nothing here
writes image pixels in plaintext to disk: ingest and decode work in memory,
the store writes only ciphertext, and only an explicit export writes files.
"""

from dermai_desktop.imaging.decode import PillowDecoder
from dermai_desktop.imaging.export import FileImageExporter
from dermai_desktop.imaging.ingest import PillowIngestor
from dermai_desktop.imaging.store import EncryptedBlobStore
from dermai_desktop.imaging.watch_folder import FolderWatch

__all__ = [
    "EncryptedBlobStore",
    "FileImageExporter",
    "FolderWatch",
    "PillowDecoder",
    "PillowIngestor",
]

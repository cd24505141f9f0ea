"""The encrypted, content-addressed image store: one AES-256-GCM blob file per picture.

Layout: ``<root>/<id[:2]>/<id>`` where ``id`` is HMAC-SHA256(id_key, "kind:sha256")
in hex, so the plain hash of a patient photo never shows on disk (anyone
holding a copy of the photo could otherwise confirm it is stored here).
A blob file is ``b"DAIB1" + 12-byte random nonce + ciphertext-with-tag``; the
associated data is the blob id, so a blob renamed onto another id fails to
decrypt. Both keys come from one random master key (kept inside the
encrypted database) through HKDF, so rekeying the database never rewrites
images, and sync/backup can move blobs by hash.

Writes go to ``.<id>.partial`` (ciphertext only) → fsync → ``os.replace``, so a
crash leaves either the old state or the whole new blob, never a torn one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dermai_desktop.services.imaging_ports import ImageStoreError

MAGIC = b"DAIB1"
NONCE_BYTES = 12
ENC_INFO = b"dermai-image-enc-v1"
ID_INFO = b"dermai-image-id-v1"
KINDS = frozenset({"image", "thumbnail"})
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def derive_key(master_key: bytes, info: bytes) -> bytes:
    """A 32-byte sub-key of ``master_key`` for one purpose (HKDF-SHA256, no salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)


class EncryptedBlobStore:
    """Implements ``services.imaging_ports.ImageStore`` on a folder of encrypted files."""

    def __init__(self, root: Path, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the image store master key must be 32 bytes")
        self.root = Path(root)
        self._aead = AESGCM(derive_key(master_key, ENC_INFO))
        self._id_key = derive_key(master_key, ID_INFO)

    # --- addressing --------------------------------------------------------------------

    def blob_id(self, sha256: str, kind: str = "image") -> str:
        """The file name for a picture: keyed, so the plain hash is not visible on disk."""
        if kind not in KINDS:
            raise ValueError(f"unknown blob kind {kind!r}")
        if not _SHA256_HEX.match(sha256):
            raise ValueError("sha256 must be 64 lower-case hex digits")
        message = f"{kind}:{sha256}".encode("ascii")
        return hmac.new(self._id_key, message, hashlib.sha256).hexdigest()

    def path_for(self, sha256: str, kind: str = "image") -> Path:
        blob_id = self.blob_id(sha256, kind)
        return self.root / blob_id[:2] / blob_id

    # --- ImageStore --------------------------------------------------------------------

    def contains(self, sha256: str, *, kind: str = "image") -> bool:
        return self.path_for(sha256, kind).is_file()

    def put(self, sha256: str, data: bytes, *, kind: str = "image") -> None:
        """Encrypt and store ``data``; a blob already present is left alone (same content)."""
        path = self.path_for(sha256, kind)
        if path.is_file():
            return
        blob_id = path.name
        nonce = os.urandom(NONCE_BYTES)
        sealed = MAGIC + nonce + self._aead.encrypt(nonce, data, blob_id.encode("ascii"))
        partial = path.with_name(f".{blob_id}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_durably(partial, sealed)
            os.replace(partial, path)
            _fsync_directory(path.parent)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise ImageStoreError(
                "The image could not be saved to the encrypted image store.",
                "Check that the disk is not full and the data folder is writable, then try again.",
            ) from error

    def get(self, sha256: str, *, kind: str = "image") -> bytes:
        path = self.path_for(sha256, kind)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise ImageStoreError(
                "This image is missing from the encrypted image store.",
                "Restore the clinic data from a backup, or call IT.",
            ) from None
        except OSError as error:
            raise ImageStoreError(
                "This image could not be read from the encrypted image store.",
                "Check that the data folder is reachable, then try again.",
            ) from error
        header = len(MAGIC) + NONCE_BYTES
        if len(sealed) < header + 16 or not sealed.startswith(MAGIC):
            raise _damaged()
        nonce = sealed[len(MAGIC) : header]
        try:
            return self._aead.decrypt(nonce, sealed[header:], path.name.encode("ascii"))
        except InvalidTag:
            raise _damaged() from None


def _damaged() -> ImageStoreError:
    return ImageStoreError(
        "This image in the encrypted image store is damaged or was changed outside DermAI.",
        "Restore the clinic data from a backup, or call IT.",
    )


def _write_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable too (POSIX); Windows cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""The key-slot file format: data model, key wrapping, strict parsing and crash-safe writes."""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dermai_desktop.domain.errors import (
    DatabaseCorrupt,
    DatabaseNotFound,
    DiskFull,
    ExpectedError,
    ReadOnlyLocation,
    SchemaTooNew,
)
from dermai_desktop.domain.ids import ClinicId

KEYSLOTS_FILENAME = "keyslots.json"
DEMO_KEY_FILENAME = "DEMO-KEY-NOT-FOR-PATIENT-DATA.key"
FORMAT_VERSION = 1
DEK_BYTES = 32
DB_SALT_BYTES = 16
KEK_BYTES = 32
NONCE_BYTES = 12
ARGON2_SALT_BYTES = 16
MAX_FILE_BYTES = 64 * 1024
CLINIC_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_HEX16 = re.compile(r"[0-9a-f]{16}")
DEMO_HEADER = (
    "# DermAI Desktop DEMO KEY - NOT FOR PATIENT DATA. This key opens a demo clinic only "
    "and must never protect patient data."
)
_SLOT_FILE_HINT = (
    f"Nothing was changed. Restore {KEYSLOTS_FILENAME} from this clinic's backup, or call IT."
)


@dataclass(frozen=True, slots=True)
class RecoveryKdfParams:
    """Argon2id cost parameters for the recovery slot (memory in KiB); recorded in the slot."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int

    def problem(self) -> str | None:
        """Why these parameters are unacceptable, or None; bounds stop an edited file
        from asking for terabytes of memory or hours of work."""
        if not 1 <= self.parallelism <= 16:
            return "parallelism out of range"
        if not 1 <= self.time_cost <= 64:
            return "time_cost out of range"
        if not 8 * self.parallelism <= self.memory_cost_kib <= 4 * 1024 * 1024:
            return "memory_cost_kib out of range"
        return None


@dataclass(frozen=True, slots=True)
class Wrapped:
    nonce: bytes
    ciphertext: bytes  # the wrapped DEK followed by the 16-byte GCM tag
    kek_check: str


@dataclass(frozen=True, slots=True)
class KeychainSlot:
    wrapped: Wrapped
    account: str
    backend: str


@dataclass(frozen=True, slots=True)
class RecoverySlot:
    wrapped: Wrapped
    params: RecoveryKdfParams
    salt: bytes


@dataclass(frozen=True, slots=True)
class SlotSet:
    key_id: str
    fingerprint: str
    created_at: str
    recovery: RecoverySlot
    keychain: KeychainSlot | None
    demo: Wrapped | None


@dataclass(frozen=True, slots=True)
class SlotDocument:
    clinic_id: ClinicId
    db_salt: bytes | None
    current: SlotSet
    pending: SlotSet | None


# --- wrapping --------------------------------------------------------------------------


def kek_check(kek: bytes) -> str:
    """A short public check value of a KEK, stored beside the slot it wraps."""
    # Lets an unlock tell "this KEK is wrong" from "the wrapped DEK was damaged"; it is a
    # PRF output of a 256-bit key, so it helps no guessing the GCM tag does not already.
    return hmac.new(kek, b"dermai-kek-check", hashlib.sha256).hexdigest()[:16]


def derive_recovery_kek(raw_key: bytes, salt: bytes, params: RecoveryKdfParams) -> bytes:
    """The recovery slot's KEK: Argon2id over the 20 raw bytes of the recovery key."""
    return hash_secret_raw(
        raw_key,
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=KEK_BYTES,
        type=Type.ID,
    )


def slot_aad(slot_name: str, clinic_id: str, key_id: str) -> bytes:
    """The GCM associated data of one slot."""
    # Binds each wrapped DEK to its slot, clinic and key generation, so a slot copied from
    # another clinic or generation fails authentication instead of opening the wrong data.
    return f"dermai-keyslot|{slot_name}|{clinic_id}|{key_id}".encode()


def wrap_dek(kek: bytes, dek: bytes, aad: bytes) -> Wrapped:
    """AES-256-GCM-wrap ``dek`` under ``kek`` with a fresh random nonce."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return Wrapped(nonce, AESGCM(kek).encrypt(nonce, dek, aad), kek_check(kek))


def unwrap_dek(kek: bytes, wrapped: Wrapped, aad: bytes) -> bytes | None:
    """The DEK, or None if ``kek`` or ``aad`` is wrong or the wrapped bytes were altered."""
    try:
        dek = AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, aad)
    except InvalidTag:
        return None
    return dek if len(dek) == DEK_BYTES else None


# --- JSON ------------------------------------------------------------------------------


def now_text() -> str:
    """The current UTC time as recorded in the file."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _wrapped_json(wrapped: Wrapped) -> dict[str, object]:
    return {
        "nonce": b64(wrapped.nonce),
        "wrapped_dek": b64(wrapped.ciphertext),
        "kek_check": wrapped.kek_check,
    }


def _slot_set_json(slots: SlotSet) -> dict[str, object]:
    out: dict[str, object] = {}
    if slots.keychain is not None:
        kc = slots.keychain
        out["keychain"] = {"account": kc.account, "backend": kc.backend} | _wrapped_json(kc.wrapped)
    rec = slots.recovery
    out["recovery"] = {
        "kdf": "argon2id",
        "time_cost": rec.params.time_cost,
        "memory_cost_kib": rec.params.memory_cost_kib,
        "parallelism": rec.params.parallelism,
        "salt": b64(rec.salt),
    } | _wrapped_json(rec.wrapped)
    if slots.demo is not None:
        out["demo"] = {"key_file": DEMO_KEY_FILENAME} | _wrapped_json(slots.demo)
    return out


def document_json(doc: SlotDocument) -> bytes:
    cur = doc.current
    obj: dict[str, object] = {
        "format_version": FORMAT_VERSION,
        "clinic_id": doc.clinic_id,
        "key_id": cur.key_id,
        "created_at": cur.created_at,
        "fingerprint": cur.fingerprint,
        "db_salt": doc.db_salt.hex() if doc.db_salt is not None else None,
        "slots": _slot_set_json(cur),
        "pending": None,
    }
    if doc.pending is not None:
        obj["pending"] = {
            "key_id": doc.pending.key_id,
            "created_at": doc.pending.created_at,
            "fingerprint": doc.pending.fingerprint,
            "slots": _slot_set_json(doc.pending),
        }
    return (json.dumps(obj, indent=2) + "\n").encode("utf-8")


def corrupt(detail: str) -> DatabaseCorrupt:
    return DatabaseCorrupt(
        f"The key-slot file {KEYSLOTS_FILENAME} is damaged ({detail}).", _SLOT_FILE_HINT
    )


class _Fields:
    """Typed access to one JSON object; every problem is a plain DatabaseCorrupt."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise corrupt(f"{where} is not an object")
        self._d: dict[str, object] = value
        self._where = where

    def _get(self, name: str) -> object:
        if name not in self._d:
            raise corrupt(f"{self._where}.{name} is missing")
        return self._d[name]

    def has(self, name: str) -> bool:
        return self._d.get(name) is not None

    def sub(self, name: str) -> _Fields:
        return _Fields(self._get(name), f"{self._where}.{name}")

    def text(self, name: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self._get(name)
        if not isinstance(value, str) or not 0 < len(value) <= 300:
            raise corrupt(f"{self._where}.{name} is not valid text")
        if pattern is not None and not pattern.fullmatch(value):
            raise corrupt(f"{self._where}.{name} has the wrong format")
        return value

    def integer(self, name: str) -> int:
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise corrupt(f"{self._where}.{name} is not a whole number")
        return value

    def data(self, name: str, length: int) -> bytes:
        text = self.text(name)
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            raise corrupt(f"{self._where}.{name} is not valid base64") from None
        if len(raw) != length:
            raise corrupt(f"{self._where}.{name} has the wrong length")
        return raw

    def timestamp(self, name: str) -> str:
        text = self.text(name)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise corrupt(f"{self._where}.{name} is not a date and time") from None
        if parsed.tzinfo is None:
            raise corrupt(f"{self._where}.{name} has no time zone")
        return text


def _parse_wrapped(f: _Fields) -> Wrapped:
    return Wrapped(
        nonce=f.data("nonce", NONCE_BYTES),
        ciphertext=f.data("wrapped_dek", DEK_BYTES + 16),
        kek_check=f.text("kek_check", _HEX16),
    )


def _parse_slot_set(key_id: str, fp: str, created_at: str, slots: _Fields) -> SlotSet:
    rec = slots.sub("recovery")
    if rec.text("kdf") != "argon2id":
        raise corrupt("slots.recovery.kdf is not argon2id")
    params = RecoveryKdfParams(
        rec.integer("time_cost"), rec.integer("memory_cost_kib"), rec.integer("parallelism")
    )
    if (problem := params.problem()) is not None:
        raise corrupt(f"slots.recovery: {problem}")
    recovery = RecoverySlot(_parse_wrapped(rec), params, rec.data("salt", ARGON2_SALT_BYTES))
    keychain = None
    if slots.has("keychain"):
        kc = slots.sub("keychain")
        keychain = KeychainSlot(_parse_wrapped(kc), kc.text("account"), kc.text("backend"))
    demo = None
    if slots.has("demo"):
        dm = slots.sub("demo")
        if dm.text("key_file") != DEMO_KEY_FILENAME:
            raise corrupt("slots.demo.key_file is not the demo key file")
        demo = _parse_wrapped(dm)
    return SlotSet(key_id, fp, created_at, recovery, keychain, demo)


def parse_document(obj: object) -> SlotDocument:
    top = _Fields(obj, "file")
    version = top.integer("format_version")
    if version > FORMAT_VERSION:
        raise SchemaTooNew(
            f"The key-slot file {KEYSLOTS_FILENAME} was written by a newer version of "
            "DermAI Desktop.",
            "Install the newer version; nothing was changed.",
        )
    if version != FORMAT_VERSION:
        raise corrupt("unknown format version")
    clinic_id = ClinicId(top.text("clinic_id", CLINIC_ID_PATTERN))
    db_salt = None
    if top.has("db_salt"):
        salt_hex = top.text("db_salt", re.compile(r"[0-9a-f]{32}"))
        db_salt = bytes.fromhex(salt_hex)
    current = _parse_slot_set(
        top.text("key_id", CLINIC_ID_PATTERN),
        top.text("fingerprint", _HEX16),
        top.timestamp("created_at"),
        top.sub("slots"),
    )
    pending = None
    if top.has("pending"):
        p = top.sub("pending")
        pending = _parse_slot_set(
            p.text("key_id", CLINIC_ID_PATTERN),
            p.text("fingerprint", _HEX16),
            p.timestamp("created_at"),
            p.sub("slots"),
        )
    return SlotDocument(clinic_id, db_salt, current, pending)


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key")
        out[key] = value
    return out


def _reject_constant(_name: str) -> object:
    raise ValueError("NaN or Infinity")


# --- files ---------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory; NTFS journals the rename itself
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _translate_os_error(exc: OSError, what: str) -> ExpectedError | None:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"The disk is full, so {what} could not be saved. Nothing was changed.")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyLocation(
            f"The data directory cannot be written to, so {what} "
            "could not be saved. Nothing was changed."
        )
    return None


def atomic_write(path: Path, data: bytes, *, exclusive: bool, what: str) -> None:
    """Write ``data`` to ``path`` so a crash leaves the old file or the new one, never half.

    The file gets mode 0o600. With ``exclusive`` the file must not exist yet
    (``FileExistsError``), and the check is part of the final link, so two set-ups racing
    cannot both win. ``what`` names the file in a disk-full or read-only message.
    """
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # exact, whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        _publish(tmp, path, exclusive=exclusive)
        _fsync_dir(path.parent)
    except FileExistsError:
        raise
    except OSError as exc:
        translated = _translate_os_error(exc, what)
        if translated is not None:
            raise translated from exc
        raise
    finally:
        tmp.unlink(missing_ok=True)


_NO_HARD_LINKS = frozenset(
    code
    for code in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.ENOTSUP)
    if code is not None
)


def _publish(tmp: Path, path: Path, *, exclusive: bool) -> None:
    if not exclusive:
        os.replace(tmp, path)
    elif os.name == "nt":
        os.rename(tmp, path)  # refuses an existing target on Windows
    else:
        try:
            os.link(tmp, path)  # refuses an existing target, atomically
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            # Filesystems without hard links (FAT, some network shares): check, then
            # rename; the window between the two is the best such a filesystem allows.
            if path.exists():
                raise FileExistsError(errno.EEXIST, "exists") from None
            os.replace(tmp, path)


def read_demo_kek(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise DatabaseNotFound(
            f"The demo key file {DEMO_KEY_FILENAME} is missing.",
            "Create a new demo clinic; demo data cannot be recovered without it.",
        ) from None
    except (OSError, UnicodeDecodeError):
        raise DatabaseCorrupt(f"The demo key file {DEMO_KEY_FILENAME} cannot be read.") from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    try:
        kek = base64.b64decode(lines[0].encode("ascii"), validate=True) if len(lines) == 1 else b""
    except binascii.Error:
        kek = b""
    if len(kek) != KEK_BYTES:
        raise DatabaseCorrupt(f"The demo key file {DEMO_KEY_FILENAME} is damaged.")
    return kek


def read_document(path: Path) -> SlotDocument:
    """Read and validate a key-slot file.

    Raises:
        DatabaseNotFound: there is no key-slot file.
        DatabaseCorrupt: it is not a well-formed key-slot file.
        SchemaTooNew: it was written by a newer version of the app.
        ReadOnlyLocation: this account may not read it.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DatabaseNotFound(
            f"The key-slot file {KEYSLOTS_FILENAME} was not found in the data directory.",
            "If the clinic database is here, restore keyslots.json from this clinic's "
            "backup or call IT; otherwise run the first-time set-up.",
        ) from None
    except PermissionError:
        raise ReadOnlyLocation(
            f"The key-slot file {KEYSLOTS_FILENAME} cannot be read by this account.",
            "Ask IT to give this account access to the data directory.",
        ) from None
    except OSError:
        raise corrupt("it cannot be read") from None
    if len(data) > MAX_FILE_BYTES:
        raise corrupt("it is far larger than a key-slot file can be")
    try:
        obj = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise corrupt("it is not valid JSON") from None
    return parse_document(obj)


def demo_key_text(kek: bytes) -> bytes:
    """The contents of the demo key file: a warning line, then the KEK in base64."""
    return f"{DEMO_HEADER}\n{b64(kek)}\n".encode("ascii")

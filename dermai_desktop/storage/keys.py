"""Key slots: the database key (DEK) wrapped for the keychain, the recovery key and demos."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from dermai_desktop.domain.errors import (
    ClinicAlreadyExists,
    DatabaseCorrupt,
    ExpectedError,
    ForeignDatabase,
    KeychainBackendChanged,
    KeychainUnavailable,
    WrongRecoveryKey,
)
from dermai_desktop.domain.ids import ClinicId, new_uuid7
from dermai_desktop.storage.keychain import KeyStore
from dermai_desktop.storage.keyslot_file import (
    ARGON2_SALT_BYTES,
    CLINIC_ID_PATTERN,
    DB_SALT_BYTES,
    DEK_BYTES,
    DEMO_KEY_FILENAME,
    FORMAT_VERSION,
    KEK_BYTES,
    KEYSLOTS_FILENAME,
    KeychainSlot,
    RecoveryKdfParams,
    RecoverySlot,
    SlotDocument,
    SlotSet,
    Wrapped,
    atomic_write,
    corrupt,
    demo_key_text,
    derive_recovery_kek,
    document_json,
    kek_check,
    now_text,
    read_demo_kek,
    read_document,
    slot_aad,
    unwrap_dek,
    wrap_dek,
)

__all__ = [
    "DEFAULT_RECOVERY_KDF",
    "DEK_BYTES",
    "DEMO_KEY_FILENAME",
    "FORMAT_VERSION",
    "KEYSLOTS_FILENAME",
    "KeySlots",
    "RecoveryKdfParams",
    "RekeyInProgress",
    "fingerprint",
    "generate_dek",
    "generate_recovery_key",
    "open_resolving_rekey",
    "parse_recovery_key",
]

log = logging.getLogger(__name__)

_RECOVERY_KEY_BYTES = 20  # 160 bits -> exactly 32 base32 characters, no padding
_B32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_TYPO_MAP = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")
_RECOVERY_HINT = (
    "A recovery key is 8 groups of 4 characters: letters A-Z and digits 2-7. "
    "Check the printed recovery sheet."
)

_T = TypeVar("_T")


# Named like the domain errors (WrongRecoveryKey, ...): a condition, not an "...Error".
class RekeyInProgress(ExpectedError):
    title = "Key change in progress"
    default_message = "A change of the database key was started and not finished."
    default_next_step = "Restart DermAI Desktop to finish it, then try again."


# About 0.6 s on a 2-core 2024 VM. The recovery key already has 160 bits of entropy, so
# Argon2 is defence in depth, used only on the rare recovery unlock; 256 MiB stays within
# what an old 4 GB clinic PC can spare for a second.
DEFAULT_RECOVERY_KDF = RecoveryKdfParams(time_cost=6, memory_cost_kib=256 * 1024, parallelism=4)


# --- key material ----------------------------------------------------------------------


def generate_dek() -> bytes:
    """A fresh 32-byte data-encryption key (the SQLCipher raw key)."""
    return secrets.token_bytes(DEK_BYTES)


def generate_recovery_key() -> str:
    """A fresh 160-bit recovery key as 8 dash-separated groups of 4 base32 characters."""
    text = base64.b32encode(secrets.token_bytes(_RECOVERY_KEY_BYTES)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """Decode a typed recovery key, forgiving case, spacing, dashes and 0/1/8 for O/I/B."""
    # NFKC folds full-width characters from some input methods into plain ASCII.
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    cleaned = cleaned.translate(_TYPO_MAP)
    if len(cleaned) != 32:
        raise WrongRecoveryKey(
            f"A recovery key has 32 letters and digits; {len(cleaned)} were entered.",
            _RECOVERY_HINT,
        )
    if not set(cleaned) <= _B32_ALPHABET:
        raise WrongRecoveryKey(
            "The recovery key contains a character that recovery keys never use.", _RECOVERY_HINT
        )
    return base64.b32decode(cleaned)


def fingerprint(dek: bytes) -> str:
    """A short public identifier of a DEK: tells "wrong key" from "damaged database"."""
    return hmac.new(dek, b"dermai-key-fingerprint", hashlib.sha256).hexdigest()[:16]


# --- the key-slot file ---------------------------------------------------------------


class KeySlots:
    """The key-slot file beside the database: one DEK, wrapped once per way of unlocking.

    Holds no key material itself: every unlock returns the DEK to the caller, who keeps it
    only as long as the database is open.
    """

    def __init__(self, path: Path, document: SlotDocument) -> None:
        """Use :meth:`create` or :meth:`load`."""
        self._path = path
        self._doc = document

    # --- creating and loading --------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        dek: bytes,
        clinic_id: ClinicId | str,
        *,
        keystore: KeyStore | None,
        recovery_key: str,
        demo: bool = False,
        recovery_params: RecoveryKdfParams = DEFAULT_RECOVERY_KDF,
        database_path: Path | None = None,
    ) -> KeySlots:
        """Write a new key-slot file for ``dek``; never replaces anything that exists.

        Args:
            path: where ``keyslots.json`` goes (normally beside the database).
            dek: the new database key.
            clinic_id: the clinic this key belongs to (bound into every slot).
            keystore: the OS keychain; required unless ``demo``.
            recovery_key: the text from :func:`generate_recovery_key` shown to the user.
            demo: also write the demo key file (demo clinics open without a keychain).
            recovery_params: Argon2id cost for the recovery slot.
            database_path: the database this key will protect; creation is refused if it
                exists, so a key is never made for a database that already has one.

        Raises:
            ClinicAlreadyExists: the slot file, the demo key file or the database exists.
            KeychainUnavailable: the keychain refused, or did not give the key back.
            WrongRecoveryKey: ``recovery_key`` is not a well-formed recovery key.
        """
        if len(dek) != DEK_BYTES:
            raise ValueError("the DEK must be 32 bytes")
        if not CLINIC_ID_PATTERN.fullmatch(clinic_id):
            raise ValueError("clinic_id must be a simple identifier")
        if keystore is None and not demo:
            raise ValueError("a clinic's key must be linked to the keychain; only a demo may not")
        if (problem := recovery_params.problem()) is not None:
            raise ValueError(f"recovery_params: {problem}")
        raw_recovery = parse_recovery_key(recovery_key)
        demo_path = path.parent / DEMO_KEY_FILENAME
        for existing in (path, demo_path if demo else None, database_path):
            if existing is not None and existing.exists():
                raise ClinicAlreadyExists()

        clinic = ClinicId(clinic_id)
        key_id = new_uuid7()
        salt = secrets.token_bytes(ARGON2_SALT_BYTES)
        recovery = RecoverySlot(
            wrap_dek(
                derive_recovery_kek(raw_recovery, salt, recovery_params),
                dek,
                slot_aad("recovery", clinic, key_id),
            ),
            recovery_params,
            salt,
        )
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keychain: KeychainSlot | None = None
        demo_slot: Wrapped | None = None
        account: str | None = None
        wrote_demo = False
        try:
            if keystore is not None:
                keystore.ensure_usable()
                kek = secrets.token_bytes(KEK_BYTES)
                account = f"{clinic}/kek/{key_id}"
                keystore.put_secret(account, kek)  # reads back; raises if the keychain lied
                keychain = KeychainSlot(
                    wrap_dek(kek, dek, slot_aad("keychain", clinic, key_id)),
                    account,
                    keystore.backend_name(),
                )
            if demo:
                demo_kek = secrets.token_bytes(KEK_BYTES)
                atomic_write(
                    demo_path,
                    demo_key_text(demo_kek),
                    exclusive=True,
                    what="the demo key",
                )
                wrote_demo = True
                demo_slot = wrap_dek(demo_kek, dek, slot_aad("demo", clinic, key_id))
            slots = SlotSet(key_id, fingerprint(dek), now_text(), recovery, keychain, demo_slot)
            doc = SlotDocument(clinic, None, slots, None)
            atomic_write(path, document_json(doc), exclusive=True, what="the key-slot file")
        except BaseException as exc:
            # Undo what this call made so a failed set-up can simply be retried.
            if wrote_demo:
                demo_path.unlink(missing_ok=True)
            if account is not None and keystore is not None:
                _forget(keystore, account)
            if isinstance(exc, FileExistsError):
                raise ClinicAlreadyExists() from None
            raise
        log.info("key slots created (clinic %s, key %s, demo %s)", clinic, key_id, demo)
        return cls(path, doc)

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        """Read and validate a key-slot file.

        Raises:
            DatabaseNotFound: there is no key-slot file.
            DatabaseCorrupt: it is not a well-formed key-slot file.
            SchemaTooNew: it was written by a newer version of the app.
        """
        return cls(path, read_document(path))

    # --- facts -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def clinic_id(self) -> ClinicId:
        return self._doc.clinic_id

    @property
    def key_id(self) -> str:
        return self._doc.current.key_id

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the current DEK (see :func:`fingerprint`)."""
        return self._doc.current.fingerprint

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self._doc.current.created_at)

    @property
    def db_salt(self) -> bytes | None:
        """The database file's first 16 bytes (its SQLCipher salt), once recorded."""
        return self._doc.db_salt

    @property
    def has_keychain_slot(self) -> bool:
        return self._doc.current.keychain is not None

    @property
    def keychain_backend(self) -> str | None:
        """The keychain backend the key was stored with, or None without a keychain slot."""
        slot = self._doc.current.keychain
        return slot.backend if slot is not None else None

    @property
    def is_demo(self) -> bool:
        return self._doc.current.demo is not None

    @property
    def has_pending(self) -> bool:
        """True while a key change was staged and not yet committed or discarded."""
        return self._doc.pending is not None

    @property
    def recovery_params(self) -> RecoveryKdfParams:
        return self._doc.current.recovery.params

    def matches(self, dek: bytes) -> bool:
        """Whether ``dek`` is the current DEK, by fingerprint (constant time)."""
        return hmac.compare_digest(fingerprint(dek), self._doc.current.fingerprint)

    def set_db_salt(self, salt: bytes, *, replace_existing: bool = False) -> None:
        """Record the database's SQLCipher salt; refuses to change a recorded one silently."""
        if len(salt) != DB_SALT_BYTES:
            raise ValueError("the database salt is 16 bytes")
        current = self._doc.db_salt
        if current == salt:
            return
        if current is not None and not replace_existing:
            raise ValueError("a different database salt is already recorded")
        self._write(replace(self._doc, db_salt=salt))

    # --- unlocking ---------------------------------------------------------------------

    def unlock_with_keychain(self, keystore: KeyStore, *, pending: bool = False) -> bytes:
        """The DEK through the keychain slot. Never creates or changes anything.

        Args:
            pending: open the staged key of an unfinished key change instead.

        Raises:
            KeychainBackendChanged: the keychain is not the one the key was stored in.
            KeychainUnavailable: the keychain refused, hung, has no key, or a wrong one.
        """
        slots = self._slots(pending)
        if slots.keychain is None:
            raise KeychainUnavailable(
                "This clinic's key is not linked to the keychain on this workstation.",
                "Unlock with the clinic recovery key; the keychain will be linked afterwards.",
            )
        kek = self._keychain_kek(slots.keychain, keystore)
        dek = unwrap_dek(
            kek, slots.keychain.wrapped, slot_aad("keychain", self.clinic_id, slots.key_id)
        )
        if dek is None:
            # The KEK passed its check, so the wrapped DEK itself was altered.
            raise KeychainUnavailable(
                f"The keychain slot in {KEYSLOTS_FILENAME} is damaged or was edited.",
                "Unlock with the clinic recovery key; the slot will be rewritten.",
            )
        return self._checked(dek, slots)

    def unlock_with_recovery_key(self, text: str, *, pending: bool = False) -> bytes:
        """The DEK through the recovery slot (takes about a second: Argon2id).

        Raises:
            WrongRecoveryKey: malformed, or not this clinic's recovery key.
            DatabaseCorrupt: the key is right but the recovery slot was damaged.
        """
        slots = self._slots(pending)
        kek = _recovery_kek(slots.recovery, text)
        dek = unwrap_dek(
            kek, slots.recovery.wrapped, slot_aad("recovery", self.clinic_id, slots.key_id)
        )
        if dek is None:
            raise corrupt("the recovery slot was altered")
        return self._checked(dek, slots)

    def unlock_with_demo_key(self, *, pending: bool = False) -> bytes:
        """The DEK of a demo clinic through the demo key file."""
        slots = self._slots(pending)
        if slots.demo is None:
            raise ValueError("not a demo clinic")
        kek = self._demo_kek(slots.demo)
        dek = unwrap_dek(kek, slots.demo, slot_aad("demo", self.clinic_id, slots.key_id))
        if dek is None:
            raise corrupt("the demo slot was altered")
        return self._checked(dek, slots)

    # --- changing slots ----------------------------------------------------------------

    def relink_keychain(self, dek: bytes, keystore: KeyStore) -> None:
        """Store a new KEK in the (current) keychain and rewrap ``dek`` under it.

        For after a recovery unlock when the keychain was empty, changed or damaged.
        Resolve any unfinished key change first (:func:`open_resolving_rekey`).
        """
        self._require_no_pending()
        self._require_current(dek)
        keystore.ensure_usable()
        old = self._doc.current.keychain
        kek = secrets.token_bytes(KEK_BYTES)
        # A fresh account name: overwriting the old entry before the new slot is on disk
        # would leave neither keychain entry matching the file if we crashed in between.
        account = f"{self.clinic_id}/kek/{new_uuid7()}"
        keystore.put_secret(account, kek)
        backend = keystore.backend_name()
        slot = KeychainSlot(
            wrap_dek(kek, dek, slot_aad("keychain", self.clinic_id, self.key_id)), account, backend
        )
        try:
            self._write(replace(self._doc, current=replace(self._doc.current, keychain=slot)))
        except BaseException:
            _forget(keystore, account)
            raise
        if old is not None and old.backend == backend and old.account != account:
            _forget(keystore, old.account)
        log.info("keychain re-linked (clinic %s, key %s)", self.clinic_id, self.key_id)

    def rotate_recovery_key(
        self, dek: bytes, new_recovery_key: str, *, params: RecoveryKdfParams | None = None
    ) -> None:
        """Replace the recovery slot so only ``new_recovery_key`` opens it."""
        self._require_no_pending()
        self._require_current(dek)
        params = params or DEFAULT_RECOVERY_KDF
        if (problem := params.problem()) is not None:
            raise ValueError(f"params: {problem}")
        raw = parse_recovery_key(new_recovery_key)
        salt = secrets.token_bytes(ARGON2_SALT_BYTES)
        kek = derive_recovery_kek(raw, salt, params)
        slot = RecoverySlot(
            wrap_dek(kek, dek, slot_aad("recovery", self.clinic_id, self.key_id)), params, salt
        )
        self._write(replace(self._doc, current=replace(self._doc.current, recovery=slot)))
        log.info("recovery key rotated (clinic %s, key %s)", self.clinic_id, self.key_id)

    def stage_rekey(
        self,
        current_dek: bytes,
        new_dek: bytes,
        keystore: KeyStore | None,
        recovery_key: str,
    ) -> None:
        """Record ``new_dek`` as pending, wrapped by every current slot's KEK.

        Step 1 of a crash-safe key change: stage, then ``PRAGMA rekey``, then
        :meth:`commit_rekey`. After a crash, :func:`open_resolving_rekey` finishes the job
        whichever key the database ended up with.

        Raises:
            WrongRecoveryKey: ``recovery_key`` does not open the current recovery slot.
            KeychainUnavailable: the keychain slot exists but its KEK cannot be had.
            RekeyInProgress: an earlier key change was not resolved.
        """
        self._require_no_pending()
        self._require_current(current_dek)
        if len(new_dek) != DEK_BYTES or hmac.compare_digest(new_dek, current_dek):
            raise ValueError("the new DEK must be 32 bytes and differ from the current one")
        cur = self._doc.current
        new_id = new_uuid7()
        clinic = self.clinic_id
        # Reuse each slot's KEK (the same Argon2 salt and cost, the same keychain entry): one
        # Argon2 run, no keychain write, and every KEK is proven against the current DEK.
        rkek = _recovery_kek(cur.recovery, recovery_key)
        if (
            unwrap_dek(rkek, cur.recovery.wrapped, slot_aad("recovery", clinic, cur.key_id))
            != current_dek
        ):
            raise WrongRecoveryKey()
        recovery = replace(
            cur.recovery, wrapped=wrap_dek(rkek, new_dek, slot_aad("recovery", clinic, new_id))
        )
        keychain = None
        if cur.keychain is not None:
            if keystore is None:
                raise KeychainUnavailable(
                    "This clinic's key is linked to the keychain, which is needed to change it.",
                    "Try again with the keychain available, or re-link it first.",
                )
            kek = self._keychain_kek(cur.keychain, keystore)
            if unwrap_dek(kek, cur.keychain.wrapped, slot_aad("keychain", clinic, cur.key_id)) != (
                current_dek
            ):
                raise KeychainUnavailable(
                    f"The keychain slot in {KEYSLOTS_FILENAME} is damaged or was edited.",
                    "Unlock with the recovery key and re-link the keychain first.",
                )
            keychain = replace(
                cur.keychain, wrapped=wrap_dek(kek, new_dek, slot_aad("keychain", clinic, new_id))
            )
        demo = None
        if cur.demo is not None:
            dkek = self._demo_kek(cur.demo)
            demo = wrap_dek(dkek, new_dek, slot_aad("demo", clinic, new_id))
        staged = SlotSet(new_id, fingerprint(new_dek), now_text(), recovery, keychain, demo)
        self._write(replace(self._doc, pending=staged))
        log.info("key change staged (clinic %s, key %s -> %s)", clinic, cur.key_id, new_id)

    def commit_rekey(self) -> None:
        """Make the staged key current (after the database was rekeyed to it)."""
        staged = self._doc.pending
        if staged is None:
            raise ValueError("no key change is staged")
        old_id = self.key_id
        self._write(replace(self._doc, current=staged, pending=None))
        log.info(
            "key change committed (clinic %s, key %s -> %s)", self.clinic_id, old_id, staged.key_id
        )

    def discard_pending(self) -> None:
        """Forget a staged key change (the database was never rekeyed to it)."""
        if self._doc.pending is None:
            return
        self._write(replace(self._doc, pending=None))
        log.info("staged key change discarded (clinic %s)", self.clinic_id)

    # --- internals -----------------------------------------------------------------------

    def _slots(self, pending: bool) -> SlotSet:
        if not pending:
            return self._doc.current
        if self._doc.pending is None:
            raise ValueError("no key change is staged")
        return self._doc.pending

    def _checked(self, dek: bytes, slots: SlotSet) -> bytes:
        # GCM already authenticated the DEK; a fingerprint mismatch means the file's
        # fingerprint field was edited, and the opener relies on it.
        if not hmac.compare_digest(fingerprint(dek), slots.fingerprint):
            raise corrupt("the key fingerprint does not match")
        return dek

    def _require_current(self, dek: bytes) -> None:
        if len(dek) != DEK_BYTES or not self.matches(dek):
            raise ValueError("that is not this clinic's current database key")

    def _require_no_pending(self) -> None:
        if self._doc.pending is not None:
            raise RekeyInProgress()

    def _keychain_kek(self, slot: KeychainSlot, keystore: KeyStore) -> bytes:
        # "No usable keychain" first: when the keyring daemon is simply not running, the
        # fix is to start it, not to re-link; calling that a backend change would mislead.
        keystore.ensure_usable()
        current = keystore.backend_name()
        if current != slot.backend:
            raise KeychainBackendChanged(
                f"The database key was stored in the keychain {slot.backend}, but this "
                f"session's keychain is {current}."
            )
        kek = keystore.get_secret(slot.account)
        if kek is None:
            # Never treated as "first run": a key-slot file exists, so a key exists.
            raise KeychainUnavailable(
                "The system keychain has no key for this clinic.",
                "Unlock with the clinic recovery key; the keychain will be re-linked afterwards.",
            )
        if len(kek) != KEK_BYTES or not hmac.compare_digest(kek_check(kek), slot.wrapped.kek_check):
            raise KeychainUnavailable(
                "The key in the system keychain does not match this clinic's key-slot file.",
                "Unlock with the clinic recovery key; the keychain will be re-linked afterwards.",
            )
        return kek

    def _demo_kek(self, slot: Wrapped) -> bytes:
        kek = read_demo_kek(self._path.parent / DEMO_KEY_FILENAME)
        if not hmac.compare_digest(kek_check(kek), slot.kek_check):
            raise DatabaseCorrupt(
                f"The demo key file {DEMO_KEY_FILENAME} does not belong to this demo clinic."
            )
        return kek

    def _write(self, doc: SlotDocument) -> None:
        atomic_write(self._path, document_json(doc), exclusive=False, what="the key-slot file")
        self._doc = doc


def _recovery_kek(slot: RecoverySlot, text: str) -> bytes:
    kek = derive_recovery_kek(parse_recovery_key(text), slot.salt, slot.params)
    if not hmac.compare_digest(kek_check(kek), slot.wrapped.kek_check):
        raise WrongRecoveryKey()
    return kek


def _forget(keystore: KeyStore, account: str) -> None:
    """Best-effort removal of a keychain entry nothing refers to any more."""
    try:
        keystore.delete_secret(account)
    except ExpectedError:
        log.warning("could not remove an unused keychain entry; it is harmless")


def open_resolving_rekey(
    slots: KeySlots,
    unlock: Callable[[bool], bytes],
    open_db: Callable[[bytes], _T],
) -> tuple[_T, bytes]:
    """Open the database, finishing a key change a crash interrupted.

    Args:
        slots: the clinic's key slots.
        unlock: returns the current DEK for ``False`` and the staged one for ``True``, e.g.
            ``lambda pending: slots.unlock_with_keychain(keystore, pending=pending)``.
        open_db: opens the database with a DEK, raising ``DatabaseCorrupt`` or
            ``ForeignDatabase`` for a wrong key.

    Returns:
        What ``open_db`` returned, and the DEK that opened it (now the current one).
    """
    dek = unlock(False)
    if not slots.has_pending:
        return open_db(dek), dek
    try:
        opened = open_db(dek)
    except (DatabaseCorrupt, ForeignDatabase) as first:
        # The crash came after PRAGMA rekey: the database already uses the staged key.
        new_dek = unlock(True)
        try:
            opened = open_db(new_dek)
        except (DatabaseCorrupt, ForeignDatabase):
            raise first from None
        slots.commit_rekey()
        return opened, new_dek
    # The crash came before PRAGMA rekey: the staged key was never used.
    slots.discard_pending()
    return opened, dek

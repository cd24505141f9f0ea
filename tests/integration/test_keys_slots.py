"""Key slots: either slot opens the DEK; failures are plain, change nothing, and leak nothing."""
# keyring and sqlcipher3 ship untyped constructors:
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import logging
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from keyring.backends import fail, null

from dermai_desktop.domain.errors import (
    ClinicAlreadyExists,
    DatabaseCorrupt,
    DatabaseNotFound,
    DiskFull,
    ExpectedError,
    KeychainBackendChanged,
    KeychainUnavailable,
    ReadOnlyLocation,
    SchemaTooNew,
    WrongRecoveryKey,
)
from dermai_desktop.storage.keychain import KeyStore
from dermai_desktop.storage.keys import (
    DEMO_KEY_FILENAME,
    KEYSLOTS_FILENAME,
    KeySlots,
    RecoveryKdfParams,
    fingerprint,
    generate_dek,
    generate_recovery_key,
    parse_recovery_key,
)
from tests.keyring_memory import HangingKeyring, LockedKeyring, MemoryKeyring

CHEAP = RecoveryKdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
# Every base32 letter once, so the typo mappings (0->O, 1->I, 8->B) are exercised.
FIXED_RECOVERY_KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"
CLINIC = "01900000-0000-7000-8000-0000000000c1"
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


class OtherMemoryKeyring(MemoryKeyring):
    """A second backend class: what a desktop switch (KWallet -> Secret Service) looks like."""


def make(
    tmp_path: Path,
    *,
    ring: MemoryKeyring | None = None,
    demo: bool = False,
    recovery_key: str = FIXED_RECOVERY_KEY,
) -> tuple[KeySlots, bytes, KeyStore | None]:
    dek = generate_dek()
    store = KeyStore(backend=ring or MemoryKeyring()) if not demo or ring else None
    slots = KeySlots.create(
        tmp_path / KEYSLOTS_FILENAME,
        dek,
        CLINIC,
        keystore=store,
        recovery_key=recovery_key,
        demo=demo,
        recovery_params=CHEAP,
    )
    return slots, dek, store


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def assert_plain(exc: ExpectedError) -> None:
    """A message a receptionist can read: one or two sentences, no code, no traceback."""
    text = exc.user_text()
    assert text
    assert "\n" not in text
    for smell in ("Traceback", 'File "', "{", "}", "0x", "Errno", "b'"):
        assert smell not in text


def encodings(secret: bytes) -> list[bytes]:
    """The secret as it could leak: raw, hex, base64 (any alignment), base32."""
    forms = [secret, secret.hex().encode(), secret.hex().upper().encode()]
    for shift in range(3):  # base64 of the secret embedded in a longer stream
        padded = b"\0" * shift + secret
        text = base64.b64encode(padded)[4 if shift else 0 :]
        forms.append(text[:40])
        forms.append(base64.urlsafe_b64encode(padded)[4 if shift else 0 :][:40])
    forms.append(base64.b32encode(secret).rstrip(b"="))
    forms.append(base64.b32encode(secret).lower().rstrip(b"="))
    return forms


def assert_absent(secret: bytes, blob: bytes) -> None:
    for form in encodings(secret):
        assert form not in blob


# --- recovery keys ------------------------------------------------------------------


def test_generated_recovery_key_format() -> None:
    keys = {generate_recovery_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", key)
        assert len(parse_recovery_key(key)) == 20  # 160 bits


@pytest.mark.parametrize(
    "typed",
    [
        "abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567",
        "ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "A8CD-EFGH-1JKL-MN0P-QRST-UVWX-YZ23-4567",  # 8 for B, 1 for I, 0 for O
        "  abcd\u2013efgh ijkl-mnop\tqrst-uvwx-yz23-4567\n",  # en dash from a word processor
        "\uff21BCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567",  # full-width A
    ],
)
def test_parse_is_forgiving(typed: str) -> None:
    assert parse_recovery_key(typed) == parse_recovery_key(FIXED_RECOVERY_KEY)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23", "28 were entered"),
        ("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-45678", "33 were entered"),
        ("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4569", "never use"),
        ("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-456!", "never use"),
        ("", "0 were entered"),
    ],
)
def test_parse_rejects_malformed_keys_without_echoing_them(typed: str, words: str) -> None:
    with pytest.raises(WrongRecoveryKey, match=words) as info:
        parse_recovery_key(typed)
    assert_plain(info.value)
    assert "EFGH" not in info.value.user_text()


def test_fingerprint_is_the_documented_hmac() -> None:
    dek = bytes(32)
    expected = hmac.new(dek, b"dermai-key-fingerprint", hashlib.sha256).hexdigest()[:16]
    assert fingerprint(dek) == expected
    assert fingerprint(generate_dek()) != expected


# --- create and unlock --------------------------------------------------------------


def test_both_slots_open_the_same_dek(tmp_path: Path) -> None:
    slots, dek, store = make(tmp_path)
    assert store is not None
    assert slots.unlock_with_keychain(store) == dek
    assert slots.unlock_with_recovery_key(FIXED_RECOVERY_KEY) == dek
    again = KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    assert again.unlock_with_keychain(store) == dek
    assert again.unlock_with_recovery_key("abcd efgh 1jkl mn0p qrst uvwx yz23 4567") == dek
    assert again.clinic_id == CLINIC
    assert again.key_id == slots.key_id
    assert again.fingerprint == fingerprint(dek)
    assert again.has_keychain_slot
    assert not again.is_demo
    assert not again.has_pending
    assert again.keychain_backend == "tests.keyring_memory.MemoryKeyring"
    assert again.recovery_params == CHEAP
    assert again.created_at.tzinfo is not None
    assert again.db_salt is None


def test_file_layout(tmp_path: Path) -> None:
    slots, _dek, _store = make(tmp_path)
    doc = json.loads((tmp_path / KEYSLOTS_FILENAME).read_text())
    assert doc["format_version"] == 1
    assert set(doc["slots"]) == {"keychain", "recovery"}
    assert doc["slots"]["keychain"]["account"] == f"{CLINIC}/kek/{slots.key_id}"
    recovery = doc["slots"]["recovery"]
    assert (recovery["kdf"], recovery["time_cost"], recovery["memory_cost_kib"]) == (
        "argon2id",
        1,
        8,
    )
    assert doc["pending"] is None


def test_keychain_entry_is_under_the_service_and_account(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    slots, _dek, _store = make(tmp_path, ring=ring)
    assert list(ring.entries) == [("DermAI Desktop", f"{CLINIC}/kek/{slots.key_id}")]


def test_wrong_recovery_key(tmp_path: Path) -> None:
    slots, _dek, _store = make(tmp_path)
    with pytest.raises(WrongRecoveryKey) as info:
        slots.unlock_with_recovery_key(generate_recovery_key())
    assert_plain(info.value)


def test_slots_are_bound_to_their_clinic(tmp_path: Path) -> None:
    """A recovery slot pasted from another clinic's file does not open anything."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    make(tmp_path / "a")
    make(tmp_path / "b")
    a = json.loads((tmp_path / "a" / KEYSLOTS_FILENAME).read_text())
    b = json.loads((tmp_path / "b" / KEYSLOTS_FILENAME).read_text())
    a["slots"]["recovery"] = b["slots"]["recovery"]
    (tmp_path / "a" / KEYSLOTS_FILENAME).write_text(json.dumps(a))
    with pytest.raises(DatabaseCorrupt):
        KeySlots.load(tmp_path / "a" / KEYSLOTS_FILENAME).unlock_with_recovery_key(
            FIXED_RECOVERY_KEY
        )


def test_empty_keychain_never_creates_a_key(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    slots, _dek, store = make(tmp_path, ring=ring)
    assert store is not None
    ring.entries.clear()  # e.g. an OS reinstall kept the files but not the keychain
    before = snapshot(tmp_path)
    with pytest.raises(KeychainUnavailable, match="no key for this clinic") as info:
        slots.unlock_with_keychain(store)
    assert type(info.value) is KeychainUnavailable
    assert_plain(info.value)
    assert snapshot(tmp_path) == before
    assert ring.entries == {}


@pytest.mark.parametrize(
    ("backend", "words"),
    [(null.Keyring, "switched off"), (fail.Keyring, "No system keychain")],
    ids=["null", "fail"],
)
def test_unusable_keychain_at_unlock(tmp_path: Path, backend: type, words: str) -> None:
    slots, _dek, _store = make(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(KeychainUnavailable, match=words) as info:
        slots.unlock_with_keychain(KeyStore(backend=backend()))
    assert type(info.value) is KeychainUnavailable  # not "changed": the keychain is absent
    assert_plain(info.value)
    assert snapshot(tmp_path) == before


def test_locked_keychain_at_unlock(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    slots, _dek, store = make(tmp_path, ring=ring)
    assert store is not None
    ring.locked = True
    before = snapshot(tmp_path)
    with pytest.raises(KeychainUnavailable, match="locked") as info:
        slots.unlock_with_keychain(store)
    assert type(info.value) is KeychainUnavailable
    assert snapshot(tmp_path) == before


def test_hung_keychain_at_unlock(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    slots, _dek, _store = make(tmp_path, ring=ring)
    ring.hang_seconds = 30.0
    try:
        with pytest.raises(KeychainUnavailable, match=r"did not answer within 0\.2 s"):
            slots.unlock_with_keychain(KeyStore(backend=ring, timeout_seconds=0.2))
    finally:
        ring.release()


def test_backend_change_then_recovery_and_relink(tmp_path: Path) -> None:
    slots, dek, old_store = make(tmp_path)
    assert old_store is not None
    new_ring = OtherMemoryKeyring()
    new_store = KeyStore(backend=new_ring)
    with pytest.raises(KeychainBackendChanged) as info:
        slots.unlock_with_keychain(new_store)
    assert "MemoryKeyring" in info.value.message
    assert "OtherMemoryKeyring" in info.value.message
    assert_plain(info.value)
    assert new_ring.entries == {}  # nothing was created on the way

    recovered = slots.unlock_with_recovery_key(FIXED_RECOVERY_KEY)
    slots.relink_keychain(recovered, new_store)
    assert len(new_ring.entries) == 1
    reloaded = KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    assert reloaded.keychain_backend == f"{__name__}.OtherMemoryKeyring"
    assert reloaded.unlock_with_keychain(new_store) == dek
    assert reloaded.unlock_with_recovery_key(FIXED_RECOVERY_KEY) == dek
    with pytest.raises(KeychainBackendChanged):
        reloaded.unlock_with_keychain(old_store)


def test_relink_on_the_same_keychain_replaces_the_entry(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    slots, dek, store = make(tmp_path, ring=ring)
    assert store is not None
    ring.entries.clear()
    slots.relink_keychain(slots.unlock_with_recovery_key(FIXED_RECOVERY_KEY), store)
    assert len(ring.entries) == 1
    assert slots.unlock_with_keychain(store) == dek
    # Relinking again leaves exactly one entry: the old one is cleaned up.
    slots.relink_keychain(dek, store)
    assert len(ring.entries) == 1
    assert KeySlots.load(slots.path).unlock_with_keychain(store) == dek


def test_relink_refuses_a_wrong_dek(tmp_path: Path) -> None:
    slots, _dek, store = make(tmp_path)
    assert store is not None
    with pytest.raises(ValueError, match="not this clinic"):
        slots.relink_keychain(generate_dek(), store)


def test_keychain_key_that_does_not_fit(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    slots, _dek, store = make(tmp_path, ring=ring)
    assert store is not None
    ((account_key, _),) = ring.entries.items()
    ring.entries[account_key] = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(KeychainUnavailable, match="does not match"):
        slots.unlock_with_keychain(store)


# --- create refuses -------------------------------------------------------------------


def test_create_refuses_when_the_file_exists(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    make(tmp_path, ring=ring)
    before, entries = snapshot(tmp_path), dict(ring.entries)
    with pytest.raises(ClinicAlreadyExists):
        make(tmp_path, ring=ring)
    assert snapshot(tmp_path) == before
    assert ring.entries == entries


def test_create_refuses_when_the_database_exists(tmp_path: Path) -> None:
    ring = MemoryKeyring()
    database = tmp_path / "clinic.db"
    database.write_bytes(b"existing")
    with pytest.raises(ClinicAlreadyExists):
        KeySlots.create(
            tmp_path / KEYSLOTS_FILENAME,
            generate_dek(),
            CLINIC,
            keystore=KeyStore(backend=ring),
            recovery_key=FIXED_RECOVERY_KEY,
            recovery_params=CHEAP,
            database_path=database,
        )
    assert snapshot(tmp_path) == {"clinic.db": b"existing"}
    assert ring.entries == {}


@pytest.mark.parametrize(
    "backend",
    [null.Keyring(), fail.Keyring(), LockedKeyring(), "dropping"],
    ids=["null", "fail", "locked", "drops-writes"],
)
def test_create_aborts_cleanly_when_the_keychain_cannot_keep_the_key(
    tmp_path: Path, backend: object
) -> None:
    if backend == "dropping":
        backend = MemoryKeyring()
        backend.drop_writes = True
    with pytest.raises(KeychainUnavailable):
        KeySlots.create(
            tmp_path / KEYSLOTS_FILENAME,
            generate_dek(),
            CLINIC,
            keystore=KeyStore(backend=backend),  # type: ignore[arg-type]
            recovery_key=FIXED_RECOVERY_KEY,
            recovery_params=CHEAP,
        )
    assert list(tmp_path.iterdir()) == []


def test_create_with_hung_keychain_aborts(tmp_path: Path) -> None:
    ring = HangingKeyring()
    try:
        with pytest.raises(KeychainUnavailable, match="did not answer"):
            KeySlots.create(
                tmp_path / KEYSLOTS_FILENAME,
                generate_dek(),
                CLINIC,
                keystore=KeyStore(backend=ring, timeout_seconds=0.1),
                recovery_key=FIXED_RECOVERY_KEY,
                recovery_params=CHEAP,
            )
    finally:
        ring.release()
    assert list(tmp_path.iterdir()) == []


def test_create_argument_checks(tmp_path: Path) -> None:
    path = tmp_path / KEYSLOTS_FILENAME
    kw = {"recovery_key": FIXED_RECOVERY_KEY, "recovery_params": CHEAP}
    with pytest.raises(ValueError, match="keychain"):
        KeySlots.create(path, generate_dek(), CLINIC, keystore=None, **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="32 bytes"):
        KeySlots.create(path, b"short", CLINIC, keystore=None, demo=True, **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clinic_id"):
        KeySlots.create(path, generate_dek(), "a|b", keystore=None, demo=True, **kw)  # type: ignore[arg-type]
    with pytest.raises(WrongRecoveryKey):
        KeySlots.create(path, generate_dek(), CLINIC, keystore=None, demo=True, recovery_key="nope")
    assert list(tmp_path.iterdir()) == []


# --- a damaged or edited file ---------------------------------------------------------


def flip_in(path: Path, slot: str) -> None:
    doc = json.loads(path.read_text())
    wrapped = bytearray(base64.b64decode(doc["slots"][slot]["wrapped_dek"]))
    wrapped[5] ^= 0x01
    doc["slots"][slot]["wrapped_dek"] = base64.b64encode(bytes(wrapped)).decode()
    path.write_text(json.dumps(doc))


def test_flipped_byte_in_the_keychain_slot(tmp_path: Path) -> None:
    slots, dek, store = make(tmp_path)
    assert store is not None
    flip_in(slots.path, "keychain")
    damaged = KeySlots.load(slots.path)
    with pytest.raises(KeychainUnavailable, match=r"keychain slot .* damaged") as info:
        damaged.unlock_with_keychain(store)
    assert_plain(info.value)
    # The recovery key still works, and relinking rewrites the damaged slot.
    recovered = damaged.unlock_with_recovery_key(FIXED_RECOVERY_KEY)
    damaged.relink_keychain(recovered, store)
    assert KeySlots.load(slots.path).unlock_with_keychain(store) == dek


def test_flipped_byte_in_the_recovery_slot(tmp_path: Path) -> None:
    slots, dek, store = make(tmp_path)
    assert store is not None
    flip_in(slots.path, "recovery")
    damaged = KeySlots.load(slots.path)
    with pytest.raises(DatabaseCorrupt, match="recovery slot") as info:
        damaged.unlock_with_recovery_key(FIXED_RECOVERY_KEY)  # the right key: not "wrong key"
    assert_plain(info.value)
    assert damaged.unlock_with_keychain(store) == dek


def test_edited_clinic_id_breaks_the_binding(tmp_path: Path) -> None:
    slots, _dek, store = make(tmp_path)
    assert store is not None
    doc = json.loads(slots.path.read_text())
    doc["clinic_id"] = "01900000-0000-7000-8000-0000000000c2"
    slots.path.write_text(json.dumps(doc))
    edited = KeySlots.load(slots.path)
    with pytest.raises(KeychainUnavailable, match="damaged"):
        edited.unlock_with_keychain(store)
    with pytest.raises(DatabaseCorrupt):
        edited.unlock_with_recovery_key(FIXED_RECOVERY_KEY)


def test_edited_fingerprint_is_caught(tmp_path: Path) -> None:
    slots, _dek, store = make(tmp_path)
    assert store is not None
    doc = json.loads(slots.path.read_text())
    doc["fingerprint"] = "0" * 16
    slots.path.write_text(json.dumps(doc))
    with pytest.raises(DatabaseCorrupt, match="fingerprint"):
        KeySlots.load(slots.path).unlock_with_recovery_key(FIXED_RECOVERY_KEY)


def edit(doc: dict[str, object], change: str) -> bytes:
    slots = doc["slots"]
    assert isinstance(slots, dict)
    if change == "missing-field":
        del slots["recovery"]["salt"]
    elif change == "wrong-type":
        slots["recovery"]["time_cost"] = "1"
    elif change == "bool-for-int":
        slots["recovery"]["time_cost"] = True
    elif change == "bad-base64":
        slots["recovery"]["nonce"] = "***"
    elif change == "short-nonce":
        slots["recovery"]["nonce"] = base64.b64encode(b"123").decode()
    elif change == "huge-memory":
        slots["recovery"]["memory_cost_kib"] = 2**40
    elif change == "other-kdf":
        slots["recovery"]["kdf"] = "pbkdf2"
    elif change == "not-an-object":
        return b"[1, 2, 3]"
    elif change == "no-timezone":
        doc["created_at"] = "2026-01-01T10:00:00"
    elif change == "bad-salt":
        doc["db_salt"] = "zz"
    elif change == "path-in-demo":
        slots["demo"] = {"key_file": "../../etc/passwd"}
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "change",
    [
        "missing-field",
        "wrong-type",
        "bool-for-int",
        "bad-base64",
        "short-nonce",
        "huge-memory",
        "other-kdf",
        "not-an-object",
        "no-timezone",
        "bad-salt",
        "path-in-demo",
    ],
)
def test_edited_json_is_a_plain_corrupt_error(tmp_path: Path, change: str) -> None:
    slots, _dek, _store = make(tmp_path)
    slots.path.write_bytes(edit(json.loads(slots.path.read_text()), change))
    with pytest.raises(DatabaseCorrupt, match=KEYSLOTS_FILENAME) as info:
        KeySlots.load(slots.path)
    assert_plain(info.value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe not utf-8",
        b'{"format_version": 1, "format_version": 1}',
        b'{"format_version": NaN}',
        b"[" * 100_000,
        b" " * 70_000,
    ],
    ids=["empty", "truncated", "binary", "duplicate-key", "nan", "deep", "huge"],
)
def test_garbage_file_is_a_plain_corrupt_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / KEYSLOTS_FILENAME
    path.write_bytes(content)
    with pytest.raises(DatabaseCorrupt) as info:
        KeySlots.load(path)
    assert_plain(info.value)


def test_truncated_real_file(tmp_path: Path) -> None:
    slots, _dek, _store = make(tmp_path)
    data = slots.path.read_bytes()
    slots.path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatabaseCorrupt, match="not valid JSON"):
        KeySlots.load(slots.path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFound, match=KEYSLOTS_FILENAME) as info:
        KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    assert_plain(info.value)


def test_newer_format(tmp_path: Path) -> None:
    slots, _dek, _store = make(tmp_path)
    doc = json.loads(slots.path.read_text())
    doc["format_version"] = 2
    slots.path.write_text(json.dumps(doc))
    with pytest.raises(SchemaTooNew):
        KeySlots.load(slots.path)


# --- demo clinics -----------------------------------------------------------------------


def test_demo_clinic(tmp_path: Path) -> None:
    slots, dek, _store = make(tmp_path, demo=True)
    assert slots.is_demo
    assert not slots.has_keychain_slot
    assert slots.unlock_with_demo_key() == dek
    assert slots.unlock_with_recovery_key(FIXED_RECOVERY_KEY) == dek
    assert KeySlots.load(slots.path).unlock_with_demo_key() == dek
    lines = (tmp_path / DEMO_KEY_FILENAME).read_text().splitlines()
    assert lines[0].startswith("#")
    assert "DEMO KEY" in lines[0]
    assert "never protect patient data" in lines[0]
    with pytest.raises(KeychainUnavailable, match="not linked"):
        slots.unlock_with_keychain(KeyStore(backend=MemoryKeyring()))


def test_real_clinic_has_no_demo_key(tmp_path: Path) -> None:
    slots, _dek, _store = make(tmp_path)
    assert not (tmp_path / DEMO_KEY_FILENAME).exists()
    with pytest.raises(ValueError, match="demo"):
        slots.unlock_with_demo_key()


def test_demo_key_file_missing_or_foreign(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    slots, _dek, _store = make(tmp_path / "a", demo=True)
    make(tmp_path / "b", demo=True)
    demo_file = tmp_path / "a" / DEMO_KEY_FILENAME
    demo_file.write_bytes((tmp_path / "b" / DEMO_KEY_FILENAME).read_bytes())
    with pytest.raises(DatabaseCorrupt, match="does not belong"):
        slots.unlock_with_demo_key()
    demo_file.write_text("# header only\n")
    with pytest.raises(DatabaseCorrupt, match="damaged"):
        slots.unlock_with_demo_key()
    demo_file.unlink()
    with pytest.raises(DatabaseNotFound, match="demo key file"):
        slots.unlock_with_demo_key()


def test_create_refuses_an_existing_demo_key(tmp_path: Path) -> None:
    (tmp_path / DEMO_KEY_FILENAME).write_text("old")
    with pytest.raises(ClinicAlreadyExists):
        make(tmp_path, demo=True)
    assert snapshot(tmp_path) == {DEMO_KEY_FILENAME: b"old"}


# --- secrets stay secret ----------------------------------------------------------------


def test_no_file_contains_the_dek_or_the_keychain_kek(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ring = MemoryKeyring()
    recovery_key = generate_recovery_key()
    slots, dek, store = make(tmp_path, ring=ring, demo=True, recovery_key=recovery_key)
    assert store is not None
    slots.set_db_salt(os.urandom(16))
    slots.relink_keychain(slots.unlock_with_recovery_key(recovery_key), store)
    ((_, kek_text),) = ring.entries.items()
    kek = base64.b64decode(kek_text)
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert set(snapshot(tmp_path)) == {KEYSLOTS_FILENAME, DEMO_KEY_FILENAME}
    assert_absent(dek, blob)
    assert_absent(kek, blob)
    assert recovery_key.encode() not in blob
    assert_absent(parse_recovery_key(recovery_key), blob)
    logged = caplog.text.encode()
    assert_absent(dek, logged)
    assert_absent(kek, logged)
    assert recovery_key.encode() not in logged


def test_the_scan_would_find_a_leak() -> None:
    """The scanner itself must be able to fail, or the test above proves nothing."""
    dek = generate_dek()
    for leak in (dek, dek.hex().encode(), base64.b64encode(b"xx" + dek), base64.b32encode(dek)):
        with pytest.raises(AssertionError):
            assert_absent(dek, b"prefix " + leak + b" suffix")


@POSIX
def test_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        slots, _dek, _store = make(tmp_path, ring=MemoryKeyring(), demo=True)
        for path in (slots.path, tmp_path / DEMO_KEY_FILENAME):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        slots.set_db_salt(os.urandom(16))  # rewrites keep the mode
        assert stat.S_IMODE(slots.path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


# --- db salt, recovery rotation, failed writes ----------------------------------------


def test_db_salt(tmp_path: Path) -> None:
    slots, _dek, _store = make(tmp_path)
    salt = os.urandom(16)
    slots.set_db_salt(salt)
    slots.set_db_salt(salt)  # idempotent
    assert KeySlots.load(slots.path).db_salt == salt
    with pytest.raises(ValueError, match="already recorded"):
        slots.set_db_salt(os.urandom(16))
    other = os.urandom(16)
    slots.set_db_salt(other, replace_existing=True)
    assert KeySlots.load(slots.path).db_salt == other
    with pytest.raises(ValueError, match="16 bytes"):
        slots.set_db_salt(b"short")


def test_rotate_recovery_key(tmp_path: Path) -> None:
    slots, dek, store = make(tmp_path)
    assert store is not None
    new_key = generate_recovery_key()
    slots.rotate_recovery_key(dek, new_key, params=CHEAP)
    reloaded = KeySlots.load(slots.path)
    assert reloaded.unlock_with_recovery_key(new_key) == dek
    with pytest.raises(WrongRecoveryKey):
        reloaded.unlock_with_recovery_key(FIXED_RECOVERY_KEY)
    assert reloaded.unlock_with_keychain(store) == dek


@pytest.mark.parametrize(
    ("code", "error"),
    [(errno.ENOSPC, DiskFull), (errno.EROFS, ReadOnlyLocation)],
    ids=["disk-full", "read-only"],
)
def test_failed_write_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, error: type[ExpectedError]
) -> None:
    slots, dek, store = make(tmp_path)
    assert store is not None
    before = snapshot(tmp_path)

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(error) as info:
        slots.set_db_salt(os.urandom(16))
    assert_plain(info.value)
    monkeypatch.undo()
    assert snapshot(tmp_path) == before  # no temporary file left behind either
    assert slots.db_salt is None  # memory matches disk
    assert KeySlots.load(slots.path).unlock_with_keychain(store) == dek


@POSIX
def test_failed_create_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key-slot file cannot be written: the demo key and keychain entry go too."""
    real_link = os.link

    def link(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == KEYSLOTS_FILENAME:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    ring = MemoryKeyring()
    with pytest.raises(DiskFull):
        make(tmp_path, ring=ring, demo=True)
    assert list(tmp_path.iterdir()) == []
    assert ring.entries == {}


@POSIX
def test_create_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On FAT or a share without hard links, creation still works and still refuses twice."""

    def no_links(src: str | Path, dst: str | Path) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    slots, dek, _store = make(tmp_path, demo=True)
    assert KeySlots.load(slots.path).unlock_with_demo_key() == dek
    before = snapshot(tmp_path)
    with pytest.raises(ClinicAlreadyExists):
        make(tmp_path, demo=True)
    assert snapshot(tmp_path) == before

"""Crash-safe key change: stage, PRAGMA rekey, commit; a crash at any point loses nothing."""
# keyring and sqlcipher3 ship untyped constructors:
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlcipher3

from dermai_desktop.domain.errors import (
    DatabaseCorrupt,
    KeychainUnavailable,
    WrongRecoveryKey,
)
from dermai_desktop.storage.keychain import KeyStore
from dermai_desktop.storage.keys import (
    KEYSLOTS_FILENAME,
    KeySlots,
    RecoveryKdfParams,
    RekeyInProgress,
    fingerprint,
    generate_dek,
    open_resolving_rekey,
)
from tests.keyring_memory import MemoryKeyring

CHEAP = RecoveryKdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
RECOVERY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"
CLINIC = "01900000-0000-7000-8000-0000000000c1"
ROOT = Path(__file__).resolve().parents[2]


def make(
    tmp_path: Path, *, demo: bool = False, keychain: bool = True
) -> tuple[KeySlots, bytes, KeyStore]:
    dek = generate_dek()
    store = KeyStore(backend=MemoryKeyring())
    slots = KeySlots.create(
        tmp_path / KEYSLOTS_FILENAME,
        dek,
        CLINIC,
        keystore=store if keychain else None,
        recovery_key=RECOVERY,
        demo=demo,
        recovery_params=CHEAP,
    )
    return slots, dek, store


def _key(conn: sqlcipher3.Connection, dek: bytes) -> None:
    conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")


def make_db(path: Path, dek: bytes) -> None:
    conn = sqlcipher3.connect(str(path))
    _key(conn, dek)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.execute("INSERT INTO t VALUES (42)")
    conn.commit()
    conn.close()


def rekey_db(path: Path, old: bytes, new: bytes) -> None:
    conn = sqlcipher3.connect(str(path))
    _key(conn, old)
    conn.execute(f"PRAGMA rekey = \"x'{new.hex()}'\"")
    conn.close()


def open_db(path: Path, dek: bytes) -> int:
    """A stand-in for storage.database.open_database: the row, or DatabaseCorrupt."""
    conn = sqlcipher3.connect(str(path))
    try:
        _key(conn, dek)
        (value,) = conn.execute("SELECT x FROM t").fetchone()
    except sqlcipher3.DatabaseError:
        raise DatabaseCorrupt() from None
    finally:
        conn.close()
    return int(value)


def test_stage_and_commit(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path, demo=True)
    new = generate_dek()
    old_id = slots.key_id
    slots.stage_rekey(old, new, store, RECOVERY)
    staged = KeySlots.load(slots.path)
    assert staged.has_pending
    assert staged.unlock_with_keychain(store) == old  # current is untouched until commit
    assert staged.unlock_with_keychain(store, pending=True) == new
    assert staged.unlock_with_recovery_key(RECOVERY, pending=True) == new
    assert staged.unlock_with_demo_key(pending=True) == new
    staged.commit_rekey()
    done = KeySlots.load(slots.path)
    assert not done.has_pending
    assert done.key_id != old_id
    assert done.fingerprint == fingerprint(new)
    assert done.unlock_with_keychain(store) == new
    assert done.unlock_with_recovery_key(RECOVERY) == new
    assert done.unlock_with_demo_key() == new
    with pytest.raises(ValueError, match="no key change"):
        done.commit_rekey()


def test_stage_needs_the_right_recovery_key(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    before = slots.path.read_bytes()
    with pytest.raises(WrongRecoveryKey):
        slots.stage_rekey(old, generate_dek(), store, "ZZZZ-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567")
    assert slots.path.read_bytes() == before
    assert not slots.has_pending


def test_stage_needs_the_keychain_when_the_clinic_uses_it(tmp_path: Path) -> None:
    slots, old, _store = make(tmp_path)
    before = slots.path.read_bytes()
    with pytest.raises(KeychainUnavailable):
        slots.stage_rekey(old, generate_dek(), None, RECOVERY)
    with pytest.raises(KeychainUnavailable):
        slots.stage_rekey(old, generate_dek(), KeyStore(backend=MemoryKeyring()), RECOVERY)
    assert slots.path.read_bytes() == before


def test_stage_argument_checks(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    with pytest.raises(ValueError, match="not this clinic"):
        slots.stage_rekey(generate_dek(), generate_dek(), store, RECOVERY)
    with pytest.raises(ValueError, match="differ"):
        slots.stage_rekey(old, old, store, RECOVERY)


def test_unfinished_change_blocks_new_ones(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    slots.stage_rekey(old, generate_dek(), store, RECOVERY)
    for action in (
        lambda: slots.stage_rekey(old, generate_dek(), store, RECOVERY),
        lambda: slots.relink_keychain(old, store),
        lambda: slots.rotate_recovery_key(old, RECOVERY, params=CHEAP),
    ):
        with pytest.raises(RekeyInProgress):
            action()
    slots.discard_pending()
    assert not KeySlots.load(slots.path).has_pending
    slots.discard_pending()  # nothing to discard is fine


def test_crash_after_rekey_before_commit(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    db = tmp_path / "clinic.db"
    make_db(db, old)
    new = generate_dek()
    slots.stage_rekey(old, new, store, RECOVERY)
    rekey_db(db, old, new)
    # -- crash: nothing in memory survives; start again from the files --
    reopened = KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    value, dek = open_resolving_rekey(
        reopened,
        lambda pending: reopened.unlock_with_keychain(store, pending=pending),
        lambda key: open_db(db, key),
    )
    assert (value, dek) == (42, new)
    final = KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    assert not final.has_pending
    assert final.fingerprint == fingerprint(new)
    assert final.unlock_with_recovery_key(RECOVERY) == new


def test_crash_after_stage_before_rekey(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    db = tmp_path / "clinic.db"
    make_db(db, old)
    slots.stage_rekey(old, generate_dek(), store, RECOVERY)
    reopened = KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    value, dek = open_resolving_rekey(
        reopened,
        lambda pending: reopened.unlock_with_recovery_key(RECOVERY, pending=pending),
        lambda key: open_db(db, key),
    )
    assert (value, dek) == (42, old)
    final = KeySlots.load(tmp_path / KEYSLOTS_FILENAME)
    assert not final.has_pending
    assert final.fingerprint == fingerprint(old)


def test_database_opening_with_neither_key_is_reported_and_kept(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    db = tmp_path / "clinic.db"
    make_db(db, generate_dek())  # some other key altogether
    slots.stage_rekey(old, generate_dek(), store, RECOVERY)
    with pytest.raises(DatabaseCorrupt):
        open_resolving_rekey(
            slots,
            lambda pending: slots.unlock_with_keychain(store, pending=pending),
            lambda key: open_db(db, key),
        )
    assert KeySlots.load(slots.path).has_pending  # nothing decided on a guess


def test_no_pending_opens_directly(tmp_path: Path) -> None:
    slots, old, store = make(tmp_path)
    db = tmp_path / "clinic.db"
    make_db(db, old)
    assert open_resolving_rekey(
        slots, lambda pending: slots.unlock_with_keychain(store), lambda key: open_db(db, key)
    ) == (42, old)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_9_between_rekey_and_commit(tmp_path: Path) -> None:
    """A real process dies after PRAGMA rekey; the next start finishes the change."""
    slots, old, _store = make(tmp_path, demo=True, keychain=False)
    db = tmp_path / "clinic.db"
    make_db(db, old)
    script = textwrap.dedent(
        f"""
        import os, signal, sqlcipher3
        from pathlib import Path
        from dermai_desktop.storage.keys import KeySlots, generate_dek
        slots = KeySlots.load(Path({str(slots.path)!r}))
        old = slots.unlock_with_demo_key()
        new = generate_dek()
        slots.stage_rekey(old, new, None, {RECOVERY!r})
        conn = sqlcipher3.connect({str(db)!r})
        conn.execute("PRAGMA key = \\"x'" + old.hex() + "'\\"")
        conn.execute("PRAGMA rekey = \\"x'" + new.hex() + "'\\"")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode(errors="replace")
    reopened = KeySlots.load(slots.path)
    assert reopened.has_pending
    value, dek = open_resolving_rekey(
        reopened,
        lambda pending: reopened.unlock_with_demo_key(pending=pending),
        lambda key: open_db(db, key),
    )
    assert value == 42
    assert dek != old
    assert KeySlots.load(slots.path).unlock_with_recovery_key(RECOVERY) == dek

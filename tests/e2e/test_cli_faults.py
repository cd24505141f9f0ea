"""Tampering, damage, key rotation and a lost keychain, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import sqlcipher3

from tests.e2e.conftest import Clinic, assert_plain_failure


def _dek_from_recovery_key(data_dir: Path, recovery_key: str) -> bytes:
    """The DEK, the only way an outsider with the recovery sheet could get it."""
    from dermai_desktop.storage.keys import KeySlots

    return KeySlots.load(data_dir / "keyslots.json").unlock_with_recovery_key(recovery_key)


def _no_wal(data_dir: Path) -> None:
    wal = data_dir / "clinic.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the command left an unmerged WAL"


def test_audit_verify_names_the_event_edited_behind_the_apps_back(
    clinic: Clinic, tmp_path: Path
) -> None:
    cli = clinic.copy(tmp_path).cli
    assert cli.as_manager("audit", "verify").returncode == 0
    _no_wal(cli.data_dir)
    dek = _dek_from_recovery_key(cli.data_dir, clinic.recovery_key)
    conn = sqlcipher3.connect(str(cli.data_dir / "clinic.db"))
    try:
        conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
        conn.execute("DROP TRIGGER audit_events_no_update")
        seq = conn.execute("SELECT min(seq) + 1 FROM audit_events").fetchone()[0]
        conn.execute("UPDATE audit_events SET username = 'mallory' WHERE seq = ?", (seq,))
        conn.commit()
    finally:
        conn.close()

    proc = cli.as_manager("audit", "verify")
    assert_plain_failure(proc, 4)
    assert f"AUDIT TRAIL BROKEN at event #{seq}" in proc.stdout
    proc = cli.as_manager("audit", "verify", "--json")
    assert proc.returncode == 4
    verdict = json.loads(proc.stdout)
    assert verdict["ok"] is False
    assert verdict["first_broken_seq"] == seq


def test_db_check_reports_a_flipped_byte_plainly(clinic: Clinic, tmp_path: Path) -> None:
    cli = clinic.copy(tmp_path).cli
    _no_wal(cli.data_dir)
    db = cli.data_dir / "clinic.db"
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0x40
    db.write_bytes(bytes(data))

    proc = cli.run("db", "check")
    # 4: it opened and the checks found the damaged page; 3: it could not even open.
    assert_plain_failure(proc, proc.returncode if proc.returncode in (3, 4) else -1)
    if proc.returncode == 4:
        assert "DATABASE PROBLEMS FOUND" in proc.stdout
    else:
        assert "Database damaged" in proc.stderr


def test_db_rekey_keeps_the_clinic_usable(clinic: Clinic, tmp_path: Path) -> None:
    cli = clinic.copy(tmp_path).cli
    slots_before = json.loads((cli.data_dir / "keyslots.json").read_text())
    proc = cli.run("db", "rekey", "--json", stdin=[clinic.recovery_key])
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["ok"] is True
    slots_after = json.loads((cli.data_dir / "keyslots.json").read_text())
    assert result["key_id"] == slots_after["key_id"] != slots_before["key_id"]
    assert slots_after["fingerprint"] != slots_before["fingerprint"]

    # The keychain slot was rewrapped: the next commands unlock without the recovery key.
    users = cli.as_manager("user", "list", "--json")
    assert users.returncode == 0, users.stderr
    assert [u["username"] for u in json.loads(users.stdout)] == ["amorgan"]
    verify = cli.as_manager("audit", "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
    # The old key no longer opens the database.
    proc = cli.run("db", "rekey", stdin=["AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"])
    assert_plain_failure(proc, 3)


def test_emptied_keychain_asks_for_the_recovery_key_which_relinks(
    clinic: Clinic, tmp_path: Path
) -> None:
    cli = clinic.copy(tmp_path).cli
    cli.keyring_file.unlink()

    proc = cli.as_manager("user", "list")
    assert_plain_failure(proc, 3)
    assert "Keychain unavailable" in proc.stderr
    assert "--recovery-key" in proc.stderr

    wrong = cli.run(
        "--recovery-key",
        "user",
        "list",
        "--as",
        "amorgan",
        "--password-stdin",
        stdin=["AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "whatever"],
    )
    assert_plain_failure(wrong, 3)
    assert "Recovery key not accepted" in wrong.stderr

    proc = cli.run(
        "--recovery-key",
        "user",
        "list",
        "--as",
        "amorgan",
        "--password-stdin",
        stdin=[clinic.recovery_key.lower().replace("-", " "), "lantern-orbit-maple-93"],
    )
    assert proc.returncode == 0, proc.stderr
    assert "amorgan" in proc.stdout
    assert cli.keyring_file.exists(), "the recovery unlock re-linked the keychain"

    again = cli.as_manager("user", "list")
    assert again.returncode == 0, again.stderr


def test_key_file_without_database_gives_one_consistent_next_step(
    clinic: Clinic, tmp_path: Path
) -> None:
    cli = clinic.copy(tmp_path).cli
    (cli.data_dir / "clinic.db").unlink()
    opened = cli.run("db", "check")
    assert_plain_failure(opened, 3)
    init = cli.run(
        "init",
        "--clinic-name",
        "Other Clinic",
        "--workstation-name",
        "W",
        "--manager-username",
        "boss",
        "--manager-full-name",
        "Bo Ss",
        "--password-stdin",
        stdin=["quiet-falcon-ribbon-66"],
    )
    assert_plain_failure(init, 3)
    assert (cli.data_dir / "keyslots.json").is_file(), "the key file is never removed silently"
    # Never send someone to a set-up that will refuse to run, nor call a missing file existing.
    assert "first-time set-up" not in opened.stderr
    assert "database already exists" not in init.stderr

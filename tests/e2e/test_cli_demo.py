"""``demo --no-gui``: build, reuse, and survive a kill -9 in the middle of building."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from dermai_desktop.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import Cli, assert_plain_failure

DEMO_KEY = "DEMO-KEY-NOT-FOR-PATIENT-DATA.key"


def _demo_cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "demo", tmp_path / "keyring.json")


def test_demo_builds_once_prints_the_accounts_and_is_reused(tmp_path: Path) -> None:
    cli = _demo_cli(tmp_path)
    first = cli.run("demo", "--no-gui", "--patients", "3")
    assert first.returncode == 0, first.stderr
    assert "Building it on first use" in first.stdout
    for account in DEMO_ACCOUNTS:
        assert f"{account.username} " in first.stdout
        assert account.password in first.stdout
    assert (cli.data_dir / DEMO_KEY).is_file()
    assert not cli.keyring_file.exists(), "a demo clinic never touches the keychain"
    db_before = (cli.data_dir / "keyslots.json").read_bytes()

    second = cli.run("demo", "--no-gui", "--patients", "3")
    assert second.returncode == 0, second.stderr
    assert "Opening the existing demo clinic" in second.stdout
    assert all(a.password in second.stdout for a in DEMO_ACCOUNTS)
    assert (cli.data_dir / "keyslots.json").read_bytes() == db_before  # same clinic, same key


def _wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def test_kill_9_while_the_demo_is_being_populated_leaves_a_clean_database(
    tmp_path: Path,
) -> None:
    """Documented outcome: killed while patients are being added, the clinic itself is
    complete (set-up committed before population), so ``db check`` is clean and every
    committed patient is there; ``demo`` then reuses the partly populated clinic."""
    cli = _demo_cli(tmp_path)
    db = cli.data_dir / "clinic.db"
    proc = cli.popen("demo", "--no-gui", "--patients", "2000")
    try:
        # The builder commits after patients 1, 5, 20 and 50 (then every 100) and logs each
        # patient (by id) as it goes: 60 logged means at least 50 are safely committed.
        log_file = cli.data_dir / "logs" / "dermai-desktop.jsonl"

        def registered() -> int:
            if not log_file.exists():
                return 0
            return log_file.read_text(encoding="utf-8").count("patient registered")

        _wait_for(lambda: registered() >= 60, 90, "the first patients to be committed")
        assert proc.poll() is None, "the demo finished before it could be interrupted"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    assert (cli.data_dir / "keyslots.json").is_file()
    assert db.is_file()

    check = cli.run("db", "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["ok"] is True
    assert 0 < report["rows_read"]["patients"] < 2000
    assert report["rows_read"]["users"] == len(DEMO_ACCOUNTS)

    again = cli.run("demo", "--no-gui", "--patients", "2000")
    assert again.returncode == 0, again.stderr
    assert "Opening the existing demo clinic" in again.stdout


def test_kill_9_at_the_first_file_of_a_new_clinic_is_never_silent(tmp_path: Path) -> None:
    """Killed as soon as set-up writes its first file: whatever is left, the next command
    either works or says plainly what is wrong; a key file without a database (or the
    reverse) is never accepted silently."""
    cli = _demo_cli(tmp_path)
    slots, db = cli.data_dir / "keyslots.json", cli.data_dir / "clinic.db"
    proc = cli.popen("demo", "--no-gui", "--patients", "2000")
    try:
        _wait_for(lambda: slots.exists() or db.exists(), 60, "set-up to start writing")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    check = cli.run("db", "check")
    if slots.exists() and db.exists() and check.returncode == 0:
        assert "Database OK" in check.stdout
        return
    assert_plain_failure(check, 3)
    if slots.exists() and not db.exists():
        assert "No clinic here" in check.stderr
    elif db.exists() and not slots.exists():
        assert "key file" in check.stderr
    elif slots.exists() and db.exists():
        # Killed before the clinic record was committed: observed "The clinic database has
        # no clinic record. Set-up may have been interrupted" (or, for a still-empty file,
        # "The clinic database is damaged"); `demo` then refuses the same way.
        assert "Database damaged" in check.stderr
    else:
        assert "No clinic here" in check.stderr

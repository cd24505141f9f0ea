"""Faults (issue section 7): bad files, wrong keys, full disks, read-only places, kill -9.

Each fault ends in a typed, plain-language error and loses nothing that was committed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text

from dermai_desktop.domain.errors import (
    DatabaseCorrupt,
    DatabaseNotEncrypted,
    DatabaseNotFound,
    DiskFull,
    ExpectedError,
    ForeignDatabase,
    ReadOnlyLocation,
    SchemaTooNew,
)
from dermai_desktop.domain.ids import UserId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.storage.database import (
    Database,
    audit_key_from_dek,
    create_clinic_database,
    database_path,
    open_database,
    read_db_salt,
)
from dermai_desktop.storage.migrations import head_revision
from tests.integration.conftest import SENTINEL, WORKSTATION, draft
from tests.integration.test_storage_lifecycle import create_at

REPO = Path(__file__).resolve().parents[2]
ACTOR = Actor(UserId("u-1"), "doc", Role.DERMATOLOGIST, WORKSTATION)


def fill(db: Database, dek: bytes, n: int, prefix: str = "DA") -> None:
    with db.unit_of_work_factory(audit_key_from_dek(dek))(ACTOR) as uow:
        for i in range(n):
            uow.patients.add(draft(address="x" * 300), f"{prefix}{i}")
        uow.commit()


def mrns(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT mrn FROM patients ORDER BY mrn"))]


@pytest.fixture
def closed_db(data_dir: Path, dek: bytes) -> Path:
    """A closed database holding 200 patients (many pages), WAL checkpointed."""
    create_clinic_database(data_dir, dek)
    db = open_database(data_dir, dek)
    fill(db, dek, 200)
    db.close()
    return database_path(data_dir)


def assert_plain(error: ExpectedError) -> None:
    assert error.message
    assert error.next_step
    assert SENTINEL not in error.user_text()


def test_missing_database(tmp_path: Path, dek: bytes) -> None:
    with pytest.raises(DatabaseNotFound):
        open_database(tmp_path, dek)


def test_wrong_key(closed_db: Path, data_dir: Path, dek: bytes) -> None:
    salt = read_db_salt(closed_db)
    for expected_salt in (salt, None):
        with pytest.raises(DatabaseCorrupt) as caught:
            open_database(data_dir, os.urandom(32), expected_salt=expected_salt)
        assert_plain(caught.value)
    db = open_database(data_dir, dek, expected_salt=salt)  # nothing was harmed
    assert len(mrns(db)) == 200
    db.close()


def test_truncated_file(closed_db: Path, data_dir: Path, dek: bytes) -> None:
    size = closed_db.stat().st_size
    os.truncate(closed_db, size - 1000)  # not a whole number of pages
    with pytest.raises(DatabaseCorrupt):
        open_database(data_dir, dek)
    os.truncate(closed_db, 4096 * 3)  # whole pages, but most are gone
    try:
        db = open_database(data_dir, dek)
    except DatabaseCorrupt:
        return
    try:
        assert not db.check().ok
    finally:
        db.close()


def test_empty_file(data_dir: Path, dek: bytes) -> None:
    data_dir.mkdir()
    database_path(data_dir).touch()
    with pytest.raises(DatabaseCorrupt):
        open_database(data_dir, dek)


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def damage_detected(data_dir: Path, dek: bytes) -> bool:
    """True if opening refuses the file or ``check`` reports it; never silently fine."""
    try:
        db = open_database(data_dir, dek)
    except DatabaseCorrupt:
        return True
    try:
        report = db.check()
    finally:
        db.close()
    if not report.ok:
        assert report.cipher_problems or report.errors or report.integrity != ("ok",)
    return not report.ok


@pytest.mark.parametrize("page_from_end", [1, 2, 5, 10])
def test_flipped_byte_in_a_data_page_is_detected(
    closed_db: Path, data_dir: Path, dek: bytes, page_from_end: int
) -> None:
    pages = closed_db.stat().st_size // 4096
    _flip(closed_db, 4096 * (pages - page_from_end) + 1000)
    assert damage_detected(data_dir, dek)


def test_check_names_every_damaged_page(closed_db: Path, data_dir: Path, dek: bytes) -> None:
    pages = closed_db.stat().st_size // 4096
    damaged: list[int] = []
    # Two pages of patient rows, not the schema: schema pages sit among the data (each
    # migration's tables grow it), so a page whose damage stops the file opening is undone.
    for page in range(pages // 2, pages):
        _flip(closed_db, 4096 * page + 500)
        try:
            open_database(data_dir, dek, migrate=False).close()
        except DatabaseCorrupt:
            _flip(closed_db, 4096 * page + 500)
            continue
        damaged.append(page)
        if len(damaged) == 2:
            break
    assert len(damaged) == 2
    db = open_database(data_dir, dek)
    try:
        report = db.check()
    finally:
        db.close()
    assert not report.ok
    assert len([p for p in report.cipher_problems if "HMAC" in p.upper()]) == 2, report


def test_flipped_byte_in_the_first_page_is_corrupt_not_foreign(
    closed_db: Path, data_dir: Path, dek: bytes
) -> None:
    salt = read_db_salt(closed_db)
    _flip(closed_db, 2000)
    with pytest.raises(DatabaseCorrupt):
        open_database(data_dir, dek, expected_salt=salt)
    _flip(closed_db, 2000)
    _flip(closed_db, 5)  # inside the salt itself: still damage, not another clinic
    with pytest.raises(DatabaseCorrupt):
        open_database(data_dir, dek, expected_salt=salt)


def test_plaintext_sqlite_is_refused(data_dir: Path, dek: bytes) -> None:
    data_dir.mkdir()
    conn = sqlite3.connect(database_path(data_dir))
    conn.execute("CREATE TABLE patients (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseNotEncrypted) as caught:
        open_database(data_dir, dek)
    assert_plain(caught.value)


def test_another_clinics_database(
    tmp_path: Path, closed_db: Path, data_dir: Path, dek: bytes
) -> None:
    our_salt = read_db_salt(closed_db)
    other_dir = tmp_path / "other"
    create_clinic_database(other_dir, os.urandom(32))
    closed_db.unlink()
    database_path(other_dir).rename(closed_db)
    with pytest.raises(ForeignDatabase) as caught:
        open_database(data_dir, dek, expected_salt=our_salt)
    assert_plain(caught.value)


def test_newer_schema_is_refused_untouched(closed_db: Path, data_dir: Path, dek: bytes) -> None:
    db = open_database(data_dir, dek)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    db.close()
    before = closed_db.read_bytes()
    with pytest.raises(SchemaTooNew):
        open_database(data_dir, dek)
    assert closed_db.read_bytes() == before
    assert not (data_dir / "safety").exists()


def test_read_only_open_refuses_writes(closed_db: Path, data_dir: Path, dek: bytes) -> None:
    db = open_database(data_dir, dek, read_only=True)
    try:
        assert len(mrns(db)) == 200
        with pytest.raises(ReadOnlyLocation) as caught:
            fill(db, dek, 1, prefix="RO")
        assert_plain(caught.value)
    finally:
        db.close()
    db = open_database(data_dir, dek)
    assert len(mrns(db)) == 200
    db.close()


def test_query_only_connection_reports_read_only(db: Database, dek: bytes) -> None:
    event.listen(db.engine, "connect", lambda c, _r: c.execute("PRAGMA query_only = ON"))
    db.engine.dispose()
    with pytest.raises(ReadOnlyLocation):
        fill(db, dek, 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory(closed_db: Path, data_dir: Path, dek: bytes) -> None:
    data_dir.chmod(0o500)
    try:
        with pytest.raises(ReadOnlyLocation):
            open_database(data_dir, dek)
    finally:
        data_dir.chmod(0o700)


def test_disk_full_loses_nothing(db: Database, dek: bytes) -> None:
    fill(db, dek, 5, prefix="OK")
    with db.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    event.listen(
        db.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages + 2}")
    )
    db.engine.dispose()
    with pytest.raises(DiskFull) as caught:
        fill(db, dek, 100, prefix="BIG")
    assert_plain(caught.value)
    assert mrns(db) == [f"OK{i}" for i in range(5)]
    with db.engine.connect() as conn:
        outbox = conn.execute(
            text("SELECT count(*) FROM sync_outbox WHERE entity = 'patients'")
        ).scalar()
    assert outbox == 5
    assert db.check().ok


WORKER = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
mode, data_dir, marker = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
dek = bytes.fromhex(sys.stdin.readline().strip())
from dermai_desktop.domain.ids import UserId, WorkstationId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.storage.database import audit_key_from_dek, open_database
from tests.integration.conftest import draft
actor = Actor(UserId("u-1"), "doc", Role.DERMATOLOGIST, WorkstationId("ws"))
if mode == "write":
    db = open_database(data_dir, dek)
    factory = db.unit_of_work_factory(audit_key_from_dek(dek))
    for i in range(3):
        with factory(actor) as uow:
            uow.patients.add(draft(), f"C{i}")
            uow.commit()
    uow = factory(actor)
    for i in range(300):
        uow.patients.add(draft(address="y" * 500), f"U{i}")
    uow.session.flush()
elif mode == "migrate":
    from alembic.operations import Operations
    original = Operations.create_table
    def slow(self, name, *args, **kwargs):
        result = original(self, name, *args, **kwargs)
        if name == "notes":
            marker.write_text("in migration")
            time.sleep(60)
        return result
    Operations.create_table = slow
    open_database(data_dir, dek)
marker.write_text("ready")
time.sleep(60)
"""


def run_and_kill(tmp_path: Path, mode: str, data_dir: Path, dek: bytes) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    marker = tmp_path / f"{mode}.marker"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(REPO), mode, str(data_dir), str(marker)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(dek.hex() + "\n")
    proc.stdin.close()
    deadline = time.monotonic() + 30
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(
                f"worker exited early: {proc.stderr.read() if proc.stderr else ''}"
            )
        assert time.monotonic() < deadline, "worker never reached the marker"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    if proc.stderr:
        proc.stderr.close()


def test_kill_9_during_a_write_transaction(tmp_path: Path, data_dir: Path, dek: bytes) -> None:
    create_clinic_database(data_dir, dek)
    run_and_kill(tmp_path, "write", data_dir, dek)
    assert Path(f"{database_path(data_dir)}-wal").exists()  # the crash left its WAL behind
    db = open_database(data_dir, dek)
    try:
        assert mrns(db) == ["C0", "C1", "C2"]
        assert db.check().ok
        fill(db, dek, 1, prefix="AFTER")
        assert mrns(db)[0] == "AFTER0"
    finally:
        db.close()


def test_kill_9_during_a_migration(tmp_path: Path, data_dir: Path, dek: bytes) -> None:
    create_at(data_dir, dek, "0001")
    old = open_database(data_dir, dek, migrate=False)
    with old.unit_of_work_factory(audit_key_from_dek(dek))(ACTOR) as uow:
        uow.users.add(
            User(
                UserId("u-1"),
                "doc",
                "Doc",
                Role.DERMATOLOGIST,
                True,
                False,
                0,
                None,
                None,
                datetime.now(UTC),
            ),
            "h",
        )
        uow.commit()
    old.close()
    run_and_kill(tmp_path, "migrate", data_dir, dek)
    still_old = open_database(data_dir, dek, migrate=False)
    try:
        assert still_old.schema_revision() == "0001"  # the half-done migration rolled back
        with still_old.engine.connect() as conn:
            tables = {
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            }
        assert "patients" not in tables
        assert "notes" not in tables
    finally:
        still_old.close()
    db = open_database(data_dir, dek)
    try:
        assert db.schema_revision() == head_revision()
        with db.unit_of_work_factory(audit_key_from_dek(dek))(ACTOR) as uow:
            assert [u.username for u in uow.users.list()] == ["doc"]
        assert db.check().ok
        fill(db, dek, 1)
    finally:
        db.close()
    assert len(list((data_dir / "safety").iterdir())) >= 1

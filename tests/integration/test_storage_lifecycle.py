"""Database lifecycle: create, safety copy, migrate, check, rekey, close, nothing on disk."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ClinicAlreadyExists, DatabaseCorrupt
from dermai_desktop.domain.ids import UserId, WorkstationId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.dto import AuditDraft, NoteText
from dermai_desktop.storage.database import (
    SQLITE_HEADER,
    AuditTrailBroken,
    Database,
    _checkpoint,
    _upgrade,
    audit_key_from_dek,
    create_clinic_database,
    database_path,
    open_database,
    read_db_salt,
)
from dermai_desktop.storage.engine import (
    CipherUnavailableError,
    KeyHolder,
    key_connection,
    make_engine,
)
from dermai_desktop.storage.migrations import head_revision
from dermai_desktop.storage.patient_search import is_search_index_table
from dermai_desktop.storage.records import Base
from tests.integration.conftest import SENTINEL, StepClock, draft


def create_at(data_dir: Path, dek: bytes, revision: str) -> None:
    """A database migrated only up to ``revision`` (an older app version's database)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_path(data_dir), KeyHolder(dek))
    _upgrade(engine, revision)
    _checkpoint(engine)
    engine.dispose()


def keyed(path: Path, dek: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
    return conn


def test_create_refuses_an_existing_database(data_dir: Path, dek: bytes, db: Database) -> None:
    with pytest.raises(ClinicAlreadyExists):
        create_clinic_database(data_dir, dek)


def test_new_database_is_encrypted_at_head_and_matches_the_models(db: Database, dek: bytes) -> None:
    assert db.schema_revision() == head_revision()
    header = db.path.read_bytes()[:16]
    assert header != SQLITE_HEADER
    assert header == read_db_salt(db.path)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        context = MigrationContext.configure(
            conn,
            # The FTS5 search index is created by raw SQL in its migration, not by the ORM.
            opts={"include_name": lambda name, kind, _parent: not is_search_index_table(name)},
        )
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_plain_sqlite_is_refused_as_not_sqlcipher() -> None:
    with pytest.raises(CipherUnavailableError):
        key_connection(sqlite3.connect(":memory:"), KeyHolder(b"k" * 32))


def test_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        KeyHolder(b"short")


def test_audit_key_is_derived_and_stable(dek: bytes) -> None:
    key = audit_key_from_dek(dek)
    assert len(key) == 32
    assert key == audit_key_from_dek(dek)
    assert key != dek
    assert audit_key_from_dek(bytes(32)) != audit_key_from_dek(b"\x01" * 32)


def test_migration_writes_an_encrypted_safety_copy_first(data_dir: Path, dek: bytes) -> None:
    create_at(data_dir, dek, "0001")
    old = open_database(data_dir, dek, migrate=False)
    assert old.schema_revision() == "0001"
    old.close()
    db = open_database(data_dir, dek)
    try:
        assert db.schema_revision() == head_revision()
    finally:
        db.close()
    [copy] = (data_dir / "safety").iterdir()
    assert copy.name.startswith("pre-migration-0001-")
    assert copy.suffix == ".db"
    raw = copy.read_bytes()
    assert not raw.startswith(SQLITE_HEADER)
    assert len(raw) % 4096 == 0
    conn = keyed(copy, dek)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
    conn.close()
    with pytest.raises(sqlcipher3.DatabaseError):
        keyed(copy, bytes(32)).execute("SELECT 1 FROM sqlite_master").fetchall()


def test_check_reads_every_row(db: Database, uow_factory: object, doctor: Actor) -> None:
    factory = db.unit_of_work_factory(audit_key_from_dek(b"x" * 32))
    with factory(doctor) as uow:
        for i in range(30):
            uow.patients.add(draft(given=f"P{i}"), f"DA{i}")
        uow.commit()
    report = db.check()
    assert report.ok, report
    assert report.integrity == ("ok",)
    assert report.cipher_problems == ()
    assert report.errors == ()
    assert report.rows_read["patients"] == 30
    assert report.rows_read["users"] == 2
    assert report.total_rows >= 30 + 2 + 1


def test_rekey_changes_the_key_and_rechains_the_audit_trail(
    data_dir: Path, dek: bytes, db: Database, manager: Actor, clock: StepClock
) -> None:
    factory = db.unit_of_work_factory(audit_key_from_dek(dek), clock)
    with factory(manager) as uow:
        uow.audit.append(AuditDraft(clock.now(), None, None, None, "ws", AuditAction.LOGIN))
        uow.audit.append(AuditDraft(clock.now(), None, None, None, "ws", AuditAction.KEY_CHANGE))
        uow.commit()
    new_dek = bytes(range(32))
    db.rekey(new_dek)
    # the open Database keeps working under the new key
    with db.unit_of_work_factory(audit_key_from_dek(new_dek), clock)(manager) as uow:
        assert uow.audit.verify().ok
        assert uow.users.count() == 1
    db.close()
    with pytest.raises(DatabaseCorrupt):
        open_database(data_dir, dek)
    reopened = open_database(data_dir, new_dek)
    try:
        with reopened.unit_of_work_factory(audit_key_from_dek(new_dek))(manager) as uow:
            verdict = uow.audit.verify()
            assert verdict.ok
            assert verdict.rows_checked == 2
        with reopened.engine.connect() as conn:  # the trigger is back
            assert (
                conn.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'audit_events_no_update'"
                ).scalar()
                == 1
            )
    finally:
        reopened.close()


def test_close_checkpoints_and_removes_the_wal(db: Database, manager: Actor) -> None:
    assert Path(f"{db.path}-wal").exists()
    db.close()
    assert not Path(f"{db.path}-wal").exists()


def _needles(dek: bytes) -> dict[str, bytes]:
    needles = {
        "name utf-8": SENTINEL.encode("utf-8"),
        "name utf-16-le": SENTINEL.encode("utf-16-le"),
        "name utf-16-be": SENTINEL.encode("utf-16-be"),
        "dek raw": dek,
        "dek hex": dek.hex().encode(),
        "dek HEX": dek.hex().upper().encode(),
        "dek base64": base64.b64encode(dek).rstrip(b"="),
        "dek base64url": base64.urlsafe_b64encode(dek).rstrip(b"="),
        "dek base32": base64.b32encode(dek).rstrip(b"="),
    }
    # Case-folded forms too, so a lower-cased copy of the name would be found.
    needles["name lower"] = SENTINEL.lower().encode()
    return needles


def _scan(data_dir: Path, dek: bytes) -> list[str]:
    found = []
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "nothing to scan"
    for path in files:
        blob = path.read_bytes()
        for label, needle in _needles(dek).items():
            if needle in blob or needle.lower() in blob.lower():
                found.append(f"{label} in {path.relative_to(data_dir)}")
    return found


def test_nothing_readable_on_disk(data_dir: Path, dek: bytes, clock: StepClock) -> None:
    create_at(data_dir, dek, "0001")  # so a pre-migration safety copy exists too
    db = open_database(data_dir, dek)
    actor = Actor(UserId("u-1"), "doc", Role.DERMATOLOGIST, WorkstationId("ws-1"))
    factory = db.unit_of_work_factory(audit_key_from_dek(dek), clock)
    with factory(actor) as uow:
        uow.users.add(
            User(
                actor.user_id,
                "doc",
                "Doc",
                Role.DERMATOLOGIST,
                True,
                False,
                0,
                None,
                None,
                clock.now(),
            ),
            "h",
        )
        patient = uow.patients.add(draft(given=SENTINEL, family=SENTINEL, address=SENTINEL), "DA1")
        enc = uow.charts.add_encounter(patient.id, actor.user_id, f"{SENTINEL} visit")
        uow.charts.add_note(enc.id, patient.id, actor.user_id, NoteText(SENTINEL, SENTINEL))
        uow.audit.append(
            AuditDraft(
                clock.now(),
                actor.user_id,
                "doc",
                "dermatologist",
                "ws-1",
                AuditAction.CREATE,
                patient_id=patient.id,
            )
        )
        uow.commit()
    # Sanity: the scanner does find the name when it is there in plaintext.
    (data_dir / "probe.txt").write_text(SENTINEL)
    assert _scan(data_dir, dek) == ["name utf-8 in probe.txt", "name lower in probe.txt"]
    (data_dir / "probe.txt").unlink()
    assert _scan(data_dir, dek) == []  # while open: database, WAL, shm
    db.close()
    assert (data_dir / "safety").is_dir()
    assert _scan(data_dir, dek) == []
    reopened = open_database(data_dir, dek)  # and it is all really there
    with reopened.unit_of_work_factory(audit_key_from_dek(dek))(actor) as uow:
        got = uow.patients.get(patient.id)
        assert got is not None
        assert got.family_name == SENTINEL
    reopened.close()


def test_rekey_refuses_to_launder_a_tampered_trail(
    data_dir: Path, dek: bytes, db: Database, manager: Actor, clock: StepClock
) -> None:
    factory = db.unit_of_work_factory(audit_key_from_dek(dek), clock)
    with factory(manager) as uow:
        uow.audit.append(AuditDraft(clock.now(), None, None, None, "ws", AuditAction.LOGIN))
        uow.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("UPDATE audit_events SET outcome = 'denied'")
    with pytest.raises(AuditTrailBroken):
        db.rekey(bytes(range(32)))
    db.close()
    reopened = open_database(data_dir, dek)  # still the old key, nothing changed
    reopened.close()


def test_revision_ids_read_without_alembic_match_alembic() -> None:
    from dermai_desktop.storage.migrations import (
        head_revision,
        known_revisions,
        revision_graph,
        script_directory,
    )

    script = script_directory()
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}
    assert revision_graph() == {rev.revision: rev.down_revision for rev in script.walk_revisions()}

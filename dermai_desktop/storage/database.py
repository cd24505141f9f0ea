"""Lifecycle of the encrypted clinic database: create, open, migrate, check, rekey, close."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

from dermai_desktop.domain.audit import GENESIS_MAC, AuditEvent, compute_mac, verify_chain
from dermai_desktop.domain.errors import (
    ClinicAlreadyExists,
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseNotEncrypted,
    DatabaseNotFound,
    ExpectedError,
    ForeignDatabase,
    ReadOnlyLocation,
    SchemaTooNew,
)
from dermai_desktop.services.ports import Clock
from dermai_desktop.storage.engine import READ_ONLY, KeyHolder, make_engine, translated_errors
from dermai_desktop.storage.migrations import alembic_config, head_revision, known_revisions
from dermai_desktop.storage.records import UTCDateTime
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

DB_FILENAME = "clinic.db"
KEYSLOTS_FILENAME = "keyslots.json"
SAFETY_DIRNAME = "safety"
SQLITE_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 4096  # SQLCipher 4 default; we never change it
SALT_LENGTH = 16
#: A salt this close to the recorded one is our file with a damaged header,
#: not another clinic's (two random salts differ in ~64 of 128 bits).
_SALT_DAMAGE_BITS = 8
_SIDE_FILES = ("-wal", "-shm", "-journal")


class AuditTrailBroken(ExpectedError):
    title = "Audit trail check failed"
    default_message = "The audit trail failed verification, so the database key was not changed."
    default_next_step = "Run 'dermai-desktop audit verify' and call IT before changing the key."


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``db check`` found. ``ok`` only if every check passed and every row was read."""

    integrity: tuple[str, ...]
    cipher_problems: tuple[str, ...]
    rows_read: dict[str, int] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.integrity == ("ok",) and not self.cipher_problems and not self.errors

    @property
    def total_rows(self) -> int:
        return sum(self.rows_read.values())


def database_path(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME


def read_db_salt(path: Path) -> bytes:
    """The first 16 bytes of an SQLCipher file: its random KDF/HMAC salt, never secret."""
    with path.open("rb") as handle:
        salt = handle.read(SALT_LENGTH)
    if len(salt) != SALT_LENGTH:
        raise DatabaseCorrupt()
    return salt


def audit_key_from_dek(dek: bytes) -> bytes:
    """The audit-chain MAC key: HKDF-SHA256 of the database key (a separate key per purpose)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dermai-audit-chain-v1"
    ).derive(dek)


# --- create ----------------------------------------------------------------------------


def create_clinic_database(data_dir: Path, dek: bytes) -> None:
    """Create and migrate a new encrypted database; refuse if one is already there."""
    path = database_path(data_dir)
    if any(Path(f"{path}{suffix}").exists() for suffix in ("", *_SIDE_FILES)):
        raise ClinicAlreadyExists()
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except PermissionError as error:
        raise ReadOnlyLocation() from error
    _require_writable(data_dir)
    engine = make_engine(path, KeyHolder(dek))
    created = False
    try:
        # Touch the file under our own exclusive create so a racing second
        # creator fails instead of sharing the file.
        # Owner-only: SQLite gives the WAL and shared-memory files the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        created = True
        _upgrade(engine, "head")
        _checkpoint(engine)
    except BaseException:
        engine.dispose()
        if created:  # only ever remove the empty database we just made
            for suffix in ("", *_SIDE_FILES):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    engine.dispose()
    _fsync_path(path)
    _fsync_path(data_dir)
    log.info("clinic database created")


# --- open --------------------------------------------------------------------------------


def open_database(
    data_dir: Path,
    dek: bytes,
    *,
    migrate: bool = True,
    expected_salt: bytes | None = None,
    read_only: bool = False,
) -> Database:
    """Open the clinic database with ``dek``; migrate it (after a safety copy) if needed.

    Args:
        data_dir: the clinic data directory holding ``clinic.db``.
        dek: the 32-byte data-encryption key.
        migrate: run pending migrations (``db check`` passes False).
        expected_salt: the ``db_salt`` recorded in ``keyslots.json``; tells
            "another clinic's database" from "damaged database" on a key failure.
        read_only: open without write access (nothing is migrated or written).

    Raises:
        DatabaseNotFound, DatabaseNotEncrypted, DatabaseCorrupt, ForeignDatabase,
        SchemaTooNew, ReadOnlyLocation, DatabaseBusy.
    """
    path = database_path(data_dir)
    if not path.exists():
        raise DatabaseNotFound()
    _sniff(path)
    if not read_only:
        _require_writable(data_dir)
    keys = KeyHolder(dek)
    engine = make_engine(path, keys, read_only=read_only)
    try:
        try:
            with engine.connect().execution_options(**READ_ONLY) as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        except DatabaseCorrupt as error:
            raise _key_failure(path, expected_salt) from error
        revision = _current_revision(engine)
        if revision is not None and revision not in known_revisions():
            raise SchemaTooNew()
        if revision != head_revision() and migrate:
            if read_only:
                raise ReadOnlyLocation(
                    "The clinic database needs an update but was opened read-only.",
                    "Open it from a location this account can write to.",
                )
            if revision is not None:
                copy = _safety_copy(engine, path, data_dir, revision)
                log.info("safety copy written before migration: %s", copy.name)
            _upgrade(engine, "head")
            log.info("database migrated from %s to %s", revision, head_revision())
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, path, keys, dek)


def _sniff(path: Path) -> None:
    """Reject what is plainly not our encrypted database before any key is tried."""
    size = path.stat().st_size
    if size == 0:
        raise DatabaseCorrupt()
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        raise DatabaseNotEncrypted()
    if size < PAGE_SIZE or size % PAGE_SIZE:
        raise DatabaseCorrupt()


def _key_failure(path: Path, expected_salt: bytes | None) -> ExpectedError:
    """A key that does not open the file: another clinic's database, or damage."""
    if expected_salt is not None:
        salt = read_db_salt(path)
        differing = sum(bin(a ^ b).count("1") for a, b in zip(salt, expected_salt, strict=False))
        if differing > _SALT_DAMAGE_BITS:
            return ForeignDatabase()
    return DatabaseCorrupt()


def _require_writable(data_dir: Path) -> None:
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ReadOnlyLocation()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect().execution_options(**READ_ONLY) as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
        if exists is None:
            return None
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    if len(rows) > 1:
        raise SchemaTooNew()  # branches: written by something newer than us
    return str(rows[0][0]) if rows else None


def _upgrade(engine: Engine, target: str) -> None:
    """Run migrations in ONE transaction (BEGIN IMMEDIATE): all of them or none."""
    from alembic import command  # only when migrating: importing Alembic costs ~0.4 s

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), target)


def _raw(engine: Engine) -> Any:
    """A pooled DB-API connection (autocommit mode: we issue BEGIN ourselves)."""
    return engine.raw_connection()


def _checkpoint(engine: Engine) -> None:
    raw = _raw(engine)
    try:
        with translated_errors():
            busy = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise DatabaseBusy()
    finally:
        raw.close()


def _safety_copy(engine: Engine, path: Path, data_dir: Path, revision: str) -> Path:
    """Copy the encrypted file (never plaintext) to ``safety/`` before migrating.

    The WAL is checkpointed into the main file first; we then hold the write
    lock and confirm the WAL is still empty while copying, so the copy is a
    complete, consistent database.
    """
    safety = data_dir / SAFETY_DIRNAME
    safety.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = safety / f"pre-migration-{revision}-{stamp}.db"
    partial = target.with_suffix(".partial")
    wal = Path(f"{path}-wal")
    for _attempt in range(5):
        _checkpoint(engine)
        raw = _raw(engine)
        try:
            dbapi = raw.driver_connection
            with translated_errors():
                dbapi.execute("BEGIN IMMEDIATE")
            try:
                if wal.exists() and wal.stat().st_size:
                    continue  # someone committed in between: checkpoint again
                shutil.copyfile(path, partial)
                _fsync_path(partial)
                os.replace(partial, target)
                _fsync_path(safety)
                return target
            finally:
                dbapi.execute("ROLLBACK")
        finally:
            raw.close()
    raise DatabaseBusy()


def _fsync_path(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() and hasattr(os, "O_DIRECTORY") else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # directories cannot be opened on Windows; nothing to sync there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- the open database ------------------------------------------------------------


class Database:
    """An open, keyed clinic database. Owns the SQLAlchemy engine."""

    def __init__(self, engine: Engine, path: Path, keys: KeyHolder, dek: bytes) -> None:
        self.engine = engine
        self.path = path
        self._keys = keys
        self._dek = bytes(dek)

    def unit_of_work_factory(
        self, audit_key: bytes, clock: Clock | None = None
    ) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(self.engine, audit_key, clock)

    def schema_revision(self) -> str:
        return _current_revision(self.engine) or ""

    def check(self) -> CheckReport:
        """integrity_check, every row of cipher_integrity_check, and a read of every row."""
        integrity: tuple[str, ...] = ()
        cipher: tuple[str, ...] = ()
        rows: dict[str, int] = {}
        errors: list[str] = []
        raw = _raw(self.engine)
        try:
            dbapi = raw.driver_connection
            try:
                integrity = tuple(str(r[0]) for r in dbapi.execute("PRAGMA integrity_check"))
            except sqlcipher3.DatabaseError as error:
                errors.append(f"integrity_check: {error}")
            try:
                # One row per problem: read them all (Signal read only the first).
                cipher = tuple(
                    " ".join(str(v) for v in r)
                    for r in dbapi.execute("PRAGMA cipher_integrity_check")
                )
            except sqlcipher3.DatabaseError as error:
                errors.append(f"cipher_integrity_check: {error}")
            try:
                tables = [
                    str(r[0])
                    for r in dbapi.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                    )
                ]
            except sqlcipher3.DatabaseError as error:
                errors.append(f"schema: {error}")
                tables = []
            for table in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                count = 0
                try:
                    cursor = dbapi.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from schema
                    while batch := cursor.fetchmany(1000):
                        count += len(batch)
                except sqlcipher3.DatabaseError as error:
                    errors.append(f"reading {table}: {error}")
                rows[table] = count
        finally:
            if errors or cipher:
                # After SQLCipher meets a damaged page the connection refuses writes;
                # never hand it back to the pool for the next unit of work.
                raw.invalidate()
            raw.close()
        return CheckReport(integrity, cipher, rows, tuple(errors))

    def rekey(self, new_dek: bytes) -> None:
        """Re-encrypt every page under ``new_dek`` and re-chain the audit trail with it.

        The audit MAC key derives from the database key, so the chain is first
        verified under the old key (a broken chain is never laundered) and
        re-MACed under the new one in the same transaction that ``PRAGMA
        rekey`` commits: SQLCipher rewrites every page inside the open
        transaction, so the new chain and the new key land together.
        """
        new_keys = KeyHolder(new_dek)  # validates the key
        old_audit, new_audit = audit_key_from_dek(self._dek), audit_key_from_dek(new_dek)
        self.engine.dispose()  # no connection may keep the old key
        raw = _raw(self.engine)
        try:
            dbapi = raw.driver_connection
            with translated_errors():
                dbapi.execute("BEGIN IMMEDIATE")
                try:
                    _rechain_audit(dbapi, old_audit, new_audit)
                    dbapi.execute(new_keys.pragma("rekey")).fetchall()
                except BaseException:
                    if dbapi.in_transaction:
                        dbapi.execute("ROLLBACK")
                    raise
                if dbapi.in_transaction:  # rekey commits it; this is belt and braces
                    dbapi.execute("COMMIT")
            raw.invalidate()  # never return a connection keyed with the old key
        finally:
            raw.close()
        self._keys.set(new_dek)
        self._dek = bytes(new_dek)
        self.engine.dispose()
        log.info("database key changed")

    def close(self) -> None:
        """Let SQLite refresh its statistics, then close every connection."""
        try:
            raw = _raw(self.engine)
            try:
                raw.driver_connection.execute("PRAGMA optimize")
            finally:
                raw.close()
        except (sqlcipher3.Error, ExpectedError):
            log.warning("PRAGMA optimize failed at close", exc_info=True)
        self.engine.dispose()


_AUDIT_COLUMNS = (
    "seq, id, occurred_at, user_id, username, role, workstation_id, action, "
    "entity_type, entity_id, patient_id, outcome, detail, prev_mac, mac"
)


def _audit_rows(dbapi: Any) -> list[AuditEvent]:
    to_dt = UTCDateTime().process_result_value
    return [
        AuditEvent(
            seq=r[0],
            id=r[1],
            occurred_at=to_dt(r[2], None),  # type: ignore[arg-type]
            user_id=r[3],
            username=r[4],
            role=r[5],
            workstation_id=r[6],
            action=r[7],
            entity_type=r[8],
            entity_id=r[9],
            patient_id=r[10],
            outcome=r[11],
            detail=r[12],
            prev_mac=r[13],
            mac=r[14],
        )
        for r in dbapi.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit_events ORDER BY seq")  # noqa: S608
    ]


def _rechain_audit(dbapi: Any, old_key: bytes, new_key: bytes) -> None:
    events = _audit_rows(dbapi)
    verdict = verify_chain(old_key, events)
    if not verdict.ok:
        raise AuditTrailBroken()
    if not events:
        return
    trigger = dbapi.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_events_no_update'"
    ).fetchone()
    # The append-only trigger is lifted only inside this transaction; it is
    # back before anything commits.
    dbapi.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    prev = GENESIS_MAC
    for event in events:
        mac = compute_mac(new_key, prev, event)
        dbapi.execute(
            "UPDATE audit_events SET prev_mac = ?, mac = ? WHERE seq = ?", (prev, mac, event.seq)
        )
        prev = mac
    if trigger is not None:
        dbapi.execute(trigger[0])

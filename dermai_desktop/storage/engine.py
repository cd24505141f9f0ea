"""The SQLCipher engine: keyed connections, pragmas, transactions and error translation."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import QueuePool

from dermai_desktop.domain.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DiskFull,
    ExpectedError,
    ReadOnlyLocation,
    SignedContentLocked,
)

log = logging.getLogger(__name__)

DEK_LENGTH = 32

# Primary SQLite result codes (the low byte of an extended code).
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

#: Pragmas set on every new connection, after the key. ``synchronous=FULL``: a
#: signed note must survive a power cut, and at clinic write rates (a few
#: transactions a minute) the extra fsync per commit is not noticeable.
#: ``temp_store=MEMORY`` keeps sorts and temporary tables out of temp files.
CONNECTION_PRAGMAS: tuple[str, ...] = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = FULL",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",
)

#: Execution option for read-only work (checks, reports): a deferred BEGIN, so it
#: reads the last committed snapshot (WAL) instead of waiting for the write lock.
READER_OPTION = "dermai_reader"
READ_ONLY: dict[str, Any] = {READER_OPTION: True}

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CipherUnavailableError(RuntimeError):
    """The loaded SQLite has no SQLCipher: refusing, or the data would be plaintext."""


class KeyHolder:
    """The raw key for new connections; mutable so ``rekey`` can switch it.

    Kept as hex only for the moment a connection is keyed; it never appears in
    the URL, in logs or in an exception message.
    """

    __slots__ = ("_hex",)

    def __init__(self, dek: bytes) -> None:
        self._hex = key_hex(dek)

    def set(self, dek: bytes) -> None:
        self._hex = key_hex(dek)

    def pragma(self, verb: str = "key") -> str:
        return f"PRAGMA {verb} = \"x'{self._hex}'\""


def key_hex(dek: bytes) -> str:
    """Validate a data-encryption key and return it as lowercase hex."""
    if not isinstance(dek, bytes | bytearray) or len(dek) != DEK_LENGTH:
        raise ValueError("the database key must be exactly 32 bytes")
    value = bytes(dek).hex()
    if not _HEX64.match(value):  # pragma: no cover - bytes.hex() always matches
        raise ValueError("invalid key encoding")
    return value


def key_connection(dbapi_conn: Any, keys: KeyHolder) -> None:
    """Key a raw DB-API connection and prove SQLCipher is really there."""
    cur = dbapi_conn.cursor()
    try:
        # SQLCipher logs decryption failures to stderr; we translate them instead.
        cur.execute("PRAGMA cipher_log_level = NONE")
        cur.execute(keys.pragma("key"))
        row = cur.execute("PRAGMA cipher_version").fetchone()
        if not row or not row[0]:
            raise CipherUnavailableError(
                "SQLCipher is not available; refusing to open the database"
            )
    finally:
        cur.close()


def make_engine(path: Path, keys: KeyHolder, *, read_only: bool = False) -> Engine:
    """Build the engine for one encrypted database file.

    Every pooled connection is keyed in the ``connect`` event, verified to be
    SQLCipher, switched to WAL and the pragmas above. SQLAlchemy then owns
    transactions: the driver's implicit BEGIN is disabled and we emit
    ``BEGIN IMMEDIATE`` so DDL is transactional (a migration is all or nothing)
    and writers queue on ``busy_timeout`` instead of failing mid-transaction
    on a lock upgrade.
    """
    # A file: URI so read-only opens are possible; quoted so '?' or '#' in a
    # folder name cannot be read as URI syntax.
    uri = "file:" + quote(path.resolve().as_posix()) + ("?mode=ro" if read_only else "")
    engine = create_engine(
        "sqlite://",
        module=sqlcipher3,
        hide_parameters=True,
        # The pool hands a connection to one thread at a time, so sharing across
        # the GUI and worker threads is safe.
        creator=lambda: sqlcipher3.connect(uri, uri=True, check_same_thread=False),
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=2,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        key_connection(dbapi_conn, keys)
        cur = dbapi_conn.cursor()
        try:
            # Fails fast on a wrong key or a damaged first page.
            cur.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if not read_only:
                cur.execute("PRAGMA journal_mode = WAL").fetchone()
            for pragma in CONNECTION_PRAGMAS:
                cur.execute(pragma)
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Readers that must not queue behind a writer opt out per connection:
        # engine.connect().execution_options(**READ_ONLY).
        deferred = read_only or conn.get_execution_options().get(READER_OPTION, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        translated = translate_error(context.original_exception)
        if translated is not None:
            raise translated from context.original_exception

    return engine


def sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code of a driver error, if it carries one."""
    if isinstance(exc, DBAPIError | StatementError):
        exc = exc.orig if exc.orig is not None else exc
    code = getattr(exc, "sqlite_errorcode", None)
    return int(code) & 0xFF if isinstance(code, int) else None


def translate_error(exc: BaseException) -> ExpectedError | None:  # noqa: PLR0911 - a lookup
    """Map a SQLite/SQLCipher failure to the expected error a person can act on.

    Returns ``None`` for anything else (a bug), which must propagate as is.
    Messages are the fixed, PHI-free texts of ``domain.errors``.
    """
    if isinstance(exc, ExpectedError):
        return exc
    code = sqlite_code(exc)
    text = str(getattr(exc, "orig", None) or exc)
    if "signed note is locked" in text:
        return SignedContentLocked()
    if code is None:
        return None
    if code == SQLITE_FULL:
        return DiskFull()
    if code in (SQLITE_READONLY, SQLITE_PERM):
        return ReadOnlyLocation()
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseBusy()
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DatabaseCorrupt()
    if code == SQLITE_CANTOPEN:
        return ReadOnlyLocation(
            "The clinic database could not be opened for writing.",
            "Check that the data directory exists and this account may write to it.",
        )
    if code == SQLITE_IOERR:
        return DatabaseCorrupt(
            "The disk reported an error while reading or writing the clinic database.",
            "Nothing more was changed. Check the disk, then restore a backup or call IT.",
        )
    return None


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise SQLite failures raised outside an engine (raw driver calls) as expected errors."""
    try:
        yield
    except sqlcipher3.Error as exc:
        translated = translate_error(exc)
        if translated is None:
            raise
        raise translated from exc

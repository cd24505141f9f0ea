"""The same ORM workload on SQLCipher and on plain SQLite, as a ratio (goal <= 1.3x).

Workload, through the real ``PatientRecord`` class and a SQLAlchemy ``Session``:
insert N patients (batches of 10,000 rows, one transaction per 25,000), 1,000 random
point lookups by primary key (``session.get`` in a fresh session on a fresh connection, one
read transaction), 1,000 small single-row update transactions (one column changed, version
bumped, commit; fresh connection).

SQLCipher: the storage engine factory ``make_engine`` with a random raw key. Plain SQLite:
an engine over the stdlib ``sqlite3`` module built the same way (isolation_level None +
``BEGIN IMMEDIATE``, WAL, the same ``CONNECTION_PRAGMAS``: synchronous=FULL,
cache_size=-65536, temp_store=MEMORY, ...). Same schema (``Base.metadata.create_all``).
The sync-outbox hook is not installed on either side: it adds the same extra rows to both
and this benchmark is about the cost of encryption.
"""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks._common import median, report, write_result

NAME = "orm_workload"
PATIENTS = int(os.environ.get("DERMAI_BENCH_PATIENTS", "100000"))
LOOKUPS = 1000
UPDATES = 1000
RUNS = 3
BATCH = 10_000
ROWS_PER_TRANSACTION = 25_000
PHASES = ("insert", "lookup", "update")


def _sqlcipher_engine(path: Path) -> Any:
    from dermai_desktop.storage.engine import KeyHolder, make_engine

    return make_engine(path, KeyHolder(secrets.token_bytes(32)))


def _sqlite_engine(path: Path) -> Any:
    """The plain-SQLite twin of ``make_engine``: same pool, transactions and pragmas."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import QueuePool

    from dermai_desktop.storage.engine import CONNECTION_PRAGMAS

    engine = create_engine(
        "sqlite://",
        module=sqlite3,
        hide_parameters=True,
        creator=lambda: sqlite3.connect(str(path), check_same_thread=False),
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=2,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SELECT count(*) FROM sqlite_master").fetchone()
            cur.execute("PRAGMA journal_mode = WAL").fetchone()
            for pragma in CONNECTION_PRAGMAS:
                cur.execute(pragma)
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _patient(i: int, rng: random.Random, now: datetime) -> Any:
    from dermai_desktop.domain.ids import new_uuid7
    from dermai_desktop.storage.records import PatientRecord

    return PatientRecord(
        id=new_uuid7(),
        created_at=now,
        updated_at=now,
        version=1,
        updated_by=None,
        updated_workstation=None,
        mrn=f"BN{i:08d}",
        given_name=f"Given{rng.randrange(5000)}",
        family_name=f"Family{rng.randrange(20000)}",
        date_of_birth=date(1930 + rng.randrange(90), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        sex=rng.choice(("female", "male")),
        phone=f"07700 9{rng.randrange(100000):05d}",
        email=f"person{i}@example.com",
        address=f"{rng.randrange(1, 300)} Example Street, Testtown",
        fitzpatrick=1 + rng.randrange(6),
        flags=[],
    )


def _workload(engine: Any, patients: int, seed: int) -> dict[str, float]:
    from sqlalchemy.orm import Session

    from dermai_desktop.storage.records import Base, PatientRecord

    with engine.begin() as conn:
        Base.metadata.create_all(conn)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    ids: list[str] = []
    times: dict[str, float] = {}

    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        done = 0
        while done < patients:
            end = min(patients, done + ROWS_PER_TRANSACTION)
            with session.begin():
                for first in range(done, end, BATCH):
                    rows = [_patient(i, rng, now) for i in range(first, min(end, first + BATCH))]
                    session.add_all(rows)
                    session.flush()
                    ids.extend(row.id for row in rows)
            session.expunge_all()
            done = end
    times["insert"] = time.perf_counter() - start

    # New connections for the read and update phases: SQLite's page cache (64 MiB) still
    # holds every page the inserts wrote, so without this the lookups would never read,
    # let alone decrypt, a page. The OS page cache stays warm on both sides alike.
    engine.dispose()
    targets = rng.sample(ids, LOOKUPS)
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        for row_id in targets:
            assert session.get(PatientRecord, row_id) is not None
    times["lookup"] = time.perf_counter() - start

    engine.dispose()
    targets = rng.sample(ids, UPDATES)
    start = time.perf_counter()
    for n, row_id in enumerate(targets):
        with Session(engine) as session, session.begin():
            row = session.get(PatientRecord, row_id)
            assert row is not None
            row.phone = f"07700 8{n:05d}"
            row.version += 1
            row.updated_at = datetime.now(UTC)
    times["update"] = time.perf_counter() - start
    return times


def _measure(
    factory: Callable[[Path], Any], tmp: Path, label: str, run_no: int, patients: int
) -> dict[str, float]:
    path = tmp / f"{label}-{run_no}.db"
    engine = factory(path)
    try:
        return _workload(engine, patients, seed=run_no)
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def run(patients: int = PATIENTS, runs: int = RUNS) -> dict[str, Any]:
    measured: dict[str, dict[str, list[float]]] = {
        side: {phase: [] for phase in PHASES} for side in ("sqlcipher", "sqlite")
    }
    with tempfile.TemporaryDirectory(prefix="dermai-bench-") as tmp:
        for run_no in range(runs):
            # Alternate which side goes first so neither always gets the warmer machine.
            order = [("sqlcipher", _sqlcipher_engine), ("sqlite", _sqlite_engine)]
            if run_no % 2:
                order.reverse()
            for side, factory in order:
                for phase, seconds in _measure(factory, Path(tmp), side, run_no, patients).items():
                    measured[side][phase].append(seconds)
    figures: dict[str, Any] = {
        "patients": patients,
        "lookups": LOOKUPS,
        "updates": UPDATES,
        "runs": runs,
        "phases": {},
    }
    for phase in PHASES:
        cipher, plain = median(measured["sqlcipher"][phase]), median(measured["sqlite"][phase])
        figures["phases"][phase] = {
            "sqlcipher_s": round(cipher, 3),
            "sqlite_s": round(plain, 3),
            "ratio": round(cipher / plain, 2),
        }
    total_cipher = sum(figures["phases"][p]["sqlcipher_s"] for p in PHASES)
    total_plain = sum(figures["phases"][p]["sqlite_s"] for p in PHASES)
    figures["total"] = {
        "sqlcipher_s": round(total_cipher, 3),
        "sqlite_s": round(total_plain, 3),
        "ratio": round(total_cipher / total_plain, 2),
    }
    figures["goal_ratio"] = 1.3
    figures["raw_s"] = {
        side: {phase: [round(v, 3) for v in values] for phase, values in per.items()}
        for side, per in measured.items()
    }
    write_result(NAME, figures)
    parts = ", ".join(
        f"{p} {figures['phases'][p]['sqlcipher_s']:.2f}/{figures['phases'][p]['sqlite_s']:.2f} s "
        f"= {figures['phases'][p]['ratio']:.2f}x"
        for p in PHASES
    )
    report(
        NAME,
        f"SQLCipher/SQLite ({patients} inserts, {LOOKUPS} lookups, {UPDATES} updates; median of "
        f"{runs}): {parts}; total {figures['total']['ratio']:.2f}x (goal <= 1.3x)",
    )
    return figures


def test_orm_workload() -> None:
    figures = run()
    for phase in PHASES:
        assert figures["phases"][phase]["sqlcipher_s"] > 0
        assert figures["phases"][phase]["sqlite_s"] > 0


if __name__ == "__main__":
    run()

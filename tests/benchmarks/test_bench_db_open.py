"""Database open time with the raw key, and what a PBKDF2 passphrase open would cost.

Raw key: ``open_database`` on an existing demo clinic database (sniff, keyed connect,
pragmas, schema-revision check) plus a first query, then ``close``; only the open and the
first query are timed. Contrast: one ``sqlcipher3`` connection keyed with a passphrase at
SQLCipher 4's default ``kdf_iter`` (256,000 PBKDF2-HMAC-SHA512 rounds), on a scratch
database, timed to its first query (that is when SQLCipher derives the key).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks._common import median, ms, p95, report, write_result

NAME = "db_open"
OPENS = 60
PASSPHRASE_OPENS = 5


def _raw_key_opens(data_dir: Path, dek: bytes, salt: bytes | None, opens: int) -> list[float]:
    from dermai_desktop.storage.database import open_database

    times: list[float] = []
    for _ in range(opens):
        start = time.perf_counter()
        database = open_database(data_dir, dek, expected_salt=salt)
        with database.engine.connect() as conn:
            count = conn.exec_driver_sql("SELECT count(*) FROM patients").scalar()
        times.append(time.perf_counter() - start)
        database.close()
        assert count, "the demo clinic has patients"
    return times


def _passphrase_opens(scratch: Path, opens: int) -> tuple[list[float], int]:
    import sqlcipher3

    passphrase = "correct horse battery staple"  # scratch db with no data: not a secret
    conn = sqlcipher3.connect(str(scratch))
    conn.execute(f"PRAGMA key = '{passphrase}'")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.commit()
    kdf_iter = int(conn.execute("PRAGMA kdf_iter").fetchone()[0])
    conn.close()
    times: list[float] = []
    for _ in range(opens):
        start = time.perf_counter()
        conn = sqlcipher3.connect(str(scratch))
        conn.execute(f"PRAGMA key = '{passphrase}'")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        times.append(time.perf_counter() - start)
        conn.close()
    return times, kdf_iter


def run(opens: int = OPENS) -> dict[str, Any]:
    from dermai_desktop.app import build_demo_gate
    from dermai_desktop.storage.keys import KeySlots

    with tempfile.TemporaryDirectory(prefix="dermai-bench-") as tmp:
        data_dir = Path(tmp) / "demo"
        gate = build_demo_gate(data_dir, fast=False, patients=40)
        slots = KeySlots.load(gate.paths.keyslots_path)
        dek = slots.unlock_with_demo_key()
        _raw_key_opens(data_dir, dek, slots.db_salt, 3)  # warm the page cache and imports
        raw = _raw_key_opens(data_dir, dek, slots.db_salt, opens)
        passphrase, kdf_iter = _passphrase_opens(Path(tmp) / "passphrase.db", PASSPHRASE_OPENS)
    figures = {
        "opens": opens,
        "raw_key_median_ms": ms(median(raw)),
        "raw_key_p95_ms": ms(p95(raw)),
        "raw_key_max_ms": ms(max(raw)),
        "passphrase_kdf_iter": kdf_iter,
        "passphrase_opens": PASSPHRASE_OPENS,
        "passphrase_median_ms": ms(median(passphrase)),
    }
    write_result(NAME, figures)
    report(
        NAME,
        f"raw-key open + first query: median {figures['raw_key_median_ms']:.1f} ms, "
        f"p95 {figures['raw_key_p95_ms']:.1f} ms ({opens} opens); a PBKDF2 passphrase key "
        f"(kdf_iter {kdf_iter}) alone costs {figures['passphrase_median_ms']:.0f} ms",
    )
    return figures


def test_db_open() -> None:
    figures = run()
    assert 0 < figures["raw_key_median_ms"] <= figures["raw_key_p95_ms"]
    # The point of a raw key: no PBKDF2 at open.
    assert figures["raw_key_median_ms"] < figures["passphrase_median_ms"]


if __name__ == "__main__":
    run()

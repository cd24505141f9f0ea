"""Argon2id cost at the production parameters: password hashing and the recovery-key KDF.

Password: ``Argon2PasswordHasher.production()`` hashing one password (what every sign-in
pays once, as ``verify``), median of 20. Recovery key: Argon2id raw derivation with
``DEFAULT_RECOVERY_KDF`` exactly as the recovery slot uses it (argon2-cffi's
``hash_secret_raw``, 32-byte output), median of 5.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.benchmarks._common import median, ms, report, write_result

NAME = "argon2"
PASSWORD_RUNS = 20
RECOVERY_RUNS = 5


def run() -> dict[str, Any]:
    from argon2 import Type
    from argon2.low_level import hash_secret_raw

    from dermai_desktop.security.passwords import Argon2PasswordHasher
    from dermai_desktop.storage.keys import DEFAULT_RECOVERY_KDF

    hasher = Argon2PasswordHasher.production()
    password = "harbour-violet-kettle-52"  # a published demo password, not a secret
    hasher.hash(password)  # warm-up: first call allocates and faults in the memory
    hash_times: list[float] = []
    for _ in range(PASSWORD_RUNS):
        start = time.perf_counter()
        stored = hasher.hash(password)
        hash_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    assert hasher.verify(stored, password)
    verify_time = time.perf_counter() - start

    params = DEFAULT_RECOVERY_KDF
    kdf_times: list[float] = []
    for _ in range(RECOVERY_RUNS):
        raw_key, salt = secrets.token_bytes(20), secrets.token_bytes(16)
        start = time.perf_counter()
        hash_secret_raw(
            raw_key,
            salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            hash_len=32,
            type=Type.ID,
        )
        kdf_times.append(time.perf_counter() - start)

    figures = {
        "password_params": {
            "time_cost": hasher.time_cost,
            "memory_cost_kib": hasher.memory_cost_kib,
            "parallelism": hasher.parallelism,
        },
        "password_runs": PASSWORD_RUNS,
        "password_hash_median_ms": ms(median(hash_times)),
        "password_hash_min_ms": ms(min(hash_times)),
        "password_hash_max_ms": ms(max(hash_times)),
        "password_verify_ms": ms(verify_time),
        "recovery_params": {
            "time_cost": params.time_cost,
            "memory_cost_kib": params.memory_cost_kib,
            "parallelism": params.parallelism,
        },
        "recovery_runs": RECOVERY_RUNS,
        "recovery_kdf_median_ms": ms(median(kdf_times)),
    }
    write_result(NAME, figures)
    p, r = figures["password_params"], figures["recovery_params"]
    report(
        NAME,
        f"password hash (t={p['time_cost']}, m={p['memory_cost_kib']} KiB, "
        f"p={p['parallelism']}): median {figures['password_hash_median_ms']:.0f} ms of "
        f"{PASSWORD_RUNS}; recovery KDF (t={r['time_cost']}, m={r['memory_cost_kib']} KiB, "
        f"p={r['parallelism']}): median {figures['recovery_kdf_median_ms']:.0f} ms of "
        f"{RECOVERY_RUNS}",
    )
    return figures


def test_argon2() -> None:
    figures = run()
    assert figures["password_hash_median_ms"] > 0
    assert figures["recovery_kdf_median_ms"] > figures["password_hash_median_ms"]


if __name__ == "__main__":
    run()

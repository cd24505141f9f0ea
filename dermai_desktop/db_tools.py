"""``db check`` and ``db rekey``: database maintenance for IT, without the GUI."""

from __future__ import annotations

import json

from dermai_desktop.bootstrap import LocalClinicGate


def check_database(gate: LocalClinicGate, *, as_json: bool, fail: type[Exception]) -> int:
    """Run every integrity check, print the report, raise ``fail`` on a problem."""
    try:
        report = gate.database.check()
    finally:
        gate.close()
    if as_json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "integrity_check": list(report.integrity),
                    "cipher_integrity_problems": list(report.cipher_problems),
                    "rows_read": report.rows_read,
                    "errors": list(report.errors),
                },
                indent=2,
            )
        )
    elif report.ok:
        print(
            f"Database OK: integrity_check ok, no cipher problems, "
            f"{report.total_rows} rows read in {len(report.rows_read)} tables."
        )
    else:
        print("DATABASE PROBLEMS FOUND:")
        for line in (*report.integrity, *report.cipher_problems, *report.errors):
            if line != "ok":
                print(f"  - {line}")
        print("Nothing was changed. Restore the latest backup or call IT.")
    if not report.ok:
        raise fail()
    return 0


def rekey_database(gate: LocalClinicGate, recovery_key: str, *, as_json: bool) -> int:
    """Change the database key; the recovery key rewraps the new one."""
    try:
        key_id = gate.rekey(recovery_key)
    finally:
        gate.close()
    if as_json:
        print(json.dumps({"ok": True, "key_id": key_id}))
    else:
        print(f"Database key changed (new key id {key_id}). Run a full backup now.")
    return 0

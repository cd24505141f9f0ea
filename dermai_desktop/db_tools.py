"""``db check`` and ``db rekey``: database maintenance for IT, without the GUI."""

from __future__ import annotations

import json
import logging

from dermai_desktop.bootstrap import LocalClinicGate
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.users import system_actor
from dermai_desktop.services.startup import UnlockedClinic
from dermai_desktop.storage.database import CheckReport

log = logging.getLogger(__name__)


def check_database(
    gate: LocalClinicGate, clinic: UnlockedClinic, *, as_json: bool, fail: type[Exception]
) -> int:
    """Run every integrity check, print the report, raise ``fail`` on a problem.

    Run by IT on the machine (whoever can unlock the key), so it is attributed
    to the workstation's system identity and audited.
    """
    try:
        report = gate.database.check()
        _print_report(report, as_json=as_json)
        if report.ok:
            # A damaged database refuses writes, so only a clean check is audited; a
            # failed one is already reported on screen and in the log.
            info = clinic.services.clinic.info()
            if info is not None:
                clinic.services.clinic.record_maintenance(
                    system_actor(info.workstation_id),
                    AuditAction.DATABASE_CHECK,
                    succeeded=True,
                    detail=f"rows={report.total_rows}",
                )
        else:
            log.error("database check found problems: %d", len(report.errors))
    finally:
        gate.close()
    if not report.ok:
        raise fail()
    return 0


def _print_report(report: CheckReport, *, as_json: bool) -> None:
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

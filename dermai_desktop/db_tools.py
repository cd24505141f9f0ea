"""``db check`` and ``db rekey``: database maintenance for IT, without the GUI."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import text

from dermai_desktop.bootstrap import LocalClinicGate
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.users import system_actor
from dermai_desktop.services.imaging_ports import ImageStoreError
from dermai_desktop.services.startup import UnlockedClinic
from dermai_desktop.storage.database import CheckReport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImageStoreReport:
    """Every stored image (and thumbnail) decrypted and its authentication tag checked."""

    checked: int
    missing: tuple[str, ...] = ()  # image ids whose picture is not in the store
    damaged: tuple[str, ...] = ()  # image ids whose blob fails decryption (changed or corrupt)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.damaged


def check_image_store(gate: LocalClinicGate) -> ImageStoreReport:
    """Read every image the database lists back from the encrypted store.

    AES-GCM refuses a blob with a single changed byte, so decrypting each one
    is a complete check. A missing thumbnail is not a problem (it is rebuilt
    when needed); a damaged one is.
    """
    store = gate.image_adapters.store
    with gate.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, sha256 FROM lesion_images")).all()
    missing: list[str] = []
    damaged: list[str] = []
    for image_id, sha256 in rows:
        for kind in ("image", "thumbnail"):
            if not store.contains(sha256, kind=kind):
                if kind == "image":
                    missing.append(str(image_id))
                continue
            try:
                store.get(sha256, kind=kind)
            except ImageStoreError:
                damaged.append(str(image_id))
                break
    return ImageStoreReport(len(rows), tuple(missing), tuple(damaged))


def check_database(
    gate: LocalClinicGate, clinic: UnlockedClinic, *, as_json: bool, fail: type[Exception]
) -> int:
    """Run every integrity check, print the report, raise ``fail`` on a problem.

    Run by IT on the machine (whoever can unlock the key), so it is attributed
    to the workstation's system identity and audited.
    """
    try:
        report = gate.database.check()
        # The images are only as good as the rows that list them: check them on a sound database.
        images = check_image_store(gate) if report.ok else None
        _print_report(report, images, as_json=as_json)
        if report.ok and images is not None and images.ok:
            # A damaged database refuses writes, so only a clean check is audited; a
            # failed one is already reported on screen and in the log.
            info = clinic.services.clinic.info()
            if info is not None:
                clinic.services.clinic.record_maintenance(
                    system_actor(info.workstation_id),
                    AuditAction.DATABASE_CHECK,
                    succeeded=True,
                    detail=f"rows={report.total_rows} images={images.checked}",
                )
        elif not report.ok:
            log.error("database check found problems: %d", len(report.errors))
        elif images is not None:
            log.error(
                "image store check found problems: missing=%d damaged=%d",
                len(images.missing),
                len(images.damaged),
            )
    finally:
        gate.close()
    if not report.ok or (images is not None and not images.ok):
        raise fail()
    return 0


def _print_report(report: CheckReport, images: ImageStoreReport | None, *, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "ok": report.ok and (images is None or images.ok),
                    "integrity_check": list(report.integrity),
                    "cipher_integrity_problems": list(report.cipher_problems),
                    "rows_read": report.rows_read,
                    "errors": list(report.errors),
                    "images": None
                    if images is None
                    else {
                        "checked": images.checked,
                        "missing": list(images.missing),
                        "damaged": list(images.damaged),
                    },
                },
                indent=2,
            )
        )
        return
    if report.ok:
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
        return
    if images is None:
        return
    if images.ok:
        print(f"Images OK: {images.checked} images decrypted and verified.")
        return
    print("IMAGE STORE PROBLEMS FOUND (image ids):")
    for image_id in images.missing:
        print(f"  - missing: {image_id}")
    for image_id in images.damaged:
        print(f"  - damaged or changed: {image_id}")
    print("Nothing was changed. Restore the images folder from the latest backup or call IT.")


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

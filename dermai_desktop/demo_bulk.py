"""Registry-only demo patients in bulk, for ``demo --patients N`` with N in the tens of thousands.

The first ``FULL_PRACTICE`` patients of a demo get a full chart and visits, written
through the services (``demo_practice``). Beyond that a clinic mostly holds people who
registered once and have not been back for years; they are inserted here in one
transaction with plain SQL, so a 100,000-patient demo for the search and list benchmarks
builds in well under a minute instead of hours. They are invented (Faker, fixed seed),
carry the same sync columns as any row, get their MRNs from the clinic's scheme, and are
recorded in the audit trail as one batch event (there is no person behind them to audit).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from dermai_desktop.bootstrap import LocalClinicGate
from dermai_desktop.demo_seed import SimulatedClock, demo_unit_of_work_factory
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.ids import new_uuid7
from dermai_desktop.domain.users import system_actor
from dermai_desktop.services.dto import AuditDraft
from dermai_desktop.services.startup import UnlockedClinic

log = logging.getLogger(__name__)

#: Patients who get a chart, visits and appointments through the services.
FULL_PRACTICE = 2000
_SEED = 20261126
_ROWS_PER_STATEMENT = 5000


def add_registry_patients(gate: LocalClinicGate, clinic: UnlockedClinic, count: int) -> int:
    """Insert ``count`` demographics-only patients after the charted ones; return count."""
    if count <= 0:
        return 0
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(_SEED)
    rng = random.Random(_SEED)  # noqa: S311 - invented demo data, not security
    info = clinic.services.clinic.info()
    if info is None:  # pragma: no cover - the clinic was just built
        raise RuntimeError("demo clinic has no clinic record")
    prefix = clinic.services.settings.str_value("clinic.mrn_prefix")
    database = gate.database
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    actor = system_actor(info.workstation_id)
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = int(cursor.execute("SELECT count(*) FROM patients").fetchone()[0]) + 1
        cursor.execute("BEGIN IMMEDIATE")
        rows: list[tuple[object, ...]] = []
        for number in range(start, start + count):
            female = rng.random() < 0.52
            given = fake.first_name_female() if female else fake.first_name_male()
            born = fake.date_of_birth(minimum_age=1, maximum_age=95)
            rows.append(
                (
                    new_uuid7(),
                    f"{prefix}{number:06d}",
                    given,
                    fake.last_name(),
                    born.isoformat(),
                    "female" if female else "male",
                    f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                    stamp,
                    stamp,
                    actor.user_id,
                    info.workstation_id,
                )
            )
            if len(rows) == _ROWS_PER_STATEMENT:
                _insert(cursor, rows)
                rows = []
        _insert(cursor, rows)
        cursor.execute("COMMIT")
        cursor.execute("INSERT INTO patient_search(patient_search) VALUES ('optimize')")
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    uow_factory = demo_unit_of_work_factory(database, gate.paths.keyslots_path, SimulatedClock())
    with uow_factory(actor) as uow:
        uow.audit.append(
            AuditDraft(
                occurred_at=datetime.now(UTC),
                user_id=actor.user_id,
                username=actor.username,
                role=actor.role.value,
                workstation_id=info.workstation_id,
                action=AuditAction.CREATE,
                entity_type="patient_batch",
                detail=f"demo registry patients={count}",
            )
        )
        uow.commit()
    log.info("demo registry patients added in bulk: %d", count)
    return count


def _insert(cursor: object, rows: Sequence[tuple[object, ...]]) -> None:
    if rows:
        cursor.executemany(  # type: ignore[attr-defined]
            "INSERT INTO patients (id, mrn, given_name, family_name, date_of_birth, sex, phone,"
            " email, address, fitzpatrick, flags, created_at, updated_at, version, updated_by,"
            " updated_workstation) VALUES (?, ?, ?, ?, ?, ?, ?, '', '', NULL, '[]', ?, ?, 1, ?, ?)",
            rows,
        )

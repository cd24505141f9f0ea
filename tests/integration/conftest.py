"""Fixtures for storage tests: real SQLCipher files in tmp_path, a fixed clock, seeded rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dermai_desktop.domain.ids import ClinicId, UserId, WorkstationId, new_uuid7
from dermai_desktop.domain.patients import FitzpatrickType, PatientDraft, Sex
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.dto import ClinicInfo
from dermai_desktop.storage.database import (
    Database,
    audit_key_from_dek,
    create_clinic_database,
    open_database,
)
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory

SENTINEL = "Zyxwvutsonian"
WORKSTATION = WorkstationId("01900000-0000-7000-8000-000000000001")


class StepClock:
    """A clock that moves one second per reading, so ordering by time is deterministic."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def dek() -> bytes:
    return os.urandom(32)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def db(data_dir: Path, dek: bytes) -> Iterator[Database]:
    create_clinic_database(data_dir, dek)
    database = open_database(data_dir, dek)
    yield database
    database.close()


@pytest.fixture
def audit_key(dek: bytes) -> bytes:
    return audit_key_from_dek(dek)


@pytest.fixture
def uow_factory(db: Database, audit_key: bytes, clock: StepClock) -> SqlUnitOfWorkFactory:
    return db.unit_of_work_factory(audit_key, clock)


@pytest.fixture
def manager(uow_factory: SqlUnitOfWorkFactory, clock: StepClock) -> Actor:
    """A clinic with one manager and one dermatologist; returns the manager as actor."""
    user_id = UserId(new_uuid7())
    actor = Actor(user_id, "manager1", Role.MANAGER, WORKSTATION)
    with uow_factory(actor) as uow:
        uow.clinic.create(
            ClinicInfo(
                ClinicId(new_uuid7()), "Test Clinic", WORKSTATION, "Front PC", False, clock.now()
            )
        )
        uow.users.add(
            User(
                user_id,
                "manager1",
                "Mia Manager",
                Role.MANAGER,
                True,
                False,
                0,
                None,
                None,
                clock.now(),
            ),
            "argon2-hash-placeholder",
        )
        uow.commit()
    return actor


@pytest.fixture
def doctor(uow_factory: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock) -> Actor:
    user_id = UserId(new_uuid7())
    with uow_factory(manager) as uow:
        uow.users.add(
            User(
                user_id,
                "drderm",
                "Dr Derm",
                Role.DERMATOLOGIST,
                True,
                False,
                0,
                None,
                None,
                clock.now(),
            ),
            "hash",
        )
        uow.commit()
    return Actor(user_id, "drderm", Role.DERMATOLOGIST, WORKSTATION)


def draft(given: str = "Ada", family: str = SENTINEL, **changes: object) -> PatientDraft:
    values: dict[str, object] = {
        "given_name": given,
        "family_name": family,
        "date_of_birth": date(1980, 2, 29),
        "sex": Sex.FEMALE,
        "phone": "+44 20 7946 0000",
        "email": "ada@example.org",
        "address": "1 Test Street",
        "fitzpatrick": FitzpatrickType.II,
        "flags": ("latex-allergy",),
    }
    values.update(changes)
    return PatientDraft(**values)  # type: ignore[arg-type]

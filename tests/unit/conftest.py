"""Fixtures for service unit tests: fakes wired exactly as app.py wires the real adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.ids import ClinicId, WorkstationId
from dermai_desktop.domain.patients import PatientDraft, Sex
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.registry import Services, build_services
from tests.fakes import FakeClock, FakeDatabase, FakePasswordHasher, FakePasswordPolicy
from tests.fakes_imaging import FakeImagingAdapters

WS = WorkstationId("ws-1")
PASSWORDS = {
    Role.MANAGER: "cobalt-wren-sailcloth-42",
    Role.DERMATOLOGIST: "lantern-mossy-quartz-77",
    Role.FRONT_DESK: "orchard-velvet-kiln-19",
    Role.IT_ADMIN: "pebble-saffron-tundra-63",
}
NEW_PASSWORD = "violet-granite-compass"


@dataclass
class World:
    db: FakeDatabase
    clock: FakeClock
    hasher: FakePasswordHasher
    policy: FakePasswordPolicy
    services: Services
    actors: dict[Role, Actor]
    imaging: FakeImagingAdapters

    def rebuild(self, machine: MachineConfig) -> Services:
        self.services = build_services(
            uow_factory=self.db,
            hasher=self.hasher,
            policy=self.policy,
            clock=self.clock,
            workstation_id=WS,
            machine=machine,
            **self.imaging.kwargs(),
        )
        return self.services


def make_world(machine: MachineConfig | None = None) -> World:
    clock = FakeClock()
    db = FakeDatabase(clock)
    hasher = FakePasswordHasher()
    policy = FakePasswordPolicy()
    imaging = FakeImagingAdapters()
    services = build_services(
        uow_factory=db,
        hasher=hasher,
        policy=policy,
        clock=clock,
        workstation_id=WS,
        machine=machine or MachineConfig.empty(),
        **imaging.kwargs(),
    )
    manager = services.clinic.setup_clinic(
        ClinicId("clinic-1"),
        "Harbour Skin Clinic",
        WS,
        "Front room",
        "mgr",
        "Maria Manager",
        PASSWORDS[Role.MANAGER],
    )
    actors = {Role.MANAGER: manager}
    for role, username, full in (
        (Role.DERMATOLOGIST, "derm", "Dana Derm"),
        (Role.FRONT_DESK, "desk", "Frank Desk"),
        (Role.IT_ADMIN, "it", "Ivy Tech"),
    ):
        user = services.users.add_user(manager, username, full, role, PASSWORDS[role])
        actors[role] = Actor(user.id, user.username, user.role, WS)
    return World(db, clock, hasher, policy, services, actors, imaging)


@pytest.fixture
def world() -> World:
    return make_world()


def draft(**overrides: object) -> PatientDraft:
    values: dict[str, object] = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": date(1980, 5, 17),
        "sex": Sex.FEMALE,
        "phone": "+44 20 7946 0958",
        "email": "ada@example.org",
    }
    values.update(overrides)
    return PatientDraft(**values)  # type: ignore[arg-type]

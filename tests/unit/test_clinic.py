"""First-time set-up, clinic info and maintenance records."""

from __future__ import annotations

import pytest

from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import ClinicAlreadyExists, ValidationFailed, WeakPassword
from dermai_desktop.domain.ids import ClinicId
from dermai_desktop.domain.roles import Role
from dermai_desktop.security.passwords import Argon2PasswordHasher, ZxcvbnPasswordPolicy
from dermai_desktop.services.registry import Services, build_services
from tests.fakes import FakeClock, FakeDatabase, FakePasswordHasher, FakePasswordPolicy
from tests.fakes_imaging import fake_image_adapters
from tests.unit.conftest import NEW_PASSWORD, WS, World


def _fresh() -> tuple[FakeDatabase, Services]:
    clock = FakeClock()
    db = FakeDatabase(clock)
    services = build_services(
        uow_factory=db,
        hasher=FakePasswordHasher(),
        policy=FakePasswordPolicy(),
        clock=clock,
        workstation_id=WS,
        machine=MachineConfig.empty(),
        **fake_image_adapters(),
    )
    return db, services


def test_setup_creates_clinic_and_manager() -> None:
    db, services = _fresh()
    assert services.clinic.info() is None
    actor = services.clinic.setup_clinic(
        ClinicId("c1"), " Demo  Clinic ", WS, "Desk", "Boss", "Bea Boss", NEW_PASSWORD, is_demo=True
    )
    assert actor.role is Role.MANAGER
    assert actor.username == "boss"
    info = services.clinic.info()
    assert info is not None
    assert (info.name, info.is_demo, info.workstation_id) == ("Demo Clinic", True, WS)
    assert [e.action for e in db.audit_events] == ["clinic_setup", "create"]
    assert db.audit_events[0].detail == "demo"
    assert not db.user(actor.user_id).must_change_password
    services.auth.login("boss", NEW_PASSWORD)


def test_setup_only_once(world: World) -> None:
    with pytest.raises(ClinicAlreadyExists):
        world.services.clinic.setup_clinic(
            ClinicId("c2"), "Other", WS, "Desk", "boss2", "Bo Boss", NEW_PASSWORD
        )
    assert world.db.state.clinic is not None
    assert world.db.state.clinic.id == "clinic-1"


@pytest.mark.parametrize(
    ("name", "station", "password", "error"),
    [
        ("", "Desk", NEW_PASSWORD, ValidationFailed),
        ("x" * 201, "Desk", NEW_PASSWORD, ValidationFailed),
        ("Clinic", " ", NEW_PASSWORD, ValidationFailed),
        ("Clinic", "Desk", "short", WeakPassword),
        ("Sunnyvale", "Desk", "sunnyvale-rocks-2025", WeakPassword),
    ],
)
def test_setup_validates(name: str, station: str, password: str, error: type[Exception]) -> None:
    db, services = _fresh()
    with pytest.raises(error):
        services.clinic.setup_clinic(ClinicId("c"), name, WS, station, "boss", "Bea Boss", password)
    assert db.state.clinic is None
    assert db.commits == 0


def test_record_maintenance(world: World) -> None:
    it = world.actors[Role.IT_ADMIN]
    world.services.clinic.record_maintenance(
        it, AuditAction.KEY_CHANGE, succeeded=False, detail="x"
    )
    event = world.db.audit_events[-1]
    assert (event.action, event.outcome, event.entity_type) == (
        "key_change",
        AuditOutcome.FAILURE,
        "database",
    )
    with pytest.raises(ValueError, match="not a maintenance action"):
        world.services.clinic.record_maintenance(it, AuditAction.LOGIN, succeeded=True)


def test_real_password_adapters_work_through_the_services() -> None:
    clock = FakeClock()
    db = FakeDatabase(clock)
    services = build_services(
        uow_factory=db,
        hasher=Argon2PasswordHasher.cheap(),
        policy=ZxcvbnPasswordPolicy(),
        clock=clock,
        workstation_id=WS,
        machine=MachineConfig.empty(),
        **fake_image_adapters(),
    )
    with pytest.raises(WeakPassword, match="close to your name"):
        services.clinic.setup_clinic(
            ClinicId("c"), "Harbour Skin", WS, "Desk", "mjones", "Mia Jones", "MiaJones2024!"
        )
    services.clinic.setup_clinic(
        ClinicId("c"), "Harbour Skin", WS, "Desk", "mjones", "Mia Jones", "violet-granite-compass"
    )
    actor = services.auth.login("mjones", "violet-granite-compass")
    assert actor.role is Role.MANAGER

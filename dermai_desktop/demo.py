"""The demo clinic: a realistic invented practice to try every screen with.

Riverside Dermatology: three dermatologists, two at the front desk, a
manager and IT; 2,000 patients (``DEFAULT_PATIENTS``) with charts and a
schedule, built by ``demo_practice`` through the real services. A demo clinic
lives in its own data directory and is unlocked by a clearly marked demo key
file instead of the OS keychain, so it opens on a fresh Linux VM with no
keychain at all. A real clinic never uses that file. Every patient here is
invented by Faker with a fixed seed.
"""

from __future__ import annotations

import logging

from dermai_desktop.bootstrap import LocalClinicGate, SecurityProfile
from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.roles import Role
from dermai_desktop.paths import AppPaths
from dermai_desktop.services.startup import (
    ClinicSetupRequest,
    ClinicState,
    DemoAccount,
    UnlockedClinic,
)
from dermai_desktop.storage.keychain import KeyStore

log = logging.getLogger(__name__)

DEMO_CLINIC_NAME = "Riverside Dermatology (demo)"
DEMO_WORKSTATION = "Exam room 1"

#: Printed by ``dermai-desktop demo`` and shown on the demo login screen.
#: These protect invented data only; they pass the real password policy.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("manager", "harbour-violet-kettle-52", Role.MANAGER, "Morgan Blake"),
    DemoAccount("derm", "granite-sparrow-lantern-17", Role.DERMATOLOGIST, "Dr Ada Okafor"),
    DemoAccount("frontdesk", "meadow-copper-violin-38", Role.FRONT_DESK, "Sam Rivera"),
    DemoAccount("itadmin", "quartz-orchard-bicycle-64", Role.IT_ADMIN, "Lee Chen"),
    DemoAccount("patel", "saffron-glacier-tandem-29", Role.DERMATOLOGIST, "Dr Ravi Patel"),
    DemoAccount("lindqvist", "juniper-beacon-orbit-73", Role.DERMATOLOGIST, "Dr Elin Lindqvist"),
    DemoAccount("frontdesk2", "pebble-lagoon-cobalt-46", Role.FRONT_DESK, "Jo Adeyemi"),
)

#: The size of the practice ``demo`` builds unless told otherwise.
DEFAULT_PATIENTS = 2000


def demo_gate(paths: AppPaths, machine: MachineConfig, *, fast: bool = False) -> LocalClinicGate:
    """A gate over the demo data directory; it never touches the OS keychain."""
    return LocalClinicGate(
        paths,
        machine,
        keystore_factory=KeyStore,
        security=SecurityProfile.fast() if fast else SecurityProfile.production(),
        demo=True,
        demo_accounts=DEMO_ACCOUNTS,
    )


def open_or_create_demo(
    gate: LocalClinicGate, *, patients: int = DEFAULT_PATIENTS, full_practice: int | None = None
) -> UnlockedClinic:
    """Unlock the demo clinic, building it first if the directory is empty.

    The first ``full_practice`` patients (2,000 by default) get charts and visits; any
    beyond that are registry-only, inserted in bulk (see ``demo_bulk``).
    """
    if gate.state() is ClinicState.LOCKED:
        return gate.unlock()
    manager = DEMO_ACCOUNTS[0]
    _, clinic = gate.create_clinic(
        ClinicSetupRequest(
            clinic_name=DEMO_CLINIC_NAME,
            workstation_name=DEMO_WORKSTATION,
            manager_username=manager.username,
            manager_full_name=manager.full_name,
            manager_password=manager.password,
        )
    )
    from dermai_desktop.demo_bulk import FULL_PRACTICE, add_registry_patients

    charted = FULL_PRACTICE if full_practice is None else full_practice
    _populate(gate, clinic, min(patients, charted))
    add_registry_patients(gate, clinic, patients - charted)
    return clinic


def _populate(gate: LocalClinicGate, clinic: UnlockedClinic, patient_count: int) -> None:
    """Staff accounts through the user service, then the practice (see ``demo_practice``)."""
    from dermai_desktop.demo_practice import PracticeBuilder, staff_actors
    from dermai_desktop.demo_seed import (
        BatchingUnitOfWorkFactory,
        SimulatedClock,
        demo_unit_of_work_factory,
    )
    from dermai_desktop.services.registry import build_services

    services = clinic.services
    manager = services.auth.login(DEMO_ACCOUNTS[0].username, DEMO_ACCOUNTS[0].password)
    for account in DEMO_ACCOUNTS[1:]:
        services.users.add_user(
            manager,
            account.username,
            account.full_name,
            account.role,
            account.password,
            must_change_password=False,
        )
    info = services.clinic.info()
    assert info is not None
    staff = staff_actors(services, manager, info.workstation_id)
    services.auth.logout(manager)
    if patient_count <= 0:
        return

    clock = SimulatedClock()
    inner = demo_unit_of_work_factory(gate.database, gate.paths.keyslots_path, clock)
    with inner(manager) as probe:  # which repositories this build's storage has
        stores = {name for name in ("chart_lists", "schedule", "images") if hasattr(probe, name)}
    batch = BatchingUnitOfWorkFactory(inner)
    seeding = build_services(
        uow_factory=batch,
        hasher=_NoPasswords(),
        policy=_NoPasswords(),
        clock=clock,
        workstation_id=info.workstation_id,
        machine=gate.machine if hasattr(gate, "machine") else MachineConfig.load(None),
        **gate.image_adapters.as_kwargs(),
    )
    try:
        stats = PracticeBuilder(seeding, clock, batch.commit, staff, stores=stores).build(
            patient_count
        )
    finally:
        batch.abandon()  # after a failure: drop the unfinished batch, keep the rest
    log.info(
        "demo clinic populated: %d patients, %d notes in %.1f s (skipped: %s)",
        stats.patients,
        stats.notes,
        stats.seconds,
        ", ".join(stats.skipped) or "nothing",
    )


class _NoPasswords:
    """The seeding services never handle passwords; fail loudly if one tries."""

    def hash(self, password: str) -> str:
        raise RuntimeError("the demo seeder does not set passwords")

    def verify(self, stored_hash: str, password: str) -> bool:
        raise RuntimeError("the demo seeder does not check passwords")

    def needs_rehash(self, stored_hash: str) -> bool:
        return False

    def check(self, password: str, user_inputs: object) -> None:
        raise RuntimeError("the demo seeder does not set passwords")

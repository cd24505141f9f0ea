"""The demo clinic: one account per role and a small invented practice.

A demo clinic lives in its own data directory and is unlocked by a clearly
marked demo key file instead of the OS keychain, so it opens on a fresh
Linux VM with no keychain at all. A real clinic never uses that file. Every
patient here is invented by Faker with a fixed seed.
"""

from __future__ import annotations

import logging
import random
from datetime import date

from dermai_desktop.bootstrap import LocalClinicGate, SecurityProfile
from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.patients import FitzpatrickType, PatientDraft, Sex
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
)


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


def open_or_create_demo(gate: LocalClinicGate, *, patients: int = 40) -> UnlockedClinic:
    """Unlock the demo clinic, building it first if the directory is empty."""
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
    _populate(clinic, patients)
    return clinic


def _populate(clinic: UnlockedClinic, patient_count: int) -> None:
    """Staff accounts through the user service, patients through the front desk."""
    from faker import Faker  # imported late: only the demo needs it

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
    services.auth.logout(manager)

    front_desk_account = next(a for a in DEMO_ACCOUNTS if a.role is Role.FRONT_DESK)
    front_desk = services.auth.login(front_desk_account.username, front_desk_account.password)
    fake = Faker("en_GB")
    fake.seed_instance(20261125)
    rng = random.Random(20261125)  # noqa: S311 - invented demo data, not security
    for _ in range(patient_count):
        sex = rng.choice([Sex.FEMALE, Sex.MALE])
        given = fake.first_name_female() if sex is Sex.FEMALE else fake.first_name_male()
        born = fake.date_of_birth(minimum_age=4, maximum_age=92)
        services.patients.register(
            front_desk,
            PatientDraft(
                given_name=given,
                family_name=fake.last_name(),
                date_of_birth=date(born.year, born.month, born.day),
                sex=sex,
                phone=f"07700 9{rng.randint(0, 99999):05d}",
                email=f"{given.lower()}.{rng.randint(10, 99)}@example.com",
                address=fake.address().replace("\n", ", "),
                fitzpatrick=rng.choice(list(FitzpatrickType)),
            ),
        )
    services.auth.logout(front_desk)
    log.info("demo clinic populated: %d patients", patient_count)

"""A ClinicGate over the real services and the in-memory fakes, for UI tests without SQLCipher."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime

from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.errors import KeychainUnavailable, WrongRecoveryKey
from dermai_desktop.domain.ids import ClinicId, WorkstationId, new_uuid7
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.registry import Services, build_services
from dermai_desktop.services.startup import (
    ClinicSetupRequest,
    ClinicState,
    DemoAccount,
    UnlockedClinic,
)
from dermai_desktop.services.users import check_full_name, check_password, check_username
from tests.fakes import FakeDatabase, FakePasswordHasher, FakePasswordPolicy
from tests.fakes_imaging import FakeImagingAdapters

RECOVERY_KEY = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789"
DEMO_PASSWORDS = {
    "manager": ("Manny Ortega", Role.MANAGER, "Maple-violin-2841"),
    "derm": ("Dr Dana Reyes", Role.DERMATOLOGIST, "Cedar-trumpet-5930"),
    "frontdesk": ("Frankie Desai", Role.FRONT_DESK, "Birch-cello-7712"),
    "itadmin": ("Ivy Tanaka", Role.IT_ADMIN, "Aspen-flute-3307"),
}


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeGate:
    """Behaves like the composition root's gate; counts calls and checks threads."""

    def __init__(
        self,
        *,
        state: ClinicState = ClinicState.LOCKED,
        demo: bool = True,
        keychain_ok: bool = True,
        machine: MachineConfig | None = None,
    ) -> None:
        self._state = state
        self._demo = demo
        self.keychain_ok = keychain_ok
        self.calls: list[str] = []
        self.gui_thread = threading.current_thread()
        self.db = FakeDatabase(clock=None)
        self.policy = FakePasswordPolicy()
        self.imaging = FakeImagingAdapters()
        self.services: Services = build_services(
            uow_factory=self.db,
            hasher=FakePasswordHasher(),
            policy=self.policy,
            clock=_Clock(),
            workstation_id=WorkstationId("ws-1"),
            machine=machine or MachineConfig.empty(),
            **self.imaging.kwargs(),
        )
        self.accounts: tuple[DemoAccount, ...] = ()
        self.clinic_name = "Harbour Dermatology"
        self.workstation_name = "Room 2"
        if state == ClinicState.LOCKED:
            self._seed()

    def _record(self, name: str) -> None:
        # The whole point of the TaskRunner: the gate must never be called on the GUI thread.
        assert threading.current_thread() is not self.gui_thread, f"{name} on the GUI thread"
        self.calls.append(name)

    def _seed(self) -> None:
        name, role, password = DEMO_PASSWORDS["manager"]
        manager = self.services.clinic.setup_clinic(
            ClinicId(new_uuid7()),
            self.clinic_name,
            WorkstationId("ws-1"),
            self.workstation_name,
            "manager",
            name,
            password,
            is_demo=self._demo,
        )
        accounts = [DemoAccount("manager", password, role, name)]
        for username, (full_name, role, password) in DEMO_PASSWORDS.items():
            if username == "manager":
                continue
            user = self.services.users.add_user(manager, username, full_name, role, password)
            # Demo accounts sign straight in, like the real demo builder's accounts.
            row = self.db.state.users[user.id]
            row.user = dataclasses.replace(row.user, must_change_password=False)
            accounts.append(DemoAccount(username, password, role, full_name))
        self.accounts = tuple(accounts) if self._demo else ()

    def actor(self, username: str) -> Actor:
        return self.services.auth.login(username, DEMO_PASSWORDS[username][2])

    def unlocked(self) -> UnlockedClinic:
        return UnlockedClinic(
            self.services, self.clinic_name, self.workstation_name, self._demo, self.accounts
        )

    # --- ClinicGate ------------------------------------------------------------------

    def state(self) -> ClinicState:
        self._record("state")
        return self._state

    def validate_setup(self, request: ClinicSetupRequest) -> None:
        self._record("validate_setup")
        username = check_username(request.manager_username)
        full_name = check_full_name(request.manager_full_name)
        check_password(
            self.policy, request.manager_password, username, full_name, request.clinic_name
        )

    def create_clinic(self, request: ClinicSetupRequest) -> tuple[str, UnlockedClinic]:
        self._record("create_clinic")
        self.clinic_name = request.clinic_name
        self.workstation_name = request.workstation_name
        self.services.clinic.setup_clinic(
            ClinicId(new_uuid7()),
            request.clinic_name,
            WorkstationId("ws-1"),
            request.workstation_name,
            request.manager_username,
            request.manager_full_name,
            request.manager_password,
        )
        self._state = ClinicState.LOCKED
        return RECOVERY_KEY, self.unlocked()

    def unlock(self) -> UnlockedClinic:
        self._record("unlock")
        if not self.keychain_ok:
            raise KeychainUnavailable()
        return self.unlocked()

    def unlock_with_recovery_key(self, recovery_key: str) -> UnlockedClinic:
        self._record("unlock_with_recovery_key")
        if recovery_key.replace("-", "").upper() != RECOVERY_KEY.replace("-", ""):
            raise WrongRecoveryKey()
        return self.unlocked()

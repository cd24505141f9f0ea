"""What the UI needs before anyone has signed in: set up a clinic or unlock one.

The composition root (``app.py``) implements ``ClinicGate`` over storage and
the key slots; the first-run wizard and the unlock dialog talk only to this
Protocol, so they never see keys, files or SQL. Every method may block (key
derivation, keychain, migrations) and must be called off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dermai_desktop.domain.roles import Role
from dermai_desktop.services.registry import Services


class ClinicState(StrEnum):
    NO_CLINIC = "no_clinic"  # first run: show the set-up wizard
    LOCKED = "locked"  # a clinic exists; its key has not been unlocked yet


@dataclass(frozen=True, slots=True)
class ClinicSetupRequest:
    clinic_name: str
    workstation_name: str
    manager_username: str
    manager_full_name: str
    manager_password: str


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    full_name: str


@dataclass(frozen=True, slots=True)
class UnlockedClinic:
    services: Services
    clinic_name: str
    workstation_name: str
    is_demo: bool
    demo_accounts: tuple[DemoAccount, ...] = ()


class ClinicGate(Protocol):
    def state(self) -> ClinicState: ...

    def validate_setup(self, request: ClinicSetupRequest) -> None:
        """Raise ``ValidationFailed``/``WeakPassword`` before anything is written."""
        ...

    def create_clinic(self, request: ClinicSetupRequest) -> tuple[str, UnlockedClinic]:
        """Create keys, database and first manager; return (recovery key, clinic)."""
        ...

    def unlock(self) -> UnlockedClinic:
        """Unlock with the keychain (or the demo key). Raises ``KeychainUnavailable``."""
        ...

    def unlock_with_recovery_key(self, recovery_key: str) -> UnlockedClinic:
        """Unlock with the printed recovery key and re-link the keychain."""
        ...

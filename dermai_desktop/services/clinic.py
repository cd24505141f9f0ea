"""First-time clinic set-up and the clinic's identity."""

from __future__ import annotations

import logging

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import ClinicAlreadyExists, ValidationFailed
from dermai_desktop.domain.ids import ClinicId, UserId, WorkstationId, new_uuid7
from dermai_desktop.domain.roles import Operation, Role
from dermai_desktop.domain.users import Actor, User, system_actor
from dermai_desktop.services.dto import ClinicInfo
from dermai_desktop.services.permissions import READER, Gatekeeper, audit
from dermai_desktop.services.ports import Clock, PasswordHasher, PasswordPolicy, UnitOfWorkFactory
from dermai_desktop.services.users import check_full_name, check_password, check_username

log = logging.getLogger(__name__)

MAX_CLINIC_NAME = 200
MAINTENANCE_ACTIONS = frozenset({AuditAction.DATABASE_CHECK, AuditAction.KEY_CHANGE})


def _check_label(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationFailed(f"The {what} is required.")
    if len(text) > MAX_CLINIC_NAME:
        raise ValidationFailed(f"The {what} can have at most {MAX_CLINIC_NAME} characters.")
    return text


class ClinicService:
    """Creates the clinic and its first manager exactly once."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._policy = policy
        self._clock = clock
        self._gate = Gatekeeper(uow_factory, clock)

    def setup_clinic(  # noqa: PLR0917 - positional order fixed by the build spec
        self,
        clinic_id: ClinicId,
        name: str,
        workstation_id: WorkstationId,
        workstation_name: str,
        manager_username: str,
        manager_full_name: str,
        manager_password: str,
        is_demo: bool = False,
    ) -> Actor:
        """Record the clinic and its first manager; refused once anyone exists.

        No permission check: there is nobody to ask yet. The "no users, no
        clinic" condition is what keeps this from being a back door.
        """
        clinic_name = _check_label(name, "clinic name")
        station_name = _check_label(workstation_name, "workstation name")
        username = check_username(manager_username)
        full_name = check_full_name(manager_full_name)
        check_password(self._policy, manager_password, username, full_name, clinic_name)
        password_hash = self._hasher.hash(manager_password)
        now = self._clock.now()
        with self._uow_factory(system_actor(workstation_id)) as uow:
            if uow.clinic.get() is not None or uow.users.count() > 0:
                raise ClinicAlreadyExists()
            uow.clinic.create(
                ClinicInfo(clinic_id, clinic_name, workstation_id, station_name, is_demo, now)
            )
            manager = User(
                id=UserId(new_uuid7()),
                username=username,
                full_name=full_name,
                role=Role.MANAGER,
                active=True,
                # They chose this password themselves in the wizard.
                must_change_password=False,
                failed_logins=0,
                locked_until=None,
                last_login_at=None,
                created_at=now,
            )
            uow.users.add(manager, password_hash)
            actor = Actor(manager.id, manager.username, manager.role, workstation_id)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CLINIC_SETUP,
                entity_type="clinic",
                entity_id=clinic_id,
                detail="demo" if is_demo else "",
            )
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="user",
                entity_id=manager.id,
                detail=f"role={Role.MANAGER.value}",
            )
            uow.commit()
        log.info("clinic set up: clinic=%s demo=%s", clinic_id, is_demo)
        return actor

    def record_maintenance(
        self, actor: Actor, action: AuditAction, *, succeeded: bool, detail: str = ""
    ) -> None:
        """Authorise and audit machine-level work (``db check``, ``db rekey``).

        The CLI calls this before the work (to refuse early) and the adapter does
        the work; the audit row says whether it succeeded. ``detail`` must be PHI-free.
        """
        if action not in MAINTENANCE_ACTIONS:
            raise ValueError(f"not a maintenance action: {action}")
        self._gate.require(actor, Operation.DATABASE_MAINTAIN, entity_type="database")
        with self._uow_factory(actor) as uow:
            audit(
                uow,
                self._clock,
                actor,
                action,
                outcome=AuditOutcome.SUCCESS if succeeded else AuditOutcome.FAILURE,
                entity_type="database",
                detail=detail,
            )
            uow.commit()

    def info(self) -> ClinicInfo | None:
        with self._uow_factory(READER) as uow:
            return uow.clinic.get()


__all__ = ["ClinicService"]

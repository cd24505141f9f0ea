"""The one gate every service call passes: the permission matrix, with refusals audited."""

from __future__ import annotations

import logging
from typing import NoReturn

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import PermissionDenied
from dermai_desktop.domain.ids import WorkstationId
from dermai_desktop.domain.roles import Operation, is_allowed
from dermai_desktop.domain.users import Actor, system_actor
from dermai_desktop.services.dto import AuditDraft
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

#: Attribution for read-only units of work that run before anyone signs in
#: (reading settings, clinic info). Nothing is ever written under it.
READER = system_actor(WorkstationId("local"))


def audit(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    action: AuditAction,
    *,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    entity_type: str | None = None,
    entity_id: str | None = None,
    patient_id: str | None = None,
    detail: str = "",
) -> None:
    """Append one audit event for ``actor`` inside ``uow`` (it commits with the change)."""
    uow.audit.append(
        AuditDraft(
            occurred_at=clock.now(),
            user_id=actor.user_id,
            username=actor.username,
            role=actor.role.value,
            workstation_id=actor.workstation_id,
            action=action,
            outcome=outcome,
            entity_type=entity_type,
            entity_id=entity_id,
            patient_id=patient_id,
            detail=detail,
        )
    )


class Gatekeeper:
    """Checks ``domain.roles.PERMISSIONS`` and records every refusal.

    A refusal is written in its own committed unit of work, so it survives even
    though the operation it guarded never runs.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def require(
        self,
        actor: Actor,
        operation: Operation,
        *,
        patient_id: str | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
    ) -> None:
        """Return if ``actor``'s role may do ``operation``; otherwise audit and raise."""
        if is_allowed(actor.role, operation):
            return
        self.deny(
            actor,
            operation,
            patient_id=patient_id,
            entity_type=entity_type,
            entity_id=entity_id,
        )

    def deny(
        self,
        actor: Actor,
        operation: Operation,
        *,
        message: str | None = None,
        next_step: str | None = None,
        patient_id: str | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        reason: str = "role",
    ) -> NoReturn:
        """Audit a refusal of ``operation`` and raise ``PermissionDenied``.

        Used for the matrix and for finer rules (a locked setting, someone else's
        draft) so that every refusal leaves the same trace.
        """
        with self._uow_factory(actor) as uow:
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.PERMISSION_DENIED,
                outcome=AuditOutcome.DENIED,
                entity_type=entity_type,
                entity_id=entity_id,
                patient_id=patient_id,
                detail=f"{operation.value}:{reason}",
            )
            uow.commit()
        log.info(
            "permission denied: user=%s role=%s operation=%s reason=%s",
            actor.user_id,
            actor.role.value,
            operation.value,
            reason,
        )
        raise PermissionDenied(message, next_step)


def require(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    actor: Actor,
    operation: Operation,
    *,
    patient_id: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
) -> None:
    """Function form of ``Gatekeeper.require`` for one-off checks (CLI, scripts)."""
    Gatekeeper(uow_factory, clock).require(
        actor, operation, patient_id=patient_id, entity_type=entity_type, entity_id=entity_id
    )


__all__ = ["READER", "Gatekeeper", "audit", "require"]

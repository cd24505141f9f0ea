"""Reading the effective settings and changing clinic-wide ones."""

from __future__ import annotations

import json
import logging

from dermai_desktop.config import (
    SETTINGS_BY_NAME,
    EffectiveSetting,
    MachineConfig,
    SettingValueError,
    resolve,
)
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import READER, Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

LOCKED_MESSAGE = "This setting is locked by your IT department."


class SettingsService:
    """Three layers: built-in defaults < machine file (IT) < clinic database."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, machine: MachineConfig
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._machine = machine
        self._gate = Gatekeeper(uow_factory, clock)

    @property
    def machine(self) -> MachineConfig:
        return self._machine

    def effective(
        self, actor: Actor | None, *, uow: UnitOfWork | None = None
    ) -> list[EffectiveSetting]:
        """Every setting with its value, source and lock.

        ``actor`` is None only for the composition root and ``config show`` before
        anyone signs in; settings hold no patient data.
        """
        if actor is not None:
            self._gate.require(actor, Operation.SETTINGS_VIEW)
        if uow is not None:
            return resolve(self._machine, self._clinic_values(uow))
        with self._uow_factory(READER) as reader:
            return resolve(self._machine, self._clinic_values(reader))

    def value(self, name: str, *, uow: UnitOfWork | None = None) -> object:
        """The value in force for ``name``; pass ``uow`` to read inside a running transaction."""
        if name not in SETTINGS_BY_NAME:
            raise KeyError(name)
        for setting in self.effective(None, uow=uow):
            if setting.name == name:
                return setting.value
        raise KeyError(name)  # pragma: no cover - SETTINGS and resolve() list the same names

    def int_value(self, name: str, *, uow: UnitOfWork | None = None) -> int:
        value = self.value(name, uow=uow)
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"setting {name} is not an int")
        return value

    def str_value(self, name: str, *, uow: UnitOfWork | None = None) -> str:
        value = self.value(name, uow=uow)
        if not isinstance(value, str):
            raise TypeError(f"setting {name} is not a str")
        return value

    def change(self, actor: Actor, name: str, value: object) -> None:
        """Store a clinic-wide value after checking role, lock, scope and type."""
        self._gate.require(actor, Operation.SETTINGS_CHANGE, entity_type="setting", entity_id=name)
        spec = SETTINGS_BY_NAME.get(name)
        if spec is None:
            raise ValidationFailed(f"There is no setting called {name}.")
        if name in self._machine.locked:
            self._gate.deny(
                actor,
                Operation.SETTINGS_CHANGE,
                message=LOCKED_MESSAGE,
                next_step="Ask IT to change it in the machine configuration.",
                entity_type="setting",
                entity_id=name,
                reason="locked",
            )
        if spec.scope == "machine":
            self._gate.deny(
                actor,
                Operation.SETTINGS_CHANGE,
                message="This setting belongs to each workstation's machine configuration.",
                next_step="Ask IT to change it in the machine configuration file.",
                entity_type="setting",
                entity_id=name,
                reason="machine_scope",
            )
        if actor.role not in spec.changeable_by:
            self._gate.deny(
                actor,
                Operation.SETTINGS_CHANGE,
                message="Your role cannot change this setting.",
                entity_type="setting",
                entity_id=name,
                reason="setting_role",
            )
        try:
            checked = spec.check(value)
        except SettingValueError as exc:
            raise ValidationFailed(str(exc)) from None
        with self._uow_factory(actor) as uow:
            uow.settings.put(name, json.dumps(checked))
            # Setting values are not PHI, but the name is what an auditor looks for.
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.SETTINGS_CHANGE,
                entity_type="setting",
                entity_id=name,
                detail=name,
            )
            uow.commit()
        log.info("setting changed: name=%s user=%s", name, actor.user_id)

    @staticmethod
    def _clinic_values(uow: UnitOfWork) -> dict[str, object]:
        values: dict[str, object] = {}
        for name, text in uow.settings.all().items():
            try:
                values[name] = json.loads(text)
            except ValueError:
                # A damaged value must not stop the clinic working; the default applies.
                log.warning("ignoring unreadable clinic setting: name=%s", name)
        return values


__all__ = ["LOCKED_MESSAGE", "SettingsService"]

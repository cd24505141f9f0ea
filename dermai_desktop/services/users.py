"""Managing the people who use the workstation: accounts, roles, password resets."""

from __future__ import annotations

import logging
import re

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed, WeakPassword
from dermai_desktop.domain.ids import UserId, new_uuid7
from dermai_desktop.domain.roles import Operation, Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import (
    Clock,
    PasswordHasher,
    PasswordPolicy,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

MAX_FULL_NAME = 200
#: Longest password accepted; hashing megabytes of input is a denial of service.
MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def normalize_username(username: str) -> str:
    """User names are case-insensitive: "JSmith" and "jsmith " are the same person."""
    return username.strip().casefold()


def check_username(username: str) -> str:
    """Return the normalised user name or raise ``ValidationFailed`` with a plain reason."""
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name):
        raise ValidationFailed(
            "A user name needs 2 to 64 characters: letters, digits, dots, dashes or underscores.",
            "It must start with a letter or digit.",
        )
    return name


def check_full_name(full_name: str) -> str:
    name = " ".join(full_name.split())
    if not name:
        raise ValidationFailed("The full name is required.")
    if len(name) > MAX_FULL_NAME:
        raise ValidationFailed(f"The full name can have at most {MAX_FULL_NAME} characters.")
    if any(not ch.isprintable() for ch in name):
        raise ValidationFailed("The full name contains characters that cannot be shown.")
    return name


def check_password(
    policy: PasswordPolicy, password: str, username: str, full_name: str, clinic_name: str
) -> None:
    """Apply the password policy with the words a guesser would try first."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"A password can have at most {MAX_PASSWORD_LENGTH} characters.")
    inputs = [username, full_name, *full_name.split(), clinic_name, *clinic_name.split()]
    policy.check(password, [text for text in inputs if text])


def clinic_name(uow: UnitOfWork) -> str:
    info = uow.clinic.get()
    return info.name if info is not None else ""


def active_managers(uow: UnitOfWork) -> list[User]:
    return [u for u in uow.users.list() if u.active and u.role is Role.MANAGER]


class UserService:
    """Accounts and roles; only managers change them, managers and IT may list them."""

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

    def list_users(self, actor: Actor) -> list[User]:
        self._gate.require(actor, Operation.USER_VIEW, entity_type="user")
        with self._uow_factory(actor) as uow:
            users = sorted(uow.users.list(), key=lambda u: u.username)
            audit(uow, self._clock, actor, AuditAction.VIEW, entity_type="user", detail="list")
            uow.commit()
        return users

    def add_user(
        self,
        actor: Actor,
        username: str,
        full_name: str,
        role: Role,
        password: str,
        *,
        must_change_password: bool = True,
    ) -> User:
        self._gate.require(actor, Operation.USER_MANAGE, entity_type="user")
        name = check_username(username)
        full = check_full_name(full_name)
        role = Role(role)
        with self._uow_factory(actor) as uow:
            if uow.users.get_by_username(name) is not None:
                raise ValidationFailed(
                    "That user name is already taken.", "Choose another user name."
                )
            check_password(self._policy, password, name, full, clinic_name(uow))
            user = User(
                id=UserId(new_uuid7()),
                username=name,
                full_name=full,
                role=role,
                active=True,
                # Normally the manager chose this password, so the person must pick their
                # own; the demo clinic opts out so its printed passwords keep working.
                must_change_password=must_change_password,
                failed_logins=0,
                locked_until=None,
                last_login_at=None,
                created_at=self._clock.now(),
            )
            uow.users.add(user, self._hasher.hash(password))
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="user",
                entity_id=user.id,
                detail=f"role={role.value}",
            )
            uow.commit()
        log.info("user added: id=%s role=%s by=%s", user.id, role.value, actor.user_id)
        return user

    def disable_user(self, actor: Actor, user_id: UserId) -> None:
        self._gate.require(actor, Operation.USER_MANAGE, entity_type="user", entity_id=user_id)
        if user_id == actor.user_id:
            raise ValidationFailed(
                "You cannot disable your own account.", "Ask another manager to do it."
            )
        with self._uow_factory(actor) as uow:
            user = self._get(uow, user_id)
            if user.active and user.role is Role.MANAGER:
                self._keep_a_manager(uow, user_id)
            uow.users.set_active(user_id, False)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.UPDATE,
                entity_type="user",
                entity_id=user_id,
                detail="disabled",
            )
            uow.commit()

    def enable_user(self, actor: Actor, user_id: UserId) -> None:
        self._gate.require(actor, Operation.USER_MANAGE, entity_type="user", entity_id=user_id)
        with self._uow_factory(actor) as uow:
            self._get(uow, user_id)
            uow.users.set_active(user_id, True)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.UPDATE,
                entity_type="user",
                entity_id=user_id,
                detail="enabled",
            )
            uow.commit()

    def change_role(self, actor: Actor, user_id: UserId, role: Role) -> None:
        self._gate.require(actor, Operation.USER_MANAGE, entity_type="user", entity_id=user_id)
        role = Role(role)
        with self._uow_factory(actor) as uow:
            user = self._get(uow, user_id)
            if user.role is role:
                return
            if user.role is Role.MANAGER:
                if user_id == actor.user_id:
                    raise ValidationFailed(
                        "You cannot remove your own manager role.", "Ask another manager to do it."
                    )
                if user.active:
                    self._keep_a_manager(uow, user_id)
            uow.users.set_role(user_id, role)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.UPDATE,
                entity_type="user",
                entity_id=user_id,
                detail=f"role={user.role.value}->{role.value}",
            )
            uow.commit()

    def reset_password(self, actor: Actor, user_id: UserId, new_password: str) -> None:
        """Set a temporary password the person must change at next sign-in.

        The repository's ``set_password_hash`` also clears the failure counter and
        any lock: a reset is the documented way out of a lockout.
        """
        self._gate.require(actor, Operation.USER_MANAGE, entity_type="user", entity_id=user_id)
        with self._uow_factory(actor) as uow:
            user = self._get(uow, user_id)
            check_password(
                self._policy, new_password, user.username, user.full_name, clinic_name(uow)
            )
            uow.users.set_password_hash(user_id, self._hasher.hash(new_password), must_change=True)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.PASSWORD_RESET,
                entity_type="user",
                entity_id=user_id,
            )
            uow.commit()
        log.info("password reset: user=%s by=%s", user_id, actor.user_id)

    @staticmethod
    def _get(uow: UnitOfWork, user_id: UserId) -> User:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound("That user account does not exist.")
        return user

    @staticmethod
    def _keep_a_manager(uow: UnitOfWork, leaving: UserId) -> None:
        # Without an active manager nobody can add users or reset passwords again.
        if not [m for m in active_managers(uow) if m.id != leaving]:
            raise ValidationFailed(
                "This is the last active manager account.",
                "Make another user a manager first.",
            )


__all__ = [
    "MAX_FULL_NAME",
    "MAX_PASSWORD_LENGTH",
    "UserService",
    "check_full_name",
    "check_password",
    "check_username",
    "normalize_username",
]

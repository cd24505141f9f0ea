"""Signing in and out, locking the session, changing one's own password."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    NotFound,
    WeakPassword,
)
from dermai_desktop.domain.ids import WorkstationId
from dermai_desktop.domain.users import Actor, User, lockout_seconds, system_actor
from dermai_desktop.services.dto import AuditDraft
from dermai_desktop.services.permissions import audit
from dermai_desktop.services.ports import (
    Clock,
    PasswordHasher,
    PasswordPolicy,
    UnitOfWork,
    UnitOfWorkFactory,
)
from dermai_desktop.services.settings import SettingsService
from dermai_desktop.services.users import (
    MAX_PASSWORD_LENGTH,
    check_password,
    clinic_name,
    normalize_username,
)

log = logging.getLogger(__name__)

#: Unknown user names are recorded for the audit trail, but a password typed into
#: the wrong field should not be kept in full; user names are short.
MAX_RECORDED_USERNAME = 64


class AuthService:
    """Sign-in with throttling; every attempt, good or bad, leaves an audit row."""

    def __init__(  # noqa: PLR0917 - positional order fixed by the build spec
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        clock: Clock,
        workstation_id: WorkstationId,
        settings: SettingsService,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._policy = policy
        self._clock = clock
        self._workstation_id = workstation_id
        self._settings = settings
        # Sign-in attempts run before anyone is known, so they are attributed to
        # the workstation's system identity.
        self._system = system_actor(workstation_id)
        self._dummy_hash: str | None = None

    # --- sign-in -------------------------------------------------------------------

    def login(self, username: str, password: str) -> Actor:
        """Return the signed-in actor or raise a plain, audited error."""
        name = normalize_username(username)
        with self._uow_factory(self._system) as uow:
            user = uow.users.get_by_username(name) if name else None
            if user is None:
                # Spend the same time as a real check so response time does not
                # reveal which user names exist.
                self._hasher.verify(self._timing_hash(), password[:MAX_PASSWORD_LENGTH])
                self._audit_attempt(
                    uow, None, name, outcome=AuditOutcome.FAILURE, detail="unknown_user"
                )
                uow.commit()
                raise AuthenticationFailed()
            self._check_password(uow, user, password, AuditAction.LOGIN)
            if not user.active:
                self._audit_attempt(uow, user, name, outcome=AuditOutcome.DENIED, detail="disabled")
                uow.commit()
                raise AccountDisabled()
            now = self._clock.now()
            uow.users.record_login_success(user.id, now)
            stored = uow.users.password_hash(user.id)
            if self._hasher.needs_rehash(stored):
                # Parameters were raised since this hash was made; the plaintext is
                # only available now, so upgrade while we have it.
                uow.users.set_password_hash(
                    user.id, self._hasher.hash(password), must_change=user.must_change_password
                )
                log.info("password rehashed with current parameters: user=%s", user.id)
            actor = Actor(user.id, user.username, user.role, self._workstation_id)
            audit(uow, self._clock, actor, AuditAction.LOGIN, entity_type="user", entity_id=user.id)
            uow.commit()
        log.info("signed in: user=%s role=%s", actor.user_id, actor.role.value)
        return actor

    def logout(self, actor: Actor) -> None:
        with self._uow_factory(actor) as uow:
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.LOGOUT,
                entity_type="user",
                entity_id=actor.user_id,
            )
            uow.commit()
        log.info("signed out: user=%s", actor.user_id)

    # --- session lock --------------------------------------------------------------

    def lock_session(self, actor: Actor) -> None:
        with self._uow_factory(actor) as uow:
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.SESSION_LOCK,
                entity_type="user",
                entity_id=actor.user_id,
            )
            uow.commit()

    def unlock_session(self, actor: Actor, password: str) -> None:
        """The same person re-enters their password; failures count as failed sign-ins."""
        with self._uow_factory(actor) as uow:
            user = uow.users.get(actor.user_id)
            if user is None:
                raise NotFound("This account no longer exists.", "Sign in as another user.")
            self._check_password(uow, user, password, AuditAction.SESSION_UNLOCK)
            if not user.active:
                self._audit_attempt(
                    uow,
                    user,
                    user.username,
                    outcome=AuditOutcome.DENIED,
                    detail="disabled",
                    action=AuditAction.SESSION_UNLOCK,
                )
                uow.commit()
                raise AccountDisabled()
            uow.users.record_login_success(user.id, self._clock.now())
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.SESSION_UNLOCK,
                entity_type="user",
                entity_id=actor.user_id,
            )
            uow.commit()

    # --- passwords -----------------------------------------------------------------

    def change_own_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        with self._uow_factory(actor) as uow:
            user = uow.users.get(actor.user_id)
            if user is None:
                raise NotFound("This account no longer exists.")
            # The old password is checked like a sign-in so this form cannot be used
            # to guess passwords without throttling.
            self._check_password(uow, user, old_password, AuditAction.PASSWORD_CHANGE)
            if new_password == old_password:
                raise WeakPassword(
                    "The new password is the same as the old one.", "Choose a different one."
                )
            check_password(
                self._policy, new_password, user.username, user.full_name, clinic_name(uow)
            )
            uow.users.set_password_hash(user.id, self._hasher.hash(new_password), must_change=False)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.PASSWORD_CHANGE,
                entity_type="user",
                entity_id=user.id,
            )
            uow.commit()
        log.info("password changed: user=%s", actor.user_id)

    def must_change_password(self, actor: Actor) -> bool:
        with self._uow_factory(actor) as uow:
            user = uow.users.get(actor.user_id)
            return user is not None and user.must_change_password

    def full_name(self, actor: Actor) -> str:
        """The signed-in person's own display name (anyone may read their own)."""
        with self._uow_factory(actor) as uow:
            user = uow.users.get(actor.user_id)
            return user.full_name if user is not None else actor.username

    def idle_lock_minutes(self) -> int:
        return self._settings.int_value("security.idle_lock_minutes")

    # --- internals -----------------------------------------------------------------

    def _check_password(
        self, uow: UnitOfWork, user: User, password: str, action: AuditAction
    ) -> None:
        """Verify ``password`` for ``user``, enforcing and extending the lockout.

        On failure the counter, lock and audit rows are committed before raising,
        so a crash or a caller's rollback cannot erase the evidence.
        """
        now = self._clock.now()
        if user.locked_until is not None and user.locked_until > now:
            remaining = _ceil_seconds(user.locked_until - now)
            # The password is not even checked while locked: a guesser learns nothing.
            self._audit_attempt(
                uow,
                user,
                user.username,
                outcome=AuditOutcome.DENIED,
                detail="locked",
                action=action,
            )
            uow.commit()
            raise AccountLocked(remaining)
        if len(password) <= MAX_PASSWORD_LENGTH and self._hasher.verify(
            uow.users.password_hash(user.id), password
        ):
            return
        failures = user.failed_logins + 1
        base = self._settings.int_value("security.lockout_base_seconds", uow=uow)
        wait = lockout_seconds(failures, base_seconds=base)
        locked_until = now + timedelta(seconds=wait) if wait else None
        uow.users.record_login_failure(user.id, locked_until)
        self._audit_attempt(
            uow,
            user,
            user.username,
            outcome=AuditOutcome.FAILURE,
            detail=f"failures={failures}",
            action=action,
        )
        if wait:
            self._audit_attempt(
                uow,
                user,
                user.username,
                outcome=AuditOutcome.DENIED,
                detail=f"seconds={wait}",
                action=AuditAction.LOCKOUT,
            )
            log.warning("account locked: user=%s seconds=%d", user.id, wait)
        uow.commit()
        if wait:
            raise AccountLocked(wait)
        raise AuthenticationFailed()

    def _audit_attempt(
        self,
        uow: UnitOfWork,
        user: User | None,
        username: str,
        *,
        outcome: AuditOutcome,
        detail: str,
        action: AuditAction = AuditAction.LOGIN_FAILED,
    ) -> None:
        if action in (AuditAction.LOGIN, AuditAction.LOGIN_FAILED):
            action = AuditAction.LOGIN_FAILED
        uow.audit.append(
            AuditDraft(
                occurred_at=self._clock.now(),
                user_id=user.id if user is not None else None,
                username=(user.username if user is not None else username)[:MAX_RECORDED_USERNAME],
                role=user.role.value if user is not None else None,
                workstation_id=self._workstation_id,
                action=action,
                outcome=outcome,
                entity_type="user",
                entity_id=user.id if user is not None else None,
                detail=detail,
            )
        )

    def _timing_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


def _ceil_seconds(delta: timedelta) -> int:
    seconds = delta.total_seconds()
    whole = int(seconds)
    return whole + (1 if seconds > whole else 0)


__all__ = ["AuthService"]

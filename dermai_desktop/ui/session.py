"""Who is signed in, on which clinic: the plain object a main window is built around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dermai_desktop.domain.roles import Operation, Role, is_allowed
from dermai_desktop.domain.users import Actor

if TYPE_CHECKING:
    from dermai_desktop.services.registry import Services
    from dermai_desktop.services.startup import UnlockedClinic


@dataclass(frozen=True, slots=True)
class Session:
    clinic: UnlockedClinic
    actor: Actor
    full_name: str
    idle_lock_minutes: int
    theme: str = "light"

    @property
    def services(self) -> Services:
        return self.clinic.services

    @property
    def role(self) -> Role:
        return self.actor.role

    def may(self, operation: Operation) -> bool:
        """A courtesy for showing controls; the services enforce the real check."""
        return is_allowed(self.actor.role, operation)


def full_name_for(clinic: UnlockedClinic, actor: Actor) -> str:
    """The signed-in user's own name as the clinic records it (anyone may read their own)."""
    return clinic.services.auth.full_name(actor)


def sign_in(clinic: UnlockedClinic, username: str, password: str) -> tuple[Session, bool]:
    """Log in and gather what the main window needs; runs on the db thread.

    Returns the session and whether the user must change the password first.
    """
    auth = clinic.services.auth
    actor = auth.login(username, password)
    must_change = auth.must_change_password(actor)
    theme = clinic.services.settings.value("ui.theme")
    session = Session(
        clinic,
        actor,
        full_name_for(clinic, actor),
        auth.idle_lock_minutes(),
        theme if isinstance(theme, str) else "light",
    )
    return session, must_change

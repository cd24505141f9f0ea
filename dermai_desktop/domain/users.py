"""Users of the workstation and the acting identity passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dermai_desktop.domain.ids import UserId, WorkstationId
from dermai_desktop.domain.roles import Role

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is doing something, from where. Every service call takes one."""

    user_id: UserId
    username: str
    role: Role
    workstation_id: WorkstationId


#: The identity used for machine-level work (migrations, CLI checks, scheduler).
def system_actor(workstation_id: WorkstationId) -> Actor:
    return Actor(UserId("system"), "system", Role.IT_ADMIN, workstation_id)


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    full_name: str
    role: Role
    active: bool
    must_change_password: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


def lockout_seconds(failed_logins: int, base_seconds: int = 30, cap_seconds: int = 3600) -> int:
    """Back-off after ``failed_logins`` consecutive failures.

    Nothing for the first four; from the fifth the wait doubles each time
    (30 s, 60 s, 120 s ...) up to an hour, so a guesser is slowed to a crawl
    while a person who mistyped waits half a minute.
    """
    if failed_logins < MAX_FAILED_LOGINS:
        return 0
    return int(min(base_seconds * 2 ** (failed_logins - MAX_FAILED_LOGINS), cap_seconds))

"""Shared set-up for the schedule UI tests: a front-desk session over the fake schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dermai_desktop.domain.ids import UserId, WorkstationId
from dermai_desktop.domain.roles import Operation, Role, is_allowed
from dermai_desktop.domain.users import Actor
from tests.ui.fake_schedule import (
    HADDAD,
    LINDQVIST,
    OKAFOR,
    FakePatientSearch,
    FakeSchedule,
    FakeServices,
)

__all__ = ["HADDAD", "LINDQVIST", "OKAFOR", "Clinic", "FakeSession", "make_clinic", "next_weekday"]


@dataclass(frozen=True)
class _ClinicInfo:
    clinic_name: str = "Harbour Dermatology"
    workstation_name: str = "Front desk 1"
    is_demo: bool = True


@dataclass
class FakeSession:
    """Quacks like ui.session.Session for the screens (services, actor, may, clinic)."""

    services: Any
    actor: Actor
    full_name: str = "Frankie Desai"
    clinic: _ClinicInfo = field(default_factory=_ClinicInfo)

    @property
    def role(self) -> Role:
        return self.actor.role

    def may(self, operation: Operation) -> bool:
        return is_allowed(self.actor.role, operation)


def next_weekday(start: date, weekday: int = 1, weeks_ahead: int = 1) -> date:
    """A Tuesday (by default) at least a week ahead: bookable, not in the past."""
    day = start + timedelta(days=7 * weeks_ahead)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@dataclass
class Clinic:
    schedule: FakeSchedule
    session: FakeSession
    day: date
    patients: dict[str, str]

    def at(self, hour: int, minute: int = 0, day: date | None = None) -> datetime:
        return datetime.combine(day or self.day, time(hour, minute), tzinfo=UTC)


def make_clinic(role: Role = Role.FRONT_DESK, now: datetime | None = None) -> Clinic:
    schedule = FakeSchedule()
    if now is not None:
        schedule.now = now
    names = {
        "ellison": ("Ellison, Margaret", "DA-000101"),
        "herrera": ("Herrera, Tomás", "DA-000102"),
        "raman": ("Raman, Priya", "DA-000103"),
        "rtl": ("\u05db\u05d4\u05df, \u05e9\u05e8\u05d4", "DA-000104"),
    }
    patients = {key: schedule.add_patient(name, mrn) for key, (name, mrn) in names.items()}
    services = FakeServices(schedule, FakePatientSearch(schedule))
    actor = Actor(UserId("user-fd"), "frontdesk", role, WorkstationId("ws-1"))
    day = next_weekday(schedule.now.date())
    return Clinic(schedule, FakeSession(services, actor), day, patients)


_ = (HADDAD, LINDQVIST, OKAFOR)

"""Helpers shared by the schedule service tests (a small clinic on the fakes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.scheduling import BookingRequest
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.schedule import ScheduleService
from tests.unit.conftest import PASSWORDS, World, draft, make_world

# The fake clock starts on Friday 14 March 2025, 09:00 UTC (09:00 in London, winter time).
FRIDAY = date(2025, 3, 14)
MONDAY = date(2025, 3, 17)
TUESDAY = date(2025, 3, 18)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """UTC; in March before the 30th, UTC is also London wall-clock time."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass
class Clinic:
    world: World
    desk: Actor
    derm: Actor
    manager: Actor
    it: Actor
    other_derm: Actor
    patients: list[PatientId]

    @property
    def schedule(self) -> ScheduleService:
        return self.world.services.schedule

    @property
    def dr(self) -> UserId:
        return self.derm.user_id

    def request(
        self, start: datetime, type_code: str = "follow_up", patient: int = 0, **kw: object
    ) -> BookingRequest:
        return BookingRequest(self.patients[patient], self.dr, start, type_code, **kw)  # type: ignore[arg-type]


def make_clinic(n_patients: int = 4) -> Clinic:
    w = make_world()
    desk = w.actors[Role.FRONT_DESK]
    manager = w.actors[Role.MANAGER]
    user = w.services.users.add_user(
        manager, "okafor", "Chidi Okafor", Role.DERMATOLOGIST, PASSWORDS[Role.DERMATOLOGIST]
    )
    other = Actor(user.id, user.username, user.role, desk.workstation_id)
    names = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"]
    patients = [
        w.services.patients.register(
            desk, draft(given_name=names[i % len(names)], phone=f"+44 20 7946 {1000 + i}")
        ).id
        for i in range(n_patients)
    ]
    return Clinic(
        w, desk, w.actors[Role.DERMATOLOGIST], manager, w.actors[Role.IT_ADMIN], other, patients
    )

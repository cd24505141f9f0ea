"""Manager configuration of the schedule: types, rooms, opening and working hours, holidays."""

from __future__ import annotations

from datetime import date

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import UserId
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import (
    AppointmentType,
    Holiday,
    Room,
    ScheduleConfig,
    WeeklyHours,
    check_appointment_type,
    check_reason,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import audit
from dermai_desktop.services.ports import UnitOfWork
from dermai_desktop.services.schedule_base import ScheduleBase, repo
from dermai_desktop.services.schedule_ports import HoursRow


def _rows(provider_id: UserId | None, hours: WeeklyHours, kind: str) -> list[HoursRow]:
    return [
        HoursRow(provider_id, weekday, kind, span)
        for weekday in range(7)
        for span in hours.on(weekday)
    ]


class ScheduleConfigOps(ScheduleBase):
    """SCHEDULE_CONFIGURE: only managers shape the schedule; every change is audited."""

    def _configured(self, uow: UnitOfWork, actor: Actor, detail: str) -> ScheduleConfig:
        audit(
            uow,
            self._clock,
            actor,
            AuditAction.UPDATE,
            entity_type="schedule_config",
            detail=detail,
        )
        uow.commit()
        return self._config(uow)

    def save_appointment_type(self, actor: Actor, kind: AppointmentType) -> ScheduleConfig:
        """Add or edit a type (default duration, colour, name, offered or not)."""
        self._require(
            actor, Operation.SCHEDULE_CONFIGURE, entity_type="schedule_config", entity_id=kind.code
        )
        check_appointment_type(kind)
        with self._uow_factory(actor) as uow:
            repo(uow).put_appointment_type(kind)
            return self._configured(uow, actor, f"appointment_type={kind.code}")

    def save_room(self, actor: Actor, room: Room) -> ScheduleConfig:
        self._require(
            actor, Operation.SCHEDULE_CONFIGURE, entity_type="schedule_config", entity_id=room.id
        )
        if not room.id or len(room.id) > 36 or not room.name.strip() or len(room.name) > 80:
            raise ValidationFailed("A room needs a name of at most 80 characters.")
        with self._uow_factory(actor) as uow:
            repo(uow).put_room(room)
            return self._configured(uow, actor, f"room={room.id}")

    def set_clinic_hours(self, actor: Actor, hours: WeeklyHours) -> ScheduleConfig:
        """Opening hours per weekday (empty day = closed)."""
        self._require(actor, Operation.SCHEDULE_CONFIGURE, entity_type="schedule_config")
        if hours.is_empty:
            raise ValidationFailed("The clinic needs to be open on at least one day.")
        with self._uow_factory(actor) as uow:
            repo(uow).replace_hours(None, _rows(None, hours, "open"))
            return self._configured(uow, actor, "clinic_hours")

    def set_provider_hours(
        self,
        actor: Actor,
        provider_id: UserId,
        working: WeeklyHours | None,
        breaks: WeeklyHours | None = None,
    ) -> ScheduleConfig:
        """A provider's working hours and breaks; ``working`` None = the clinic's hours."""
        self._require(
            actor,
            Operation.SCHEDULE_CONFIGURE,
            entity_type="schedule_config",
            entity_id=provider_id,
        )
        with self._uow_factory(actor) as uow:
            self._provider(uow, provider_id)
            rows = _rows(provider_id, working, "open") if working is not None else []
            rows += _rows(provider_id, breaks or WeeklyHours(), "break")
            repo(uow).replace_hours(provider_id, rows)
            return self._configured(uow, actor, f"provider_hours={provider_id}")

    def add_holiday(self, actor: Actor, holiday: Holiday) -> ScheduleConfig:
        """Close the clinic (or mark one provider away) on a day.

        Existing appointments that day are not touched; the schedule shows them
        so the front desk can move them.
        """
        self._require(actor, Operation.SCHEDULE_CONFIGURE, entity_type="schedule_config")
        name = check_reason(holiday.name, required=True, what="holiday name")
        with self._uow_factory(actor) as uow:
            if holiday.provider_id is not None:
                self._provider(uow, holiday.provider_id)
            if any(
                h.day == holiday.day and h.provider_id == holiday.provider_id
                for h in repo(uow).holidays()
            ):
                raise ValidationFailed("That day is already marked.")
            repo(uow).add_holiday(Holiday(holiday.day, name, holiday.provider_id))
            return self._configured(uow, actor, f"holiday_add={holiday.day.isoformat()}")

    def remove_holiday(
        self, actor: Actor, day: date, provider_id: UserId | None = None
    ) -> ScheduleConfig:
        self._require(actor, Operation.SCHEDULE_CONFIGURE, entity_type="schedule_config")
        with self._uow_factory(actor) as uow:
            if not repo(uow).remove_holiday(day, provider_id):
                raise ValidationFailed("That day is not marked as a holiday.")
            return self._configured(uow, actor, f"holiday_remove={day.isoformat()}")


__all__ = ["ScheduleConfigOps"]

"""iCalendar export of a provider's schedule, PHI-light by default.

Event titles carry the appointment type and the MRN, not the patient's name,
because exported calendars end up on phones and in mail clients. Names are
included only when the caller asks and may see demographics. Visit reasons
are never exported.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import UserId
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import AppointmentStatus
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import audit
from dermai_desktop.services.ports import Clock, UnitOfWorkFactory
from dermai_desktop.services.schedule_base import ScheduleBase, repo
from dermai_desktop.services.schedule_ports import CalendarEvent, CalendarWriter
from dermai_desktop.services.settings import SettingsService

MAX_EXPORT_DAYS = 366

_ICAL_STATUS = {
    AppointmentStatus.BOOKED: "TENTATIVE",
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.NO_SHOW: "CANCELLED",
}


class ExportUnavailable(ValidationFailed):
    title = "Export not available"
    default_message = "Calendar export is not available on this workstation."
    default_next_step = "Ask IT to check the installation."


class ScheduleExportService(ScheduleBase):
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        settings: SettingsService,
        writer: CalendarWriter | None,
    ) -> None:
        super().__init__(uow_factory, clock, settings)
        self._writer = writer

    def export_ical(
        self,
        actor: Actor,
        provider_id: UserId,
        start: date,
        end: date,
        *,
        include_patient_names: bool = False,
        include_cancelled: bool = False,
    ) -> bytes:
        """An .ics document of ``provider_id``'s appointments on local days [start, end)."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="schedule", entity_id=provider_id)
        if include_patient_names:
            self._require(
                actor, Operation.DEMOGRAPHICS_VIEW, entity_type="schedule", entity_id=provider_id
            )
        if not start < end or (end - start).days > MAX_EXPORT_DAYS:
            raise ValidationFailed(
                f"Export between 1 and {MAX_EXPORT_DAYS} days.", "Check the dates."
            )
        if self._writer is None:
            raise ExportUnavailable()
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            provider = self._provider(uow, provider_id)
            first = config.at(start, datetime.min.time())
            last = config.at(end, datetime.min.time())
            found = [
                a
                for a in repo(uow).appointments_between(first, last, provider_ids=[provider_id])
                if include_cancelled or a.blocks_time
            ]
            labels = self._labels(uow, {a.patient_id for a in found})
            rooms = {r.id: r.name for r in config.rooms}
            events = []
            for a in found:
                label = labels[a.patient_id]
                who = label.name if include_patient_names else (label.mrn or "patient")
                kind = next((t.label for t in config.types if t.code == a.type_code), a.type_code)
                events.append(
                    CalendarEvent(
                        uid=f"{a.id}@dermai-desktop",
                        start=a.start,
                        end=a.end,
                        summary=f"{kind} – {who}",
                        description=f"Status: {a.status.label}",
                        location=rooms.get(a.room_id, "") if a.room_id else "",
                        status=_ICAL_STATUS.get(a.status, "CONFIRMED"),
                        sequence=max(a.version - 1, 0),
                        last_modified=a.updated_at,
                        categories=(kind,),
                    )
                )
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.EXPORT,
                entity_type="schedule",
                entity_id=provider_id,
                detail=f"ical days={(end - start).days} events={len(events)} "
                f"names={'yes' if include_patient_names else 'no'}",
            )
            document = self._writer.write(
                f"{provider.display_name} – {start.isoformat()} to "
                f"{(end - timedelta(days=1)).isoformat()}",
                config.timezone,
                events,
            )
            uow.commit()
        return document


__all__ = ["MAX_EXPORT_DAYS", "ExportUnavailable", "ScheduleExportService"]

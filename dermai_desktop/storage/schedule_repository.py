"""SQL implementation of ``services.schedule_ports.ScheduleRepository``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    Holiday,
    Recall,
    RecallId,
    RecallSource,
    RecallStatus,
    Room,
    RoomId,
    SeriesId,
    TimeSpan,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistPriority,
    WaitlistStatus,
)
from dermai_desktop.services.schedule_dto import PatientLabel
from dermai_desktop.services.schedule_ports import HoursRow
from dermai_desktop.storage.records import AppointmentRecord, PatientRecord
from dermai_desktop.storage.records_schedule import (
    AppointmentSeriesRecord,
    AppointmentTypeRecord,
    HolidayRecord,
    RecallRecord,
    RoomRecord,
    ScheduleHoursRecord,
    WaitlistEntryRecord,
)

Now = Callable[[], datetime]

#: Longest appointment (8 h) plus slack: bounds the index range scan of overlap queries.
_LONGEST = timedelta(hours=8, minutes=1)

_STALE = ValidationFailed(
    "Someone else changed this appointment a moment ago.",
    "The schedule has been refreshed; check it and try again.",
)


def _appointment(r: AppointmentRecord) -> Appointment:
    return Appointment(
        id=AppointmentId(r.id),
        patient_id=PatientId(r.patient_id),
        provider_id=UserId(r.provider_id),
        start=r.start_at,
        end=r.end_at,
        type_code=r.type,
        status=AppointmentStatus(r.status),
        room_id=RoomId(r.room_id) if r.room_id else None,
        reason=r.reason,
        cancel_reason=r.cancel_reason,
        series_id=SeriesId(r.series_id) if r.series_id else None,
        occurrence_start=r.occurrence_start,
        is_exception=r.is_exception,
        arrived_at=r.arrived_at,
        roomed_at=r.roomed_at,
        completed_at=r.completed_at,
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _set_if_changed(record: Any, **values: Any) -> None:
    # Only real changes are assigned, so the outbox carries changed fields only.
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)


def _fill_appointment(record: AppointmentRecord, a: Appointment) -> None:
    _set_if_changed(
        record,
        patient_id=a.patient_id,
        provider_id=a.provider_id,
        start_at=a.start,
        end_at=a.end,
        type=a.type_code,
        status=a.status.value,
        room_id=a.room_id,
        reason=a.reason,
        cancel_reason=a.cancel_reason,
        series_id=a.series_id,
        occurrence_start=a.occurrence_start,
        is_exception=a.is_exception,
        arrived_at=a.arrived_at,
        roomed_at=a.roomed_at,
        completed_at=a.completed_at,
    )


def _series(r: AppointmentSeriesRecord) -> AppointmentSeries:
    return AppointmentSeries(
        id=SeriesId(r.id),
        patient_id=PatientId(r.patient_id),
        provider_id=UserId(r.provider_id),
        type_code=r.type,
        rule=r.rule,
        first_start=r.first_start,
        duration_minutes=r.duration_minutes,
        timezone=r.timezone,
        room_id=RoomId(r.room_id) if r.room_id else None,
        reason=r.reason,
        parent_id=SeriesId(r.parent_id) if r.parent_id else None,
        version=r.version,
        created_at=r.created_at,
    )


def _waitlist(r: WaitlistEntryRecord) -> WaitlistEntry:
    return WaitlistEntry(
        id=WaitlistEntryId(r.id),
        patient_id=PatientId(r.patient_id),
        requested_at=r.requested_at,
        priority=WaitlistPriority(r.priority),
        type_code=r.type,
        provider_id=UserId(r.provider_id) if r.provider_id else None,
        earliest=r.earliest,
        latest=r.latest,
        note=r.note,
        status=WaitlistStatus(r.status),
        appointment_id=AppointmentId(r.appointment_id) if r.appointment_id else None,
        version=r.version,
    )


def _recall(r: RecallRecord) -> Recall:
    return Recall(
        id=RecallId(r.id),
        patient_id=PatientId(r.patient_id),
        due=r.due,
        reason=r.reason,
        type_code=r.type,
        provider_id=UserId(r.provider_id) if r.provider_id else None,
        source=RecallSource(r.source),
        source_id=r.source_id,
        status=RecallStatus(r.status),
        appointment_id=AppointmentId(r.appointment_id) if r.appointment_id else None,
        created_at=r.created_at,
        version=r.version,
    )


def _minute(value: time) -> int:
    return value.hour * 60 + value.minute


def _time(minute: int) -> time:
    return time(minute // 60, minute % 60)


class SqlScheduleRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def _live(self, model: type[Any], row_id: str) -> Any | None:
        record = self._session.get(model, row_id)
        return record if record is not None and record.deleted_at is None else None

    def _checked(self, model: type[Any], row_id: str, version: int) -> Any:
        record = self._live(model, row_id)
        if record is None or record.version != version:
            raise _STALE
        return record

    # --- appointments ----------------------------------------------------------------

    def add_appointment(self, appointment: Appointment) -> Appointment:
        record = AppointmentRecord(id=appointment.id, created_at=self._now())
        _fill_appointment(record, appointment)
        self._session.add(record)
        self._session.flush()
        return _appointment(record)

    def get_appointment(self, appointment_id: AppointmentId) -> Appointment | None:
        record = self._live(AppointmentRecord, appointment_id)
        return _appointment(record) if record is not None else None

    def update_appointment(self, appointment: Appointment) -> Appointment:
        record = self._checked(AppointmentRecord, appointment.id, appointment.version)
        _fill_appointment(record, appointment)
        self._session.flush()
        return _appointment(record)

    def remove_appointment(self, appointment_id: AppointmentId, expected_version: int) -> None:
        record = self._checked(AppointmentRecord, appointment_id, expected_version)
        record.deleted_at = self._now()
        self._session.flush()

    def restore_appointment(self, appointment: Appointment) -> Appointment:
        record = self._session.get(AppointmentRecord, appointment.id)
        if record is None or record.deleted_at is None:
            raise _STALE
        record.deleted_at = None
        _fill_appointment(record, appointment)
        self._session.flush()
        return _appointment(record)

    def appointments_between(
        self,
        start: datetime,
        end: datetime,
        *,
        provider_ids: Sequence[UserId] | None = None,
        patient_id: PatientId | None = None,
        room_id: str | None = None,
    ) -> list[Appointment]:
        query = select(AppointmentRecord).where(
            AppointmentRecord.deleted_at.is_(None),
            AppointmentRecord.start_at < end,
            AppointmentRecord.end_at > start,
            AppointmentRecord.start_at >= start - _LONGEST,
        )
        if provider_ids is not None:
            query = query.where(AppointmentRecord.provider_id.in_(list(provider_ids)))
        if patient_id is not None:
            query = query.where(AppointmentRecord.patient_id == patient_id)
        if room_id is not None:
            query = query.where(AppointmentRecord.room_id == room_id)
        rows = self._session.scalars(
            query.order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )
        return [_appointment(r) for r in rows]

    def appointments_for_patient(self, patient_id: PatientId) -> list[Appointment]:
        rows = self._session.scalars(
            select(AppointmentRecord)
            .where(
                AppointmentRecord.patient_id == patient_id, AppointmentRecord.deleted_at.is_(None)
            )
            .order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )
        return [_appointment(r) for r in rows]

    def appointments_in_series(self, series_id: SeriesId) -> list[Appointment]:
        rows = self._session.scalars(
            select(AppointmentRecord)
            .where(AppointmentRecord.series_id == series_id, AppointmentRecord.deleted_at.is_(None))
            .order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )
        return [_appointment(r) for r in rows]

    def no_show_counts(self, patient_ids: Iterable[PatientId]) -> dict[PatientId, int]:
        wanted = list(set(patient_ids))
        counts: dict[PatientId, int] = {}
        for chunk in _chunks(wanted):
            rows = self._session.execute(
                select(AppointmentRecord.patient_id, func.count())
                .where(
                    AppointmentRecord.patient_id.in_(chunk),
                    AppointmentRecord.status == AppointmentStatus.NO_SHOW.value,
                    AppointmentRecord.deleted_at.is_(None),
                )
                .group_by(AppointmentRecord.patient_id)
            )
            counts.update({PatientId(pid): int(n) for pid, n in rows})
        return counts

    def patient_labels(self, patient_ids: Iterable[PatientId]) -> dict[PatientId, PatientLabel]:
        labels: dict[PatientId, PatientLabel] = {}
        for chunk in _chunks(list(set(patient_ids))):
            rows = self._session.execute(
                select(
                    PatientRecord.id,
                    PatientRecord.family_name,
                    PatientRecord.given_name,
                    PatientRecord.mrn,
                ).where(PatientRecord.id.in_(chunk), PatientRecord.deleted_at.is_(None))
            )
            for pid, family, given, mrn in rows:
                labels[PatientId(pid)] = PatientLabel(PatientId(pid), f"{family}, {given}", mrn)
        return labels

    # --- series ------------------------------------------------------------------------

    def add_series(self, series: AppointmentSeries) -> AppointmentSeries:
        record = AppointmentSeriesRecord(id=series.id, created_at=self._now())
        self._fill_series(record, series)
        self._session.add(record)
        self._session.flush()
        return _series(record)

    def get_series(self, series_id: SeriesId) -> AppointmentSeries | None:
        record = self._live(AppointmentSeriesRecord, series_id)
        return _series(record) if record is not None else None

    def update_series(self, series: AppointmentSeries) -> AppointmentSeries:
        record = self._checked(AppointmentSeriesRecord, series.id, series.version)
        self._fill_series(record, series)
        self._session.flush()
        return _series(record)

    @staticmethod
    def _fill_series(record: AppointmentSeriesRecord, s: AppointmentSeries) -> None:
        _set_if_changed(
            record,
            patient_id=s.patient_id,
            provider_id=s.provider_id,
            type=s.type_code,
            rule=s.rule,
            first_start=s.first_start,
            duration_minutes=s.duration_minutes,
            timezone=s.timezone,
            room_id=s.room_id,
            reason=s.reason,
            parent_id=s.parent_id,
        )

    # --- waitlist ----------------------------------------------------------------------

    def add_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        record = WaitlistEntryRecord(id=entry.id, created_at=self._now())
        self._fill_waitlist(record, entry)
        self._session.add(record)
        self._session.flush()
        return _waitlist(record)

    def get_waitlist(self, entry_id: WaitlistEntryId) -> WaitlistEntry | None:
        record = self._live(WaitlistEntryRecord, entry_id)
        return _waitlist(record) if record is not None else None

    def update_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        record = self._checked(WaitlistEntryRecord, entry.id, entry.version)
        self._fill_waitlist(record, entry)
        self._session.flush()
        return _waitlist(record)

    def waitlist(self, statuses: Sequence[WaitlistStatus]) -> list[WaitlistEntry]:
        rows = self._session.scalars(
            select(WaitlistEntryRecord)
            .where(
                WaitlistEntryRecord.status.in_([s.value for s in statuses]),
                WaitlistEntryRecord.deleted_at.is_(None),
            )
            .order_by(WaitlistEntryRecord.requested_at, WaitlistEntryRecord.id)
        )
        return [_waitlist(r) for r in rows]

    @staticmethod
    def _fill_waitlist(record: WaitlistEntryRecord, e: WaitlistEntry) -> None:
        _set_if_changed(
            record,
            patient_id=e.patient_id,
            requested_at=e.requested_at,
            priority=int(e.priority),
            type=e.type_code,
            provider_id=e.provider_id,
            earliest=e.earliest,
            latest=e.latest,
            note=e.note,
            status=e.status.value,
            appointment_id=e.appointment_id,
        )

    # --- recalls -----------------------------------------------------------------------

    def add_recall(self, recall: Recall) -> Recall:
        record = RecallRecord(id=recall.id, created_at=recall.created_at or self._now())
        self._fill_recall(record, recall)
        self._session.add(record)
        self._session.flush()
        return _recall(record)

    def get_recall(self, recall_id: RecallId) -> Recall | None:
        record = self._live(RecallRecord, recall_id)
        return _recall(record) if record is not None else None

    def update_recall(self, recall: Recall) -> Recall:
        record = self._checked(RecallRecord, recall.id, recall.version)
        self._fill_recall(record, recall)
        self._session.flush()
        return _recall(record)

    def recalls(self, statuses: Sequence[RecallStatus]) -> list[Recall]:
        rows = self._session.scalars(
            select(RecallRecord)
            .where(
                RecallRecord.status.in_([s.value for s in statuses]),
                RecallRecord.deleted_at.is_(None),
            )
            .order_by(RecallRecord.due, RecallRecord.id)
        )
        return [_recall(r) for r in rows]

    def recall_for_appointment(self, appointment_id: AppointmentId) -> Recall | None:
        record = self._session.scalars(
            select(RecallRecord).where(
                RecallRecord.appointment_id == appointment_id, RecallRecord.deleted_at.is_(None)
            )
        ).first()
        return _recall(record) if record is not None else None

    @staticmethod
    def _fill_recall(record: RecallRecord, r: Recall) -> None:
        _set_if_changed(
            record,
            patient_id=r.patient_id,
            due=r.due,
            reason=r.reason,
            type=r.type_code,
            provider_id=r.provider_id,
            source=r.source.value,
            source_id=r.source_id,
            status=r.status.value,
            appointment_id=r.appointment_id,
        )

    # --- configuration -------------------------------------------------------------------

    def appointment_types(self) -> list[AppointmentType]:
        rows = self._session.scalars(
            select(AppointmentTypeRecord)
            .where(AppointmentTypeRecord.deleted_at.is_(None))
            .order_by(AppointmentTypeRecord.created_at, AppointmentTypeRecord.id)
        )
        return [
            AppointmentType(r.code, r.label, r.duration_minutes, r.colour, r.active) for r in rows
        ]

    def put_appointment_type(self, kind: AppointmentType) -> None:
        record = self._session.scalars(
            select(AppointmentTypeRecord).where(AppointmentTypeRecord.code == kind.code)
        ).first()
        if record is None:
            record = AppointmentTypeRecord(code=kind.code, created_at=self._now())
            self._session.add(record)
        _set_if_changed(
            record,
            label=kind.label,
            duration_minutes=kind.duration_minutes,
            colour=kind.colour,
            active=kind.active,
            deleted_at=None,
        )
        self._session.flush()

    def rooms(self) -> list[Room]:
        rows = self._session.scalars(
            select(RoomRecord)
            .where(RoomRecord.deleted_at.is_(None))
            .order_by(RoomRecord.created_at)
        )
        return [Room(RoomId(r.id), r.name, r.active) for r in rows]

    def put_room(self, room: Room) -> None:
        record = self._session.get(RoomRecord, room.id)
        if record is None:
            record = RoomRecord(id=room.id, created_at=self._now())
            self._session.add(record)
        _set_if_changed(record, name=room.name, active=room.active, deleted_at=None)
        self._session.flush()

    def hours(self) -> list[HoursRow]:
        rows = self._session.scalars(
            select(ScheduleHoursRecord)
            .where(ScheduleHoursRecord.deleted_at.is_(None))
            .order_by(ScheduleHoursRecord.weekday, ScheduleHoursRecord.start_minute)
        )
        return [
            HoursRow(
                UserId(r.provider_id) if r.provider_id else None,
                r.weekday,
                r.kind,
                TimeSpan(_time(r.start_minute), _time(r.end_minute)),
            )
            for r in rows
        ]

    def replace_hours(self, provider_id: UserId | None, rows: Sequence[HoursRow]) -> None:
        owner = (
            ScheduleHoursRecord.provider_id.is_(None)
            if provider_id is None
            else ScheduleHoursRecord.provider_id == provider_id
        )
        now = self._now()
        for old in self._session.scalars(
            select(ScheduleHoursRecord).where(owner, ScheduleHoursRecord.deleted_at.is_(None))
        ):
            old.deleted_at = now
        for row in rows:
            self._session.add(
                ScheduleHoursRecord(
                    provider_id=provider_id,
                    weekday=row.weekday,
                    kind=row.kind,
                    start_minute=_minute(row.span.start),
                    end_minute=_minute(row.span.end),
                    created_at=now,
                )
            )
        self._session.flush()

    def holidays(self) -> list[Holiday]:
        rows = self._session.scalars(
            select(HolidayRecord)
            .where(HolidayRecord.deleted_at.is_(None))
            .order_by(HolidayRecord.day)
        )
        return [
            Holiday(r.day, r.name, UserId(r.provider_id) if r.provider_id else None) for r in rows
        ]

    def add_holiday(self, holiday: Holiday) -> None:
        self._session.add(
            HolidayRecord(
                day=holiday.day,
                name=holiday.name,
                provider_id=holiday.provider_id,
                created_at=self._now(),
            )
        )
        self._session.flush()

    def remove_holiday(self, day: date, provider_id: UserId | None) -> bool:
        owner = (
            HolidayRecord.provider_id.is_(None)
            if provider_id is None
            else HolidayRecord.provider_id == provider_id
        )
        found = list(
            self._session.scalars(
                select(HolidayRecord).where(
                    HolidayRecord.day == day, owner, HolidayRecord.deleted_at.is_(None)
                )
            )
        )
        for record in found:
            record.deleted_at = self._now()
        self._session.flush()
        return bool(found)


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    # SQLite limits bound parameters per statement; 500 stays far below it.
    for i in range(0, len(items), size):
        yield items[i : i + size]


__all__ = ["SqlScheduleRepository"]

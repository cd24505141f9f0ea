"""An in-memory schedule service for the schedule UI tests (real domain rules, no database).

It follows the shape of services/schedule.py (view, book, move, resize, cancel,
change_status, revert, check_in_board, free slots, waitlist, recalls) and uses the
domain's own conflict and free-slot functions, so refusals read exactly as in production.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dermai_desktop.domain.ids import PatientId, UserId, new_uuid7
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentStatus,
    BookingRequest,
    Holiday,
    Provider,
    ProviderHours,
    Recall,
    RecallId,
    RoomId,
    ScheduleConfig,
    ScheduleConflict,
    Slot,
    TimeSpan,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistPriority,
    WeeklyHours,
    booking_conflicts,
    check_reason,
    check_transition,
    free_slots,
)
from dermai_desktop.services.schedule_dto import (
    AppointmentChange,
    AppointmentListing,
    BoardRow,
    FreeSlot,
    PatientLabel,
    RecallListing,
    ScheduleChange,
    ScheduleView,
    WaitlistListing,
)

TZ = "UTC"
OKAFOR = UserId("prov-okafor")
LINDQVIST = UserId("prov-lindqvist")
HADDAD = UserId("prov-haddad")
PROVIDERS = (
    Provider(OKAFOR, "Dr Amara Okafor"),
    Provider(LINDQVIST, "Dr Erik Lindqvist"),
    Provider(HADDAD, "Dr Leila Haddad"),
)
LUNCH = WeeklyHours.weekdays(time(12, 30), time(13, 30))


def default_config(holiday: date | None = None) -> ScheduleConfig:
    hours = tuple(
        ProviderHours(p.id, WeeklyHours.weekdays(time(8, 0), time(17, 30)), LUNCH)
        for p in PROVIDERS
    )
    holidays = (Holiday(holiday, "Christmas Day"),) if holiday else ()
    return ScheduleConfig(TZ, provider_hours=hours, holidays=holidays)


@dataclass
class FakeSchedule:
    config: ScheduleConfig = field(default_factory=default_config)
    patients: dict[str, PatientLabel] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)
    waitlist_entries: dict[str, WaitlistEntry] = field(default_factory=dict)
    recall_entries: dict[str, Recall] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    calls: list[str] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)

    def _note(self, name: str) -> None:
        self.calls.append(name)
        self.threads.add(threading.current_thread().name)

    # --- seeding ---------------------------------------------------------------------

    def add_patient(self, name: str, mrn: str) -> PatientId:
        pid = PatientId(f"pat-{len(self.patients) + 1}")
        self.patients[pid] = PatientLabel(pid, name, mrn)
        return pid

    def seed(
        self,
        patient_id: str,
        provider: str,
        start: datetime,
        minutes: int,
        type_code: str = "follow_up",
        status: AppointmentStatus = AppointmentStatus.BOOKED,
        room: str | None = None,
        arrived_at: datetime | None = None,
        roomed_at: datetime | None = None,
    ) -> Appointment:
        appt = Appointment(
            AppointmentId(new_uuid7()),
            PatientId(patient_id),
            UserId(provider),
            start,
            start + timedelta(minutes=minutes),
            type_code,
            status,
            RoomId(room) if room else None,
            arrived_at=arrived_at,
            roomed_at=roomed_at,
        )
        self.appointments[appt.id] = appt
        return appt

    # --- reading ---------------------------------------------------------------------

    def view(self, actor: Any, start: date, days: int = 1, **_kw: Any) -> ScheduleView:
        self._note("view")
        end = start + timedelta(days=days)
        lo = self.config.at(start, time(0))
        hi = self.config.at(end, time(0))
        listings = tuple(
            AppointmentListing(a, self.patients[a.patient_id])
            for a in sorted(self.appointments.values(), key=lambda a: (a.start, a.id))
            if a.start < hi and a.end > lo
        )
        return ScheduleView(start, end, TZ, PROVIDERS, listings, self.config)

    def check_in_board(self, actor: Any, day: date | None = None) -> list[BoardRow]:
        self._note("board")
        today = self.now.date()
        rows = []
        for appt in sorted(self.appointments.values(), key=lambda a: a.start):
            if appt.start.date() != today or appt.status is AppointmentStatus.CANCELLED:
                continue
            waiting = None
            if appt.arrived_at is not None:
                until = appt.roomed_at or self.now
                waiting = int((until - appt.arrived_at).total_seconds() // 60)
            late = appt.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED) and (
                appt.start < self.now
            )
            name = next(p.full_name for p in PROVIDERS if p.id == appt.provider_id)
            rows.append(
                BoardRow(
                    AppointmentListing(appt, self.patients[appt.patient_id]),
                    name,
                    appt.arrived_at,
                    waiting,
                    late,
                    0,
                )
            )
        return rows

    def find_free_slots(
        self,
        actor: Any,
        type_code: str,
        *,
        provider_id: str | None = None,
        after: datetime | None = None,
        limit: int = 10,
    ) -> list[FreeSlot]:
        after = max(after or self.now, self.now)
        self._note("free_slots")
        duration = self.config.type(type_code).duration
        found: list[FreeSlot] = []
        for provider in PROVIDERS:
            if provider_id and provider.id != provider_id:
                continue
            busy = [
                (a.start, a.end)
                for a in self.appointments.values()
                if a.provider_id == provider.id and a.blocks_time
            ]
            for start, end in free_slots(
                self.config, provider.id, duration, after, after + timedelta(days=30), busy=busy
            ):
                found.append(FreeSlot(provider.id, provider.full_name, start, end))
                if len(found) >= limit * 3:
                    break
        return sorted(found, key=lambda s: s.start)[:limit]

    def waitlist(self, actor: Any) -> list[WaitlistListing]:
        self._note("waitlist")
        return [
            WaitlistListing(e, self.patients[e.patient_id])
            for e in sorted(
                self.waitlist_entries.values(), key=lambda e: (e.priority, e.requested_at)
            )
        ]

    def recalls(self, actor: Any) -> list[RecallListing]:
        self._note("recalls")
        today = self.now.date()
        return [
            RecallListing(
                r, self.patients[r.patient_id], r.is_overdue(today), r.days_overdue(today)
            )
            for r in sorted(self.recall_entries.values(), key=lambda r: r.due)
        ]

    def export_ical(self, actor: Any, provider_id: str, start: date, end: date) -> bytes:
        self._note("export_ical")
        return b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

    # --- changing --------------------------------------------------------------------

    def _ensure_free(self, appt: Appointment) -> None:
        names = {p.id: p.display_name for p in PROVIDERS}
        slot = Slot(appt.provider_id, appt.start, appt.end, appt.patient_id, appt.room_id)
        conflicts = booking_conflicts(
            self.config, slot, self.appointments.values(), names, ignore=frozenset({appt.id})
        )
        if conflicts:
            raise ScheduleConflict(conflicts)

    def _store(
        self, kind: str, before: Appointment | None, after: Appointment | None
    ) -> ScheduleChange:
        if after is None and before is not None:
            self.appointments.pop(before.id, None)
        elif after is not None:
            self.appointments[after.id] = after
        return ScheduleChange(kind, (AppointmentChange(before, after),))

    def book(self, actor: Any, request: BookingRequest) -> ScheduleChange:
        self._note("book")
        kind = self.config.type(request.type_code)
        minutes = request.duration_minutes or kind.duration_minutes
        appt = Appointment(
            AppointmentId(new_uuid7()),
            request.patient_id,
            request.provider_id,
            request.start,
            request.start + timedelta(minutes=minutes),
            request.type_code,
            room_id=request.room_id,
            reason=request.reason,
        )
        self._ensure_free(appt)
        return self._store("book", None, appt)

    def move(
        self,
        actor: Any,
        appointment_id: str,
        start: datetime,
        *,
        provider_id: str | None = None,
        expected_version: int | None = None,
    ) -> ScheduleChange:
        self._note("move")
        before = self.appointments[appointment_id]
        after = replace(
            before,
            start=start,
            end=start + before.duration,
            provider_id=UserId(provider_id or before.provider_id),
            version=before.version + 1,
        )
        self._ensure_free(after)
        return self._store("move", before, after)

    def resize(
        self, actor: Any, appointment_id: str, end: datetime, *, expected_version: int | None = None
    ) -> ScheduleChange:
        self._note("resize")
        before = self.appointments[appointment_id]
        after = replace(before, end=end, version=before.version + 1)
        self._ensure_free(after)
        return self._store("resize", before, after)

    def set_status(
        self,
        actor: Any,
        appointment_id: str,
        status: AppointmentStatus,
        *,
        expected_version: int | None = None,
    ) -> ScheduleChange:
        self._note("status")
        before = self.appointments[appointment_id]
        check_transition(before.status, status)
        arrived = self.now if status is AppointmentStatus.ARRIVED else before.arrived_at
        roomed = self.now if status is AppointmentStatus.IN_ROOM else before.roomed_at
        after = replace(
            before, status=status, arrived_at=arrived, roomed_at=roomed, version=before.version + 1
        )
        return self._store("status", before, after)

    def cancel(
        self, actor: Any, appointment_id: str, reason: str, *, expected_version: int | None = None
    ) -> ScheduleChange:
        self._note("cancel")
        text = check_reason(reason, required=True, what="cancellation reason")
        before = self.appointments[appointment_id]
        check_transition(before.status, AppointmentStatus.CANCELLED)
        after = replace(
            before,
            status=AppointmentStatus.CANCELLED,
            cancel_reason=text,
            version=before.version + 1,
        )
        return self._store("cancel", before, after)

    def revert(self, actor: Any, change: ScheduleChange) -> ScheduleChange:
        self._note("revert")
        items = []
        for item in change.appointments:
            current = None
            key = (item.after or item.before).id  # type: ignore[union-attr]
            current = self.appointments.get(key)
            target = item.before
            if target is not None:
                target = replace(target, version=(current.version if current else 0) + 1)
                if target.blocks_time:
                    self._ensure_free(target)
            self._store("revert", current, target)
            items.append(AppointmentChange(current, target))
        return ScheduleChange("revert", tuple(items))

    def book_recall(self, actor: Any, recall_id: str, request: BookingRequest) -> ScheduleChange:
        self._note("book_recall")
        recall = self.recall_entries[recall_id]
        assert request.patient_id == recall.patient_id
        change = self.book(actor, request)
        self.recall_entries.pop(recall_id)
        return change

    def book_from_waitlist(
        self, actor: Any, entry_id: str, request: BookingRequest
    ) -> ScheduleChange:
        self._note("book_waitlist")
        entry = self.waitlist_entries[entry_id]
        assert request.patient_id == entry.patient_id
        change = self.book(actor, request)
        self.waitlist_entries.pop(entry_id)
        return change

    def add_recall(self, patient_id: str, due: date, reason: str, type_code: str) -> Recall:
        recall = Recall(RecallId(new_uuid7()), PatientId(patient_id), due, reason, type_code)
        self.recall_entries[recall.id] = recall
        return recall

    def add_waitlist(
        self,
        patient_id: str,
        requested: datetime,
        type_code: str | None,
        priority: WaitlistPriority = WaitlistPriority.ROUTINE,
        provider_id: str | None = None,
        note: str = "",
    ) -> WaitlistEntry:
        entry = WaitlistEntry(
            WaitlistEntryId(new_uuid7()),
            PatientId(patient_id),
            requested,
            priority,
            type_code,
            UserId(provider_id) if provider_id else None,
            note=note,
        )
        self.waitlist_entries[entry.id] = entry
        return entry


@dataclass
class FakePatientSearch:
    schedule: FakeSchedule

    def search(self, actor: Any, text: str, limit: int = 50) -> list[Any]:
        needle = text.casefold().strip()

        @dataclass(frozen=True)
        class Summary:
            id: str
            display_name: str
            mrn: str

        return [
            Summary(p.patient_id, p.name, p.mrn)
            for p in self.schedule.patients.values()
            if needle and (needle in p.name.casefold() or needle in p.mrn.casefold())
        ][:limit]


@dataclass
class FakeServices:
    schedule: FakeSchedule
    patients: FakePatientSearch


TIMESPAN = TimeSpan  # re-exported for tests that build custom hours

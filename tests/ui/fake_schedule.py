"""An in-memory schedule service for the schedule UI tests (real domain rules, no database).

It follows the shape of services/schedule.py (view, book, move, resize, cancel,
change_status, revert, check_in_board, free slots, waitlist, recalls, and the recurring
series of services/schedule_series.py) and uses the domain's own conflict and free-slot
functions and the service's own rule helpers, so refusals read exactly as in production.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId, new_uuid7
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentSeries,
    AppointmentStatus,
    BookingRequest,
    Conflict,
    Holiday,
    Provider,
    ProviderHours,
    Recall,
    RecallId,
    RoomId,
    ScheduleConfig,
    ScheduleConflict,
    SeriesId,
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
    SeriesChange,
    WaitlistListing,
)
from dermai_desktop.services.schedule_series import expand_rule, normalise_rule

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
    series_rows: dict[str, AppointmentSeries] = field(default_factory=dict)
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

    def _conflicts(
        self,
        appt: Appointment,
        extra: list[Appointment] | None = None,
        ignore: frozenset[AppointmentId] = frozenset(),
    ) -> list[Conflict]:
        names = {p.id: p.display_name for p in PROVIDERS}
        slot = Slot(appt.provider_id, appt.start, appt.end, appt.patient_id, appt.room_id)
        existing = [*self.appointments.values(), *(extra or ())]
        return booking_conflicts(self.config, slot, existing, names, ignore=ignore | {appt.id})

    def _ensure_free(self, appt: Appointment) -> None:
        conflicts = self._conflicts(appt)
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
            is_exception=before.series_id is not None or before.is_exception,
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
        series = []
        for series_item in change.series:  # a series the change created stays (as the service)
            if series_item.before is not None and series_item.after is not None:
                current_series = self.series_rows[series_item.after.id]
                self.series_rows[series_item.before.id] = series_item.before
                series.append(SeriesChange(current_series, series_item.before))
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
        return ScheduleChange("revert", tuple(items), series=tuple(series))

    # --- recurring series (as services/schedule_series.py) -----------------------------

    def _occurrences(
        self, request: BookingRequest, rule: str, series_id: SeriesId
    ) -> list[Appointment]:
        minutes = request.duration_minutes or self.config.type(request.type_code).duration_minutes
        length = timedelta(minutes=minutes)
        return [
            Appointment(
                AppointmentId(new_uuid7()),
                request.patient_id,
                request.provider_id,
                start,
                start + length,
                request.type_code,
                room_id=request.room_id,
                reason=request.reason,
                series_id=series_id,
                occurrence_start=start,
            )
            for start in expand_rule(rule, request.start, self.config.timezone)
        ]

    @staticmethod
    def _dated(conflicts: list[Conflict], start: datetime) -> list[Conflict]:
        prefix = f"{start:%a} {start.day} {start:%b}"
        return [replace(c, message=f"{prefix}: {c.message}", start=start) for c in conflicts]

    def preview_series(
        self, actor: Any, request: BookingRequest, rule: str
    ) -> list[tuple[datetime, tuple[Conflict, ...]]]:
        self._note("preview_series")
        result: list[tuple[datetime, tuple[Conflict, ...]]] = []
        pending: list[Appointment] = []
        for occurrence in self._occurrences(request, normalise_rule(rule), SeriesId("preview")):
            result.append((occurrence.start, tuple(self._conflicts(occurrence, pending))))
            pending.append(occurrence)
        return result

    def book_series(
        self, actor: Any, request: BookingRequest, rule: str, *, skip_conflicts: bool = False
    ) -> ScheduleChange:
        self._note("book_series")
        normal = normalise_rule(rule)
        series_id = SeriesId(new_uuid7())
        kind = self.config.type(request.type_code)
        planned: list[Appointment] = []
        refused: list[Conflict] = []
        for occurrence in self._occurrences(request, normal, series_id):
            found = self._conflicts(occurrence, planned)
            if found:
                refused.extend(self._dated(found, occurrence.start))
            else:
                planned.append(occurrence)
        if refused and not skip_conflicts:
            raise ScheduleConflict(
                refused, "Choose another time or provider, or book around these dates."
            )
        if not planned:
            raise ScheduleConflict(refused, "None of the dates is free; choose another time.")
        stored = AppointmentSeries(
            series_id,
            request.patient_id,
            request.provider_id,
            kind.code,
            normal,
            request.start,
            request.duration_minutes or kind.duration_minutes,
            self.config.timezone,
            room_id=request.room_id,
            reason=request.reason,
        )
        self.series_rows[series_id] = stored
        for occurrence in planned:
            self.appointments[occurrence.id] = occurrence
        return ScheduleChange(
            "book_series",
            tuple(AppointmentChange(None, a) for a in planned),
            series=(SeriesChange(None, stored),),
            skipped=tuple(refused),
        )

    def series(
        self, actor: Any, series_id: str
    ) -> tuple[AppointmentSeries, tuple[Appointment, ...]]:
        self._note("series")
        found = self.series_rows.get(series_id)
        if found is None:
            raise NotFound("That repeating appointment does not exist.")
        rows = sorted(
            (a for a in self.appointments.values() if a.series_id == series_id),
            key=lambda a: a.start,
        )
        return found, tuple(rows)

    def _following(
        self, appointment_id: str
    ) -> tuple[Appointment, AppointmentSeries, list[Appointment], list[Appointment]]:
        target = self.appointments[appointment_id]
        if target.series_id is None:
            raise ValidationFailed("This appointment is not part of a repeating series.")
        if target.status.is_final:
            raise ValidationFailed(
                f"Choose a visit that is still to come; this one is {target.status.label.lower()}."
            )
        series, rows = self.series(None, target.series_id)
        pivot = target.occurrence_start or target.start
        earlier = [a for a in rows if (a.occurrence_start or a.start) < pivot]
        following = [a for a in rows if (a.occurrence_start or a.start) >= pivot]
        return target, series, earlier, following

    def _end_before(self, series: AppointmentSeries, pivot: datetime) -> SeriesChange:
        parts = [p for p in series.rule.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
        until = (pivot - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
        ended = replace(series, rule=";".join([*parts, f"UNTIL={until}"]), version=2)
        self.series_rows[series.id] = ended
        return SeriesChange(series, ended)

    def cancel_following(self, actor: Any, appointment_id: str, reason: str) -> ScheduleChange:
        self._note("cancel_following")
        text = check_reason(reason, required=True, what="reason for cancelling")
        target, series, earlier, following = self._following(appointment_id)
        pivot = target.occurrence_start or target.start
        series_changes = [self._end_before(series, pivot)] if earlier else []
        rows = []
        for row in following:
            if row.status.is_final:
                continue
            after = replace(
                row,
                status=AppointmentStatus.CANCELLED,
                cancel_reason=text,
                version=row.version + 1,
            )
            self.appointments[row.id] = after
            rows.append(AppointmentChange(row, after))
        return ScheduleChange("cancel_following", tuple(rows), series=tuple(series_changes))

    def change_following(
        self,
        actor: Any,
        appointment_id: str,
        *,
        start: datetime | None = None,
        provider_id: str | None = None,
        **_kw: Any,
    ) -> ScheduleChange:
        """Shift this and the later regular visits (a UTC clinic: no wall-clock folding)."""
        self._note("change_following")
        target, series, earlier, following = self._following(appointment_id)
        pivot = target.occurrence_start or target.start
        new_start = start or target.start
        delta = new_start - pivot
        provider = UserId(provider_id or target.provider_id)
        new_id = SeriesId(new_uuid7()) if earlier else series.id
        planned: list[tuple[Appointment, Appointment]] = []
        for row in following:
            if row.status.is_final:
                planned.append((row, replace(row, series_id=new_id)))
                continue
            moves = row.id == target.id or not row.is_exception
            row_start = (
                (new_start if row.id == target.id else row.start + delta) if moves else row.start
            )
            planned.append(
                (
                    row,
                    replace(
                        row,
                        series_id=new_id,
                        start=row_start,
                        end=row_start + row.duration,
                        occurrence_start=(row.occurrence_start or row.start) + delta,
                        provider_id=provider,
                        is_exception=row.is_exception and row.id != target.id,
                        version=row.version + 1,
                    ),
                )
            )
        moving = frozenset(b.id for b, _ in planned)
        pending: list[Appointment] = []
        refused: list[Conflict] = []
        for _before, after in planned:
            if after.blocks_time:
                found = self._conflicts(after, pending, ignore=moving)
                refused.extend(self._dated(found, after.start))
                pending.append(after)
        if refused:
            raise ScheduleConflict(refused, "Nothing was changed; choose another time.")
        series_changes: list[SeriesChange] = []
        count = f"COUNT={max(len(following), 1)}"
        parts = [p for p in series.rule.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
        moved = replace(
            series,
            id=new_id,
            provider_id=provider,
            rule=";".join([*parts, count]),
            first_start=new_start,
            parent_id=series.id if earlier else series.parent_id,
        )
        if earlier:
            series_changes.append(self._end_before(series, pivot))
            series_changes.append(SeriesChange(None, moved))
        else:
            series_changes.append(SeriesChange(series, moved))
        self.series_rows[new_id] = moved
        for _before, after in planned:
            self.appointments[after.id] = after
        return ScheduleChange(
            "change_following",
            tuple(AppointmentChange(b, a) for b, a in planned),
            series=tuple(series_changes),
        )

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

    @property
    def schedule_export(self) -> FakeSchedule:
        """The fake schedule also plays the iCalendar exporter, as one object."""
        return self.schedule


TIMESPAN = TimeSpan  # re-exported for tests that build custom hours

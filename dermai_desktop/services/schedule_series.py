"""Recurring appointments: RFC 5545 rules (dateutil) expanded into real, separately editable rows.

Why rows and not a rule evaluated on the fly: moving or cancelling one
occurrence then touches that row only, and "this and following" ends the old
series with an UNTIL and starts a new one from there. Earlier occurrences are
never rewritten, which is exactly what breaks in OpenEMR (openemr#3661).
The rule is expanded in the clinic's local time, so a 09:00 series stays at
09:00 across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import UserId, new_uuid7
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentId,
    AppointmentSeries,
    AppointmentStatus,
    BookingRequest,
    Conflict,
    RoomId,
    ScheduleConfig,
    ScheduleConflict,
    SeriesId,
    check_duration,
    check_reason,
)
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.ports import UnitOfWork
from dermai_desktop.services.schedule_base import (
    UNCHANGED,
    ScheduleBase,
    Unchanged,
    aware_utc,
    minutes,
    repo,
)
from dermai_desktop.services.schedule_dto import AppointmentChange, ScheduleChange, SeriesChange

MAX_OCCURRENCES = 104
_FREQ_WORDS = {
    "DAILY": ("day", "days"),
    "WEEKLY": ("week", "weeks"),
    "MONTHLY": ("month", "months"),
    "YEARLY": ("year", "years"),
}
_ALLOWED_FREQ = frozenset(_FREQ_WORDS)


def _parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in rule.split(";"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        if not sep or not key or not value:
            raise ValidationFailed(
                "The repeat rule is not understood.", "Use a rule like FREQ=WEEKLY;COUNT=6."
            )
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def _join(parts: dict[str, str]) -> str:
    order = ["FREQ", "INTERVAL", "COUNT", "UNTIL"]
    keys = [k for k in order if k in parts] + sorted(k for k in parts if k not in order)
    return ";".join(f"{k}={parts[k]}" for k in keys)


def normalise_rule(rule: str) -> str:
    """Check an RRULE body and return it in one canonical spelling.

    Must say how often (DAILY, WEEKLY, MONTHLY, YEARLY) and when to stop
    (COUNT or UNTIL): an endless series would fill the calendar forever.
    """
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if len(text) > 300 or "\n" in text or "DTSTART" in text.upper():
        raise ValidationFailed(
            "The repeat rule is not understood.", "Use a rule like FREQ=WEEKLY;COUNT=6."
        )
    parts = _parts(text)
    if parts.get("FREQ") not in _ALLOWED_FREQ:
        raise ValidationFailed(
            "Repeat daily, weekly, monthly or yearly.", "Use a rule like FREQ=WEEKLY;COUNT=6."
        )
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationFailed(
            "A repeating appointment needs an end.",
            "Give a number of visits or a last date.",
        )
    if "COUNT" in parts and not (
        parts["COUNT"].isdigit() and 1 <= int(parts["COUNT"]) <= MAX_OCCURRENCES
    ):
        raise ValidationFailed(f"A series can have 1 to {MAX_OCCURRENCES} visits.")
    if "INTERVAL" in parts and not (
        parts["INTERVAL"].isdigit() and 1 <= int(parts["INTERVAL"]) <= 520
    ):
        raise ValidationFailed("Repeat every 1 to 520 days, weeks, months or years.")
    normal = _join(parts)
    try:
        rrulestr(normal, dtstart=datetime(2000, 1, 1, tzinfo=UTC))
    except (ValueError, TypeError, KeyError):
        raise ValidationFailed(
            "The repeat rule is not understood.", "Use a rule like FREQ=WEEKLY;COUNT=6."
        ) from None
    return normal


def expand_rule(rule: str, first_start: datetime, timezone: str) -> list[datetime]:
    """UTC starts of every occurrence, expanded in local wall-clock time."""
    tz = ZoneInfo(timezone)
    local = first_start.astimezone(tz)
    parsed = rrulestr(rule, dtstart=local)
    if not isinstance(parsed, rrule):  # pragma: no cover - normalise_rule allows one RRULE
        raise ValidationFailed("The repeat rule is not understood.")
    starts = list(islice(parsed, MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        raise ValidationFailed(
            f"A series can have at most {MAX_OCCURRENCES} visits.", "Choose an earlier end date."
        )
    # The rule yields wall times in ``tz``; fold them through UTC so the gap hour
    # of a daylight-saving change becomes a real instant.
    return [s.replace(tzinfo=tz).astimezone(UTC) for s in starts]


def describe_rule(rule: str) -> str:
    """Plain words for the booking dialog: "Every 8 weeks, 6 times"."""
    parts = _parts(normalise_rule(rule))
    interval = int(parts.get("INTERVAL", "1"))
    one, many = _FREQ_WORDS[parts["FREQ"]]
    text = f"Every {one}" if interval == 1 else f"Every {interval} {many}"
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        text += ", once" if count == 1 else f", {count} times"
    else:
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d")
        text += f", until {until.day} {until:%B %Y}"
    return text


def _until(rule: str, before: datetime) -> str:
    """``rule`` ending just before ``before`` (UNTIL replaces COUNT)."""
    parts = _parts(rule)
    parts.pop("COUNT", None)
    parts["UNTIL"] = (before - timedelta(seconds=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return _join(parts)


def _with_count(rule: str, count: int) -> str:
    """``rule`` for exactly ``count`` occurrences (rows are real; the rule documents them)."""
    parts = _parts(rule)
    parts.pop("UNTIL", None)
    parts["COUNT"] = str(count)
    return _join(parts)


def _dated(
    config: ScheduleConfig, conflicts: Sequence[Conflict], start: datetime
) -> list[Conflict]:
    day = config.local(start)
    prefix = f"{day:%a} {day.day} {day:%b}"
    return [replace(c, message=f"{prefix}: {c.message}", start=start) for c in conflicts]


class ScheduleSeriesOps(ScheduleBase):
    """Recurring series: book, preview, one-occurrence edits, "this and following"."""

    def preview_series(
        self, actor: Actor, request: BookingRequest, rule: str
    ) -> list[tuple[datetime, tuple[Conflict, ...]]]:
        """Each occurrence's start and what would stop it being booked (nothing is stored)."""
        self._require(actor, Operation.SCHEDULE_VIEW, entity_type="appointment_series")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            first = self._draft(uow, config, request, series_id=SeriesId("preview"))
            normal = normalise_rule(rule)
            result = []
            pending: list[Appointment] = []
            for start in expand_rule(normal, first.start, config.timezone):
                occurrence = replace(
                    first,
                    id=AppointmentId(new_uuid7()),
                    start=start,
                    end=start + first.duration,
                    occurrence_start=start,
                )
                found = self._conflicts(uow, config, self._slot_of(occurrence), extra=pending)
                pending.append(occurrence)
                result.append((start, tuple(found)))
            return result

    def book_series(
        self,
        actor: Actor,
        request: BookingRequest,
        rule: str,
        *,
        skip_conflicts: bool = False,
    ) -> ScheduleChange:
        """Book every occurrence of ``rule`` starting at ``request.start``.

        With conflicts the whole series is refused (every clash listed by date),
        unless ``skip_conflicts``: then the clashing dates are left out and
        reported in ``ScheduleChange.skipped``.
        """
        self._require(
            actor,
            Operation.SCHEDULE_EDIT,
            patient_id=request.patient_id,
            entity_type="appointment_series",
        )
        normal = normalise_rule(rule)
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            series_id = SeriesId(new_uuid7())
            first = self._draft(uow, config, request, series_id=series_id)
            series = AppointmentSeries(
                id=series_id,
                patient_id=first.patient_id,
                provider_id=first.provider_id,
                type_code=first.type_code,
                rule=normal,
                first_start=first.start,
                duration_minutes=int(first.duration.total_seconds() // 60),
                timezone=config.timezone,
                room_id=first.room_id,
                reason=first.reason,
            )
            planned: list[Appointment] = []
            refused: list[Conflict] = []
            for start in expand_rule(normal, first.start, config.timezone):
                occurrence = replace(
                    first,
                    id=AppointmentId(new_uuid7()),
                    start=start,
                    end=start + first.duration,
                    occurrence_start=start,
                )
                found = self._conflicts(uow, config, self._slot_of(occurrence), extra=planned)
                if found:
                    refused.extend(_dated(config, found, start))
                else:
                    planned.append(occurrence)
            if refused and not skip_conflicts:
                raise ScheduleConflict(
                    refused, "Choose another time or provider, or book around these dates."
                )
            if not planned:
                raise ScheduleConflict(refused, "None of the dates is free; choose another time.")
            stored = repo(uow).add_series(series)
            booked = [repo(uow).add_appointment(a) for a in planned]
            self._audit_row(
                uow,
                actor,
                AuditAction.CREATE,
                "appointment_series",
                stored,
                f"occurrences={len(booked)} skipped={len({c.start for c in refused})}",
            )
            uow.commit()
        return ScheduleChange(
            "book_series",
            tuple(AppointmentChange(None, a) for a in booked),
            series=(SeriesChange(None, stored),),
            skipped=tuple(refused),
        )

    def series(
        self, actor: Actor, series_id: SeriesId
    ) -> tuple[AppointmentSeries, tuple[Appointment, ...]]:
        """A series and all its occurrences (any status), in date order."""
        self._require(
            actor, Operation.SCHEDULE_VIEW, entity_type="appointment_series", entity_id=series_id
        )
        with self._uow_factory(actor) as uow:
            found = repo(uow).get_series(series_id)
            if found is None:
                raise NotFound("That repeating appointment does not exist.")
            rows = tuple(sorted(repo(uow).appointments_in_series(series_id), key=lambda a: a.start))
        return found, rows

    def _following(
        self, uow: UnitOfWork, appointment_id: AppointmentId
    ) -> tuple[Appointment, AppointmentSeries, list[Appointment], list[Appointment]]:
        target = self._appointment(uow, appointment_id)
        if target.series_id is None:
            raise ValidationFailed("This appointment is not part of a repeating series.")
        series = repo(uow).get_series(target.series_id)
        if series is None:  # pragma: no cover - rows and series are written together
            raise NotFound("That repeating appointment does not exist.")
        if target.status.is_final:
            raise ValidationFailed(
                f"Choose a visit that is still to come; this one is {target.status.label.lower()}."
            )
        pivot = target.occurrence_start or target.start
        rows = sorted(repo(uow).appointments_in_series(series.id), key=lambda a: a.start)
        earlier = [a for a in rows if (a.occurrence_start or a.start) < pivot]
        following = [a for a in rows if (a.occurrence_start or a.start) >= pivot]
        return target, series, earlier, following

    def change_following(
        self,
        actor: Actor,
        appointment_id: AppointmentId,
        *,
        start: datetime | None = None,
        provider_id: UserId | None = None,
        room_id: RoomId | Unchanged | None = UNCHANGED,
        duration_minutes: int | None = None,
        rule: str | None = None,
    ) -> ScheduleChange:
        """Change this occurrence and every later one; earlier ones are never touched.

        ``start`` is this occurrence's new start; later regular occurrences
        shift by the same wall-clock amount. Occurrences already moved on their
        own (exceptions) keep their time but take a new provider, room or
        length. Completed, missed and cancelled visits are history and stay.
        A new ``rule`` replaces the pattern from here on.
        """
        self._require(
            actor,
            Operation.SCHEDULE_EDIT,
            entity_id=appointment_id,
            entity_type="appointment_series",
        )
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            target, series, earlier, following = self._following(uow, appointment_id)
            tz = config.tz
            pivot = target.occurrence_start or target.start
            new_start = aware_utc(start, "start time") if start else target.start
            if config.local(new_start).date() < self._today(config):
                raise ValidationFailed("A series cannot be moved to a day that has passed.")
            base_start = new_start if start else pivot
            wall_delta = base_start.astimezone(tz).replace(tzinfo=None) - pivot.astimezone(
                tz
            ).replace(tzinfo=None)
            new_provider = provider_id or target.provider_id
            if new_provider != target.provider_id:
                self._provider(uow, new_provider)
            new_room = target.room_id if isinstance(room_id, Unchanged) else room_id
            if new_room is not None and new_room != target.room_id:
                config.room(new_room)
            length = minutes(duration_minutes) if duration_minutes else target.duration
            check_duration(new_start, new_start + length)
            normal = normalise_rule(rule) if rule else None
            live = [a for a in following if not a.status.is_final]

            def shifted(moment: datetime) -> datetime:
                wall = moment.astimezone(tz).replace(tzinfo=None) + wall_delta
                return wall.replace(tzinfo=tz).astimezone(UTC)

            new_series_id = SeriesId(new_uuid7()) if earlier else series.id
            first_start = shifted(pivot) if not start else new_start
            new_rule = normal or _with_count(series.rule, max(len(following), 1))
            new_series = replace(
                series,
                id=new_series_id,
                provider_id=new_provider,
                rule=new_rule,
                first_start=first_start,
                duration_minutes=int(length.total_seconds() // 60),
                room_id=new_room,
                parent_id=series.id if earlier else series.parent_id,
            )
            planned: list[tuple[Appointment | None, Appointment | None]] = []
            if normal is None:
                for row in following:
                    if row.status.is_final:
                        planned.append((row, replace(row, series_id=new_series_id)))
                        continue
                    moves = row.id == target.id or not row.is_exception
                    row_start = (
                        (new_start if row.id == target.id else shifted(row.start))
                        if moves
                        else row.start
                    )
                    planned.append(
                        (
                            row,
                            replace(
                                row,
                                series_id=new_series_id,
                                start=row_start,
                                end=row_start + length,
                                occurrence_start=shifted(row.occurrence_start or row.start),
                                provider_id=new_provider,
                                room_id=new_room,
                                is_exception=row.is_exception and row.id != target.id,
                            ),
                        )
                    )
            else:
                # A new pattern: the old future visits make way for the new ones.
                planned.extend((row, None) for row in live)
                for occurrence_start in expand_rule(normal, first_start, config.timezone):
                    planned.append(
                        (
                            None,
                            replace(
                                target,
                                id=AppointmentId(new_uuid7()),
                                series_id=new_series_id,
                                start=occurrence_start,
                                end=occurrence_start + length,
                                occurrence_start=occurrence_start,
                                provider_id=new_provider,
                                room_id=new_room,
                                status=AppointmentStatus.BOOKED,
                                is_exception=False,
                                arrived_at=None,
                                roomed_at=None,
                                completed_at=None,
                                version=1,
                            ),
                        )
                    )
            self._check_planned(uow, config, planned)
            changes = self._apply_series_split(
                uow, series, new_series, earlier=bool(earlier), pivot=pivot, planned=planned
            )
            self._audit_row(
                uow,
                actor,
                AuditAction.UPDATE,
                "appointment_series",
                series,
                f"change_following rows={len(planned)} split={bool(earlier)}",
            )
            uow.commit()
        return changes

    def cancel_following(
        self, actor: Actor, appointment_id: AppointmentId, reason: str
    ) -> ScheduleChange:
        """Cancel this occurrence and every later one; earlier ones stay as they are."""
        self._require(
            actor,
            Operation.SCHEDULE_EDIT,
            entity_id=appointment_id,
            entity_type="appointment_series",
        )
        text = check_reason(reason, required=True, what="reason for cancelling")
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            target, series, earlier, following = self._following(uow, appointment_id)
            pivot = target.occurrence_start or target.start
            planned: list[tuple[Appointment | None, Appointment | None]] = [
                (row, replace(row, status=AppointmentStatus.CANCELLED, cancel_reason=text))
                for row in following
                if not row.status.is_final
            ]
            r = repo(uow)
            series_changes = [_end_before(uow, series, pivot)] if earlier else []
            rows = [AppointmentChange(b, r.update_appointment(a)) for b, a in planned if b and a]
            offers = self._offers(uow, config, [c.before for c in rows[:3] if c.before])
            self._audit_row(
                uow,
                actor,
                AuditAction.UPDATE,
                "appointment_series",
                series,
                f"cancel_following rows={len(rows)}",
            )
            uow.commit()
        return ScheduleChange(
            "cancel_following", tuple(rows), series=tuple(series_changes), offers=offers
        )

    def _check_planned(
        self,
        uow: UnitOfWork,
        config: ScheduleConfig,
        planned: Sequence[tuple[Appointment | None, Appointment | None]],
    ) -> None:
        moving = {b.id for b, _ in planned if b is not None}
        pending: list[Appointment] = []
        refused: list[Conflict] = []
        for _, after in planned:
            if after is None or not after.blocks_time:
                continue
            found = self._conflicts(
                uow, config, self._slot_of(after), ignore=moving | {after.id}, extra=pending
            )
            pending.append(after)
            refused.extend(_dated(config, found, after.start))
        if refused:
            raise ScheduleConflict(refused, "Nothing was changed; choose another time.")

    @staticmethod
    def _apply_series_split(
        uow: UnitOfWork,
        series: AppointmentSeries,
        new_series: AppointmentSeries,
        *,
        earlier: bool,
        pivot: datetime,
        planned: Sequence[tuple[Appointment | None, Appointment | None]],
    ) -> ScheduleChange:
        r = repo(uow)
        series_changes: list[SeriesChange] = []
        if earlier:
            series_changes.append(_end_before(uow, series, pivot))
            created = r.add_series(replace(new_series, version=1))
            series_changes.append(SeriesChange(None, created))
        else:
            updated = r.update_series(new_series)
            series_changes.append(SeriesChange(series, updated))
        rows: list[AppointmentChange] = []
        for before, after in planned:
            if before is not None and after is None:
                r.remove_appointment(before.id, before.version)
                rows.append(AppointmentChange(before, None))
            elif before is None and after is not None:
                rows.append(AppointmentChange(None, r.add_appointment(after)))
            elif before is not None and after is not None:
                rows.append(AppointmentChange(before, r.update_appointment(after)))
        return ScheduleChange("change_following", tuple(rows), series=tuple(series_changes))


# Splitting and cancelling "this and following" both end the old series before the pivot.
def _end_before(uow: UnitOfWork, series: AppointmentSeries, pivot: datetime) -> SeriesChange:
    ended = repo(uow).update_series(replace(series, rule=_until(series.rule, pivot)))
    return SeriesChange(series, ended)


__all__ = [
    "MAX_OCCURRENCES",
    "ScheduleSeriesOps",
    "describe_rule",
    "expand_rule",
    "normalise_rule",
]

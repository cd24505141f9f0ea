"""The demo practice's diary: 6 months of past and 2 months of future appointments.

Written through the scheduling services like the rest of the demo (see
``demo_practice``): the manager configures working hours, lunch breaks and a
holiday; the front desk books each day's appointments some days ahead; past
appointments end as they do in a real clinic (mostly completed with a signed
note, some no-shows and cancellations); today is half done; a waitlist and
recalls (some overdue) are left for the front desk to work.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dermai_desktop import demo_content as content

if TYPE_CHECKING:
    from dermai_desktop.demo_practice import PracticeBuilder

log = logging.getLogger(__name__)

PAST_DAYS = 183
FUTURE_DAYS = 61
#: Appointment days per transaction.
DAYS_PER_BATCH = 4


def _service_with(services: Any, method: str) -> Any:
    """The service offering ``method`` (the scheduling area is split over several)."""
    for name in ("schedule", "schedule_lists", "schedule_config", "waitlist", "recalls"):
        service = getattr(services, name, None)
        if service is not None and callable(getattr(service, method, None)):
            return service
    return None


def _fill_ratio(day_offset: int) -> float:
    """How full a day is: this week busy, the past settled at about half, the future thinning.

    Half-full past days keep the demo's first build to a couple of minutes while still
    giving every dermatologist a believable six-month history.
    """
    if -7 <= day_offset <= 7:
        return 0.82
    if day_offset < -7:
        return 0.45
    return max(0.25, 0.82 - (day_offset - 7) * 0.011)


def _configure_hours(builder: PracticeBuilder) -> None:
    """Working hours with a lunch break; Dr Patel works four days, Dr Lindqvist ends at four."""
    from dermai_desktop.domain.scheduling import WeeklyHours

    service = _service_with(builder.s, "set_provider_hours")
    if service is None:
        return
    for index, derm in enumerate(builder.staff.dermatologists):
        working = WeeklyHours.weekdays(time(8, 30), time(17, 30) if index != 2 else time(16, 0))
        if index == 1:
            working = WeeklyHours(tuple(working.days[d] if d < 4 else () for d in range(7)))
        lunch = WeeklyHours.weekdays(time(12, 30), time(13, 15))
        service.set_provider_hours(builder.staff.manager, derm.user_id, working, lunch)


def build_schedule(builder: PracticeBuilder) -> None:
    from dermai_desktop.domain.scheduling import AppointmentStatus, BookingRequest

    s, rng, staff = builder.s, builder.rng, builder.staff
    schedule = s.schedule
    manager, desk = staff.manager, staff.front_desk
    derms = staff.dermatologists
    clock, now = builder.clock, builder.now
    clock.set(now - timedelta(days=builder.past_days + 30))

    _configure_hours(builder)
    builder.commit()

    config = schedule.config(manager)
    types = {t.code: t for t in config.types if t.active}
    today = config.local(now).date()
    first_day = today - timedelta(days=builder.past_days)
    by_derm = {d.user_id: d for d in derms}
    people = builder.people
    completed_skin_checks: list[tuple[Any, Any, datetime, str]] = []
    day = first_day
    days_done = 0
    while day <= today + timedelta(days=builder.future_days):
        offset = (day - today).days
        seen_today: set[str] = set()
        for derm in derms:
            for span_start, span_end in config.bookable_spans(derm.user_id, day):
                cursor = span_start
                while cursor < span_end:
                    person = rng.choice(people)
                    if person.id in seen_today:  # one visit a day per patient
                        cursor += timedelta(minutes=15)
                        continue
                    code = "new_patient" if rng.random() < 0.12 else person.condition.visit_type
                    kind = types.get(code) or next(iter(types.values()))
                    end = cursor + kind.duration
                    if end > span_end:
                        break
                    if rng.random() < _fill_ratio(max(offset, 0)):
                        ahead = timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 8))
                        clock.set(min(cursor - ahead, now))
                        change = schedule.book(
                            rng.choice(desk),
                            BookingRequest(
                                person.id,
                                derm.user_id,
                                cursor,
                                kind.code,
                                reason=person.condition.reason,
                            ),
                        )
                        builder.stats.appointments += 1
                        seen_today.add(person.id)
                        appointment = change.appointment
                        _outcome(
                            builder,
                            appointment,
                            person,
                            by_derm[derm.user_id],
                            code=kind.code,
                            skin_checks=completed_skin_checks,
                            status=AppointmentStatus,
                        )
                    cursor = end
        days_done += 1
        if days_done % DAYS_PER_BATCH == 0:
            builder.commit()
        day += timedelta(days=1)
    builder.commit()
    clock.set(now)
    _waitlist_and_recalls(builder, completed_skin_checks, today)
    builder.commit()


def _outcome(
    builder: PracticeBuilder,
    appointment: Any,
    person: Any,
    derm: Any,
    *,
    code: str,
    skin_checks: list[tuple[Any, Any, datetime, str]],
    status: Any,
) -> None:
    """What happened to an appointment, by the clock: the past is settled, today is live."""
    schedule, rng, clock, now = builder.s.schedule, builder.rng, builder.clock, builder.now
    start = appointment.start
    desk = rng.choice(builder.staff.front_desk)
    roll = rng.random()
    if start > now:
        if start - now < timedelta(days=2) and roll < 0.6:
            clock.set(now - timedelta(hours=rng.randint(1, 20)))
            schedule.set_status(desk, appointment.id, status.CONFIRMED)
        elif roll > 0.97:
            clock.set(now - timedelta(hours=rng.randint(1, 48)))
            schedule.cancel(desk, appointment.id, rng.choice(content.CANCEL_REASONS))
        return
    if roll < 0.08:
        clock.set(start - timedelta(hours=rng.randint(2, 72)))
        schedule.cancel(desk, appointment.id, rng.choice(content.CANCEL_REASONS))
        return
    if roll < 0.14:
        clock.set(start + timedelta(minutes=30))
        schedule.set_status(desk, appointment.id, status.NO_SHOW)
        return
    arrived = start - timedelta(minutes=rng.randint(-10, 15))
    clock.set(min(arrived, now))
    schedule.set_status(desk, appointment.id, status.ARRIVED)
    roomed = start + timedelta(minutes=rng.randint(0, 25))
    if roomed > now:
        return  # still in the waiting room
    if now - start < timedelta(days=7) or rng.random() < 0.25:
        # Rooming is recorded on busy days; older visits often went straight to completed.
        clock.set(roomed)
        schedule.set_status(derm, appointment.id, status.IN_ROOM)
    done = roomed + appointment.duration
    if done > now:
        return  # with the dermatologist right now
    recent = now - start < timedelta(days=2)
    encounter = builder.visit_note(person, derm, roomed, sign=not (recent and rng.random() < 0.3))
    clock.set(done)
    schedule.set_status(derm, appointment.id, status.COMPLETED)
    if code == "full_skin_check" or person.condition.visit_type == "full_skin_check":
        skin_checks.append((person, derm, start, encounter))


def _waitlist_and_recalls(
    builder: PracticeBuilder,
    skin_checks: list[tuple[Any, Any, datetime, str]],
    today: date,
) -> None:
    from dermai_desktop.domain.scheduling import RecallSource, WaitlistPriority

    rng, s = builder.rng, builder.s
    lists = _service_with(s, "add_to_waitlist")
    if lists is not None:
        for person in rng.sample(builder.people, min(30, len(builder.people))):
            lists.add_to_waitlist(
                rng.choice(builder.staff.front_desk),
                person.id,
                type_code=person.condition.visit_type,
                provider_id=rng.choice([None, *(d.user_id for d in builder.staff.dermatologists)]),
                earliest=today,
                latest=today + timedelta(days=rng.randint(14, 50)),
                priority=rng.choices(list(WaitlistPriority), weights=[1, 3, 6])[0],
                note=rng.choice(content.WAITLIST_NOTES),
            )
            builder.stats.waitlist += 1
    recalls = _service_with(s, "add_recall")
    if recalls is None:
        builder.stats.skipped.append("waitlist and recalls (service missing)")
        return
    for person, derm, when, encounter in skin_checks[: max(40, len(skin_checks) // 3)]:
        months = rng.choice((3, 6, 6, 12))
        due = (when + timedelta(days=30 * months)).date()
        builder.clock.set(when + timedelta(hours=1))
        recalls.add_recall(
            derm,
            person.id,
            due,
            f"Full skin check in {months} months",
            type_code="full_skin_check",
            provider_id=derm.user_id,
            source=RecallSource.VISIT,
            source_id=str(encounter),
        )
        builder.stats.recalls += 1


__all__ = ["build_schedule"]

"""Pure scheduling rules: status flow, hours arithmetic, conflicts, free slots, waitlist ranking."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    DEFAULT_APPOINTMENT_TYPES,
    TRANSITIONS,
    Appointment,
    AppointmentId,
    AppointmentStatus,
    Conflict,
    ConflictKind,
    Holiday,
    InvalidTransition,
    Provider,
    ProviderHours,
    Recall,
    RecallId,
    ScheduleConfig,
    ScheduleConflict,
    Slot,
    TimeSpan,
    WaitlistEntry,
    WaitlistEntryId,
    WaitlistPriority,
    WeeklyHours,
    booking_conflicts,
    check_transition,
    free_slots,
    rank_waitlist,
)

S = AppointmentStatus
DR = UserId("dr")
MON = date(2025, 3, 17)
CONFIG = ScheduleConfig("Europe/London")


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def appt(start: datetime, minutes: int = 15, status: S = S.BOOKED, **kw: object) -> Appointment:
    return Appointment(
        AppointmentId(f"a{start:%H%M}"),
        PatientId("p"),
        DR,
        start,
        start + timedelta(minutes=minutes),
        "follow_up",
        status,
        **kw,
    )  # type: ignore[arg-type]


def test_the_status_flow() -> None:
    happy = [S.BOOKED, S.CONFIRMED, S.ARRIVED, S.IN_ROOM, S.COMPLETED]
    for old, new in itertools.pairwise(happy):
        check_transition(old, new)
    for final in (S.COMPLETED, S.NO_SHOW, S.CANCELLED):
        assert final.is_final
        assert TRANSITIONS[final] == frozenset()
        with pytest.raises(InvalidTransition):
            check_transition(final, S.BOOKED)
    with pytest.raises(InvalidTransition, match="in room appointment cannot be marked no-show"):
        check_transition(S.IN_ROOM, S.NO_SHOW)
    assert not S.CANCELLED.blocks_time
    assert S.ARRIVED.blocks_time
    assert {s.label for s in S} >= {"In room", "No-show"}


def test_default_types_and_provider_names() -> None:
    assert [(t.label, t.duration_minutes) for t in DEFAULT_APPOINTMENT_TYPES] == [
        ("New patient", 30),
        ("Follow-up", 15),
        ("Full skin check", 30),
        ("Procedure", 45),
        ("Cosmetic", 30),
    ]
    assert all(t.colour.startswith("#") and len(t.colour) == 7 for t in DEFAULT_APPOINTMENT_TYPES)
    assert Provider(DR, "Chidi Okafor").display_name == "Dr Okafor"
    assert Provider(DR, " ").display_name == "the clinician"


def test_bookable_spans_remove_breaks_and_respect_dst() -> None:
    lunch = WeeklyHours(((TimeSpan(time(12), time(13)),),) + ((),) * 6)
    config = ScheduleConfig(
        "Europe/London",
        provider_hours=(ProviderHours(DR, WeeklyHours.weekdays(time(9), time(17)), lunch),),
    )
    assert config.bookable_spans(DR, MON) == [
        (utc(MON, 9), utc(MON, 12)),
        (utc(MON, 13), utc(MON, 17)),
    ]
    summer = date(2025, 3, 31)
    assert config.bookable_spans(DR, summer)[0] == (utc(summer, 8), utc(summer, 11))
    closed = ScheduleConfig("Europe/London", holidays=(Holiday(MON, "Bank holiday"),))
    assert closed.bookable_spans(DR, MON) == []
    assert closed.holiday_on(MON, DR) is not None
    away = ScheduleConfig("Europe/London", holidays=(Holiday(MON, "Leave", DR),))
    assert away.holiday_on(MON) is None
    assert away.holiday_on(MON, DR) is not None


def test_conflicts_list_every_reason_and_ignore_the_moved_row() -> None:
    existing = [appt(utc(MON, 10)), appt(utc(MON, 10, 30), status=S.CANCELLED)]
    slot = Slot(DR, utc(MON, 10, 5), utc(MON, 10, 20), PatientId("p"))
    found = booking_conflicts(CONFIG, slot, existing, {DR: "Dr Okafor"})
    assert [c.kind for c in found] == [ConflictKind.PROVIDER_BUSY, ConflictKind.PATIENT_BUSY]
    assert found[0].message == "Dr Okafor already has an appointment 10:00–10:15."
    assert booking_conflicts(CONFIG, slot, existing, {}, ignore=frozenset({existing[0].id})) == []
    late = Slot(DR, utc(MON, 23, 50), utc(MON, 23, 50) + timedelta(minutes=20))
    assert booking_conflicts(CONFIG, late, [], {})[0].kind is ConflictKind.CLINIC_CLOSED
    many = ScheduleConflict([Conflict(ConflictKind.ROOM_BUSY, f"m{i}.") for i in range(5)])
    assert many.message == "m0. m1. m2. (and 2 more)"


def test_free_slots_walk_the_grid_around_bookings() -> None:
    busy = [(utc(MON, 8), utc(MON, 8, 50)), (utc(MON, 9), utc(MON, 9, 10))]
    got = list(free_slots(CONFIG, DR, timedelta(minutes=15), utc(MON, 7), utc(MON, 10), busy=busy))
    assert [s for s, _ in got] == [utc(MON, 9, 15), utc(MON, 9, 30), utc(MON, 9, 45)]
    weekend = list(
        free_slots(
            CONFIG,
            DR,
            timedelta(minutes=15),
            utc(date(2025, 3, 15), 0),
            utc(date(2025, 3, 16), 23),
            busy=[],
        )
    )
    assert weekend == []
    odd = list(
        free_slots(
            CONFIG,
            DR,
            timedelta(minutes=15),
            utc(MON, 8, 7),
            utc(MON, 8, 40),
            busy=[],
            step_minutes=10,
        )
    )
    assert [s for s, _ in odd] == [utc(MON, 8, 10), utc(MON, 8, 20)]


def test_waitlist_ranking_and_recall_overdue() -> None:
    t = utc(date(2025, 3, 1), 9)
    entries = [
        WaitlistEntry(WaitlistEntryId("old"), PatientId("a"), t),
        WaitlistEntry(
            WaitlistEntryId("urgent"),
            PatientId("b"),
            t + timedelta(days=5),
            WaitlistPriority.URGENT,
        ),
        WaitlistEntry(WaitlistEntryId("other-dr"), PatientId("c"), t, provider_id=UserId("x")),
        WaitlistEntry(WaitlistEntryId("late"), PatientId("d"), t, earliest=MON + timedelta(days=1)),
    ]
    ranked = rank_waitlist(entries, CONFIG, DR, utc(MON, 10), utc(MON, 10, 30))
    assert [e.id for e in ranked] == ["urgent", "old"]
    assert WaitlistPriority.SOON.label == "Soon"
    recall = Recall(RecallId("r"), PatientId("p"), MON, "FSE", "full_skin_check")
    assert not recall.is_overdue(MON)
    assert recall.is_overdue(MON + timedelta(days=1))
    assert recall.days_overdue(MON + timedelta(days=4)) == 4
    assert recall.days_overdue(MON) == 0

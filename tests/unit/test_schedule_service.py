"""ScheduleService on the fakes: booking, conflicts, status flow, board, undo, free slots."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId
from dermai_desktop.domain.scheduling import (
    AppointmentId,
    AppointmentStatus,
    AppointmentType,
    ConflictKind,
    Holiday,
    InvalidTransition,
    Room,
    RoomId,
    ScheduleConflict,
    TimeSpan,
    WeeklyHours,
)
from tests.unit.schedule_support import FRIDAY, MONDAY, TUESDAY, Clinic, at, make_clinic

S = AppointmentStatus


@pytest.fixture
def c() -> Clinic:
    return make_clinic()


def test_book_uses_the_type_default_duration_and_audits_without_names(c: Clinic) -> None:
    change = c.schedule.book(c.desk, c.request(at(MONDAY, 10), "new_patient", reason="rash"))
    appt = change.appointment
    assert appt is not None
    assert (appt.start, appt.end, appt.status) == (at(MONDAY, 10), at(MONDAY, 10, 30), S.BOOKED)
    assert change.kind == "book"
    assert change.appointments[0].before is None
    event = c.world.db.events(AuditAction.CREATE)[-1]
    assert event.entity_type == "appointment"
    assert event.patient_id == appt.patient_id
    assert "Ada" not in event.detail
    assert "rash" not in event.detail
    assert change.touched_days == frozenset({MONDAY})


def test_explicit_duration_room_and_seconds_are_dropped(c: Clinic) -> None:
    start = at(MONDAY, 11) + timedelta(seconds=42)
    appt = c.schedule.book(
        c.desk, c.request(start, duration_minutes=50, room_id=RoomId("room-2"))
    ).appointment
    assert appt is not None
    assert appt.start == at(MONDAY, 11)
    assert appt.end == at(MONDAY, 11, 50)
    assert appt.room_id == "room-2"


@pytest.mark.parametrize(
    ("start", "kind", "expected"),
    [
        (
            at(MONDAY, 10, 5),
            ConflictKind.PROVIDER_BUSY,
            "Dr Derm already has an appointment 10:00–10:15.",
        ),
        (
            at(MONDAY, 7, 45),
            ConflictKind.CLINIC_CLOSED,
            "outside the clinic's opening hours (08:00–18:00)",
        ),
        (at(date(2025, 3, 16), 10), ConflictKind.CLINIC_CLOSED, "The clinic is closed on Sundays."),
        (at(MONDAY, 17, 55), ConflictKind.CLINIC_CLOSED, "17:55–18:10 is outside"),
    ],
)
def test_conflicts_are_refused_with_plain_reasons(
    c: Clinic, start: object, kind: ConflictKind, expected: str
) -> None:
    c.schedule.book(c.desk, c.request(at(MONDAY, 10)))
    with pytest.raises(ScheduleConflict) as refused:
        c.schedule.book(c.desk, c.request(start, patient=1))  # type: ignore[arg-type]
    assert refused.value.conflicts[0].kind is kind
    assert expected in refused.value.message
    assert "Ada" not in refused.value.user_text()


def test_room_and_patient_double_booking_are_refused(c: Clinic) -> None:
    c.schedule.book(c.desk, c.request(at(MONDAY, 10), room_id=RoomId("room-1")))
    other = c.request(at(MONDAY, 10), patient=1, room_id=RoomId("room-1"))
    with pytest.raises(ScheduleConflict, match="Room 1 is already booked 10:00–10:15"):
        c.schedule.book(c.desk, _with_provider(other, c.other_derm.user_id))  # type: ignore[arg-type]
    with pytest.raises(ScheduleConflict, match="This patient already has an appointment"):
        c.schedule.book(c.desk, _with_provider(c.request(at(MONDAY, 10)), c.other_derm.user_id))  # type: ignore[arg-type]


def _with_provider(request: object, provider: UserId) -> object:
    from dataclasses import replace

    return replace(request, provider_id=provider)  # type: ignore[type-var]


def test_cancelled_appointments_do_not_block(c: Clinic) -> None:
    first = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    assert first is not None
    c.schedule.cancel(c.desk, first.id, "patient phoned")
    assert c.schedule.book(c.desk, c.request(at(MONDAY, 10), patient=1)).appointment is not None


def test_holidays_working_hours_and_breaks(c: Clinic) -> None:
    lunch = WeeklyHours(((TimeSpan(time(12, 30), time(13, 30)),),) * 5 + ((),) * 2)
    mornings = WeeklyHours.weekdays(time(9), time(13))
    c.schedule.set_provider_hours(c.manager, c.dr, mornings, lunch)
    c.schedule.add_holiday(c.manager, Holiday(date(2025, 12, 25), "Christmas Day"))
    c.schedule.add_holiday(c.manager, Holiday(TUESDAY, "Conference", c.dr))
    cases = [
        (at(date(2025, 12, 25), 10), "The clinic is closed on 25 December (Christmas Day)."),
        (at(TUESDAY, 10), "Dr Derm is away on 18 March (Conference)."),
        (at(MONDAY, 14), "14:00–14:15 is outside Dr Derm's working hours (09:00–13:00)."),
        (at(MONDAY, 12, 45), "Dr Derm has a break 12:30–13:30."),
    ]
    for start, message in cases:
        with pytest.raises(ScheduleConflict) as refused:
            c.schedule.book(c.desk, c.request(start))
        assert message in refused.value.message
    saturday = WeeklyHours(((),) * 5 + ((TimeSpan(time(9), time(12)),),) + ((),))
    c.schedule.set_clinic_hours(c.manager, WeeklyHours.weekdays(time(8), time(18)))
    c.schedule.set_provider_hours(c.manager, c.dr, saturday)
    with pytest.raises(ScheduleConflict, match="Dr Derm does not work on Mondays"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10)))
    # The other dermatologist is unaffected by Dr Derm's leave and hours.
    assert c.schedule.book(
        c.desk,
        _with_provider(
            c.request(at(TUESDAY, 10)),  # type: ignore[arg-type]
            c.other_derm.user_id,
        ),
    ).appointment


def test_booking_refuses_bad_input(c: Clinic) -> None:
    with pytest.raises(ValidationFailed, match="type does not exist"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10), "' OR 1=1 --"))
    with pytest.raises(ValidationFailed, match="cannot be booked"):
        c.schedule.book(c.desk, _with_provider(c.request(at(MONDAY, 10)), c.desk.user_id))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        c.schedule.book(
            c.desk,
            c.request(at(MONDAY, 10)).__class__(
                PatientId("nobody"), c.dr, at(MONDAY, 10), "follow_up"
            ),
        )
    with pytest.raises(ValidationFailed, match="time zone"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10).replace(tzinfo=None)))
    with pytest.raises(ValidationFailed, match="lasts 5 minutes to 8 hours"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10), duration_minutes=600))
    with pytest.raises(ValidationFailed, match="day that has passed"):
        c.schedule.book(c.desk, c.request(at(FRIDAY - timedelta(days=1), 10)))
    with pytest.raises(ValidationFailed, match="at most 500"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10), reason="x" * 10_000))
    with pytest.raises(ValidationFailed, match="room does not exist"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10), room_id=RoomId("broom-cupboard")))
    c.schedule.save_room(c.manager, Room(RoomId("room-2"), "Room 2", active=False))
    with pytest.raises(ValidationFailed, match="no longer in use"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10), room_id=RoomId("room-2")))
    c.schedule.save_appointment_type(
        c.manager, AppointmentType("cosmetic", "Cosmetic", 30, "#C98A1B", active=False)
    )
    with pytest.raises(ValidationFailed, match="no longer offered"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10), "cosmetic"))
    assert c.schedule.view(c.desk, MONDAY).appointments == ()


def test_emoji_and_rtl_reasons_are_kept(c: Clinic) -> None:
    reason = "حكة 🙂  on   the arm"
    appt = c.schedule.book(c.desk, c.request(at(MONDAY, 10), reason=reason)).appointment
    assert appt is not None
    assert appt.reason == "حكة 🙂 on the arm"


def test_move_resize_and_their_undo(c: Clinic) -> None:
    booked = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    assert booked is not None
    moved = c.schedule.move(
        c.desk,
        booked.id,
        at(TUESDAY, 9),
        provider_id=c.other_derm.user_id,
        room_id=RoomId("room-1"),
        expected_version=booked.version,
    )
    after = moved.appointment
    assert after is not None
    assert (after.start, after.end, after.provider_id, after.room_id) == (
        at(TUESDAY, 9),
        at(TUESDAY, 9, 15),
        c.other_derm.user_id,
        "room-1",
    )
    assert moved.appointments[0].before == booked
    resized = c.schedule.resize(c.desk, booked.id, at(TUESDAY, 9, 40))
    assert resized.appointment is not None
    assert resized.appointment.end == at(TUESDAY, 9, 40)
    c.schedule.revert(c.desk, resized)
    c.schedule.revert(c.desk, moved)
    back = c.schedule.get(c.desk, booked.id).appointment
    assert (back.start, back.end, back.provider_id, back.room_id) == (
        booked.start,
        booked.end,
        booked.provider_id,
        None,
    )


def test_move_refusals(c: Clinic) -> None:
    a = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    b = c.schedule.book(c.desk, c.request(at(MONDAY, 11), patient=1)).appointment
    assert a is not None
    assert b is not None
    with pytest.raises(ScheduleConflict, match="11:00–11:15"):
        c.schedule.move(c.desk, a.id, at(MONDAY, 11, 10))
    with pytest.raises(ValidationFailed, match="changed this appointment"):
        c.schedule.move(c.desk, a.id, at(MONDAY, 12), expected_version=99)
    with pytest.raises(ValidationFailed, match="passed"):
        c.schedule.move(c.desk, a.id, at(FRIDAY - timedelta(days=2), 12))
    with pytest.raises(ValidationFailed, match="lasts"):
        c.schedule.resize(c.desk, a.id, at(MONDAY, 10, 2))
    with pytest.raises(NotFound):
        c.schedule.move(c.desk, AppointmentId("missing"), at(MONDAY, 12))
    c.schedule.cancel(c.desk, a.id, "no longer needed")
    with pytest.raises(ValidationFailed, match="cancelled appointment cannot be moved"):
        c.schedule.move(c.desk, a.id, at(MONDAY, 12))
    # Moving onto itself (overlapping its own old time) is fine.
    assert c.schedule.move(c.desk, b.id, at(MONDAY, 11, 5)).appointment is not None


def test_status_flow_stamps_times_and_refuses_jumps(c: Clinic) -> None:
    today = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 30))).appointment
    assert today is not None
    c.schedule.set_status(c.desk, today.id, S.CONFIRMED)
    c.world.clock.advance(minutes=5)
    arrived = c.schedule.check_in(c.desk, today.id).appointment
    assert arrived is not None
    assert arrived.arrived_at == c.world.clock.now()
    with pytest.raises(InvalidTransition, match="arrived appointment cannot be marked confirmed"):
        c.schedule.set_status(c.desk, today.id, S.CONFIRMED)
    c.world.clock.advance(minutes=12)
    roomed = c.schedule.set_status(c.desk, today.id, S.IN_ROOM).appointment
    assert roomed is not None
    assert roomed.roomed_at == c.world.clock.now()
    done = c.schedule.set_status(c.derm, today.id, S.COMPLETED).appointment
    assert done is not None
    assert done.completed_at is not None
    with pytest.raises(InvalidTransition):
        c.schedule.set_status(c.desk, today.id, S.NO_SHOW)
    with pytest.raises(ValidationFailed, match="needs a reason"):
        c.schedule.set_status(c.desk, today.id, S.CANCELLED)
    later = c.schedule.book(c.desk, c.request(at(MONDAY, 9), patient=1)).appointment
    assert later is not None
    with pytest.raises(ValidationFailed, match="later day cannot be marked arrived"):
        c.schedule.check_in(c.desk, later.id)
    with pytest.raises(ValidationFailed, match="reason for cancelling"):
        c.schedule.cancel(c.desk, later.id, "   ")


def test_check_in_board_with_waiting_times_and_no_show_counts(c: Clinic) -> None:
    early = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 15))).appointment
    late = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 45), patient=1)).appointment
    gone = c.schedule.book(c.desk, c.request(at(FRIDAY, 10), patient=2)).appointment
    missed = c.schedule.book(c.desk, c.request(at(MONDAY, 10), patient=1)).appointment
    assert early
    assert late
    assert gone
    assert missed
    c.schedule.cancel(c.desk, gone.id, "unwell")
    c.schedule.check_in(c.desk, early.id)
    c.world.clock.advance(minutes=50)  # 09:50: the 09:45 patient is late
    c.schedule.set_status(c.desk, late.id, S.NO_SHOW)
    c.world.clock.advance(days=3)  # Monday 09:50
    c.schedule.set_status(c.desk, missed.id, S.NO_SHOW)
    c.world.clock.advance(days=-3)
    board = c.schedule.check_in_board(c.desk)
    assert [r.listing.appointment.id for r in board] == [early.id, late.id]
    first, second = board
    assert first.waiting_minutes == 50
    assert first.waiting_since is not None
    assert not first.late
    assert first.provider_name == "Dr Derm"
    assert first.listing.patient.name == "Lovelace, Ada"
    assert second.no_show_count == 2
    assert second.waiting_minutes is None
    assert c.schedule.no_show_count(c.desk, c.patients[1]) == 2
    assert c.schedule.no_show_counts(c.desk, c.patients) == {c.patients[1]: 2}
    c.schedule.set_status(c.desk, early.id, S.IN_ROOM)
    c.world.clock.advance(minutes=30)
    assert c.schedule.check_in_board(c.desk, FRIDAY)[0].waiting_minutes == 50
    assert c.world.db.events(AuditAction.VIEW)[-1].entity_type == "checkin_board"


def test_late_flag_for_patients_who_have_not_arrived(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 15))).appointment
    assert appt is not None
    assert not c.schedule.check_in_board(c.desk)[0].late
    c.world.clock.advance(minutes=20)
    assert c.schedule.check_in_board(c.desk)[0].late


def test_reinstate_after_cancel_and_no_show_unless_the_slot_was_taken(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 30))).appointment
    assert appt is not None
    with pytest.raises(ValidationFailed, match="Only cancelled or missed"):
        c.schedule.reinstate(c.desk, appt.id)
    c.schedule.set_status(c.desk, appt.id, S.NO_SHOW)
    back = c.schedule.reinstate(c.desk, appt.id, S.ARRIVED).appointment
    assert back is not None
    assert back.status is S.ARRIVED
    with pytest.raises(ValidationFailed, match="as booked"):
        c.schedule.reinstate(c.desk, appt.id, S.COMPLETED)
    c.schedule.cancel(c.desk, appt.id, "left before being seen")
    c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 30), patient=1))
    with pytest.raises(ScheduleConflict):
        c.schedule.reinstate(c.desk, appt.id)


def test_undo_of_cancel_is_refused_when_the_slot_was_given_away(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    assert appt is not None
    cancelled = c.schedule.cancel(c.desk, appt.id, "phoned")
    c.schedule.book(c.desk, c.request(at(MONDAY, 10), patient=1))
    with pytest.raises(ScheduleConflict, match="Dr Derm already has") as refused:
        c.schedule.revert(c.desk, cancelled)
    assert "given to someone else" in refused.value.next_step
    assert c.schedule.get(c.desk, appt.id).appointment.status is S.CANCELLED


def test_undo_is_refused_after_someone_else_changed_the_row(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    assert appt is not None
    moved = c.schedule.move(c.desk, appt.id, at(MONDAY, 11))
    c.schedule.move(c.derm, appt.id, at(MONDAY, 12))
    with pytest.raises(ValidationFailed, match="can no longer be undone"):
        c.schedule.revert(c.desk, moved)
    booked = c.schedule.book(c.desk, c.request(at(MONDAY, 15), patient=1))
    undone = c.schedule.revert(c.desk, booked)
    assert undone.kind == "revert:book"
    with pytest.raises(ValidationFailed, match="can no longer be undone"):
        c.schedule.revert(c.desk, booked)
    redone = c.schedule.revert(c.desk, undone)
    assert redone.kind == "book"
    assert redone.appointment is not None
    with pytest.raises(ValidationFailed):
        c.schedule.revert(c.desk, undone)


def test_status_undo_redo_round_trip(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 30))).appointment
    assert appt is not None
    arrived = c.schedule.check_in(c.desk, appt.id)
    undone = c.schedule.revert(c.desk, arrived)
    state = c.schedule.get(c.desk, appt.id).appointment
    assert state.status is S.BOOKED
    assert state.arrived_at is None
    c.schedule.revert(c.desk, undone)
    assert c.schedule.get(c.desk, appt.id).appointment.status is S.ARRIVED


def test_view_filters_and_audits_once(c: Clinic) -> None:
    c.schedule.book(c.desk, c.request(at(MONDAY, 10), room_id=RoomId("room-1")))
    c.schedule.book(
        c.desk,
        _with_provider(
            c.request(at(TUESDAY, 10), patient=1),  # type: ignore[arg-type]
            c.other_derm.user_id,
        ),
    )
    gone = c.schedule.book(c.desk, c.request(at(TUESDAY, 11), patient=2)).appointment
    assert gone is not None
    c.schedule.cancel(c.desk, gone.id, "moved away")
    before = len(c.world.db.events(AuditAction.VIEW))
    week = c.schedule.view(c.desk, MONDAY, 7)
    assert len(week.appointments) == 3
    assert week.end == MONDAY + timedelta(days=7)
    assert [p.display_name for p in week.providers] == ["Dr Derm", "Dr Okafor"]
    assert len(c.world.db.events(AuditAction.VIEW)) == before + 1
    assert len(c.schedule.view(c.desk, MONDAY, 7, include_cancelled=False).appointments) == 2
    only = c.schedule.view(c.desk, MONDAY, 7, provider_ids=[c.other_derm.user_id])
    assert [p.display_name for p in only.providers] == ["Dr Okafor"]
    assert len(only.appointments) == 1
    assert len(c.schedule.view(c.desk, MONDAY, 7, room_id=RoomId("room-1")).appointments) == 1
    with pytest.raises(ValidationFailed):
        c.schedule.view(c.desk, MONDAY, 0)


def test_free_slot_finder(c: Clinic) -> None:
    c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 30), "new_patient"))
    slots = c.schedule.find_free_slots(c.desk, "new_patient", provider_id=c.dr, limit=3)
    # 09:00-09:30 fits exactly before the 09:30 booking; 09:15 would overlap it.
    assert [s.start for s in slots] == [at(FRIDAY, 9), at(FRIDAY, 10), at(FRIDAY, 10, 15)]
    assert slots[1].end == at(FRIDAY, 10, 30)
    assert slots[0].provider_name == "Dr Derm"
    first = c.schedule.next_free_slot(c.desk, "follow_up", provider_id=c.dr)
    assert first is not None
    assert first.start == at(FRIDAY, 9)
    c.schedule.add_holiday(c.manager, Holiday(MONDAY, "Training day"))
    after = c.schedule.next_free_slot(c.desk, "follow_up", provider_id=c.dr, after=at(FRIDAY, 18))
    assert after is not None
    assert after.start == at(TUESDAY, 8)
    both = c.schedule.find_free_slots(c.desk, "follow_up", after=at(TUESDAY, 8), limit=2)
    assert {s.provider_name for s in both} == {"Dr Derm", "Dr Okafor"}
    assert (
        c.schedule.find_free_slots(
            c.desk, "follow_up", provider_id=c.dr, within_days=1, after=at(FRIDAY, 17, 50)
        )
        == []
    )
    roomed = c.schedule.find_free_slots(
        c.desk, "follow_up", provider_id=c.dr, room_id=RoomId("room-1"), patient_id=c.patients[0]
    )
    assert roomed[0].room_id == "room-1"
    assert roomed[0].start == at(FRIDAY, 9)


def test_check_slot_gives_live_feedback_without_booking(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    assert appt is not None
    assert c.schedule.check_slot(c.desk, c.request(at(MONDAY, 10), patient=1))[0].kind is (
        ConflictKind.PROVIDER_BUSY
    )
    assert c.schedule.check_slot(c.desk, c.request(at(MONDAY, 10, 5)), moving=appt.id) == []


def test_visits_for_patient(c: Clinic) -> None:
    past = c.schedule.book(c.desk, c.request(at(FRIDAY, 9, 15))).appointment
    nxt = c.schedule.book(c.desk, c.request(at(TUESDAY, 9))).appointment
    later = c.schedule.book(c.desk, c.request(at(TUESDAY + timedelta(days=7), 9))).appointment
    assert past
    assert nxt
    assert later
    for status in (S.ARRIVED, S.IN_ROOM, S.COMPLETED):
        c.schedule.set_status(c.derm, past.id, status)
    visits = c.schedule.visits_for_patient(c.derm, c.patients[0])
    assert visits.last is not None
    assert visits.last.id == past.id
    assert visits.next is not None
    assert visits.next.id == nxt.id
    assert [a.id for a in visits.upcoming] == [nxt.id, later.id]
    assert visits.no_show_count == 0
    assert c.world.db.events(AuditAction.VIEW)[-1].patient_id == c.patients[0]
    empty = c.schedule.visits_for_patient(c.derm, c.patients[3])
    assert empty.last is None
    assert empty.next is None
    with pytest.raises(NotFound):
        c.schedule.visits_for_patient(c.derm, PatientId("nobody"))


def test_it_admin_is_refused_and_the_refusal_is_audited(c: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        c.schedule.view(c.it, MONDAY)
    with pytest.raises(PermissionDenied):
        c.schedule.book(c.it, c.request(at(MONDAY, 10)))
    with pytest.raises(PermissionDenied):
        c.schedule.set_clinic_hours(c.desk, WeeklyHours.weekdays(time(8), time(18)))
    assert len(c.world.db.events(AuditAction.PERMISSION_DENIED)) == 3


def test_timezone_setting_moves_the_opening_hours(c: Clinic) -> None:
    c.world.services.settings.change(c.manager, "clinic.timezone", "America/New_York")
    # 10:00 UTC is 06:00 in New York: before opening.
    with pytest.raises(ScheduleConflict, match="06:00–06:15 is outside"):
        c.schedule.book(c.desk, c.request(at(MONDAY, 10)))
    assert c.schedule.book(c.desk, c.request(at(MONDAY, 14))).appointment is not None
    with pytest.raises(ValidationFailed, match="time zone name"):
        c.world.services.settings.change(c.manager, "clinic.timezone", "Mars/Olympus_Mons")
    with pytest.raises(ValidationFailed):
        c.world.services.settings.change(c.manager, "clinic.timezone", "../../etc/passwd")


def test_configuration_validation(c: Clinic) -> None:
    bad_types = [
        AppointmentType("", "X", 15, "#000000"),
        AppointmentType("ok", " ", 15, "#000000"),
        AppointmentType("ok", "Fine", 2, "#000000"),
        AppointmentType("ok", "Fine", 15, "red"),
        AppointmentType("ok", "Fine", 15, "#GGGGGG"),
    ]
    for kind in bad_types:
        with pytest.raises(ValidationFailed):
            c.schedule.save_appointment_type(c.manager, kind)
    with pytest.raises(ValidationFailed):
        c.schedule.save_room(c.manager, Room(RoomId("r"), ""))
    with pytest.raises(ValidationFailed, match="at least one day"):
        c.schedule.set_clinic_hours(c.manager, WeeklyHours())
    with pytest.raises(ValidationFailed, match="cannot be booked"):
        c.schedule.set_provider_hours(c.manager, c.desk.user_id, None)
    c.schedule.add_holiday(c.manager, Holiday(MONDAY, "Bank holiday"))
    with pytest.raises(ValidationFailed, match="already marked"):
        c.schedule.add_holiday(c.manager, Holiday(MONDAY, "Again"))
    with pytest.raises(ValidationFailed, match="holiday name"):
        c.schedule.add_holiday(c.manager, Holiday(TUESDAY, ""))
    with pytest.raises(ValidationFailed, match="not marked"):
        c.schedule.remove_holiday(c.manager, TUESDAY)
    with pytest.raises(ValidationFailed):
        TimeSpan(time(10), time(9))
    with pytest.raises(ValidationFailed, match="7 days"):
        WeeklyHours(((),) * 6)
    with pytest.raises(ValidationFailed, match="overlap"):
        WeeklyHours(((TimeSpan(time(9), time(12)), TimeSpan(time(11), time(13))),) + ((),) * 6)
    config = c.schedule.config(c.desk)
    assert [t.code for t in config.types][:5] == [
        "new_patient",
        "follow_up",
        "full_skin_check",
        "procedure",
        "cosmetic",
    ]
    assert config.timezone == "Europe/London"
    assert config.holidays[0].name == "Bank holiday"
    assert c.world.db.events(AuditAction.UPDATE)[-1].entity_type == "schedule_config"

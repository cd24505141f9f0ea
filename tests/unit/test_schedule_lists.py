"""Waitlist offers when a slot frees up, recalls with the overdue flag, and book_recall."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.scheduling import (
    AppointmentStatus,
    RecallId,
    RecallSource,
    RecallStatus,
    WaitlistEntryId,
    WaitlistPriority,
    WaitlistStatus,
    rank_waitlist,
)
from tests.unit.schedule_support import FRIDAY, MONDAY, TUESDAY, Clinic, at, make_clinic

S = AppointmentStatus


@pytest.fixture
def c() -> Clinic:
    return make_clinic(6)


def test_cancelling_offers_matching_waitlisted_patients_most_urgent_first(c: Clinic) -> None:
    appt = c.schedule.book(c.desk, c.request(at(MONDAY, 10), "new_patient")).appointment
    assert appt is not None
    routine = c.schedule.add_to_waitlist(c.desk, c.patients[1])
    c.world.clock.advance(minutes=1)
    urgent = c.schedule.add_to_waitlist(
        c.desk,
        c.patients[2],
        provider_id=c.dr,
        priority=WaitlistPriority.URGENT,
        note="changing mole",
    )
    c.world.clock.advance(minutes=1)
    c.schedule.add_to_waitlist(c.desk, c.patients[3], provider_id=c.other_derm.user_id)
    c.schedule.add_to_waitlist(c.desk, c.patients[4], type_code="procedure")  # 45 min > 30
    c.schedule.add_to_waitlist(c.desk, c.patients[5], latest=FRIDAY)  # wants it sooner
    change = c.schedule.cancel(c.desk, appt.id, "patient phoned")
    assert [o.entry.id for o in change.offers] == [urgent.id, routine.id]
    offer = change.offers[0]
    assert offer.slot.start == at(MONDAY, 10)
    assert offer.slot.end == at(MONDAY, 10, 30)
    assert offer.patient.mrn
    assert offer.slot.provider_name == "Dr Derm"
    listing = c.schedule.waitlist(c.desk)
    assert next(e.entry.priority for e in listing) is WaitlistPriority.URGENT
    booked = c.schedule.book_from_waitlist(
        c.desk, urgent.id, c.request(at(MONDAY, 10), "follow_up", patient=2)
    )
    assert booked.waitlist[0].after is not None
    assert booked.waitlist[0].after.status is WaitlistStatus.BOOKED
    assert urgent.id not in {e.entry.id for e in c.schedule.waitlist(c.desk)}
    c.schedule.revert(c.desk, booked)  # undo puts the patient back on the list
    assert urgent.id in {e.entry.id for e in c.schedule.waitlist(c.desk)}


def test_no_show_and_move_free_slots_too(c: Clinic) -> None:
    entry = c.schedule.add_to_waitlist(c.desk, c.patients[1])
    today = c.schedule.book(c.desk, c.request(at(FRIDAY, 11))).appointment
    assert today is not None
    c.world.clock.advance(minutes=125)  # 11:05, patient not here
    missed = c.schedule.set_status(c.desk, today.id, S.NO_SHOW)
    offer = missed.offers[0]
    assert offer.entry.id == entry.id
    assert offer.slot.start == at(FRIDAY, 11, 5)
    later = c.schedule.book(c.desk, c.request(at(MONDAY, 9), patient=2)).appointment
    assert later is not None
    moved = c.schedule.move(c.desk, later.id, at(TUESDAY, 9))
    assert [o.slot.start for o in moved.offers] == [at(MONDAY, 9)]
    shorter = c.schedule.resize(c.desk, later.id, at(TUESDAY, 9, 5))
    assert [o.slot.start for o in shorter.offers] == [at(TUESDAY, 9, 5)]
    assert c.schedule.offers_for_slot(c.desk, c.dr, at(MONDAY, 14), at(MONDAY, 14, 30))
    past = c.schedule.offers_for_slot(c.desk, c.dr, at(FRIDAY, 8), at(FRIDAY, 8, 30))
    assert past == []


def test_a_slot_already_taken_is_not_offered(c: Clinic) -> None:
    c.schedule.add_to_waitlist(c.desk, c.patients[1])
    appt = c.schedule.book(c.desk, c.request(at(MONDAY, 10))).appointment
    other = c.schedule.book(c.desk, c.request(at(MONDAY, 11), patient=2)).appointment
    assert appt
    assert other
    assert c.schedule.cancel(c.desk, appt.id, "x").offers
    assert c.schedule.offers_for_slot(c.desk, c.dr, at(MONDAY, 11), at(MONDAY, 11, 15)) == []


def test_waitlist_validation(c: Clinic) -> None:
    entry = c.schedule.add_to_waitlist(c.desk, c.patients[1], type_code="follow_up")
    with pytest.raises(ValidationFailed, match="already on the waitlist"):
        c.schedule.add_to_waitlist(c.desk, c.patients[1], type_code="follow_up")
    with pytest.raises(ValidationFailed, match="before the first"):
        c.schedule.add_to_waitlist(c.desk, c.patients[2], earliest=TUESDAY, latest=MONDAY)
    with pytest.raises(ValidationFailed, match="type does not exist"):
        c.schedule.add_to_waitlist(c.desk, c.patients[2], type_code="nope")
    with pytest.raises(ValidationFailed, match="cannot be booked"):
        c.schedule.add_to_waitlist(c.desk, c.patients[2], provider_id=c.desk.user_id)
    with pytest.raises(ValidationFailed, match="different patient"):
        c.schedule.book_from_waitlist(c.desk, entry.id, c.request(at(MONDAY, 10), patient=2))
    removed = c.schedule.remove_from_waitlist(c.desk, entry.id)
    assert removed.status is WaitlistStatus.REMOVED
    with pytest.raises(ValidationFailed, match="no longer waiting"):
        c.schedule.remove_from_waitlist(c.desk, entry.id)
    with pytest.raises(ValidationFailed, match="no longer on the waitlist"):
        c.schedule.book_from_waitlist(c.desk, entry.id, c.request(at(MONDAY, 10), patient=1))
    with pytest.raises(NotFound):
        c.schedule.remove_from_waitlist(c.desk, WaitlistEntryId("missing"))
    config = c.schedule.config(c.desk)
    waiting = replace(entry, status=WaitlistStatus.WAITING)
    # Too short for a 15-minute follow-up; an unknown type never matches; too early a day.
    assert rank_waitlist([waiting], config, c.dr, at(MONDAY, 10), at(MONDAY, 10, 5)) == []
    gone = replace(waiting, type_code="gone")
    assert rank_waitlist([gone], config, c.dr, at(MONDAY, 10), at(MONDAY, 11)) == []
    early = replace(waiting, earliest=TUESDAY)
    assert rank_waitlist([early], config, c.dr, at(MONDAY, 10), at(MONDAY, 11)) == []
    assert rank_waitlist([waiting], config, c.dr, at(MONDAY, 10), at(MONDAY, 11)) == [waiting]


def test_recalls_overdue_booking_and_follow_the_appointment(c: Clinic) -> None:
    overdue = c.schedule.add_recall(
        c.derm,
        c.patients[1],
        FRIDAY - timedelta(days=10),
        "Full skin check 6 months",
        source=RecallSource.VISIT,
        source_id="enc-1",
    )
    future = c.schedule.add_recall(
        c.derm,
        c.patients[2],
        date(2025, 9, 14),
        "Mole review",
        source=RecallSource.LESION,
        source_id="lesion-7",
        type_code="follow_up",
        provider_id=c.dr,
    )
    listed = c.schedule.recalls(c.desk)
    assert [(r.recall.id, r.overdue, r.days_overdue) for r in listed] == [
        (overdue.id, True, 10),
        (future.id, False, 0),
    ]
    assert listed[0].patient.mrn
    change = c.schedule.book_recall(
        c.desk, overdue.id, c.request(at(MONDAY, 10), "full_skin_check", patient=1)
    )
    appt = change.appointment
    assert appt is not None
    assert change.recalls[0].after is not None
    assert change.recalls[0].after.status is RecallStatus.BOOKED
    assert not c.schedule.recalls(c.desk)[0].overdue  # booked is no longer overdue
    c.schedule.cancel(c.desk, appt.id, "ill")
    assert c.schedule.recalls(c.desk)[0].recall.status is RecallStatus.OPEN
    c.schedule.reinstate(c.desk, appt.id)
    assert c.schedule.recalls(c.desk)[0].recall.status is RecallStatus.BOOKED
    c.world.clock.advance(days=3)
    for status in (S.ARRIVED, S.IN_ROOM, S.COMPLETED):
        c.schedule.set_status(c.derm, appt.id, status)
    assert [r.recall.id for r in c.schedule.recalls(c.desk)] == [future.id]
    done = c.schedule.recalls(c.desk, include_closed=True)
    assert {r.recall.status for r in done} == {RecallStatus.DONE, RecallStatus.OPEN}


def test_recall_undo_and_refusals(c: Clinic) -> None:
    recall = c.schedule.add_recall(c.derm, c.patients[1], MONDAY, "Biopsy result review")
    with pytest.raises(ValidationFailed, match="different patient"):
        c.schedule.book_recall(c.desk, recall.id, c.request(at(MONDAY, 10), patient=2))
    change = c.schedule.book_recall(c.desk, recall.id, c.request(at(MONDAY, 10), patient=1))
    with pytest.raises(ValidationFailed, match="not waiting to be booked"):
        c.schedule.book_recall(c.desk, recall.id, c.request(at(MONDAY, 11), patient=1))
    c.schedule.revert(c.desk, change)
    assert c.schedule.recalls(c.desk)[0].recall.status is RecallStatus.OPEN
    assert c.schedule.view(c.desk, MONDAY).appointments == ()
    cancelled = c.schedule.cancel_recall(c.desk, recall.id)
    assert cancelled.status is RecallStatus.CANCELLED
    with pytest.raises(ValidationFailed, match="already cancelled"):
        c.schedule.cancel_recall(c.desk, recall.id)
    with pytest.raises(NotFound):
        c.schedule.cancel_recall(c.desk, RecallId("missing"))
    for bad in (
        {"due": date(2050, 1, 1), "reason": "far"},
        {"due": date(2020, 1, 1), "reason": "long ago"},
        {"due": MONDAY, "reason": ""},
        {"due": MONDAY, "reason": "x" * 10_000},
    ):
        with pytest.raises(ValidationFailed):
            c.schedule.add_recall(c.derm, c.patients[1], bad["due"], bad["reason"])  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="which one"):
        c.schedule.add_recall(c.derm, c.patients[1], MONDAY, "FSE", source=RecallSource.LESION)
    with pytest.raises(ValidationFailed, match="cannot be booked"):
        c.schedule.add_recall(c.derm, c.patients[1], MONDAY, "FSE", provider_id=c.desk.user_id)

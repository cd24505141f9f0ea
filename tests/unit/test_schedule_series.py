"""Recurring series: rule checks, DST, one-occurrence exceptions, "this and following", undo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.scheduling import (
    Appointment,
    AppointmentStatus,
    RoomId,
    ScheduleConflict,
    SeriesId,
)
from dermai_desktop.services.schedule_series import describe_rule, expand_rule, normalise_rule
from tests.unit.schedule_support import MONDAY, TUESDAY, Clinic, at, make_clinic

S = AppointmentStatus


@pytest.fixture
def c() -> Clinic:
    return make_clinic()


def book_weekly(c: Clinic, count: int = 6, **kw: object) -> list[Appointment]:
    change = c.schedule.book_series(
        c.desk, c.request(at(TUESDAY, 9)), f"FREQ=WEEKLY;COUNT={count}", **kw
    )  # type: ignore[arg-type]
    return [ch.after for ch in change.appointments if ch.after is not None]


def snapshot(rows: list[Appointment]) -> list[tuple[object, ...]]:
    return [(a.id, a.start, a.end, a.status, a.provider_id, a.version) for a in rows]


def test_rules_are_checked_and_described() -> None:
    assert (
        normalise_rule("rrule:freq=weekly;count=6;interval=8") == "FREQ=WEEKLY;INTERVAL=8;COUNT=6"
    )
    assert describe_rule("FREQ=WEEKLY;INTERVAL=8;COUNT=6") == "Every 8 weeks, 6 times"
    assert describe_rule("FREQ=MONTHLY;COUNT=1") == "Every month, once"
    assert describe_rule("FREQ=DAILY;UNTIL=20250401T000000Z") == "Every day, until 1 April 2025"
    for bad in (
        "FREQ=WEEKLY",
        "FREQ=SECONDLY;COUNT=3",
        "FREQ=WEEKLY;COUNT=500",
        "nonsense",
        "FREQ=WEEKLY;COUNT=2;INTERVAL=0",
        "DTSTART:20250101T000000Z\nFREQ=DAILY;COUNT=2",
        "FREQ=WEEKLY;COUNT=3;BYDAY=XX",
        "' OR 1=1 --",
        "FREQ=DAILY;UNTIL=20990101T000000Z",
    ):
        with pytest.raises(ValidationFailed):
            expand_rule(normalise_rule(bad), datetime(2025, 1, 1, 9, tzinfo=UTC), "Europe/London")


def test_series_keeps_wall_clock_time_across_daylight_saving(c: Clinic) -> None:
    rows = book_weekly(c, 4)
    # London moves to summer time on 30 March 2025: 09:00 local is then 08:00 UTC.
    assert [a.start for a in rows] == [
        at(TUESDAY, 9),
        at(date(2025, 3, 25), 9),
        at(date(2025, 4, 1), 8),
        at(date(2025, 4, 8), 8),
    ]
    assert all(a.series_id == rows[0].series_id and a.occurrence_start == a.start for a in rows)
    series, stored = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert series.rule == "FREQ=WEEKLY;COUNT=4"
    assert len(stored) == 4


def test_every_eighth_week_as_drug_regimens_need(c: Clinic) -> None:
    change = c.schedule.book_series(
        c.desk, c.request(at(TUESDAY, 9)), "FREQ=WEEKLY;INTERVAL=8;COUNT=3"
    )
    starts = [ch.after.start.date() for ch in change.appointments if ch.after]
    assert starts == [TUESDAY, TUESDAY + timedelta(weeks=8), TUESDAY + timedelta(weeks=16)]


def test_preview_and_conflicting_series(c: Clinic) -> None:
    clash = c.schedule.book(c.desk, c.request(at(date(2025, 3, 25), 9), patient=1)).appointment
    assert clash is not None
    preview = c.schedule.preview_series(c.desk, c.request(at(TUESDAY, 9)), "FREQ=WEEKLY;COUNT=3")
    assert [bool(conflicts) for _, conflicts in preview] == [False, True, False]
    with pytest.raises(ScheduleConflict, match="Tue 25 Mar: Dr Derm already has"):
        book_weekly(c, 3)
    assert c.schedule.view(c.desk, TUESDAY, 21).appointments[0].appointment.id == clash.id
    change = c.schedule.book_series(
        c.desk, c.request(at(TUESDAY, 9)), "FREQ=WEEKLY;COUNT=3", skip_conflicts=True
    )
    assert len(change.appointments) == 2
    assert len(change.skipped) == 1
    assert change.skipped[0].start == at(date(2025, 3, 25), 9)
    with pytest.raises(ScheduleConflict, match="Tue 18 Mar: Dr Derm already has") as none:
        c.schedule.book_series(
            c.desk, c.request(at(TUESDAY, 9), patient=2), "FREQ=DAILY;COUNT=1", skip_conflicts=True
        )
    assert "None of the dates" in none.value.next_step


def test_daily_series_over_a_weekend_is_refused_by_opening_hours(c: Clinic) -> None:
    with pytest.raises(ScheduleConflict, match="Sat 22 Mar: The clinic is closed on Saturdays"):
        c.schedule.book_series(c.desk, c.request(at(date(2025, 3, 20), 9)), "FREQ=DAILY;COUNT=3")


def test_moving_one_occurrence_touches_only_that_row(c: Clinic) -> None:
    rows = book_weekly(c)
    moved = c.schedule.move(c.desk, rows[2].id, at(rows[2].start.date(), 14)).appointment
    assert moved is not None
    assert moved.is_exception
    assert moved.occurrence_start == rows[2].start
    _, after = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    untouched = [a for a in after if a.id != rows[2].id]
    assert snapshot(untouched) == snapshot([r for r in rows if r.id != rows[2].id])
    c.schedule.cancel(c.desk, rows[4].id, "away that week")
    _, after = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert [a.status for a in after] == [S.BOOKED] * 4 + [S.CANCELLED, S.BOOKED]


def test_this_and_following_never_touches_earlier_occurrences(c: Clinic) -> None:
    rows = book_weekly(c)
    c.schedule.set_status(c.desk, rows[0].id, S.CONFIRMED)
    earlier = c.schedule.series(c.desk, rows[0].series_id)[1][:3]  # type: ignore[arg-type]
    # An exception among the following keeps its own time but follows the provider change.
    c.schedule.move(c.desk, rows[4].id, at(rows[4].start.date(), 15))
    change = c.schedule.change_following(
        c.desk,
        rows[3].id,
        start=at(rows[3].start.date(), 11),
        provider_id=c.other_derm.user_id,
        room_id=RoomId("room-2"),
        duration_minutes=20,
    )
    old_series, old_rows = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert snapshot(list(old_rows)) == snapshot(list(earlier))
    assert "UNTIL=" in old_series.rule
    assert "COUNT" not in old_series.rule
    expand = expand_rule(old_series.rule, old_series.first_start, old_series.timezone)
    assert expand == [r.start for r in rows[:3]]
    new_ids = {ch.after.series_id for ch in change.appointments if ch.after}
    assert len(new_ids) == 1
    new_series, new_rows = c.schedule.series(c.desk, new_ids.pop())  # type: ignore[arg-type]
    assert new_series.parent_id == rows[0].series_id
    assert new_series.rule == "FREQ=WEEKLY;COUNT=3"
    # 09:00 -> 12:00 London (11:00 UTC in summer); the moved exception keeps 15:00 UTC.
    assert [(a.start.hour, a.duration) for a in new_rows] == [
        (11, timedelta(minutes=20)),
        (15, timedelta(minutes=20)),
        (11, timedelta(minutes=20)),
    ]
    assert {a.provider_id for a in new_rows} == {c.other_derm.user_id}
    assert {a.room_id for a in new_rows} == {"room-2"}
    # Undo restores both series and every row; redo splits again.
    undone = c.schedule.revert(c.desk, change)
    restored, all_rows = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert restored.rule == "FREQ=WEEKLY;COUNT=6"
    assert len(all_rows) == 6
    assert {a.provider_id for a in all_rows} == {c.dr}
    c.schedule.revert(c.desk, undone)
    assert len(c.schedule.series(c.desk, rows[0].series_id)[1]) == 3  # type: ignore[arg-type]


def test_this_and_following_from_the_first_edits_the_series_in_place(c: Clinic) -> None:
    rows = book_weekly(c, 3)
    change = c.schedule.change_following(c.desk, rows[0].id, start=at(TUESDAY, 10))
    assert len(change.series) == 1
    assert change.series[0].after is not None
    assert change.series[0].after.id == rows[0].series_id
    _, after = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert [a.start.hour for a in after] == [10, 10, 9]  # the last one is in summer time (UTC)


def test_this_and_following_with_a_new_rule(c: Clinic) -> None:
    rows = book_weekly(c, 6)
    c.schedule.cancel(c.desk, rows[4].id, "holiday")
    change = c.schedule.change_following(c.desk, rows[2].id, rule="FREQ=WEEKLY;INTERVAL=2;COUNT=2")
    removed = [ch.before for ch in change.appointments if ch.after is None and ch.before]
    created = [ch.after for ch in change.appointments if ch.before is None and ch.after]
    assert len(removed) == 3
    assert len(created) == 2
    assert created[1].start - created[0].start == timedelta(weeks=2)
    _, old_rows = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert [a.id for a in old_rows] == [rows[0].id, rows[1].id, rows[4].id]


def test_this_and_following_refuses_conflicts_and_changes_nothing(c: Clinic) -> None:
    rows = book_weekly(c)
    c.schedule.book(c.desk, c.request(at(rows[5].start.date(), 11), patient=1))
    before = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    with pytest.raises(ScheduleConflict, match="Tue 22 Apr: Dr Derm already has") as refused:
        c.schedule.change_following(c.desk, rows[3].id, start=at(rows[3].start.date(), 11))
    assert refused.value.conflicts[0].start is not None
    assert "Nothing was changed" in refused.value.next_step
    assert c.schedule.series(c.desk, rows[0].series_id) == before  # type: ignore[arg-type]


def test_cancel_following_keeps_history(c: Clinic) -> None:
    rows = book_weekly(c)
    change = c.schedule.cancel_following(c.desk, rows[2].id, "treatment finished")
    assert len(change.appointments) == 4
    series, after = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert [a.status for a in after] == [S.BOOKED, S.BOOKED] + [S.CANCELLED] * 4
    assert "UNTIL=" in series.rule
    c.schedule.revert(c.desk, change)
    series, after = c.schedule.series(c.desk, rows[0].series_id)  # type: ignore[arg-type]
    assert [a.status for a in after] == [S.BOOKED] * 6
    assert series.rule == "FREQ=WEEKLY;COUNT=6"
    first = c.schedule.cancel_following(c.desk, rows[0].id, "moved away")
    assert not first.series  # nothing earlier: the series itself stays as it was


def test_following_refusals(c: Clinic) -> None:
    single = c.schedule.book(c.desk, c.request(at(MONDAY, 10), patient=1)).appointment
    assert single is not None
    with pytest.raises(ValidationFailed, match="not part of a repeating"):
        c.schedule.cancel_following(c.desk, single.id, "x")
    rows = book_weekly(c, 2)
    c.schedule.cancel(c.desk, rows[0].id, "ill")
    with pytest.raises(ValidationFailed, match="still to come"):
        c.schedule.change_following(c.desk, rows[0].id, start=at(TUESDAY, 10))
    with pytest.raises(ValidationFailed, match="passed"):
        c.schedule.change_following(c.desk, rows[1].id, start=at(date(2025, 3, 1), 10))
    with pytest.raises(NotFound):
        c.schedule.series(c.desk, SeriesId("missing"))

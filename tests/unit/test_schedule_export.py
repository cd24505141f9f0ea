"""iCalendar export through the real icalendar adapter, parsed back with icalendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import PermissionDenied, ValidationFailed
from dermai_desktop.domain.scheduling import RoomId
from dermai_desktop.interop.ical import PRODID, IcalendarWriter
from dermai_desktop.services.schedule_export import ExportUnavailable, ScheduleExportService
from dermai_desktop.services.settings import SettingsService
from tests.unit.schedule_support import MONDAY, Clinic, at, make_clinic


@pytest.fixture
def c() -> Clinic:
    return make_clinic()


WRITER = IcalendarWriter()


def exporter(c: Clinic, writer: IcalendarWriter | None = WRITER) -> ScheduleExportService:
    w = c.world
    settings = SettingsService(w.db, w.clock, w.services.settings.machine)
    return ScheduleExportService(w.db, w.clock, settings, writer)


def test_ical_round_trip_without_patient_names(c: Clinic) -> None:
    first = c.schedule.book(
        c.desk,
        c.request(at(MONDAY, 10), "new_patient", room_id=RoomId("room-1"), reason="itchy rash"),
    )
    c.schedule.book(c.desk, c.request(at(MONDAY, 11), patient=1))
    gone = c.schedule.book(c.desk, c.request(at(MONDAY, 12), patient=2)).appointment
    assert first.appointment is not None
    assert gone is not None
    c.schedule.cancel(c.desk, gone.id, "ill")
    c.schedule.move(c.desk, first.appointment.id, at(MONDAY, 9))
    document = exporter(c).export_ical(c.desk, c.dr, MONDAY, MONDAY + timedelta(days=7))
    calendar = Calendar.from_ical(document)
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    moved = events[0]
    assert moved["DTSTART"].dt == at(MONDAY, 9)
    assert moved["DTEND"].dt == at(MONDAY, 9, 30)
    assert str(moved["UID"]) == f"{first.appointment.id}@dermai-desktop"
    assert str(moved["SUMMARY"]) == "New patient – DA000001"
    assert str(moved["LOCATION"]) == "Room 1"
    assert int(moved["SEQUENCE"]) == 1
    assert str(moved["STATUS"]) == "TENTATIVE"
    text = document.decode()
    assert "Lovelace" not in text
    assert "Ada" not in text
    assert "itchy" not in text
    event = c.world.db.events(AuditAction.EXPORT)[-1]
    assert event.detail.endswith("events=2 names=no")
    assert event.patient_id is None


def test_names_only_when_asked_and_permitted(c: Clinic) -> None:
    c.schedule.book(c.desk, c.request(at(MONDAY, 10)))
    service = exporter(c)
    named = service.export_ical(
        c.desk,
        c.dr,
        MONDAY,
        MONDAY + timedelta(days=1),
        include_patient_names=True,
        include_cancelled=True,
    )
    event = next(iter(Calendar.from_ical(named).walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Follow-up – Lovelace, Ada"
    assert c.world.db.events(AuditAction.EXPORT)[-1].detail.endswith("names=yes")
    # A role without demographics (none in the matrix has the schedule but not that) is
    # refused; IT has neither.
    with pytest.raises(PermissionDenied):
        service.export_ical(c.it, c.dr, MONDAY, MONDAY + timedelta(days=1))


def test_export_refusals(c: Clinic) -> None:
    with pytest.raises(ValidationFailed, match="between 1 and 366"):
        exporter(c).export_ical(c.desk, c.dr, MONDAY, MONDAY)
    with pytest.raises(ExportUnavailable):
        exporter(c, None).export_ical(c.desk, c.dr, MONDAY, MONDAY + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="cannot be booked"):
        exporter(c).export_ical(c.desk, c.desk.user_id, MONDAY, MONDAY + timedelta(days=1))

"""iCalendar (RFC 5545) writer for the schedule export, built on the ``icalendar`` package."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from icalendar import Calendar, Event

from dermai_desktop.services.schedule_ports import CalendarEvent

PRODID = "-//DermAI//DermAI Desktop schedule//EN"


class IcalendarWriter:
    """Implements ``services.schedule_ports.CalendarWriter``.

    Times are written in UTC (``...Z``): every calendar client converts them,
    and no VTIMEZONE block can disagree with the clinic's zone. The zone name
    travels as X-WR-TIMEZONE so clients show the day as the clinic sees it.
    """

    def write(self, name: str, timezone: str, events: Sequence[CalendarEvent]) -> bytes:
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", timezone)
        for item in events:
            event = Event()
            event.add("uid", item.uid)
            event.add("dtstamp", (item.last_modified or item.start).astimezone(UTC))
            event.add("dtstart", item.start.astimezone(UTC))
            event.add("dtend", item.end.astimezone(UTC))
            event.add("summary", item.summary)
            if item.description:
                event.add("description", item.description)
            if item.location:
                event.add("location", item.location)
            event.add("status", item.status)
            event.add("sequence", item.sequence)
            if item.last_modified is not None:
                event.add("last-modified", item.last_modified.astimezone(UTC))
            if item.categories:
                event.add("categories", list(item.categories))
            calendar.add_component(event)
        document: bytes = calendar.to_ical()
        return document


__all__ = ["PRODID", "IcalendarWriter"]

"""Adapters that read and write interchange formats (iCalendar); no Qt, no storage."""

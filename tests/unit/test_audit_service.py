"""Verifying, exporting and listing the trail through the service."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import AuthenticationFailed, ValidationFailed
from dermai_desktop.domain.roles import Role
from dermai_desktop.services.audit import CSV_COLUMNS
from tests.fakes import T0
from tests.unit.conftest import World

DAY = timedelta(days=1)


def test_verify_ok_is_itself_audited(world: World) -> None:
    verdict = world.services.audit.verify(world.actors[Role.IT_ADMIN])
    assert verdict.ok
    assert verdict.rows_checked == len(world.db.audit_events) - 1
    event = world.db.audit_events[-1]
    assert (event.action, event.outcome) == (AuditAction.AUDIT_VERIFY, AuditOutcome.SUCCESS)


def test_verify_reports_tampering(world: World) -> None:
    events = world.db.state.audit
    events[2] = replace(events[2], detail="role=manager")
    verdict = world.services.audit.verify(world.actors[Role.MANAGER])
    assert not verdict.ok
    assert verdict.first_broken_seq == 3
    last = world.db.audit_events[-1]
    assert last.outcome == AuditOutcome.FAILURE
    assert "first_broken_seq=3" in last.detail


def test_export_csv_has_every_field_and_is_audited(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("=cmd|' /C calc'!A0", "x")
    out = io.StringIO()
    count = world.services.audit.export_csv(world.actors[Role.MANAGER], T0 - DAY, T0 + DAY, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert set(CSV_COLUMNS) >= {"seq", "occurred_at", "patient_id", "mac", "prev_mac"}
    assert len(rows) == count + 1
    assert count == len(world.db.audit_events) - 1  # the export row comes after
    assert rows[1][CSV_COLUMNS.index("occurred_at")] == T0.isoformat()
    # A formula planted through the user name field is neutralised.
    usernames = [r[CSV_COLUMNS.index("username")] for r in rows[1:]]
    assert "'=cmd|' /c calc'!a0" in usernames
    export = world.db.audit_events[-1]
    assert export.action == AuditAction.EXPORT
    assert export.detail.startswith(f"rows={count} ")


def test_export_respects_the_period(world: World) -> None:
    world.clock.advance(days=3)
    world.services.auth.logout(world.actors[Role.FRONT_DESK])
    out = io.StringIO()
    start = T0 + 2 * DAY
    count = world.services.audit.export_csv(world.actors[Role.MANAGER], start, start + 2 * DAY, out)
    assert count == 1
    assert "logout" in out.getvalue()


@pytest.mark.parametrize(
    ("start", "end"),
    [(T0, T0), (T0 + DAY, T0), (datetime(2025, 1, 1), datetime(2025, 2, 1))],
)
def test_export_rejects_bad_periods(world: World, start: datetime, end: datetime) -> None:
    with pytest.raises(ValidationFailed):
        world.services.audit.export_csv(world.actors[Role.MANAGER], start, end, io.StringIO())


def test_recent_is_newest_first_bounded_and_audited(world: World) -> None:
    for _ in range(3):
        world.clock.advance(1)
        world.services.auth.lock_session(world.actors[Role.FRONT_DESK])
    recent = world.services.audit.recent(world.actors[Role.IT_ADMIN], limit=2)
    assert [e.action for e in recent] == ["session_lock", "session_lock"]
    assert recent[0].seq > recent[1].seq
    assert world.db.audit_events[-1].detail == "recent=2"
    everything = world.services.audit.recent(world.actors[Role.IT_ADMIN], limit=0)
    assert len(everything) == 1  # limit is clamped to at least one
    assert everything[0].occurred_at.tzinfo is UTC

"""The audit trail: numbering, MAC chain, tamper detection, append-only triggers."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.dto import AuditDraft
from dermai_desktop.storage.database import Database
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.conftest import StepClock


def append(uow_factory: SqlUnitOfWorkFactory, actor: Actor, clock: StepClock, n: int) -> None:
    with uow_factory(actor) as uow:
        for i in range(n):
            uow.audit.append(
                AuditDraft(
                    clock.now(),
                    actor.user_id,
                    actor.username,
                    actor.role.value,
                    actor.workstation_id,
                    AuditAction.VIEW,
                    AuditOutcome.SUCCESS,
                    "patient",
                    f"p{i}",
                    f"p{i}",
                    "",
                )
            )
        uow.commit()


@pytest.fixture
def trail(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock
) -> SqlUnitOfWorkFactory:
    append(uow_factory, manager, clock, 6)
    return uow_factory


def verdict(uow_factory: SqlUnitOfWorkFactory, actor: Actor) -> tuple[bool, int | None, str]:
    with uow_factory(actor) as uow:
        v = uow.audit.verify()
    return v.ok, v.first_broken_seq, v.reason


def attack(db: Database, *statements: str) -> None:
    """What someone with the key but not the audit key might do: drop the guard, edit rows."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        for s in statements:
            conn.exec_driver_sql(s)


def test_events_are_numbered_chained_and_verify(
    trail: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock
) -> None:
    with trail(manager) as uow:
        assert uow.audit.count() == 6
        events = list(
            uow.audit.between(clock.current - timedelta(days=1), clock.current + timedelta(1))
        )
        assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
        assert events[0].prev_mac == "0" * 64
        assert all(b.prev_mac == a.mac for a, b in itertools.pairwise(events))
        window = list(uow.audit.between(events[1].occurred_at, events[3].occurred_at))
        assert [e.seq for e in window] == [2, 3]
        event = uow.audit.append(
            AuditDraft(
                clock.now(),
                None,
                None,
                None,
                "ws",
                AuditAction.LOGIN_FAILED,
                AuditOutcome.FAILURE,
                detail="unknown-user",
            )
        )
        assert event.seq == 7
        assert event.prev_mac == events[-1].mac
        uow.commit()
    assert verdict(trail, manager) == (True, None, "")


def test_rolled_back_events_leave_no_gap(
    trail: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock
) -> None:
    with trail(manager) as uow:
        uow.audit.append(AuditDraft(clock.now(), None, None, None, "ws", AuditAction.LOGIN))
    append(trail, manager, clock, 1)
    with trail(manager) as uow:
        assert [
            e.seq
            for e in uow.audit.between(clock.current - timedelta(1), clock.current + timedelta(1))
        ][-1] == 7
    assert verdict(trail, manager)[0]


@pytest.mark.parametrize(
    ("statements", "broken", "reason"),
    [
        (["UPDATE audit_events SET outcome = 'denied' WHERE seq = 3"], 3, "row content altered"),
        (["DELETE FROM audit_events WHERE seq = 4"], 5, "row missing"),
        # an inserted row: valid-looking link, MAC forged without the key
        (
            [
                "UPDATE audit_events SET seq = seq + 100 WHERE seq > 3",
                "UPDATE audit_events SET seq = seq - 99 WHERE seq > 100",
                "INSERT INTO audit_events SELECT 4, 'forged', occurred_at, user_id, username, "
                "role, workstation_id, 'export', entity_type, entity_id, patient_id, outcome, "
                "detail, mac, '" + "f" * 64 + "' FROM audit_events WHERE seq = 3",
            ],
            4,
            "row content altered",
        ),
        # two rows swapped (their numbers exchanged)
        (
            [
                "UPDATE audit_events SET seq = 100 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = 100",
            ],
            2,
            "link to previous row broken",
        ),
    ],
    ids=["edited", "deleted", "inserted", "reordered"],
)
def test_tampering_is_detected_at_the_first_broken_row(
    db: Database,
    trail: SqlUnitOfWorkFactory,
    manager: Actor,
    statements: list[str],
    broken: int,
    reason: str,
) -> None:
    assert verdict(trail, manager)[0]
    attack(db, *statements)
    assert verdict(trail, manager) == (False, broken, reason)


def test_append_only_triggers_refuse_update_and_delete(
    db: Database, trail: SqlUnitOfWorkFactory
) -> None:
    for statement in (
        "UPDATE audit_events SET detail = 'x' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 6",
    ):
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 6


def test_verify_needs_the_right_key(
    db: Database, trail: SqlUnitOfWorkFactory, manager: Actor
) -> None:
    other: Callable[[Actor], object] = db.unit_of_work_factory(b"k" * 32)
    with other(manager) as uow:  # type: ignore[attr-defined]
        result = uow.audit.verify()
    assert (result.ok, result.first_broken_seq) == (False, 1)

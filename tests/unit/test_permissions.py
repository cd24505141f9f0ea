"""The gate itself: audit rows for refusals, in their own committed transaction."""

from __future__ import annotations

import pytest

from dermai_desktop.domain.errors import PermissionDenied
from dermai_desktop.domain.roles import Operation, Role
from dermai_desktop.services.permissions import require
from tests.unit.conftest import World


def test_require_function_allows_and_denies(world: World) -> None:
    require(world.db, world.clock, world.actors[Role.MANAGER], Operation.USER_MANAGE)
    before = world.db.commits
    with pytest.raises(PermissionDenied) as info:
        require(
            world.db,
            world.clock,
            world.actors[Role.FRONT_DESK],
            Operation.CHART_VIEW,
            patient_id="p1",
            entity_type="chart",
            entity_id="p1",
        )
    assert world.db.commits == before + 1
    event = world.db.audit_events[-1]
    assert (event.patient_id, event.entity_type, event.entity_id) == ("p1", "chart", "p1")
    assert event.detail == "chart.view:role"
    assert info.value.message == PermissionDenied.default_message


def test_denial_survives_even_though_nothing_else_commits(world: World) -> None:
    count = len(world.db.audit_events)
    with pytest.raises(PermissionDenied):
        world.services.users.add_user(
            world.actors[Role.IT_ADMIN], "x1", "X", Role.MANAGER, "p" * 20
        )
    assert len(world.db.audit_events) == count + 1
    assert all(u.user.username != "x1" for u in world.db.state.users.values())

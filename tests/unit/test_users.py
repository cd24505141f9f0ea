"""Account management: validation, self-protection and the last manager."""

from __future__ import annotations

import pytest

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed, WeakPassword
from dermai_desktop.domain.ids import UserId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from tests.unit.conftest import NEW_PASSWORD, World


def test_add_user_normalises_and_audits_without_password(world: World) -> None:
    mgr = world.actors[Role.MANAGER]
    user = world.services.users.add_user(
        mgr, " NewDoc ", "  Nia   Newdoc ", Role.DERMATOLOGIST, NEW_PASSWORD
    )
    assert (user.username, user.full_name, user.must_change_password) == (
        "newdoc",
        "Nia Newdoc",
        True,
    )
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_id, event.detail) == (
        "create",
        user.id,
        "role=dermatologist",
    )
    assert NEW_PASSWORD not in repr(world.db.audit_events)
    assert world.hasher.verify(world.db.state.users[user.id].password_hash, NEW_PASSWORD)


@pytest.mark.parametrize("name", ["a", "", "has space", "é-accent", "-dash-first", "x" * 65])
def test_bad_usernames_are_refused(world: World, name: str) -> None:
    with pytest.raises(ValidationFailed, match="user name"):
        world.services.users.add_user(
            world.actors[Role.MANAGER], name, "Someone", Role.FRONT_DESK, NEW_PASSWORD
        )


@pytest.mark.parametrize("full", ["", "   ", "x" * 201, "bad\x00name"])
def test_bad_full_names_are_refused(world: World, full: str) -> None:
    with pytest.raises(ValidationFailed, match="full name"):
        world.services.users.add_user(
            world.actors[Role.MANAGER], "someone", full, Role.FRONT_DESK, NEW_PASSWORD
        )


def test_duplicate_username_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed, match="already taken"):
        world.services.users.add_user(
            world.actors[Role.MANAGER], "DERM", "Other", Role.FRONT_DESK, NEW_PASSWORD
        )


def test_add_user_applies_policy(world: World) -> None:
    mgr = world.actors[Role.MANAGER]
    with pytest.raises(WeakPassword):
        world.services.users.add_user(mgr, "shorty", "Sam Short", Role.FRONT_DESK, "short")
    with pytest.raises(WeakPassword, match="at most"):
        world.services.users.add_user(mgr, "longy", "Lou Long", Role.FRONT_DESK, "x" * 2000)
    assert world.db.state.users
    assert all(u.user.username not in {"shorty", "longy"} for u in world.db.state.users.values())


def test_list_users_sorted_and_audited(world: World) -> None:
    users = world.services.users.list_users(world.actors[Role.IT_ADMIN])
    assert [u.username for u in users] == ["derm", "desk", "it", "mgr"]
    assert world.db.audit_events[-1].action == AuditAction.VIEW


def test_disable_and_enable(world: World) -> None:
    mgr, desk = world.actors[Role.MANAGER], world.actors[Role.FRONT_DESK]
    world.services.users.disable_user(mgr, desk.user_id)
    assert not world.db.user(desk.user_id).active
    world.services.users.enable_user(mgr, desk.user_id)
    assert world.db.user(desk.user_id).active
    assert [e.detail for e in world.db.audit_events[-2:]] == ["disabled", "enabled"]


def test_manager_cannot_disable_self(world: World) -> None:
    mgr = world.actors[Role.MANAGER]
    with pytest.raises(ValidationFailed, match="your own account"):
        world.services.users.disable_user(mgr, mgr.user_id)
    assert world.db.user(mgr.user_id).active


def test_manager_cannot_demote_self(world: World) -> None:
    mgr = world.actors[Role.MANAGER]
    with pytest.raises(ValidationFailed, match="your own manager role"):
        world.services.users.change_role(mgr, mgr.user_id, Role.FRONT_DESK)
    assert world.db.user(mgr.user_id).role is Role.MANAGER


def test_last_active_manager_is_protected(world: World) -> None:
    mgr = world.actors[Role.MANAGER]
    second = world.services.users.add_user(mgr, "mgr2", "Second Boss", Role.MANAGER, NEW_PASSWORD)
    # Two managers: one may be disabled...
    world.services.users.disable_user(mgr, second.id)
    # ...and a disabled manager may be demoted (they are not an active manager).
    world.services.users.change_role(mgr, second.id, Role.FRONT_DESK)
    third = world.services.users.add_user(mgr, "mgr3", "Third Boss", Role.MANAGER, NEW_PASSWORD)
    world.services.users.change_role(mgr, third.id, Role.DERMATOLOGIST)
    assert world.db.user(third.id).role is Role.DERMATOLOGIST


def test_stale_session_cannot_remove_the_last_active_manager(world: World) -> None:
    mgr = world.actors[Role.MANAGER]
    other = world.services.users.add_user(mgr, "mgr2", "Second Boss", Role.MANAGER, NEW_PASSWORD)
    other_actor = Actor(other.id, other.username, other.role, mgr.workstation_id)
    world.services.users.disable_user(other_actor, mgr.user_id)
    # mgr's session predates the change; whatever it tries, one manager must remain.
    with pytest.raises(ValidationFailed, match="last active manager"):
        world.services.users.disable_user(mgr, other.id)
    with pytest.raises(ValidationFailed, match="last active manager"):
        world.services.users.change_role(mgr, other.id, Role.FRONT_DESK)
    assert world.db.user(other.id).active
    assert world.db.user(other.id).role is Role.MANAGER


def test_change_role_records_before_and_after(world: World) -> None:
    mgr, desk = world.actors[Role.MANAGER], world.actors[Role.FRONT_DESK]
    world.services.users.change_role(mgr, desk.user_id, Role.DERMATOLOGIST)
    assert world.db.audit_events[-1].detail == "role=front_desk->dermatologist"
    count = len(world.db.audit_events)
    world.services.users.change_role(mgr, desk.user_id, Role.DERMATOLOGIST)
    assert len(world.db.audit_events) == count  # no-op changes leave no noise


def test_reset_password_sets_must_change_and_audits(world: World) -> None:
    mgr, desk = world.actors[Role.MANAGER], world.actors[Role.FRONT_DESK]
    world.services.auth.change_own_password(desk, "orchard-velvet-kiln-19", "kettle-orbit-marble-5")
    assert not world.db.user(desk.user_id).must_change_password
    world.services.users.reset_password(mgr, desk.user_id, NEW_PASSWORD)
    assert world.db.user(desk.user_id).must_change_password
    assert world.db.audit_events[-1].action == AuditAction.PASSWORD_RESET
    with pytest.raises(WeakPassword, match="close to your name"):
        world.services.users.reset_password(mgr, desk.user_id, "frank-desk-password")


@pytest.mark.parametrize("method", ["disable_user", "enable_user", "reset_password", "change_role"])
def test_unknown_user_is_not_found(world: World, method: str) -> None:
    mgr = world.actors[Role.MANAGER]
    args: dict[str, tuple[object, ...]] = {
        "disable_user": (),
        "enable_user": (),
        "reset_password": (NEW_PASSWORD,),
        "change_role": (Role.FRONT_DESK,),
    }
    with pytest.raises(NotFound):
        getattr(world.services.users, method)(mgr, UserId("missing"), *args[method])

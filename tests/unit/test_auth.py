"""Sign-in, throttling, session lock and password change."""

from __future__ import annotations

import pytest

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    NotFound,
    WeakPassword,
)
from dermai_desktop.domain.ids import UserId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from tests.fakes import FakePasswordHasher
from tests.unit.conftest import NEW_PASSWORD, PASSWORDS, WS, World

DERM_PW = PASSWORDS[Role.DERMATOLOGIST]


def _fail(world: World, times: int, username: str = "derm") -> Exception:
    error: Exception | None = None
    for _ in range(times):
        with pytest.raises((AuthenticationFailed, AccountLocked)) as info:
            world.services.auth.login(username, "wrong-password-123")
        error = info.value
    assert error is not None
    return error


def test_login_returns_actor_and_audits(world: World) -> None:
    actor = world.services.auth.login("derm", DERM_PW)
    assert actor == world.actors[Role.DERMATOLOGIST]
    event = world.db.audit_events[-1]
    assert event.action == AuditAction.LOGIN
    assert event.user_id == actor.user_id
    assert event.outcome == AuditOutcome.SUCCESS
    assert world.db.user(actor.user_id).last_login_at == world.clock.now()


def test_username_is_case_and_space_insensitive(world: World) -> None:
    assert world.services.auth.login("  DeRm ", DERM_PW).username == "derm"


def test_wrong_password_is_audited_without_the_password(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("derm", "wrong-password-123")
    event = world.db.audit_events[-1]
    assert event.action == AuditAction.LOGIN_FAILED
    assert event.outcome == AuditOutcome.FAILURE
    assert event.user_id == world.actors[Role.DERMATOLOGIST].user_id
    assert "wrong-password" not in repr(world.db.audit_events)


def test_unknown_user_is_audited_with_username_and_no_user_id(world: World) -> None:
    calls = world.hasher.verify_calls
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("ghost", "some-password-123")
    event = world.db.audit_events[-1]
    assert (event.action, event.user_id, event.username) == ("login_failed", None, "ghost")
    assert event.detail == "unknown_user"
    assert "some-password" not in repr(event)
    # Same work as a real check, so timing does not reveal which names exist.
    assert world.hasher.verify_calls == calls + 1


def test_unknown_username_recorded_is_truncated(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("x" * 500, "pw")
    assert len(world.db.audit_events[-1].username or "") == 64


def test_empty_username_fails_plainly(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("   ", "pw")


def test_fifth_failure_locks_with_message_saying_how_long(world: World) -> None:
    _fail(world, 4)
    with pytest.raises(AccountLocked) as info:
        world.services.auth.login("derm", "wrong-password-123")
    assert info.value.seconds_remaining == 30
    assert "30 s" in info.value.user_text()
    actions = [e.action for e in world.db.audit_events[-2:]]
    assert actions == [AuditAction.LOGIN_FAILED, AuditAction.LOCKOUT]
    user = world.db.user(world.actors[Role.DERMATOLOGIST].user_id)
    assert user.failed_logins == 5
    assert user.locked_until is not None


def test_locked_account_refuses_even_the_right_password(world: World) -> None:
    _fail(world, 5)
    world.clock.advance(10)
    with pytest.raises(AccountLocked) as info:
        world.services.auth.login("derm", DERM_PW)
    assert info.value.seconds_remaining == 20
    event = world.db.audit_events[-1]
    assert (event.action, event.outcome, event.detail) == ("login_failed", "denied", "locked")


def test_lock_seconds_round_up(world: World) -> None:
    _fail(world, 5)
    world.clock.advance(0.5)
    with pytest.raises(AccountLocked) as info:
        world.services.auth.login("derm", DERM_PW)
    assert info.value.seconds_remaining == 30


def test_backoff_grows_after_each_further_failure(world: World) -> None:
    _fail(world, 5)
    world.clock.advance(31)
    with pytest.raises(AccountLocked) as info:
        world.services.auth.login("derm", "wrong-password-123")
    assert info.value.seconds_remaining == 60
    world.clock.advance(61)
    with pytest.raises(AccountLocked) as info:
        world.services.auth.login("derm", "wrong-password-123")
    assert info.value.seconds_remaining == 120
    assert "2 min 0 s" in info.value.user_text()


def test_lockout_base_follows_setting(world: World) -> None:
    world.services.settings.change(world.actors[Role.MANAGER], "security.lockout_base_seconds", 90)
    error = _fail(world, 5)
    assert isinstance(error, AccountLocked)
    assert error.seconds_remaining == 90


def test_success_after_lock_expires_resets_counter(world: World) -> None:
    _fail(world, 5)
    world.clock.advance(31)
    world.services.auth.login("derm", DERM_PW)
    user = world.db.user(world.actors[Role.DERMATOLOGIST].user_id)
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_manager_reset_clears_lock(world: World) -> None:
    _fail(world, 5)
    derm = world.actors[Role.DERMATOLOGIST]
    world.services.users.reset_password(world.actors[Role.MANAGER], derm.user_id, NEW_PASSWORD)
    world.services.auth.login("derm", NEW_PASSWORD)
    assert world.services.auth.must_change_password(derm)


def test_disabled_account_with_right_password(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    world.services.users.disable_user(world.actors[Role.MANAGER], derm.user_id)
    with pytest.raises(AccountDisabled):
        world.services.auth.login("derm", DERM_PW)
    assert world.db.audit_events[-1].detail == "disabled"


def test_disabled_account_with_wrong_password_does_not_reveal_state(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    world.services.users.disable_user(world.actors[Role.MANAGER], derm.user_id)
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("derm", "wrong-password-123")


def test_rehash_on_login_when_parameters_change(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    old = world.db.state.users[derm.user_id].password_hash
    world.hasher.version = 2
    world.services.auth.login("derm", DERM_PW)
    new = world.db.state.users[derm.user_id].password_hash
    assert old.startswith("fake$1$")
    assert new.startswith("fake$2$")
    # The flag a manager set must survive the silent upgrade.
    assert world.db.user(derm.user_id).must_change_password is True


def test_no_rehash_when_parameters_current(world: World) -> None:
    calls = world.hasher.hash_calls
    world.services.auth.login("derm", DERM_PW)
    assert world.hasher.hash_calls == calls


def test_logout_and_session_lock_are_audited(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    world.services.auth.lock_session(derm)
    world.services.auth.unlock_session(derm, DERM_PW)
    world.services.auth.logout(derm)
    actions = [e.action for e in world.db.audit_events[-3:]]
    assert actions == ["session_lock", "session_unlock", "logout"]
    assert all(e.user_id == derm.user_id for e in world.db.audit_events[-3:])


def test_unlock_failures_count_like_login(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            world.services.auth.unlock_session(derm, "nope-nope-nope")
    with pytest.raises(AccountLocked):
        world.services.auth.unlock_session(derm, "nope-nope-nope")
    with pytest.raises(AccountLocked):
        world.services.auth.login("derm", DERM_PW)
    failed = [e for e in world.db.audit_events if e.action == "session_unlock"]
    assert failed
    assert all(e.outcome != "success" for e in failed)


def test_unlock_refused_for_disabled_or_missing_user(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    world.services.users.disable_user(world.actors[Role.MANAGER], derm.user_id)
    with pytest.raises(AccountDisabled):
        world.services.auth.unlock_session(derm, DERM_PW)
    ghost = Actor(UserId("nobody"), "nobody", Role.DERMATOLOGIST, WS)
    with pytest.raises(NotFound):
        world.services.auth.unlock_session(ghost, DERM_PW)


def test_change_own_password(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    assert world.services.auth.must_change_password(derm)
    world.services.auth.change_own_password(derm, DERM_PW, NEW_PASSWORD)
    assert not world.services.auth.must_change_password(derm)
    assert world.db.audit_events[-1].action == AuditAction.PASSWORD_CHANGE
    world.services.auth.login("derm", NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("derm", DERM_PW)


def test_change_own_password_checks_old_and_policy(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    with pytest.raises(AuthenticationFailed):
        world.services.auth.change_own_password(derm, "not-my-password", NEW_PASSWORD)
    assert world.db.user(derm.user_id).failed_logins == 1
    with pytest.raises(WeakPassword):
        world.services.auth.change_own_password(derm, DERM_PW, "short")
    with pytest.raises(WeakPassword, match="same as the old"):
        world.services.auth.change_own_password(derm, DERM_PW, DERM_PW)
    with pytest.raises(WeakPassword, match="close to your name"):
        world.services.auth.change_own_password(derm, DERM_PW, "dana-derm-likes-long")
    # The policy saw the person's and the clinic's words.
    seen = world.policy.seen_inputs[-1]
    assert "derm" in seen
    assert "Dana Derm" in seen
    assert "Harbour Skin Clinic" in seen


def test_change_password_for_missing_user(world: World) -> None:
    ghost = Actor(UserId("nobody"), "nobody", Role.DERMATOLOGIST, WS)
    with pytest.raises(NotFound):
        world.services.auth.change_own_password(ghost, "a", NEW_PASSWORD)
    assert world.services.auth.must_change_password(ghost) is False


def test_overlong_password_is_refused_without_hashing(world: World) -> None:
    calls = world.hasher.verify_calls
    with pytest.raises(AuthenticationFailed):
        world.services.auth.login("derm", "x" * 5000)
    assert world.hasher.verify_calls == calls


def test_idle_lock_minutes_default_and_setting(world: World) -> None:
    assert world.services.auth.idle_lock_minutes() == 10
    world.services.settings.change(world.actors[Role.MANAGER], "security.idle_lock_minutes", 3)
    assert world.services.auth.idle_lock_minutes() == 3


def test_login_uses_a_system_identity_until_known(world: World) -> None:
    world.services.auth.login("derm", DERM_PW)
    assert world.db.actors[-1].username == "system"
    assert isinstance(world.hasher, FakePasswordHasher)

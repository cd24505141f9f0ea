"""Effective settings and who may change what."""

from __future__ import annotations

import json

import pytest

from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import PermissionDenied, ValidationFailed
from dermai_desktop.domain.roles import Role
from dermai_desktop.services.settings import LOCKED_MESSAGE
from tests.unit.conftest import World, make_world


def _sources(world: World) -> dict[str, tuple[object, str, bool]]:
    return {
        s.name: (s.value, s.source, s.locked)
        for s in world.services.settings.effective(world.actors[Role.FRONT_DESK])
    }


def test_defaults(world: World) -> None:
    settings = _sources(world)
    assert settings["security.idle_lock_minutes"] == (10, "default", False)
    assert settings["clinic.mrn_prefix"] == ("DA", "default", False)
    assert world.services.settings.value("ui.theme") == "light"


def test_change_is_stored_as_json_and_audited_with_name(world: World) -> None:
    world.services.settings.change(world.actors[Role.MANAGER], "ui.theme", "dark")
    assert world.db.state.settings["ui.theme"] == json.dumps("dark")
    assert _sources(world)["ui.theme"] == ("dark", "clinic", False)
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_id, event.detail) == (
        AuditAction.SETTINGS_CHANGE,
        "ui.theme",
        "ui.theme",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("security.idle_lock_minutes", "10"),
        ("security.idle_lock_minutes", 0),
        ("security.idle_lock_minutes", 241),
        ("security.idle_lock_minutes", True),
        ("ui.theme", "purple"),
        ("clinic.mrn_prefix", ""),
        ("clinic.mrn_prefix", "TOO-LONG-PREFIX"),
        ("clinic.mrn_prefix", 7),
        ("no.such.setting", 1),
    ],
)
def test_change_is_type_checked(world: World, name: str, value: object) -> None:
    with pytest.raises(ValidationFailed):
        world.services.settings.change(world.actors[Role.MANAGER], name, value)
    assert name not in world.db.state.settings


def test_locked_setting_is_refused_with_plain_message_and_audited() -> None:
    world = make_world(MachineConfig(values={"ui.theme": "dark"}, locked=frozenset({"ui.theme"})))
    with pytest.raises(PermissionDenied) as info:
        world.services.settings.change(world.actors[Role.MANAGER], "ui.theme", "light")
    assert info.value.message == LOCKED_MESSAGE
    assert "locked by your IT department" in info.value.user_text()
    event = world.db.audit_events[-1]
    assert event.action == AuditAction.PERMISSION_DENIED
    assert event.detail == "settings.change:locked"
    assert _sources(world)["ui.theme"] == ("dark", "machine", True)


def test_locked_machine_value_beats_stored_clinic_value() -> None:
    world = make_world()
    world.services.settings.change(world.actors[Role.MANAGER], "security.idle_lock_minutes", 30)
    machine = MachineConfig(
        values={"security.idle_lock_minutes": 5}, locked=frozenset({"security.idle_lock_minutes"})
    )
    world.rebuild(machine)
    assert world.services.auth.idle_lock_minutes() == 5


def test_machine_scope_settings_cannot_be_changed_in_app(world: World) -> None:
    with pytest.raises(PermissionDenied, match="machine configuration"):
        world.services.settings.change(world.actors[Role.IT_ADMIN], "logging.level", "DEBUG")


def test_changeable_by_is_enforced(world: World) -> None:
    with pytest.raises(PermissionDenied, match="cannot change this setting"):
        world.services.settings.change(world.actors[Role.IT_ADMIN], "ui.theme", "dark")
    assert world.db.audit_events[-1].detail == "settings.change:setting_role"
    world.services.settings.change(
        world.actors[Role.IT_ADMIN], "maintenance.integrity_check_days", 3
    )


def test_unreadable_stored_value_falls_back(world: World) -> None:
    world.db.state.settings["ui.theme"] = "{not json"
    world.db.state.settings["security.idle_lock_minutes"] = json.dumps(9999)
    settings = _sources(world)
    assert settings["ui.theme"] == ("light", "default", False)
    assert settings["security.idle_lock_minutes"] == (10, "default", False)


def test_value_of_unknown_name_raises_key_error(world: World) -> None:
    with pytest.raises(KeyError):
        world.services.settings.value("nope")


def test_typed_accessors_refuse_wrong_type(world: World) -> None:
    with pytest.raises(TypeError):
        world.services.settings.int_value("ui.theme")
    with pytest.raises(TypeError):
        world.services.settings.str_value("security.idle_lock_minutes")
    assert world.services.settings.machine == MachineConfig.empty()

"""Settings declarations, the machine file and layer resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from dermai_desktop import config
from dermai_desktop.config import (
    SETTINGS,
    MachineConfig,
    SettingValueError,
    default_machine_config_path,
    resolve,
    spec_for,
)
from dermai_desktop.domain.errors import ConfigurationError
from dermai_desktop.domain.roles import Role


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _effective(
    machine: MachineConfig, clinic: dict[str, object]
) -> dict[str, tuple[object, str, bool]]:
    return {s.name: (s.value, s.source, s.locked) for s in resolve(machine, clinic)}


def test_declarations_are_consistent() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for spec in SETTINGS:
        assert spec.check(spec.default) == spec.default, spec.name
        assert spec.description.endswith(".")
        if spec.scope == "machine":
            assert not spec.changeable_by, spec.name
        else:
            assert spec.changeable_by, spec.name
    required = {
        "security.idle_lock_minutes": (10, Role.MANAGER),
        "security.lockout_base_seconds": (30, Role.MANAGER),
        "clinic.mrn_prefix": ("DA", Role.MANAGER),
        "ui.theme": ("light", Role.MANAGER),
    }
    for name, (default, role) in required.items():
        assert spec_for(name).default == default
        assert role in spec_for(name).changeable_by


def test_layers_default_machine_clinic() -> None:
    machine = MachineConfig(values={"security.idle_lock_minutes": 5, "logging.level": "DEBUG"})
    eff = _effective(machine, {"security.idle_lock_minutes": 15, "logging.level": "ERROR"})
    assert eff["ui.theme"] == ("light", "default", False)
    assert eff["security.idle_lock_minutes"] == (15, "clinic", False)
    # Machine-scope settings ignore the clinic database.
    assert eff["logging.level"] == ("DEBUG", "machine", False)


def test_lock_beats_clinic_value_even_without_machine_value() -> None:
    machine = MachineConfig(locked=frozenset({"ui.theme"}))
    eff = _effective(machine, {"ui.theme": "dark"})
    assert eff["ui.theme"] == ("light", "default", True)


def test_bad_clinic_value_is_ignored() -> None:
    eff = _effective(MachineConfig.empty(), {"security.idle_lock_minutes": "ten"})
    assert eff["security.idle_lock_minutes"] == (10, "default", False)


def test_load_toml_with_dotted_and_quoted_keys_and_locks(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
locked = ["ui.theme"]

[settings]
"security.idle_lock_minutes" = 5
sentry.dsn = "https://key@example.org/1"
locked = ["security.idle_lock_minutes"]

[settings.ui]
theme = "dark"
""",
    )
    machine = MachineConfig.load(path)
    assert machine.values == {
        "security.idle_lock_minutes": 5,
        "sentry.dsn": "https://key@example.org/1",
        "ui.theme": "dark",
    }
    assert machine.locked == {"ui.theme", "security.idle_lock_minutes"}
    assert machine.path == path


def test_missing_file_means_no_machine_config(tmp_path: Path) -> None:
    assert MachineConfig.load(tmp_path / "absent.toml") == MachineConfig.empty()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[settings\n", "not valid TOML"),
        ("[settings]\nsecurity.idle_lock_minutes = 'ten'\n", "whole number"),
        ("[settings]\nsecurity.idle_lock_minutes = 0\n", "at least 1"),
        ("[settings]\nsecurity.idle_lock_minutes = true\n", "whole number"),
        ("[settings]\nui.theme = 'neon'\n", "one of"),
        ("[settings]\nno.such = 1\n", "Unknown setting 'no.such'"),
        ("locked = ['nope']\n", "unknown setting"),
        ("locked = 'ui.theme'\n", "must be a list"),
        ("settings = 3\n", "must be a table"),
        ("[other]\nx = 1\n", "Unknown entries"),
        ("[settings]\nsentry.dsn = 5\n", "must be text"),
        ("[settings]\nclinic.mrn_prefix = 'A B'\n", "letters or digits"),
    ],
)
def test_bad_files_raise_configuration_error(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        MachineConfig.load(_write(tmp_path, text))
    assert info.value.next_step


def test_non_utf8_and_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe[settings]")
    with pytest.raises(ConfigurationError, match="UTF-8"):
        MachineConfig.load(path)
    with pytest.raises(ConfigurationError, match="could not be read"):
        MachineConfig.load(tmp_path)  # a directory: IsADirectoryError


def test_default_path_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DERMAI_MACHINE_CONFIG", str(tmp_path / "x.toml"))
    assert default_machine_config_path() == tmp_path / "x.toml"
    _write(tmp_path, "[settings]\nui.theme = 'dark'\n").rename(tmp_path / "x.toml")
    assert MachineConfig.load().values == {"ui.theme": "dark"}


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux", "/etc/dermai-desktop/config.toml"),
        ("darwin", "/Library/Application Support/DermAI/config.toml"),
        ("win32", "PD/DermAI/config.toml"),
    ],
)
def test_default_path_per_os(monkeypatch: pytest.MonkeyPatch, platform: str, expected: str) -> None:
    monkeypatch.delenv("DERMAI_MACHINE_CONFIG", raising=False)
    monkeypatch.setenv("PROGRAMDATA", "PD")
    monkeypatch.setattr("sys.platform", platform)
    assert default_machine_config_path() == Path(expected)


def test_spec_check_types() -> None:
    theme = spec_for("ui.theme")
    with pytest.raises(SettingValueError):
        theme.check(1)
    dsn = spec_for("sentry.dsn")
    with pytest.raises(SettingValueError, match="too long"):
        dsn.check("x" * 2001)
    flag = config.SettingSpec(
        "x.flag", "bool", False, "A flag.", "clinic", frozenset({Role.MANAGER})
    )
    assert flag.check(True) is True
    with pytest.raises(SettingValueError, match="true or false"):
        flag.check(1)
    with pytest.raises(SettingValueError, match="at most 240"):
        spec_for("security.idle_lock_minutes").check(241)
    with pytest.raises(KeyError):
        spec_for("nope")

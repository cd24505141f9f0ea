"""Settings declared once, the machine-wide file IT writes, and how the layers combine."""

from __future__ import annotations

import contextlib
import os
import sys
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dermai_desktop.domain.errors import ConfigurationError, ValidationFailed
from dermai_desktop.domain.imaging import parse_fields_of_view
from dermai_desktop.domain.roles import Role

SettingType = Literal["bool", "int", "str", "choice"]
Scope = Literal["machine", "clinic"]
Source = Literal["default", "machine", "clinic"]

#: Environment variable that points at a machine config file (IT, tests, packaging).
MACHINE_CONFIG_ENV = "DERMAI_MACHINE_CONFIG"

#: Longest string setting accepted; a DSN or prefix is short, so anything longer is a mistake.
MAX_STR_LENGTH = 2000


class SettingValueError(ValueError):
    """A value does not fit its setting; the message is plain and PHI-free."""


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One option: its type, default, description and who may change it in the app.

    ``scope="machine"`` options are read before the database is unlocked (logging,
    keychain, error reporting), so only the machine file can set them;
    ``changeable_by`` is empty for them.
    """

    name: str
    type: SettingType
    default: bool | int | str
    description: str
    scope: Scope
    changeable_by: frozenset[Role] = frozenset()
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: object) -> bool | int | str:
        """Return ``value`` if it fits this setting, else raise ``SettingValueError``."""
        if self.type == "bool":
            if not isinstance(value, bool):
                raise SettingValueError(f"{self.name} must be true or false.")
            return value
        if self.type == "int":
            # bool is a subclass of int; "true" is never a sensible number of minutes.
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingValueError(f"{self.name} must be a whole number.")
            if self.minimum is not None and value < self.minimum:
                raise SettingValueError(f"{self.name} must be at least {self.minimum}.")
            if self.maximum is not None and value > self.maximum:
                raise SettingValueError(f"{self.name} must be at most {self.maximum}.")
            return value
        if not isinstance(value, str):
            raise SettingValueError(f"{self.name} must be text.")
        if self.type == "choice":
            if value not in self.choices:
                allowed = ", ".join(self.choices)
                raise SettingValueError(f"{self.name} must be one of: {allowed}.")
            return value
        if len(value) > MAX_STR_LENGTH:
            raise SettingValueError(f"{self.name} is too long.")
        extra_check = _TEXT_CHECKS.get(self.name)
        if extra_check is not None:
            extra_check(value)
        return value


def _check_mrn_prefix(value: str) -> None:
    # The prefix is printed on labels and typed at the front desk: keep it short ASCII.
    if not (1 <= len(value) <= 8 and value.isascii() and value.isalnum()):
        raise SettingValueError("clinic.mrn_prefix must be 1 to 8 letters or digits.")


def _check_timezone(value: str) -> None:
    # Opening hours and recurring bookings are wall-clock rules of this zone.
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingValueError(
            "clinic.timezone must be a time zone name such as Europe/London."
        ) from None


def _check_fields_of_view(value: str) -> None:
    # The same parser the import uses, so a value that saves is a value that works.
    try:
        parse_fields_of_view(value)
    except ValidationFailed as exc:
        raise SettingValueError(f"imaging.device_fields_of_view: {exc.message}") from None


#: Text settings with a format of their own, checked before they are stored.
_TEXT_CHECKS = {
    "clinic.mrn_prefix": _check_mrn_prefix,
    "clinic.timezone": _check_timezone,
    "imaging.device_fields_of_view": _check_fields_of_view,
}

_M = Role.MANAGER
_I = Role.IT_ADMIN

#: Every option the application knows, declared once. The settings panel,
#: ``config show`` and the machine-file loader are all built from this table.
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "security.idle_lock_minutes",
        "int",
        10,
        "Minutes without input before the window hides patient data and asks for the password.",
        "clinic",
        frozenset({_M}),
        minimum=1,
        maximum=240,
    ),
    SettingSpec(
        "security.lockout_base_seconds",
        "int",
        30,
        "Wait after the fifth failed sign-in; it doubles with each further failure.",
        "clinic",
        frozenset({_M}),
        minimum=5,
        maximum=3600,
    ),
    SettingSpec(
        "ui.theme",
        "choice",
        "light",
        "Colour theme of the application window.",
        "clinic",
        frozenset({_M}),
        choices=("light", "dark"),
    ),
    SettingSpec(
        "clinic.mrn_prefix",
        "str",
        "DA",
        "Letters printed before each new medical record number.",
        "clinic",
        frozenset({_M}),
    ),
    SettingSpec(
        "clinic.timezone",
        "str",
        "Europe/London",
        "Time zone of the clinic (IANA name); opening hours and the schedule use it.",
        "clinic",
        frozenset({_M}),
    ),
    SettingSpec(
        "imaging.device_fields_of_view",
        "str",
        "",
        "Field of view (mm across the picture) of the clinic's cameras and dermatoscopes, as "
        "'Make Model = mm' separated by semicolons; '* = mm' covers any other dermatoscope. "
        "Photos from a listed device are calibrated when imported.",
        "clinic",
        frozenset({_M, _I}),
    ),
    # IT may change clinic settings according to the permission matrix; this is the
    # one clinic option that is theirs, so that cell of the matrix is not dead.
    SettingSpec(
        "maintenance.integrity_check_days",
        "int",
        7,
        "Days between reminders to run a full database check.",
        "clinic",
        frozenset({_M, _I}),
        minimum=1,
        maximum=90,
    ),
    SettingSpec(
        "logging.level",
        "choice",
        "INFO",
        "Detail of the log files on this workstation.",
        "machine",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
    SettingSpec(
        "sentry.dsn",
        "str",
        "",
        "Where scrubbed crash reports are sent; empty turns error reporting off.",
        "machine",
    ),
    SettingSpec(
        "sentry.environment",
        "str",
        "production",
        "Environment name attached to crash reports.",
        "machine",
    ),
    SettingSpec(
        "keychain.timeout_seconds",
        "int",
        10,
        "Seconds to wait for the system keychain before offering the recovery key.",
        "machine",
        minimum=1,
        maximum=120,
    ),
)

SETTINGS_BY_NAME: dict[str, SettingSpec] = {spec.name: spec for spec in SETTINGS}


def spec_for(name: str) -> SettingSpec:
    """The declaration of ``name``; ``KeyError`` if the application has no such setting."""
    return SETTINGS_BY_NAME[name]


@dataclass(frozen=True, slots=True)
class EffectiveSetting:
    """A setting's value in force, where it came from and whether IT locked it."""

    name: str
    value: bool | int | str
    source: Source
    locked: bool
    spec: SettingSpec


def default_machine_config_path() -> Path:
    """Where IT puts the machine-wide file on this OS (the environment variable wins)."""
    override = os.environ.get(MACHINE_CONFIG_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return Path(base) / "DermAI" / "config.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/DermAI/config.toml")
    return Path("/etc/dermai-desktop/config.toml")


@dataclass(frozen=True, slots=True)
class MachineConfig:
    """Values and locks from the machine-wide TOML file written by IT."""

    values: Mapping[str, bool | int | str] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    path: Path | None = None

    @classmethod
    def empty(cls) -> MachineConfig:
        return cls()

    @classmethod
    def load(cls, path: Path | None = None) -> MachineConfig:
        """Read the machine file; a missing file means IT has configured nothing.

        Most workstations have no machine file, so absence is normal; a file that
        exists but cannot be read or understood is an error, never silently ignored.
        """
        target = path if path is not None else default_machine_config_path()
        try:
            raw = target.read_bytes()
        except FileNotFoundError:
            return cls(path=None)
        except OSError as exc:
            raise ConfigurationError(
                f"The machine configuration file {target} could not be read ({exc.strerror})."
            ) from None
        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigurationError(
                f"The machine configuration file {target} is not UTF-8 text."
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(
                f"The machine configuration file {target} is not valid TOML: {exc}."
            ) from None
        return cls.from_document(document, target)

    @classmethod
    def from_document(
        cls, document: Mapping[str, object], path: Path | None = None
    ) -> MachineConfig:
        """Validate a parsed TOML document; every problem becomes ``ConfigurationError``."""
        where = str(path) if path is not None else "the machine configuration"
        unknown_tables = set(document) - {"settings", "locked"}
        if unknown_tables:
            names = ", ".join(sorted(unknown_tables))
            raise ConfigurationError(f"Unknown entries in {where}: {names}.")
        table = document.get("settings", {})
        if not isinstance(table, Mapping):
            raise ConfigurationError(f"[settings] in {where} must be a table.")
        flat = _flatten(table)
        # ``locked = [...]`` written after the [settings] header lands inside the table;
        # accept it there as well as at the top level, since both read naturally.
        locked_raw: list[object] = []
        for source in (document.get("locked"), flat.pop("locked", None)):
            if source is None:
                continue
            if not isinstance(source, list):
                raise ConfigurationError(f"'locked' in {where} must be a list of setting names.")
            locked_raw.extend(source)
        values: dict[str, bool | int | str] = {}
        for name, value in flat.items():
            spec = SETTINGS_BY_NAME.get(name)
            if spec is None:
                raise ConfigurationError(f"Unknown setting '{name}' in {where}.")
            try:
                values[name] = spec.check(value)
            except SettingValueError as exc:
                raise ConfigurationError(f"In {where}: {exc}") from None
        locked: set[str] = set()
        for entry in locked_raw:
            if not isinstance(entry, str) or entry not in SETTINGS_BY_NAME:
                raise ConfigurationError(
                    f"'locked' in {where} names an unknown setting: {entry!r}."
                )
            locked.add(entry)
        return cls(values=values, locked=frozenset(locked), path=path)


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Turn ``{"security": {"idle_lock_minutes": 5}}`` into ``{"security.idle_lock_minutes": 5}``.

    TOML reads an unquoted dotted key as nested tables; IT may write either form.
    """
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def resolve(machine: MachineConfig, clinic_values: Mapping[str, object]) -> list[EffectiveSetting]:
    """Combine the layers: defaults < machine file < clinic database, unless IT locked it.

    Clinic values that no longer fit their setting (an older app stored them, or a
    range was narrowed) are ignored rather than crashing start-up; the lower layer wins.
    """
    result: list[EffectiveSetting] = []
    for spec in SETTINGS:
        value: bool | int | str = spec.default
        source: Source = "default"
        if spec.name in machine.values:
            value, source = machine.values[spec.name], "machine"
        locked = spec.name in machine.locked
        if spec.scope == "clinic" and not locked and spec.name in clinic_values:
            # A value that no longer fits is skipped; the lower layer wins.
            with contextlib.suppress(SettingValueError):
                value, source = spec.check(clinic_values[spec.name]), "clinic"
        result.append(EffectiveSetting(spec.name, value, source, locked, spec))
    return result


__all__ = [
    "MACHINE_CONFIG_ENV",
    "SETTINGS",
    "SETTINGS_BY_NAME",
    "EffectiveSetting",
    "MachineConfig",
    "SettingSpec",
    "SettingValueError",
    "default_machine_config_path",
    "resolve",
    "spec_for",
]

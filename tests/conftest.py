"""Suite-wide test set-up: offscreen Qt, an in-memory keychain, isolated directories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt must pick its platform plugin before anything imports it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Keep every test away from the real keychain, data directory and /etc config."""
    from tests.keyring_memory import install_memory_keyring

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DERMAI_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("DERMAI_MACHINE_CONFIG", str(home / "no-machine-config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "xdg-state"))
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    with install_memory_keyring():
        yield

"""Fixtures for end-to-end tests of the real ``dermai-desktop`` command in child processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
KEYRING_BACKEND = "tests.e2e.memory_keyring_backend.JsonFileTestKeyring"

MANAGER = "amorgan"
MANAGER_FULL_NAME = "Alex Morgan"
MANAGER_PASSWORD = "lantern-orbit-maple-93"
CLINIC_NAME = "Harbourside Skin Clinic"


def child_env(keyring_file: Path, machine_config: Path | None = None) -> dict[str, str]:
    """A clean environment for the command: offscreen Qt, the test keychain, no /etc config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DERMAI_", "SENTRY_"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p),
        PYTHON_KEYRING_BACKEND=KEYRING_BACKEND,
        DERMAI_TEST_KEYRING_FILE=str(keyring_file),
        DERMAI_MACHINE_CONFIG=str(machine_config or keyring_file.parent / "no-machine.toml"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@dataclass(frozen=True)
class Cli:
    """Runs ``python -m dermai_desktop --data-dir <data_dir> ...`` with the test keychain."""

    data_dir: Path
    keyring_file: Path
    machine_config: Path | None = None

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "dermai_desktop", "--data-dir", str(self.data_dir), *args]

    def run(
        self, *args: str, stdin: Sequence[str] = (), timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            input="".join(f"{line}\n" for line in stdin),
            capture_output=True,
            text=True,
            env=child_env(self.keyring_file, self.machine_config),
            cwd=str(REPO_ROOT),
            timeout=timeout,
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(self.keyring_file, self.machine_config),
            cwd=str(REPO_ROOT),
        )

    def as_manager(
        self, *args: str, extra_stdin: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        """``<args> --as amorgan --password-stdin`` with the manager's password on stdin."""
        return self.run(
            *args, "--as", MANAGER, "--password-stdin", stdin=[MANAGER_PASSWORD, *extra_stdin]
        )


@dataclass(frozen=True)
class Clinic:
    """A clinic made once per session by ``init``; tests that change it work on a copy."""

    cli: Cli
    recovery_key: str
    init_stdout: str
    init_stderr: str

    def copy(self, target: Path) -> Clinic:
        """An independent clinic: the data directory and the test keychain file, copied."""
        target.mkdir(parents=True, exist_ok=True)
        data_dir = target / "data"
        shutil.copytree(self.cli.data_dir, data_dir)
        keyring_file = target / "keyring.json"
        shutil.copy2(self.cli.keyring_file, keyring_file)
        return replace(self, cli=Cli(data_dir, keyring_file))


def assert_plain_failure(proc: subprocess.CompletedProcess[str], code: int) -> None:
    """The exit code we expect, a message on stderr, and no Python traceback anywhere."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.strip() or proc.stdout.strip()
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream
        assert 'File "' not in stream


@pytest.fixture(scope="session")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    """``init`` fully non-interactive, as IT would script it (flags, --password-stdin, --json)."""
    base = tmp_path_factory.mktemp("e2e-clinic")
    cli = Cli(base / "data", base / "keyring.json")
    proc = cli.run(
        "init",
        "--clinic-name",
        CLINIC_NAME,
        "--workstation-name",
        "Front desk 1",
        "--manager-username",
        MANAGER,
        "--manager-full-name",
        MANAGER_FULL_NAME,
        "--password-stdin",
        "--json",
        stdin=[MANAGER_PASSWORD],
    )
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    result = json.loads(proc.stdout)
    return Clinic(cli, result["recovery_key"], proc.stdout, proc.stderr)

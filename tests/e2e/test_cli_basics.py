"""The command's surface: version, help, usage errors (real child processes)."""

from __future__ import annotations

from pathlib import Path

from dermai_desktop import __version__
from tests.e2e.conftest import Cli, assert_plain_failure


def _cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data", tmp_path / "keyring.json")


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    proc = _cli(tmp_path).run("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"DermAI Desktop {__version__}"


def test_help_lists_the_subcommands_and_exit_codes(tmp_path: Path) -> None:
    proc = _cli(tmp_path).run("--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("init", "demo", "user", "audit", "db", "config", "self-test"):
        assert command in proc.stdout
    assert "Exit codes" in proc.stdout


def test_bad_usage_exits_2_without_a_traceback(tmp_path: Path) -> None:
    cli = _cli(tmp_path)
    proc = cli.run(
        "audit",
        "export",
        "--from",
        "not-a-date",
        "--to",
        "2025-01-01",
        "--out",
        str(tmp_path / "x.csv"),
        "--as",
        "someone",
    )
    assert_plain_failure(proc, 2)
    assert "usage:" in proc.stderr
    assert "--from" in proc.stderr
    # Nothing was created by a command that never ran.
    assert not (tmp_path / "data" / "clinic.db").exists()

"""Data, log and temp locations: precedence, demo separation, permissions, private temp files."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from dermai_desktop import paths
from dermai_desktop.domain.errors import DiskFull, ReadOnlyLocation
from dermai_desktop.paths import (
    DATA_DIR_ENV,
    AppPaths,
    demo_data_dir,
    ensure_dirs,
    resolve_data_dir,
    resolve_paths,
    use_private_tempdir,
)

POSIX = os.name == "posix"
IS_ROOT = POSIX and os.geteuid() == 0


@pytest.fixture
def platform_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Point platformdirs at tmp_path and clear the env override, so no test sees the real home."""
    data = tmp_path / "platform-data"
    logs = tmp_path / "platform-logs"
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(data))
    monkeypatch.setattr(platformdirs, "user_log_dir", lambda *a, **k: str(logs))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    return data, logs


def test_default_uses_platformdirs(platform_dirs: tuple[Path, Path]) -> None:
    data, logs = platform_dirs
    p = resolve_paths(None)
    assert p.data_dir == data
    assert p.log_dir == logs
    assert not p.data_dir_overridden
    assert p.db_path == data / "clinic.db"
    assert p.keyslots_path == data / "keyslots.json"
    assert p.tmp_dir == data / "tmp"
    assert p.safety_dir == data / "safety"


def test_env_overrides_platformdirs_and_logs_follow_data(
    platform_dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    p = resolve_paths(None)
    assert p.data_dir == (tmp_path / "from-env").resolve()
    assert p.log_dir == p.data_dir / "logs"
    assert p.data_dir_overridden


def test_cli_beats_env(
    platform_dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    p = resolve_paths(str(tmp_path / "from-cli"))
    assert p.data_dir == (tmp_path / "from-cli").resolve()
    assert p.log_dir == p.data_dir / "logs"
    assert resolve_data_dir(str(tmp_path / "from-cli")) == p.data_dir


def test_relative_cli_dir_is_made_absolute(
    platform_dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    p = resolve_paths("clinic")
    assert p.data_dir.is_absolute()
    assert p.data_dir == (tmp_path / "clinic").resolve()


def test_blank_values_are_ignored(
    platform_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "   ")
    assert resolve_paths("  ").data_dir == platform_dirs[0]


def test_demo_is_separate_from_the_real_clinic(platform_dirs: tuple[Path, Path]) -> None:
    data, logs = platform_dirs
    demo = resolve_paths(None, demo=True)
    assert demo.data_dir == data / "demo"
    assert demo.log_dir == logs / "demo"
    assert demo.db_path != resolve_paths(None).db_path
    assert demo_data_dir() == data / "demo"


def test_demo_under_env_gets_a_subfolder(
    platform_dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "clinic"))
    demo = resolve_paths(None, demo=True)
    assert demo.data_dir == (tmp_path / "clinic" / "demo").resolve()
    assert demo.log_dir == demo.data_dir / "logs"


def test_demo_with_cli_dir_uses_it_literally(
    platform_dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    demo = resolve_paths(str(tmp_path / "mydemo"), demo=True)
    assert demo.data_dir == (tmp_path / "mydemo").resolve()


def test_app_paths_is_frozen(platform_dirs: tuple[Path, Path]) -> None:
    p = resolve_paths(None)
    with pytest.raises(AttributeError):
        p.data_dir = Path("/elsewhere")  # type: ignore[misc]


def _paths_in(root: Path) -> AppPaths:
    return resolve_paths(str(root / "data"))


@pytest.mark.skipif(not POSIX, reason="POSIX permission bits")
def test_ensure_dirs_creates_owner_only_dirs(tmp_path: Path) -> None:
    p = _paths_in(tmp_path)
    old_umask = os.umask(0o000)  # the most permissive umask must still give 0o700
    try:
        ensure_dirs(p)
    finally:
        os.umask(old_umask)
    for directory in p.all_dirs():
        assert directory.is_dir()
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert not list(p.data_dir.glob(".write-probe-*"))
    ensure_dirs(p)  # a second run over existing directories is fine


def test_ensure_dirs_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    p = _paths_in(tmp_path)
    p.data_dir.parent.mkdir(parents=True, exist_ok=True)
    p.data_dir.write_bytes(b"")
    with pytest.raises(ReadOnlyLocation) as info:
        ensure_dirs(p)
    assert str(p.data_dir) in info.value.message
    assert info.value.next_step


@pytest.mark.skipif(not POSIX or IS_ROOT, reason="root ignores permission bits")
def test_ensure_dirs_read_only_parent(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(ReadOnlyLocation):
            ensure_dirs(resolve_paths(str(parent / "data")))
    finally:
        parent.chmod(0o700)


@pytest.mark.parametrize(
    ("code", "expected"),
    [(errno.EROFS, ReadOnlyLocation), (errno.EACCES, ReadOnlyLocation), (errno.ENOSPC, DiskFull)],
)
def test_ensure_dirs_translates_write_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, expected: type[Exception]
) -> None:
    """A read-only mount or full disk (simulated: root can write anywhere) is an expected error."""
    p = _paths_in(tmp_path)

    def failing_open(path: object, flags: int, mode: int = 0o777) -> int:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(paths.os, "open", failing_open)
    with pytest.raises(expected):
        ensure_dirs(p)


@pytest.fixture
def private_tmp(tmp_path: Path) -> Iterator[tuple[AppPaths, paths.PrivateTempdir]]:
    p = _paths_in(tmp_path)
    ensure_dirs(p)
    handle = use_private_tempdir(p)
    try:
        yield p, handle
    finally:
        handle.close()


def test_temp_files_land_in_the_data_dir(
    private_tmp: tuple[AppPaths, paths.PrivateTempdir],
) -> None:
    p, handle = private_tmp
    assert Path(tempfile.gettempdir()).parent == p.tmp_dir
    with tempfile.NamedTemporaryFile() as f:
        assert Path(f.name).parent == handle.path
    with tempfile.TemporaryDirectory() as d:
        assert Path(d).parent == handle.path
    assert os.environ["TMPDIR"] == str(handle.path)


def test_close_restores_tempfile_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", "/previous")
    monkeypatch.delenv("TEMP", raising=False)
    before = tempfile.tempdir
    p = _paths_in(tmp_path)
    ensure_dirs(p)
    handle = use_private_tempdir(p)
    (handle.path / "left-behind").write_bytes(b"x")
    handle.close()
    handle.close()  # idempotent
    assert tempfile.tempdir == before
    assert os.environ["TMPDIR"] == "/previous"
    assert "TEMP" not in os.environ
    assert not handle.path.exists()


def test_stale_files_are_cleaned_at_start(tmp_path: Path) -> None:
    p = _paths_in(tmp_path)
    ensure_dirs(p)
    old = time.time() - 3 * 24 * 3600
    loose = p.tmp_dir / "loose.bin"
    loose.write_bytes(b"leftover")
    dead_old = p.tmp_dir / "session-999999999-dead"  # no such pid
    (dead_old / "sub").mkdir(parents=True)
    (dead_old / "sub" / "f").write_bytes(b"x")
    os.utime(dead_old, (old, old))
    dead_recent = p.tmp_dir / "session-999999998-rcnt"
    dead_recent.mkdir()
    live_old = p.tmp_dir / f"session-{os.getpid()}-live"
    live_old.mkdir()
    os.utime(live_old, (old, old))

    handle = use_private_tempdir(p)
    try:
        assert not loose.exists()
        assert not dead_old.exists()
        assert dead_recent.exists(), "a recent session may belong to another running process"
        if POSIX:
            assert live_old.exists(), "a session whose process is alive is never removed"
        assert handle.path.exists()
    finally:
        handle.close()

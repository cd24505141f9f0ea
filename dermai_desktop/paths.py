"""Where DermAI Desktop keeps its data, logs and temporary files on this machine."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from dermai_desktop.domain.errors import DiskFull, ReadOnlyLocation

APP_NAME = "DermAI Desktop"
APP_AUTHOR = "DermAI"
DATA_DIR_ENV = "DERMAI_DATA_DIR"

# Repeated from storage.database on purpose: infrastructure may not import the storage adapter,
# and app.py checks the two agree at start-up (a test in the lead's suite can assert it too).
DB_FILENAME = "clinic.db"
KEYSLOTS_FILENAME = "keyslots.json"

DEMO_SUBDIR = "demo"
#: Encrypted lesion photographs live beside the database, not inside it (see imaging/store.py).
IMAGES_SUBDIR = "images"
PRIVATE_DIR_MODE = 0o700

# A session temp dir untouched for this long belongs to a process that is gone (crash, kill -9);
# shorter would risk deleting the files of a long-running instance sharing the data directory.
DEFAULT_STALE_AFTER_SECONDS = 24 * 60 * 60
_SESSION_PREFIX = "session-"
_TEMP_ENV_VARS = ("TMPDIR", "TEMP", "TMP")


@dataclass(frozen=True, slots=True)
class AppPaths:
    """Every filesystem location the application writes to."""

    data_dir: Path
    log_dir: Path
    tmp_dir: Path
    safety_dir: Path
    db_path: Path
    keyslots_path: Path
    data_dir_overridden: bool

    @property
    def images_dir(self) -> Path:
        """The encrypted image store: ciphertext blob files only, named by keyed hash."""
        return self.data_dir / IMAGES_SUBDIR

    def all_dirs(self) -> tuple[Path, ...]:
        """The directories ensure_dirs creates, parents first."""
        return (self.data_dir, self.tmp_dir, self.safety_dir, self.images_dir, self.log_dir)


def default_data_dir() -> Path:
    """The per-user data directory platformdirs picks for this OS."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_log_dir() -> Path:
    """The per-user log directory platformdirs picks for this OS."""
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def resolve_data_dir(cli_value: str | None) -> Path:
    """The real clinic's data directory: --data-dir, then DERMAI_DATA_DIR, then platformdirs."""
    return resolve_paths(cli_value).data_dir


def demo_data_dir() -> Path:
    """The demo clinic's data directory when neither --data-dir nor the environment says."""
    return resolve_paths(None, demo=True).data_dir


def resolve_paths(cli_data_dir: str | None, *, demo: bool = False) -> AppPaths:
    """Work out every location from --data-dir, DERMAI_DATA_DIR and the platform defaults.

    Args:
        cli_data_dir: the value of --data-dir, or None when not given.
        demo: True for the demo clinic, which never shares a directory with a real clinic
            unless --data-dir explicitly says so.

    Returns:
        Absolute paths; nothing is created (see ensure_dirs).
    """
    env_value = os.environ.get(DATA_DIR_ENV, "").strip()
    cli_value = (cli_data_dir or "").strip()
    if cli_value:
        # An explicit --data-dir is taken literally, even for the demo: the person asked for it.
        data_dir = _absolute(cli_value)
        overridden = True
    elif env_value:
        # The environment names a clinic's directory; a demo beside it gets its own subfolder so
        # demo key files never land next to a real clinic database (and tests stay hermetic).
        base = _absolute(env_value)
        data_dir = base / DEMO_SUBDIR if demo else base
        overridden = True
    else:
        base = default_data_dir()
        data_dir = base / DEMO_SUBDIR if demo else base
        overridden = False

    if overridden:
        # IT or a test chose the location: keep logs with the data so one folder holds everything.
        log_dir = data_dir / "logs"
    else:
        # Demo logs apart from the real clinic's, so IT reading an incident never mixes the two.
        log_dir = default_log_dir() / DEMO_SUBDIR if demo else default_log_dir()

    return AppPaths(
        data_dir=data_dir,
        log_dir=log_dir,
        tmp_dir=data_dir / "tmp",
        safety_dir=data_dir / "safety",
        db_path=data_dir / DB_FILENAME,
        keyslots_path=data_dir / KEYSLOTS_FILENAME,
        data_dir_overridden=overridden,
    )


def _absolute(value: str) -> Path:
    # Resolve now so a later chdir (tests, Qt file dialogs) cannot move the clinic's data.
    return Path(value).expanduser().resolve()


def ensure_dirs(paths: AppPaths) -> None:
    """Create every directory (mode 0o700) and prove each one is writable.

    Raises:
        ReadOnlyLocation: a directory cannot be created or written to.
        DiskFull: the disk has no room even for an empty file.
    """
    for directory in paths.all_dirs():
        _make_private_dir(directory)
        _probe_writable(directory)


def _make_private_dir(directory: Path) -> None:
    existed = directory.is_dir()
    try:
        directory.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if not existed and os.name == "posix":
            # mkdir's mode is masked by the umask; patient data folders are owner-only regardless.
            # Existing folders are left alone: IT may have set deliberate permissions or ACLs.
            os.chmod(directory, PRIVATE_DIR_MODE)
    except FileExistsError as exc:
        raise ReadOnlyLocation(
            f"DermAI Desktop needs a folder at {directory}, but a file with that name is there."
        ) from exc
    except OSError as exc:
        raise _translate_os_error(exc, directory) from exc


def _probe_writable(directory: Path) -> None:
    # os.access lies on network shares, ACLs and read-only mounts; creating a file is the truth.
    probe = directory / f".write-probe-{secrets.token_hex(6)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise _translate_os_error(exc, directory) from exc


def _translate_os_error(exc: OSError, directory: Path) -> ReadOnlyLocation | DiskFull:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DiskFull(f"The disk holding {directory} is full.")
    return ReadOnlyLocation(f"DermAI Desktop cannot write to the folder {directory}.")


class PrivateTempdir:
    """This process's temp folder inside the data directory; close() removes it and restores."""

    def __init__(self, path: Path, previous_tempdir: str | None, previous_env: dict[str, str]):
        self.path = path
        self._previous_tempdir = previous_tempdir
        self._previous_env = previous_env
        self._closed = False

    def close(self) -> None:
        """Delete this session's temp files and point tempfile back where it was."""
        if self._closed:
            return
        self._closed = True
        tempfile.tempdir = self._previous_tempdir
        for name in _TEMP_ENV_VARS:
            if name in self._previous_env:
                os.environ[name] = self._previous_env[name]
            else:
                os.environ.pop(name, None)
        shutil.rmtree(self.path, ignore_errors=True)


def use_private_tempdir(
    paths: AppPaths, *, stale_after_seconds: float = DEFAULT_STALE_AFTER_SECONDS
) -> PrivateTempdir:
    """Send every temporary file of this process (and of Qt and child processes) to <data_dir>/tmp.

    The system /tmp is shared, often world-readable and outlives the data directory; a temp file
    holding patient data there would escape the clinic's encryption and retention. Each process
    gets its own session folder so a CLI command run beside the GUI never deletes the GUI's files;
    leftovers of crashed sessions and any loose files are removed here.

    Call ensure_dirs first. Close the returned handle at exit (app.py does it in a finally block).
    """
    _remove_stale(paths.tmp_dir, stale_after_seconds)
    session = paths.tmp_dir / f"{_SESSION_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    _make_private_dir(session)

    previous_env = {name: os.environ[name] for name in _TEMP_ENV_VARS if name in os.environ}
    handle = PrivateTempdir(session, tempfile.tempdir, previous_env)
    tempfile.tempdir = str(session)
    # tempfile reads these only once, but Qt (QDir::tempPath) and subprocesses read them each time.
    for name in _TEMP_ENV_VARS:
        os.environ[name] = str(session)
    return handle


def _owner_alive(session_name: str) -> bool:
    # Only POSIX can ask "is pid N alive?" safely: on Windows os.kill(pid, 0) terminates the
    # process, so there the age rule alone decides. A reused pid only keeps files longer.
    if os.name != "posix":
        return False
    pid_text = session_name.removeprefix(_SESSION_PREFIX).split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else (EPERM)
    return True


def _remove_stale(tmp_dir: Path, stale_after_seconds: float) -> None:
    try:
        entries = list(tmp_dir.iterdir())
    except FileNotFoundError:
        return
    cutoff = time.time() - stale_after_seconds
    for entry in entries:
        try:
            is_session = entry.is_dir() and entry.name.startswith(_SESSION_PREFIX)
            if is_session and (_owner_alive(entry.name) or entry.stat().st_mtime >= cutoff):
                continue  # possibly a live process sharing this data directory
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            # Cleaning is hygiene; a file another process holds open must not stop the app.
            continue

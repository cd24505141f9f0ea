"""In-memory keyring backends for tests: a working one and ones that fail like real keychains."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A dict-backed keychain (priority 1: a normal recommended backend).

    Switches simulate real trouble on the same backend class, so the recorded backend
    name still matches: ``locked`` (a dismissed unlock prompt), ``hang_seconds`` (a wedged
    D-Bus call), ``drop_writes`` (the null backend's silent discard), ``alter_writes``.
    """

    priority: float = 1.0
    # Never let keyring's own discovery pick a test double for an unrelated caller.
    viable = False

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}
        self.locked = False
        self.hang_seconds = 0.0
        self.drop_writes = False
        self.alter_writes = False
        self.calls = 0
        self._release = threading.Event()

    def release(self) -> None:
        """Let any hung call return (so no thread outlives its test by long)."""
        self._release.set()

    def _gate(self) -> None:
        self.calls += 1
        if self.hang_seconds:
            self._release.wait(self.hang_seconds)
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")

    def get_password(self, service: str, username: str) -> str | None:
        self._gate()
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._gate()
        if self.drop_writes:
            return
        self.entries[(service, username)] = password + "x" if self.alter_writes else password

    def delete_password(self, service: str, username: str) -> None:
        self._gate()
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("not found") from None


class LockedKeyring(MemoryKeyring):
    """Raises ``KeyringLocked`` on every call, like Secret Service after a dismissed prompt."""

    def __init__(self) -> None:
        super().__init__()
        self.locked = True


class HangingKeyring(MemoryKeyring):
    """Blocks every call (until released or 30 s), like a keychain waiting on a prompt."""

    def __init__(self) -> None:
        super().__init__()
        self.hang_seconds = 30.0


@contextmanager
def install_memory_keyring(backend: MemoryKeyring | None = None) -> Iterator[MemoryKeyring]:
    """Make ``backend`` (a fresh MemoryKeyring by default) keyring's default, then restore."""
    ring = backend if backend is not None else MemoryKeyring()
    # Read the private slot rather than get_keyring(): the latter would probe the real
    # keychain of the machine running the tests just to remember it.
    previous = keyring.core._keyring_backend
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        ring.release()
        keyring.core._keyring_backend = previous


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """A fresh in-memory keychain installed as keyring's default for one test."""
    with install_memory_keyring() as ring:
        yield ring

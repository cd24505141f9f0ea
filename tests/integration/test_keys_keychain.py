"""KeyStore: refuses insecure keychains, checks writes, and never hangs or leaks a secret."""
# keyring and sqlcipher3 ship untyped constructors:
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import base64
import time

import pytest
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, KeyringLocked, NoKeyringError, PasswordSetError

from dermai_desktop.domain.errors import KeychainUnavailable
from dermai_desktop.storage.keychain import KeyStore
from tests.keyring_memory import HangingKeyring, LockedKeyring, MemoryKeyring, memory_keyring

__all__ = ["memory_keyring"]  # the fixture, imported for pytest

SECRET = bytes(range(32))
SERVICE = "DermAI Desktop"


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5


class NotViableKeyring(MemoryKeyring):
    @property
    def priority(self) -> float:  # type: ignore[override]  # a missing platform library
        raise RuntimeError("requires dbus")


class FakeAltKeyring(MemoryKeyring):
    """Stands in for keyrings.alt when it is not installed: same module prefix, high priority."""

    priority = 5


FakeAltKeyring.__module__ = "keyrings.alt.file"


class RaisingKeyring(MemoryKeyring):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc


def test_round_trip_and_delete() -> None:
    ring = MemoryKeyring()
    store = KeyStore(backend=ring)
    assert store.backend_name() == "tests.keyring_memory.MemoryKeyring"
    store.ensure_usable()
    assert store.get_secret("clinic/kek/1") is None
    store.put_secret("clinic/kek/1", SECRET)
    assert store.get_secret("clinic/kek/1") == SECRET
    # Stored as base64 text under the DermAI service name.
    assert ring.entries[(SERVICE, "clinic/kek/1")] == base64.b64encode(SECRET).decode()
    store.delete_secret("clinic/kek/1")
    assert store.get_secret("clinic/kek/1") is None
    store.delete_secret("clinic/kek/1")  # deleting what is gone is fine


def test_default_backend_is_keyrings_choice(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore()
    store.put_secret("a", SECRET)
    assert (SERVICE, "a") in memory_keyring.entries
    assert store.backend_name() == "tests.keyring_memory.MemoryKeyring"


def test_custom_service_name() -> None:
    ring = MemoryKeyring()
    KeyStore("Other", backend=ring).put_secret("a", SECRET)
    assert list(ring.entries) == [("Other", "a")]


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (null.Keyring(), "switched off"),
        (fail.Keyring(), "No system keychain"),
        (FakeAltKeyring(), "unprotected file"),
        (LowPriorityKeyring(), "not a recommended secure store"),
        (NotViableKeyring(), "not a recommended secure store"),
    ],
    ids=["null", "fail", "keyrings-alt-like", "priority-below-1", "not-viable"],
)
def test_insecure_backends_are_refused_for_every_operation(
    backend: MemoryKeyring, words: str
) -> None:
    store = KeyStore(backend=backend)
    for operation in (
        store.ensure_usable,
        lambda: store.get_secret("a"),
        lambda: store.put_secret("a", SECRET),
        lambda: store.delete_secret("a"),
    ):
        with pytest.raises(KeychainUnavailable, match=words) as info:
            operation()
        assert info.value.next_step  # always a next step for the person at the screen
    if isinstance(backend, MemoryKeyring):
        assert backend.calls == 0  # refused before anything was asked of it


def test_real_keyrings_alt_plaintext_is_refused() -> None:
    file_backends = pytest.importorskip(
        "keyrings.alt.file", reason="keyrings.alt is not installed (and must not be a dependency)"
    )
    store = KeyStore(backend=file_backends.PlaintextKeyring())
    with pytest.raises(KeychainUnavailable, match="unprotected file"):
        store.put_secret("a", SECRET)


def test_allow_list_admits_a_low_priority_test_backend_but_never_null() -> None:
    store = KeyStore(backend=LowPriorityKeyring(), allowed_backends=[LowPriorityKeyring])
    store.put_secret("a", SECRET)
    assert store.get_secret("a") == SECRET
    # The allow-list only relaxes the priority rule; the discarding backend stays refused.
    store = KeyStore(backend=null.Keyring(), allowed_backends=[null.Keyring])
    with pytest.raises(KeychainUnavailable):
        store.ensure_usable()


def test_read_back_catches_a_backend_that_drops_writes() -> None:
    ring = MemoryKeyring()
    ring.drop_writes = True
    with pytest.raises(KeychainUnavailable, match="did not give it back") as info:
        KeyStore(backend=ring).put_secret("a", SECRET)
    assert base64.b64encode(SECRET).decode() not in str(info.value)


def test_read_back_catches_a_backend_that_alters_writes() -> None:
    ring = MemoryKeyring()
    ring.alter_writes = True
    with pytest.raises(KeychainUnavailable, match="did not give it back"):
        KeyStore(backend=ring).put_secret("a", SECRET)


def test_locked_keychain() -> None:
    store = KeyStore(backend=LockedKeyring())
    with pytest.raises(KeychainUnavailable, match="locked") as info:
        store.get_secret("a")
    assert isinstance(info.value.__cause__, KeyringLocked)
    with pytest.raises(KeychainUnavailable, match="locked"):
        store.put_secret("a", SECRET)


def test_hung_keychain_times_out_quickly() -> None:
    ring = HangingKeyring()
    store = KeyStore(backend=ring, timeout_seconds=0.2)
    started = time.monotonic()
    try:
        with pytest.raises(KeychainUnavailable, match=r"did not answer within 0\.2 s"):
            store.get_secret("a")
        with pytest.raises(KeychainUnavailable, match="did not answer"):
            store.put_secret("a", SECRET)
    finally:
        ring.release()
    assert time.monotonic() - started < 2.0


def test_hung_backend_discovery_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_discovery() -> MemoryKeyring:
        time.sleep(1.0)
        return MemoryKeyring()

    monkeypatch.setattr("keyring.get_keyring", slow_discovery)
    with pytest.raises(KeychainUnavailable, match="did not answer"):
        KeyStore(timeout_seconds=0.1).backend_name()


@pytest.mark.parametrize(
    ("exc", "words", "cause"),
    [
        (NoKeyringError("No recommended backend"), "No system keychain", NoKeyringError),
        (PasswordSetError("denied"), r"reported an error \(PasswordSetError\)", KeyringError),
        (RuntimeError("org.freedesktop.DBus.Error"), r"failed \(RuntimeError\)", RuntimeError),
    ],
    ids=["no-keyring", "keyring-error", "foreign-exception"],
)
def test_backend_errors_become_keychain_unavailable(
    exc: Exception, words: str, cause: type[Exception]
) -> None:
    store = KeyStore(backend=RaisingKeyring(exc))
    with pytest.raises(KeychainUnavailable, match=words) as info:
        store.put_secret("a", SECRET)
    assert isinstance(info.value.__cause__, cause)


def test_garbled_entry_is_reported_not_returned() -> None:
    ring = MemoryKeyring()
    ring.entries[(SERVICE, "a")] = "not base64 at all!"
    with pytest.raises(KeychainUnavailable, match="expected format"):
        KeyStore(backend=ring).get_secret("a")


def test_chainer_is_unwrapped_to_the_backend_that_holds_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = MemoryKeyring(), LowPriorityKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [first, second])
    store = KeyStore(backend=chainer.ChainerBackend())
    assert store.backend_name() == "tests.keyring_memory.MemoryKeyring"
    store.put_secret("a", SECRET)
    assert (SERVICE, "a") in first.entries
    assert not second.entries


def test_argument_checks() -> None:
    with pytest.raises(ValueError, match="timeout"):
        KeyStore(timeout_seconds=0)
    with pytest.raises(ValueError, match="empty"):
        KeyStore(backend=MemoryKeyring()).put_secret("a", b"")

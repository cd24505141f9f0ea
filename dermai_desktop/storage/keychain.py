"""OS keychain access for key-encryption keys: the only module that imports ``keyring``."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import logging
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, KeyringLocked, NoKeyringError, PasswordDeleteError

from dermai_desktop.domain.errors import KeychainUnavailable

__all__ = ["DEFAULT_SERVICE_NAME", "DEFAULT_TIMEOUT_SECONDS", "KeyStore", "backend_class_name"]

log = logging.getLogger(__name__)

DEFAULT_SERVICE_NAME = "DermAI Desktop"
DEFAULT_TIMEOUT_SECONDS = 10.0

_T = TypeVar("_T")

_SETUP_HINT = (
    "Unlock with the clinic recovery key, or ask IT to set up a secure system keychain "
    "(Windows Credential Manager, macOS Keychain, GNOME Keyring or KWallet)."
)


def backend_class_name(backend: KeyringBackend) -> str:
    """The fully qualified class name of a keyring backend, as recorded in the key-slot file."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


class KeyStore:
    """Keeps small secrets in the OS keychain, refusing stores that are not really secure.

    Every keyring call runs on a daemon worker thread with a timeout: a Secret Service
    unlock prompt or a wedged D-Bus call must not freeze the app (pip #7883, poetry #8623).
    All keyring failures become ``KeychainUnavailable`` with a plain message.
    """

    def __init__(
        self,
        service_name: str = DEFAULT_SERVICE_NAME,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        backend: KeyringBackend | None = None,
        *,
        allowed_backends: Collection[type[KeyringBackend]] = (),
    ) -> None:
        """Create a key store.

        Args:
            service_name: keychain service under which entries are stored.
            timeout_seconds: how long one keychain call may take before it counts as hung.
            backend: an explicit backend (tests); by default keyring's own choice.
            allowed_backends: classes accepted even with priority < 1 (test doubles only);
                the null, fail and keyrings.alt backends are refused regardless.
        """
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self._service = service_name
        self._timeout = float(timeout_seconds)
        self._explicit = backend
        self._allowed = tuple(allowed_backends)
        self._backend: KeyringBackend | None = None
        self._lock = threading.Lock()

    @property
    def timeout_seconds(self) -> float:
        return self._timeout

    # --- backend selection ---------------------------------------------------------

    def backend_name(self) -> str:
        """Fully qualified class name of the backend secrets are written to."""
        return backend_class_name(self._resolve())

    def ensure_usable(self) -> None:
        """Raise ``KeychainUnavailable`` unless the backend is a real, secure keychain."""
        problem = self._refusal_reason(self._resolve())
        if problem is not None:
            raise KeychainUnavailable(problem, _SETUP_HINT)

    def _resolve(self) -> KeyringBackend:
        with self._lock:
            if self._backend is None:
                chosen = self._explicit
                if chosen is None:
                    # Backend discovery probes D-Bus and friends, which can hang too.
                    chosen = self._call("find the keychain", keyring.get_keyring)
                self._backend = _unchain(chosen)
            return self._backend

    def _refusal_reason(self, backend: KeyringBackend) -> str | None:
        name = backend_class_name(backend)
        module = type(backend).__module__
        if isinstance(backend, null.Keyring):
            # The null backend "stores" by discarding: a key put there is lost at once.
            return "The system keychain is switched off (keyring's null backend)."
        if isinstance(backend, fail.Keyring):
            return "No system keychain is available on this computer."
        if module == "keyrings.alt" or module.startswith("keyrings.alt."):
            # keyrings.alt keeps secrets in files with no or a weak protection: a DEK
            # there is as good as plaintext beside the database (Signal's basic_text trap).
            return f"The keychain backend {name} keeps secrets in an unprotected file."
        if isinstance(backend, self._allowed):
            return None
        try:
            priority = float(backend.priority)
        except Exception:  # a backend reports "not viable" by raising from priority
            priority = -1.0
        if priority < 1:
            return f"The keychain backend {name} is not a recommended secure store here."
        return None

    # --- secrets -------------------------------------------------------------------

    def get_secret(self, account: str) -> bytes | None:
        """Return the secret stored for ``account``, or None when there is none."""
        self.ensure_usable()
        backend = self._resolve()
        text = self._call("read a key", lambda: backend.get_password(self._service, account))
        if text is None:
            return None
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            raise KeychainUnavailable(
                "The keychain entry for this clinic is not in the expected format.", _SETUP_HINT
            ) from None

    def put_secret(self, account: str, secret: bytes) -> None:
        """Store ``secret`` and prove it can be read back, else raise ``KeychainUnavailable``."""
        if not secret:
            raise ValueError("refusing to store an empty secret")
        self.ensure_usable()
        backend = self._resolve()
        text = base64.b64encode(secret).decode("ascii")
        self._call("store a key", lambda: backend.set_password(self._service, account, text))
        stored = self._call("read a key", lambda: backend.get_password(self._service, account))
        # A backend that silently drops or alters writes must be caught now, at set-up,
        # not at the next start when the key would be gone.
        if stored is None or not hmac.compare_digest(stored.encode("utf-8"), text.encode("ascii")):
            log.warning("keychain read-back check failed (backend %s)", backend_class_name(backend))
            raise KeychainUnavailable(
                "The system keychain accepted the key but did not give it back.", _SETUP_HINT
            )

    def delete_secret(self, account: str) -> None:
        """Delete the entry for ``account``; deleting a missing entry is not an error."""
        self.ensure_usable()
        backend = self._resolve()

        def delete() -> None:
            # Most backends raise PasswordDeleteError for "not found": the goal anyway.
            with contextlib.suppress(PasswordDeleteError):
                backend.delete_password(self._service, account)

        self._call("delete a key", delete)

    # --- the worker thread -----------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run one keyring call on a worker thread, translating failures and timeouts."""
        future: Future[_T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn())
            except BaseException as exc:  # delivered to the waiting thread, not lost
                future.set_exception(exc)

        # A daemon thread rather than a ThreadPoolExecutor: executor threads are joined
        # at interpreter exit, so one hung keychain call would stop the app from quitting.
        threading.Thread(target=run, name="dermai-keychain", daemon=True).start()
        try:
            return future.result(timeout=self._timeout)
        except TimeoutError:
            log.warning("keychain did not answer within %g s (%s)", self._timeout, what)
            raise KeychainUnavailable(
                f"The system keychain did not answer within {self._timeout:g} s.",
                "Check for a keychain unlock prompt, then try again; or unlock with the "
                "clinic recovery key.",
            ) from None
        except KeyringLocked as exc:
            log.warning("keychain is locked (%s)", what)
            raise KeychainUnavailable(
                "The system keychain is locked.",
                "Unlock the keychain (it may be waiting for your login password) and try "
                "again, or unlock with the clinic recovery key.",
            ) from exc
        except NoKeyringError as exc:
            log.warning("no keychain backend (%s)", what)
            raise KeychainUnavailable(
                "No system keychain is available on this computer.", _SETUP_HINT
            ) from exc
        except KeyringError as exc:
            log.warning("keychain error %s (%s)", type(exc).__name__, what)
            raise KeychainUnavailable(
                f"The system keychain reported an error ({type(exc).__name__}) when asked "
                f"to {what}.",
                _SETUP_HINT,
            ) from exc
        except Exception as exc:
            # Backends surface D-Bus, COM and Security-framework errors in their own types;
            # for the user each one means the same thing: the keychain did not help.
            log.warning("keychain failed with %s (%s)", type(exc).__name__, what)
            raise KeychainUnavailable(
                f"The system keychain failed ({type(exc).__name__}) when asked to {what}.",
                _SETUP_HINT,
            ) from exc


def _unchain(backend: KeyringBackend) -> KeyringBackend:
    """Use the chainer's first backend directly, so what we record is where the key lives.

    keyring's chainer writes to its highest-priority backend and reads from all of them;
    recording "ChainerBackend" would hide exactly the switch (KWallet <-> Secret Service on
    a desktop change, Signal #6962) that the recorded backend name is there to detect.
    """
    if isinstance(backend, chainer.ChainerBackend):
        chained: list[KeyringBackend] = list(chainer.ChainerBackend.backends)
        if chained:
            return chained[0]
    return backend

"""TEST-ONLY keyring backend for the end-to-end tests: secrets in a JSON file.

NEVER use this outside the test suite: it keeps secrets in PLAINTEXT in the file named by
the environment variable ``DERMAI_TEST_KEYRING_FILE``. The e2e tests run the real
``dermai-desktop`` command in child processes, which cannot share memory with the test,
so this "keychain" must persist across processes; a file under the test's ``tmp_path``
does that. Select it with ``PYTHON_KEYRING_BACKEND=tests.e2e.memory_keyring_backend.
JsonFileTestKeyring`` and the repository root on ``PYTHONPATH``.

Priority 1 (a normal recommended backend) so DermAI's keychain rules accept it, as they
accept the in-memory test backend; ``viable`` is False so keyring's own discovery never
picks it for anything else. Deleting the file empties the keychain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

ENV_FILE = "DERMAI_TEST_KEYRING_FILE"


class JsonFileTestKeyring(KeyringBackend):
    """A test-only keychain whose entries live in ``$DERMAI_TEST_KEYRING_FILE``."""

    priority = 1
    viable = False

    @staticmethod
    def _path() -> Path:
        value = os.environ.get(ENV_FILE)
        if not value:
            raise KeyringError(f"{ENV_FILE} is not set (test-only keyring backend)")
        return Path(value)

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        if not isinstance(data, dict):
            raise KeyringError("test keyring file is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, entries: dict[str, str]) -> None:
        path = self._path()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def _key(service: str, username: str) -> str:
        return f"{service}\x1f{username}"

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(self._key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[self._key(service, username)] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(self._key(service, username), None) is None:
            raise PasswordDeleteError("not found")
        self._save(entries)

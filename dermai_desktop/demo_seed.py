"""Seeding the demo clinic fast through the real services: batched units of work, simulated time.

The demo practice is written by the same services a clinic uses (permission
checks, validation, audit rows, sync outbox), so what the demo shows is what
the product does. Two things make that fast enough for thousands of patients:

* ``BatchingUnitOfWorkFactory`` hands every service call the same open
  transaction; a service's ``commit()`` only flushes, and the seeder commits
  for real every few hundred patients. One fsync per batch instead of one
  per call (the database runs ``synchronous=FULL``).
* ``SimulatedClock``: the seeder moves the clock to when each event happened,
  so a note from March is signed in March and the audit trail tells the same
  story. (Its ``seq`` order is the seeding order, so the timestamps of the
  demo's history step back in time after the set-up rows; the MAC chain is
  unaffected.)

This module is composition-root code (like ``demo.py``): it may import storage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from dermai_desktop.domain.users import Actor
from dermai_desktop.storage.database import Database, audit_key_from_dek
from dermai_desktop.storage.keys import KeySlots
from dermai_desktop.storage.outbox import ACTOR_KEY
from dermai_desktop.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory


class SimulatedClock:
    """A ``Clock`` the seeder sets; it never runs on its own."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("naive datetime refused; use timezone-aware UTC")
        self._now = moment.astimezone(UTC)


class _BatchedUnitOfWork:
    """What a service sees: the shared transaction, attributed to its actor."""

    def __init__(self, real: SqlUnitOfWork, actor: Actor) -> None:
        self._real = real
        self._actor = actor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> Self:
        session = self._real.session
        if session.info.get(ACTOR_KEY) is not self._actor:
            session.flush()  # rows so far belong to the previous actor
            session.info[ACTOR_KEY] = self._actor
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A failing call leaves the batch half-written: the seeder rolls it back.
        return None

    def commit(self) -> None:
        self._real.session.flush()

    def rollback(self) -> None:
        raise RuntimeError("a demo seeding call failed; the batch is abandoned")


class BatchingUnitOfWorkFactory:
    """A ``UnitOfWorkFactory`` whose units of work share one transaction until ``commit``."""

    def __init__(self, inner: SqlUnitOfWorkFactory) -> None:
        self._inner = inner
        self._current: SqlUnitOfWork | None = None
        self.commits = 0

    def __call__(self, actor: Actor) -> _BatchedUnitOfWork:
        if self._current is None:
            self._current = self._inner(actor)
        return _BatchedUnitOfWork(self._current, actor)

    def commit(self) -> None:
        """Make everything since the last commit durable (one transaction)."""
        if self._current is not None:
            self._current.commit()
            self._current.session.close()
            self._current = None
            self.commits += 1

    def abandon(self) -> None:
        if self._current is not None:
            self._current.session.close()  # rolls back
            self._current = None


def demo_unit_of_work_factory(
    database: Database, keyslots_path: Any, clock: SimulatedClock
) -> SqlUnitOfWorkFactory:
    """A unit-of-work factory on ``clock`` for a demo clinic (unlocked by its demo key file).

    Only a demo clinic has a demo key slot; a real clinic's key never passes here.
    """
    slots = KeySlots.load(keyslots_path)
    if not slots.is_demo:
        raise ValueError("demo seeding is for demo clinics only")
    dek = slots.unlock_with_demo_key()
    return database.unit_of_work_factory(audit_key_from_dek(dek), clock)


__all__ = ["BatchingUnitOfWorkFactory", "SimulatedClock", "demo_unit_of_work_factory"]

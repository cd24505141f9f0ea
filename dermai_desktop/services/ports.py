"""Ports: what the services need from the outside world, as Protocols.

Adapters (``storage``, ``security``) implement these; tests use fakes. A
unit of work is one transaction: everything done through it, including the
audit rows and the sync outbox entries, commits or rolls back together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from dermai_desktop.domain.audit import AuditEvent, ChainVerdict
from dermai_desktop.domain.ids import EncounterId, NoteId, PatientId, UserId
from dermai_desktop.domain.patient_search import PatientQuery
from dermai_desktop.domain.patients import Encounter, Patient, PatientDraft, SoapNote
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.analysis_ports import AnalysisRepository
from dermai_desktop.services.chart_ports import ChartListRepository, NoteTemplateRepository
from dermai_desktop.services.dto import AuditDraft, ClinicInfo, NoteText
from dermai_desktop.services.imaging_ports import ImageRepository, LesionRepository
from dermai_desktop.services.schedule_ports import ScheduleRepository


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, stored_hash: str, password: str) -> bool: ...
    def needs_rehash(self, stored_hash: str) -> bool: ...


class PasswordPolicy(Protocol):
    def check(self, password: str, user_inputs: Sequence[str]) -> None:
        """Raise ``WeakPassword`` with a plain reason if the password is not acceptable."""
        ...


class UserRepository(Protocol):
    def add(self, user: User, password_hash: str) -> None: ...
    def get(self, user_id: UserId) -> User | None: ...
    def get_by_username(self, username: str) -> User | None: ...
    def list(self) -> list[User]: ...
    def password_hash(self, user_id: UserId) -> str: ...
    def set_password_hash(self, user_id: UserId, password_hash: str, must_change: bool) -> None: ...
    def record_login_failure(self, user_id: UserId, locked_until: datetime | None) -> int:
        """Increment the failure counter, set the lock; return the new count."""
        ...

    def record_login_success(self, user_id: UserId, at: datetime) -> None: ...
    def set_active(self, user_id: UserId, active: bool) -> None: ...
    def set_role(self, user_id: UserId, role: Role) -> None: ...
    def count(self) -> int: ...


class AuditRepository(Protocol):
    def append(self, draft: AuditDraft) -> AuditEvent:
        """Append one event, chaining its MAC to the last one."""
        ...

    def between(self, start: datetime, end: datetime) -> Iterator[AuditEvent]: ...
    def verify(self) -> ChainVerdict: ...
    def count(self) -> int: ...


class SettingsRepository(Protocol):
    def all(self) -> dict[str, str]:
        """Clinic-level setting values as stored (JSON text), by name."""
        ...

    def put(self, name: str, json_value: str) -> None: ...


class ClinicRepository(Protocol):
    def get(self) -> ClinicInfo | None: ...
    def create(self, info: ClinicInfo) -> None: ...


class PatientRepository(Protocol):
    def add(self, draft: PatientDraft, mrn: str) -> Patient: ...
    def get(self, patient_id: PatientId) -> Patient | None: ...
    def update(self, patient_id: PatientId, draft: PatientDraft, expected_version: int) -> Patient:
        """Write the changed fields; raise ``ValidationFailed`` on a stale version."""
        ...

    def next_mrn_number(self) -> int: ...
    def count(self) -> int: ...
    def search(self, query: PatientQuery, limit: int) -> list[Patient]:
        """Live patients matching ``query``: exact identifier hits first, then by name."""
        ...

    def ids_sorted(self) -> list[PatientId]:
        """Every live patient's id by family name, given name, date of birth."""
        ...

    def page(self, offset: int, limit: int) -> list[Patient]: ...
    def get_many(self, ids: Sequence[PatientId]) -> list[Patient]:
        """Live patients among ``ids`` in the order given; unknown ids left out."""
        ...

    def find_duplicates(self, draft: PatientDraft) -> list[Patient]:
        """Same name and date of birth, or the same phone number."""
        ...


class ChartRepository(Protocol):
    def add_encounter(
        self, patient_id: PatientId, clinician_id: UserId, reason: str
    ) -> Encounter: ...
    def encounters(self, patient_id: PatientId) -> list[Encounter]: ...
    def notes(self, patient_id: PatientId) -> list[SoapNote]:
        """Top-level notes, newest first, each with its addenda attached."""
        ...

    def get_note(self, note_id: NoteId) -> SoapNote | None: ...
    def add_note(
        self,
        encounter_id: EncounterId,
        patient_id: PatientId,
        author_id: UserId,
        text: NoteText,
        amends_id: NoteId | None = None,
    ) -> SoapNote: ...
    def update_note_text(self, note_id: NoteId, text: NoteText) -> SoapNote: ...
    def sign_note(self, note_id: NoteId, signer: UserId, at: datetime) -> SoapNote: ...


class UnitOfWork(Protocol):
    users: UserRepository
    audit: AuditRepository
    settings: SettingsRepository
    clinic: ClinicRepository
    patients: PatientRepository
    charts: ChartRepository
    chart_lists: ChartListRepository
    templates: NoteTemplateRepository
    schedule: ScheduleRepository
    lesions: LesionRepository
    images: ImageRepository
    analysis: AnalysisRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless committed."""
        ...

    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, actor: Actor) -> UnitOfWork:
        """A unit of work whose changes are attributed to ``actor``."""
        ...


__all__ = [
    "AuditRepository",
    "ChartRepository",
    "ClinicRepository",
    "Clock",
    "PasswordHasher",
    "PasswordPolicy",
    "PatientRepository",
    "SettingsRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
]

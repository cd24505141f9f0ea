"""In-memory fakes for every service port, so service tests run in milliseconds."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from dermai_desktop.domain.audit import (
    GENESIS_MAC,
    AuditEvent,
    ChainVerdict,
    compute_mac,
    verify_chain,
)
from dermai_desktop.domain.errors import ValidationFailed, WeakPassword
from dermai_desktop.domain.ids import EncounterId, NoteId, PatientId, UserId, new_uuid7
from dermai_desktop.domain.patients import Encounter, Patient, PatientDraft, SoapNote
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.analysis_ports import AnalysisRepository
from dermai_desktop.services.dto import AuditDraft, ClinicInfo, NoteText
from dermai_desktop.services.imaging_ports import ImageRepository, LesionRepository
from dermai_desktop.services.ports import (
    AuditRepository,
    ChartRepository,
    ClinicRepository,
    PatientRepository,
    SettingsRepository,
    UserRepository,
)
from tests.fakes_analysis import FakeAnalysisRepository, FakeAnalysisState
from tests.fakes_chart import (
    FakeChartListRepository,
    FakeChartState,
    FakeNoteTemplateRepository,
)
from tests.fakes_imaging import FakeImageRepository, FakeImagingState, FakeLesionRepository
from tests.fakes_registry import PatientSearchFakeMixin
from tests.fakes_schedule import FakeScheduleRepository, FakeScheduleState

AUDIT_KEY = b"k" * 32
T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 0, **kwargs: float) -> None:
        self.current += timedelta(seconds=seconds, **kwargs)


class FakePasswordHasher:
    """Deterministic, instant hashing; ``version`` lets tests simulate new parameters."""

    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.hash_calls = 0
        self.verify_calls = 0

    def hash(self, password: str) -> str:
        self.hash_calls += 1
        digest = hashlib.sha256(f"salt|{password}".encode()).hexdigest()
        return f"fake${self.version}${digest}"

    def verify(self, stored_hash: str, password: str) -> bool:
        self.verify_calls += 1
        _, _, digest = stored_hash.partition("$")[2].partition("$")
        return digest == hashlib.sha256(f"salt|{password}".encode()).hexdigest()

    def needs_rehash(self, stored_hash: str) -> bool:
        return not stored_hash.startswith(f"fake${self.version}$")


class FakePasswordPolicy:
    """Length 12 and nothing containing a user input; records what it was given."""

    def __init__(self) -> None:
        self.seen_inputs: list[Sequence[str]] = []

    def check(self, password: str, user_inputs: Sequence[str]) -> None:
        self.seen_inputs.append(list(user_inputs))
        if len(password) < 12:
            raise WeakPassword("The password is too short: use at least 12 characters.")
        lowered = password.casefold()
        if any(len(word) >= 4 and word.casefold() in lowered for word in user_inputs):
            raise WeakPassword("The password is too close to your name or the clinic's name.")


@dataclass
class _UserRow:
    user: User
    password_hash: str


@dataclass
class FakeState:
    """Everything the "database" holds; a unit of work copies it and commits it back."""

    users: dict[UserId, _UserRow] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    clinic: ClinicInfo | None = None
    patients: dict[PatientId, Patient] = field(default_factory=dict)
    mrn_counter: int = 0
    encounters: dict[EncounterId, Encounter] = field(default_factory=dict)
    notes: dict[NoteId, SoapNote] = field(default_factory=dict)
    chart: FakeChartState = field(default_factory=FakeChartState)
    schedule: FakeScheduleState = field(default_factory=FakeScheduleState)
    imaging: FakeImagingState = field(default_factory=FakeImagingState)
    analysis: FakeAnalysisState = field(default_factory=FakeAnalysisState)

    def __deepcopy__(self, memo: dict[int, object]) -> FakeState:
        # Audit events are frozen and append-only, so a copy may share them (the list itself is
        # new). Copying every event on every unit of work made long scenarios quadratic.
        for event in self.audit:
            memo[id(event)] = event
        clone = copy.copy(self)
        for name in self.__dataclass_fields__:
            setattr(clone, name, copy.deepcopy(getattr(self, name), memo))
        return clone


class FakeUserRepository:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, user: User, password_hash: str) -> None:
        if any(r.user.username == user.username for r in self._s.users.values()):
            raise AssertionError("unique constraint: username")
        self._s.users[user.id] = _UserRow(user, password_hash)

    def get(self, user_id: UserId) -> User | None:
        row = self._s.users.get(user_id)
        return row.user if row else None

    def get_by_username(self, username: str) -> User | None:
        return next((r.user for r in self._s.users.values() if r.user.username == username), None)

    def list(self) -> list[User]:
        return [r.user for r in self._s.users.values()]

    def password_hash(self, user_id: UserId) -> str:
        return self._s.users[user_id].password_hash

    def set_password_hash(self, user_id: UserId, password_hash: str, must_change: bool) -> None:
        # Storage contract: a new password also clears the failure counter and lock.
        row = self._s.users[user_id]
        row.password_hash = password_hash
        row.user = replace(
            row.user, must_change_password=must_change, failed_logins=0, locked_until=None
        )

    def record_login_failure(self, user_id: UserId, locked_until: datetime | None) -> int:
        row = self._s.users[user_id]
        row.user = replace(
            row.user, failed_logins=row.user.failed_logins + 1, locked_until=locked_until
        )
        return row.user.failed_logins

    def record_login_success(self, user_id: UserId, at: datetime) -> None:
        row = self._s.users[user_id]
        row.user = replace(row.user, failed_logins=0, locked_until=None, last_login_at=at)

    def set_active(self, user_id: UserId, active: bool) -> None:
        row = self._s.users[user_id]
        row.user = replace(row.user, active=active)

    def set_role(self, user_id: UserId, role: Role) -> None:
        row = self._s.users[user_id]
        row.user = replace(row.user, role=role)

    def count(self) -> int:
        return len(self._s.users)


class FakeAuditRepository:
    """Chains real HMACs with ``domain.audit.compute_mac`` like the storage adapter."""

    def __init__(self, state: FakeState, key: bytes) -> None:
        self._s = state
        self._key = key

    def append(self, draft: AuditDraft) -> AuditEvent:
        last = self._s.audit[-1] if self._s.audit else None
        prev = last.mac if last else GENESIS_MAC
        event = AuditEvent(
            seq=last.seq + 1 if last else 1,
            id=new_uuid7(),
            occurred_at=draft.occurred_at,
            user_id=draft.user_id,
            username=draft.username,
            role=draft.role,
            workstation_id=draft.workstation_id,
            action=draft.action.value,
            entity_type=draft.entity_type,
            entity_id=draft.entity_id,
            patient_id=draft.patient_id,
            outcome=draft.outcome.value,
            detail=draft.detail,
            prev_mac=prev,
            mac="",
        )
        event = replace(event, mac=compute_mac(self._key, prev, event))
        self._s.audit.append(event)
        return event

    def between(self, start: datetime, end: datetime) -> Iterator[AuditEvent]:
        return iter([e for e in self._s.audit if start <= e.occurred_at < end])

    def verify(self) -> ChainVerdict:
        return verify_chain(self._key, self._s.audit)

    def count(self) -> int:
        return len(self._s.audit)


class FakeSettingsRepository:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def all(self) -> dict[str, str]:
        return dict(self._s.settings)

    def put(self, name: str, json_value: str) -> None:
        self._s.settings[name] = json_value


class FakeClinicRepository:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def get(self) -> ClinicInfo | None:
        return self._s.clinic

    def create(self, info: ClinicInfo) -> None:
        if self._s.clinic is not None:
            raise AssertionError("clinic row exists")
        self._s.clinic = info


class FakePatientRepository(PatientSearchFakeMixin):
    def __init__(self, state: FakeState, clock: FakeClock) -> None:
        self._s = state
        self._clock = clock

    def add(self, draft: PatientDraft, mrn: str) -> Patient:
        if any(p.mrn == mrn for p in self._s.patients.values()):
            raise AssertionError("unique constraint: mrn")
        now = self._clock.now()
        patient = Patient(
            id=PatientId(new_uuid7()),
            mrn=mrn,
            given_name=draft.given_name,
            family_name=draft.family_name,
            date_of_birth=draft.date_of_birth,
            sex=draft.sex,
            phone=draft.phone,
            email=draft.email,
            address=draft.address,
            fitzpatrick=draft.fitzpatrick,
            flags=draft.flags,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self._s.patients[patient.id] = patient
        return patient

    def get(self, patient_id: PatientId) -> Patient | None:
        return self._s.patients.get(patient_id)

    def update(self, patient_id: PatientId, draft: PatientDraft, expected_version: int) -> Patient:
        current = self._s.patients[patient_id]
        if current.version != expected_version:
            raise ValidationFailed("stale version")
        updated = replace(
            current,
            given_name=draft.given_name,
            family_name=draft.family_name,
            date_of_birth=draft.date_of_birth,
            sex=draft.sex,
            phone=draft.phone,
            email=draft.email,
            address=draft.address,
            fitzpatrick=draft.fitzpatrick,
            flags=draft.flags,
            version=current.version + 1,
            updated_at=self._clock.now(),
        )
        self._s.patients[patient_id] = updated
        return updated

    def next_mrn_number(self) -> int:
        self._s.mrn_counter += 1
        return self._s.mrn_counter

    def count(self) -> int:
        return len(self._s.patients)


class SignedNoteTriggerError(RuntimeError):
    """What the database trigger does; a different type from the service's error on purpose.

    Tests that expect ``SignedContentLocked`` therefore prove the service checked
    first and did not lean on the second line of defence.
    """


class FakeChartRepository:
    def __init__(self, state: FakeState, clock: FakeClock) -> None:
        self._s = state
        self._clock = clock

    def add_encounter(self, patient_id: PatientId, clinician_id: UserId, reason: str) -> Encounter:
        enc = Encounter(
            EncounterId(new_uuid7()), patient_id, clinician_id, self._clock.now(), reason
        )
        self._s.encounters[enc.id] = enc
        return enc

    def encounters(self, patient_id: PatientId) -> list[Encounter]:
        found = [e for e in self._s.encounters.values() if e.patient_id == patient_id]
        return sorted(found, key=lambda e: e.started_at, reverse=True)

    def notes(self, patient_id: PatientId) -> list[SoapNote]:
        mine = [n for n in self._s.notes.values() if n.patient_id == patient_id]
        tops = [n for n in mine if n.amends_id is None]
        result = []
        for top in sorted(tops, key=lambda n: (n.created_at, n.id), reverse=True):
            addenda = tuple(
                sorted((n for n in mine if n.amends_id == top.id), key=lambda n: n.created_at)
            )
            result.append(replace(top, addenda=addenda))
        return result

    def get_note(self, note_id: NoteId) -> SoapNote | None:
        return self._s.notes.get(note_id)

    def add_note(
        self,
        encounter_id: EncounterId,
        patient_id: PatientId,
        author_id: UserId,
        text: NoteText,
        amends_id: NoteId | None = None,
    ) -> SoapNote:
        if amends_id is not None and amends_id not in self._s.notes:
            raise AssertionError("foreign key: amends_id")
        now = self._clock.now()
        note = SoapNote(
            id=NoteId(new_uuid7()),
            encounter_id=encounter_id,
            patient_id=patient_id,
            author_id=author_id,
            subjective=text.subjective,
            objective=text.objective,
            assessment=text.assessment,
            plan=text.plan,
            created_at=now,
            updated_at=now,
            version=1,
            amends_id=amends_id,
        )
        self._s.notes[note.id] = note
        return note

    def update_note_text(self, note_id: NoteId, text: NoteText) -> SoapNote:
        note = self._s.notes[note_id]
        if note.is_signed:
            raise SignedNoteTriggerError("signed note is locked")
        note = replace(
            note,
            subjective=text.subjective,
            objective=text.objective,
            assessment=text.assessment,
            plan=text.plan,
            updated_at=self._clock.now(),
            version=note.version + 1,
        )
        self._s.notes[note_id] = note
        return note

    def sign_note(self, note_id: NoteId, signer: UserId, at: datetime) -> SoapNote:
        note = self._s.notes[note_id]
        if note.is_signed:
            raise SignedNoteTriggerError("signed note is locked")
        note = replace(note, signed_at=at, signed_by=signer, version=note.version + 1)
        self._s.notes[note_id] = note
        return note


class FakeUnitOfWork:
    """Works on a private copy of the state; ``commit`` publishes it, exit discards it."""

    def __init__(self, db: FakeDatabase, actor: Actor) -> None:
        self._db = db
        self.actor = actor
        self.committed = False
        self._state = copy.deepcopy(db.state)
        self.users: UserRepository = FakeUserRepository(self._state)
        self.audit: AuditRepository = FakeAuditRepository(self._state, db.audit_key)
        self.settings: SettingsRepository = FakeSettingsRepository(self._state)
        self.clinic: ClinicRepository = FakeClinicRepository(self._state)
        self.patients: PatientRepository = FakePatientRepository(self._state, db.clock)
        self.charts: ChartRepository = FakeChartRepository(self._state, db.clock)
        self.chart_lists = FakeChartListRepository(self._state, db.clock, actor)
        self.templates = FakeNoteTemplateRepository(self._state, db.clock, actor)
        self.schedule = FakeScheduleRepository(self._state, db.clock)
        self.lesions: LesionRepository = FakeLesionRepository(self._state)
        self.images: ImageRepository = FakeImageRepository(self._state)
        self.analysis: AnalysisRepository = FakeAnalysisRepository(self._state)

    def __enter__(self) -> Self:
        if self._db.open_units:
            # SQLite has one writer: a nested unit of work would deadlock for real.
            raise AssertionError("nested unit of work")
        self._db.open_units += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._db.open_units -= 1
        if not self.committed:
            self.rollback()

    def commit(self) -> None:
        self._db.state = copy.deepcopy(self._state)
        self._db.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self._state = copy.deepcopy(self._db.state)


class FakeDatabase:
    """The shared store behind a ``FakeUnitOfWork`` factory; also the factory itself."""

    def __init__(self, clock: FakeClock | None = None, audit_key: bytes = AUDIT_KEY) -> None:
        self.clock = clock or FakeClock()
        self.audit_key = audit_key
        self.state = FakeState()
        self.commits = 0
        self.open_units = 0
        self.actors: list[Actor] = []

    def __call__(self, actor: Actor) -> FakeUnitOfWork:
        self.actors.append(actor)
        return FakeUnitOfWork(self, actor)

    # --- conveniences for assertions -------------------------------------------------

    @property
    def audit_events(self) -> list[AuditEvent]:
        return self.state.audit

    def events(self, action: str | None = None) -> list[AuditEvent]:
        return [e for e in self.state.audit if action is None or e.action == action]

    def user(self, user_id: UserId) -> User:
        return self.state.users[user_id].user


__all__ = [
    "AUDIT_KEY",
    "T0",
    "FakeClock",
    "FakeDatabase",
    "FakePasswordHasher",
    "FakePasswordPolicy",
    "FakeUnitOfWork",
    "SignedNoteTriggerError",
]

"""SQL repositories: map ``*Record`` rows to domain dataclasses and back.

Records never leave this module: every method returns a frozen domain object
or a DTO. Each repository works inside the session of one unit of work and
never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dermai_desktop.domain.errors import NotFound, SignedContentLocked, ValidationFailed
from dermai_desktop.domain.ids import (
    ClinicId,
    EncounterId,
    NoteId,
    PatientId,
    UserId,
    WorkstationId,
    new_uuid7,
)
from dermai_desktop.domain.patients import (
    Encounter,
    FitzpatrickType,
    Patient,
    PatientDraft,
    Sex,
    SoapNote,
)
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.dto import ClinicInfo, NoteText
from dermai_desktop.storage.records import (
    ClinicRecord,
    EncounterRecord,
    NoteRecord,
    PatientRecord,
    SettingRecord,
    UserRecord,
    WorkstationRecord,
)

Now = Callable[[], datetime]


def _flush_unique(session: Session, message: str) -> None:
    """Flush now so a uniqueness clash surfaces here as a plain validation error."""
    try:
        session.flush()
    except IntegrityError as error:
        raise ValidationFailed(message, "Choose a different value.") from error


# --- users -----------------------------------------------------------------------


def _user(record: UserRecord) -> User:
    return User(
        id=UserId(record.id),
        username=record.username,
        full_name=record.full_name,
        role=Role(record.role),
        active=record.active,
        must_change_password=record.must_change_password,
        failed_logins=record.failed_logins,
        locked_until=record.locked_until,
        last_login_at=record.last_login_at,
        created_at=record.created_at,
    )


class SqlUserRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def _record(self, user_id: UserId) -> UserRecord:
        record = self._session.get(UserRecord, user_id)
        if record is None or record.deleted_at is not None:
            raise NotFound("The user account could not be found.")
        return record

    def add(self, user: User, password_hash: str) -> None:
        self._session.add(
            UserRecord(
                id=user.id,
                username=user.username,
                full_name=user.full_name,
                password_hash=password_hash,
                role=user.role.value,
                active=user.active,
                must_change_password=user.must_change_password,
                failed_logins=user.failed_logins,
                locked_until=user.locked_until,
                last_login_at=user.last_login_at,
                created_at=user.created_at,
            )
        )
        _flush_unique(self._session, "That user name is already taken.")

    def get(self, user_id: UserId) -> User | None:
        record = self._session.get(UserRecord, user_id)
        return _user(record) if record is not None and record.deleted_at is None else None

    def get_by_username(self, username: str) -> User | None:
        record = self._session.scalars(
            select(UserRecord).where(
                UserRecord.username == username, UserRecord.deleted_at.is_(None)
            )
        ).one_or_none()
        return _user(record) if record is not None else None

    def list(self) -> list[User]:
        rows = self._session.scalars(
            select(UserRecord).where(UserRecord.deleted_at.is_(None)).order_by(UserRecord.username)
        )
        return [_user(r) for r in rows]

    def password_hash(self, user_id: UserId) -> str:
        return self._record(user_id).password_hash

    def set_password_hash(self, user_id: UserId, password_hash: str, must_change: bool) -> None:
        record = self._record(user_id)
        record.password_hash = password_hash
        record.must_change_password = must_change
        # A new password (a manager's reset, or the user's own change) ends any lockout:
        # the lockout message tells the user to ask a manager for exactly this.
        record.failed_logins = 0
        record.locked_until = None

    def record_login_failure(self, user_id: UserId, locked_until: datetime | None) -> int:
        record = self._record(user_id)
        record.failed_logins = record.failed_logins + 1
        record.locked_until = locked_until
        self._session.flush()
        return record.failed_logins

    def record_login_success(self, user_id: UserId, at: datetime) -> None:
        record = self._record(user_id)
        record.failed_logins = 0
        record.locked_until = None
        record.last_login_at = at

    def set_active(self, user_id: UserId, active: bool) -> None:
        self._record(user_id).active = active

    def set_role(self, user_id: UserId, role: Role) -> None:
        self._record(user_id).role = role.value

    def count(self) -> int:
        return int(
            self._session.scalar(
                select(func.count()).select_from(UserRecord).where(UserRecord.deleted_at.is_(None))
            )
            or 0
        )


# --- settings and clinic ---------------------------------------------------------


class SqlSettingsRepository:
    def __init__(self, session: Session, now: Now, actor: Actor) -> None:
        self._session = session
        self._now = now
        self._actor = actor

    def all(self) -> dict[str, str]:
        return {r.name: r.value for r in self._session.scalars(select(SettingRecord))}

    def put(self, name: str, json_value: str) -> None:
        record = self._session.get(SettingRecord, name)
        if record is None:
            record = SettingRecord(name=name)
            self._session.add(record)
        record.value = json_value
        record.updated_at = self._now()
        record.updated_by = self._actor.user_id


class SqlClinicRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def get(self) -> ClinicInfo | None:
        clinic = self._session.scalars(
            select(ClinicRecord)
            .where(ClinicRecord.deleted_at.is_(None))
            .order_by(ClinicRecord.created_at)
        ).first()
        if clinic is None:
            return None
        station = self._session.scalars(
            select(WorkstationRecord).where(
                WorkstationRecord.clinic_id == clinic.id,
                WorkstationRecord.is_this_machine.is_(True),
            )
        ).first()
        if station is None:
            return None
        return ClinicInfo(
            id=ClinicId(clinic.id),
            name=clinic.name,
            workstation_id=WorkstationId(station.id),
            workstation_name=station.name,
            is_demo=clinic.is_demo,
            created_at=clinic.created_at,
        )

    def create(self, info: ClinicInfo) -> None:
        if self._session.scalar(select(func.count()).select_from(ClinicRecord)):
            raise ValidationFailed("This database already holds a clinic.")
        self._session.add(
            ClinicRecord(
                id=info.id, name=info.name, is_demo=info.is_demo, created_at=info.created_at
            )
        )
        self._session.flush()  # the workstation row refers to the clinic
        self._session.add(
            WorkstationRecord(
                id=info.workstation_id,
                clinic_id=info.id,
                name=info.workstation_name,
                is_this_machine=True,
                created_at=info.created_at,
            )
        )
        self._session.flush()


# --- patients ----------------------------------------------------------------------


def _patient(record: PatientRecord) -> Patient:
    return Patient(
        id=PatientId(record.id),
        mrn=record.mrn,
        given_name=record.given_name,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        sex=Sex(record.sex),
        phone=record.phone,
        email=record.email,
        address=record.address,
        fitzpatrick=FitzpatrickType(record.fitzpatrick) if record.fitzpatrick else None,
        flags=tuple(record.flags or ()),
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _apply_draft(record: PatientRecord, draft: PatientDraft) -> None:
    record.given_name = draft.given_name
    record.family_name = draft.family_name
    record.date_of_birth = draft.date_of_birth
    record.sex = draft.sex.value
    record.phone = draft.phone
    record.email = draft.email
    record.address = draft.address
    record.fitzpatrick = int(draft.fitzpatrick) if draft.fitzpatrick is not None else None
    flags = list(draft.flags)
    if record.flags != flags:  # JSON columns compare by reassignment only
        record.flags = flags


class SqlPatientRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def _record(self, patient_id: PatientId) -> PatientRecord:
        record = self._session.get(PatientRecord, patient_id)
        if record is None or record.deleted_at is not None:
            raise NotFound("The patient record could not be found.")
        return record

    def add(self, draft: PatientDraft, mrn: str) -> Patient:
        record = PatientRecord(id=new_uuid7(), mrn=mrn, created_at=self._now())
        _apply_draft(record, draft)
        self._session.add(record)
        _flush_unique(self._session, "That medical record number is already in use.")
        return _patient(record)

    def get(self, patient_id: PatientId) -> Patient | None:
        record = self._session.get(PatientRecord, patient_id)
        return _patient(record) if record is not None and record.deleted_at is None else None

    def update(self, patient_id: PatientId, draft: PatientDraft, expected_version: int) -> Patient:
        record = self._record(patient_id)
        if record.version != expected_version:
            raise ValidationFailed(
                "Someone else changed this patient while you were editing.",
                "Reopen the patient to see the latest details, then edit again.",
            )
        _apply_draft(record, draft)
        self._session.flush()
        return _patient(record)

    def next_mrn_number(self) -> int:
        # Tombstoned rows count too: an MRN is never reused.
        return int(self._session.scalar(select(func.count()).select_from(PatientRecord)) or 0) + 1

    def count(self) -> int:
        return int(
            self._session.scalar(
                select(func.count())
                .select_from(PatientRecord)
                .where(PatientRecord.deleted_at.is_(None))
            )
            or 0
        )


# --- charts --------------------------------------------------------------------------


def _encounter(record: EncounterRecord) -> Encounter:
    return Encounter(
        id=EncounterId(record.id),
        patient_id=PatientId(record.patient_id),
        clinician_id=UserId(record.clinician_id),
        started_at=record.started_at,
        reason=record.reason,
    )


def _note(record: NoteRecord, addenda: tuple[SoapNote, ...] = ()) -> SoapNote:
    return SoapNote(
        id=NoteId(record.id),
        encounter_id=EncounterId(record.encounter_id),
        patient_id=PatientId(record.patient_id),
        author_id=UserId(record.author_id),
        subjective=record.subjective,
        objective=record.objective,
        assessment=record.assessment,
        plan=record.plan,
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
        signed_at=record.signed_at,
        signed_by=UserId(record.signed_by) if record.signed_by else None,
        amends_id=NoteId(record.amends_id) if record.amends_id else None,
        addenda=addenda,
    )


class SqlChartRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def _note_record(self, note_id: NoteId) -> NoteRecord:
        record = self._session.get(NoteRecord, note_id)
        if record is None or record.deleted_at is not None:
            raise NotFound("The note could not be found.")
        return record

    def add_encounter(self, patient_id: PatientId, clinician_id: UserId, reason: str) -> Encounter:
        now = self._now()
        record = EncounterRecord(
            id=new_uuid7(),
            patient_id=patient_id,
            clinician_id=clinician_id,
            started_at=now,
            reason=reason,
            created_at=now,
        )
        self._session.add(record)
        self._session.flush()
        return _encounter(record)

    def encounters(self, patient_id: PatientId) -> list[Encounter]:
        rows = self._session.scalars(
            select(EncounterRecord)
            .where(EncounterRecord.patient_id == patient_id, EncounterRecord.deleted_at.is_(None))
            .order_by(EncounterRecord.started_at.desc(), EncounterRecord.id.desc())
        )
        return [_encounter(r) for r in rows]

    def notes(self, patient_id: PatientId) -> list[SoapNote]:
        rows = list(
            self._session.scalars(
                select(NoteRecord)
                .where(NoteRecord.patient_id == patient_id, NoteRecord.deleted_at.is_(None))
                .order_by(NoteRecord.created_at, NoteRecord.id)
            )
        )
        addenda: dict[str, list[SoapNote]] = {}
        for row in rows:
            if row.amends_id is not None:
                addenda.setdefault(row.amends_id, []).append(_note(row))
        top = [_note(r, tuple(addenda.get(r.id, ()))) for r in rows if r.amends_id is None]
        top.reverse()  # newest first; addenda stay oldest first under their note
        return top

    def get_note(self, note_id: NoteId) -> SoapNote | None:
        record = self._session.get(NoteRecord, note_id)
        if record is None or record.deleted_at is not None:
            return None
        children = self._session.scalars(
            select(NoteRecord)
            .where(NoteRecord.amends_id == note_id, NoteRecord.deleted_at.is_(None))
            .order_by(NoteRecord.created_at, NoteRecord.id)
        )
        return _note(record, tuple(_note(c) for c in children))

    def add_note(
        self,
        encounter_id: EncounterId,
        patient_id: PatientId,
        author_id: UserId,
        text: NoteText,
        amends_id: NoteId | None = None,
    ) -> SoapNote:
        record = NoteRecord(
            id=new_uuid7(),
            encounter_id=encounter_id,
            patient_id=patient_id,
            author_id=author_id,
            subjective=text.subjective,
            objective=text.objective,
            assessment=text.assessment,
            plan=text.plan,
            amends_id=amends_id,
            created_at=self._now(),
        )
        self._session.add(record)
        self._session.flush()
        return _note(record)

    def update_note_text(self, note_id: NoteId, text: NoteText) -> SoapNote:
        record = self._note_record(note_id)
        if record.signed_at is not None:
            raise SignedContentLocked()
        record.subjective = text.subjective
        record.objective = text.objective
        record.assessment = text.assessment
        record.plan = text.plan
        self._session.flush()
        return _note(record)

    def sign_note(self, note_id: NoteId, signer: UserId, at: datetime) -> SoapNote:
        record = self._note_record(note_id)
        if record.signed_at is not None:
            raise SignedContentLocked("This note is already signed.")
        record.signed_at = at
        record.signed_by = signer
        self._session.flush()
        return _note(record)

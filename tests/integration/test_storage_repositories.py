"""Round trips through every SQL repository against a real SQLCipher file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dermai_desktop.domain.errors import NotFound, SignedContentLocked, ValidationFailed
from dermai_desktop.domain.ids import NoteId, PatientId, UserId, new_uuid7
from dermai_desktop.domain.patients import FitzpatrickType, Sex
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.dto import NoteText
from dermai_desktop.storage.database import Database
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.conftest import WORKSTATION, StepClock, draft


def test_clinic_round_trip(uow_factory: SqlUnitOfWorkFactory, manager: Actor) -> None:
    with uow_factory(manager) as uow:
        info = uow.clinic.get()
    assert info is not None
    assert (info.name, info.workstation_id, info.workstation_name, info.is_demo) == (
        "Test Clinic",
        WORKSTATION,
        "Front PC",
        False,
    )
    assert info.created_at.tzinfo is not None


def test_empty_database_has_no_clinic(uow_factory: SqlUnitOfWorkFactory) -> None:
    actor = Actor(UserId("system"), "system", Role.IT_ADMIN, WORKSTATION)
    with uow_factory(actor) as uow:
        assert uow.clinic.get() is None
        assert uow.users.count() == 0


def test_user_round_trip(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock
) -> None:
    user_id = UserId(new_uuid7())
    created = clock.now()
    with uow_factory(manager) as uow:
        uow.users.add(
            User(
                user_id,
                "frontdesk",
                "Fran Desk",
                Role.FRONT_DESK,
                True,
                True,
                0,
                None,
                None,
                created,
            ),
            "hash-1",
        )
        uow.commit()
    with uow_factory(manager) as uow:
        user = uow.users.get(user_id)
        assert user == User(
            user_id, "frontdesk", "Fran Desk", Role.FRONT_DESK, True, True, 0, None, None, created
        )
        assert uow.users.get_by_username("FRONTDESK") == user  # user names ignore case
        assert [u.username for u in uow.users.list()] == ["frontdesk", "manager1"]
        assert uow.users.count() == 2
        assert uow.users.password_hash(user_id) == "hash-1"
        uow.users.set_password_hash(user_id, "hash-2", must_change=False)
        lock = clock.now() + timedelta(minutes=5)
        assert uow.users.record_login_failure(user_id, None) == 1
        assert uow.users.record_login_failure(user_id, lock) == 2
        uow.users.set_role(user_id, Role.MANAGER)
        uow.users.set_active(user_id, False)
        uow.commit()
    with uow_factory(manager) as uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert (user.role, user.active, user.must_change_password) == (Role.MANAGER, False, False)
        assert (user.failed_logins, user.locked_until) == (2, lock)
        assert uow.users.password_hash(user_id) == "hash-2"
        at = clock.now()
        uow.users.record_login_success(user_id, at)
        uow.commit()
    with uow_factory(manager) as uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert (user.failed_logins, user.locked_until, user.last_login_at) == (0, None, at)
        assert uow.users.get(UserId("missing")) is None
        assert uow.users.get_by_username("nobody") is None
        with pytest.raises(NotFound):
            uow.users.password_hash(UserId("missing"))


def test_duplicate_username_is_a_validation_error(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock
) -> None:
    with uow_factory(manager) as uow, pytest.raises(ValidationFailed) as caught:
        uow.users.add(
            User(
                UserId(new_uuid7()),
                "Manager1",
                "Other",
                Role.MANAGER,
                True,
                False,
                0,
                None,
                None,
                clock.now(),
            ),
            "h",
        )
    assert "Manager1" not in str(caught.value)


def test_settings_round_trip(uow_factory: SqlUnitOfWorkFactory, manager: Actor) -> None:
    with uow_factory(manager) as uow:
        assert uow.settings.all() == {}
        uow.settings.put("ui.theme", '"dark"')
        uow.settings.put("security.idle_lock_minutes", "15")
        uow.commit()
    with uow_factory(manager) as uow:
        uow.settings.put("ui.theme", '"light"')
        uow.commit()
    with uow_factory(manager) as uow:
        assert uow.settings.all() == {"ui.theme": '"light"', "security.idle_lock_minutes": "15"}


def test_patient_round_trip(uow_factory: SqlUnitOfWorkFactory, doctor: Actor) -> None:
    with uow_factory(doctor) as uow:
        assert uow.patients.next_mrn_number() == 1
        added = uow.patients.add(draft(), "DA000001")
        uow.commit()
    with uow_factory(doctor) as uow:
        got = uow.patients.get(added.id)
        assert got == added
        assert got is not None
        assert (got.mrn, got.family_name, got.sex, got.fitzpatrick, got.flags, got.version) == (
            "DA000001",
            "Zyxwvutsonian",
            Sex.FEMALE,
            FitzpatrickType.II,
            ("latex-allergy",),
            1,
        )
        updated = uow.patients.update(
            added.id, draft(phone="555", fitzpatrick=None, flags=()), expected_version=1
        )
        uow.commit()
    assert (updated.version, updated.phone, updated.fitzpatrick, updated.flags) == (
        2,
        "555",
        None,
        (),
    )
    assert updated.updated_at > added.updated_at
    with uow_factory(doctor) as uow:
        assert uow.patients.get(added.id) == updated
        assert uow.patients.count() == 1
        assert uow.patients.next_mrn_number() == 2
        with pytest.raises(ValidationFailed):
            uow.patients.update(added.id, draft(phone="777"), expected_version=1)  # stale
        with pytest.raises(NotFound):
            uow.patients.update(PatientId("missing"), draft(), expected_version=1)
        assert uow.patients.get(PatientId("missing")) is None


def test_duplicate_mrn_is_a_validation_error(
    uow_factory: SqlUnitOfWorkFactory, doctor: Actor
) -> None:
    with uow_factory(doctor) as uow:
        uow.patients.add(draft(), "DA1")
        with pytest.raises(ValidationFailed):
            uow.patients.add(draft(given="Bo"), "DA1")


def test_chart_round_trip(
    uow_factory: SqlUnitOfWorkFactory, doctor: Actor, clock: StepClock
) -> None:
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        first = uow.charts.add_encounter(patient.id, doctor.user_id, "mole check")
        second = uow.charts.add_encounter(patient.id, doctor.user_id, "follow-up")
        note = uow.charts.add_note(
            first.id, patient.id, doctor.user_id, NoteText("itchy", "5 mm", "naevus", "watch")
        )
        later = uow.charts.add_note(
            second.id, patient.id, doctor.user_id, NoteText(subjective="better")
        )
        uow.commit()
    with uow_factory(doctor) as uow:
        assert [e.id for e in uow.charts.encounters(patient.id)] == [second.id, first.id]
        assert uow.charts.encounters(patient.id)[1] == first
        edited = uow.charts.update_note_text(note.id, NoteText("itchy", "6 mm", "naevus", "excise"))
        assert (edited.objective, edited.plan, edited.version) == ("6 mm", "excise", 2)
        at = clock.now()
        signed = uow.charts.sign_note(note.id, doctor.user_id, at)
        assert (signed.signed_at, signed.signed_by, signed.is_signed) == (at, doctor.user_id, True)
        addendum = uow.charts.add_note(
            first.id,
            patient.id,
            doctor.user_id,
            NoteText(plan="histology booked"),
            amends_id=note.id,
        )
        uow.commit()
    with uow_factory(doctor) as uow:
        notes = uow.charts.notes(patient.id)
        assert [n.id for n in notes] == [later.id, note.id]  # newest first, addendum nested
        assert [a.id for a in notes[1].addenda] == [addendum.id]
        assert notes[1].addenda[0].amends_id == note.id
        fetched = uow.charts.get_note(note.id)
        assert fetched is not None
        assert fetched.plan == "excise"
        assert len(fetched.addenda) == 1
        assert uow.charts.get_note(NoteId("missing")) is None
        with pytest.raises(SignedContentLocked):
            uow.charts.update_note_text(note.id, NoteText("changed"))
        with pytest.raises(SignedContentLocked):
            uow.charts.sign_note(note.id, doctor.user_id, clock.now())


def test_signed_note_update_refused_by_trigger(
    db: Database, uow_factory: SqlUnitOfWorkFactory, doctor: Actor, clock: StepClock
) -> None:
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        enc = uow.charts.add_encounter(patient.id, doctor.user_id, "r")
        note = uow.charts.add_note(enc.id, patient.id, doctor.user_id, NoteText("s"))
        uow.charts.sign_note(note.id, doctor.user_id, clock.now())
        uow.commit()
    # Bypass the service and the repository: the database itself refuses.
    for statement in (
        "UPDATE notes SET plan = 'forged' WHERE id = :id",
        "DELETE FROM notes WHERE id = :id",
    ):
        with pytest.raises(SignedContentLocked), db.engine.begin() as conn:
            conn.execute(text(statement), {"id": note.id})
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT plan FROM notes")).scalar() == ""
    # An unsigned note can still be edited at the SQL level.
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO notes (id, encounter_id, patient_id, author_id, subjective, "
                "objective, assessment, plan, created_at, updated_at, version) VALUES "
                "('n2', :e, :p, :a, '', '', '', '', 'x', 'x', 1)"
            ),
            {"e": enc.id, "p": patient.id, "a": doctor.user_id},
        )
        conn.execute(text("UPDATE notes SET plan = 'ok' WHERE id = 'n2'"))


def test_datetimes_round_trip_as_aware_utc(
    uow_factory: SqlUnitOfWorkFactory, doctor: Actor
) -> None:
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        enc = uow.charts.add_encounter(patient.id, doctor.user_id, "r")
        uow.commit()
    with uow_factory(doctor) as uow:
        [got] = uow.charts.encounters(patient.id)
    assert got.started_at == enc.started_at
    assert got.started_at.tzinfo == UTC


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO encounters (id, patient_id, clinician_id, started_at, reason, "
                "created_at, updated_at, version) "
                "VALUES ('e', 'nope', 'nope', 'x', '', 'x', 'x', 1)"
            )
        )


def test_naive_datetimes_are_refused(uow_factory: SqlUnitOfWorkFactory, doctor: Actor) -> None:
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        enc = uow.charts.add_encounter(patient.id, doctor.user_id, "r")
        note = uow.charts.add_note(enc.id, patient.id, doctor.user_id, NoteText("s"))
        with pytest.raises(Exception, match="naive datetime"):
            uow.charts.sign_note(note.id, doctor.user_id, datetime(2026, 1, 1))

"""Charts: audited opening, drafts, signing, and the append-only rule."""

from __future__ import annotations

import pytest

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import (
    NotFound,
    PermissionDenied,
    SignedContentLocked,
    ValidationFailed,
)
from dermai_desktop.domain.ids import EncounterId, NoteId, PatientId, UserId
from dermai_desktop.domain.patients import SoapNote
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.dto import NoteText
from tests.unit.conftest import NEW_PASSWORD, WS, World, draft

TEXT = NoteText(subjective="itchy mole", assessment="benign naevus", plan="review 6 months")


def _setup(world: World) -> tuple[Actor, PatientId, EncounterId]:
    derm = world.actors[Role.DERMATOLOGIST]
    pid = world.services.patients.register(world.actors[Role.FRONT_DESK], draft()).id
    enc = world.services.charts.start_encounter(derm, pid, "  mole   check ")
    return derm, pid, enc.id


def _note(world: World) -> tuple[Actor, SoapNote]:
    derm, pid, enc = _setup(world)
    return derm, world.services.charts.write_note(derm, enc, TEXT, patient_id=pid)


def _second_derm(world: World) -> Actor:
    user = world.services.users.add_user(
        world.actors[Role.MANAGER], "derm2", "Dee Two", Role.DERMATOLOGIST, NEW_PASSWORD
    )
    return Actor(user.id, user.username, user.role, WS)


def test_open_chart_is_audited_with_ids_only(world: World) -> None:
    derm, pid, enc = _setup(world)
    chart = world.services.charts.open_chart(derm, pid)
    assert chart.patient.id == pid
    assert [e.id for e in chart.encounters] == [enc]
    assert chart.encounters[0].reason == "mole check"
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_type, event.patient_id) == (AuditAction.VIEW, "chart", pid)
    assert "Lovelace" not in repr(world.db.audit_events)


def test_open_missing_chart(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.charts.open_chart(world.actors[Role.DERMATOLOGIST], PatientId("nope"))


def test_front_desk_never_sees_notes(world: World) -> None:
    _, pid, _ = _setup(world)
    with pytest.raises(PermissionDenied):
        world.services.charts.open_chart(world.actors[Role.FRONT_DESK], pid)
    assert world.db.audit_events[-1].patient_id == pid


def test_encounter_validation(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    with pytest.raises(NotFound):
        world.services.charts.start_encounter(derm, PatientId("nope"), "x")
    _, pid, _ = _setup(world)
    with pytest.raises(ValidationFailed):
        world.services.charts.start_encounter(derm, pid, "x" * 501)


def test_write_note_is_audited_and_checks_encounter_belongs_to_patient(world: World) -> None:
    derm, note = _note(world)
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_id, event.patient_id) == ("create", note.id, note.patient_id)
    other = world.services.patients.register(
        world.actors[Role.FRONT_DESK], draft(given_name="Bo")
    ).id
    with pytest.raises(NotFound):
        world.services.charts.write_note(derm, note.encounter_id, TEXT, patient_id=other)
    with pytest.raises(ValidationFailed, match="at most"):
        world.services.charts.write_note(
            derm, note.encounter_id, NoteText(plan="x" * 100_001), patient_id=note.patient_id
        )


def test_update_draft_then_sign(world: World) -> None:
    derm, note = _note(world)
    updated = world.services.charts.update_draft(derm, note.id, NoteText(plan="biopsy"))
    assert updated.plan == "biopsy"
    assert world.db.audit_events[-1].action == AuditAction.UPDATE
    signed = world.services.charts.sign_note(derm, note.id)
    assert signed.is_signed
    assert signed.signed_by == derm.user_id
    assert world.db.audit_events[-1].action == AuditAction.SIGN


def test_signed_note_refuses_edits_for_everyone(world: World) -> None:
    derm, note = _note(world)
    world.services.charts.sign_note(derm, note.id)
    colleague = _second_derm(world)
    for actor in (derm, colleague):
        # The fake's trigger raises a different error, so this proves the service checked.
        with pytest.raises(SignedContentLocked):
            world.services.charts.update_draft(actor, note.id, NoteText(plan="changed"))
        with pytest.raises(SignedContentLocked):
            world.services.charts.sign_note(actor, note.id)
        event = world.db.audit_events[-1]
        assert (event.outcome, event.detail, event.user_id) == (
            AuditOutcome.FAILURE,
            "signed_locked",
            actor.user_id,
        )
    assert world.db.state.notes[note.id].plan == TEXT.plan


def test_only_author_edits_or_signs_a_draft(world: World) -> None:
    _, note = _note(world)
    colleague = _second_derm(world)
    with pytest.raises(PermissionDenied, match="author"):
        world.services.charts.update_draft(colleague, note.id, NoteText(plan="mine now"))
    assert world.db.audit_events[-1].detail == "chart.edit:not_author"
    with pytest.raises(PermissionDenied, match="author"):
        world.services.charts.sign_note(colleague, note.id)
    assert world.db.audit_events[-1].detail == "note.sign:not_author"
    assert not world.db.state.notes[note.id].is_signed


def test_empty_note_cannot_be_signed(world: World) -> None:
    derm, pid, enc = _setup(world)
    note = world.services.charts.write_note(derm, enc, NoteText(plan="   "), patient_id=pid)
    with pytest.raises(ValidationFailed, match="empty"):
        world.services.charts.sign_note(derm, note.id)


def test_missing_note(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    charts = world.services.charts
    with pytest.raises(NotFound):
        charts.sign_note(derm, NoteId("x"))
    with pytest.raises(NotFound):
        charts.update_draft(derm, NoteId("x"), TEXT)
    with pytest.raises(NotFound):
        charts.add_addendum(derm, NoteId("x"), TEXT)


def test_addendum_links_to_signed_note_and_is_signed(world: World) -> None:
    derm, note = _note(world)
    world.services.charts.sign_note(derm, note.id)
    colleague = _second_derm(world)
    first = world.services.charts.add_addendum(colleague, note.id, NoteText(plan="add biopsy"))
    assert first.is_signed
    assert first.amends_id == note.id
    assert first.author_id == colleague.user_id
    # An addendum to an addendum still hangs off the original note.
    second = world.services.charts.add_addendum(derm, first.id, NoteText(plan="result benign"))
    assert second.amends_id == note.id
    actions = [(e.action, e.detail) for e in world.db.audit_events[-2:]]
    assert actions == [("create", f"amends={note.id}"), ("sign", f"amends={note.id}")]
    chart = world.services.charts.open_chart(derm, note.patient_id)
    assert len(chart.notes) == 1
    assert [a.id for a in chart.notes[0].addenda] == [first.id, second.id]


def test_addendum_needs_signed_target_and_text(world: World) -> None:
    derm, note = _note(world)
    with pytest.raises(ValidationFailed, match="Only a signed note"):
        world.services.charts.add_addendum(derm, note.id, NoteText(plan="x"))
    with pytest.raises(ValidationFailed, match="needs some text"):
        world.services.charts.add_addendum(derm, note.id, NoteText())


def test_unknown_user_id_cannot_sign_someone_elses_note(world: World) -> None:
    _, note = _note(world)
    impostor = Actor(UserId("someone"), "someone", Role.DERMATOLOGIST, WS)
    with pytest.raises(PermissionDenied):
        world.services.charts.sign_note(impostor, note.id)

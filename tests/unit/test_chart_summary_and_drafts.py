"""Chart summary (banner, lists, lesions, visits), autosave drafts and diagnoses on notes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dermai_desktop.domain.chart_lists import (
    AllergyDraft,
    AllergySeverity,
    LesionBrief,
    MedicationDraft,
    ProblemDraft,
)
from dermai_desktop.domain.errors import (
    NotFound,
    PermissionDenied,
    SignedContentLocked,
    ValidationFailed,
)
from dermai_desktop.domain.ids import NoteId, PatientId, UserId
from dermai_desktop.domain.patients import FitzpatrickType
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.charts import ChartService
from dermai_desktop.services.diagnoses import DiagnosisCatalog
from dermai_desktop.services.dto import NoteText
from tests.fakes import T0
from tests.fakes_chart import FakeAppointment
from tests.unit.conftest import NEW_PASSWORD, WS, World, draft

TEXT = NoteText(subjective="itchy plaques", assessment="psoriasis", plan="review")


def _chart(world: World) -> tuple[Actor, PatientId]:
    pid = world.services.patients.register(
        world.actors[Role.FRONT_DESK],
        draft(fitzpatrick=FitzpatrickType.II, flags=("interpreter",)),
    ).id
    return world.actors[Role.DERMATOLOGIST], pid


def _draft_note(world: World) -> tuple[Actor, PatientId, NoteId]:
    derm, pid = _chart(world)
    enc = world.services.charts.start_encounter(derm, pid, "follow-up")
    note = world.services.charts.write_note(derm, enc.id, TEXT, patient_id=pid)
    return derm, pid, note.id


def test_summary_of_an_empty_chart(world: World) -> None:
    derm, pid = _chart(world)
    summary = world.services.charts.chart_summary(derm, pid)
    banner = summary.banner
    assert (banner.mrn, banner.display_name, banner.age) == ("DA000001", "Lovelace, Ada", 44)
    assert banner.fitzpatrick is FitzpatrickType.II
    assert banner.flags == ("interpreter",)
    assert not banner.has_allergies
    assert banner.allergy_badge_text == "No allergies recorded"
    assert summary.active_problems == summary.allergies == summary.current_medications == ()
    assert summary.lesions_under_watch == ()
    assert summary.last_visit is None
    assert summary.next_visit is None
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_type, event.patient_id) == ("view", "chart_summary", pid)


def test_summary_shows_current_items_and_visits(world: World) -> None:
    derm, pid = _chart(world)
    lists = world.services.chart_lists
    gone = lists.add_problem(derm, pid, ProblemDraft("Acne"))
    lists.resolve_problem(derm, gone.id, 1)
    lists.add_problem(derm, pid, ProblemDraft("Psoriasis", "L40.0"))
    lists.add_allergy(derm, pid, AllergyDraft("Latex", severity=AllergySeverity.MILD))
    lists.add_allergy(derm, pid, AllergyDraft("Penicillin", severity=AllergySeverity.SEVERE))
    old = lists.add_allergy(derm, pid, AllergyDraft("Nickel"))
    lists.resolve_allergy(derm, old.id, 1)
    lists.add_medication(derm, pid, MedicationDraft("Calcipotriol", start=date(2024, 1, 1)))
    lists.add_medication(derm, pid, MedicationDraft("Prednisolone", stop=date(2024, 1, 1)))
    enc = world.services.charts.start_encounter(derm, pid, "flare")
    world.clock.advance(days=1)
    other = PatientId("someone-else")
    state = world.db.state.chart
    state.appointments += [
        FakeAppointment(pid, T0 + timedelta(days=30), "follow_up", UserId("d1")),
        FakeAppointment(pid, T0 + timedelta(days=9), "procedure", UserId("d1"), "confirmed"),
        FakeAppointment(pid, T0 + timedelta(days=5), "cosmetic", UserId("d1"), "cancelled"),
        FakeAppointment(other, T0 + timedelta(days=2), "new", UserId("d1")),
        FakeAppointment(pid, T0 - timedelta(days=40), "skin_check", UserId("d1"), "completed"),
    ]
    state.lesions[pid] = [LesionBrief("l1", "A", "left shoulder", "monitoring", T0, 3)]
    summary = world.services.charts.chart_summary(derm, pid)
    assert [p.label for p in summary.active_problems] == ["Psoriasis"]
    assert summary.banner.allergy_substances == ("Penicillin", "Latex")
    assert summary.banner.has_serious_allergy
    assert summary.banner.allergy_badge_text == "2 allergies"
    assert [m.name for m in summary.current_medications] == ["Calcipotriol"]
    assert summary.lesions_under_watch[0].image_count == 3
    assert summary.last_visit is not None
    assert summary.last_visit.at == enc.started_at
    assert summary.last_visit.source == "encounter"
    assert summary.next_visit is not None
    assert summary.next_visit.kind == "procedure"
    world.clock.advance(days=20)  # the procedure happened
    world.db.state.chart.appointments[1].status = "completed"
    later = world.services.charts.chart_summary(derm, pid)
    assert later.last_visit is not None
    assert later.last_visit.kind == "procedure"
    assert later.next_visit is not None
    assert later.next_visit.kind == "follow_up"
    assert "Lovelace" not in repr(world.db.audit_events)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.IT_ADMIN])
def test_summary_refused_to_non_clinicians(world: World, role: Role) -> None:
    _, pid = _chart(world)
    with pytest.raises(PermissionDenied):
        world.services.charts.chart_summary(world.actors[role], pid)
    assert world.db.audit_events[-1].patient_id == pid


def test_summary_of_missing_patient(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.charts.chart_summary(world.actors[Role.DERMATOLOGIST], PatientId("x"))


def test_save_draft_is_idempotent_and_cheap(world: World) -> None:
    derm, _, note_id = _draft_note(world)
    charts = world.services.charts
    events, commits = len(world.db.audit_events), world.db.commits
    same = charts.save_draft(derm, note_id, TEXT)
    assert not same.changed
    assert same.version == 1
    assert (len(world.db.audit_events), world.db.commits) == (events, commits)
    world.clock.advance(seconds=5)
    changed = charts.save_draft(derm, note_id, NoteText(subjective="itchy plaques, worse"))
    assert changed.changed
    assert changed.version == 2
    assert changed.saved_at == world.clock.now()
    assert world.db.audit_events[-1].detail == "autosave"
    again = charts.save_draft(derm, note_id, NoteText(subjective="itchy plaques, worse"))
    assert not again.changed
    assert again.version == 2
    coded = charts.save_draft(
        derm, note_id, NoteText(subjective="itchy plaques, worse"), diagnoses=["l400", "L40.5"]
    )
    assert coded.changed
    assert [d.code for d in coded.diagnoses] == ["L40.0", "L40.5"]
    assert world.db.audit_events[-1].detail == "autosave:diagnoses"
    repeat = charts.save_draft(
        derm, note_id, NoteText(subjective="itchy plaques, worse"), diagnoses=["L40.0", "L40.5"]
    )
    assert not repeat.changed
    assert [d.code for d in repeat.diagnoses] == ["L40.0", "L40.5"]


def test_diagnoses_on_notes_appear_in_the_chart_and_lock_on_signing(world: World) -> None:
    derm, pid, note_id = _draft_note(world)
    charts = world.services.charts
    coded = charts.set_note_diagnoses(derm, note_id, ["L40.0", "l40.0", "L405"])
    assert [(d.code, d.position, d.note_id) for d in coded] == [
        ("L40.0", 0, note_id),
        ("L40.5", 1, note_id),
    ]
    assert coded[0].title == "Psoriasis vulgaris"
    chart = charts.open_chart(derm, pid)
    assert [d.code for d in chart.diagnoses[note_id]] == ["L40.0", "L40.5"]
    with pytest.raises(ValidationFailed, match="not in the ICD-10 list"):
        charts.set_note_diagnoses(derm, note_id, ["Z99.99"])
    with pytest.raises(ValidationFailed, match="at most"):
        charts.set_note_diagnoses(derm, note_id, [d.code for d in charts_catalog()][:21])
    charts.sign_note(derm, note_id)
    with pytest.raises(SignedContentLocked):
        charts.set_note_diagnoses(derm, note_id, ["L40.0"])
    with pytest.raises(SignedContentLocked):
        charts.save_draft(derm, note_id, TEXT)


def charts_catalog() -> list[object]:
    return list(DiagnosisCatalog.bundled().all())


def test_write_note_with_diagnoses(world: World) -> None:
    derm, pid = _chart(world)
    enc = world.services.charts.start_encounter(derm, pid, "acne")
    note = world.services.charts.write_note(derm, enc.id, TEXT, patient_id=pid, diagnoses=["L70.0"])
    chart = world.services.charts.open_chart(derm, pid)
    assert chart.diagnoses[note.id][0].title == "Acne vulgaris"
    bare = world.services.charts.write_note(derm, enc.id, TEXT, patient_id=pid)
    assert bare.id not in world.services.charts.open_chart(derm, pid).diagnoses


def test_only_the_author_autosaves_or_codes(world: World) -> None:
    _, _, note_id = _draft_note(world)
    user = world.services.users.add_user(
        world.actors[Role.MANAGER], "derm2", "Dee Two", Role.DERMATOLOGIST, NEW_PASSWORD
    )
    other = Actor(user.id, user.username, user.role, WS)
    with pytest.raises(PermissionDenied, match="author"):
        world.services.charts.save_draft(other, note_id, TEXT)
    with pytest.raises(PermissionDenied, match="author"):
        world.services.charts.set_note_diagnoses(other, note_id, ["L40.0"])
    with pytest.raises(PermissionDenied):
        world.services.charts.save_draft(world.actors[Role.FRONT_DESK], note_id, TEXT)


def test_chart_service_accepts_an_injected_catalogue(world: World) -> None:
    service = ChartService(world.db, world.clock, DiagnosisCatalog([]))
    derm, _, note_id = _draft_note(world)
    with pytest.raises(ValidationFailed):
        service.set_note_diagnoses(derm, note_id, ["L40.0"])
    assert service.set_note_diagnoses(derm, note_id, ["", "  "]) == ()


def test_clinician_names_name_every_author_and_are_for_clinicians_only(world: World) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    names = world.services.charts.clinician_names(derm)
    assert names[derm.user_id]  # the signed-in clinician is named
    assert all(isinstance(name, str) and name for name in names.values())
    with pytest.raises(PermissionDenied):
        world.services.charts.clinician_names(world.actors[Role.FRONT_DESK])

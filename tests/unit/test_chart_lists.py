"""Problems, allergies and medications: add, edit, resolve, history kept, roles and audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.chart_lists import (
    AllergyDraft,
    AllergyId,
    AllergySeverity,
    AllergyStatus,
    ChartListValidationFailed,
    MedicationDraft,
    MedicationId,
    MedicationStatus,
    ProblemDraft,
    ProblemId,
    ProblemStatus,
    RevisionAction,
)
from dermai_desktop.domain.errors import NotFound, PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from tests.fakes import T0
from tests.unit.conftest import World, draft

TODAY = T0.astimezone().date()


def _patient(world: World) -> tuple[Actor, PatientId]:
    pid = world.services.patients.register(world.actors[Role.FRONT_DESK], draft()).id
    return world.actors[Role.DERMATOLOGIST], pid


def test_problem_lifecycle_keeps_every_version_with_who_and_when(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    p = svc.add_problem(derm, pid, ProblemDraft("  Plaque   psoriasis ", "l400", date(2019, 4, 1)))
    assert (p.label, p.code, p.version, p.status) == ("Plaque psoriasis", "L40.0", 1, "active")
    world.clock.advance(hours=1)
    p2 = svc.edit_problem(
        derm, p.id, ProblemDraft("Chronic plaque psoriasis", "L40.0", date(2019, 4, 1)), 1
    )
    world.clock.advance(hours=1)
    p3 = svc.resolve_problem(derm, p.id, p2.version)
    assert p3.status is ProblemStatus.RESOLVED
    assert p3.resolved_on == TODAY
    p4 = svc.reactivate_problem(derm, p.id, p3.version)
    assert p4.is_active
    assert p4.resolved_on is None
    history = svc.problem_history(derm, p.id)
    assert [r.action for r in history] == [
        RevisionAction.CREATED,
        RevisionAction.EDITED,
        RevisionAction.RESOLVED,
        RevisionAction.REACTIVATED,
    ]
    assert [r.version for r in history] == [1, 2, 3, 4]
    assert history[0].item.label == "Plaque psoriasis"  # the earlier wording survives
    assert history[1].recorded_at == T0 + timedelta(hours=1)
    assert {r.recorded_by for r in history} == {derm.user_id}
    updates = world.db.events(AuditAction.UPDATE)
    assert [e.detail for e in updates][-3:] == ["edited", "resolved", "reactivated"]
    assert all(e.patient_id == pid and e.entity_id == p.id for e in updates[-3:])
    assert world.db.events(AuditAction.VIEW)[-1].detail == "history"
    assert "Lovelace" not in repr(world.db.audit_events)
    assert "psoriasis" not in repr(world.db.audit_events).casefold()


def test_unchanged_edit_writes_nothing(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    p = svc.add_problem(derm, pid, ProblemDraft("Acne vulgaris", "L70.0"))
    events = len(world.db.audit_events)
    again = svc.edit_problem(derm, p.id, ProblemDraft("Acne vulgaris", "L70.0"), 1)
    assert again == p
    assert len(world.db.audit_events) == events
    assert len(svc.problem_history(derm, p.id)) == 1


def test_stale_version_is_refused_plainly(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    p = svc.add_problem(derm, pid, ProblemDraft("Rosacea"))
    svc.edit_problem(derm, p.id, ProblemDraft("Rosacea, papulopustular"), 1)
    with pytest.raises(ValidationFailed, match="Someone else changed"):
        svc.edit_problem(derm, p.id, ProblemDraft("Rosacea, erythematotelangiectatic"), 1)


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        (ProblemDraft(""), "label"),
        (ProblemDraft("x" * 10_000), "label"),
        (ProblemDraft("Acne", code="NOT A CODE"), "code"),
        (ProblemDraft("Acne", code="' OR 1=1 --"), "code"),
        (ProblemDraft("Acne", onset=date(2999, 1, 1)), "onset"),
        (ProblemDraft("Acne", onset=date(24, 1, 1)), "onset"),
        (
            ProblemDraft(
                "Acne",
                onset=date(2020, 1, 1),
                status=ProblemStatus.RESOLVED,
                resolved_on=date(2019, 1, 1),
            ),
            "resolved_on",
        ),
    ],
)
def test_problem_validation_names_the_field(
    world: World, problem: ProblemDraft, field: str
) -> None:
    derm, pid = _patient(world)
    with pytest.raises(ChartListValidationFailed) as caught:
        world.services.chart_lists.add_problem(derm, pid, problem)
    assert field in caught.value.problems
    assert "x" * 50 not in caught.value.user_text()


def test_emoji_and_rtl_text_are_kept(world: World) -> None:
    derm, pid = _patient(world)
    label = "\u0635\u062f\u0641\u064a\u0629 \U0001f9b6 eczema"
    p = world.services.chart_lists.add_problem(derm, pid, ProblemDraft(label))
    assert p.label == label
    # Bidi overrides can make a row read as something else: they are dropped.
    spoof = world.services.chart_lists.add_allergy(
        derm, pid, AllergyDraft("Peni\u202ecillin", "rash")
    )
    assert spoof.substance == "Penicillin"
    joined = world.services.chart_lists.add_problem(
        derm, pid, ProblemDraft("Eczema \U0001f469\u200d\u2695\ufe0f")
    )
    assert "\u200d" in joined.label  # zero-width joiner kept: emoji sequences need it


def test_allergy_add_resolve_reactivate_and_duplicate(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    a = svc.add_allergy(
        derm, pid, AllergyDraft("Penicillin", "Anaphylaxis", AllergySeverity.LIFE_THREATENING)
    )
    with pytest.raises(ChartListValidationFailed) as caught:
        svc.add_allergy(derm, pid, AllergyDraft("penicillin"))
    assert "substance" in caught.value.problems
    edited = svc.edit_allergy(
        derm, a.id, AllergyDraft("Penicillin", "Anaphylaxis 2015", AllergySeverity.SEVERE), 1
    )
    resolved = svc.resolve_allergy(derm, a.id, edited.version)
    assert resolved.status is AllergyStatus.RESOLVED
    with pytest.raises(ValidationFailed, match="already resolved"):
        svc.resolve_allergy(derm, a.id, resolved.version)
    back = svc.reactivate_allergy(derm, a.id, resolved.version)
    with pytest.raises(ValidationFailed, match="already active"):
        svc.reactivate_allergy(derm, a.id, back.version)
    history = svc.allergy_history(derm, a.id)
    assert [r.item.severity for r in history] == [
        AllergySeverity.LIFE_THREATENING,
        AllergySeverity.SEVERE,
        AllergySeverity.SEVERE,
        AllergySeverity.SEVERE,
    ]
    with pytest.raises(ChartListValidationFailed):
        svc.add_allergy(derm, pid, AllergyDraft("   "))


def test_medication_stop_and_restart(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    m = svc.add_medication(
        derm,
        pid,
        MedicationDraft("Methotrexate", "15 mg", "oral", "once weekly", date(2024, 1, 10)),
    )
    with pytest.raises(ChartListValidationFailed, match="future stop"):
        svc.stop_medication(derm, m.id, 1, stopped_on=TODAY + timedelta(days=3))
    stopped = svc.stop_medication(derm, m.id, 1)
    assert (stopped.status, stopped.stop) == (MedicationStatus.STOPPED, TODAY)
    assert not stopped.is_current(TODAY)
    with pytest.raises(ValidationFailed, match="already stopped"):
        svc.stop_medication(derm, m.id, stopped.version)
    restarted = svc.restart_medication(derm, m.id, stopped.version)
    assert restarted.is_current(TODAY)
    assert restarted.stop is None
    with pytest.raises(ValidationFailed, match="already active"):
        svc.restart_medication(derm, m.id, restarted.version)
    course = svc.edit_medication(
        derm,
        m.id,
        MedicationDraft("Methotrexate", "10 mg", "oral", "weekly", date(2024, 1, 10), TODAY),
        restarted.version,
    )
    assert course.dose == "10 mg"
    assert len(svc.medication_history(derm, m.id)) == 4
    with pytest.raises(ChartListValidationFailed) as caught:
        svc.add_medication(
            derm, pid, MedicationDraft("Doxy", start=date(2024, 2, 1), stop=date(2024, 1, 1))
        )
    assert "stop" in caught.value.problems
    with pytest.raises(ChartListValidationFailed) as caught:
        svc.add_medication(derm, pid, MedicationDraft("Doxy", stop=date(1800, 1, 1)))
    assert "stop" in caught.value.problems


def test_lists_are_sorted_and_audited(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    old = svc.add_problem(derm, pid, ProblemDraft("Acne", onset=date(2010, 1, 1)))
    svc.resolve_problem(derm, old.id, 1)
    svc.add_problem(derm, pid, ProblemDraft("Psoriasis", onset=date(2020, 1, 1)))
    svc.add_problem(derm, pid, ProblemDraft("Vitiligo"))
    svc.add_allergy(derm, pid, AllergyDraft("Latex", severity=AllergySeverity.MILD))
    svc.add_allergy(derm, pid, AllergyDraft("Sulfa", severity=AllergySeverity.SEVERE))
    svc.add_medication(derm, pid, MedicationDraft("Old", stop=date(2020, 1, 1)))
    svc.add_medication(derm, pid, MedicationDraft("Current", start=date(2024, 1, 1)))
    lists = svc.lists(derm, pid)
    assert [p.label for p in lists.problems] == ["Psoriasis", "Vitiligo", "Acne"]
    assert [a.substance for a in lists.allergies] == ["Sulfa", "Latex"]
    assert [m.name for m in lists.medications] == ["Current", "Old"]
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_type, event.patient_id) == ("view", "chart_lists", pid)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.IT_ADMIN])
def test_non_clinicians_are_refused_reads_and_writes(world: World, role: Role) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    p = svc.add_problem(derm, pid, ProblemDraft("Acne"))
    a = svc.add_allergy(derm, pid, AllergyDraft("Latex"))
    m = svc.add_medication(derm, pid, MedicationDraft("Doxycycline"))
    actor = world.actors[role]
    calls = [
        lambda: svc.lists(actor, pid),
        lambda: svc.problem_history(actor, p.id),
        lambda: svc.allergy_history(actor, a.id),
        lambda: svc.medication_history(actor, m.id),
        lambda: svc.add_problem(actor, pid, ProblemDraft("x")),
        lambda: svc.edit_problem(actor, p.id, ProblemDraft("x"), 1),
        lambda: svc.resolve_problem(actor, p.id, 1),
        lambda: svc.reactivate_problem(actor, p.id, 1),
        lambda: svc.add_allergy(actor, pid, AllergyDraft("x")),
        lambda: svc.edit_allergy(actor, a.id, AllergyDraft("x"), 1),
        lambda: svc.resolve_allergy(actor, a.id, 1),
        lambda: svc.reactivate_allergy(actor, a.id, 1),
        lambda: svc.add_medication(actor, pid, MedicationDraft("x")),
        lambda: svc.edit_medication(actor, m.id, MedicationDraft("x"), 1),
        lambda: svc.stop_medication(actor, m.id, 1),
        lambda: svc.restart_medication(actor, m.id, 1),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert len(world.db.events(AuditAction.PERMISSION_DENIED)) == len(calls)
    assert svc.problem_history(derm, p.id)[-1].version == 1


def test_missing_rows_and_patients(world: World) -> None:
    derm, _ = _patient(world)
    svc = world.services.chart_lists
    nobody = PatientId("nope")
    with pytest.raises(NotFound):
        svc.lists(derm, nobody)
    with pytest.raises(NotFound):
        svc.add_problem(derm, nobody, ProblemDraft("Acne"))
    with pytest.raises(NotFound):
        svc.add_allergy(derm, nobody, AllergyDraft("Latex"))
    with pytest.raises(NotFound):
        svc.add_medication(derm, nobody, MedicationDraft("Doxy"))
    with pytest.raises(NotFound):
        svc.edit_problem(derm, ProblemId("x"), ProblemDraft("Acne"), 1)
    with pytest.raises(NotFound):
        svc.allergy_history(derm, AllergyId("x"))
    with pytest.raises(NotFound):
        svc.stop_medication(derm, MedicationId("x"), 1)


def test_small_rules_and_refusals(world: World) -> None:
    derm, pid = _patient(world)
    svc = world.services.chart_lists
    assert AllergySeverity.LIFE_THREATENING.label == "Life-threatening"
    with pytest.raises(ChartListValidationFailed) as caught:
        svc.add_problem(derm, pid, ProblemDraft("Acne", code="L" + "1" * 40))
    assert "code" in caught.value.problems
    with pytest.raises(ChartListValidationFailed) as caught:
        svc.add_medication(derm, pid, MedicationDraft(" "))
    assert "name" in caught.value.problems
    p = svc.add_problem(derm, pid, ProblemDraft("Acne"))
    resolved = svc.resolve_problem(derm, p.id, 1)
    with pytest.raises(ValidationFailed, match="already resolved"):
        svc.resolve_problem(derm, p.id, resolved.version)
    active = svc.reactivate_problem(derm, p.id, resolved.version)
    with pytest.raises(ValidationFailed, match="already active"):
        svc.reactivate_problem(derm, p.id, active.version)
    m = svc.add_medication(derm, pid, MedicationDraft("Doxycycline", "100 mg"))
    assert svc.edit_medication(derm, m.id, MedicationDraft("Doxycycline", "100 mg"), 1) == m
    a = svc.add_allergy(derm, pid, AllergyDraft("Latex"))
    assert svc.edit_allergy(derm, a.id, AllergyDraft("Latex"), 1) == a

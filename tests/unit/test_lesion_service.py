"""LesionService on the fakes: records, markers, follow-up recalls, standing consent, refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.errors import NotFound, PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import LesionId, PatientId
from dermai_desktop.domain.imaging import ConsentScope
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft, LesionStatus
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.scheduling import (
    AppointmentType,
    Recall,
    RecallSource,
    RecallStatus,
    ScheduleConfig,
)
from dermai_desktop.services.lesions import add_months, review_type
from tests.fakes import T0
from tests.fakes_imaging import FakeLesionRepository
from tests.unit.conftest import World, draft

TODAY = T0.date()
SHOULDER = BodyPoint(BodyView.BACK, 0.32, 0.21)


def lesion_draft(**changes: object) -> LesionDraft:
    values: dict[str, object] = {
        "label": "L1",
        "site": "Left scapula",
        "position": SHOULDER,
        "first_noted": date(2024, 6, 1),
    }
    values.update(changes)
    return LesionDraft(**values)  # type: ignore[arg-type]


@pytest.fixture
def patient(world: World) -> PatientId:
    return world.services.patients.register(world.actors[Role.FRONT_DESK], draft()).id


def _recalls(world: World) -> dict[str, Recall]:
    return {str(k): v for k, v in world.db.state.schedule.recalls.items()}


def test_add_list_and_get(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesions = world.services.lesions
    first = lesions.add(derm, patient, lesion_draft(label="  L2 ", impression=" naevus "))
    second = lesions.add(derm, patient, lesion_draft(label="L1", status=LesionStatus.EXCISED))
    assert (first.label, first.impression, first.version) == ("L2", "naevus", 1)
    assert first.recall_id is None
    assert [x.label for x in lesions.lesions(derm, patient)] == ["L1", "L2"]
    assert lesions.get(derm, first.id) == first
    created = world.db.events(AuditAction.CREATE)
    assert [e.entity_id for e in created if e.entity_type == "lesion"] == [first.id, second.id]
    [view] = [e for e in world.db.events(AuditAction.VIEW) if e.entity_type == "lesion"]
    assert (view.patient_id, view.detail) == (patient, "lesions=2")
    for event in world.db.audit_events:
        assert "L2" not in event.detail
        assert "naevus" not in event.detail
        assert "scapula" not in event.detail


def test_follow_up_creates_a_lesion_recall(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesion = world.services.lesions.add(derm, patient, lesion_draft(follow_up_months=6))
    [recall] = _recalls(world).values()
    assert lesion.recall_id == recall.id
    assert recall.due == date(2025, 9, 14)
    assert (recall.source, recall.source_id) == (RecallSource.LESION, lesion.id)
    assert recall.type_code == "full_skin_check"
    assert recall.reason == "Lesion review: L1"
    assert recall.patient_id == patient


def test_changing_the_interval_replaces_the_open_recall(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesions = world.services.lesions
    lesion = lesions.add(derm, patient, lesion_draft(follow_up_months=6))
    old = lesion.recall_id
    same = lesions.update(derm, lesion.id, lesion_draft(impression="flat"), 1)
    assert same.recall_id is None  # interval removed: the recall is cancelled
    assert _recalls(world)[str(old)].status is RecallStatus.CANCELLED

    again = lesions.update(derm, lesion.id, lesion_draft(follow_up_months=3), same.version)
    kept = lesions.update(
        derm, lesion.id, lesion_draft(follow_up_months=3, impression="x"), again.version
    )
    assert kept.recall_id == again.recall_id is not None
    changed = lesions.update(derm, lesion.id, lesion_draft(follow_up_months=12), kept.version)
    recalls = _recalls(world)
    assert recalls[str(again.recall_id)].status is RecallStatus.CANCELLED
    assert recalls[str(changed.recall_id)].status is RecallStatus.OPEN
    assert recalls[str(changed.recall_id)].due == date(2026, 3, 14)
    assert sum(r.status is RecallStatus.OPEN for r in recalls.values()) == 1


def test_a_booked_recall_is_left_alone(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesion = world.services.lesions.add(derm, patient, lesion_draft(follow_up_months=6))
    recalls = world.db.state.schedule.recalls
    booked_id = lesion.recall_id
    assert booked_id is not None
    recalls[booked_id] = replace(recalls[booked_id], status=RecallStatus.BOOKED)  # type: ignore[index]
    world.services.lesions.update(derm, lesion.id, lesion_draft(follow_up_months=2), 1)
    assert _recalls(world)[booked_id].status is RecallStatus.BOOKED


def test_a_failed_save_cancels_the_recall_it_made(
    world: World, patient: PatientId, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: FakeLesionRepository, lesion: object) -> object:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(FakeLesionRepository, "add", broken)
    with pytest.raises(RuntimeError):
        world.services.lesions.add(
            world.actors[Role.DERMATOLOGIST], patient, lesion_draft(follow_up_months=6)
        )
    [recall] = _recalls(world).values()
    assert recall.status is RecallStatus.CANCELLED
    assert not world.db.state.imaging.lesions


def test_stale_version_is_refused_before_any_recall(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesion = world.services.lesions.add(derm, patient, lesion_draft())
    world.services.lesions.update(derm, lesion.id, lesion_draft(impression="a"), 1)
    with pytest.raises(ValidationFailed, match="changed this lesion"):
        world.services.lesions.update(derm, lesion.id, lesion_draft(follow_up_months=6), 1)
    assert not _recalls(world)


def test_move_marker_keeps_or_replaces_the_site(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesion = world.services.lesions.add(derm, patient, lesion_draft())
    moved = world.services.lesions.move_marker(
        derm, lesion.id, BodyPoint(BodyView.BACK, 0.4, 0.25), None, 1
    )
    assert (moved.site, moved.position.x, moved.version) == ("Left scapula", 0.4, 2)
    renamed = world.services.lesions.move_marker(
        derm, lesion.id, BodyPoint(BodyView.FRONT, 0.5, 0.5), " Sternum ", 2
    )
    assert (renamed.site, renamed.position.view) == ("Sternum", BodyView.FRONT)
    updates = [e for e in world.db.events(AuditAction.UPDATE) if e.entity_type == "lesion"]
    assert [e.detail for e in updates] == ["marker", "marker"]
    with pytest.raises(ValidationFailed):
        world.services.lesions.move_marker(derm, lesion.id, SHOULDER, "", 3)


def test_standing_consent_defaults_to_care_only(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesions = world.services.lesions
    assert lesions.standing_consent(derm, patient) is ConsentScope.CARE_ONLY
    lesions.set_standing_consent(derm, patient, ConsentScope.RESEARCH)
    assert lesions.standing_consent(derm, patient) is ConsentScope.RESEARCH
    [event] = [e for e in world.db.events(AuditAction.UPDATE) if e.entity_type == "image_consent"]
    assert (event.patient_id, event.detail) == (patient, "scope=research")
    with pytest.raises(NotFound):
        lesions.set_standing_consent(derm, PatientId("nobody"), ConsentScope.TEACHING)


def test_validation_and_missing_records(world: World, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    lesions = world.services.lesions
    with pytest.raises(ValidationFailed, match="future"):
        lesions.add(derm, patient, lesion_draft(first_noted=date(2025, 3, 15)))
    with pytest.raises(ValidationFailed, match="follow-up"):
        lesions.add(derm, patient, lesion_draft(follow_up_months=61))
    with pytest.raises(NotFound):
        lesions.add(derm, PatientId("nobody"), lesion_draft())
    with pytest.raises(NotFound):
        lesions.get(derm, LesionId("missing"))
    assert not world.db.state.imaging.lesions


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.IT_ADMIN])
def test_only_clinicians_see_or_change_lesions(
    world: World, patient: PatientId, role: Role
) -> None:
    actor = world.actors[role]
    lesion = world.services.lesions.add(world.actors[Role.DERMATOLOGIST], patient, lesion_draft())
    attempts = (
        lambda: world.services.lesions.lesions(actor, patient),
        lambda: world.services.lesions.get(actor, lesion.id),
        lambda: world.services.lesions.add(actor, patient, lesion_draft()),
        lambda: world.services.lesions.update(actor, lesion.id, lesion_draft(), 1),
        lambda: world.services.lesions.move_marker(actor, lesion.id, SHOULDER, None, 1),
        lambda: world.services.lesions.standing_consent(actor, patient),
        lambda: world.services.lesions.set_standing_consent(actor, patient, ConsentScope.TEACHING),
    )
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    denied = world.db.events(AuditAction.PERMISSION_DENIED)
    assert len(denied) == len(attempts)
    assert all(e.outcome == AuditOutcome.DENIED and e.user_id == actor.user_id for e in denied)


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 2) == date(2026, 1, 15)
    assert add_months(date(2025, 3, 14), 60) == date(2030, 3, 14)


def test_review_type_prefers_a_lesion_check() -> None:
    base = ScheduleConfig("UTC")
    assert review_type(base) == "full_skin_check"
    custom = AppointmentType("spot_lesion_review", "Lesion review", 15, "#123456")
    only_custom = replace(base, types=(custom,))
    assert review_type(only_custom) == "spot_lesion_review"
    mole = AppointmentType("lesion_check", "Lesion check", 15, "#123456")
    assert review_type(replace(base, types=(*base.types, mole))) == "lesion_check"
    assert review_type(replace(base, types=())) == "follow_up"

"""Every role against every operation, through a real service method that needs it."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.chart_lists import TemplateDraft
from dermai_desktop.domain.errors import PermissionDenied
from dermai_desktop.domain.ids import NoteId, PatientId
from dermai_desktop.domain.imaging import Modality
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft
from dermai_desktop.domain.roles import PERMISSIONS, Operation, Role, is_allowed
from dermai_desktop.domain.scheduling import BookingRequest, Holiday
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.dto import NoteText
from dermai_desktop.services.imaging_dto import ImportResult
from tests.fakes import T0
from tests.fakes_imaging import fake_image
from tests.unit.conftest import World, draft, make_world

Call = Callable[[World, Actor], object]


def _patient(w: World) -> PatientId:
    return w.services.patients.register(w.actors[Role.FRONT_DESK], draft()).id


def _derm_note(w: World) -> NoteId:
    derm = w.actors[Role.DERMATOLOGIST]
    pid = _patient(w)
    enc = w.services.charts.start_encounter(derm, pid, "mole check")
    return w.services.charts.write_note(
        derm, enc.id, NoteText(subjective="itchy"), patient_id=pid
    ).id


def _sign(w: World, actor: Actor) -> object:
    note_id = _derm_note(w)
    return w.services.charts.sign_note(actor, note_id)


def _update(w: World, actor: Actor) -> object:
    pid = _patient(w)
    return w.services.patients.update(actor, pid, draft(phone="020 7946 0000"), 1)


def _book(w: World, actor: Actor) -> object:
    request = BookingRequest(
        _patient(w), w.actors[Role.DERMATOLOGIST].user_id, T0 + timedelta(days=3), "follow_up"
    )
    return w.services.schedule.book(actor, request)


def _import_image(w: World, actor: Actor) -> object:
    derm = w.actors[Role.DERMATOLOGIST]
    lesion = w.services.lesions.add(
        derm,
        _patient(w),
        LesionDraft("L1", "Left shoulder", BodyPoint(BodyView.BACK, 0.3, 0.2), T0.date()),
    )
    return w.services.images.import_bytes(actor, lesion.id, fake_image(), Modality.CLOSE_UP)


def _analyze(w: World, actor: Actor) -> object:
    derm = w.actors[Role.DERMATOLOGIST]
    imported = _import_image(w, derm)
    assert isinstance(imported, ImportResult)
    assert imported.image is not None
    return w.services.analysis.analyze(actor, imported.image.id)


def _record_pathology(w: World, actor: Actor) -> object:
    lesion = w.services.lesions.add(
        w.actors[Role.DERMATOLOGIST],
        _patient(w),
        LesionDraft("L2", "Right calf", BodyPoint(BodyView.BACK, 0.6, 0.8), T0.date()),
    )
    return w.services.analysis.record_pathology(actor, lesion.id, "nv")


def _maintain(w: World, actor: Actor) -> object:
    w.services.clinic.record_maintenance(
        actor, AuditAction.DATABASE_CHECK, succeeded=True, detail="tables=14"
    )
    return None


#: One real call per operation. A new Operation without an entry fails
#: ``test_every_operation_has_a_call``.
CALLS: dict[Operation, Call] = {
    Operation.USER_VIEW: lambda w, a: w.services.users.list_users(a),
    Operation.USER_MANAGE: lambda w, a: w.services.users.add_user(
        a, "newcomer", "New Comer", Role.FRONT_DESK, "zephyr-muffin-glacier-88"
    ),
    Operation.AUDIT_VERIFY: lambda w, a: w.services.audit.verify(a),
    Operation.AUDIT_EXPORT: lambda w, a: w.services.audit.export_csv(
        a, T0 - timedelta(days=1), T0 + timedelta(days=1), io.StringIO()
    ),
    Operation.SETTINGS_VIEW: lambda w, a: w.services.settings.effective(a),
    Operation.SETTINGS_CHANGE: lambda w, a: w.services.settings.change(
        a, "maintenance.integrity_check_days", 14
    ),
    Operation.PATIENT_REGISTER: lambda w, a: w.services.patients.register(a, draft()),
    Operation.DEMOGRAPHICS_VIEW: lambda w, a: w.services.patients.get(a, _patient(w)),
    Operation.DEMOGRAPHICS_EDIT: _update,
    Operation.CHART_VIEW: lambda w, a: w.services.charts.open_chart(a, _patient(w)),
    Operation.CHART_EDIT: lambda w, a: w.services.charts.start_encounter(a, _patient(w), "rash"),
    Operation.NOTE_SIGN: _sign,
    Operation.DATABASE_MAINTAIN: _maintain,
    Operation.SCHEDULE_VIEW: lambda w, a: w.services.schedule.view(a, T0.date(), 7),
    Operation.SCHEDULE_EDIT: _book,
    Operation.SCHEDULE_CONFIGURE: lambda w, a: w.services.schedule.add_holiday(
        a, Holiday(date(2025, 12, 25), "Christmas Day")
    ),
    Operation.TEMPLATES_MANAGE: lambda w, a: w.services.templates.create_template(
        a, TemplateDraft("Mohs follow-up", subjective="Wound healing:")
    ),
    Operation.IMAGE_VIEW: lambda w, a: w.services.images.patient_images(a, _patient(w)),
    Operation.IMAGE_EDIT: _import_image,
    Operation.IMAGE_EXPORT: lambda w, a: w.services.images.report_data(a, _patient(w), []),
    Operation.ANALYSIS_RUN: _analyze,
    Operation.PATHOLOGY_RECORD: _record_pathology,
    Operation.ANALYSIS_VALIDATION: lambda w, a: w.services.analysis.model_vs_pathology(a),
}


def test_every_operation_has_a_call() -> None:
    assert set(CALLS) == set(Operation)
    assert set(PERMISSIONS) == set(Operation)


@pytest.mark.parametrize("operation", list(Operation), ids=lambda o: o.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_operation_cell(role: Role, operation: Operation) -> None:
    w = make_world()
    actor = w.actors[role]
    call = CALLS[operation]
    if is_allowed(role, operation):
        call(w, actor)
        assert not w.db.events(AuditAction.PERMISSION_DENIED)
        return
    with pytest.raises(PermissionDenied):
        call(w, actor)
    denied = w.db.events(AuditAction.PERMISSION_DENIED)
    assert len(denied) == 1
    event = denied[0]
    assert event is w.db.audit_events[-1]
    assert event.user_id == actor.user_id
    assert event.role == role.value
    assert event.outcome == AuditOutcome.DENIED
    assert event.detail.startswith(operation.value + ":")
    assert w.db.state.audit
    assert w.services.audit.verify(w.actors[Role.MANAGER]).ok


def test_every_role_is_allowed_something_and_denied_something() -> None:
    for role in Role:
        cells = [is_allowed(role, op) for op in Operation]
        assert any(cells), role
        assert not all(cells), role

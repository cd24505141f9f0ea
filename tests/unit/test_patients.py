"""Patient registration, validation, MRNs and audited access."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patients import FitzpatrickType, Sex
from dermai_desktop.domain.roles import Role
from dermai_desktop.services.patients import (
    PatientValidationFailed,
    format_mrn,
    validate_draft,
)
from tests.fakes import T0
from tests.unit.conftest import World, draft

TODAY = T0.date()


def test_register_assigns_prefixed_padded_mrn_and_audits(world: World) -> None:
    desk = world.actors[Role.FRONT_DESK]
    first = world.services.patients.register(desk, draft())
    second = world.services.patients.register(desk, draft(given_name="Charles"))
    assert (first.mrn, second.mrn) == ("DA000001", "DA000002")
    event = world.db.audit_events[-1]
    assert (event.action, event.patient_id, event.entity_id) == ("create", second.id, second.id)


def test_mrn_prefix_follows_setting(world: World) -> None:
    world.services.settings.change(world.actors[Role.MANAGER], "clinic.mrn_prefix", "HSC")
    patient = world.services.patients.register(world.actors[Role.FRONT_DESK], draft())
    assert patient.mrn == "HSC000001"


@given(
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=8),
    st.integers(1, 10**9),
)
def test_format_mrn_properties(prefix: str, number: int) -> None:
    mrn = format_mrn(prefix, number)
    assert mrn.startswith(prefix)
    digits = mrn[len(prefix) :]
    assert int(digits) == number
    assert len(digits) == max(6, len(str(number)))


def test_format_mrn_refuses_zero() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_mrn("DA", 0)


def test_register_cleans_input(world: World) -> None:
    patient = world.services.patients.register(
        world.actors[Role.FRONT_DESK],
        draft(
            given_name="  Ada   May ",
            family_name="Lovelace\u0301",
            phone=" +44 (20) 7946-0958 ",
            email=" ada@example.org ",
            address="  1 Main St \n  Town ",
            flags=("latex allergy", " latex allergy ", ""),
        ),
    )
    assert patient.given_name == "Ada May"
    assert patient.phone == "+44 (20) 7946-0958"
    assert patient.email == "ada@example.org"
    assert patient.address == "1 Main St\nTown"
    assert patient.flags == ("latex allergy",)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"given_name": "x" * 201}, "given_name"),
        ({"family_name": "bad\x07bell"}, "family_name"),
        ({"date_of_birth": TODAY + timedelta(days=2)}, "date_of_birth"),
        ({"date_of_birth": date(1899, 12, 31)}, "date_of_birth"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "+1 234 567 890 123 456 7"}, "phone"),
        ({"email": "ada@"}, "email"),
        ({"email": "ada example.org"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"address": "x" * 501}, "address"),
        ({"address": "bad\x00address"}, "address"),
        ({"sex": "martian"}, "sex"),
        ({"fitzpatrick": 7}, "fitzpatrick"),
        ({"flags": tuple(f"f{i}" for i in range(21))}, "flags"),
        ({"flags": ("x" * 51,)}, "flags"),
    ],
)
def test_validation_names_field_and_never_echoes_value(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(PatientValidationFailed) as info:
        validate_draft(draft(**overrides), TODAY)
    assert field in info.value.problems
    assert isinstance(info.value, ValidationFailed)
    value = overrides[field]
    if isinstance(value, str) and len(value.strip()) > 3:
        assert value.strip() not in info.value.user_text()


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(PatientValidationFailed) as info:
        validate_draft(draft(given_name="", family_name="", email="nope"), TODAY)
    assert set(info.value.problems) == {"given_name", "family_name", "email"}
    assert "given name is required" in info.value.message


def test_edge_dates_and_coercions() -> None:
    assert validate_draft(draft(date_of_birth=date(1900, 1, 1)), TODAY)
    assert validate_draft(draft(date_of_birth=TODAY + timedelta(days=1)), TODAY)
    clean = validate_draft(
        draft(
            date_of_birth=datetime(1980, 5, 17, 12), sex="female", fitzpatrick=3, phone="", email=""
        ),
        TODAY,
    )
    assert clean.date_of_birth == date(1980, 5, 17)
    assert clean.sex is Sex.FEMALE
    assert clean.fitzpatrick is FitzpatrickType.III


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=10_050))
def test_odd_names_either_validate_or_fail_plainly(name: str) -> None:
    error: PatientValidationFailed | None = None
    try:
        clean = validate_draft(draft(given_name=name), TODAY)
    except PatientValidationFailed as exc:
        error = exc
    if error is None:
        assert 0 < len(clean.given_name) <= 200
        return
    assert set(error.problems) == {"given_name"}
    if len(name.strip()) >= 4:
        assert name.strip() not in error.message


@pytest.mark.parametrize(
    "name", ["Zoë 😀", "محمد", "שָׁלוֹם", "李小龍", "O'Brien-Smith", "x" * 10_000]
)
def test_unicode_names(name: str) -> None:
    if len(name) > 200:
        with pytest.raises(PatientValidationFailed):
            validate_draft(draft(given_name=name), TODAY)
    else:
        assert validate_draft(draft(given_name=name), TODAY).given_name == name


@pytest.mark.parametrize("name", ["\u202eevil", "a\u2066b", "nul\x00", "\ud800"])
def test_spoofing_and_control_characters_refused(name: str) -> None:
    with pytest.raises(PatientValidationFailed, match="cannot be shown"):
        validate_draft(draft(given_name=name), TODAY)


def test_get_is_audited_view_with_patient_id(world: World) -> None:
    patient = world.services.patients.register(world.actors[Role.FRONT_DESK], draft())
    mgr = world.actors[Role.MANAGER]
    assert world.services.patients.get(mgr, patient.id) == patient
    event = world.db.audit_events[-1]
    assert (event.action, event.patient_id, event.user_id) == (
        AuditAction.VIEW,
        patient.id,
        mgr.user_id,
    )


def test_get_missing(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.patients.get(world.actors[Role.MANAGER], PatientId("missing"))


def test_update_records_changed_field_names_only(world: World) -> None:
    desk = world.actors[Role.FRONT_DESK]
    patient = world.services.patients.register(desk, draft())
    updated = world.services.patients.update(
        desk, patient.id, draft(phone="020 7946 0000", family_name="King"), 1
    )
    assert updated.version == 2
    event = world.db.audit_events[-1]
    assert event.detail == "fields=family_name,phone"
    assert "King" not in repr(world.db.audit_events)


def test_update_stale_version_and_missing(world: World) -> None:
    desk = world.actors[Role.FRONT_DESK]
    patient = world.services.patients.register(desk, draft())
    world.services.patients.update(desk, patient.id, draft(phone="020 7946 0000"), 1)
    with pytest.raises(ValidationFailed, match="Someone else changed"):
        world.services.patients.update(desk, patient.id, draft(phone="020 7946 1111"), 1)
    with pytest.raises(NotFound):
        world.services.patients.update(desk, PatientId("missing"), draft(), 1)


def test_audit_never_holds_names(world: World) -> None:
    world.services.patients.register(
        world.actors[Role.FRONT_DESK], draft(family_name="Sentinelname")
    )
    assert "Sentinelname" not in repr(world.db.audit_events)

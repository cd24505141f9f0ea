"""Lesions and images on a real SQLCipher database and the real encrypted image store.

Migration 0006 (up from 0005 with old rows, down and up again), the SQL
repositories, the services over them with the real Pillow adapters, the
image key kept in the database, nothing readable on disk, and refusals for
front desk and managers left in the audit trail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from dermai_desktop.bootstrap import image_master_key, open_image_adapters
from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.audit import AuditAction, AuditEvent
from dermai_desktop.domain.errors import PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import PatientId, UserId, new_uuid7
from dermai_desktop.domain.imaging import (
    Alignment,
    Calibration,
    CalibrationSource,
    ConsentScope,
    ImageUse,
    MeasureKind,
    Measurement,
    Modality,
    Overlay,
)
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft, LesionStatus
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.scheduling import RecallStatus
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.registry import Services, build_services
from dermai_desktop.storage.database import Database, _upgrade, open_database
from dermai_desktop.storage.migrations import head_revision
from dermai_desktop.storage.records import utc_to_text
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.at_rest_scan import find_plaintext
from tests.fakes import FakePasswordHasher, FakePasswordPolicy
from tests.integration.conftest import WORKSTATION, StepClock, draft
from tests.integration.test_schedule_storage import schema_diffs
from tests.shared_data import fullres_images

POINT = BodyPoint(BodyView.BACK, 0.4, 0.3)
CAL = Calibration(0.02, CalibrationSource.RULER)


@pytest.fixture
def services(uow_factory: SqlUnitOfWorkFactory, clock: StepClock, data_dir: Path) -> Services:
    adapters = open_image_adapters(data_dir / "images", uow_factory, WORKSTATION)
    return build_services(
        uow_factory=uow_factory,
        hasher=FakePasswordHasher(),
        policy=FakePasswordPolicy(),
        clock=clock,
        workstation_id=WORKSTATION,
        machine=MachineConfig.empty(),
        **adapters.as_kwargs(),
    )


@pytest.fixture
def patient(uow_factory: SqlUnitOfWorkFactory, manager: Actor) -> PatientId:
    with uow_factory(manager) as uow:
        pid = uow.patients.add(draft(), "DA000001").id
        uow.commit()
    return pid


def _staff(uow_factory: SqlUnitOfWorkFactory, manager: Actor, role: Role, name: str) -> Actor:
    user_id = UserId(new_uuid7())
    with uow_factory(manager) as uow:
        uow.users.add(
            User(user_id, name, name.title(), role, True, False, 0, None, None, datetime.now(UTC)),
            "hash",
        )
        uow.commit()
    return Actor(user_id, name, role, WORKSTATION)


def _events(uow_factory: SqlUnitOfWorkFactory, actor: Actor) -> list[AuditEvent]:
    with uow_factory(actor) as uow:
        start = datetime(2000, 1, 1, tzinfo=UTC)
        return list(uow.audit.between(start, datetime(2100, 1, 1, tzinfo=UTC)))


def _draft(**changes: object) -> LesionDraft:
    values: dict[str, object] = {
        "label": "L1",
        "site": "Left scapula",
        "position": POINT,
        "first_noted": date(2025, 11, 1),
    }
    values.update(changes)
    return LesionDraft(**values)  # type: ignore[arg-type]


def test_schema_is_at_head_and_matches_the_records(db: Database) -> None:
    assert db.schema_revision() == head_revision()
    assert schema_diffs(db) == []


def test_0006_reshapes_older_rows_and_downgrades(
    db: Database, uow_factory: SqlUnitOfWorkFactory, manager: Actor, patient: PatientId
) -> None:
    from alembic import command

    from dermai_desktop.storage.migrations import alembic_config

    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    stamp = utc_to_text(datetime(2025, 2, 3, 10, 0, tzinfo=UTC))
    lesion_id, image_id = new_uuid7(), new_uuid7()
    synced = "created_at, updated_at, version"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lesions (id, patient_id, label, body_site, first_seen_at, status, "
                f"{synced}) VALUES (:id, :p, 'A', 'back', :t, 'monitoring', :t, :t, 1)"
            ),
            {"id": lesion_id, "p": patient, "t": stamp},
        )
        conn.execute(
            text(
                "INSERT INTO lesion_images (id, lesion_id, patient_id, sha256, modality, "
                f"captured_at, content_type, mm_per_pixel, {synced}) VALUES (:id, :l, :p, :h, "
                "'dermoscopic', :t, 'image/jpeg', 0.01, :t, :t, 1)"
            ),
            {"id": image_id, "l": lesion_id, "p": patient, "h": "0" * 64, "t": stamp},
        )
    _upgrade(db.engine, "head")
    assert schema_diffs(db) == []
    with uow_factory(manager) as uow:
        lesion = uow.lesions.get(lesion_id)  # type: ignore[arg-type]
        image = uow.images.get(image_id)  # type: ignore[arg-type]
    assert lesion is not None
    assert (lesion.status, lesion.first_noted, lesion.position.view) == (
        LesionStatus.WATCH,
        date(2025, 2, 3),
        BodyView.FRONT,
    )
    assert image is not None
    assert image.modality is Modality.DERMOSCOPIC_POLARISED
    assert image.consent is ConsentScope.CARE_ONLY
    assert image.calibration == Calibration(0.01, CalibrationSource.DEVICE_DEFAULT)
    assert image.imported_at == image.captured_at == datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT status, first_seen_at FROM lesions")).one()
        modality = conn.execute(text("SELECT modality FROM lesion_images")).scalar()
    assert tuple(row) == ("monitoring", "2025-02-03T00:00:00.000000Z")
    assert modality == "dermoscopic"
    _upgrade(db.engine, "head")
    assert schema_diffs(db) == []


def test_lesions_and_recalls_round_trip(
    services: Services, uow_factory: SqlUnitOfWorkFactory, doctor: Actor, patient: PatientId
) -> None:
    lesions = services.lesions
    lesion = lesions.add(doctor, patient, _draft(follow_up_months=6, impression="irregular"))
    assert lesion.recall_id is not None
    again = lesions.get(doctor, lesion.id)
    assert again == lesion
    assert again.position == POINT
    updated = lesions.update(doctor, lesion.id, _draft(follow_up_months=3), lesion.version)
    assert updated.recall_id not in (None, lesion.recall_id)
    with uow_factory(doctor) as uow:
        old = uow.schedule.get_recall(lesion.recall_id)  # type: ignore[arg-type]
        new = uow.schedule.get_recall(updated.recall_id)  # type: ignore[arg-type]
    assert old is not None
    assert new is not None
    assert (old.status, new.status) == (RecallStatus.CANCELLED, RecallStatus.OPEN)
    assert new.source_id == lesion.id
    with pytest.raises(ValidationFailed):
        lesions.update(doctor, lesion.id, _draft(), lesion.version)
    lesions.add(doctor, patient, _draft(label="a2", status=LesionStatus.BENIGN))
    assert [x.label for x in lesions.lesions(doctor, patient)] == ["a2", "L1"]
    assert lesions.standing_consent(doctor, patient) is ConsentScope.CARE_ONLY
    lesions.set_standing_consent(doctor, patient, ConsentScope.TEACHING)
    lesions.set_standing_consent(doctor, patient, ConsentScope.RESEARCH)
    assert lesions.standing_consent(doctor, patient) is ConsentScope.RESEARCH
    summary = services.charts.chart_summary(doctor, patient)
    assert [x.label for x in summary.lesions_under_watch] == ["L1"]


def test_real_images_stored_once_encrypted_and_audited(
    services: Services,
    uow_factory: SqlUnitOfWorkFactory,
    doctor: Actor,
    patient: PatientId,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    photos = fullres_images()[:3]
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"not a photo at all" * 10)
    lesion = services.lesions.add(doctor, patient, _draft())
    images = services.images
    results = images.import_files(
        doctor, lesion.id, [*photos, bad, photos[0]], Modality.DERMOSCOPIC_POLARISED, CAL
    )
    assert [r.ok for r in results] == [True, True, True, False, True]
    assert results[4].duplicate
    assert results[3].image is None
    assert results[3].message
    stored = images.images(doctor, lesion.id)
    assert len(stored) == 3
    assert {s.sha256 for s in stored} == {r.image.sha256 for r in results[:3] if r.image}
    blobs = [p for p in (data_dir / "images").rglob("*") if p.is_file()]
    assert len(blobs) == 6  # an image and a thumbnail for each picture, once
    assert find_plaintext(data_dir) == []
    first = stored[0]
    row, preview = images.open_image(doctor, first.id, preview_side=200)
    assert row.id == first.id
    assert max(preview.width, preview.height) <= 200
    assert len(preview.rgb) == preview.width * preview.height * 3
    assert images.thumbnail(doctor, first.id)[:3] == b"\xff\xd8\xff"
    events = _events(uow_factory, doctor)
    imports = [e for e in events if e.action == AuditAction.IMPORT]
    assert len(imports) == 3
    assert all(e.entity_type == "image" and e.patient_id == patient for e in imports)
    views = [e for e in events if e.action == AuditAction.VIEW and e.entity_type == "image"]
    assert [e.entity_id for e in views] == [first.id]
    for event in events:
        for photo in photos:
            assert photo.stem not in event.detail


def test_the_image_key_lives_in_the_database(
    db: Database, uow_factory: SqlUnitOfWorkFactory, data_dir: Path, dek: bytes
) -> None:
    key = image_master_key(uow_factory, WORKSTATION)
    assert len(key) == 32
    assert image_master_key(uow_factory, WORKSTATION) == key
    with uow_factory(Actor(UserId("x"), "x", Role.IT_ADMIN, WORKSTATION)) as uow:
        with pytest.raises(RuntimeError):
            uow.images.set_image_key(bytes(32))
        with pytest.raises(ValueError, match="32 bytes"):
            uow.images.set_image_key(b"short")
    db.close()
    reopened = open_database(data_dir, dek)
    try:
        factory = reopened.unit_of_work_factory(b"a" * 32)
        assert image_master_key(factory, WORKSTATION) == key
    finally:
        reopened.close()


def test_overlay_calibration_alignment_survive_the_database(
    services: Services, doctor: Actor, patient: PatientId, tmp_path: Path
) -> None:
    from PIL import Image

    images = services.images
    lesion = services.lesions.add(doctor, patient, _draft())
    ids = []
    for shade in (90, 120):
        path = tmp_path / f"p{shade}.png"
        Image.new("RGB", (320, 240), (shade, 60, 50)).save(path)
        [result] = images.import_files(doctor, lesion.id, [path], Modality.CLOSE_UP)
        assert result.image is not None
        ids.append(result.image.id)
    outline = Measurement("m", MeasureKind.AREA, ((10, 10), (110, 10), (110, 110), (10, 110)))
    image = images.save_overlay(doctor, ids[1], Overlay((outline,)), 1)
    image = images.set_calibration(doctor, ids[1], CAL, image.version)
    image = images.save_alignment(doctor, ids[1], Alignment(ids[0], 4, 5, 2.5, 0.9), image.version)
    image = images.set_consent(doctor, ids[1], ConsentScope.PUBLICATION, image.version)
    [_, again] = images.images(doctor, lesion.id)
    assert again == image
    assert again.overlay.measurements == (outline,)
    assert again.alignment == Alignment(ids[0], 4, 5, 2.5, 0.9)
    assert again.media_type == "image/png"
    [point] = images.growth(doctor, lesion.id)
    assert point.area_mm2 == pytest.approx(100 * 100 * 0.02**2)
    with pytest.raises(ValidationFailed):
        images.set_modality(doctor, ids[1], Modality.CLOSE_UP, 1)
    (tmp_path / "out").mkdir()
    outcome = images.export_images(
        doctor, ids, tmp_path / "out", deidentify=True, use=ImageUse.PUBLICATION
    )
    assert [p.name for p in outcome.written] == ["image-1-close-up.png"]
    assert [i for i, _ in outcome.refused] == [ids[0]]
    report = images.report_data(doctor, patient, [lesion.id])
    assert [len(e.images) for e in report.lesions] == [2]
    assert report.lesions[0].images[1].jpeg[:3] == b"\xff\xd8\xff"


def test_front_desk_and_managers_see_no_images(
    services: Services,
    uow_factory: SqlUnitOfWorkFactory,
    doctor: Actor,
    manager: Actor,
    patient: PatientId,
    tmp_path: Path,
    clock: StepClock,
) -> None:
    from PIL import Image

    path = tmp_path / "p.png"
    Image.new("RGB", (200, 150), (150, 90, 70)).save(path)
    lesion = services.lesions.add(doctor, patient, _draft())
    [result] = services.images.import_files(doctor, lesion.id, [path], Modality.CLOSE_UP)
    assert result.image is not None
    image_id = result.image.id
    desk = _staff(uow_factory, manager, Role.FRONT_DESK, "frontdesk")
    since = clock.current
    for actor in (desk, manager):
        for attempt in (
            lambda a=actor: services.images.images(a, lesion.id),
            lambda a=actor: services.images.thumbnail(a, image_id),
            lambda a=actor: services.images.open_image(a, image_id),
            lambda a=actor: services.lesions.lesions(a, patient),
            lambda a=actor: services.images.export_images(a, [image_id], tmp_path, deidentify=True),
        ):
            with pytest.raises(PermissionDenied):
                attempt()
    denied = [
        e
        for e in _events(uow_factory, manager)
        if e.action == AuditAction.PERMISSION_DENIED and e.occurred_at > since
    ]
    assert len(denied) == 10
    assert {e.user_id for e in denied} == {desk.user_id, manager.user_id}
    assert {e.detail for e in denied} == {
        "image.view:role",
        "chart.view:role",
        "image.export:role",
    }
    assert clock.current - since < timedelta(minutes=5)

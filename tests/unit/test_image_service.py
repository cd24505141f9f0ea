"""ImageService on the fakes: import batches, viewing, edits, growth, export, report, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import (
    Alignment,
    Annotation,
    AnnotationKind,
    Calibration,
    CalibrationSource,
    ConsentScope,
    ImageUse,
    LesionImage,
    MeasureKind,
    Measurement,
    Modality,
    Overlay,
)
from dermai_desktop.domain.lesions import BodyPoint, BodyView, Lesion, LesionDraft
from dermai_desktop.domain.roles import Role
from dermai_desktop.services.imaging import DUPLICATE_MESSAGE, ConsentRefused
from dermai_desktop.services.imaging_export import measurement_lines, slug
from tests.fakes import T0
from tests.fakes_imaging import fake_image
from tests.unit.conftest import World, draft

CAL = Calibration(0.05, CalibrationSource.RULER)
SQUARE = Measurement("m1", MeasureKind.AREA, ((0, 0), (100, 0), (100, 100), (0, 100)))
RULER = Measurement("m2", MeasureKind.RULER, ((0, 0), (30, 40)))


@pytest.fixture
def patient(world: World) -> PatientId:
    return world.services.patients.register(world.actors[Role.FRONT_DESK], draft()).id


def _lesion(world: World, patient: PatientId, label: str = "L1") -> Lesion:
    return world.services.lesions.add(
        world.actors[Role.DERMATOLOGIST],
        patient,
        LesionDraft(label, "Left forearm", BodyPoint(BodyView.FRONT, 0.2, 0.5), date(2024, 1, 1)),
    )


@pytest.fixture
def lesion(world: World, patient: PatientId) -> Lesion:
    return _lesion(world, patient)


def _import(world: World, lesion: Lesion, tag: str = "a", **kw: object) -> LesionImage:
    result = world.services.images.import_bytes(
        world.actors[Role.DERMATOLOGIST],
        lesion.id,
        fake_image(tag=tag),
        kw.pop("modality", Modality.DERMOSCOPIC_POLARISED),  # type: ignore[arg-type]
    )
    assert result.image is not None, result.message
    return result.image


def test_a_batch_stores_the_good_and_explains_the_rest(
    world: World, lesion: Lesion, tmp_path: Path
) -> None:
    files = {
        "IMG_0001.jpg": fake_image(tag="one"),
        "letter.jpg": b"Dear doctor",
        "empty.png": b"",
        "IMG_0002.jpg": fake_image(tag="two"),
        "IMG_0001 copy.jpg": fake_image(tag="one"),
        "tiny.png": fake_image(8, 8),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    derm = world.actors[Role.DERMATOLOGIST]
    results = world.services.images.import_files(
        derm, lesion.id, [tmp_path / n for n in files], Modality.CLOSE_UP, CAL
    )
    assert [r.source_name for r in results] == list(files)
    assert [r.ok for r in results] == [True, False, False, True, True, False]
    assert results[1].message == "This file is not a picture DermAI can read."
    assert results[2].message == "The file is empty."
    assert results[4].duplicate
    assert results[4].message == DUPLICATE_MESSAGE
    assert results[4].image == results[0].image
    first = results[0].image
    assert first is not None
    assert (first.modality, first.calibration, first.consent) == (
        Modality.CLOSE_UP,
        CAL,
        ConsentScope.CARE_ONLY,
    )
    assert (first.width, first.height, first.imported_by) == (640, 480, derm.user_id)
    assert len(world.db.state.imaging.images) == 2
    store = world.imaging.store
    assert store.contains(first.sha256)
    assert store.contains(first.sha256, kind="thumbnail")
    imports = world.db.events(AuditAction.IMPORT)
    assert len(imports) == 2
    assert imports[0].detail == f"lesion={lesion.id} modality=close_up"
    for event in world.db.audit_events:
        assert "IMG_" not in event.detail
        assert "letter" not in event.detail


def test_a_store_failure_stores_nothing_and_the_batch_goes_on(
    world: World, lesion: Lesion, tmp_path: Path
) -> None:
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(fake_image(tag=name))
    world.imaging.store.fail_puts = 1
    results = world.services.images.import_files(
        world.actors[Role.DERMATOLOGIST],
        lesion.id,
        [tmp_path / "a.jpg", tmp_path / "missing.jpg", tmp_path / "b.jpg"],
        Modality.CLOSE_UP,
    )
    assert [r.ok for r in results] == [False, False, True]
    assert "disk" in results[0].message
    assert "disk" in results[1].message
    assert len(world.db.state.imaging.images) == 1


def test_import_takes_standing_consent_and_clinic_time(world: World, lesion: Lesion) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    world.services.lesions.set_standing_consent(derm, lesion.patient_id, ConsentScope.TEACHING)
    world.imaging.ingestor.captured_at = datetime(2025, 7, 1, 10, 30)  # camera: London summer
    world.imaging.ingestor.device = "Canon EOS R6"
    result = world.services.images.import_bytes(derm, lesion.id, fake_image(), Modality.CLOSE_UP)
    assert result.source_name == "Pasted image"
    image = result.image
    assert image is not None
    assert image.consent is ConsentScope.TEACHING
    assert image.captured_at == datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    assert image.device == "Canon EOS R6"
    assert image.taken_on == date(2025, 7, 1)


def test_camera_time_with_a_zone_or_no_settings(world: World, lesion: Lesion) -> None:
    from dermai_desktop.services.imaging import ImageService

    bare = ImageService(
        world.db,
        world.clock,
        world.imaging.store,
        world.imaging.ingestor,
        world.imaging.decoder,
        world.imaging.exporter,
    )
    derm = world.actors[Role.DERMATOLOGIST]
    world.imaging.ingestor.captured_at = datetime(2025, 7, 1, 10, 30)
    naive = bare.import_bytes(derm, lesion.id, fake_image(tag="n"), Modality.CLOSE_UP).image
    assert naive is not None
    assert naive.captured_at == datetime(2025, 7, 1, 10, 30, tzinfo=UTC)  # no zone known: UTC
    world.imaging.ingestor.captured_at = datetime(2025, 7, 1, 10, 30, tzinfo=UTC)
    aware = bare.import_bytes(derm, lesion.id, fake_image(tag="z"), Modality.CLOSE_UP).image
    assert aware is not None
    assert aware.captured_at == datetime(2025, 7, 1, 10, 30, tzinfo=UTC)


def test_lists_are_oldest_first_and_views_are_audited(world: World, lesion: Lesion) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    world.imaging.ingestor.captured_at = datetime(2025, 1, 2, 12, 0)
    later = _import(world, lesion, "later")
    world.imaging.ingestor.captured_at = datetime(2024, 6, 2, 12, 0)
    earlier = _import(world, lesion, "earlier")
    assert [i.id for i in images.images(derm, lesion.id)] == [earlier.id, later.id]
    assert [i.id for i in images.patient_images(derm, lesion.patient_id)] == [earlier.id, later.id]
    row, preview = images.open_image(derm, later.id, preview_side=320)
    assert row == later
    assert (preview.width, preview.height, preview.full_width) == (320, 240, 640)
    full = images.full_image(derm, later.id)
    assert (full.width, full.height) == (640, 480)
    views = [e for e in world.db.events(AuditAction.VIEW) if e.entity_type == "image"]
    assert [(e.entity_id, e.patient_id) for e in views] == [(later.id, lesion.patient_id)]
    with pytest.raises(NotFound):
        images.open_image(derm, ImageId("gone"))
    with pytest.raises(NotFound):
        images.images(derm, LesionId("gone"))


def test_thumbnails_come_from_the_store_or_are_made_again(world: World, lesion: Lesion) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    image = _import(world, lesion)
    assert world.services.images.thumbnail(derm, image.id) == b"THUMB:" + fake_image()
    del world.imaging.store.blobs[("thumbnail", image.sha256)]
    remade = world.services.images.thumbnail(derm, image.id)
    assert remade == b"JPEG256:" + fake_image()
    assert world.imaging.store.contains(image.sha256, kind="thumbnail")


def test_edits_bump_the_version_and_are_audited(world: World, lesion: Lesion) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    image = _import(world, lesion)
    note = Annotation("a1", AnnotationKind.TEXT, ((5, 5),), "edge")
    image = images.save_overlay(derm, image.id, Overlay((SQUARE,), (note,)), 1)
    image = images.set_calibration(derm, image.id, CAL, image.version)
    image = images.set_consent(derm, image.id, ConsentScope.PUBLICATION, image.version)
    image = images.set_modality(derm, image.id, Modality.CLINICAL_OVERVIEW, image.version)
    image = images.set_calibration(derm, image.id, None, image.version)
    assert image.version == 6
    assert (image.consent, image.modality, image.calibration) == (
        ConsentScope.PUBLICATION,
        Modality.CLINICAL_OVERVIEW,
        None,
    )
    assert image.overlay.measurements == (SQUARE,)
    updates = [e.detail for e in world.db.events(AuditAction.UPDATE) if e.entity_type == "image"]
    assert updates == [
        "overlay measurements=1 annotations=1",
        "calibration source=ruler",
        "consent scope=publication",
        "modality=clinical_overview",
        "calibration source=none",
    ]
    with pytest.raises(ValidationFailed, match="changed this image"):
        images.set_consent(derm, image.id, ConsentScope.CARE_ONLY, 1)


def test_alignment_only_onto_another_image_of_the_lesion(
    world: World, lesion: Lesion, patient: PatientId
) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    earlier = _import(world, lesion, "e")
    later = _import(world, lesion, "l")
    other = _import(world, _lesion(world, patient, "L9"), "o")
    aligned = images.save_alignment(derm, later.id, Alignment(earlier.id, 3, -2, 1.5, 1.02), 1)
    assert aligned.alignment == Alignment(earlier.id, 3, -2, 1.5, 1.02)
    cleared = images.save_alignment(derm, later.id, None, 2)
    assert cleared.alignment is None
    with pytest.raises(ValidationFailed, match="onto itself"):
        images.save_alignment(derm, later.id, Alignment(later.id), 3)
    with pytest.raises(ValidationFailed, match="same lesion"):
        images.save_alignment(derm, later.id, Alignment(other.id), 3)


def test_growth_uses_calibrated_outlines(world: World, lesion: Lesion) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    world.imaging.ingestor.captured_at = datetime(2024, 3, 1, 12, 0)
    first = _import(world, lesion, "1")
    world.imaging.ingestor.captured_at = datetime(2025, 3, 1, 12, 0)
    second = _import(world, lesion, "2")
    _import(world, lesion, "uncalibrated")
    for image in (first, second):
        outlined = images.save_overlay(derm, image.id, Overlay((SQUARE,)), 1)
        images.set_calibration(derm, image.id, CAL, outlined.version)
    growth = images.growth(derm, lesion.id)
    assert [p.image_id for p in growth] == [first.id, second.id]
    assert growth[0].area_mm2 == pytest.approx(25.0)
    assert growth[0].diameter_mm == pytest.approx(100 * 2**0.5 * 0.05)


def test_export_honours_consent_and_names_files(
    world: World, lesion: Lesion, tmp_path: Path
) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    care = _import(world, lesion, "care", modality=Modality.CLOSE_UP)
    teaching = _import(world, lesion, "teach")
    teaching = images.set_consent(derm, teaching.id, ConsentScope.TEACHING, 1)
    outcome = images.export_images(
        derm, [care.id, teaching.id], tmp_path / "out", deidentify=True, use=ImageUse.TEACHING
    )
    assert [p.name for p in outcome.written] == ["image-1-dermoscopic-polarised.jpg"]
    [(refused_id, reason)] = outcome.refused
    assert refused_id == care.id
    assert "does not cover teaching" in reason
    original = images.export_images(derm, [care.id], tmp_path / "orig", deidentify=False)
    patient = world.services.patients.get(derm, lesion.patient_id)
    expected = f"lesion-l1-{care.taken_on.isoformat()}-1.jpg"
    assert [p.name for p in original.written] == [expected]
    assert slug(patient.mrn) not in expected  # no identifier even on an original copy
    assert original.written[0].read_bytes() == fake_image(tag="care")
    exports = [e.detail for e in world.db.events(AuditAction.EXPORT)]
    assert exports == [
        "deidentified=1 count=1 use=teaching",
        "deidentified=0 count=1 use=care",
    ]
    nothing = images.export_images(
        derm, [care.id], tmp_path / "none", deidentify=True, use=ImageUse.RESEARCH
    )
    assert nothing.written == []
    assert len(nothing.refused) == 1
    with pytest.raises(ValidationFailed, match="at most"):
        images.export_images(derm, [care.id] * 501, tmp_path, deidentify=True)


def test_dicom_export(world: World, lesion: Lesion, tmp_path: Path) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    image = _import(world, lesion)
    path = images.export_dicom(derm, image.id, tmp_path / "a.dcm", deidentify=False)
    assert path.read_bytes().startswith(b"DICM")
    anonymous = images.export_dicom(derm, image.id, tmp_path / "b.dcm", deidentify=True)
    assert anonymous.exists()
    named, anon = world.imaging.exporter.dicom_calls
    assert named["patient_name"] == "Lovelace^Ada"
    assert named["birth_date"] == "19800517"
    assert named["sex"] == "F"
    assert named["study_description"] == "Lesion L1"
    assert anon["patient_name"] == "Anonymous"
    assert anon["patient_id"].startswith("ANON-")
    assert "Lovelace" not in repr(anon)
    assert anon["body_site"] == "Left forearm"
    details = [e.detail for e in world.db.events(AuditAction.EXPORT)]
    assert details == [
        "format=dicom deidentified=0 use=care",
        "format=dicom deidentified=1 use=care",
    ]
    with pytest.raises(ConsentRefused, match="does not cover publication"):
        images.export_dicom(
            derm, image.id, tmp_path / "c.dcm", deidentify=True, use=ImageUse.PUBLICATION
        )


def test_report_data_and_its_audit(world: World, lesion: Lesion, patient: PatientId) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    images = world.services.images
    shown = _import(world, lesion, "shown")
    shown = images.save_overlay(derm, shown.id, Overlay((SQUARE, RULER)), 1)
    shown = images.set_calibration(derm, shown.id, CAL, shown.version)
    images.set_consent(derm, shown.id, ConsentScope.RESEARCH, shown.version)
    _import(world, lesion, "care only")
    empty = _lesion(world, patient, "L2")
    report = images.report_data(derm, patient, [lesion.id, empty.id], use=ImageUse.RESEARCH)
    assert report.patient.id == patient
    assert report.clinic_name == "Harbour Skin Clinic"
    assert report.generated_by == "Dana Derm"
    assert report.generated_at == T0
    entry, second = report.lesions
    assert second.lesion.id == empty.id
    assert second.images == []
    [picture] = entry.images
    assert picture.jpeg == b"JPEG1200:" + fake_image(tag="shown")
    assert picture.measurements == [
        "Longest diameter 7.1 mm, area 25.0 mm²",
        "Length 2.5 mm",
    ]
    assert [p.image_id for p in entry.growth] == [shown.id]
    [left_out] = entry.left_out
    assert "left out" in left_out
    assert "does not cover research" in left_out
    images.record_report(derm, patient, [lesion.id, empty.id], printed=True)
    images.record_report(derm, patient, [lesion.id], printed=False)
    printed = world.db.events(AuditAction.PRINT)
    assert [(e.entity_type, e.detail) for e in printed] == [("lesion_report", "lesions=2")]
    exported = [e for e in world.db.events(AuditAction.EXPORT) if e.entity_type == "lesion_report"]
    assert [e.detail for e in exported] == ["format=pdf lesions=1"]


def test_report_refuses_another_patients_lesion(world: World, lesion: Lesion) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    stranger = world.services.patients.register(
        world.actors[Role.FRONT_DESK], draft(given_name="Grace", family_name="Hopper")
    ).id
    with pytest.raises(ValidationFailed, match="one patient"):
        world.services.images.report_data(derm, stranger, [lesion.id])
    with pytest.raises(NotFound):
        world.services.images.report_data(derm, PatientId("nobody"), [])


def test_measurement_lines_without_calibration(world: World, lesion: Lesion) -> None:
    image = _import(world, lesion)
    derm = world.actors[Role.DERMATOLOGIST]
    image = world.services.images.save_overlay(derm, image.id, Overlay((SQUARE, RULER)), 1)
    assert measurement_lines(image) == [
        "Longest diameter 141 px, area 10000 px² (image not calibrated)",
        "Length 50 px (image not calibrated)",
    ]
    assert slug("  DA-000 12 / x ") == "da-000-12-x"
    assert slug("???") == "x"


def test_import_onto_a_missing_lesion(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.images.import_bytes(
            world.actors[Role.DERMATOLOGIST], LesionId("gone"), fake_image(), Modality.CLOSE_UP
        )


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.IT_ADMIN])
def test_only_dermatologists_touch_images(
    world: World, lesion: Lesion, role: Role, tmp_path: Path
) -> None:
    image = _import(world, lesion)
    actor = world.actors[role]
    images = world.services.images
    before = len(world.db.events(AuditAction.PERMISSION_DENIED))
    attempts = (
        lambda: images.images(actor, lesion.id),
        lambda: images.patient_images(actor, lesion.patient_id),
        lambda: images.thumbnail(actor, image.id),
        lambda: images.open_image(actor, image.id),
        lambda: images.full_image(actor, image.id),
        lambda: images.growth(actor, lesion.id),
        lambda: images.import_bytes(actor, lesion.id, fake_image(tag="x"), Modality.CLOSE_UP),
        lambda: images.import_files(actor, lesion.id, [], Modality.CLOSE_UP),
        lambda: images.save_overlay(actor, image.id, Overlay(), 1),
        lambda: images.set_consent(actor, image.id, ConsentScope.TEACHING, 1),
        lambda: images.export_images(actor, [image.id], tmp_path, deidentify=True),
        lambda: images.export_dicom(actor, image.id, tmp_path / "x.dcm", deidentify=True),
        lambda: images.report_data(actor, lesion.patient_id, [lesion.id]),
        lambda: images.record_report(actor, lesion.patient_id, [lesion.id], printed=True),
    )
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    denied = world.db.events(AuditAction.PERMISSION_DENIED)[before:]
    assert len(denied) == len(attempts)
    assert {e.detail.split(":")[0] for e in denied} == {"image.view", "image.edit", "image.export"}
    assert not list(tmp_path.iterdir())
    assert len(world.db.state.imaging.images) == 1


def test_a_listed_device_calibrates_its_photos_at_import(world: World, lesion: Lesion) -> None:
    manager = world.actors[Role.MANAGER]
    world.services.settings.change(
        manager, "imaging.device_fields_of_view", "DermLite DL5 = 25; * = 20"
    )
    world.imaging.ingestor.device = "DermLite  dl5"  # spacing and case as a camera writes it
    listed = _import(world, lesion, "listed")
    assert listed.calibration is not None
    assert listed.calibration.source is CalibrationSource.DEVICE_DEFAULT
    assert listed.calibration.mm_per_pixel == pytest.approx(25 / listed.width)

    world.imaging.ingestor.device = "Some Other Scope"
    other = _import(world, lesion, "other")  # dermoscopic: the "*" entry applies
    assert other.calibration is not None
    assert other.calibration.mm_per_pixel == pytest.approx(20 / other.width)

    overview = _import(world, lesion, "overview", modality=Modality.CLINICAL_OVERVIEW)
    assert overview.calibration is None  # "*" is for dermatoscopes only


def test_a_malformed_device_table_is_refused_with_the_reason(world: World) -> None:
    manager = world.actors[Role.MANAGER]
    with pytest.raises(ValidationFailed, match="Make Model = mm"):
        world.services.settings.change(manager, "imaging.device_fields_of_view", "DermLite 25")
    with pytest.raises(ValidationFailed, match="between 1 and 500"):
        world.services.settings.change(manager, "imaging.device_fields_of_view", "X = 0.2")

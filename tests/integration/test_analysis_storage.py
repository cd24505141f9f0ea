"""Lesion analysis on a real SQLCipher database and the real encrypted image store.

Migration 0007 (down and up again), the append-only triggers on results and
verdicts, the SQL repository behind the service (a deterministic fake engine,
so the test is about storage), audit rows for analyse, verdict and pathology,
the manager's table, refusals for front desk; and, when the models load, one
real engine result stored and read back unchanged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dermai_desktop.bootstrap import open_image_adapters
from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.analysis import VerdictKind
from dermai_desktop.domain.audit import AuditAction, AuditEvent
from dermai_desktop.domain.errors import PermissionDenied
from dermai_desktop.domain.ids import PatientId, UserId, new_uuid7
from dermai_desktop.domain.imaging import Calibration, CalibrationSource, LesionImage, Modality
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor, User
from dermai_desktop.services.analysis_ports import AnalysisUnavailable
from dermai_desktop.services.registry import Services, build_services
from dermai_desktop.storage.database import Database, _upgrade
from dermai_desktop.storage.migrations import head_revision
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakePasswordHasher, FakePasswordPolicy
from tests.fakes_analysis import FAKE_MODEL_SHA, FakeLesionAnalyzer
from tests.integration.conftest import WORKSTATION, StepClock, draft
from tests.integration.test_schedule_storage import schema_diffs

ANALYSIS_TABLES = {"analysis_results", "analysis_verdicts", "lesion_pathology"}


@pytest.fixture
def analyzer() -> FakeLesionAnalyzer:
    return FakeLesionAnalyzer()


def _services(
    uow_factory: SqlUnitOfWorkFactory, clock: StepClock, data_dir: Path, analyzer: object
) -> Services:
    kwargs = open_image_adapters(data_dir / "images", uow_factory, WORKSTATION).as_kwargs()
    kwargs["lesion_analyzer"] = analyzer
    return build_services(
        uow_factory=uow_factory,
        hasher=FakePasswordHasher(),
        policy=FakePasswordPolicy(),
        clock=clock,
        workstation_id=WORKSTATION,
        machine=MachineConfig.empty(),
        **kwargs,
    )


@pytest.fixture
def services(
    uow_factory: SqlUnitOfWorkFactory, clock: StepClock, data_dir: Path, analyzer: object
) -> Services:
    return _services(uow_factory, clock, data_dir, analyzer)


@pytest.fixture
def patient(uow_factory: SqlUnitOfWorkFactory, manager: Actor) -> PatientId:
    with uow_factory(manager) as uow:
        pid = uow.patients.add(draft(), "DA000001").id
        uow.commit()
    return pid


def _image(
    services: Services, doctor: Actor, patient: PatientId, tmp_path: Path, label: str = "L1"
) -> LesionImage:
    from PIL import Image

    path = tmp_path / f"{label}.png"
    Image.new("RGB", (240, 180), (150, 90, 70)).save(path)
    lesion = services.lesions.add(
        doctor,
        patient,
        LesionDraft(label, "Left scapula", BodyPoint(BodyView.BACK, 0.4, 0.3), date(2025, 11, 1)),
    )
    calibration = Calibration(0.02, CalibrationSource.RULER)
    [result] = services.images.import_files(
        doctor, lesion.id, [path], Modality.DERMOSCOPIC_POLARISED, calibration
    )
    assert result.image is not None
    return result.image


def _events(uow_factory: SqlUnitOfWorkFactory, actor: Actor) -> list[AuditEvent]:
    with uow_factory(actor) as uow:
        start = datetime(2000, 1, 1, tzinfo=UTC)
        return list(uow.audit.between(start, datetime(2100, 1, 1, tzinfo=UTC)))


def test_0007_tables_match_the_records_and_migrate_down_and_up(db: Database) -> None:
    from alembic import command

    from dermai_desktop.storage.migrations import alembic_config

    assert db.schema_revision() == head_revision()
    assert schema_diffs(db) == []
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
    with db.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert not names & ANALYSIS_TABLES
    assert not any(
        name.endswith(("_no_update", "_no_delete")) for name in names if "analysis" in name
    )
    _upgrade(db.engine, "head")
    assert schema_diffs(db) == []
    with db.engine.connect() as conn:
        triggers = {
            r[0]
            for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    assert {
        "analysis_results_no_update",
        "analysis_results_no_delete",
        "analysis_verdicts_no_update",
        "analysis_verdicts_no_delete",
    } <= triggers


def test_results_and_verdicts_are_append_only_in_the_database(
    services: Services, db: Database, doctor: Actor, patient: PatientId, tmp_path: Path
) -> None:
    image = _image(services, doctor, patient, tmp_path)
    result = services.analysis.analyze(doctor, image.id)
    services.analysis.record_verdict(doctor, result.id, VerdictKind.BIOPSY)
    for statement in (
        "UPDATE analysis_results SET top_class = 'mel'",
        "UPDATE analysis_results SET deleted_at = '2026-01-01T00:00:00.000000Z'",
        "DELETE FROM analysis_results",
        "UPDATE analysis_verdicts SET kind = 'agree'",
        "DELETE FROM analysis_verdicts",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert services.analysis.results(doctor, image.id) == [result]
    [verdict] = services.analysis.verdicts(doctor, result.id)
    assert verdict.kind is VerdictKind.BIOPSY


def test_analysis_round_trips_through_sql_with_audit_and_outbox(
    services: Services,
    uow_factory: SqlUnitOfWorkFactory,
    db: Database,
    doctor: Actor,
    patient: PatientId,
    tmp_path: Path,
    analyzer: FakeLesionAnalyzer,
) -> None:
    image = _image(services, doctor, patient, tmp_path)
    first = services.analysis.analyze(doctor, image.id)
    analyzer.model_sha256, analyzer.model_version = "ab" * 32, "2.0.0"
    second = services.analysis.analyze(doctor, image.id)
    assert analyzer.calls[-1] == ("image/png", 0.02)
    assert services.analysis.results(doctor, image.id) == [second, first]
    assert services.analysis.latest_results(doctor, image.lesion_id) == {image.id: second}
    verdict = services.analysis.record_verdict(
        doctor, first.id, VerdictKind.DISAGREE, "Looks like a DF."
    )
    assert services.analysis.verdicts(doctor, first.id) == [verdict]
    pathology = services.analysis.record_pathology(doctor, image.lesion_id, "df", "punch")
    assert services.analysis.pathology(doctor, image.lesion_id) == pathology

    with db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT model_sha256, image_sha256, patient_id, kind, impression, created_by "
                "FROM analysis_verdicts"
            )
        ).one()
        stored = conn.execute(
            text(
                "SELECT model_name, model_version, model_sha256, segmenter_sha256, top_class, "
                "reliable, image_sha256 FROM analysis_results WHERE id = :id"
            ),
            {"id": second.id},
        ).one()
        outbox = {
            r[0]: r[1]
            for r in conn.execute(
                text(
                    "SELECT entity, count(*) FROM sync_outbox WHERE entity IN "
                    "('analysis_results', 'analysis_verdicts', 'lesion_pathology') GROUP BY entity"
                )
            )
        }
    assert tuple(row) == (
        FAKE_MODEL_SHA,
        image.sha256,
        patient,
        "disagree",
        "Looks like a DF.",
        doctor.user_id,
    )
    assert tuple(stored) == (
        "fake-classifier",
        "2.0.0",
        "ab" * 32,
        second.outcome.segmenter.sha256,
        second.outcome.top.code,
        1,
        image.sha256,
    )
    assert outbox == {"analysis_results": 2, "analysis_verdicts": 1, "lesion_pathology": 1}

    events = [e for e in _events(uow_factory, doctor) if e.action == AuditAction.CREATE]
    by_type = {e.entity_type: e for e in events}
    assert by_type["analysis"].entity_id == second.id
    assert by_type["analysis"].detail == "model=abababab reliable=1"
    assert by_type["analysis_verdict"].detail == (
        f"verdict=disagree model={FAKE_MODEL_SHA[:8]} image={image.sha256[:8]}"
    )
    assert by_type["lesion_pathology"].detail == f"lesion={image.lesion_id} diagnosis=df"
    assert all(e.patient_id == patient for e in by_type.values())


def test_the_manager_table_from_sql(
    services: Services,
    uow_factory: SqlUnitOfWorkFactory,
    doctor: Actor,
    manager: Actor,
    patient: PatientId,
    tmp_path: Path,
    analyzer: FakeLesionAnalyzer,
) -> None:
    analyzer.top = "mel"
    one = _image(services, doctor, patient, tmp_path, "L1")
    services.analysis.analyze(doctor, one.id)
    services.analysis.record_pathology(doctor, one.lesion_id, "mel")
    analyzer.top = "nv"
    two = _image(services, doctor, patient, tmp_path, "L2")
    services.analysis.analyze(doctor, two.id)
    services.analysis.record_pathology(doctor, two.lesion_id, "bkl")
    services.analysis.record_pathology(doctor, two.lesion_id, "nv")  # corrected: latest counts

    table = services.analysis.model_vs_pathology(manager)

    assert table.lesions == 2
    assert table.counts["mel"]["mel"] == table.counts["nv"]["nv"] == 1
    assert table.agreement() == 1.0
    view = _events(uow_factory, manager)[-1]
    assert (view.action, view.entity_type, view.patient_id) == (
        AuditAction.VIEW,
        "analysis_validation",
        None,
    )


def test_front_desk_is_refused_and_the_refusal_audited(
    services: Services,
    uow_factory: SqlUnitOfWorkFactory,
    doctor: Actor,
    manager: Actor,
    patient: PatientId,
    tmp_path: Path,
) -> None:
    image = _image(services, doctor, patient, tmp_path)
    result = services.analysis.analyze(doctor, image.id)
    user_id = UserId(new_uuid7())
    with uow_factory(manager) as uow:
        uow.users.add(
            User(
                user_id,
                "desk",
                "Desk",
                Role.FRONT_DESK,
                True,
                False,
                0,
                None,
                None,
                result.created_at,
            ),
            "hash",
        )
        uow.commit()
    desk = Actor(user_id, "desk", Role.FRONT_DESK, WORKSTATION)
    for attempt in (
        lambda: services.analysis.analyze(desk, image.id),
        lambda: services.analysis.results(desk, image.id),
        lambda: services.analysis.record_verdict(desk, result.id, VerdictKind.AGREE),
        lambda: services.analysis.record_pathology(desk, image.lesion_id, "nv"),
        lambda: services.analysis.model_vs_pathology(desk),
        lambda: services.analysis.model_card(desk),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    denied = [
        e
        for e in _events(uow_factory, manager)
        if e.action == AuditAction.PERMISSION_DENIED and e.user_id == desk.user_id
    ]
    assert [e.detail for e in denied] == [
        "analysis.run:role",
        "analysis.run:role",
        "analysis.run:role",
        "pathology.record:role",
        "analysis.validation:role",
        "analysis.run:role",
    ]


def test_a_real_engine_result_is_stored_and_read_back_unchanged(
    uow_factory: SqlUnitOfWorkFactory,
    clock: StepClock,
    data_dir: Path,
    doctor: Actor,
    patient: PatientId,
    tmp_path: Path,
) -> None:
    from dermai_desktop.analysis import OnnxLesionAnalyzer
    from tests.shared_data import fullres_images

    real = _services(uow_factory, clock, data_dir, OnnxLesionAnalyzer())
    photo = fullres_images()[0]
    lesion = real.lesions.add(
        doctor,
        patient,
        LesionDraft("L9", "Back", BodyPoint(BodyView.BACK, 0.5, 0.5), date(2025, 11, 1)),
    )
    [imported] = real.images.import_files(
        doctor, lesion.id, [photo], Modality.DERMOSCOPIC_POLARISED
    )
    assert imported.image is not None
    try:
        result = real.analysis.analyze(doctor, imported.image.id)
    except AnalysisUnavailable as error:
        pytest.skip(f"the analysis models are not available here: {error.message}")
    assert real.analysis.results(doctor, imported.image.id) == [result]

"""AnalysisService on the fakes: analyse, keep every result, verdicts, pathology, refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import pytest

from dermai_desktop.domain.analysis import (
    CLASS_CODES,
    OTHER_PATHOLOGY,
    AnalysisOutcome,
    ClassProbability,
    Measurement,
    ModelIdentity,
    QualityCheck,
    QualityFinding,
    VerdictKind,
)
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import Calibration, CalibrationSource, LesionImage, Modality
from dermai_desktop.domain.lesions import BodyPoint, BodyView, Lesion, LesionDraft, LesionStatus
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.analysis_codec import (
    OutcomeFormatError,
    outcome_from_json,
    outcome_to_json,
)
from dermai_desktop.services.analysis_ports import AnalysisUnavailable
from tests.fakes_analysis import FAKE_MODEL_SHA
from tests.fakes_imaging import fake_image
from tests.unit.conftest import World, draft


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


def _import(world: World, lesion_id: LesionId, tag: str = "a") -> LesionImage:
    result = world.services.images.import_bytes(
        world.actors[Role.DERMATOLOGIST],
        lesion_id,
        fake_image(tag=tag),
        Modality.DERMOSCOPIC_POLARISED,
    )
    assert result.image is not None, result.message
    return result.image


@pytest.fixture
def image(world: World, lesion: Lesion) -> LesionImage:
    return _import(world, lesion.id)


def _derm(world: World) -> Actor:
    return world.actors[Role.DERMATOLOGIST]


# --- analysing ------------------------------------------------------------------------------


def test_analyze_stores_the_result_and_audits_it(world: World, image: LesionImage) -> None:
    result = world.services.analysis.analyze(_derm(world), image.id)

    assert result.image_id == image.id
    assert result.lesion_id == image.lesion_id
    assert result.patient_id == image.patient_id
    assert result.image_sha256 == image.sha256
    assert result.created_by == _derm(world).user_id
    assert result.outcome.classifier.sha256 == FAKE_MODEL_SHA
    assert world.services.analysis.results(_derm(world), image.id) == [result]
    event = world.db.events(AuditAction.CREATE)[-1]
    assert (event.entity_type, event.entity_id) == ("analysis", result.id)
    assert event.patient_id == image.patient_id
    assert event.detail == f"model={FAKE_MODEL_SHA[:8]} reliable=1"
    assert world.imaging.analyzer.calls == [("image/jpeg", None)]


def test_the_image_calibration_reaches_the_engine(world: World, image: LesionImage) -> None:
    derm = _derm(world)
    world.services.images.set_calibration(
        derm, image.id, Calibration(0.02, CalibrationSource.RULER), image.version
    )
    result = world.services.analysis.analyze(derm, image.id)
    assert world.imaging.analyzer.calls[-1] == ("image/jpeg", 0.02)
    diameter = result.outcome.measurement("diameter")
    assert diameter is not None
    assert diameter.value == pytest.approx(8.0)


def test_an_unreliable_result_is_audited_as_such(world: World, image: LesionImage) -> None:
    world.imaging.analyzer.reliable = False
    result = world.services.analysis.analyze(_derm(world), image.id)
    assert not result.outcome.reliable
    assert world.db.events(AuditAction.CREATE)[-1].detail.endswith("reliable=0")


def test_reanalysis_adds_a_result_and_never_replaces_one(world: World, image: LesionImage) -> None:
    derm = _derm(world)
    first = world.services.analysis.analyze(derm, image.id)
    world.clock.advance(60)
    world.imaging.analyzer.model_sha256 = "ab" * 32
    world.imaging.analyzer.model_version = "2.0.0"
    second = world.services.analysis.analyze(derm, image.id)

    assert world.services.analysis.results(derm, image.id) == [second, first]
    assert first.outcome.classifier.version == "1.0.0"
    assert second.outcome.classifier.version == "2.0.0"
    latest = world.services.analysis.latest_results(derm, image.lesion_id)
    assert latest == {image.id: second}


def test_models_unavailable_is_a_plain_error_and_stores_nothing(
    world: World, image: LesionImage
) -> None:
    world.imaging.analyzer.unavailable = True
    with pytest.raises(AnalysisUnavailable) as raised:
        world.services.analysis.analyze(_derm(world), image.id)
    assert "model" in raised.value.message
    assert world.services.analysis.results(_derm(world), image.id) == []
    assert world.db.events(AuditAction.CREATE)[-1].entity_type != "analysis"
    with pytest.raises(AnalysisUnavailable):
        world.services.analysis.model_card(_derm(world))


def test_an_unknown_image_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.analysis.analyze(_derm(world), ImageId("nope"))


def test_analyze_lesion_skips_what_cannot_be_read_and_reports_progress(
    world: World, lesion: Lesion
) -> None:
    derm = _derm(world)
    good = _import(world, lesion.id, "one")
    unreadable = _import(world, lesion.id, "two")
    missing = _import(world, lesion.id, "three")
    world.imaging.store.blobs[("image", unreadable.sha256)] = b"BAD pixels"
    del world.imaging.store.blobs[("image", missing.sha256)]
    progress: list[tuple[int, int]] = []

    results = world.services.analysis.analyze_lesion(
        derm, lesion.id, lambda done, total: progress.append((done, total))
    )

    assert [r.image_id for r in results] == [good.id]
    assert progress == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert set(world.services.analysis.latest_results(derm, lesion.id)) == {good.id}
    assert world.services.analysis.analyze_lesion(derm, _lesion(world, lesion.patient_id).id) == []


def test_analyze_visit_takes_every_lesions_photos_of_that_day_only(
    world: World, patient: PatientId, lesion: Lesion
) -> None:
    other = _lesion(world, patient, "L2")
    world.imaging.ingestor.captured_at = datetime(2025, 3, 1, 10, 0)
    old = _import(world, lesion.id, "march")
    world.imaging.ingestor.captured_at = datetime(2025, 9, 5, 9, 30)
    first = _import(world, lesion.id, "sept-l1")
    second = _import(world, other.id, "sept-l2")
    steps: list[tuple[int, int]] = []

    results = world.services.analysis.analyze_visit(
        _derm(world), patient, first.taken_on, progress=lambda d, t: steps.append((d, t))
    )

    assert {r.image_id for r in results} == {first.id, second.id}
    assert old.id not in {r.image_id for r in results}
    assert steps == [(0, 2), (1, 2), (2, 2)]
    with pytest.raises(PermissionDenied):
        world.services.analysis.analyze_visit(
            world.actors[Role.FRONT_DESK], patient, first.taken_on
        )


def test_analyze_lesion_stops_when_the_models_are_unavailable(world: World, lesion: Lesion) -> None:
    _import(world, lesion.id)
    world.imaging.analyzer.unavailable = True
    with pytest.raises(AnalysisUnavailable):
        world.services.analysis.analyze_lesion(_derm(world), lesion.id)


def test_the_model_card_is_for_clinicians_and_the_manager(world: World) -> None:
    card = world.services.analysis.model_card(_derm(world))
    assert card.classifier.sha256 == FAKE_MODEL_SHA
    assert world.services.analysis.model_card(world.actors[Role.MANAGER]) == card
    for role in (Role.FRONT_DESK, Role.IT_ADMIN):
        with pytest.raises(PermissionDenied):
            world.services.analysis.model_card(world.actors[role])
    assert world.db.events(AuditAction.PERMISSION_DENIED)[-1].detail == "analysis.run:role"


# --- verdicts -------------------------------------------------------------------------------


def test_a_verdict_is_stored_with_model_and_image_hashes_in_the_audit(
    world: World, image: LesionImage
) -> None:
    derm = _derm(world)
    result = world.services.analysis.analyze(derm, image.id)
    verdict = world.services.analysis.record_verdict(derm, result.id, VerdictKind.AGREE)

    assert verdict.kind is VerdictKind.AGREE
    assert verdict.recorded_by == derm.user_id
    assert world.services.analysis.verdicts(derm, result.id) == [verdict]
    event = world.db.events(AuditAction.CREATE)[-1]
    assert (event.entity_type, event.entity_id) == ("analysis_verdict", verdict.id)
    assert event.patient_id == image.patient_id
    assert event.detail == f"verdict=agree model={FAKE_MODEL_SHA[:8]} image={image.sha256[:8]}"


def test_a_later_verdict_supersedes_and_both_are_kept(world: World, image: LesionImage) -> None:
    derm = _derm(world)
    result = world.services.analysis.analyze(derm, image.id)
    first = world.services.analysis.record_verdict(derm, result.id, VerdictKind.AGREE)
    world.clock.advance(30)
    second = world.services.analysis.record_verdict(
        derm, result.id, VerdictKind("disagree"), "  Looks like a seborrhoeic keratosis.  "
    )
    assert second.impression == "Looks like a seborrhoeic keratosis."
    assert world.services.analysis.verdicts(derm, result.id) == [first, second]


def test_send_for_biopsy_puts_a_watched_lesion_on_biopsy_pending(
    world: World, lesion: Lesion, image: LesionImage
) -> None:
    derm = _derm(world)
    result = world.services.analysis.analyze(derm, image.id)
    assert world.services.lesions.get(derm, lesion.id).status is LesionStatus.WATCH

    world.services.analysis.record_verdict(derm, result.id, VerdictKind.BIOPSY)

    assert world.services.lesions.get(derm, lesion.id).status is LesionStatus.BIOPSY_PENDING
    event = world.db.events(AuditAction.UPDATE)[-1]
    assert (event.entity_type, event.entity_id) == ("lesion", lesion.id)
    assert event.detail == "status=biopsy_pending source=analysis_verdict"


def test_send_for_biopsy_leaves_a_closed_lesion_as_the_clinician_set_it(
    world: World, lesion: Lesion, image: LesionImage
) -> None:
    derm = _derm(world)
    benign = world.services.lesions.update(
        derm, lesion.id, replace(lesion.draft(), status=LesionStatus.BENIGN), lesion.version
    )
    result = world.services.analysis.analyze(derm, image.id)
    world.services.analysis.record_verdict(derm, result.id, VerdictKind.BIOPSY)
    assert world.services.lesions.get(derm, lesion.id).status is LesionStatus.BENIGN
    assert world.services.lesions.get(derm, lesion.id).version == benign.version


def test_disagreeing_needs_an_impression(world: World, image: LesionImage) -> None:
    derm = _derm(world)
    result = world.services.analysis.analyze(derm, image.id)
    with pytest.raises(ValidationFailed):
        world.services.analysis.record_verdict(derm, result.id, VerdictKind.DISAGREE, "  ")
    with pytest.raises(ValidationFailed):
        world.services.analysis.record_verdict(derm, result.id, VerdictKind.BIOPSY, "x" * 1001)
    assert world.services.analysis.verdicts(derm, result.id) == []


def test_a_verdict_on_an_unknown_result_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.analysis.record_verdict(_derm(world), "nope", VerdictKind.AGREE)
    with pytest.raises(NotFound):
        world.services.analysis.verdicts(_derm(world), "nope")


# --- pathology and the manager's table ------------------------------------------------------


def test_pathology_is_recorded_audited_and_the_latest_counts(world: World, lesion: Lesion) -> None:
    derm = _derm(world)
    assert world.services.analysis.pathology(derm, lesion.id) is None
    world.services.analysis.record_pathology(derm, lesion.id, "bkl", "  shave biopsy ")
    world.clock.advance(60)
    latest = world.services.analysis.record_pathology(derm, lesion.id, "mel")

    assert world.services.analysis.pathology(derm, lesion.id) == latest
    event = world.db.events(AuditAction.CREATE)[-1]
    assert (event.entity_type, event.entity_id) == ("lesion_pathology", latest.id)
    assert event.detail == f"lesion={lesion.id} diagnosis=mel"
    first = world.db.events(AuditAction.CREATE)[-2]
    assert first.detail.endswith("diagnosis=bkl")


def test_pathology_must_come_from_the_list(world: World, lesion: Lesion) -> None:
    with pytest.raises(ValidationFailed):
        world.services.analysis.record_pathology(_derm(world), lesion.id, "melanoma")
    with pytest.raises(NotFound):
        world.services.analysis.record_pathology(_derm(world), LesionId("nope"), "nv")


def test_model_vs_pathology_counts_each_lesion_once_with_its_result_before_pathology(
    world: World, patient: PatientId
) -> None:
    derm, manager = _derm(world), world.actors[Role.MANAGER]
    analyzer = world.imaging.analyzer
    # L1: analysed twice (nv, then mel) before pathology mel; a later bcc result must not count.
    one = _lesion(world, patient, "L1")
    one_a, one_b = _import(world, one.id, "1a"), _import(world, one.id, "1b")
    analyzer.top = "nv"
    world.services.analysis.analyze(derm, one_a.id)
    world.clock.advance(10)
    analyzer.top = "mel"
    world.services.analysis.analyze(derm, one_b.id)
    world.clock.advance(10)
    world.services.analysis.record_pathology(derm, one.id, "mel")
    world.clock.advance(10)
    analyzer.top = "bcc"
    world.services.analysis.analyze(derm, one_a.id)
    # L2: analysed nv, pathology came back as something else.
    two = _lesion(world, patient, "L2")
    analyzer.top = "nv"
    world.services.analysis.analyze(derm, _import(world, two.id, "2").id)
    world.clock.advance(10)
    world.services.analysis.record_pathology(derm, two.id, OTHER_PATHOLOGY)
    # L3: pathology but never analysed before it: left out.
    three = _lesion(world, patient, "L3")
    world.services.analysis.record_pathology(derm, three.id, "bcc")
    world.clock.advance(10)
    world.services.analysis.analyze(derm, _import(world, three.id, "3").id)
    # L4: analysed, no pathology: left out.
    four = _lesion(world, patient, "L4")
    world.services.analysis.analyze(derm, _import(world, four.id, "4").id)

    table = world.services.analysis.model_vs_pathology(manager)

    assert table.lesions == 2
    assert table.counts["mel"]["mel"] == 1
    assert table.counts[OTHER_PATHOLOGY]["nv"] == 1
    assert sum(sum(row.values()) for row in table.counts.values()) == 2
    assert set(table.counts) == {*CLASS_CODES, OTHER_PATHOLOGY}
    assert all(set(row) == set(CLASS_CODES) for row in table.counts.values())
    assert table.agreement() == pytest.approx(0.5)
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_type) == (AuditAction.VIEW, "analysis_validation")
    assert event.patient_id is None
    assert event.detail == "lesions=2"
    assert world.services.analysis.model_vs_pathology(derm).lesions == 2


def test_an_empty_table_has_no_agreement(world: World) -> None:
    table = world.services.analysis.model_vs_pathology(world.actors[Role.MANAGER])
    assert table.lesions == 0
    assert table.agreement() is None


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.IT_ADMIN, Role.MANAGER])
def test_only_dermatologists_analyse_and_record(
    world: World, image: LesionImage, role: Role
) -> None:
    derm, actor = _derm(world), world.actors[role]
    result = world.services.analysis.analyze(derm, image.id)
    calls: list[Callable[[], object]] = [
        lambda: world.services.analysis.analyze(actor, image.id),
        lambda: world.services.analysis.analyze_lesion(actor, image.lesion_id),
        lambda: world.services.analysis.results(actor, image.id),
        lambda: world.services.analysis.latest_results(actor, image.lesion_id),
        lambda: world.services.analysis.record_verdict(actor, result.id, VerdictKind.AGREE),
        lambda: world.services.analysis.verdicts(actor, result.id),
        lambda: world.services.analysis.record_pathology(actor, image.lesion_id, "nv"),
        lambda: world.services.analysis.pathology(actor, image.lesion_id),
    ]
    for call in calls:
        before = len(world.db.events(AuditAction.PERMISSION_DENIED))
        with pytest.raises(PermissionDenied):
            call()
        assert len(world.db.events(AuditAction.PERMISSION_DENIED)) == before + 1
    assert world.services.analysis.results(derm, image.id) == [result]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.IT_ADMIN])
def test_front_desk_and_it_never_see_the_validation_table(world: World, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        world.services.analysis.model_vs_pathology(world.actors[role])
    event = world.db.audit_events[-1]
    assert event.action == AuditAction.PERMISSION_DENIED
    assert event.detail == "analysis.validation:role"


# --- the stored JSON ------------------------------------------------------------------------


def _outcome() -> AnalysisOutcome:
    return AnalysisOutcome(
        classifier=ModelIdentity("dermai-classifier", "2027.01", "a" * 64),
        segmenter=ModelIdentity("dermai-segmenter", "2027.01", "b" * 64),
        probabilities=tuple(
            ClassProbability(code, p)
            for code, p in zip(
                CLASS_CODES, (0.1, 0.05, 0.2, 0.0123456789, 0.3, 0.3276543211, 0.01), strict=True
            )
        ),
        suspicion=0.45,
        uncertainty=1 / 3,
        low_confidence=True,
        measurements=(
            Measurement("asymmetry", "Asymmetry", 2.0, "2 axes", "Neither axis is symmetric."),
            Measurement("diameter", "Diameter", None, "not calibrated", "Needs a ruler."),
            Measurement("colours", "Colours", 4.0, "4 of 6 – ≥ «ü»", "Colours present."),
        ),
        quality=(
            QualityFinding(QualityCheck.BLUR, True, 152.25, 40.0, "Sharp enough."),
            QualityFinding(QualityCheck.LESION_CUT_OFF, False, 0.31, 0.05, "Lesion is cut off."),
        ),
        seconds=0.0123,
    )


def test_the_outcome_json_round_trips_exactly() -> None:
    outcome = _outcome()
    text = outcome_to_json(outcome)
    back = outcome_from_json(text)
    assert back == outcome
    assert not back.reliable
    assert outcome_to_json(back) == text


def test_a_damaged_or_unknown_outcome_is_refused() -> None:
    good = outcome_to_json(_outcome())
    for text in ("", "[]", "{}", good.replace('"format":1', '"format":99'), good[:-20]):
        with pytest.raises(OutcomeFormatError):
            outcome_from_json(text)

"""The demo's analysed lesions, on the fakes: results, verdicts, pathology, or a clean skip."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

from dermai_desktop.demo_analysis import PER_STATUS, DemoLesion, build_analyses
from dermai_desktop.domain.analysis import VerdictKind
from dermai_desktop.domain.imaging import Modality
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft, LesionStatus
from dermai_desktop.domain.roles import Role
from tests.fakes import T0
from tests.fakes_imaging import fake_image
from tests.unit.conftest import World, draft


def _lesions(world: World) -> list[DemoLesion]:
    derm = world.actors[Role.DERMATOLOGIST]
    patient = world.services.patients.register(world.actors[Role.FRONT_DESK], draft()).id
    made = []
    for number, status in enumerate([*LesionStatus, LesionStatus.EXCISED], start=1):
        lesion = world.services.lesions.add(
            derm,
            patient,
            LesionDraft(
                f"L{number}",
                "Back",
                BodyPoint(BodyView.BACK, 0.5, 0.5),
                date(2024, 1, 1),
                status=status,
            ),
        )
        for modality in (Modality.DERMOSCOPIC_POLARISED, Modality.CLINICAL_OVERVIEW):
            world.services.images.import_bytes(
                derm, lesion.id, fake_image(tag=f"{number}{modality.value}"), modality
            )
        made.append(DemoLesion(lesion.id, derm, status))
    return made


class _SharedClock:
    """The demo's ``clock.set`` moving the world's clock, as the seeding services share one."""

    def __init__(self, world: World) -> None:
        self._world = world

    def set(self, moment: datetime) -> None:
        self._world.clock.current = moment

    def now(self) -> datetime:
        return self._world.clock.current


def _builder(world: World) -> SimpleNamespace:
    commits: list[int] = []
    return SimpleNamespace(
        s=world.services,
        clock=_SharedClock(world),
        commit=lambda: commits.append(1),
        now=T0 + timedelta(days=3),
        commits=commits,
    )


def test_a_few_lesions_are_analysed_judged_and_the_excised_get_pathology(world: World) -> None:
    lesions = _lesions(world)
    builder = _builder(world)

    stats = build_analyses(builder, lesions)  # type: ignore[arg-type]

    chosen = [x for x in lesions if x.status in PER_STATUS]
    assert stats.results == stats.verdicts == len(chosen)
    assert stats.pathology == 2
    assert not stats.skipped
    assert builder.commits
    derm = world.actors[Role.DERMATOLOGIST]
    for lesion in chosen:
        [result] = world.services.analysis.latest_results(derm, lesion.lesion_id).values()
        [image] = [
            i
            for i in world.services.images.images(derm, lesion.lesion_id)
            if i.modality is Modality.DERMOSCOPIC_POLARISED
        ]
        assert result.image_id == image.id
        [verdict] = world.services.analysis.verdicts(derm, result.id)
        if lesion.status in {LesionStatus.EXCISED, LesionStatus.BIOPSY_PENDING}:
            assert verdict.kind is VerdictKind.BIOPSY
        pathology = world.services.analysis.pathology(derm, lesion.lesion_id)
        assert (pathology is not None) == (lesion.status is LesionStatus.EXCISED)
        if pathology is not None:
            assert result.created_at < pathology.recorded_at <= builder.now
    table = world.services.analysis.model_vs_pathology(world.actors[Role.MANAGER])
    assert table.lesions == 2


def test_without_the_models_the_demo_skips_analysis(world: World) -> None:
    lesions = _lesions(world)
    world.imaging.analyzer.unavailable = True
    stats = build_analyses(_builder(world), lesions)  # type: ignore[arg-type]
    assert (stats.results, stats.verdicts, stats.pathology) == (0, 0, 0)
    assert stats.skipped == "AnalysisUnavailable"


def test_nothing_is_dated_after_now(world: World) -> None:
    lesions = _lesions(world)
    builder = _builder(world)
    builder.now = world.clock.current + timedelta(hours=2)  # no fortnight to wait for pathology
    build_analyses(builder, lesions)  # type: ignore[arg-type]
    derm = world.actors[Role.DERMATOLOGIST]
    for lesion in lesions:
        pathology = world.services.analysis.pathology(derm, lesion.lesion_id)
        assert pathology is None or pathology.recorded_at <= builder.now
    assert world.clock.current <= builder.now

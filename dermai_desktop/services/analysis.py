"""Lesion analysis: run the on-device models on an image, keep every result, record verdicts.

Results are append-only: analysing again (or with a newer model) adds a
result, and the dermatologist's verdict is its own record pointing at one.
Each stored result carries the model name, version and SHA-256 and the
image's hash, so it can always be traced to exactly what produced it. When
pathology comes back for a biopsied lesion, the stored results can be
checked against it (``model_vs_pathology``: counts only, no patient data).

The models run outside any unit of work: the database is not held open
while the engine works, and a slow or failing analysis writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from dermai_desktop.domain.analysis import (
    CLASS_CODES,
    OTHER_PATHOLOGY,
    AnalysisResult,
    ModelVsPathology,
    PathologyResult,
    Verdict,
    VerdictKind,
)
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId, new_uuid7
from dermai_desktop.domain.lesions import LesionStatus
from dermai_desktop.domain.roles import Operation, is_allowed
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.analysis_ports import (
    ImageNotAnalysable,
    LesionAnalyzer,
    ModelCardSummary,
)
from dermai_desktop.services.imaging_export import load_image
from dermai_desktop.services.imaging_ports import ImageStore, ImageStoreError
from dermai_desktop.services.lesions import load_lesion
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def _short(sha256: str) -> str:
    return sha256[:8]


def load_result(uow: UnitOfWork, result_id: str) -> AnalysisResult:
    result = uow.analysis.get_result(result_id)
    if result is None:
        raise NotFound("That analysis result does not exist.")
    return result


def latest_before(results: list[AnalysisResult], moment: datetime) -> AnalysisResult | None:
    """The newest result made at or before ``moment`` (``results`` may be in any order)."""
    earlier = [r for r in results if r.created_at <= moment]
    return max(earlier, key=lambda r: (r.created_at, r.id), default=None)


class AnalysisService:
    """Dermatologists analyse images and record verdicts and pathology; each step is audited."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        store: ImageStore,
        analyzer: LesionAnalyzer,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._store = store
        self._analyzer = analyzer
        self._gate = Gatekeeper(uow_factory, clock)

    # --- the models ----------------------------------------------------------------------------

    def model_card(self, actor: Actor) -> ModelCardSummary:
        """The models' identity, intended use, limits and figures (from their cards)."""
        if not (
            is_allowed(actor.role, Operation.ANALYSIS_RUN)
            or is_allowed(actor.role, Operation.ANALYSIS_VALIDATION)
        ):
            self._gate.deny(actor, Operation.ANALYSIS_RUN, entity_type="analysis_model")
        return self._analyzer.card()

    # --- analysing -----------------------------------------------------------------------------

    def analyze(self, actor: Actor, image_id: ImageId) -> AnalysisResult:
        """Analyse one image and store the result; ``AnalysisUnavailable`` propagates."""
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis", entity_id=image_id
        )
        with self._uow_factory(actor) as uow:
            image = load_image(uow, image_id)
        data = self._store.get(image.sha256)
        mm_per_pixel = image.calibration.mm_per_pixel if image.calibration else None
        outcome = self._analyzer.analyze(data, image.media_type, mm_per_pixel)
        with self._uow_factory(actor) as uow:
            load_image(uow, image_id)  # still there after the (slow) analysis
            result = uow.analysis.add_result(
                AnalysisResult(
                    id=new_uuid7(),
                    image_id=image.id,
                    lesion_id=image.lesion_id,
                    patient_id=image.patient_id,
                    image_sha256=image.sha256,
                    outcome=outcome,
                    created_at=self._clock.now(),
                    created_by=actor.user_id,
                )
            )
            detail = f"model={_short(outcome.classifier.sha256)} reliable={int(outcome.reliable)}"
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="analysis",
                entity_id=result.id,
                patient_id=result.patient_id,
                detail=detail,
            )
            uow.commit()
        log.info("image analysed: image=%s result=%s", image.id, result.id)
        return result

    def analyze_lesion(
        self, actor: Actor, lesion_id: LesionId, progress: Progress | None = None
    ) -> list[AnalysisResult]:
        """Analyse every image of the lesion, oldest first; an unreadable image is skipped.

        ``progress(done, total)`` is called before the first image and after
        each one. ``AnalysisUnavailable`` stops the run (no image could be analysed).
        """
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis", entity_id=lesion_id
        )
        with self._uow_factory(actor) as uow:
            load_lesion(uow, lesion_id)
            images = uow.images.for_lesion(lesion_id)
        return self._analyze_each(actor, [image.id for image in images], progress)

    def analyze_visit(
        self, actor: Actor, patient_id: PatientId, day: date, progress: Progress | None = None
    ) -> list[AnalysisResult]:
        """Analyse every photo of the patient taken on ``day`` (one visit), all lesions."""
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis", patient_id=patient_id
        )
        with self._uow_factory(actor) as uow:
            images = [i for i in uow.images.for_patient(patient_id) if i.taken_on == day]
        images.sort(key=lambda image: (image.taken_on, image.imported_at))
        return self._analyze_each(actor, [image.id for image in images], progress)

    def _analyze_each(
        self, actor: Actor, image_ids: list[ImageId], progress: Progress | None
    ) -> list[AnalysisResult]:
        results: list[AnalysisResult] = []
        if progress is not None:
            progress(0, len(image_ids))
        for done, image_id in enumerate(image_ids, start=1):
            try:
                results.append(self.analyze(actor, image_id))
            except (ImageNotAnalysable, ImageStoreError, NotFound) as error:
                log.warning("analysis skipped: image=%s reason=%s", image_id, type(error).__name__)
            if progress is not None:
                progress(done, len(image_ids))
        return results

    # --- reading results -----------------------------------------------------------------------

    def results(self, actor: Actor, image_id: ImageId) -> list[AnalysisResult]:
        """Every stored analysis of the image, newest first."""
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis", entity_id=image_id
        )
        with self._uow_factory(actor) as uow:
            return uow.analysis.results_for_image(image_id)

    def latest_results(self, actor: Actor, lesion_id: LesionId) -> dict[ImageId, AnalysisResult]:
        """The newest result of each analysed image of the lesion."""
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis", entity_id=lesion_id
        )
        with self._uow_factory(actor) as uow:
            results = uow.analysis.results_for_lesion(lesion_id)
        latest: dict[ImageId, AnalysisResult] = {}
        for result in results:
            current = latest.get(result.image_id)
            if current is None or (result.created_at, result.id) > (current.created_at, current.id):
                latest[result.image_id] = result
        return latest

    # --- the clinician's verdict -----------------------------------------------------------------

    def record_verdict(
        self, actor: Actor, result_id: str, kind: VerdictKind, impression: str = ""
    ) -> Verdict:
        """Agree, disagree (with an impression) or send for biopsy; a later verdict supersedes."""
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis_verdict", entity_id=result_id
        )
        kind = VerdictKind(kind)
        text = Verdict.check(kind, impression)
        with self._uow_factory(actor) as uow:
            result = load_result(uow, result_id)
            verdict = uow.analysis.add_verdict(
                Verdict(
                    id=new_uuid7(),
                    result_id=result.id,
                    kind=kind,
                    impression=text,
                    recorded_at=self._clock.now(),
                    recorded_by=actor.user_id,
                )
            )
            detail = f"verdict={kind.value} model={_short(result.outcome.classifier.sha256)} "
            detail += f"image={_short(result.image_sha256)}"
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="analysis_verdict",
                entity_id=verdict.id,
                patient_id=result.patient_id,
                detail=detail,
            )
            if kind is VerdictKind.BIOPSY:
                self._mark_biopsy_pending(uow, actor, result.lesion_id)
            uow.commit()
        return verdict

    def _mark_biopsy_pending(self, uow: UnitOfWork, actor: Actor, lesion_id: LesionId) -> None:
        """Send for biopsy: a watched lesion goes on the biopsy-pending list, in the same commit."""
        lesion = uow.lesions.get(lesion_id)
        if lesion is None or lesion.status is not LesionStatus.WATCH:
            return  # already biopsied, excised or closed: the clinician's status stands
        changed = uow.lesions.update(
            replace(lesion, status=LesionStatus.BIOPSY_PENDING, updated_at=self._clock.now()),
            lesion.version,
        )
        audit(
            uow,
            self._clock,
            actor,
            AuditAction.UPDATE,
            entity_type="lesion",
            entity_id=changed.id,
            patient_id=changed.patient_id,
            detail="status=biopsy_pending source=analysis_verdict",
        )

    def verdicts(self, actor: Actor, result_id: str) -> list[Verdict]:
        """Oldest first; the last one is the current verdict."""
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="analysis_verdict", entity_id=result_id
        )
        with self._uow_factory(actor) as uow:
            load_result(uow, result_id)
            return uow.analysis.verdicts_for(result_id)

    # --- pathology and validation ----------------------------------------------------------------

    def record_pathology(
        self, actor: Actor, lesion_id: LesionId, diagnosis: str, note: str = ""
    ) -> PathologyResult:
        """The biopsy's diagnosis for the lesion; a later entry supersedes an earlier one."""
        self._gate.require(
            actor, Operation.PATHOLOGY_RECORD, entity_type="lesion_pathology", entity_id=lesion_id
        )
        diagnosis, text = PathologyResult.check(diagnosis, note)
        with self._uow_factory(actor) as uow:
            lesion = load_lesion(uow, lesion_id)
            pathology = uow.analysis.add_pathology(
                PathologyResult(
                    id=new_uuid7(),
                    lesion_id=lesion.id,
                    diagnosis=diagnosis,
                    note=text,
                    recorded_at=self._clock.now(),
                    recorded_by=actor.user_id,
                )
            )
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="lesion_pathology",
                entity_id=pathology.id,
                patient_id=lesion.patient_id,
                detail=f"lesion={lesion.id} diagnosis={diagnosis}",
            )
            uow.commit()
        return pathology

    def pathology(self, actor: Actor, lesion_id: LesionId) -> PathologyResult | None:
        self._gate.require(
            actor, Operation.ANALYSIS_RUN, entity_type="lesion_pathology", entity_id=lesion_id
        )
        with self._uow_factory(actor) as uow:
            return uow.analysis.pathology_for(lesion_id)

    def model_vs_pathology(self, actor: Actor) -> ModelVsPathology:
        """The model's top class against pathology, one count per biopsied lesion.

        Each lesion counts with its latest result made before the pathology was
        entered (a later result could have been influenced by it); lesions
        never analysed before their pathology are left out. Every row and
        column is present (zeros included) so the table has a fixed shape.
        """
        self._gate.require(actor, Operation.ANALYSIS_VALIDATION, entity_type="analysis_validation")
        counts = {row: dict.fromkeys(CLASS_CODES, 0) for row in (*CLASS_CODES, OTHER_PATHOLOGY)}
        lesions = 0
        with self._uow_factory(actor) as uow:
            for pathology in uow.analysis.all_pathology():
                result = latest_before(
                    uow.analysis.results_for_lesion(pathology.lesion_id), pathology.recorded_at
                )
                if result is None:
                    continue
                row = counts.setdefault(pathology.diagnosis, dict.fromkeys(CLASS_CODES, 0))
                top = result.outcome.top.code
                row[top] = row.get(top, 0) + 1
                lesions += 1
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="analysis_validation",
                detail=f"lesions={lesions}",
            )
            uow.commit()
        return ModelVsPathology(counts=counts, lesions=lesions)


__all__ = ["AnalysisService", "latest_before", "load_result"]

"""SQL implementation of ``AnalysisRepository``: insert and read only, never update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dermai_desktop.domain.analysis import AnalysisResult, PathologyResult, Verdict, VerdictKind
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.services.analysis_codec import outcome_from_json, outcome_to_json
from dermai_desktop.storage.records_analysis import (
    AnalysisResultRecord,
    AnalysisVerdictRecord,
    LesionPathologyRecord,
)
from dermai_desktop.storage.records_imaging import LesionRecord

Now = Callable[[], datetime]


def _result(r: AnalysisResultRecord) -> AnalysisResult:
    return AnalysisResult(
        id=r.id,
        image_id=ImageId(r.image_id),
        lesion_id=LesionId(r.lesion_id),
        patient_id=PatientId(r.patient_id),
        image_sha256=r.image_sha256,
        outcome=outcome_from_json(r.outcome),
        created_at=r.created_at,
        created_by=r.created_by or "",
    )


def _verdict(r: AnalysisVerdictRecord) -> Verdict:
    return Verdict(
        id=r.id,
        result_id=r.result_id,
        kind=VerdictKind(r.kind),
        impression=r.impression,
        recorded_at=r.created_at,
        recorded_by=r.created_by or "",
    )


def _pathology(r: LesionPathologyRecord) -> PathologyResult:
    return PathologyResult(
        id=r.id,
        lesion_id=LesionId(r.lesion_id),
        diagnosis=r.diagnosis,
        note=r.note,
        recorded_at=r.created_at,
        recorded_by=r.created_by or "",
    )


def _stamps(at: datetime) -> dict[str, Any]:
    return {"created_at": at, "updated_at": at}


class SqlAnalysisRepository:
    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    # --- results -----------------------------------------------------------------------------

    def add_result(self, result: AnalysisResult) -> AnalysisResult:
        outcome = result.outcome
        record = AnalysisResultRecord(
            id=result.id,
            **_stamps(result.created_at),
            image_id=result.image_id,
            lesion_id=result.lesion_id,
            patient_id=result.patient_id,
            image_sha256=result.image_sha256,
            model_name=outcome.classifier.name,
            model_version=outcome.classifier.version,
            model_sha256=outcome.classifier.sha256,
            segmenter_sha256=outcome.segmenter.sha256,
            top_class=outcome.top.code,
            suspicion=outcome.suspicion,
            reliable=outcome.reliable,
            outcome=outcome_to_json(outcome),
            created_by=result.created_by or None,
        )
        self._session.add(record)
        self._session.flush()
        return _result(record)

    def _results(self, *where: Any) -> list[AnalysisResult]:
        rows = self._session.scalars(
            select(AnalysisResultRecord)
            .where(*where, AnalysisResultRecord.deleted_at.is_(None))
            .order_by(AnalysisResultRecord.created_at.desc(), AnalysisResultRecord.id.desc())
        )
        return [_result(r) for r in rows]

    def results_for_image(self, image_id: ImageId) -> list[AnalysisResult]:
        return self._results(AnalysisResultRecord.image_id == image_id)

    def results_for_lesion(self, lesion_id: LesionId) -> list[AnalysisResult]:
        return self._results(AnalysisResultRecord.lesion_id == lesion_id)

    def get_result(self, result_id: str) -> AnalysisResult | None:
        record = self._session.get(AnalysisResultRecord, result_id)
        return None if record is None or record.deleted_at is not None else _result(record)

    # --- verdicts ----------------------------------------------------------------------------

    def add_verdict(self, verdict: Verdict) -> Verdict:
        result = self._session.get(AnalysisResultRecord, verdict.result_id)
        if result is None:
            raise LookupError("verdict on an unknown analysis result")
        # The model and image hashes are copied so the verdict row alone says what it judged.
        record = AnalysisVerdictRecord(
            id=verdict.id,
            **_stamps(verdict.recorded_at),
            result_id=verdict.result_id,
            patient_id=result.patient_id,
            kind=verdict.kind.value,
            impression=verdict.impression,
            model_sha256=result.model_sha256,
            image_sha256=result.image_sha256,
            created_by=verdict.recorded_by or None,
        )
        self._session.add(record)
        self._session.flush()
        return _verdict(record)

    def verdicts_for(self, result_id: str) -> list[Verdict]:
        rows = self._session.scalars(
            select(AnalysisVerdictRecord)
            .where(
                AnalysisVerdictRecord.result_id == result_id,
                AnalysisVerdictRecord.deleted_at.is_(None),
            )
            .order_by(AnalysisVerdictRecord.created_at, AnalysisVerdictRecord.id)
        )
        return [_verdict(r) for r in rows]

    # --- pathology ---------------------------------------------------------------------------

    def add_pathology(self, pathology: PathologyResult) -> PathologyResult:
        lesion = self._session.get(LesionRecord, pathology.lesion_id)
        if lesion is None:
            raise LookupError("pathology on an unknown lesion")
        record = LesionPathologyRecord(
            id=pathology.id,
            **_stamps(pathology.recorded_at),
            lesion_id=pathology.lesion_id,
            patient_id=lesion.patient_id,
            diagnosis=pathology.diagnosis,
            note=pathology.note,
            created_by=pathology.recorded_by or None,
        )
        self._session.add(record)
        self._session.flush()
        return _pathology(record)

    def _pathology_rows(self, *where: Any) -> list[LesionPathologyRecord]:
        return list(
            self._session.scalars(
                select(LesionPathologyRecord)
                .where(*where, LesionPathologyRecord.deleted_at.is_(None))
                .order_by(LesionPathologyRecord.created_at, LesionPathologyRecord.id)
            )
        )

    def pathology_for(self, lesion_id: LesionId) -> PathologyResult | None:
        rows = self._pathology_rows(LesionPathologyRecord.lesion_id == lesion_id)
        return _pathology(rows[-1]) if rows else None

    def all_pathology(self) -> list[PathologyResult]:
        latest: dict[str, LesionPathologyRecord] = {}
        for row in self._pathology_rows():  # oldest first: the last one per lesion wins
            latest[row.lesion_id] = row
        return [_pathology(r) for r in latest.values()]


__all__ = ["SqlAnalysisRepository"]

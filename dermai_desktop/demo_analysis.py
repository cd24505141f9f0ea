"""A few analysed lesions for the demo clinic: results, verdicts and pathology.

After the demo lesions are photographed (``demo_lesions``), the newest
dermoscopic image of a handful of them is analysed by the real on-device
engine, the dermatologist records a verdict on most, and the excised ones
get their pathology a couple of weeks later - so the viewer shows stored
results and the manager's "model vs pathology" table is not empty. Without
the models (not installed, or changed) this step is skipped and logged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dermai_desktop.domain.analysis import VerdictKind
from dermai_desktop.domain.imaging import Modality
from dermai_desktop.domain.lesions import LesionStatus
from dermai_desktop.services.analysis_ports import AnalysisUnavailable, ImageNotAnalysable

if TYPE_CHECKING:
    from dermai_desktop.demo_practice import PracticeBuilder
    from dermai_desktop.domain.ids import LesionId
    from dermai_desktop.domain.users import Actor

log = logging.getLogger(__name__)

#: How many lesions of each status are analysed (a few seconds of engine time at most).
PER_STATUS = {
    LesionStatus.EXCISED: 3,
    LesionStatus.BIOPSY_PENDING: 2,
    LesionStatus.WATCH: 3,
    LesionStatus.BENIGN: 1,
}
#: The excised demo lesions are dysplastic naevi (see ``demo_lesions.IMPRESSIONS``).
EXCISED_PATHOLOGY = "nv"
DEMO_DISAGREEMENT = "Regular network and symmetric; I read this as a benign naevus."


@dataclass(frozen=True, slots=True)
class DemoLesion:
    lesion_id: LesionId
    dermatologist: Actor
    status: LesionStatus


@dataclass
class AnalysisStats:
    results: int = 0
    verdicts: int = 0
    pathology: int = 0
    seconds: float = 0.0
    skipped: str = ""


def build_analyses(builder: PracticeBuilder, lesions: list[DemoLesion]) -> AnalysisStats:
    """Analyse, judge and (for excised lesions) add pathology to a few ``lesions``."""
    started = time.perf_counter()
    stats = AnalysisStats()
    chosen = _choose(lesions)
    try:
        for index, lesion in enumerate(chosen):
            _analyse(builder, lesion, stats, index)
    except AnalysisUnavailable as error:
        stats.skipped = type(error).__name__
        log.warning("demo analyses skipped: the analysis models are not available")
    builder.commit()
    stats.seconds = time.perf_counter() - started
    log.info(
        "demo analyses: %d results, %d verdicts, %d pathology in %.1f s",
        stats.results,
        stats.verdicts,
        stats.pathology,
        stats.seconds,
    )
    return stats


def _choose(lesions: list[DemoLesion]) -> list[DemoLesion]:
    chosen: list[DemoLesion] = []
    for status, count in PER_STATUS.items():
        chosen.extend([x for x in lesions if x.status is status][:count])
    return chosen


def _analyse(
    builder: PracticeBuilder, lesion: DemoLesion, stats: AnalysisStats, index: int
) -> None:
    derm = lesion.dermatologist
    services = builder.s
    images = [
        image
        for image in services.images.images(derm, lesion.lesion_id)
        if image.modality is not Modality.CLINICAL_OVERVIEW
    ]
    if not images:  # pragma: no cover - every demo lesion has a dermoscopic photo
        return
    latest = images[-1]
    seen_at = (latest.captured_at or latest.imported_at) + timedelta(minutes=8)
    builder.clock.set(_not_after(seen_at, builder.now))
    try:
        result = services.analysis.analyze(derm, latest.id)
    except ImageNotAnalysable:  # pragma: no cover - our own pictures are always readable
        log.warning("demo analysis skipped: image=%s", latest.id)
        return
    stats.results += 1
    builder.clock.set(_not_after(seen_at + timedelta(minutes=2), builder.now))
    if lesion.status in {LesionStatus.EXCISED, LesionStatus.BIOPSY_PENDING}:
        services.analysis.record_verdict(derm, result.id, VerdictKind.BIOPSY)
    elif index % 2 == 0:
        services.analysis.record_verdict(derm, result.id, VerdictKind.AGREE)
    else:
        services.analysis.record_verdict(derm, result.id, VerdictKind.DISAGREE, DEMO_DISAGREEMENT)
    stats.verdicts += 1
    if lesion.status is LesionStatus.EXCISED:
        # Histology comes back a fortnight after the excision (never in the future).
        reported = max(
            _not_after(seen_at + timedelta(days=14), builder.now - timedelta(hours=1)),
            seen_at + timedelta(minutes=3),
        )
        builder.clock.set(reported)
        services.analysis.record_pathology(
            derm, lesion.lesion_id, EXCISED_PATHOLOGY, "Compound dysplastic naevus, margins clear."
        )
        stats.pathology += 1


def _not_after(moment: datetime, limit: datetime) -> datetime:
    return min(moment, limit)


__all__ = ["AnalysisStats", "DemoLesion", "build_analyses"]

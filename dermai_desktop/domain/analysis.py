"""On-device lesion analysis: what the models said about one image, and what the clinician decided.

The analysis supports a dermatologist; it never diagnoses. A result is
stored exactly as produced (model name, version and SHA-256, image hash) and
never edited: analysing again, or with a newer model, adds a result. The
dermatologist's verdict and, later, the biopsy's pathology are separate
records pointing at it, so the model can be checked against pathology.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId, LesionId, PatientId

#: The seven HAM10000 classes, in the models' output order.
CLASS_CODES: tuple[str, ...] = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
CLASS_LABELS: dict[str, str] = {
    "akiec": "Actinic keratosis / intraepithelial carcinoma",
    "bcc": "Basal cell carcinoma",
    "bkl": "Benign keratosis-like lesion",
    "df": "Dermatofibroma",
    "mel": "Melanoma",
    "nv": "Melanocytic naevus",
    "vasc": "Vascular lesion",
}
MALIGNANT_CODES: frozenset[str] = frozenset({"mel", "bcc", "akiec"})
#: Pathology can also come back as something outside the model's classes.
OTHER_PATHOLOGY = "other"

DISCLAIMER = (
    "Decision support for clinicians, not a diagnosis. Trained on HAM10000 dermoscopy images "
    "(lighter skin types over-represented); unreliable on clinical photos and poor images."
)


class QualityCheck(StrEnum):
    BLUR = "blur"
    UNDEREXPOSED = "underexposed"
    OVEREXPOSED = "overexposed"
    NO_LESION = "no_lesion"
    LESION_TOO_SMALL = "lesion_too_small"
    LESION_CUT_OFF = "lesion_cut_off"
    NOT_DERMOSCOPIC = "not_dermoscopic"


@dataclass(frozen=True, slots=True)
class QualityFinding:
    """One image-quality check: its measured value, the limit, and a plain sentence."""

    check: QualityCheck
    passed: bool
    value: float
    limit: float
    message: str


@dataclass(frozen=True, slots=True)
class ClassProbability:
    code: str
    probability: float

    @property
    def label(self) -> str:
        return CLASS_LABELS.get(self.code, self.code)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured feature, with a one-line explanation shown beside it in the UI."""

    key: str  # "asymmetry", "border", "colours", "diameter", "structures", "tds"
    label: str
    value: float | None  # None when it cannot be measured (e.g. diameter without calibration)
    display: str  # e.g. "2 axes", "6.2 mm", "4 of 6"
    explanation: str


@dataclass(frozen=True, slots=True)
class ModelIdentity:
    name: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class AnalysisOutcome:
    """What the engine produced for one image (before it is stored)."""

    classifier: ModelIdentity
    segmenter: ModelIdentity
    probabilities: tuple[ClassProbability, ...]  # calibrated, in CLASS_CODES order
    suspicion: float  # summed probability of the malignant classes, 0..1
    uncertainty: float  # 0 (certain) .. 1 (no idea): normalised entropy or TTA disagreement
    low_confidence: bool
    measurements: tuple[Measurement, ...]
    quality: tuple[QualityFinding, ...]
    seconds: float = 0.0

    def __post_init__(self) -> None:
        total = sum(p.probability for p in self.probabilities)
        if self.probabilities and not math.isclose(total, 1.0, abs_tol=1e-3):
            raise ValueError("class probabilities must sum to 1")

    @property
    def reliable(self) -> bool:
        """False when any image-quality check failed: the result is then marked unreliable."""
        return all(finding.passed for finding in self.quality)

    @property
    def top(self) -> ClassProbability:
        return max(self.probabilities, key=lambda p: p.probability)

    def measurement(self, key: str) -> Measurement | None:
        return next((m for m in self.measurements if m.key == key), None)


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """A stored analysis of one image; never edited."""

    id: str
    image_id: ImageId
    lesion_id: LesionId
    patient_id: PatientId
    image_sha256: str
    outcome: AnalysisOutcome
    created_at: datetime
    created_by: str  # user id


class VerdictKind(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"  # with the clinician's own impression
    BIOPSY = "biopsy"  # send for biopsy

    @property
    def label(self) -> str:
        return {
            VerdictKind.AGREE: "Agree",
            VerdictKind.DISAGREE: "Disagree",
            VerdictKind.BIOPSY: "Send for biopsy",
        }[self]


MAX_IMPRESSION = 1000


@dataclass(frozen=True, slots=True)
class Verdict:
    id: str
    result_id: str
    kind: VerdictKind
    impression: str  # required when disagreeing: the clinician's own impression
    recorded_at: datetime
    recorded_by: str

    @staticmethod
    def check(kind: VerdictKind, impression: str) -> str:
        text = impression.strip()
        if kind is VerdictKind.DISAGREE and not text:
            raise ValidationFailed("When you disagree, write your own impression.")
        if len(text) > MAX_IMPRESSION:
            raise ValidationFailed(f"Keep the impression under {MAX_IMPRESSION} characters.")
        return text


@dataclass(frozen=True, slots=True)
class PathologyResult:
    """The biopsy's diagnosis for a lesion, mapped to the model's classes (or "other")."""

    id: str
    lesion_id: LesionId
    diagnosis: str  # one of CLASS_CODES or OTHER_PATHOLOGY
    note: str
    recorded_at: datetime
    recorded_by: str

    @staticmethod
    def check(diagnosis: str, note: str) -> tuple[str, str]:
        if diagnosis not in CLASS_CODES and diagnosis != OTHER_PATHOLOGY:
            raise ValidationFailed("Choose the pathology diagnosis from the list.")
        text = note.strip()
        if len(text) > MAX_IMPRESSION:
            raise ValidationFailed(f"Keep the pathology note under {MAX_IMPRESSION} characters.")
        return diagnosis, text


@dataclass(frozen=True, slots=True)
class ModelVsPathology:
    """Counts of the model's top class against pathology, for lesions with a biopsy result.

    ``counts[pathology][model_top]``; each biopsied lesion counts once, with
    its latest analysis made before the pathology was entered.
    """

    counts: dict[str, dict[str, int]]
    lesions: int

    def agreement(self) -> float | None:
        if self.lesions == 0:
            return None
        same = sum(self.counts.get(code, {}).get(code, 0) for code in CLASS_CODES)
        return same / self.lesions


__all__ = [
    "CLASS_CODES",
    "CLASS_LABELS",
    "DISCLAIMER",
    "MALIGNANT_CODES",
    "OTHER_PATHOLOGY",
    "AnalysisOutcome",
    "AnalysisResult",
    "ClassProbability",
    "Measurement",
    "ModelIdentity",
    "ModelVsPathology",
    "PathologyResult",
    "QualityCheck",
    "QualityFinding",
    "Verdict",
    "VerdictKind",
]

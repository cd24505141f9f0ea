"""JSON form of an ``AnalysisOutcome``, as stored with each analysis result.

The stored text is the record of what the model said, so it is written with
a format number and read back exactly (floats round-trip through JSON's
shortest repr). Unknown keys are ignored so a newer app's rows still read.
"""

from __future__ import annotations

import json
from typing import Any

from dermai_desktop.domain.analysis import (
    AnalysisOutcome,
    ClassProbability,
    Measurement,
    ModelIdentity,
    QualityCheck,
    QualityFinding,
)

FORMAT = 1


class OutcomeFormatError(ValueError):
    """The stored outcome is not one this version can read (a bug or a damaged row)."""


def _model(identity: ModelIdentity) -> dict[str, str]:
    return {"name": identity.name, "version": identity.version, "sha256": identity.sha256}


def outcome_to_json(outcome: AnalysisOutcome) -> str:
    document: dict[str, Any] = {
        "format": FORMAT,
        "classifier": _model(outcome.classifier),
        "segmenter": _model(outcome.segmenter),
        "probabilities": [[p.code, p.probability] for p in outcome.probabilities],
        "suspicion": outcome.suspicion,
        "uncertainty": outcome.uncertainty,
        "low_confidence": outcome.low_confidence,
        "measurements": [
            {
                "key": m.key,
                "label": m.label,
                "value": m.value,
                "display": m.display,
                "explanation": m.explanation,
            }
            for m in outcome.measurements
        ],
        "quality": [
            {
                "check": q.check.value,
                "passed": q.passed,
                "value": q.value,
                "limit": q.limit,
                "message": q.message,
            }
            for q in outcome.quality
        ],
        "seconds": outcome.seconds,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _identity(data: dict[str, Any]) -> ModelIdentity:
    return ModelIdentity(str(data["name"]), str(data["version"]), str(data["sha256"]))


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def outcome_from_json(text: str) -> AnalysisOutcome:
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise OutcomeFormatError(f"unknown analysis outcome format {data.get('format')!r}")
        return AnalysisOutcome(
            classifier=_identity(data["classifier"]),
            segmenter=_identity(data["segmenter"]),
            probabilities=tuple(
                ClassProbability(str(code), float(p)) for code, p in data["probabilities"]
            ),
            suspicion=float(data["suspicion"]),
            uncertainty=float(data["uncertainty"]),
            low_confidence=bool(data["low_confidence"]),
            measurements=tuple(
                Measurement(
                    key=str(m["key"]),
                    label=str(m["label"]),
                    value=_optional_float(m["value"]),
                    display=str(m["display"]),
                    explanation=str(m["explanation"]),
                )
                for m in data["measurements"]
            ),
            quality=tuple(
                QualityFinding(
                    check=QualityCheck(q["check"]),
                    passed=bool(q["passed"]),
                    value=float(q["value"]),
                    limit=float(q["limit"]),
                    message=str(q["message"]),
                )
                for q in data["quality"]
            ),
            seconds=float(data.get("seconds", 0.0)),
        )
    except OutcomeFormatError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise OutcomeFormatError("damaged analysis outcome") from error


__all__ = ["OutcomeFormatError", "outcome_from_json", "outcome_to_json"]

"""``dermai-desktop analyze IMAGE... [--json] [--mm-per-pixel X]``: the engine without the GUI.

For IT and validation: no clinic or database is opened. Each image gets a
readable summary (or one JSON object per line); a file that cannot be read or
analysed gets one plain line and makes the exit code 2, and the others are
still analysed. Missing or changed models raise ``AnalysisUnavailable``, which
the main CLI reports as an expected problem.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from dermai_desktop.analysis.engine import OnnxLesionAnalyzer
from dermai_desktop.domain.analysis import DISCLAIMER, AnalysisOutcome
from dermai_desktop.services.analysis_codec import outcome_to_json
from dermai_desktop.services.analysis_ports import ImageNotAnalysable

EXIT_OK = 0
EXIT_BAD_FILE = 2
_MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


def run_analyze(
    files: Sequence[Path],
    *,
    as_json: bool,
    mm_per_pixel: float | None,
    out: TextIO,
    err: TextIO,
    analyzer: OnnxLesionAnalyzer | None = None,
) -> int:
    engine = analyzer or OnnxLesionAnalyzer()
    status = EXIT_OK
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            status = _report_bad(path, "The file could not be read.", as_json, out, err)
            continue
        media_type = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        try:
            outcome = engine.analyze(data, media_type, mm_per_pixel)
        except ImageNotAnalysable as exc:
            status = _report_bad(path, exc.message, as_json, out, err)
            continue
        if as_json:
            document = {"file": str(path), "reliable": outcome.reliable, "top": outcome.top.code}
            document.update(json.loads(outcome_to_json(outcome)))
            out.write(json.dumps(document) + "\n")
        else:
            out.write(summary(path.name, outcome) + "\n")
        out.flush()
    return status


def _report_bad(path: Path, message: str, as_json: bool, out: TextIO, err: TextIO) -> int:
    if as_json:
        out.write(json.dumps({"file": str(path), "error": message}) + "\n")
    err.write(f"{path}: {message}\n")
    return EXIT_BAD_FILE


def summary(name: str, outcome: AnalysisOutcome) -> str:
    """The readable report of one image."""
    ranked = sorted(outcome.probabilities, key=lambda p: -p.probability)
    top = ranked[0]
    lines = [
        f"{name}",
        f"  Most likely:  {top.label} ({top.code}) {top.probability:.1%}"
        + ("  [low confidence]" if outcome.low_confidence else ""),
        f"  Suspicion (mel+bcc+akiec): {outcome.suspicion:.1%}   "
        f"uncertainty {outcome.uncertainty:.2f}",
        "  Probabilities: " + ", ".join(f"{p.code} {p.probability:.1%}" for p in ranked),
    ]
    failed = [f for f in outcome.quality if not f.passed]
    if failed:
        lines.append("  UNRELIABLE - image quality:")
        lines.extend(f"    - {f.message}" for f in failed)
    else:
        lines.append("  Image quality: all checks passed.")
    lines.append("  Measurements:")
    lines.extend(f"    {m.label}: {m.display}. {m.explanation}" for m in outcome.measurements)
    lines.append(
        f"  Models: {outcome.classifier.name} {outcome.classifier.version} "
        f"({outcome.classifier.sha256[:12]}), {outcome.segmenter.name} "
        f"{outcome.segmenter.version} ({outcome.segmenter.sha256[:12]}); "
        f"{outcome.seconds * 1000:.0f} ms"
    )
    lines.append(f"  {DISCLAIMER}")
    return "\n".join(lines)

"""Image-quality checks run before any analysis; a failed check marks the result unreliable.

Each check measures one number on a fixed-size copy of the image (or on the
lesion mask) and compares it with a limit. The limits were set on HAM10000
(the 24 full-resolution demo images and every 10th of the 200 x 150 images)
and on deliberately degraded copies; the figures are in the comments. They are
conservative: a check fires on clearly poor images only, because HAM10000
itself holds many soft-focus images that the classifier was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from dermai_desktop.domain.analysis import QualityCheck, QualityFinding

#: Blur, exposure and colour are measured on the image squashed to this size, so the figures do
#: not depend on the camera's resolution.
FIXED_SIZE = (128, 96)

# Variance of the Laplacian (grey levels^2) at FIXED_SIZE. HAM10000 600 x 450: min 27; 200 x 150:
# min 9.6 (1st percentile 14); a 600 x 450 image blurred with a Gaussian of radius 4 px: median
# 9.7, radius 8 px: under 3.
BLUR_LIMIT = 6.0
# Mean grey level of the brightest 5 % of pixels: even dark dermoscopy images have bright skin.
# HAM10000 min 137; our darkest synthetic skin (Fitzpatrick VI) 63; at 15 % brightness < 40.
DARK_LIMIT = 45.0
# Share of pixels at 250+ in all three channels (blown-out highlights). HAM10000 max 0.08.
CLIPPED_LIMIT = 0.25
# Lesion area as a share of the image. HAM10000 ground-truth masks: min 0.006, 0.5th pct 0.012.
NOT_FOUND_LIMIT = 0.001
TOO_SMALL_LIMIT = 0.005
# Share of the lesion's outline that is the picture's edge (a lesion cut in half: about 0.4).
# HAM10000 masks: 90th percentile 0.15, 95th 0.59; 6.5 % of them exceed 0.3, lesions larger
# than the dermoscope's field, which this check reports.
CUT_OFF_LIMIT = 0.3
# Not dermoscopic: NO dark vignette AND an average colour far from dermoscopy images.
VIGNETTE_LIMIT = 0.75  # corners darker than this share of the centre's brightness = vignette
# Chromaticity (r, g shares of the centre's mean colour) of HAM10000 images: mean and spread.
# 0.5 % of HAM10000 images lie beyond 4 spreads; the limit is 5.
_CHROMA_MEAN = np.array([0.443, 0.275], dtype=np.float32)
_CHROMA_STD = np.array([0.060, 0.030], dtype=np.float32)
COLOUR_LIMIT = 5.0


@dataclass(frozen=True, slots=True)
class ImageStats:
    sharpness: float
    bright_level: float
    clipped: float
    vignette: float  # corner brightness / centre brightness
    colour_distance: float


def _laplacian_variance(grey: np.ndarray) -> float:
    lap = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    return float(lap.var())


def image_stats(image: Image.Image) -> ImageStats:
    small = np.asarray(image.resize(FIXED_SIZE, Image.Resampling.BILINEAR), dtype=np.float32)
    grey = small @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    height, width = grey.shape
    ch, cw = height // 6, width // 6
    corners = np.concatenate(
        [grey[:ch, :cw], grey[:ch, -cw:], grey[-ch:, :cw], grey[-ch:, -cw:]], axis=None
    )
    inner = (slice(height // 4, height - height // 4), slice(width // 4, width - width // 4))
    centre = float(grey[inner].mean())
    mean_rgb = small[inner].reshape(-1, 3).mean(axis=0)
    chroma = mean_rgb[:2] / max(float(mean_rgb.sum()), 1.0)
    if mean_rgb.sum() < 1.0:  # a black centre has no colour: call it far from dermoscopy
        chroma = np.zeros(2, dtype=np.float32)
    distance = float(np.sqrt((((chroma - _CHROMA_MEAN) / _CHROMA_STD) ** 2).sum()))
    bright = np.sort(grey, axis=None)[int(grey.size * 0.95) :]
    return ImageStats(
        sharpness=_laplacian_variance(grey),
        bright_level=float(bright.mean()),
        clipped=float((small.min(axis=2) >= 250).mean()),
        vignette=float(corners.mean()) / max(centre, 1.0),
        colour_distance=distance,
    )


def outline_on_edge(mask: np.ndarray) -> float:
    """Share of the lesion's outline pixels that lie on the picture's edge."""
    padded = np.pad(mask, 1)
    inner = padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1]
    inner &= padded[1:-1, :-2] & padded[1:-1, 2:]
    outline = mask & ~inner
    total = int(outline.sum())
    if total == 0:
        return 0.0
    on_edge = int(outline[0].sum() + outline[-1].sum() + outline[1:-1, 0].sum())
    on_edge += int(outline[1:-1, -1].sum())
    return on_edge / total


def _finding(
    check: QualityCheck, failed: bool, value: float, limit: float, message: str
) -> QualityFinding:
    return QualityFinding(check, not failed, round(value, 4), limit, message)


def image_findings(stats: ImageStats) -> list[QualityFinding]:
    """Checks on the pixels alone (before segmentation)."""
    dermoscopic_colour = stats.colour_distance <= COLOUR_LIMIT
    vignette = stats.vignette < VIGNETTE_LIMIT
    not_dermoscopic = not vignette and not dermoscopic_colour
    return [
        _finding(
            QualityCheck.BLUR,
            stats.sharpness < BLUR_LIMIT,
            stats.sharpness,
            BLUR_LIMIT,
            f"Image is blurred (sharpness {stats.sharpness:.1f}, needs {BLUR_LIMIT:.0f} or more)."
            if stats.sharpness < BLUR_LIMIT
            else f"Sharp enough (sharpness {stats.sharpness:.1f}, limit {BLUR_LIMIT:.0f}).",
        ),
        _finding(
            QualityCheck.UNDEREXPOSED,
            stats.bright_level < DARK_LIMIT,
            stats.bright_level,
            DARK_LIMIT,
            f"Image is too dark (brightest parts at {stats.bright_level:.0f} of 255, "
            f"needs {DARK_LIMIT:.0f})."
            if stats.bright_level < DARK_LIMIT
            else f"Exposure is bright enough ({stats.bright_level:.0f} of 255).",
        ),
        _finding(
            QualityCheck.OVEREXPOSED,
            stats.clipped > CLIPPED_LIMIT,
            stats.clipped,
            CLIPPED_LIMIT,
            f"Image is over-exposed ({stats.clipped:.0%} of it is blown-out white, "
            f"limit {CLIPPED_LIMIT:.0%})."
            if stats.clipped > CLIPPED_LIMIT
            else f"No large blown-out areas ({stats.clipped:.0%} white).",
        ),
        _finding(
            QualityCheck.NOT_DERMOSCOPIC,
            not_dermoscopic,
            stats.colour_distance,
            COLOUR_LIMIT,
            "Does not look like a dermoscopy image (no dermoscope field and unusual colours "
            f"{stats.colour_distance:.1f}, limit {COLOUR_LIMIT:.0f}); the model was trained "
            "on dermoscopy only."
            if not_dermoscopic
            else "Looks like a dermoscopy image.",
        ),
    ]


def mask_findings(mask: np.ndarray) -> list[QualityFinding]:
    """Checks on the lesion outline found by the segmenter."""
    area = float(mask.mean()) if mask.size else 0.0
    edge = outline_on_edge(mask) if mask.size else 0.0
    found = area >= NOT_FOUND_LIMIT
    small = found and area < TOO_SMALL_LIMIT
    cut = found and edge > CUT_OFF_LIMIT
    return [
        _finding(
            QualityCheck.NO_LESION,
            not found,
            area,
            NOT_FOUND_LIMIT,
            "No lesion was found in the image." if not found else "A lesion was found.",
        ),
        _finding(
            QualityCheck.LESION_TOO_SMALL,
            small,
            area,
            TOO_SMALL_LIMIT,
            f"The lesion is very small in the picture ({area:.1%} of it, needs "
            f"{TOO_SMALL_LIMIT:.1%}); zoom in or use the dermoscope."
            if small
            else f"The lesion fills {area:.1%} of the picture.",
        ),
        _finding(
            QualityCheck.LESION_CUT_OFF,
            cut,
            edge,
            CUT_OFF_LIMIT,
            f"The lesion runs off the picture ({edge:.0%} of its outline is the picture's edge, "
            f"limit {CUT_OFF_LIMIT:.0%}); measurements cover only the visible part."
            if cut
            else "The lesion lies within the picture.",
        ),
    ]

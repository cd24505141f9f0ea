"""ABCD measurements from the lesion mask and the pixels, each with a one-line explanation.

Asymmetry (A 0-2), border abruptness (B 0-8), colours (C 1-6), differential
structures (D 1-5) and the total dermoscopy score TDS = 1.3A + 0.1B + 0.5C + 0.5D
(Stolz et al.; < 4.75 benign-looking, 4.75-5.45 suspicious, > 5.45 highly
suspicious). These are automated approximations of a clinician's reading:
shape asymmetry only, border sharpness from the intensity gradient, colours by
fixed HSV rules and structures from texture, not from recognised patterns.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from dermai_desktop.domain.analysis import Measurement

# Share of the outline that does not overlap its mirror image. The segmenter's outlines are
# smooth: on HAM10000 the 75th percentile is 0.10 for naevi and 0.11 for melanoma.
ASYMMETRY_LIMIT = 0.10
# Border gradient per pixel (at BORDER_SIDE) relative to the lesion/skin contrast. Sector
# medians on HAM10000: naevi median 0.07, melanoma 0.11, 75th percentiles 0.09 and 0.16.
ABRUPT_LIMIT = 0.12
BORDER_SIDE = 200  # the border is judged at HAM10000's small size, whatever the camera
COLOUR_MIN_SHARE = 0.03  # a colour counts when it covers at least 3 % of the lesion
TDS_SUSPICIOUS = 4.75
TDS_HIGH = 5.45
_DIRECTIONS = np.deg2rad(np.arange(0, 180, 1.0))


def _asymmetry(mask: np.ndarray) -> tuple[int, float, float]:
    """Axes of asymmetry (0-2) and the non-overlap share about each principal axis."""
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    cov = np.cov(np.stack([xs - cx, ys - cy]))
    _, vectors = np.linalg.eigh(cov)
    major = vectors[:, 1]
    angle = math.degrees(math.atan2(major[1], major[0]))
    radius = int(np.ceil(np.sqrt(((xs - cx) ** 2 + (ys - cy) ** 2).max()))) + 2
    canvas = Image.new("L", (2 * radius + 1, 2 * radius + 1), 0)
    crop = Image.fromarray((mask * 255).astype(np.uint8))
    canvas.paste(crop, (round(radius - cx), round(radius - cy)))
    # Rotate the major axis onto the horizontal, about the centroid (the canvas centre).
    upright = np.asarray(canvas.rotate(angle, resample=Image.Resampling.NEAREST)) > 127
    area = max(int(upright.sum()), 1)
    about_major = float((upright ^ upright[::-1, :]).sum()) / (2 * area)
    about_minor = float((upright ^ upright[:, ::-1]).sum()) / (2 * area)
    axes = int(about_major > ASYMMETRY_LIMIT) + int(about_minor > ASYMMETRY_LIMIT)
    return axes, about_major, about_minor


def _boundary(mask: np.ndarray) -> np.ndarray:
    inner = mask.copy()
    inner[1:-1, 1:-1] = (
        mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    )
    outline: np.ndarray = mask & ~inner
    return outline


def _compactness(mask: np.ndarray) -> float:
    """Perimeter^2 / (4 pi area): 1 for a disc, larger for ragged outlines."""
    padded = np.pad(mask, 1)
    transitions = (
        np.abs(np.diff(padded.astype(np.int8), axis=0)).sum()
        + np.abs(np.diff(padded.astype(np.int8), axis=1)).sum()
    )
    perimeter = float(transitions) * math.pi / 4  # city-block edges -> Euclidean length
    return perimeter**2 / (4 * math.pi * max(float(mask.sum()), 1.0))


def _border_score(mask: np.ndarray, grey: np.ndarray) -> int:
    """B 0-8: of eight sectors around the centre, how many end abruptly (steep edge)."""
    height, width = mask.shape
    scale = BORDER_SIDE / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.BILINEAR))
        small = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BILINEAR)
        mask = np.asarray(small) > 127
        if not mask.any():
            return 0
    gy, gx = np.gradient(grey)
    gradient = np.hypot(gx, gy)
    lesion_level = float(np.median(grey[mask]))
    skin = ~mask
    skin_level = float(np.median(grey[skin])) if skin.any() else lesion_level
    contrast = max(abs(skin_level - lesion_level), 8.0)
    ys, xs = np.nonzero(_boundary(mask))
    if ys.size == 0:
        return 0
    cy, cx = np.nonzero(mask)
    sector = ((np.arctan2(ys - cy.mean(), xs - cx.mean()) + math.pi) / (2 * math.pi) * 8).astype(
        int
    ) % 8
    steep = gradient[ys, xs] / contrast
    return sum(
        1
        for s in range(8)
        if (sector == s).any() and float(np.median(steep[sector == s])) > ABRUPT_LIMIT
    )


def _colours(rgb: np.ndarray, mask: np.ndarray) -> list[str]:
    """The six ABCD colours present in the lesion, by fixed HSV rules (value and hue bands)."""
    pixels = rgb[mask].astype(np.float32) / 255.0
    if pixels.size == 0:
        return []
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    value = pixels.max(axis=1)
    chroma = value - pixels.min(axis=1)
    sat = np.where(value > 0, chroma / np.maximum(value, 1e-6), 0.0)
    hue = np.zeros_like(value)
    nz = chroma > 1e-6
    rmax = nz & (value == r)
    gmax = nz & (value == g) & ~rmax
    bmax = nz & ~rmax & ~gmax
    hue[rmax] = ((g - b)[rmax] / chroma[rmax]) % 6
    hue[gmax] = (b - r)[gmax] / chroma[gmax] + 2
    hue[bmax] = (r - g)[bmax] / chroma[bmax] + 4
    hue *= 60.0
    warm = (hue < 50) | (hue >= 330)
    rules = {
        "white": (value > 0.80) & (sat < 0.15),
        "red": ((hue >= 330) | (hue < 15)) & (sat > 0.45) & (value > 0.55),
        "light brown": warm & (hue >= 15) & (sat > 0.30) & (value > 0.45) & (value <= 0.80),
        "dark brown": warm & (sat > 0.30) & (value > 0.18) & (value <= 0.45),
        "blue-grey": (((hue >= 180) & (hue < 270)) | (sat < 0.18))
        & (value > 0.20)
        & (value <= 0.65),
        "black": value <= 0.18,
    }
    return [name for name, hit in rules.items() if float(hit.mean()) >= COLOUR_MIN_SHARE]


def _structures(grey: np.ndarray, mask: np.ndarray) -> int:
    """D 1-5, approximate: 1 + kinds of texture found (smooth, fine, coarse, dark dots)."""
    local_mean = _box_mean(grey, 5)
    local_sq = _box_mean(grey * grey, 5)
    local_std = np.sqrt(np.maximum(local_sq - local_mean**2, 0.0))[mask]
    dots = ((grey < _box_mean(grey, 11) - 25.0) & mask).mean() / max(float(mask.mean()), 1e-6)
    kinds = [
        (local_std < 3.0).mean() >= 0.10,  # structureless areas
        ((local_std >= 3.0) & (local_std < 10.0)).mean() >= 0.10,  # fine network-like texture
        (local_std >= 10.0).mean() >= 0.10,  # coarse structures
        dots >= 0.005,  # dark dots / globules
    ]
    return max(1, min(5, 1 + sum(bool(kind) for kind in kinds)))


def _box_mean(values: np.ndarray, size: int) -> np.ndarray:
    pad = size // 2
    padded = np.pad(values, pad, mode="edge").astype(np.float64)
    summed = padded.cumsum(axis=0).cumsum(axis=1)
    summed = np.pad(summed, ((1, 0), (1, 0)))
    h, w = values.shape
    total = (
        summed[size : size + h, size : size + w]
        - summed[:h, size : size + w]
        - summed[size : size + h, :w]
        + summed[:h, :w]
    )
    mean: np.ndarray = (total / (size * size)).astype(np.float32)
    return mean


def longest_diameter(mask: np.ndarray) -> float:
    """Largest caliper (Feret) width in pixels, over 180 directions (error < 0.01 %)."""
    ys, xs = np.nonzero(_boundary(mask))
    if ys.size == 0:
        return 0.0
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    projections = points @ np.stack([np.cos(_DIRECTIONS), np.sin(_DIRECTIONS)]).astype(np.float32)
    return float((projections.max(axis=0) - projections.min(axis=0)).max()) + 1.0


def tds_band(tds: float) -> str:
    if tds < TDS_SUSPICIOUS:
        return "benign range"
    if tds <= TDS_HIGH:
        return "suspicious range"
    return "highly suspicious range"


def measurements(
    rgb: np.ndarray, mask: np.ndarray, px_scale: float, mm_per_pixel: float | None
) -> tuple[Measurement, ...]:
    """All measurements; ``px_scale`` converts working pixels to original image pixels."""
    if not mask.any():
        return ()
    grey = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    axes, major, minor = _asymmetry(mask)
    border = _border_score(mask, grey)
    compact = _compactness(mask)
    colours = _colours(rgb, mask)
    colour_count = max(1, len(colours))
    structures = _structures(grey, mask)
    diameter_px = longest_diameter(mask) * px_scale
    tds = 1.3 * axes + 0.1 * border + 0.5 * colour_count + 0.5 * structures
    if mm_per_pixel:
        diameter_mm: float | None = diameter_px * mm_per_pixel
        diameter_display = f"{diameter_mm:.1f} mm"
        diameter_note = f"Longest width of the outline: {diameter_px:.0f} px at the image's scale."
    else:
        diameter_mm = None
        diameter_display = f"{diameter_px:.0f} px"
        diameter_note = "Longest width in pixels; calibrate the image to see millimetres."
    return (
        Measurement(
            "asymmetry",
            "Asymmetry",
            float(axes),
            f"{axes} of 2 axes",
            f"Outline mirrored about its two main axes: {major:.0%} and {minor:.0%} "
            f"does not overlap (asymmetric above {ASYMMETRY_LIMIT:.0%}); shape only.",
        ),
        Measurement(
            "border",
            "Border",
            float(border),
            f"{border} of 8 segments abrupt",
            f"Segments of the edge that end sharply; outline compactness {compact:.2f} "
            "(1.00 = a smooth disc).",
        ),
        Measurement(
            "colours",
            "Colours",
            float(colour_count),
            f"{colour_count} of 6",
            "Colours covering 3 %+ of the lesion: " + (", ".join(colours) or "none distinct") + ".",
        ),
        Measurement(
            "structures",
            "Structures",
            float(structures),
            f"{structures} of 5 (approx.)",
            "Rough estimate from texture (smooth, fine, coarse, dots), not a reading of "
            "dermoscopic patterns.",
        ),
        Measurement("diameter", "Diameter", diameter_mm, diameter_display, diameter_note),
        Measurement(
            "tds",
            "Total dermoscopy score",
            round(tds, 2),
            f"{tds:.2f} ({tds_band(tds)})",
            f"1.3A + 0.1B + 0.5C + 0.5D; below {TDS_SUSPICIOUS} benign-looking, above "
            f"{TDS_HIGH} highly suspicious. Automated and approximate.",
        ),
    )

"""Automatic alignment of a later image onto an earlier one: translation by phase correlation.

Only the shift is estimated (rotation and scale stay manual): phase
correlation finds a pure translation reliably and says how sure it is (the
peak's height over the correlation surface's spread). When it is not sure
the caller leaves the alignment alone rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Peak-to-sidelobe ratio under which the estimate is not trusted. Two shifted crops of one
#: dermoscopy photo score in the hundreds; two different lesions' photos score about 10.
MIN_CONFIDENCE = 20.0


@dataclass(frozen=True, slots=True)
class ShiftEstimate:
    dx: float  # move the later image by this (pixels of the arrays compared)
    dy: float
    confidence: float

    @property
    def reliable(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE


def grey(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb[..., :3], dtype=np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def estimate_shift(reference: np.ndarray, moving: np.ndarray) -> ShiftEstimate:
    """The shift that lays ``moving`` onto ``reference`` (two greyscale arrays of one shape)."""
    if reference.shape != moving.shape or reference.ndim != 2:
        raise ValueError("phase correlation needs two greyscale arrays of the same shape")
    height, width = reference.shape
    window = np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)
    a = np.fft.fft2((reference - reference.mean()) * window)
    b = np.fft.fft2((moving - moving.mean()) * window)
    cross = a * np.conj(b)
    cross /= np.abs(cross) + 1e-9
    surface = np.real(np.fft.ifft2(cross))
    peak_y, peak_x = np.unravel_index(int(np.argmax(surface)), surface.shape)
    peak = float(surface[peak_y, peak_x])
    # Sub-pixel: a parabola through the peak and its neighbours on each axis.
    dy = peak_y + _parabola(
        surface[(peak_y - 1) % height, peak_x], peak, surface[(peak_y + 1) % height, peak_x]
    )
    dx = peak_x + _parabola(
        surface[peak_y, (peak_x - 1) % width], peak, surface[peak_y, (peak_x + 1) % width]
    )
    if dy > height / 2:
        dy -= height
    if dx > width / 2:
        dx -= width
    sidelobe = surface.copy()
    sidelobe[max(0, peak_y - 3) : peak_y + 4, max(0, peak_x - 3) : peak_x + 4] = np.nan
    spread = float(np.nanstd(sidelobe)) or 1e-9
    confidence = (peak - float(np.nanmean(sidelobe))) / spread
    return ShiftEstimate(float(dx), float(dy), confidence)


def _parabola(left: float, centre: float, right: float) -> float:
    denominator = left - 2 * centre + right
    return 0.0 if abs(denominator) < 1e-12 else float(0.5 * (left - right) / denominator)

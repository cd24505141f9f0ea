"""The demo's synthetic lesion photographs: deterministic, well-formed, truthfully calibrated."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from dermai_desktop.demo_images import LesionLook, render
from dermai_desktop.domain.imaging import Calibration, Modality, polygon_area

LOOK = LesionLook(
    seed=41,
    fitzpatrick=3,
    diameter_mm=6.0,
    asymmetry=0.6,
    blue_grey=0.4,
    hair=0.5,
    ruler=True,
    growth_per_visit=0.1,
)


def _pixels(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.float32)


def test_same_look_and_visit_give_the_same_bytes() -> None:
    first = render(LOOK, Modality.DERMOSCOPIC_POLARISED, visit=1)
    again = render(LOOK, Modality.DERMOSCOPIC_POLARISED, visit=1)
    assert first.jpeg == again.jpeg
    assert render(replace(LOOK, seed=42), visit=1).jpeg != first.jpeg
    assert LesionLook.random(7) == LesionLook.random(7)


@pytest.mark.parametrize("modality", list(Modality))
@pytest.mark.parametrize("size", [(1024, 768), (640, 480)])
def test_sizes_and_format(modality: Modality, size: tuple[int, int]) -> None:
    photo = render(LOOK, modality, size=size)
    image = Image.open(io.BytesIO(photo.jpeg))
    assert image.format == "JPEG"
    assert image.size == size == (photo.width, photo.height)
    assert all(0 <= x <= size[0] and 0 <= y <= size[1] for x, y in photo.outline)


def test_capture_time_is_written_as_a_camera_would() -> None:
    photo = render(LOOK, taken_at=datetime(2025, 3, 14, 10, 30))
    exif = Image.open(io.BytesIO(photo.jpeg)).getexif()
    assert exif.get_ifd(0x8769)[0x9003] == "2025:03:14 10:30:00"  # DateTimeOriginal
    assert exif[0x010F] == "DermAI demo"


def test_ruler_ticks_sit_at_the_true_millimetre_spacing() -> None:
    photo = render(LOOK, Modality.CLOSE_UP)
    assert photo.ruler is not None
    start, end, known_mm = photo.ruler
    from_ruler = Calibration.from_ruler(start, end, known_mm).mm_per_pixel
    assert from_ruler == pytest.approx(photo.mm_per_pixel, rel=0.01)

    # Independently: find the tick marks in the pixels and measure their spacing.
    grey = _pixels(photo.jpeg).mean(axis=2)
    ruler_y = round(start[1])
    best: list[float] = []
    for y in range(ruler_y - 30, ruler_y + 1):
        dark = grey[y] < 110
        edges = np.flatnonzero(np.diff(dark.astype(np.int8)) == 1)
        ends = np.flatnonzero(np.diff(dark.astype(np.int8)) == -1)
        if len(edges) == 0:
            continue
        centres = [(a + b) / 2 for a, b in zip(edges, ends[ends > edges[0]], strict=False)]
        if len(centres) > len(best):
            best = centres
    spacing = float(np.median(np.diff(best)))
    assert len(best) > 30
    assert 1 / spacing == pytest.approx(photo.mm_per_pixel, rel=0.02)


def test_dermoscopic_field_is_round_and_black_outside() -> None:
    pixels = _pixels(render(LOOK, Modality.DERMOSCOPIC_POLARISED).jpeg)
    assert pixels[:20, :20].mean() < 8  # a corner outside the dermatoscope window
    assert pixels[370:400, 500:520].mean() > 40  # the middle is lit


def test_the_lesion_grows_slightly_over_visits() -> None:
    areas = [polygon_area(render(LOOK, visit=v).outline) for v in range(3)]
    assert areas[0] < areas[1] < areas[2]
    assert areas[2] / areas[0] == pytest.approx(1.2**2, rel=0.05)  # 10 % per visit in diameter

    # And in the pixels: more dark (pigmented) skin inside the window at each visit.
    def pigmented(visit: int) -> int:
        pixels = _pixels(render(replace(LOOK, hair=0.0, ruler=False), visit=visit).jpeg)
        grey = pixels.mean(axis=2)
        centre = grey[184:584, 312:712]
        skin = np.median(grey[300:468, 150:250])
        return int((centre < skin * 0.72).sum())

    counts = [pigmented(v) for v in range(3)]
    assert counts[0] < counts[1] < counts[2]


def test_skin_darkens_from_fitzpatrick_one_to_six() -> None:
    levels = []
    for skin_type in range(1, 7):
        look = replace(LOOK, fitzpatrick=skin_type, hair=0.0, ruler=False)
        pixels = _pixels(render(look, Modality.CLOSE_UP).jpeg)
        levels.append(float(pixels[20:120, 20:220].mean()))
    assert levels == sorted(levels, reverse=True)


def test_random_looks_vary() -> None:
    looks = [LesionLook.random(seed) for seed in range(60)]
    assert len({look.fitzpatrick for look in looks}) == 6
    assert any(look.hair > 0 for look in looks)
    assert any(look.ruler for look in looks)
    assert any(look.growth_per_visit > 0 for look in looks)
    assert len({look.diameter_mm for look in looks}) > 30


def test_fast_enough_for_the_demo_build() -> None:
    render(LOOK)  # warm up
    started = time.perf_counter()
    for visit in range(4):
        render(LOOK, Modality.DERMOSCOPIC_POLARISED, visit=visit)
    per_image = (time.perf_counter() - started) / 4
    assert per_image < 0.4  # ~60-100 ms on a quiet machine; generous for shared CI runners

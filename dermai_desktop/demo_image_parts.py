"""The pieces ``demo_images`` draws with: noise, skin, the lesion's fields, hairs and a ruler.

Noise is value noise made the fast way: a small grid of random numbers
resized with bicubic interpolation by Pillow (a few milliseconds for a whole
picture). Lesion fields are computed in the lesion's own coordinates (units
of its radius), so the same lesion photographed larger at a later visit keeps
its internal pattern.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

if TYPE_CHECKING:
    from dermai_desktop.demo_images import LesionLook

Point = tuple[float, float]

#: Typical sRGB of unexposed skin for Fitzpatrick I..VI.
SKIN_TONES = {
    1: (243, 214, 196),
    2: (232, 192, 163),
    3: (212, 166, 130),
    4: (178, 128, 92),
    5: (128, 86, 60),
    6: (82, 56, 42),
}
PROFILE_STEPS = 720
SKIN_SEED = 20260404


def noise(rng: np.random.Generator, width: int, height: int, cell: float) -> np.ndarray:
    """Smooth value noise in 0..1 whose features are about ``cell`` pixels apart."""
    grid_w = max(2, math.ceil(width / max(cell, 1.0)) + 1)
    grid_h = max(2, math.ceil(height / max(cell, 1.0)) + 1)
    grid = rng.random((grid_h, grid_w), dtype=np.float32)
    resized = Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.float32)


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def skin_base(  # noqa: PLR0917 - a private drawing step fed by its one caller
    skin: np.random.Generator,
    shot: np.random.Generator,
    fitzpatrick: int,
    width: int,
    height: int,
    mm_per_px: float,
) -> np.ndarray:
    """A patch of skin: tone, mottling, redness, creases and pores, lit by this visit's light.

    The texture is cut from a larger sheet made once per scale (``_skin_sheet``) at a
    place chosen by ``skin``, so one patient's patch is the same at every visit and a
    demo build does not pay for the texture again for every photo.
    """
    tone_sheet, blush_sheet, grain_sheet = _skin_sheet(width, height, round(mm_per_px, 6))
    extra_h, extra_w = tone_sheet.shape[0] - height, tone_sheet.shape[1] - width
    top, left = int(skin.integers(0, extra_h + 1)), int(skin.integers(0, extra_w + 1))
    tone = tone_sheet[top : top + height, left : left + width].copy()
    blush = blush_sheet[top : top + height, left : left + width]
    # Light: one side brighter, falling off toward the edges of a curved body part.
    yy, xx = np.ogrid[-1 : 1 : complex(0, height), -1 : 1 : complex(0, width)]
    angle = float(shot.uniform(0, 2 * math.pi))
    light = 1.0 + 0.09 * (math.cos(angle) * xx + math.sin(angle) * yy)
    light -= 0.1 * (xx * xx * 0.8 + yy * yy * 0.5)
    tone *= (light * float(shot.uniform(0.94, 1.05))).astype(np.float32)
    gy, gx = int(shot.integers(0, extra_h + 1)), int(shot.integers(0, extra_w + 1))
    tone += grain_sheet[gy : gy + height, gx : gx + width]  # sensor noise

    base = np.array(SKIN_TONES[min(max(fitzpatrick, 1), 6)], dtype=np.float32)
    rgb = base * tone[..., None]
    strength = 1.0 if fitzpatrick <= 3 else 0.43
    rgb[..., 1] *= 1 - blush * (0.3 * strength)  # redness: less green and blue
    rgb[..., 2] *= 1 - blush * (0.22 * strength)
    result: np.ndarray = rgb
    return result


@functools.lru_cache(maxsize=6)
def _skin_sheet(width: int, height: int, mm_per_px: float) -> tuple[np.ndarray, ...]:
    """Skin texture half as large again as a photo: tone, redness and sensor grain."""
    rng = np.random.default_rng(SKIN_SEED)
    big_w, big_h = width * 3 // 2, height * 3 // 2
    tone = 1.0 + (noise(rng, big_w, big_h, 9 / mm_per_px) - 0.5) * 0.14
    tone += (noise(rng, big_w, big_h, 2.5 / mm_per_px) - 0.5) * 0.08
    fine = 0.3 / mm_per_px
    if fine >= 2:  # sub-millimetre grain only shows at close range
        tone += (noise(rng, big_w, big_h, fine) - 0.5) * 0.07
    crease = 1 - np.abs(2 * noise(rng, big_w, big_h, 2.2 / mm_per_px) - 1)
    tone -= _smoothstep(0.93, 0.99, crease) * 0.025
    _pores(tone, rng, mm_per_px)
    blush = np.clip(noise(rng, big_w, big_h, 12 / mm_per_px) - 0.5, 0, 1) * 0.35
    grain = rng.standard_normal((big_h, big_w), dtype=np.float32) * 0.008
    for sheet in (tone, blush, grain):
        sheet.setflags(write=False)  # shared by every photo at this scale
    return tone, blush, grain


def _pores(tone: np.ndarray, rng: np.random.Generator, mm_per_px: float) -> None:
    height, width = tone.shape
    radius = 0.045 / mm_per_px
    if radius < 0.5:
        return  # too far away to see pores
    count = min(6000, int(width * height * mm_per_px**2 * 0.7))
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    xs = rng.uniform(0, width, count)
    ys = rng.uniform(0, height, count)
    rs = radius * rng.uniform(0.6, 1.4, count)
    for x, y, r in zip(xs.tolist(), ys.tolist(), rs.tolist(), strict=True):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    soft = layer.filter(ImageFilter.BoxBlur(1))
    tone -= np.asarray(soft, dtype=np.float32) * (0.16 / 255)


def radius_profile(rng: np.random.Generator, asymmetry: float) -> np.ndarray:
    """The lesion's border as radius (mean 1) at ``PROFILE_STEPS`` angles: a noisy closed curve."""
    theta = np.linspace(0, 2 * math.pi, PROFILE_STEPS, endpoint=False)
    r = np.ones_like(theta) + 0.07 * np.cos(2 * theta + rng.uniform(0, 6.3))
    r += 0.12 * asymmetry * np.cos(theta + rng.uniform(0, 6.3))
    for k in range(2, 28):
        amplitude = (0.03 + 0.22 * asymmetry) / k**1.55 * rng.uniform(0.3, 1.0)
        r += amplitude * np.cos(k * theta + rng.uniform(0, 6.3))
    r = np.clip(r, 0.45, None)
    profile: np.ndarray = (r / r.mean()).astype(np.float32)
    return profile


def outline_points(  # noqa: PLR0917 - a private drawing step fed by its one caller
    profile: np.ndarray, cx: float, cy: float, radius: float, turn: float, count: int = 72
) -> tuple[Point, ...]:
    """Points along the drawn border (where the pigment fades), in image pixels."""
    points = []
    for k in range(count):
        theta = 2 * math.pi * k / count
        r = radius * float(profile[int(k * PROFILE_STEPS / count)]) * 0.96
        points.append(
            (round(cx + r * math.cos(theta + turn), 1), round(cy + r * math.sin(theta + turn), 1))
        )
    return tuple(points)


def lesion_fields(
    rng: np.random.Generator,
    profile: np.ndarray,
    box: tuple[float, float, int, int, float, float],
    look: LesionLook,
    *,
    network: bool,
    mm_per_px: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Melanin density, blue-grey veil (0..1) and redness over ``box`` around the lesion.

    ``box`` is (left, top, width, height) relative to the centre, then radius and turn.
    """
    left, top, width, height, radius, turn = box
    # Noise over the whole unclipped reach, in lesion units, then the visible part of it.
    reach = math.ceil(radius * 1.6 + 4)
    full = 2 * reach + 3
    ox = min(max(round(left + reach) + 1, 0), full - width)
    oy = min(max(round(top + reach) + 1, 0), full - height)
    edge_n = noise(rng, full, full, full / 14)
    blotch_n = noise(rng, full, full, full / 6)
    veil_n = noise(rng, full, full, full / 4)
    cut = (slice(oy, oy + height), slice(ox, ox + width))
    edge_n, blotch_n, veil_n = edge_n[cut], blotch_n[cut], veil_n[cut]

    ys = (np.arange(height, dtype=np.float32) + top)[:, None]
    xs = (np.arange(width, dtype=np.float32) + left)[None, :]
    dist = np.hypot(xs, ys) / radius
    theta = (np.arctan2(ys, xs) - turn) % (2 * math.pi)
    border = profile[(theta * (PROFILE_STEPS / (2 * math.pi))).astype(np.int32) % PROFILE_STEPS]
    u = dist / border + (edge_n - 0.5) * (0.1 + 0.22 * look.asymmetry)
    inside = _smoothstep(1.0, 0.84 - 0.05 * look.asymmetry, u)

    lopsided = np.clip(np.cos(theta - float(rng.uniform(0, 6.3))), 0, 1) * look.asymmetry
    density = look.darkness * (0.55 + 0.55 * np.clip(1 - u, 0, 1) ** 0.6 + 0.55 * lopsided)
    density *= 0.55 + 0.9 * blotch_n
    if network:
        fade = np.clip(1.15 - u, 0, 1) * (0.4 + 0.8 * blotch_n)  # the network thins in places
        density *= 0.78 + 0.5 * cell_borders(rng, width, height, 0.26 / mm_per_px) * fade
    density += _globules(rng, width, height, left, top, radius, look) * look.darkness
    veil = np.zeros_like(density)
    if look.blue_grey > 0:
        veil = _smoothstep(0.45, 0.8, veil_n) * _smoothstep(0.95, 0.45, u) * 0.7 * look.blue_grey
    redness = 0.35 * look.asymmetry * np.exp(-(((u - 1.05) / 0.35) ** 2))
    return density * inside, veil * inside, redness


def cell_borders(rng: np.random.Generator, width: int, height: int, cell: float) -> np.ndarray:
    """A honeycomb of irregular cells (Worley noise): 1 on the borders, 0 in the holes.

    This is the pigment network of a naevus seen through a dermatoscope. It is
    computed at half resolution (the lines are a few pixels wide) and enlarged.
    """
    w2, h2, c2 = max(2, width // 2), max(2, height // 2), max(cell / 2, 2.0)
    gw, gh = math.ceil(w2 / c2) + 3, math.ceil(h2 / c2) + 3
    seeds = np.stack(np.meshgrid(np.arange(gw), np.arange(gh)), -1) - 1 + rng.random((gh, gw, 2))
    seeds = (seeds * c2).astype(np.float32)
    ys = np.arange(h2, dtype=np.float32)[:, None]
    xs = np.arange(w2, dtype=np.float32)[None, :]
    ci, cj = (xs // c2).astype(np.int32) + 1, (ys // c2).astype(np.int32) + 1
    first = np.full((h2, w2), np.inf, dtype=np.float32)
    second = first.copy()
    for dj in (-1, 0, 1):
        for di in (-1, 0, 1):
            seed = seeds[cj + dj, ci + di]
            d = np.hypot(seed[..., 0] - xs, seed[..., 1] - ys)
            second = np.minimum(second, np.maximum(first, d))
            first = np.minimum(first, d)
    border = _smoothstep(0.3 * c2, 0.02 * c2, second - first)
    big = Image.fromarray(border.astype(np.float32)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return np.asarray(big, dtype=np.float32)


def _globules(  # noqa: PLR0917 - a private drawing step fed by its one caller
    rng: np.random.Generator,
    width: int,
    height: int,
    left: float,
    top: float,
    radius: float,
    look: LesionLook,
) -> np.ndarray:
    """Dark dots and globules, placed in lesion units so they stay put as it grows."""
    count = int(4 + 26 * look.asymmetry)
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    angles = rng.uniform(0, 2 * math.pi, count)
    radii = np.sqrt(rng.uniform(0, 1, count)) * 0.85
    sizes = rng.uniform(0.012, 0.045, count)
    shades = rng.uniform(90, 255, count)
    for a, r, s, shade in zip(angles, radii, sizes, shades, strict=True):
        x = math.cos(a) * r * radius - left
        y = math.sin(a) * r * radius - top
        d = max(1.0, s * radius)
        draw.ellipse((x - d, y - d, x + d, y + d), fill=int(shade))
    soft = layer.filter(ImageFilter.GaussianBlur(max(0.8, radius * 0.015)))
    return np.asarray(soft, dtype=np.float32) / 255 * 1.1


def draw_hairs(image: Image.Image, rng: np.random.Generator, look: LesionLook, mm: float) -> None:
    """Dark, slightly curved hairs lying mostly one way, drawn soft-edged onto ``image``."""
    width, height = image.size
    area_cm2 = width * height * mm * mm / 100
    count = int(min(70, max(4, area_cm2 * 9 * look.hair)))
    thickness = max(1, round(0.07 / mm))
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    grain = float(rng.uniform(0, math.pi))
    for _ in range(count):
        x, y = float(rng.uniform(-0.1, 1.1) * width), float(rng.uniform(-0.1, 1.1) * height)
        heading = grain + float(rng.normal(0, 0.35))
        bend = float(rng.normal(0, 0.06))
        step = float(rng.uniform(4, 14)) / mm / 10
        points = [(x, y)]
        for _ in range(10):
            heading += bend
            x, y = x + math.cos(heading) * step, y + math.sin(heading) * step
            points.append((x, y))
        draw.line(points, fill=int(rng.uniform(170, 255)), width=thickness, joint="curve")
    colour = (48, 34, 28) if look.fitzpatrick > 1 else (120, 86, 56)
    soft = mask.filter(ImageFilter.BoxBlur(1)).point(lambda v: v * 9 // 10)
    image.paste(Image.new("RGB", image.size, colour), (0, 0), soft)


def draw_ruler(
    image: Image.Image, mm_per_px: float, *, dermoscopic: bool
) -> tuple[Point, Point, float]:
    """A mm scale with real ticks; returns two ticks 10 mm apart and that length.

    Clinical photos get a paper ruler sticker along the bottom edge; a
    dermatoscope a printed reticle scale near the bottom of its window.
    """
    width, height = image.size
    draw = ImageDraw.Draw(image)
    px_per_mm = 1.0 / mm_per_px
    if dermoscopic:
        start, stop_mm, base = width / 2 - 5 * px_per_mm, 10, height * 0.8
        colour, long, tick_w = (20, 20, 24), 0.7 * px_per_mm, max(1, round(px_per_mm * 0.06))
        draw.line((start, base, start + 10 * px_per_mm, base), fill=colour, width=tick_w)
    else:
        strip = min(90, max(24, round(8 * px_per_mm)))
        top = height - strip - 6
        draw.rectangle((0, top, width, top + strip), fill=(238, 235, 224))
        draw.line((0, top, width, top), fill=(200, 196, 186), width=1)
        start, base = max(12.0, px_per_mm), float(top)
        stop_mm = int((width - start - 12) / px_per_mm)
        colour, long, tick_w = (30, 30, 34), strip * 0.55, 1
    font = ImageFont.load_default(size=max(10, round(long * 0.45)))
    for k in range(stop_mm + 1):
        x = round(start + k * px_per_mm)
        length = long if k % 10 == 0 else long * (0.7 if k % 5 == 0 else 0.4)
        if dermoscopic:
            draw.line((x, base - length, x, base), fill=colour, width=tick_w)
        else:
            draw.line((x, base, x, base + length), fill=colour, width=tick_w)
            if k % 10 == 0:
                draw.text((x + 3, base + length - 2), str(k // 10), fill=colour, font=font)
    if not dermoscopic:
        draw.text((width - 40, base + long), "cm", fill=colour, font=font)
    y = base - long / 2 if dermoscopic else base + long / 2
    return (round(start), y), (round(start + 10 * px_per_mm), y), 10.0


__all__ = [
    "SKIN_TONES",
    "draw_hairs",
    "draw_ruler",
    "lesion_fields",
    "noise",
    "outline_points",
    "radius_profile",
    "skin_base",
]

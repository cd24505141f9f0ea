"""Synthetic lesion photographs for the demo clinic, drawn procedurally with numpy and Pillow.

The HAM10000 photographs are not ours to ship, so the demo draws its own:
skin of Fitzpatrick types I–VI with shading, mottling, creases and pores; an
irregular pigmented lesion whose outline is a noisy, sometimes lopsided closed
curve and whose colour comes from a melanin density field (brown to black,
with blue-grey where the pigment sits deep); optional hairs; optional mm ruler
(real ticks at the image's known mm per pixel, so calibrating from it is
true); clinical overview, close-up or the round field of a dermatoscope.

Every picture is fixed by its ``LesionLook`` seed: the same look and visit
always give the same bytes. Later visits of the same lesion show it a little
larger (``growth_per_visit``) with the camera placed slightly differently.
"""

from __future__ import annotations

import functools
import io
import math
import random
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

from dermai_desktop.demo_image_parts import (
    draw_hairs,
    draw_ruler,
    lesion_fields,
    noise,
    outline_points,
    radius_profile,
    skin_base,
)
from dermai_desktop.domain.imaging import Modality

Point = tuple[float, float]
Ruler = tuple[Point, Point, float]  # two tick positions on the image and the mm between them

#: Millimetres per pixel of a 1024-pixel-wide picture, per modality (the "device default").
#: A dermatoscope sees about 25 mm across; a close-up about 5 cm; an overview about 12 cm.
FIELD_WIDTH_MM = {
    Modality.CLINICAL_OVERVIEW: 125.0,
    Modality.CLOSE_UP: 51.2,
    Modality.DERMOSCOPIC_POLARISED: 25.6,
    Modality.DERMOSCOPIC_NON_POLARISED: 25.6,
}

#: Melanin absorbs blue most and red least: the optical densities per channel.
MELANIN = np.array([0.55, 0.95, 1.45], dtype=np.float32)
#: Deep (dermal) pigment scatters blue back: the Tyndall blue-grey of a regression area.
DERMAL_BLUE = np.array([112, 122, 140], dtype=np.float32)
POLARISED_CAST = np.array([1.03, 0.99, 0.95], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class LesionLook:
    """How one lesion looks on one patient; everything derives from ``seed``."""

    seed: int
    fitzpatrick: int = 2  # 1..6
    diameter_mm: float = 6.0  # at the first visit
    asymmetry: float = 0.3  # 0 round and even .. 1 lopsided and ragged
    darkness: float = 1.0  # melanin density scale
    blue_grey: float = 0.0  # 0..1: how much regression/blue-white veil
    hair: float = 0.0  # 0 none .. 1 a hairy forearm
    ruler: bool = False
    growth_per_visit: float = 0.0  # fraction of the diameter added each visit

    @classmethod
    def random(cls, seed: int, fitzpatrick: int | None = None) -> LesionLook:
        """A varied but plausible lesion: most modest naevi, a few large, dark or irregular."""
        rng = random.Random(seed)  # noqa: S311 - invented demo pictures, not security
        return cls(
            seed=seed,
            fitzpatrick=fitzpatrick or rng.choices(range(1, 7), weights=[8, 30, 28, 16, 10, 8])[0],
            diameter_mm=round(
                rng.choices(
                    [rng.uniform(3, 6), rng.uniform(5, 9), rng.uniform(9, 13)], weights=[4, 4, 1]
                )[0],
                1,
            ),
            asymmetry=rng.choice([0.15, 0.3, 0.5, 0.85]),
            darkness=rng.uniform(0.7, 1.35),
            blue_grey=rng.choice([0.0, 0.0, 0.0, 0.35, 0.7]),
            hair=rng.choice([0.0, 0.0, 0.3, 0.8]),
            ruler=rng.random() < 0.4,
            growth_per_visit=rng.choice([0.0, 0.0, 0.04, 0.09]),
        )


@dataclass(frozen=True, slots=True)
class SyntheticPhoto:
    jpeg: bytes
    width: int
    height: int
    mm_per_pixel: float
    #: The lesion's border in image pixels: what a clinician's area outline would trace.
    outline: tuple[Point, ...]
    #: A 10 mm stretch between two ruler ticks, when the picture has a ruler.
    ruler: Ruler | None
    diameter_mm: float  # of the lesion drawn at this visit (its nominal size)


def render(
    look: LesionLook,
    modality: Modality = Modality.DERMOSCOPIC_POLARISED,
    *,
    visit: int = 0,
    size: tuple[int, int] = (1024, 768),
    taken_at: datetime | None = None,
) -> SyntheticPhoto:
    """Draw ``look`` as photographed at ``visit`` (0 = first) and encode it as JPEG.

    ``taken_at`` goes into the EXIF DateTimeOriginal tag, as a camera would write it.
    """
    width, height = size
    mm_per_px = FIELD_WIDTH_MM[Modality(modality)] / width
    shot = np.random.default_rng([look.seed, visit, 7])  # this visit's camera and light
    skin_rng = np.random.default_rng([look.seed, 1])  # the same patch of skin every visit
    rgb = skin_base(skin_rng, shot, look.fitzpatrick, width, height, mm_per_px)

    diameter_mm = look.diameter_mm * (1 + look.growth_per_visit * visit)
    radius = diameter_mm / 2 / mm_per_px
    cx = width / 2 + float(shot.uniform(-0.06, 0.06)) * width
    cy = height / 2 + float(shot.uniform(-0.06, 0.06)) * height
    turn = float(shot.uniform(-0.15, 0.15))  # the camera is never held quite the same way
    profile = radius_profile(np.random.default_rng([look.seed, 2]), look.asymmetry)
    dermoscopic = Modality(modality).is_dermoscopic
    if modality is Modality.CLINICAL_OVERVIEW:
        _freckles(rgb, np.random.default_rng([look.seed, 3]), mm_per_px, (cx, cy, radius))
    _paint_lesion(rgb, look, profile, (cx, cy, radius, turn), dermoscopic, mm_per_px)

    if modality is Modality.DERMOSCOPIC_POLARISED:
        rgb *= POLARISED_CAST  # no surface glare: deeper, slightly warmer colour
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    if look.hair > 0:
        draw_hairs(image, np.random.default_rng([look.seed, visit, 4]), look, mm_per_px)
    ruler: Ruler | None = None
    if look.ruler:
        ruler = draw_ruler(image, mm_per_px, dermoscopic=dermoscopic)
    if dermoscopic:
        image = _dermoscope_field(image, polarised=modality is Modality.DERMOSCOPIC_POLARISED)
    outline = outline_points(profile, cx, cy, radius, turn)
    return SyntheticPhoto(
        jpeg=_jpeg(image, taken_at),
        width=width,
        height=height,
        mm_per_pixel=mm_per_px,
        outline=outline,
        ruler=ruler,
        diameter_mm=round(diameter_mm, 2),
    )


def _paint_lesion(  # noqa: PLR0917 - a private drawing step fed by its one caller
    rgb: np.ndarray,
    look: LesionLook,
    profile: np.ndarray,
    place: tuple[float, float, float, float],
    dermoscopic: bool,
    mm_per_px: float,
) -> None:
    """Darken the skin under the lesion by its melanin density, in place."""
    cx, cy, radius, turn = place
    height, width = rgb.shape[:2]
    reach = radius * 1.6 + 4
    x0, x1 = max(0, int(cx - reach)), min(width, int(cx + reach) + 1)
    y0, y1 = max(0, int(cy - reach)), min(height, int(cy + reach) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    density, veil, redness = lesion_fields(
        np.random.default_rng([look.seed, 5]),
        profile,
        (x0 - cx, y0 - cy, x1 - x0, y1 - y0, radius, turn),
        look,
        network=dermoscopic,
        mm_per_px=mm_per_px,
    )
    patch = rgb[y0:y1, x0:x1]
    patch *= np.exp(-redness[..., None] * np.array([0.02, 0.35, 0.3], dtype=np.float32))
    patch *= np.exp(-density[..., None] * MELANIN)
    if look.blue_grey > 0:
        lum = patch.mean(axis=2, keepdims=True) / 140.0
        blue = DERMAL_BLUE * np.clip(lum, 0.55, 1.25)
        patch += (blue - patch) * veil[..., None]


def _freckles(
    rgb: np.ndarray, rng: np.random.Generator, mm_per_px: float, avoid: tuple[float, float, float]
) -> None:
    """A few small benign naevi around the index lesion, as on any overview photo."""
    height, width = rgb.shape[:2]
    yy, xx = np.ogrid[:height, :width]
    for _ in range(int(rng.integers(4, 12))):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        if math.hypot(x - avoid[0], y - avoid[1]) < avoid[2] * 3:
            continue
        r = rng.uniform(0.6, 1.8) / mm_per_px
        x0, x1, y0, y1 = int(x - 2 * r), int(x + 2 * r) + 1, int(y - 2 * r), int(y + 2 * r) + 1
        x0, y0 = max(x0, 0), max(y0, 0)
        d2 = ((xx[:, x0:x1] - x) ** 2 + (yy[y0:y1] - y) ** 2) / (r * r)
        density = np.clip(1.2 - d2, 0, 1) ** 0.7 * rng.uniform(0.4, 1.0)
        rgb[y0:y1, x0:x1] *= np.exp(-density[..., None] * MELANIN)


def _dermoscope_field(image: Image.Image, *, polarised: bool) -> Image.Image:
    """The round window of a contact dermatoscope: black outside, a soft rim, maybe a glint."""
    rim = _rim(image.size, polarised)
    return ImageChops.multiply(image, rim)


@functools.lru_cache(maxsize=4)
def _rim(size: tuple[int, int], polarised: bool) -> Image.Image:
    width, height = size
    yy, xx = np.ogrid[:height, :width]
    r = np.hypot(xx - width / 2, yy - height / 2) / (min(width, height) * 0.49)
    rim = np.clip((1.0 - r) / 0.04, 0, 1) * (1 - 0.22 * r**4)  # darker toward the glass edge
    grey = np.repeat((rim * 255)[..., None], 3, axis=2)
    if not polarised:  # contact fluid under glass: a small glint of the ring light
        glint = 60 * np.exp(-((xx - width * 0.64) ** 2 + (yy - height * 0.28) ** 2) / 500.0)
        grey = grey + (glint * (rim > 0))[..., None]
    return Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "RGB")


def _jpeg(image: Image.Image, taken_at: datetime | None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "DermAI demo"  # Make
    exif[0x0110] = "Synthetic camera"  # Model
    if taken_at is not None:
        stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp  # DateTime
        exif.get_ifd(0x8769)[0x9003] = stamp  # Exif IFD: DateTimeOriginal
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def contact_sheet(photos: list[SyntheticPhoto], columns: int = 4, side: int = 320) -> Image.Image:
    """The photos side by side (for looking at a batch while tuning the drawing)."""
    rows = max(1, math.ceil(len(photos) / columns))
    sheet = Image.new("RGB", (columns * side, rows * side * 3 // 4), "white")
    font = ImageFont.load_default(size=12)
    for index, photo in enumerate(photos):
        thumb = Image.open(io.BytesIO(photo.jpeg)).convert("RGB")
        thumb.thumbnail((side, side))
        x, y = (index % columns) * side, (index // columns) * side * 3 // 4
        sheet.paste(thumb, (x, y))
        ImageDraw.Draw(sheet).text(
            (x + 4, y + 4), f"{photo.diameter_mm} mm", fill="white", font=font
        )
    return sheet


__all__ = [
    "FIELD_WIDTH_MM",
    "LesionLook",
    "SyntheticPhoto",
    "contact_sheet",
    "noise",
    "render",
]

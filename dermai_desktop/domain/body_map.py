"""Named anatomical regions of the body map, and the site name for a point on it.

Regions are polygons in the art's 0..1 coordinates (x across, y down), one
set per view. ``site_at`` answers only for points on the silhouette and
takes the first region that holds the point, so small or overlapping regions
(the arm drawn over the trunk in a profile) are listed before large ones.

Left and right are always the PATIENT's: on the front view the patient's
left is on the viewer's right; on the back view it is on the viewer's left;
the "left" view shows the patient's left side, face towards the viewer's left.
Each paired region is written once for the viewer's right half (with a
``{side}`` placeholder) and mirrored for the other half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from dermai_desktop.domain.body_map_shapes import (
    ART_HEIGHT,
    ART_WIDTH,
    FIGURE_OUTLINES,
    Point,
    point_in_polygon,
    sample_loop,
)
from dermai_desktop.domain.lesions import BodyView

#: Width over height of the art; a widget keeps this ratio when it draws a view.
ASPECT_RATIO = ART_WIDTH / ART_HEIGHT


@dataclass(frozen=True, slots=True)
class BodyRegion:
    view: BodyView
    name: str
    polygon: tuple[Point, ...]  # 0..1 coordinates

    def contains(self, x: float, y: float) -> bool:
        return point_in_polygon(x, y, self.polygon)


# Rectangles in art units: (name, x0, y0, x1, y1). "Paired" ones lie on the viewer's
# right half and are mirrored; "central" ones straddle the midline and are used as is.
Rect = tuple[str, float, float, float, float]

_FRONT_CENTRAL: tuple[Rect, ...] = (
    ("Scalp", 130, 0, 230, 40),
    ("Forehead", 130, 40, 230, 66),
    ("Nose and mouth", 170, 66, 190, 122),
    ("Chin", 165, 108, 195, 132),
    ("Anterior neck", 160, 122, 200, 156),
    ("Central chest", 170, 156, 190, 250),
    ("Umbilical area", 168, 316, 192, 344),
    ("Pubic area", 166, 384, 194, 440),
)
_FRONT_PAIRED: tuple[Rect, ...] = (
    ("{side} cheek", 180, 66, 230, 132),
    ("{side} shoulder", 222, 150, 320, 214),
    ("{side} upper arm, anterior", 237, 214, 320, 300),
    ("{side} antecubital fossa", 237, 300, 320, 330),
    ("{side} forearm, anterior", 237, 330, 320, 388),
    ("{side} wrist, anterior", 237, 388, 320, 404),
    ("{side} palm", 237, 404, 320, 470),
    ("{side} chest", 180, 150, 237, 250),
    ("{side} upper abdomen", 180, 250, 237, 316),
    ("{side} lower abdomen", 180, 316, 237, 384),
    ("{side} groin", 180, 384, 240, 450),
    ("{side} thigh, anterior", 180, 450, 245, 530),
    ("{side} knee", 180, 530, 245, 580),
    ("{side} shin", 180, 580, 245, 732),
    ("{side} ankle, anterior", 180, 732, 245, 758),
    ("{side} foot, dorsum", 180, 758, 245, 800),
)
_BACK_CENTRAL: tuple[Rect, ...] = (
    ("Scalp", 130, 0, 230, 118),
    ("Posterior neck", 160, 118, 200, 156),
    ("Upper back", 168, 156, 192, 250),
    ("Sacral area", 168, 350, 192, 396),
)
_BACK_PAIRED: tuple[Rect, ...] = (
    ("{side} shoulder, posterior", 222, 150, 320, 214),
    ("{side} upper arm, posterior", 237, 214, 320, 300),
    ("{side} elbow", 237, 300, 320, 330),
    ("{side} forearm, posterior", 237, 330, 320, 388),
    ("{side} wrist, posterior", 237, 388, 320, 404),
    ("{side} back of hand", 237, 404, 320, 470),
    ("{side} scapular area", 180, 150, 237, 250),
    ("{side} mid back", 180, 250, 237, 316),
    ("{side} lower back", 180, 316, 237, 380),
    ("{side} buttock", 180, 380, 245, 442),
    ("{side} thigh, posterior", 180, 442, 245, 540),
    ("{side} popliteal fossa", 180, 540, 245, 580),
    ("{side} calf", 180, 580, 245, 732),
    ("{side} ankle, posterior", 180, 732, 245, 760),
    ("{side} heel", 180, 760, 245, 800),
)
# The profile seen from the patient's left, face to the viewer's left; the arm first,
# because it is drawn over the trunk.
_ARM: tuple[Rect, ...] = (
    ("{side} shoulder, lateral", 160, 150, 230, 214),
    ("{side} upper arm, lateral", 160, 214, 230, 300),
    ("{side} elbow", 160, 300, 230, 334),
    ("{side} forearm, lateral", 160, 334, 230, 396),
    ("{side} hand", 160, 396, 230, 470),
)
_PROFILE: tuple[Rect, ...] = (
    ("Scalp", 120, 0, 240, 52),
    ("{side} ear", 196, 52, 240, 100),
    ("{side} temple", 150, 52, 196, 80),
    ("{side} cheek", 120, 80, 196, 132),
    ("{side} side of neck", 120, 100, 240, 162),
    ("{side} chest", 120, 162, 190, 250),
    ("{side} upper back", 190, 162, 240, 250),
    ("{side} flank", 120, 250, 250, 370),
    ("{side} buttock", 196, 370, 250, 440),
    ("{side} hip", 120, 370, 196, 440),
    ("{side} thigh, lateral", 120, 440, 250, 530),
    ("{side} knee", 120, 530, 250, 580),
    ("{side} lower leg, lateral", 120, 580, 250, 732),
    ("{side} ankle", 120, 732, 250, 760),
    ("{side} foot", 120, 760, 250, 800),
)


def _polygon(x0: float, y0: float, x1: float, y1: float) -> tuple[Point, ...]:
    left, right = sorted((x0 / ART_WIDTH, x1 / ART_WIDTH))
    top, bottom = y0 / ART_HEIGHT, y1 / ART_HEIGHT
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def _named(view: BodyView, rects: Sequence[Rect], side: str, mirror: bool) -> list[BodyRegion]:
    regions = []
    for name, x0, y0, x1, y1 in rects:
        left, right = (ART_WIDTH - x0, ART_WIDTH - x1) if mirror else (x0, x1)
        regions.append(BodyRegion(view, name.format(side=side), _polygon(left, y0, right, y1)))
    return regions


def _paired(view: BodyView, rects: Sequence[Rect], viewer_right_side: str) -> list[BodyRegion]:
    other = "Right" if viewer_right_side == "Left" else "Left"
    return [
        *_named(view, rects, viewer_right_side, mirror=False),
        *_named(view, rects, other, mirror=True),
    ]


@cache
def regions(view: BodyView) -> tuple[BodyRegion, ...]:
    """The named regions of ``view``, in hit-test order."""
    view = BodyView(view)
    if view is BodyView.FRONT:
        found = _named(view, _FRONT_CENTRAL, "", False) + _paired(view, _FRONT_PAIRED, "Left")
    elif view is BodyView.BACK:
        found = _named(view, _BACK_CENTRAL, "", False) + _paired(view, _BACK_PAIRED, "Right")
    else:
        side = "Left" if view is BodyView.LEFT else "Right"
        mirror = view is BodyView.RIGHT
        found = _named(view, _ARM, side, mirror) + _named(view, _PROFILE, side, mirror)
    return tuple(found)


@cache
def silhouettes(view: BodyView) -> tuple[tuple[Point, ...], ...]:
    """The figure's outline polygons in 0..1 coordinates (a profile has the arm as well)."""
    loops = FIGURE_OUTLINES[BodyView(view).value]
    return tuple(
        tuple((x / ART_WIDTH, y / ART_HEIGHT) for x, y in sample_loop(loop)) for loop in loops
    )


def on_body(view: BodyView, x: float, y: float) -> bool:
    """Whether the point lies on the drawn figure (not the background around it)."""
    return any(point_in_polygon(x, y, loop) for loop in silhouettes(view))


def site_at(view: BodyView, x: float, y: float) -> str | None:
    """The anatomical site name at (x, y) of ``view``, or None off the figure."""
    if not on_body(view, x, y):
        return None
    arm_loops = silhouettes(view)[1:]
    on_arm = any(point_in_polygon(x, y, loop) for loop in arm_loops)
    arm_names = {r.name for r in _named(BodyView(view), _ARM, _side_word(view), False)}
    for region in regions(view):
        if arm_loops and (region.name in arm_names) != on_arm:
            continue  # a profile's arm regions hold only points on the drawn arm
        if region.contains(x, y):
            return region.name
    return None


def _side_word(view: BodyView) -> str:
    return "Right" if BodyView(view) is BodyView.RIGHT else "Left"


__all__ = ["ASPECT_RATIO", "BodyRegion", "on_body", "regions", "silhouettes", "site_at"]

"""The body-map silhouettes as smooth outlines, shared by the hit test and the SVG art.

Each silhouette is a closed loop of control points in the art's own units
(a 360 x 800 canvas, the figure standing in anatomical position: palms
forward, arms slightly away from the body). The loop is smoothed with a
Catmull-Rom spline turned into cubic Béziers, so the SVG generator
(``resources/body_map/generate.py``) draws exactly the curve that
``body_map.site_at`` tests against. Front and back are mirror-symmetric and
built from one half; the right-side profile is the left-side profile mirrored.
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]  # start, control 1, control 2, end

ART_WIDTH = 360.0
ART_HEIGHT = 800.0
CENTRE_X = ART_WIDTH / 2

# The viewer's right half of the front figure, from the crown of the head round the
# outside of the arm, back up the inside of the arm, down the flank and leg, to the crotch.
_FRONT_HALF: tuple[Point, ...] = (
    (180, 20),
    (203, 25),
    (215, 45),
    (217, 74),
    (212, 100),
    (203, 117),
    (196, 128),
    (197, 143),
    (209, 154),
    (236, 161),
    (256, 172),
    (266, 196),
    (269, 236),
    (275, 282),
    (285, 332),
    (294, 378),
    (302, 398),
    (308, 424),
    (304, 446),
    (294, 452),
    (285, 438),
    (279, 404),
    (268, 365),
    (256, 314),
    (246, 262),
    (239, 218),
    (232, 232),
    (229, 276),
    (226, 316),
    (231, 356),
    (237, 394),
    (236, 440),
    (230, 500),
    (224, 552),
    (227, 604),
    (221, 668),
    (211, 726),
    (212, 752),
    (220, 774),
    (209, 784),
    (192, 781),
    (190, 752),
    (192, 700),
    (195, 630),
    (191, 560),
    (190, 500),
    (186, 446),
    (180, 428),
)

# The left side of the patient, seen from their left: the face points to the viewer's left.
_PROFILE: tuple[Point, ...] = (
    (182, 20),
    (206, 27),
    (221, 50),
    (223, 80),
    (217, 108),
    (206, 128),
    (205, 148),
    (216, 166),
    (228, 204),
    (228, 256),
    (218, 306),
    (228, 350),
    (238, 390),
    (233, 430),
    (224, 470),
    (216, 520),
    (210, 560),
    (219, 606),
    (214, 662),
    (201, 726),
    (200, 758),
    (206, 780),
    (186, 786),
    (150, 785),
    (134, 778),
    (150, 762),
    (170, 740),
    (176, 690),
    (173, 620),
    (170, 560),
    (166, 516),
    (158, 466),
    (152, 420),
    (146, 380),
    (142, 334),
    (146, 292),
    (138, 246),
    (146, 200),
    (160, 168),
    (164, 150),
    (158, 136),
    (150, 126),
    (146, 114),
    (140, 101),
    (135, 89),
    (143, 74),
    (143, 58),
    (150, 38),
    (164, 25),
)

# The left arm hanging at the side in the profile view, drawn over the trunk.
_PROFILE_ARM: tuple[Point, ...] = (
    (196, 162),
    (178, 180),
    (171, 226),
    (173, 290),
    (177, 336),
    (179, 392),
    (175, 422),
    (178, 448),
    (188, 462),
    (199, 454),
    (203, 422),
    (203, 392),
    (207, 336),
    (212, 290),
    (218, 226),
    (214, 180),
)


def _mirror(points: Sequence[Point]) -> tuple[Point, ...]:
    return tuple((ART_WIDTH - x, y) for x, y in points)


def _whole_figure(half: Sequence[Point]) -> tuple[Point, ...]:
    # The other half is the mirror image walked in reverse, without repeating the
    # points that lie on the midline (crown and crotch).
    other = [(ART_WIDTH - x, y) for x, y in reversed(half[1:-1])]
    return (*half, *other)


FIGURE_OUTLINES: dict[str, tuple[tuple[Point, ...], ...]] = {
    "front": (_whole_figure(_FRONT_HALF),),
    "back": (_whole_figure(_FRONT_HALF),),
    "left": (_PROFILE, _PROFILE_ARM),
    "right": (_mirror(_PROFILE), _mirror(_PROFILE_ARM)),
}


def smooth_loop(points: Sequence[Point]) -> list[Segment]:
    """A closed Catmull-Rom spline through ``points`` as cubic Bézier segments."""
    count = len(points)
    segments: list[Segment] = []
    for i in range(count):
        p0, p1 = points[i - 1], points[i]
        p2, p3 = points[(i + 1) % count], points[(i + 2) % count]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        segments.append((p1, c1, c2, p2))
    return segments


def sample_loop(points: Sequence[Point], steps: int = 8) -> list[Point]:
    """The smoothed loop as a polygon (``steps`` points per segment) for hit tests."""
    polygon: list[Point] = []
    for start, c1, c2, end in smooth_loop(points):
        for k in range(steps):
            t = k / steps
            u = 1 - t
            polygon.append(
                (
                    u**3 * start[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * end[0],
                    u**3 * start[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * end[1],
                )
            )
    return polygon


def point_in_polygon(x: float, y: float, polygon: Sequence[Point]) -> bool:
    """Even-odd ray casting; points exactly on an edge may fall either way."""
    inside = False
    count = len(polygon)
    for i in range(count):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % count]
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


__all__ = [
    "ART_HEIGHT",
    "ART_WIDTH",
    "CENTRE_X",
    "FIGURE_OUTLINES",
    "Point",
    "Segment",
    "point_in_polygon",
    "sample_loop",
    "smooth_loop",
]

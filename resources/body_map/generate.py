"""Write the body-map SVGs (front, back, left, right) from the outlines in the domain.

Run from the repository root:  python resources/body_map/generate.py
The silhouettes are the smoothed loops of ``dermai_desktop/domain/body_map_shapes.py``
(the same curves the site hit test uses); the few anatomical guide lines below
are art only. Fill and stroke are neutral greys that read on light and dark
backgrounds; the widget draws markers on top.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from dermai_desktop.domain.body_map_shapes import (  # noqa: E402
    ART_HEIGHT,
    ART_WIDTH,
    FIGURE_OUTLINES,
    Point,
    smooth_loop,
)

FILL = "#e9eef1"
FILL_SHADE = "#d5dee3"
STROKE = "#7d8f99"
GUIDE = "#a9b7bf"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def loop_path(points: Sequence[Point]) -> str:
    segments = smooth_loop(points)
    start = segments[0][0]
    parts = [f"M{_num(start[0])},{_num(start[1])}"]
    for _p1, c1, c2, p2 in segments:
        parts.append(
            f"C{_num(c1[0])},{_num(c1[1])} {_num(c2[0])},{_num(c2[1])} {_num(p2[0])},{_num(p2[1])}"
        )
    return " ".join(parts) + " Z"


def _mirror_d(d: str) -> str:
    """Mirror a simple path (absolute M/Q/C/L commands) about the vertical centre line."""
    out: list[str] = []
    for token in d.split():
        head = token[0] if token[0].isalpha() else ""
        body = token[len(head) :]
        if "," in body:
            x, y = body.split(",")
            body = f"{_num(ART_WIDTH - float(x))},{y}"
        out.append(head + body)
    return " ".join(out)


def _symmetric(*paths: str) -> list[str]:
    return [p for d in paths for p in (d, _mirror_d(d))]


# Guide lines drawn on one side and mirrored: clavicles, knees and so on.
FRONT_GUIDES = [
    *_symmetric(
        "M186,158 Q205,163 230,163",  # clavicle
        "M205,200 Q214,226 200,236",  # pectoral fold
        "M236,440 Q222,450 210,452",  # inguinal crease end
        "M200,540 Q207,532 215,540",  # patella top
        "M200,566 Q207,574 215,566",  # patella bottom
        "M289,428 L290,440",  # thumb hint
    ),
    "M180,244 L180,300",  # linea alba, upper
]
FRONT_DOTS = [(180, 330, 2.2)]  # umbilicus
BACK_GUIDES = [
    "M180,150 L180,372",  # spine
    "M180,392 L180,432",  # natal cleft
    *_symmetric(
        "M196,186 Q212,180 224,196 Q226,222 210,246",  # scapula
        "M186,438 Q206,446 226,438",  # gluteal fold
        "M196,560 Q207,554 218,560",  # popliteal crease
    ),
]
PROFILE_GUIDES = [
    "M150,404 Q170,410 184,402",  # hip crease
    "M200,66 Q211,70 208,84 Q205,94 199,90",  # ear
]


def _guides(paths: Sequence[str], dots: Sequence[tuple[float, float, float]] = ()) -> str:
    lines = [
        f'<path d="{d}" fill="none" stroke="{GUIDE}" stroke-width="1.3" stroke-linecap="round"/>'
        for d in paths
    ]
    lines += [f'<circle cx="{x}" cy="{y}" r="{r}" fill="{GUIDE}"/>' for x, y, r in dots]
    return "\n  ".join(lines)


def svg(view: str) -> str:
    loops = FIGURE_OUTLINES[view]
    mirror = view == "right"
    body = loops[0]
    shapes = [
        f'<path d="{loop_path(body)}" fill="url(#skin)" stroke="{STROKE}" '
        f'stroke-width="2" stroke-linejoin="round"/>'
    ]
    if view in ("front", "back"):
        shapes.append(_guides(FRONT_GUIDES if view == "front" else BACK_GUIDES, FRONT_DOTS * 0))
        if view == "front":
            shapes.append(_guides((), FRONT_DOTS))
    else:
        guides = [_mirror_d(d) for d in PROFILE_GUIDES] if mirror else PROFILE_GUIDES
        shapes.append(_guides(guides))
        shapes.append(
            f'<path d="{loop_path(loops[1])}" fill="url(#skin)" stroke="{STROKE}" '
            f'stroke-width="2" stroke-linejoin="round"/>'
        )
    title = {"front": "Front", "back": "Back", "left": "Left side", "right": "Right side"}[view]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(ART_WIDTH)} '
        f'{_num(ART_HEIGHT)}" width="{_num(ART_WIDTH)}" height="{_num(ART_HEIGHT)}">\n'
        f"  <title>Body map, {title.lower()} view</title>\n"
        "  <defs>\n"
        '    <linearGradient id="skin" x1="0" y1="0" x2="1" y2="0">\n'
        f'      <stop offset="0" stop-color="{FILL_SHADE}"/>\n'
        f'      <stop offset="0.5" stop-color="{FILL}"/>\n'
        f'      <stop offset="1" stop-color="{FILL_SHADE}"/>\n'
        "    </linearGradient>\n"
        "  </defs>\n  " + "\n  ".join(shapes) + "\n</svg>\n"
    )


def main() -> None:
    for view in FIGURE_OUTLINES:
        (HERE / f"{view}.svg").write_text(svg(view), encoding="utf-8")


if __name__ == "__main__":
    main()

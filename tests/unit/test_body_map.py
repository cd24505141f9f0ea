"""Body-map regions: names, laterality from the patient's side, and the SVG art."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dermai_desktop.domain.body_map import on_body, regions, silhouettes, site_at
from dermai_desktop.domain.body_map_shapes import ART_HEIGHT, ART_WIDTH
from dermai_desktop.domain.lesions import BodyView

ART = Path(__file__).resolve().parents[2] / "resources" / "body_map"


def _at(view: BodyView, px: float, py: float) -> str | None:
    """site_at with a point given in the art's own units (360 x 800)."""
    return site_at(view, px / ART_WIDTH, py / ART_HEIGHT)


@pytest.mark.parametrize(
    ("view", "px", "py", "site"),
    [
        # Front: the patient's left is on the viewer's right.
        (BodyView.FRONT, 258, 250, "Left upper arm, anterior"),
        (BodyView.FRONT, 102, 250, "Right upper arm, anterior"),
        (BodyView.FRONT, 151, 660, "Right shin"),
        (BodyView.FRONT, 209, 660, "Left shin"),
        (BodyView.FRONT, 205, 200, "Left chest"),
        (BodyView.FRONT, 180, 200, "Central chest"),
        (BodyView.FRONT, 180, 50, "Forehead"),
        (BodyView.FRONT, 180, 140, "Anterior neck"),
        (BodyView.FRONT, 295, 430, "Left palm"),
        # Back: the patient's left is on the viewer's left.
        (BodyView.BACK, 180, 200, "Upper back"),
        (BodyView.BACK, 150, 200, "Left scapular area"),
        (BodyView.BACK, 210, 200, "Right scapular area"),
        (BodyView.BACK, 160, 660, "Left calf"),
        (BodyView.BACK, 210, 410, "Right buttock"),
        (BodyView.BACK, 65, 430, "Left back of hand"),
        # Profiles: each view shows one side only; the arm lies over the trunk.
        (BodyView.LEFT, 195, 250, "Left upper arm, lateral"),
        (BodyView.LEFT, 160, 220, "Left chest"),
        (BodyView.LEFT, 190, 650, "Left lower leg, lateral"),
        (BodyView.RIGHT, 165, 250, "Right upper arm, lateral"),
        (BodyView.RIGHT, 200, 220, "Right chest"),
        (BodyView.RIGHT, 170, 650, "Right lower leg, lateral"),
    ],
)
def test_known_points(view: BodyView, px: float, py: float, site: str) -> None:
    assert _at(view, px, py) == site


@pytest.mark.parametrize(
    ("view", "px", "py"),
    [
        (BodyView.FRONT, 10, 400),  # beside the figure
        (BodyView.FRONT, 180, 600),  # between the legs
        (BodyView.FRONT, 250, 300),  # between the arm and the trunk
        (BodyView.LEFT, 60, 300),
        (BodyView.BACK, 180, 5),  # above the head
    ],
)
def test_points_off_the_figure_have_no_site(view: BodyView, px: float, py: float) -> None:
    assert _at(view, px, py) is None
    assert not on_body(view, px / ART_WIDTH, py / ART_HEIGHT)


@pytest.mark.parametrize("view", list(BodyView))
def test_every_region_holds_part_of_the_figure(view: BodyView) -> None:
    found: set[str] = set()
    steps_x, steps_y = 90, 200
    for j in range(steps_y):
        for i in range(steps_x):
            site = site_at(view, (i + 0.5) / steps_x, (j + 0.5) / steps_y)
            if site is not None:
                found.add(site)
    names = {region.name for region in regions(view)}
    assert names - found == set(), "regions nobody can click"
    assert found <= names


@pytest.mark.parametrize("view", list(BodyView))
def test_region_names_are_unique_and_sided_correctly(view: BodyView) -> None:
    names = [region.name for region in regions(view)]
    assert len(names) == len(set(names))
    if view is BodyView.LEFT:
        assert not any(name.startswith("Right") for name in names)
    if view is BodyView.RIGHT:
        assert not any(name.startswith("Left") for name in names)
    if view in (BodyView.FRONT, BodyView.BACK):
        lefts = {n.removeprefix("Left ") for n in names if n.startswith("Left ")}
        rights = {n.removeprefix("Right ") for n in names if n.startswith("Right ")}
        assert lefts == rights
        assert lefts


def test_front_and_back_are_mirror_images() -> None:
    for x, y in [(0.3, 0.3), (0.72, 0.3), (0.45, 0.8), (0.6, 0.5)]:
        front, back = site_at(BodyView.FRONT, x, y), site_at(BodyView.BACK, 1 - x, y)
        assert (front is None) == (back is None)
        assert on_body(BodyView.FRONT, x, y) == on_body(BodyView.FRONT, 1 - x, y)


@pytest.mark.parametrize("view", list(BodyView))
def test_svg_art_parses_and_matches_the_outline(view: BodyView) -> None:
    root = ET.parse(ART / f"{view.value}.svg").getroot()
    assert root.tag.endswith("svg")
    assert root.get("viewBox") == f"0 0 {ART_WIDTH:g} {ART_HEIGHT:g}"
    paths = [el for el in root.iter() if el.tag.endswith("path")]
    filled = [p for p in paths if p.get("fill") not in (None, "none")]
    assert len(filled) == len(silhouettes(view))  # the figure (and a profile's arm)
    assert all(p.get("d", "").startswith("M") and p.get("d", "").endswith("Z") for p in filled)


def test_svgs_are_what_the_generator_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("body_map_generate", ART / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for view in BodyView:
        assert (ART / f"{view.value}.svg").read_text(encoding="utf-8") == module.svg(view.value)

"""The grid's pure geometry: columns, time <-> pixels, overlap lanes, hit testing, snapping."""

from __future__ import annotations

from datetime import date

import pytest

from dermai_desktop.ui.widgets.schedule_geometry import (
    BlockSpec,
    Column,
    Grid,
    HitKind,
    assign_lanes,
    closed_intervals,
    snap,
)

DAY = date(2026, 3, 3)
COLS = [Column(DAY, "a", "Dr A", ((480, 750), (810, 1050))), Column(DAY, "b", "Dr B")]


def _block(bid: str, start: int, end: int, provider: str = "a", day: date = DAY) -> BlockSpec:
    return BlockSpec(bid, provider, day, start, end)


def _grid() -> Grid:
    return Grid(COLS, width=460, day_start_min=420, day_end_min=1140, px_per_min=2.0, gutter=60)


def test_columns_share_the_width_after_the_gutter() -> None:
    grid = _grid()
    assert grid.column_rect(0).x == 60
    assert grid.column_rect(0).w == 200
    assert grid.column_at(59) == -1
    assert grid.column_at(60) == 0
    assert grid.column_at(260) == 1
    assert grid.nearest_column(10_000) == 1
    assert grid.nearest_column(-5) == 0


def test_time_and_pixels_round_trip() -> None:
    grid = _grid()
    assert grid.y_for(420) == 0
    assert grid.y_for(540) == 240
    assert grid.minute_at(240) == 540
    assert grid.height == (1140 - 420) * 2
    assert grid.hour_marks()[:2] == [420, 480]


def test_overlapping_blocks_get_lanes_and_share_the_cluster_width() -> None:
    lanes = {
        b.id: (lane, n)
        for b, lane, n in assign_lanes(
            [
                _block("x", 540, 600),
                _block("y", 560, 580),
                _block("z", 590, 620),
                _block("solo", 700, 715),
            ]
        )
    }
    assert lanes["x"] == (0, 2)
    assert lanes["y"] == (1, 2)
    assert lanes["z"] == (1, 2)
    assert lanes["solo"] == (0, 1)


def test_touching_blocks_do_not_overlap() -> None:
    result = assign_lanes([_block("a", 540, 560), _block("b", 560, 580)])
    assert [n for _b, _l, n in result] == [1, 1]


def test_hit_testing_body_resize_edge_and_empty() -> None:
    grid = _grid()
    placed = grid.place([_block("x", 540, 600)])
    rect = placed[0].rect
    assert grid.hit(rect.x + 5, rect.y + 5, placed).kind is HitKind.BODY
    assert grid.hit(rect.x + 5, rect.bottom - 2, placed).kind is HitKind.RESIZE
    empty = grid.hit(rect.x + 5, grid.y_for(700), placed)
    assert empty.kind is HitKind.EMPTY
    assert empty.column == 0
    assert empty.minute == 700
    assert grid.hit(10, 100, placed).kind is HitKind.NOTHING  # the time gutter


def test_drag_snaps_moves_columns_and_stays_inside_the_day() -> None:
    grid = _grid()
    placed = grid.place([_block("x", 540, 570)])[0]
    column, start = grid.moved(placed, grid.y_for(545), 300, grid.y_for(608), 5)
    assert (column, start) == (1, 605)
    _c, late = grid.moved(placed, 0, 100, 100_000, 5)
    assert late == 1140 - 30  # clamped: the block still fits before the end of the day
    assert grid.resized(placed, grid.y_for(547), 5) == 545  # never shorter than one step
    assert grid.resized(placed, grid.y_for(611), 5) == 610


def test_blocks_outside_columns_or_hours_are_not_placed() -> None:
    grid = _grid()
    placed = grid.place(
        [
            _block("other-day", 540, 560, day=date(2026, 3, 4)),
            _block("night", 1200, 1230),
            _block("unknown", 540, 560, "zz"),
        ]
    )
    assert placed == []


def test_closed_intervals_are_the_complement_of_working_hours() -> None:
    assert closed_intervals(COLS[0], 420, 1140) == [(420, 480), (750, 810), (1050, 1140)]
    assert closed_intervals(COLS[1], 420, 1140) == [(420, 1140)]


@pytest.mark.parametrize(
    ("minute", "step", "expected"), [(547, 5, 545), (548, 5, 550), (552, 15, 555)]
)
def test_snap(minute: int, step: int, expected: int) -> None:
    assert snap(minute, step) == expected


def test_week_grid_has_day_gaps_and_spans() -> None:
    days = [date(2026, 3, 2), date(2026, 3, 3)]
    cols = [Column(d, p, p) for d in days for p in ("a", "b")]
    grid = Grid(cols, width=1000, gutter=60, day_gap=6)
    spans = grid.day_spans()
    assert [d for d, _x, _w in spans] == days
    assert grid.column_rect(2).x - grid.column_rect(1).right == pytest.approx(6)
    assert grid.column_index(days[1], "b") == 3

"""Pure geometry of the schedule grid: columns, time <-> pixels, overlap lanes, hit testing.

No Qt here on purpose: the arithmetic that decides where a click lands or where a dragged
block snaps is the part most worth testing, and it tests in microseconds without a widget.
The painted view (``schedule_view.py``) only draws what this module computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

#: How close (px) to a block's bottom edge a press starts a resize instead of a move.
RESIZE_HANDLE_PX = 6
#: Minimum height a block is drawn with, so a 5-minute slot is still a target.
MIN_BLOCK_PX = 14


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.right and self.y <= py < self.bottom

    def intersects_y(self, top: float, bottom: float) -> bool:
        return self.y < bottom and self.bottom > top


@dataclass(frozen=True, slots=True)
class Column:
    """One provider on one day. ``open_intervals`` are bookable minutes (working hours)."""

    day: date
    provider_id: str
    provider_name: str
    open_intervals: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class BlockSpec:
    """What the grid needs to know about one appointment (UI-side, plain data).

    Minutes are local minutes since midnight of ``day``.
    """

    id: str
    provider_id: str
    day: date
    start_min: int
    end_min: int
    title: str = ""
    detail: str = ""
    type_key: str = ""
    color: str = "#5b8def"
    status: str = "booked"
    room_id: str = ""
    patient_id: str = ""
    #: the series in words ("Every 2 weeks, 6 times"); empty when not part of a series
    series: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Placed:
    block: BlockSpec
    column: int
    rect: Rect
    lane: int
    lanes: int


class HitKind(Enum):
    NOTHING = "nothing"
    EMPTY = "empty"  # an empty part of a column: click to book
    BODY = "body"  # a block: drag to move
    RESIZE = "resize"  # a block's bottom edge: drag to change the length


@dataclass(frozen=True, slots=True)
class Hit:
    kind: HitKind
    column: int = -1
    minute: int = 0
    placed: Placed | None = None


def snap(minute: float, step: int) -> int:
    """Round to the nearest multiple of ``step`` minutes."""
    return int(round(minute / step) * step)


def snap_down(minute: float, step: int) -> int:
    return int(minute // step * step)


def assign_lanes(blocks: Sequence[BlockSpec]) -> list[tuple[BlockSpec, int, int]]:
    """Side-by-side lanes for overlapping blocks of one column.

    Blocks are grouped into clusters of transitively overlapping intervals; each block
    takes the first lane free at its start; every block of a cluster shares the
    cluster's lane count, so widths line up (the familiar calendar layout).
    """
    ordered = sorted(blocks, key=lambda b: (b.start_min, -(b.end_min - b.start_min), b.id))
    result: list[tuple[BlockSpec, int, int]] = []
    cluster: list[tuple[BlockSpec, int]] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def flush() -> None:
        lanes = max(len(lane_ends), 1)
        result.extend((b, lane, lanes) for b, lane in cluster)

    for block in ordered:
        if cluster and block.start_min >= cluster_end:
            flush()
            cluster, lane_ends = [], []
        for lane, end in enumerate(lane_ends):
            if end <= block.start_min:
                lane_ends[lane] = block.end_min
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(block.end_min)
        cluster.append((block, lane))
        cluster_end = max(cluster_end, block.end_min)
    if cluster:
        flush()
    return result


class Grid:
    """Where everything goes for one set of columns at one widget width.

    Content coordinates: x from the widget's left edge (the time gutter included),
    y = 0 at ``day_start_min`` (the header is drawn above, outside this space).
    """

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        width: float,
        day_start_min: int = 7 * 60,
        day_end_min: int = 19 * 60,
        px_per_min: float = 1.6,
        gutter: float = 60.0,
        day_gap: float = 6.0,
    ) -> None:
        if day_end_min <= day_start_min:
            raise ValueError("day must end after it starts")
        self.columns = list(columns)
        self.day_start_min = day_start_min
        self.day_end_min = day_end_min
        self.px_per_min = px_per_min
        self.gutter = gutter
        self.width = width
        # A small gap between days in the week view, none between providers of one day.
        self.day_gap = day_gap if len({c.day for c in self.columns}) > 1 else 0.0
        self._xs = self._column_xs()

    # --- columns -----------------------------------------------------------------

    def _column_xs(self) -> list[tuple[float, float]]:
        n = len(self.columns)
        if n == 0:
            return []
        gaps = sum(1 for i in range(1, n) if self.columns[i].day != self.columns[i - 1].day)
        usable = max(self.width - self.gutter - gaps * self.day_gap, n * 8.0)
        col_w = usable / n
        xs: list[tuple[float, float]] = []
        x = self.gutter
        for i in range(n):
            if i and self.columns[i].day != self.columns[i - 1].day:
                x += self.day_gap
            xs.append((x, col_w))
            x += col_w
        return xs

    @property
    def height(self) -> float:
        return (self.day_end_min - self.day_start_min) * self.px_per_min

    def column_rect(self, index: int) -> Rect:
        x, w = self._xs[index]
        return Rect(x, 0.0, w, self.height)

    def column_at(self, x: float) -> int:
        """Index of the column under ``x``; -1 in the gutter or a gap."""
        for i, (cx, cw) in enumerate(self._xs):
            if cx <= x < cx + cw:
                return i
        return -1

    def nearest_column(self, x: float) -> int:
        """Like ``column_at`` but clamps into range (a drag may leave the grid)."""
        if not self._xs:
            return -1
        best, best_d = 0, float("inf")
        for i, (cx, cw) in enumerate(self._xs):
            d = 0.0 if cx <= x < cx + cw else min(abs(x - cx), abs(x - cx - cw))
            if d < best_d:
                best, best_d = i, d
        return best

    def column_index(self, day: date, provider_id: str) -> int:
        for i, column in enumerate(self.columns):
            if column.day == day and column.provider_id == provider_id:
                return i
        return -1

    def day_spans(self) -> list[tuple[date, float, float]]:
        """(day, x, width) of each day's group of provider columns (week header)."""
        spans: list[tuple[date, float, float]] = []
        for i, column in enumerate(self.columns):
            x, w = self._xs[i]
            if spans and spans[-1][0] == column.day:
                d, sx, _sw = spans[-1]
                spans[-1] = (d, sx, x + w - sx)
            else:
                spans.append((column.day, x, w))
        return spans

    # --- time --------------------------------------------------------------------

    def y_for(self, minute: float) -> float:
        return (minute - self.day_start_min) * self.px_per_min

    def minute_at(self, y: float) -> float:
        return self.day_start_min + y / self.px_per_min

    def clamp_minute(self, minute: int, length: int = 0) -> int:
        return max(self.day_start_min, min(minute, self.day_end_min - length))

    def hour_marks(self) -> list[int]:
        first = -(-self.day_start_min // 60) * 60
        return list(range(first, self.day_end_min + 1, 60))

    # --- blocks --------------------------------------------------------------------

    def block_rect(
        self, column: int, start_min: int, end_min: int, lane: int = 0, lanes: int = 1
    ) -> Rect:
        x, w = self._xs[column]
        inner = w - 3.0  # a gutter on the right so a click can always reach empty space
        lane_w = inner / max(lanes, 1)
        top = self.y_for(max(start_min, self.day_start_min))
        bottom = self.y_for(min(end_min, self.day_end_min))
        height = max(bottom - top, MIN_BLOCK_PX)
        return Rect(x + 1.0 + lane * lane_w, top + 0.5, max(lane_w - 2.0, 4.0), height - 1.0)

    def place(self, blocks: Iterable[BlockSpec]) -> list[Placed]:
        """Lay out ``blocks``; those outside every column or the day's range are skipped."""
        index = {(c.day, c.provider_id): i for i, c in enumerate(self.columns)}
        by_column: dict[int, list[BlockSpec]] = {}
        for block in blocks:
            col = index.get((block.day, block.provider_id))
            if col is None:
                continue
            if block.end_min <= self.day_start_min or block.start_min >= self.day_end_min:
                continue
            by_column.setdefault(col, []).append(block)
        placed: list[Placed] = []
        for col in sorted(by_column):
            for block, lane, lanes in assign_lanes(by_column[col]):
                rect = self.block_rect(col, block.start_min, block.end_min, lane, lanes)
                placed.append(Placed(block, col, rect, lane, lanes))
        return placed

    def hit(self, x: float, y: float, placed: Sequence[Placed]) -> Hit:
        """What a press at content point (x, y) means."""
        for item in reversed(placed):  # the last drawn is on top
            rect = item.rect
            if rect.contains(x, y):
                near_bottom = rect.bottom - y <= RESIZE_HANDLE_PX and rect.h >= 2 * MIN_BLOCK_PX
                kind = HitKind.RESIZE if near_bottom else HitKind.BODY
                return Hit(kind, item.column, int(self.minute_at(y)), item)
        col = self.column_at(x)
        if col < 0 or y < 0 or y >= self.height:
            return Hit(HitKind.NOTHING)
        return Hit(HitKind.EMPTY, col, int(self.minute_at(y)))

    def moved(
        self, placed: Placed, press_y: float, x: float, y: float, step: int
    ) -> tuple[int, int]:
        """(column, new start minute) for a block dragged from ``press_y`` to (x, y)."""
        length = placed.block.end_min - placed.block.start_min
        start = placed.block.start_min + (y - press_y) / self.px_per_min
        start_min = self.clamp_minute(snap(start, step), length)
        return self.nearest_column(x), start_min

    def resized(self, placed: Placed, y: float, step: int) -> int:
        """New end minute for a block whose bottom edge is dragged to ``y``."""
        end = snap(self.minute_at(y), step)
        return max(placed.block.start_min + step, min(end, self.day_end_min))


def closed_intervals(column: Column, day_start: int, day_end: int) -> list[tuple[int, int]]:
    """The parts of the visible day outside the column's open intervals (shaded)."""
    if not column.open_intervals:
        return [(day_start, day_end)]
    result: list[tuple[int, int]] = []
    cursor = day_start
    for start, end in sorted(column.open_intervals):
        if start > cursor:
            result.append((cursor, min(start, day_end)))
        cursor = max(cursor, end)
    if cursor < day_end:
        result.append((cursor, day_end))
    return [(s, e) for s, e in result if e > s]

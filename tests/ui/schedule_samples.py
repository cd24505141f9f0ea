"""Synthetic schedule data for the grid tests, the screenshot fallback and the benchmark."""

from __future__ import annotations

import random
from datetime import date, timedelta

from dermai_desktop.ui.widgets.schedule_geometry import BlockSpec, Column

PROVIDERS = (
    ("prov-okafor", "Dr Amara Okafor"),
    ("prov-lindqvist", "Dr Erik Lindqvist"),
    ("prov-haddad", "Dr Leila Haddad"),
)
TYPES = (
    ("new_patient", "New patient", "#2f7fc1", 30),
    ("follow_up", "Follow-up", "#2e9d6a", 15),
    ("skin_check", "Full skin check", "#c9822b", 30),
    ("procedure", "Procedure", "#c0445a", 45),
    ("cosmetic", "Cosmetic", "#8a5cc2", 30),
)
NAMES = (
    "Margaret Ellison",
    "Tomás Herrera",
    "Priya Raman",
    "Jonathan Whitfield",
    "Aisha Bello",
    "Chen Wei",
    "Sophie Laurent",
    "Daniel O'Brien",
    "Fatima Zahra",
    "George Papadakis",
    "Hannah Schmidt",
    "Ikechukwu Eze",
    "Julia Novak",
    "Kenji Watanabe",
    "Lucia Romano",
    "Mohammed Al-Sayed",
    "Nora Lindgren",
    "Oliver Grant",
    "Paula Mendes",
    "Rahul Verma",
)
STATUSES_PAST = ("completed", "completed", "completed", "no_show", "completed")


def columns_for(
    days: list[date], providers: tuple[tuple[str, str], ...] = PROVIDERS
) -> list[Column]:
    return [
        Column(day, pid, name, ((8 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30)))
        for day in days
        for pid, name in providers
    ]


def clinic_day(day: date, *, now_minute: int = 10 * 60 + 40, seed: int = 3) -> list[BlockSpec]:
    """A believable day: three dermatologists, mixed types, statuses following the clock."""
    rng = random.Random(seed + day.toordinal())
    blocks: list[BlockSpec] = []
    n = 0
    for pid, _name in PROVIDERS:
        minute = 8 * 60
        while minute < 17 * 60 + 30:
            if 12 * 60 + 30 <= minute < 13 * 60 + 30:
                minute = 13 * 60 + 30
                continue
            key, label, colour, length = TYPES[rng.randrange(len(TYPES))]
            if rng.random() < 0.18:
                minute += 15  # a gap
                continue
            end = min(minute + length, 17 * 60 + 30)
            status = _status(minute, end, now_minute, rng)
            name = NAMES[rng.randrange(len(NAMES))]
            n += 1
            blocks.append(
                BlockSpec(
                    id=f"{day.isoformat()}-{pid}-{n}",
                    provider_id=pid,
                    day=day,
                    start_min=minute,
                    end_min=end,
                    title=name,
                    detail=f"{label} · Room {1 + (n % 4)}",
                    type_key=key,
                    color=colour,
                    status=status,
                    room_id=f"room-{1 + (n % 4)}",
                    patient_id=f"pat-{n}",
                )
            )
            minute = end
    return blocks


def _status(start: int, end: int, now: int, rng: random.Random) -> str:
    if end <= now:
        return STATUSES_PAST[rng.randrange(len(STATUSES_PAST))]
    if start <= now < end:
        return "in_room"
    if start - now <= 40:
        return rng.choice(("arrived", "confirmed"))
    return rng.choice(("booked", "confirmed", "confirmed"))


def busy_week(monday: date, total: int = 2000, seed: int = 7) -> list[BlockSpec]:
    """``total`` appointments over 7 days × 3 providers, packed with overlaps (worst case)."""
    rng = random.Random(seed)
    blocks: list[BlockSpec] = []
    for i in range(total):
        day = monday + timedelta(days=i % 7)
        pid = PROVIDERS[(i // 7) % len(PROVIDERS)][0]
        key, label, colour, length = TYPES[i % len(TYPES)]
        start = 8 * 60 + rng.randrange(0, 9 * 60, 5)
        blocks.append(
            BlockSpec(
                id=f"b{i}",
                provider_id=pid,
                day=day,
                start_min=start,
                end_min=start + length,
                title=NAMES[i % len(NAMES)],
                detail=label,
                type_key=key,
                color=colour,
                status=("booked", "confirmed", "arrived", "completed")[i % 4],
            )
        )
    return blocks

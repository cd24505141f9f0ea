"""Where the shared HAM10000 images live, and a clean skip when a fresh clone has none.

The images are CC BY-NC and never copied into the project: tests read them
from ``../shared/data`` beside the checkout (CI has it; a user's clone may not).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FULLRES_DIR = SHARED_DATA / "demo_fullres" / "images"
SMALL_DIR = SHARED_DATA / "ham10000" / "images"
SKIP_REASON = (
    "needs the HAM10000 images in ../shared/data (not part of the project: CC BY-NC); "
    "CI provides them"
)


def require_shared_data() -> Path:
    """Skip the calling test unless the shared images are present."""
    if not FULLRES_DIR.is_dir() or not SMALL_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    return SHARED_DATA


def fullres_images() -> list[Path]:
    """The 24 full-resolution (600 x 450) dermoscopy JPEGs, sorted by name."""
    require_shared_data()
    return sorted(FULLRES_DIR.glob("*.jpg"))


def small_images(count: int) -> list[Path]:
    """The first ``count`` of the 10,015 small (200 x 150) images, sorted by name."""
    require_shared_data()
    return sorted(SMALL_DIR.glob("*.jpg"))[:count]

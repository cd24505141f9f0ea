"""Benchmarks run only on demand: ``DERMAI_BENCH=1 pytest tests/benchmarks`` (or ``run_all``)."""

from __future__ import annotations

import os

import pytest

ENABLED = os.environ.get("DERMAI_BENCH") == "1"

# Without DERMAI_BENCH=1 nothing here is even imported: the normal suite stays fast
# (the normal run also passes --ignore=tests/benchmarks).
collect_ignore_glob = [] if ENABLED else ["test_*.py", "run_all.py", "_common.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ENABLED:
        # The offscreen platform plugin warns about a window-manager feature it lacks when a
        # benchmark shows a top-level window; harmless, and the UI tests ignore it too.
        for item in items:
            item.add_marker(pytest.mark.qt_log_ignore("propagateSizeHints"))
        return
    skip = pytest.mark.skip(reason="benchmarks run only with DERMAI_BENCH=1")
    for item in items:
        if "tests/benchmarks" in str(item.path).replace(os.sep, "/"):
            item.add_marker(skip)

"""Shared helpers for the benchmarks: statistics, result files, child-process environment."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[2]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile (no interpolation: it is one of the measured values)."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 * n)
    return float(ordered[rank - 1])


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write ``results/<name>.json`` (small, commit-able) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine_info(),
        **figures,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def report(name: str, line: str) -> None:
    """The one clear result line each benchmark prints."""
    print(f"[bench {name}] {line}", flush=True)


def child_env(**extra: str) -> dict[str, str]:
    """Environment for benchmark child processes: offscreen Qt, the repo importable."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("DERMAI_MACHINE_CONFIG", str(REPO_ROOT / "no-such-machine-config.toml"))
    env.update(extra)
    return env


PYTHON = sys.executable

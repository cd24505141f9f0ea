"""The real GUI event loop in a real process: sign in, lock, unlock, quit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_person_can_sign_in_lock_and_unlock(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.e2e.gui_driver", str(tmp_path / "demo")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    steps = proc.stdout.split()
    expected = ["LOGIN_SHOWN", "MAIN_WINDOW_SHOWN", "LOCKED", "UNLOCKED", "SIGNED_OUT"]
    assert steps[:6] == [*expected, "STILL_THERE"], proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr

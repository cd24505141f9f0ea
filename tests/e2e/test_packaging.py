"""The installable package carries everything the app reads at run time."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_ships_code_migrations_and_resources(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("dermai_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "dermai_desktop/cli.py",
        "dermai_desktop/storage/migrations/env.py",
        "dermai_desktop/resources/icd10/dermatology.csv",
        "dermai_desktop/resources/styles/base.qss",
        "dermai_desktop/resources/icons/logo.svg",
        "dermai_desktop/analysis/engine.py",
        "dermai_desktop/models_data/lesion_classifier.onnx",
        "dermai_desktop/models_data/lesion_classifier.card.json",
        "dermai_desktop/models_data/lesion_segmenter.onnx",
        "dermai_desktop/models_data/lesion_segmenter.card.json",
    ):
        assert needed in names, needed
    # The models travel intact (the engine refuses a file whose SHA-256 differs from its card),
    # and nothing of the training recipe, its runs or the benchmark-only model comes along.
    archive = zipfile.ZipFile(wheel)
    for model in ("lesion_classifier", "lesion_segmenter"):
        card = json.loads(archive.read(f"dermai_desktop/models_data/{model}.card.json"))
        shipped = archive.read(f"dermai_desktop/models_data/{card['file']}")
        assert hashlib.sha256(shipped).hexdigest() == card["sha256"]
    assert not any(n.startswith("dermai_desktop/models_data/training") for n in names)
    assert not any(n.startswith("dermai_desktop/models_data/benchmark") for n in names)
    versions = {n for n in names if n.startswith("dermai_desktop/storage/migrations/versions/0")}
    assert len(versions) == len(
        list((ROOT / "dermai_desktop/storage/migrations/versions").glob("0*.py"))
    )
    assert any(n.startswith("dermai_desktop/resources/note_templates/") for n in names)
    assert not any("screenshots" in n for n in names)  # documentation, not run-time data
    assert any(n.endswith("entry_points.txt") for n in names)

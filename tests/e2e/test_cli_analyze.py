"""``dermai-desktop analyze`` as IT runs it: a real child process, no clinic, plain errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import REPO_ROOT, assert_plain_failure, child_env
from tests.shared_data import SHARED_DATA, fullres_images


def _analyze(
    tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = child_env(tmp_path / "keyring.json")
    env.update(env_extra or {})
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dermai_desktop",
            "--data-dir",
            str(tmp_path / "data"),
            "analyze",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(REPO_ROOT),
        timeout=120,
        check=False,
    )


def test_analyze_prints_a_readable_summary(tmp_path: Path) -> None:
    image = fullres_images()[0]
    proc = _analyze(tmp_path, str(image), "--mm-per-pixel", "0.02")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert image.name in out
    assert "Most likely:" in out
    assert "Suspicion" in out
    assert "Image quality: all checks passed." in out
    assert " mm." in out  # the diameter in millimetres
    assert "Total dermoscopy score" in out
    assert "not a diagnosis" in out
    assert not (tmp_path / "data" / "clinic.db").exists()


def test_analyze_json_with_a_bad_file_among_good_ones(tmp_path: Path) -> None:
    good = fullres_images()[:2]
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"this is not a photo")
    proc = _analyze(tmp_path, str(good[0]), str(bad), str(good[1]), "--json")
    assert proc.returncode == 2
    documents = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(d["file"]).name for d in documents] == [good[0].name, bad.name, good[1].name]
    assert documents[1] == {"file": str(bad), "error": "The file is not an image that can be read."}
    for document in (documents[0], documents[2]):
        assert document["reliable"] is True
        assert len(document["probabilities"]) == 7
        assert document["classifier"]["sha256"]
    assert "notes.jpg: The file is not an image" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_analyze_with_a_changed_model_fails_plainly(tmp_path: Path) -> None:
    fullres_images()
    models = tmp_path / "models"
    models.mkdir()
    for path in (REPO_ROOT / "models").glob("lesion_*"):
        if path.name.endswith((".onnx", ".card.json")):
            shutil.copy2(path, models / path.name)
    model = models / "lesion_segmenter.onnx"
    data = bytearray(model.read_bytes())
    data[-100] ^= 0xFF
    model.write_bytes(bytes(data))
    image = SHARED_DATA / "demo_fullres" / "images" / "ISIC_0027001.jpg"
    proc = _analyze(tmp_path, str(image), env_extra={"DERMAI_MODELS_DIR": str(models)})
    assert_plain_failure(proc, 3)
    assert "has been changed" in proc.stderr


def test_analyze_needs_an_image_and_a_sane_scale(tmp_path: Path) -> None:
    assert _analyze(tmp_path).returncode == 2
    image = str(fullres_images()[0])
    assert_plain_failure(_analyze(tmp_path, image, "--mm-per-pixel", "-1"), 2)

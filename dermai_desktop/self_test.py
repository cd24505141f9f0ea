"""``self-test``: can this machine run DermAI Desktop? Checks for IT, no patient data read."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from dermai_desktop.bootstrap import LocalClinicGate
from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.paths import AppPaths
from dermai_desktop.services.startup import ClinicState
from dermai_desktop.storage.keychain import KeyStore

MIN_FREE_BYTES = 2 * 1024**3
REQUIRED_MODULES = (
    "PySide6.QtWidgets",
    "sqlalchemy",
    "sqlcipher3",
    "alembic",
    "argon2",
    "cryptography",
    "keyring",
    "platformdirs",
    "PIL",
    "onnxruntime",
    "sentry_sdk",
    "apscheduler",
    "zxcvbn",
)

# Run in a child process: the CLI stays Qt-free, and a broken platform plugin
# (which aborts the process) cannot take the self-test down with it.
_QT_PROBE = (
    "from PySide6.QtGui import QGuiApplication; import sys; "
    "app = QGuiApplication(sys.argv); print(app.platformName())"
)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def run_self_test(
    paths: AppPaths,
    gate: LocalClinicGate,
    keystore_factory: Callable[[], KeyStore],
    *,
    as_json: bool,
    fail: type[Exception],
) -> int:
    checks = [
        *_check_imports(),
        _check_qt_platform(),
        _check_keychain(keystore_factory),
        _check_disk(paths),
        _check_database(gate),
        _check_analysis(),
    ]
    failed = [c for c in checks if c.required and not c.ok]
    if as_json:
        print(
            json.dumps(
                {
                    "ok": not failed,
                    "checks": [
                        {"name": c.name, "ok": c.ok, "required": c.required, "detail": c.detail}
                        for c in checks
                    ],
                },
                indent=2,
            )
        )
    else:
        for c in checks:
            mark = "ok  " if c.ok else ("FAIL" if c.required else "warn")
            print(f"[{mark}] {c.name}: {c.detail}")
        print("All required checks passed." if not failed else f"{len(failed)} check(s) failed.")
    if failed:
        raise fail()
    return 0


def _check_analysis() -> Check:
    """The lesion models: files match their cards and a sample image runs through both.

    Not required: without the models the rest of the application works, and the
    Analyze button says why it cannot run.
    """
    import io

    from PIL import Image, ImageDraw

    from dermai_desktop.analysis import OnnxLesionAnalyzer

    # A plain brown disc on skin tone: enough to exercise decoding, both models and the
    # measurements, with no patient image anywhere near a diagnostic tool.
    picture = Image.new("RGB", (300, 225), (222, 170, 150))
    ImageDraw.Draw(picture).ellipse((110, 70, 190, 150), fill=(120, 75, 50))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    try:
        analyzer = OnnxLesionAnalyzer()
        card = analyzer.card()
        outcome = analyzer.analyze(buffer.getvalue(), "image/jpeg", None)
    except ExpectedError as exc:
        return Check("lesion analysis models", False, exc.message, required=False)
    detail = (
        f"{card.classifier.name} {card.classifier.version} and {card.segmenter.name} "
        f"{card.segmenter.version} verified and run ({outcome.seconds * 1000:.0f} ms)"
    )
    return Check("lesion analysis models", True, detail, required=False)


def _check_imports() -> list[Check]:
    checks = []
    for module in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except Exception as exc:  # any import failure is the finding
            checks.append(Check(f"import {module}", False, type(exc).__name__))
        else:
            checks.append(Check(f"import {module}", True, "importable"))
    return checks


def _check_qt_platform() -> Check:
    env = dict(os.environ)
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
            [sys.executable, "-c", _QT_PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Check("Qt platform plugin", False, "did not start within 60 s")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return Check("Qt platform plugin", False, f"cannot start Qt: {last[:200]}")
    return Check("Qt platform plugin", True, f"platform '{result.stdout.strip()}' works")


def _check_keychain(keystore_factory: Callable[[], KeyStore]) -> Check:
    try:
        store = keystore_factory()
        store.ensure_usable()
    except ExpectedError as exc:
        # A demo clinic runs without a keychain, so this is a warning, not a failure.
        return Check("keychain", False, exc.message, required=False)
    return Check("keychain", True, f"backend {store.backend_name()}")


def _check_disk(paths: AppPaths) -> Check:
    free = shutil.disk_usage(paths.data_dir).free
    ok = free >= MIN_FREE_BYTES
    detail = f"{free / 1024**3:.1f} GiB free in the data directory"
    return Check("free disk", ok, detail if ok else f"{detail}; at least 2 GiB needed")


def _check_database(gate: LocalClinicGate) -> Check:
    if gate.state() is ClinicState.NO_CLINIC:
        return Check("database", True, "no clinic set up in this data directory yet", False)
    try:
        gate.unlock()
        report = gate.database.check()
    except ExpectedError as exc:
        return Check("database", False, exc.message)
    finally:
        gate.close()
    if report.ok:
        return Check("database", True, f"opens and checks clean ({report.total_rows} rows read)")
    return Check("database", False, "integrity problems found; run 'dermai-desktop db check'")

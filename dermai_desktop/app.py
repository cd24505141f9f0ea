"""The GUI composition root: builds the Qt application over an unlockable clinic.

Everything slow (unlocking keys, opening the database, every service call)
runs on the ``TaskRunner``'s worker threads; this module only wires objects
together and hands control to Qt's event loop.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from dermai_desktop import __version__
from dermai_desktop.bootstrap import LocalClinicGate
from dermai_desktop.config import MachineConfig
from dermai_desktop.demo import demo_gate, open_or_create_demo
from dermai_desktop.error_reporting import new_incident_id
from dermai_desktop.paths import resolve_paths

log = logging.getLogger(__name__)


def run_gui(gate: LocalClinicGate, *, theme: str = "light") -> int:
    """Show the window for ``gate``'s clinic and run until the user quits."""
    from PySide6.QtWidgets import QApplication

    from dermai_desktop.ui.app_controller import AppController
    from dermai_desktop.ui.tasks import TaskRunner
    from dermai_desktop.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("DermAI Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("DermAI")
    # Between windows (sign-in closes before the main window opens; a lock or user switch
    # swaps windows) no window may be open for a moment: the controller quits explicitly.
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, theme)
    runner = TaskRunner()
    controller = AppController(gate, runner, incident_id_factory=new_incident_id)
    controller.start()
    try:
        return app.exec()
    finally:
        runner.shutdown()
        gate.close()
        log.info("application closed")


def build_demo_gate(data_dir: Path, *, fast: bool = True, patients: int = 12) -> LocalClinicGate:
    """A locked demo clinic in ``data_dir`` (built on first use), ready for the GUI.

    Used by the UI tests and screenshot runs: ``fast`` uses cheap password
    hashing so a test builds a clinic in well under a second.
    """
    paths = resolve_paths(str(data_dir), demo=True)
    from dermai_desktop.paths import ensure_dirs

    ensure_dirs(paths)
    gate = demo_gate(paths, MachineConfig.load(None), fast=fast)
    open_or_create_demo(gate, patients=patients)
    gate.close()
    return gate

"""The Qt user interface (PySide6 is imported only below this package and in app.py)."""

# Before any widget exists: PySide6 6.12 on Python 3.11 drops references to None and the
# bools on every void call; see pyside_guard for the measurement and the remedy.
from dermai_desktop.ui import pyside_guard as _pyside_guard  # noqa: F401

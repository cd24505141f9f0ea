"""Pin ``None`` (and the bools) against PySide6 6.12's missing reference on void returns.

On Python 3.11, every call of a Qt method returning ``void`` (``QPainter.setPen``,
``QWidget.update``, ``QLabel.setText``...) gives back ``None`` without owning a reference
to it, so ``None``'s count falls by one per call: a few thousand calls later, typically
one paint of a busy week, the interpreter aborts with "none_dealloc". (3.12 made ``None``
immortal, which is why the binding got away with it.) ``ui/signals.py`` repairs ``True``
emit by emit; painting makes far too many calls for that, so we do what 3.12 does: we
measure the defect once and, only when present, raise the three singletons' counts so far
that they can never reach zero in a process's lifetime. Nothing else changes.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject

_PIN = 1 << 40  # ~10^12 leaked references: centuries of calls at a million per second


def _void_call_drops_none() -> bool:
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= 16


def _pin(obj: object) -> None:
    # CPython keeps ob_refcnt (a Py_ssize_t) first in every object header, at id(obj).
    ctypes.c_ssize_t.from_address(id(obj)).value += _PIN


VOID_CALL_DROPS_NONE = sys.implementation.name == "cpython" and _void_call_drops_none()
if VOID_CALL_DROPS_NONE and sys.getrefcount(None) < _PIN:
    for _singleton in (None, True, False):
        _pin(_singleton)

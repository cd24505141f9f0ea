"""Emit Qt signals safely: PySide6 6.12 drops a reference to ``True`` on every Python emit().

``SignalInstance.emit`` returns ``True`` without owning a reference to it, so
each call from Python lowers ``True``'s reference count by one; after a few
thousand emits the interpreter aborts ("bool_dealloc") at exit. We measure the
defect once at import and give the reference back only when it is present, so
a fixed PySide6 needs no change here.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    fired = Signal()


def _emit_drops_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.fired.emit()
    dropped = before - sys.getrefcount(True)
    if dropped > 0:
        for _ in range(dropped):
            _incref(True)
    return dropped >= 8


EMIT_DROPS_TRUE = _emit_drops_true()


def emit(signal: SignalInstance, *args: object) -> None:
    """``signal.emit(*args)``, repairing the reference count where PySide needs it."""
    # The stubs say emit() returns None; at run time it returns a bool (hence getattr).
    result: object = getattr(signal, "emit")(*args)  # noqa: B009
    if EMIT_DROPS_TRUE and result is True:
        _incref(True)

"""Everything that imports Qt."""

from __future__ import annotations

import ctypes
import sys


def _work_around_emit_refcount_bug() -> bool:
    """PySide6 6.12.0's `SignalInstance.emit()` returns True without taking a reference to it, so
    every emit from Python drops a reference to True; after a few hundred the interpreter aborts
    ("bool_dealloc: deallocating True or False"). Probe for the bug and, only if present, give the
    reference back after each emit. A fixed PySide6 passes the probe and is left alone."""
    from PySide6.QtCore import QObject, Signal, SignalInstance

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit()
    if sys.getrefcount(True) - before != -4:
        return False
    ctypes.pythonapi.Py_IncRef.argtypes = [ctypes.py_object]
    for _ in range(4):
        ctypes.pythonapi.Py_IncRef(True)
    original = SignalInstance.emit

    def emit(self: SignalInstance, *args: object) -> object:
        result = original(self, *args)
        if result is True or result is False:
            ctypes.pythonapi.Py_IncRef(result)
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    return True


EMIT_WORKAROUND = _work_around_emit_refcount_bug()

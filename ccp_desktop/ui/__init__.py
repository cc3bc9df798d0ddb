"""Everything that imports Qt."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any


def _work_around_signal_refcount_bug() -> bool:
    """PySide6 6.12.0's `SignalInstance.emit()` and `.disconnect()` return True/False without taking
    a reference to it, so every emit from Python drops a reference to True; after a few hundred the
    interpreter aborts ("bool_dealloc: deallocating True or False"). Probe for the bug and, only if
    it is there, give the reference back after each call. A fixed PySide6 fails the probe and is
    left alone."""
    from PySide6.QtCore import QObject, Signal, SignalInstance

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit()
    if sys.getrefcount(True) - before != -4:
        return False
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    for _ in range(4):
        incref(True)

    original_emit, original_connect, original_disconnect = SignalInstance.emit, SignalInstance.connect, SignalInstance.disconnect

    def emit(self: SignalInstance, *args: Any) -> Any:
        result = original_emit(self, *args)
        if result is True or result is False:
            incref(result)
        return result

    def native(slot: Any) -> Any:
        # `a.connect(b.emit)` must stay a signal-to-signal connection (PySide recognises only its own
        # emit, and cannot hold a weak reference to a SignalInstance behind a Python method).
        if getattr(slot, "__func__", None) is emit:
            return original_emit.__get__(slot.__self__)
        return slot

    def connect(self: SignalInstance, slot: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return original_connect(self, native(slot), *args, **kwargs)

    def disconnect(self: SignalInstance, *args: Any) -> Any:
        result = original_disconnect(self, *(native(a) for a in args))
        if result is True or result is False:
            incref(result)
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    SignalInstance.connect = connect  # type: ignore[method-assign,assignment]
    SignalInstance.disconnect = disconnect  # type: ignore[method-assign,assignment]
    return True


SIGNAL_WORKAROUND = _work_around_signal_refcount_bug()

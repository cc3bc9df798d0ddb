"""A long session emits many signals; PySide6 6.12.0 lost a reference to True on each (see ui/__init__)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    value = Signal(object)
    forwarded = Signal(object)


def test_ten_thousand_emits_leave_true_alone() -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.value.connect(received.append)
    before = sys.getrefcount(True)
    for n in range(10_000):
        emitter.value.emit(n)
    after = sys.getrefcount(True)
    assert after >= before  # unpatched 6.12.0 would be 10,000 short (and crash on the way)
    assert len(received) == 10_000


def test_signal_to_signal_connections_and_disconnects_still_work() -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.forwarded.connect(received.append)
    emitter.value.connect(emitter.forwarded.emit)
    emitter.value.emit("a")
    assert received == ["a"]
    before = (sys.getrefcount(True), sys.getrefcount(False))
    assert emitter.value.disconnect(emitter.forwarded.emit) is True
    for _ in range(500):
        with pytest.warns(RuntimeWarning):
            assert emitter.value.disconnect(emitter.forwarded.emit) is False
    assert (sys.getrefcount(True), sys.getrefcount(False)) >= before
    emitter.value.emit("b")
    assert received == ["a"]

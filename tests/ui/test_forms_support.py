"""Helpers the form tests share: answering a question box, choosing from a combo by typing, filling a
form with the keyboard. (A module of its own, not conftest.py, which the shell's tests own.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QWidget

from ccp_desktop.ui.forms import open_record_form
from ccp_desktop.ui.forms.base import RecordForm


class BoxAnswerer:
    """Clicks a button of the next question box as soon as it is shown (boxes wait with exec())."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._pending: list[QMessageBox.StandardButton] = []
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._poll)

    def answer(self, button: QMessageBox.StandardButton) -> None:
        self._pending.append(button)
        self._timer.start()

    def _poll(self) -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        if not shown or not self._pending:
            return
        box = shown[-1]
        self.texts.append(box.text() + "\n" + box.informativeText())
        box.button(self._pending.pop(0)).click()
        if not self._pending:
            self._timer.stop()

    @property
    def done(self) -> bool:
        return not self._pending


@pytest.fixture
def boxes() -> Iterator[BoxAnswerer]:
    answerer = BoxAnswerer()
    yield answerer
    answerer._timer.stop()


def choose(qtbot: Any, combo: QComboBox, label: str) -> None:
    """Choose an entry the way a keyboard user does: focus the combo and type the start of its label."""
    combo.setFocus()
    if combo.isEditable():
        combo.lineEdit().selectAll()
        qtbot.keyClicks(combo.lineEdit(), label)
        popup = combo.completer().popup()
        if popup.isVisible():  # take the completion, as Enter does
            qtbot.keyClick(popup, Qt.Key.Key_Return)
    else:
        # Home, then Down until there: what a keyboard user does (type-ahead remembers earlier keys).
        target = combo.findText(label)
        assert target >= 0, f"{label!r} is not offered"
        qtbot.keyClick(combo, Qt.Key.Key_Home)
        for _ in range(combo.count()):
            if combo.currentIndex() >= target:
                break
            qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == label, f"typing {label!r} chose {combo.currentText()!r}"


def type_into(qtbot: Any, widget: QWidget, text: str) -> None:
    """Replace a field's text by typing, as a person would (select all, then type)."""
    target = getattr(widget, "edit", widget)  # a DateEdit types into its line edit
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        for number, line in enumerate(text.split("\n")):
            if number:
                qtbot.keyClick(target, Qt.Key.Key_Return)  # QTest cannot type a line break as text
            qtbot.keyClicks(target, line)
    else:
        qtbot.keyClick(target, Qt.Key.Key_Delete)


def field(form: RecordForm, key: str) -> Any:
    return form.binding(key).widget


def error_of(form: RecordForm, key: str) -> str:
    label = form.binding(key).error
    return "" if label.isHidden() else label.text()


def save_with_keyboard(qtbot: Any, form: RecordForm) -> tuple[str, str]:
    """Ctrl+S, and wait for the form's `saved` signal; returns (kind, id)."""
    popup = QApplication.activePopupWidget()
    if popup is not None:  # a search list still open over the form: Escape closes it
        qtbot.keyClick(popup, Qt.Key.Key_Escape)
    form.activateWindow()  # a window manager gives focus back after an inline dialog; offscreen has none
    qtbot.waitUntil(form.isActiveWindow)
    with qtbot.waitSignal(form.saved, timeout=3000) as blocker:
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    return tuple(blocker.args)  # type: ignore[return-value]


def gone(widget: QWidget) -> bool:
    """Closed (the forms delete themselves once finished)."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


@pytest.fixture
def open_form(qtbot: Any) -> Iterator[Callable[..., Any]]:
    """open_form(db, kind, record_id=None): the form, shown and active; closed quietly at teardown."""
    opened: list[QWidget] = []

    def opener(db: Any, kind: str, record_id: str | None = None) -> Any:
        form = open_record_form(None, db, kind, record_id)
        opened.append(form)
        qtbot.waitExposed(form)
        form.activateWindow()
        # Activation is asynchronous: keyboard and focus tests need the form to be the active window.
        qtbot.waitUntil(form.isActiveWindow)
        return form

    yield opener
    for form in opened:
        if shiboken6.isValid(form) and form.isVisible():
            form.finish_clean()  # nothing to ask about at teardown
            form.close()

"""Questions asked of the person: one place, so every form words and answers them the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def _question(
    parent: QWidget | None, title: str, text: str, buttons: Button, default: Button, detail: str,
    labels: dict[Button, str] | None,
) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setDefaultButton(default)
    box.setAccessibleName(title)
    if detail:
        box.setInformativeText(detail)
    for button, label in (labels or {}).items():
        widget = box.button(button)
        if widget is not None:
            widget.setText(label)
    return box


def ask(
    parent: QWidget | None, title: str, text: str, buttons: Button, default: Button, *,
    detail: str = "", labels: dict[Button, str] | None = None,
) -> Button:
    """Ask and wait for the answer. Escape answers with the Cancel/No button when there is one."""
    return Button(_question(parent, title, text, buttons, default, detail, labels).exec())


def tell(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, Button.Ok, parent)
    box.setAccessibleName(title)
    box.exec()


def ask_later(
    parent: QWidget | None, title: str, text: str, buttons: Button, default: Button,
    on_answer: Callable[[Button], None], *, detail: str = "", labels: dict[Button, str] | None = None,
) -> QMessageBox:
    """Ask without a nested event loop (window-modal `open()`); `on_answer` gets the button chosen.
    Used where the asker is itself being closed, so that nothing waits inside a close request."""
    box = _question(parent, title, text, buttons, default, detail, labels)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(lambda _r: on_answer(box.standardButton(box.clickedButton()) or Button.Cancel))
    box.open()
    return box

"""Questions asked of the person: one place, so every form words and answers them the same way."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def ask(
    parent: QWidget | None, title: str, text: str, buttons: Button, default: Button, *,
    detail: str = "", labels: dict[Button, str] | None = None,
) -> Button:
    """Ask and wait for the answer. Escape answers with the Cancel/No button when there is one."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setDefaultButton(default)
    box.setAccessibleName(title)
    if detail:
        box.setInformativeText(detail)
    for button, label in (labels or {}).items():
        widget = box.button(button)
        if widget is not None:
            widget.setText(label)
    return Button(box.exec())


def tell(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, Button.Ok, parent)
    box.setAccessibleName(title)
    box.exec()

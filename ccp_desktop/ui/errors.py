"""The one function that shows an error to a person, in plain words (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ccp_desktop.errors import CcpError, ValidationError

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> tuple[str, str]:
    """A short headline and the detail for any exception."""
    from ccp_desktop.errors import describe_error

    if isinstance(exc, ValidationError):
        detail = "\n".join(f"• {p.describe()}" for p in exc.problems) or str(exc)
        return "Some values need fixing; nothing was saved.", detail
    if isinstance(exc, CcpError):
        return str(exc), ""
    return "Something went wrong; nothing was changed.", describe_error(exc)


def show_error(
    parent: QWidget | None, exc: BaseException, *, title: str = "CCP Field Desk", wait: bool = False
) -> QMessageBox:
    """Show `exc` in plain words. Non-blocking (window-modal `open()`) unless `wait` is true, so that
    a caller, a worker callback or a test is never stuck inside a nested event loop. Returns the box."""
    if not isinstance(exc, CcpError):
        log.error("unexpected error", exc_info=exc)
    headline, detail = error_text(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, headline, QMessageBox.StandardButton.Ok, parent)
    if detail:
        box.setInformativeText(detail)
    box.setObjectName("error-message")
    box.setAccessibleName("Error message")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    for hook in list(error_hooks):
        hook(headline, detail)
    if wait:
        box.exec()
    else:
        box.open()
    return box


# Called with (headline, detail) for every error shown: a log pane, or a test that wants to know.
error_hooks: list[Callable[[str, str], None]] = []

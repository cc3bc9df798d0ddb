"""The self-test's window step: draw the icon, open the real main window offscreen, close it."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ccp_desktop.paths import resource_path


def _isolate_qt_settings(folder: Path) -> None:
    """Point QSettings at the temporary folder, so the window's saved geometry and the like never
    overwrite the officer's own."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))


def _collect_qt_messages(into: list[str]) -> None:
    """Keep Qt's own messages off the one-line result: the offscreen platform warns about window
    features it lacks. Critical ones are kept and fail the step."""

    def handle(kind: QtMsgType, _context: object, message: str) -> None:
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            into.append(message)

    qInstallMessageHandler(handle)


def open_and_close_main_window(db_path: Path, folder: Path) -> str | None:
    """None when the window opened and closed cleanly, else what went wrong."""
    critical: list[str] = []
    _collect_qt_messages(critical)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    _isolate_qt_settings(folder)
    icon = QIcon(str(resource_path("icons", "ccp-field-desk.svg")))
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        return "the application icon could not be drawn (SVG support or resources missing)"

    from ccp_desktop.ui.main_window import MainWindow

    window = MainWindow(db_path)
    window.show()
    app.processEvents()
    if not window.isVisible():
        return "the main window did not show"
    if not window.close():
        return "the main window refused to close"
    window.deleteLater()
    app.processEvents()
    if critical:
        return f"Qt reported: {critical[0]}"
    return None

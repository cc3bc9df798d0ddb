"""Starting the desktop application."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from ccp_desktop import APP_NAME, __version__


def run_gui(db_path: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle(f"{APP_NAME} {__version__}")
    window.setCentralWidget(QLabel(f"Database: {db_path}"))
    window.resize(1024, 700)
    window.show()
    return int(app.exec())

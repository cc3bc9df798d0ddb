"""Starting the desktop application: one instance per database, the setup wizard on first run."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from ccp_desktop import APP_NAME, __version__
from ccp_desktop.errors import CcpError
from ccp_desktop.ui.instance_lock import acquire_instance_lock, lock_path_for  # noqa: F401 - also used from here


def needs_setup(db_path: Path) -> bool:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.store.installation import get_installation

    if not Path(db_path).exists():
        return True
    db = open_database(db_path)
    try:
        return get_installation(db) is None
    finally:
        db.close()


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Cyber Cooperation Program")
    from ccp_desktop.ui.main_window import app_icon

    app.setWindowIcon(app_icon())
    return app


def _tell(text: str, detail: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Information, APP_NAME, text, QMessageBox.StandardButton.Ok)
    box.setObjectName("already-running")
    if detail:
        box.setInformativeText(detail)
    box.exec()


def run_gui(db_path: Path) -> int:
    """Open the app on `db_path`; returns the exit status."""
    from ccp_desktop.ui.errors import show_error

    app = application()
    db_path = Path(db_path)
    try:
        lock = acquire_instance_lock(db_path)
    except CcpError as exc:
        show_error(None, exc, wait=True)
        return 1
    if lock is None:
        print(f"{APP_NAME} is already open on {db_path}", file=sys.stderr)
        _tell(f"{APP_NAME} is already open on this database.",
              f"{db_path}\n\nSwitch to the window that is open (check the taskbar); only one may work on a database at a time.")
        return 1
    try:
        if needs_setup(db_path):
            from ccp_desktop.ui.setup_wizard import SetupWizard

            wizard = SetupWizard(db_path)
            if wizard.exec() != QWizard.DialogCode.Accepted:
                return 0
        from ccp_desktop.ui.main_window import MainWindow

        window = MainWindow(db_path)
        window.instance_lock = lock  # handed on to a new window if the data folder is moved
    except Exception as exc:  # a damaged database fails here: say so in plain words (where backups are)
        from ccp_desktop.ui.worker import BackgroundWorker

        BackgroundWorker.stop_all()
        show_error(None, exc, wait=True)
        lock.unlock()
        return 1
    window.show()
    QTimer.singleShot(0, window.after_shown)
    try:
        return int(app.exec())
    finally:
        lock.unlock()

"""Starting the desktop application: one instance per database, the setup wizard on first run."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ccp_desktop import APP_NAME, __version__
from ccp_desktop.errors import CcpError
from ccp_desktop.ui.instance_lock import acquire_instance_lock, lock_path_for  # noqa: F401 - also used from here

if TYPE_CHECKING:
    from ccp_desktop.ui.main_window import MainWindow


OPEN_AT_THE_LATEST_MS = 300
# The start-up benchmark (tests/benchmarks/startup.py) sets this: the app prints "shown" (and the CPU
# time used) at the window's first paint and closes, so that the frozen app can be timed as it ships, without code put into it.
QUIT_WHEN_SHOWN_ENV = "CCP_QUIT_WHEN_SHOWN"


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
    return app  # the icon: set by the main window (MainWindow._complete) or, at first run, before the wizard


def _tell(text: str, detail: str = "") -> None:
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Information, APP_NAME, text, QMessageBox.StandardButton.Ok)
    box.setObjectName("already-running")
    if detail:
        box.setInformativeText(detail)
    box.exec()


def run_gui(db_path: Path) -> int:
    """Open the app on `db_path`; returns the exit status. Only what the window's first paint needs is
    imported before it (pages, the database layer, message boxes come after: issue 14, start-up)."""
    app = application()
    db_path = Path(db_path)
    try:
        lock = acquire_instance_lock(db_path)
    except CcpError as exc:
        from ccp_desktop.ui.errors import show_error

        show_error(None, exc, wait=True)
        return 1
    if lock is None:
        print(f"{APP_NAME} is already open on {db_path}", file=sys.stderr)
        _tell(f"{APP_NAME} is already open on this database.",
              f"{db_path}\n\nSwitch to the window that is open (check the taskbar); only one may work on a database at a time.")
        return 1
    try:
        from ccp_desktop.store.installation_peek import peek_installation

        # Who the database belongs to, read without sqlite-utils: the window is shown with it, and the
        # database is opened (imports, migrations) once the window is up. None: set up, or open it first.
        opening = peek_installation(db_path)
        if opening is None and needs_setup(db_path):
            from PySide6.QtWidgets import QWizard

            from ccp_desktop.ui.main_window import app_icon
            from ccp_desktop.ui.setup_wizard import SetupWizard

            app.setWindowIcon(app_icon())
            wizard = SetupWizard(db_path)
            if wizard.exec() != QWizard.DialogCode.Accepted:
                return 0
        from ccp_desktop.ui.main_window import MainWindow

        window = MainWindow(db_path, opening=opening)
        window.instance_lock = lock  # handed on to a new window if the data folder is moved
    except Exception as exc:  # a damaged database fails here: say so in plain words (where backups are)
        _give_up(exc)
        lock.unlock()
        return 1
    if os.environ.get(QUIT_WHEN_SHOWN_ENV):
        window.first_painted.connect(lambda: _say_shown_and_close(window))
    # Opened once the window has painted (so that it is seen at once), or after a moment if it is not
    # painted (started minimised); _finish_opening runs once.
    window.first_painted.connect(lambda: QTimer.singleShot(0, lambda: _finish_opening(window, app)))
    QTimer.singleShot(OPEN_AT_THE_LATEST_MS, lambda: _finish_opening(window, app))
    window.show()
    try:
        return int(app.exec())
    finally:
        lock.unlock()


def _say_shown_and_close(window: MainWindow) -> None:
    if sys.stdout is not None:  # a windowed program on Windows has none
        print(f"shown {time.process_time():.4f}", flush=True)  # and the CPU seconds it took
    window.start_handled = True  # timed: the window, not the database opened after it
    QTimer.singleShot(0, window.close)


def _give_up(exc: BaseException) -> None:
    from ccp_desktop.ui.errors import show_error
    from ccp_desktop.ui.worker import BackgroundWorker

    BackgroundWorker.stop_all()
    show_error(None, exc, wait=True)


def _finish_opening(window: MainWindow, app: QApplication) -> None:
    """The shown window opens its database; if that fails (a damaged file, a newer version's), the app
    says so as it would have before showing the window, and ends with status 1."""
    if window.start_handled:
        return
    window.start_handled = True
    try:
        window.finish_opening()
    except Exception as exc:
        window.hide()
        _give_up(exc)
        app.exit(1)
        return
    window.after_shown()

"""Starting the desktop application: one instance per database, the setup wizard on first run."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ccp_desktop import APP_NAME, __version__
from ccp_desktop.errors import CcpError
from ccp_desktop.ui.instance_lock import acquire_instance_lock, lock_path_for  # noqa: F401 - also used from here

if TYPE_CHECKING:
    from ccp_desktop.ui.main_window import MainWindow


OPEN_AT_THE_LATEST_MS = 300
# The start-up benchmark (tests/benchmarks/startup.py) sets this: the app prints "shown" (and the CPU
# time used) at the window's first paint and closes, so that the frozen app is timed as it ships.
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
    taking = _LockTaker(db_path)
    taking.start()
    window, failure = _window_while_locking(db_path)
    try:
        lock = taking.result()
    except CcpError as exc:
        from ccp_desktop.ui.errors import show_error

        _discard(window)
        show_error(None, exc, wait=True)
        return 1
    if lock is None:
        _discard(window)
        print(f"{APP_NAME} is already open on {db_path}", file=sys.stderr)
        _tell(f"{APP_NAME} is already open on this database.",
              f"{db_path}\n\nSwitch to the window that is open (check the taskbar); only one may work on a database at a time.")
        return 1
    try:
        if failure is not None:
            raise failure
        if window is None:  # no installation to read: set up (the wizard), or open the database first
            from ccp_desktop.ui.main_window import MainWindow

            if needs_setup(db_path):
                from PySide6.QtWidgets import QWizard

                from ccp_desktop.ui.main_window import app_icon
                from ccp_desktop.ui.setup_wizard import SetupWizard

                app.setWindowIcon(app_icon())
                wizard = SetupWizard(db_path)
                if wizard.exec() != QWizard.DialogCode.Accepted:
                    return 0
            window = MainWindow(db_path)
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


class _LockTaker(threading.Thread):
    """Takes the one-instance lock on a thread of its own while the window is made: QLockFile syncs its
    file to disk (fdatasync), which takes from a millisecond to most of a second when the disk is busy,
    and a lock held by another instance is waited for (200 ms); PySide lets go of the GIL meanwhile."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(name="ccp-instance-lock", daemon=True)
        self.db_path = db_path
        self.lock: QLockFile | None = None
        self.error: CcpError | None = None

    def run(self) -> None:
        try:
            self.lock = acquire_instance_lock(self.db_path)
        except CcpError as exc:
            self.error = exc

    def result(self) -> QLockFile | None:
        """The lock (None: another instance holds it); raises what acquire_instance_lock raised."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.lock


def _window_while_locking(db_path: Path) -> tuple[MainWindow | None, Exception | None]:
    """The window, made (not shown) from who the database belongs to, read without sqlite-utils: the
    database is opened (imports, migrations) once the window is up. No window when that cannot be read
    this way (a new database, an unknown schema); the error a damaged file raised, to be shown only if
    this instance gets the lock."""
    from ccp_desktop.store.installation_peek import peek_installation

    try:
        opening = peek_installation(db_path)
        if opening is None:
            return None, None
        from ccp_desktop.ui.main_window import MainWindow

        return MainWindow(db_path, opening=opening), None
    except Exception as exc:
        return None, exc


def _discard(window: QWidget | None) -> None:
    """A window made while the lock was taken, never shown: this instance did not get the lock."""
    if window is not None:
        window.deleteLater()


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
    freeze_start_up_objects()


def freeze_start_up_objects() -> None:
    """What start-up made (modules, reference data, the window and its first page) lives until the app
    ends: take it out of the garbage collector's sight. Otherwise every full collection, which opening
    a page or a form sets off at random, walks all of it again: 3 to 5 ms of a list's 25 ms first
    paint (issue 14). Only cycles among these objects are kept for good; they are freed at exit."""
    gc.collect()
    gc.freeze()

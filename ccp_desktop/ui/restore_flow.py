"""Restoring a backup under a running main window.

The restore replaces the database file, so nothing may hold it open: the window closes its forms and its
connection (`release_database`), the worker closes its own and runs the restore without one
(`release_db`), then a window on the restored database takes over with the one-instance lock
(`MainWindow.hand_over`, the mechanism Move data folder uses). A restore that failed changed nothing
(the core's promise): a window reopens on the unchanged database and says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QProgressDialog

from ccp_desktop.errors import SetupError
from ccp_desktop.store.backups import BackupInfo, RestoreResult
from ccp_desktop.ui.errors import show_error

if TYPE_CHECKING:
    from ccp_desktop.ui.main_window import MainWindow


def start_restore(window: MainWindow, backup: BackupInfo) -> QProgressDialog | None:
    """Begin restoring `backup` over the window's database; returns the progress box (None if refused)."""
    from ccp_desktop.sync.identity import restore_from_backup

    if window.sync_page.export.job is not None or window.unsaved_forms():
        show_error(window, SetupError("Finish the export, and save or close the forms you are editing, before "
                                      "restoring a backup; nothing was restored."))
        return None
    window.release_database()
    busy = QProgressDialog("Restoring the backup: checking it, copying it and bringing it up to date…", "", 0, 0, window)
    busy.setObjectName("restoring")
    busy.setWindowTitle("Restore from backup")
    busy.setCancelButton(None)  # all or nothing, and short: the core offers no safe point to stop at
    busy.setMinimumDuration(0)
    busy.open()
    db_path = window.db_path

    def run(_db: Any, _progress: Any, _cancelled: Any) -> RestoreResult:
        return restore_from_backup(db_path, backup.path)

    def done(result: RestoreResult) -> None:
        busy.close()
        _restored(window, backup, result)

    def failed(exc: BaseException) -> None:
        busy.close()
        _failed(window, exc)

    window.worker.submit("restore backup", run, release_db=True, on_done=done, on_error=failed)
    return busy


def _restored(window: MainWindow, backup: BackupInfo, result: RestoreResult) -> None:
    from ccp_desktop.ui.restore_dialog import RestoredDialog

    successor = window.hand_over(window.db_path, lambda exc: f"The backup was restored, but the database cannot be "
                                 f"opened now ({exc}). Quit and start the program again.")
    if successor is not None:
        install = successor.installation
        RestoredDialog(backup, result, install.post_code, install.public_key, install.key_fingerprint, successor).open()


def _failed(window: MainWindow, exc: BaseException) -> None:
    successor = window.hand_over(window.db_path, lambda again: f"The backup was not restored ({exc}), and the "
                                 f"database cannot be opened now ({again}). Quit and start the program again.")
    if successor is not None:
        show_error(successor, exc)

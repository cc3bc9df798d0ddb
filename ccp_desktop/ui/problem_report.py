"""Help → Save a problem report…: a zip of the log and the database check for IT support, written on
the background worker (the check reads the whole database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ccp_desktop.ui.errors import show_error

TITLE = "Save a problem report"


def add_problem_report_action(window: Any, menu: Any) -> QAction:
    """The menu item; `window` has `db_path` and `worker` (the main window)."""
    action = QAction("Save a &problem report…", window)
    action.setObjectName("save-problem-report")
    action.setStatusTip("A zip of the log and the database check for IT support; no records, no key")
    action.triggered.connect(lambda: save_problem_report(window))
    menu.addAction(action)
    return action


def save_problem_report(window: Any) -> None:
    from ccp_desktop.reports.problem_report import default_report_name, write_problem_report

    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    chosen, _ = QFileDialog.getSaveFileName(window, TITLE, str(Path(folder) / default_report_name()), "Zip files (*.zip)")
    if not chosen:
        return
    db_path = Path(window.db_path)

    def run(db: Any, progress: Any, should_cancel: Any) -> Path:
        return write_problem_report(Path(chosen), db_path, db=db)

    window.worker.submit("problem report", run, on_done=lambda path: _saved(window, path),
                         on_error=lambda exc: show_error(window, exc))


def _saved(parent: QWidget, path: Path) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, TITLE,
                      f"Saved {path.name}.", QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("problem-report-saved")
    box.setInformativeText(f"{path}\n\nSend it to IT support. It holds the program's log and the database check; "
                           "it holds none of your records and not your signing key.")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()

"""HQ's Reports menu: the program report workbook and the IATI file, each chosen in a small dialog (period,
post, where to save) and written on the app's one background worker, with progress and cancel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtGui import QAction

from ccp_desktop.errors import Cancelled
from ccp_desktop.reports.figures import ReportScope, known_posts
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.settings import ui_settings
from ccp_desktop.ui.widgets import path_row, show_progress
from ccp_desktop.ui.worker import BackgroundWorker, Job

KINDS = {  # kind: (menu text, dialog title, file suffix, default file stem)
    "report": ("&Program report…", "Program report", ".xlsx", "ccp-program-report"),
    "iati": ("&IATI export…", "IATI 2.03 export", ".xml", "ccp-iati-activities"),
}


class ReportDialog(qw.QDialog):
    """What to report on and where to save it. Checks its fields before it closes."""

    def __init__(self, kind: str, posts: list[str], default_path: Path, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        _, title, self.suffix, _ = KINDS[kind]
        self.setWindowTitle(title)
        self.setObjectName(f"report-dialog-{kind}")
        self.limit_period = qw.QCheckBox("Only activities starting between")
        self.limit_period.setObjectName("limit-period")
        self.date_from, self.date_to = qw.QDateEdit(QDate(2016, 1, 1)), qw.QDateEdit(QDate.currentDate())
        for edit, name in ((self.date_from, "From"), (self.date_to, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(f"Period {name.lower()}")
            edit.setEnabled(False)
            self.limit_period.toggled.connect(edit.setEnabled)
        period = qw.QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(qw.QLabel("and"))
        period.addWidget(self.date_to)
        self.post = qw.QComboBox()
        self.post.setObjectName("post")
        self.post.setAccessibleName("Post")
        self.post.addItem("All posts", None)
        for code in posts:
            self.post.addItem(code, code)
        self.path, where = path_row(str(default_path), "report-path", "File to save", "Choose the file", self._choose)
        self.problem = qw.QLabel()
        self.problem.setObjectName("report-problem")
        self.problem.setStyleSheet("color: #b8433c")
        self.problem.setWordWrap(True)
        buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Ok | qw.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(qw.QDialogButtonBox.StandardButton.Ok).setText("Write")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = qw.QFormLayout(self)
        form.addRow(self.limit_period)
        form.addRow("Period:", period)
        form.addRow("Posts:", self.post)
        form.addRow("Save as:", where)
        form.addRow(self.problem)
        form.addRow(buttons)

    def _choose(self) -> None:
        chosen, _ = qw.QFileDialog.getSaveFileName(self, "Save as", self.path.text(), f"*{self.suffix}")
        if chosen:
            self.path.setText(chosen)

    def scope(self) -> ReportScope:
        if not self.limit_period.isChecked():
            return ReportScope(post=self.post.currentData())
        return ReportScope(self.date_from.date().toPython(), self.date_to.date().toPython(),  # type: ignore[arg-type]
                           self.post.currentData())

    def target(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def accept(self) -> None:
        scope, target = self.scope(), self.target()
        if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
            self.problem.setText("Period: the end date is before the start date.")
        elif not self.path.text().strip() or target.suffix.lower() != self.suffix:
            self.problem.setText(f"Save as: give a file name ending in {self.suffix}.")
        elif target.is_dir():
            self.problem.setText(f"Save as: {target} is a folder; give a file name ending in {self.suffix}.")
        else:
            super().accept()


class ReportActions(QObject):
    """The Reports menu of a main window and the one report job it may have running."""

    finished = Signal(object)  # ReportResult or IatiResult
    failed = Signal(object)  # the exception, Cancelled included

    def __init__(self, window: qw.QMainWindow, worker: BackgroundWorker, db: Any, db_path: Path, menu_bar: qw.QMenuBar) -> None:
        super().__init__(window)
        self.window, self.worker, self.db, self.db_path = window, worker, db, Path(db_path)
        self.job: Job | None = None
        self.progress: qw.QProgressDialog | None = None  # the progress dialog while a job runs
        self._dialog: qw.QProgressDialog | None = None
        self.dialog: ReportDialog | None = None
        menu = menu_bar.addMenu("&Reports")
        self.actions: dict[str, QAction] = {}
        for kind, (text, _, _, _) in KINDS.items():
            action = QAction(text, window)
            action.setObjectName(f"action-{kind}")
            action.triggered.connect(lambda _checked=False, kind=kind: self.open_dialog(kind))
            menu.addAction(action)
            self.actions[kind] = action

    def open_dialog(self, kind: str) -> ReportDialog:
        folder = Path(str(ui_settings(self.db_path).value("reports/out_dir", str(self.db_path.parent / "reports"))))
        _, _, suffix, stem = KINDS[kind]
        dialog = ReportDialog(kind, known_posts(self.db), folder / f"{stem}-{dt.date.today():%Y%m%d}{suffix}", self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start(kind, dialog.target(), dialog.scope()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def start(self, kind: str, target: Path, scope: ReportScope) -> Job | None:
        if self.job is not None:  # one report at a time; the worker runs jobs in turn anyway
            return None
        ui_settings(self.db_path).setValue("reports/out_dir", str(target.parent))
        progress = self._progress_dialog()
        progress.reset()
        progress.setLabelText(f"Writing {target.name}…")
        progress.setWindowTitle(KINDS[kind][1])
        progress.setRange(0, 0)  # busy until the first report of progress gives a total
        self.progress = progress

        def run(db: Any, report_progress: Any, should_cancel: Any) -> Any:
            if kind == "iati":
                from ccp_desktop.reports.iati import write_iati

                return write_iati(db, target, scope, progress=report_progress, should_cancel=should_cancel)
            from ccp_desktop.reports.program_report import write_program_report

            return write_program_report(db, target, scope, progress=report_progress, should_cancel=should_cancel)

        self.job = self.worker.submit(f"report-{kind}", run, on_done=self._done, on_error=self._failed,
                                      on_progress=self._progress)
        progress.open()
        return self.job

    def _progress_dialog(self) -> qw.QProgressDialog:
        """One progress dialog, made once and only hidden between jobs: a window-modal QProgressDialog runs
        events inside setValue(), so the job's end may arrive there; deleting the dialog then would pull it
        out from under that call."""
        if self._dialog is None:
            dialog = qw.QProgressDialog("", "Cancel", 0, 0, self.window)
            dialog.setObjectName("report-progress")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setAutoReset(False)
            dialog.setAutoClose(False)
            dialog.setMinimumDuration(0)
            dialog.canceled.connect(self.cancel)
            dialog.hide()
            self._dialog = dialog
        return self._dialog

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.progress is not None:
                self.progress.setLabelText("Cancelling…")

    def _progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            show_progress(self.progress, done, total)

    def _finish(self) -> None:
        self.job = None
        if self.progress is not None:
            self.progress.hide()  # hide, not close: closing a progress dialog reads as Cancel
            self.progress = None

    def _done(self, result: Any) -> None:
        self._finish()
        self.window.statusBar().showMessage(f"Saved {result.path}", 15_000)
        self.finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, Cancelled):
            self.window.statusBar().showMessage(str(exc), 15_000)
        else:
            show_error(self.window, exc)
        self.failed.emit(exc)

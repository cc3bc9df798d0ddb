"""HQ's Import page: drop a folder (or choose files), see what each package will do, import the chosen
ones in post and sequence order. The dry run and the import run on the background worker with progress
and cancel; a refused package's problems open as a table that can be saved for the post."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from ccp_desktop.domain.wording import local_time
from ccp_desktop.errors import Cancelled
from ccp_desktop.ui.changes import OpChanges
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.folders import default_packages_folder
from ccp_desktop.ui.widgets import JobBar, action_button, paint_row, row_table, stretch_row
from ccp_desktop.ui.worker import BackgroundWorker

COLUMNS = ("", "Post", "Kind", "Changes", "Made", "New", "Updated", "Deleted", "Unchanged", "In conflict",
           "Signature", "What it will do")
COUNT_KEYS = ("inserted", "updated", "tombstoned", "unchanged", "conflicting")
REFUSED_COLOUR, WAITING_COLOUR = QColor("#f8d7da"), QColor("#fff3cd")


def package_paths(urls: list[Any]) -> list[Path]:
    """Local files and folders from a drop (anything else dropped is ignored)."""
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]


class ProblemsDialog(qw.QDialog):
    """A refused package's problems: sheet, row, column, value, message; Save as .xlsx for the post."""

    saved = Signal(object)  # Path

    def __init__(self, file_name: str, problems: list[dict[str, Any]], parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problems-dialog")
        self.setWindowTitle(f"Why {file_name} was refused")
        self.file_name, self.problems = file_name, problems
        self.table = qw.QTableWidget(len(problems), 5)
        self.table.setObjectName("problems")
        self.table.setAccessibleName("Problems found in the package")
        self.table.setHorizontalHeaderLabels(["Sheet", "Row", "Column", "Value", "Problem"])
        self.table.setEditTriggers(qw.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for row, problem in enumerate(problems):
            for col, key in enumerate(("sheet", "row", "column", "value", "message")):
                value = problem.get(key)
                self.table.setItem(row, col, qw.QTableWidgetItem("" if value is None else str(value)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, qw.QHeaderView.ResizeMode.Stretch)
        buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton("Save as .xlsx…", qw.QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setObjectName("save-problems")
        self.save_button.clicked.connect(self.choose_save)
        buttons.rejected.connect(self.reject)
        layout = qw.QVBoxLayout(self)
        layout.addWidget(qw.QLabel(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing of this package "
                                "was imported. Save the table and send it to the post with what to fix."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 420)

    def choose_save(self) -> None:
        suggested = default_packages_folder() / f"{Path(self.file_name).stem}-problems.xlsx"
        path, _ = qw.QFileDialog.getSaveFileName(self, "Save the problems", str(suggested), "Excel workbook (*.xlsx)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> Path | None:
        from ccp_desktop.sync.refusals import write_problems_workbook

        try:
            written = write_problems_workbook(self.problems, path, title=f"Problems in {self.file_name}")
        except OSError as exc:
            show_error(self, exc)
            return None
        self.saved.emit(written)
        return written


class HqImportPage(qw.QWidget):
    checked = Signal(object)  # list[BatchEntry] from a dry run
    imported = Signal(object)  # BatchSummary
    failed = Signal(object)  # the exception (Cancelled included)
    sync_changed = Signal(object)  # OpChanges

    def __init__(self, worker: BackgroundWorker, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-hq-import")
        self.worker = worker
        self.paths: list[Path] = []
        self.entries: list[Any] = []
        self.problems_dialog: ProblemsDialog | None = None
        self.setAcceptDrops(True)

        self.intro = qw.QLabel("Drop a folder of packages (or files) here, or choose them. Each is checked first; "
                            "nothing changes until you press Import selected.")
        self.intro.setObjectName("hq-import-intro")
        self.intro.setWordWrap(True)
        self.add_files_button = action_button("Add files…", "add-files", self.choose_files)
        self.add_folder_button = action_button("Add folder…", "add-folder", self.choose_folder)
        self.clear_button = action_button("Clear", "clear-packages", self.clear)
        self.import_button = action_button("Import selected", "import-selected", self.import_selected)
        self.import_button.setEnabled(False)
        self.jobs = JobBar(worker, "hq-import", "Progress", self.cancel)
        buttons = qw.QHBoxLayout()
        for widget in (self.add_files_button, self.add_folder_button, self.clear_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.jobs.progress, 1)
        buttons.addWidget(self.jobs.cancel_button)
        buttons.addWidget(self.import_button)

        self.table = row_table("packages", "Packages to import, in the order they will be applied", COLUMNS,
                               single=False)
        self.table.setWordWrap(False)  # one line a package; the whole text is in the tooltip
        self.table.doubleClicked.connect(lambda index: self.show_problems(index.row()))
        self.problems_button = action_button("Show problems…", "show-problems",
                                             lambda: self.show_problems(self.table.currentRow()))
        self.summary = qw.QLabel()
        self.summary.setObjectName("hq-import-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = stretch_row(self.summary, self.problems_button)

        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    # --- choosing ------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        files, _ = qw.QFileDialog.getOpenFileNames(self, "Packages to import", str(default_packages_folder()),
                                                "Sync packages (*.xlsx *.xlsx.age)")
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = qw.QFileDialog.getExistingDirectory(self, "A folder of packages", str(default_packages_folder()))
        if folder:
            self.add_paths([Path(folder)])

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls() and package_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        paths = package_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def clear(self) -> None:
        if self.jobs.job is None:
            self.paths, self.entries = [], []
            self._show_entries()
            self.summary.setText("")

    def add_paths(self, paths: list[Path]) -> None:
        """Add files or folders and check everything again (the order and each row depend on the rest)."""
        if self.jobs.job is not None:
            return
        for path in paths:
            if path not in self.paths:
                self.paths.append(path)
        self._run("check packages", self._dry_run_job(list(self.paths)), self._checked, "Checking the packages…")

    @staticmethod
    def _dry_run_job(paths: list[Path]) -> Any:
        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync.batch import dry_run_batch

            return dry_run_batch(db, paths, progress=progress, should_cancel=should_cancel)
        return run

    # --- running ------------------------------------------------------------------------------------
    def _run(self, name: str, fn: Any, on_done: Any, text: str) -> None:
        self._enable(busy=True)
        self.summary.setText(text)
        self.jobs.start(name, fn, on_done=on_done, on_error=self._failed)

    def _enable(self, busy: bool) -> None:
        for widget in (self.add_files_button, self.add_folder_button, self.clear_button):
            widget.setEnabled(not busy)
        self.import_button.setEnabled(not busy and any(e.selectable for e in self.entries))

    def _finished(self) -> None:
        self.jobs.finish()
        self._enable(busy=False)

    def cancel(self) -> None:
        if self.jobs.cancel():
            self.summary.setText("Cancelling after the package being read…")

    def _failed(self, exc: BaseException) -> None:
        self._finished()
        if isinstance(exc, Cancelled):
            self.summary.setText(str(exc))
        else:
            self.summary.setText("Nothing was imported.")
            show_error(self, exc)
        self.failed.emit(exc)

    def _checked(self, entries: list[Any]) -> None:
        self.jobs.finish()
        self.entries = entries
        self._show_entries()
        self._enable(busy=False)
        ready = sum(1 for e in entries if e.state == "would apply")
        refused = sum(1 for e in entries if e.state == "rejected")
        self.summary.setText(f"{len(entries)} package{'s' if len(entries) != 1 else ''} found: {ready} ready to import, "
                             f"{refused} refused (double-click one to see why). Untick any you do not want.")
        self.checked.emit(entries)

    def selected_entries(self) -> list[Any]:
        out = []
        for row, entry in enumerate(self.entries):
            item = self.table.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(entry)
        return out

    def import_selected(self) -> None:
        chosen = self.selected_entries()
        if not chosen or self.jobs.job is not None:
            return

        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync.batch import apply_batch

            return apply_batch(db, chosen, progress=progress, should_cancel=should_cancel)

        self._run("import packages", run, self._imported, f"Importing {len(chosen)} packages…")

    def _imported(self, summary: Any) -> None:
        self._finished()
        self._show_entries()
        self.import_button.setEnabled(False)  # what is left was imported or refused: check again to retry
        self.summary.setText(summary.message + (f" A backup from before the import: {summary.backup_path}"
                                                if summary.backup_path else ""))
        self.sync_changed.emit(OpChanges.of(summary.changes, source=self))
        self.imported.emit(summary)

    # --- showing ------------------------------------------------------------------------------------
    def _show_entries(self) -> None:
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            shown = entry.outcome or entry.preview
            totals = shown.totals() if shown else {}
            seq = f"{entry.seq_from}–{entry.seq_to}" if entry.seq_to else ""
            # A key seen for the first time is shown whole, to compare with the one the post reads out.
            signature = entry.signature + (f" {entry.fingerprint}" if entry.fingerprint and entry.signature != "pinned key" else "")
            values = ["", entry.post_code or "?", entry.kind or "?", seq, local_time(entry.created_at) if entry.created_at else ""]
            values += [str(totals.get(k, "")) if shown and shown.ok else "" for k in COUNT_KEYS]
            values += [signature, self._outcome_text(entry)]
            for col, value in enumerate(values):
                item = qw.QTableWidgetItem(value)
                if col == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    applicable = entry.selectable and entry.outcome is None
                    item.setCheckState(Qt.CheckState.Checked if applicable else Qt.CheckState.Unchecked)
                    if not applicable:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                    item.setToolTip(str(entry.path))
                if col == len(values) - 1:
                    item.setToolTip(self._outcome_text(entry, full=True))
                elif col == len(values) - 2:
                    item.setToolTip(f"Signing key {entry.fingerprint or 'unknown'}")
                self.table.setItem(row, col, item)
            refused = (entry.outcome or entry.preview) is not None and not (entry.outcome or entry.preview).ok
            paint_row(self.table, row, REFUSED_COLOUR if refused else WAITING_COLOUR if entry.waits_for else None)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, qw.QHeaderView.ResizeMode.Stretch)

    @staticmethod
    def _outcome_text(entry: Any, full: bool = False) -> str:
        shown = entry.outcome or entry.preview
        parts = [shown.message if shown else f"{entry.path.name}: not read"]
        if full:
            parts.insert(0, str(entry.path))
        if entry.waits_for:
            parts.append(f"Waits for {entry.waits_text()}.")
        if shown and shown.warnings and full:
            parts += shown.warnings
        return "\n".join(parts) if full else " ".join(parts)

    def show_problems(self, row: int) -> ProblemsDialog | None:
        if not 0 <= row < len(self.entries):
            return None
        entry = self.entries[row]
        shown = entry.outcome or entry.preview
        if shown is None or shown.ok:
            return None
        self.problems_dialog = ProblemsDialog(entry.path.name, shown.to_json()["errors"], self)
        self.problems_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.problems_dialog.destroyed.connect(lambda: setattr(self, "problems_dialog", None))
        self.problems_dialog.open()
        return self.problems_dialog

    def on_changes(self, changes: OpChanges) -> None:
        """Rows are a snapshot of one check; the officer checks again to see later changes."""

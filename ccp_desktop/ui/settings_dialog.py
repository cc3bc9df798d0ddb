"""Settings: the officer's name (editable), where the data lives (movable), the backups (how many to keep,
restore one) and the signing key for HQ."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal

from ccp_desktop.errors import CcpError, ValidationError
from ccp_desktop.paths import DATA_DIR_ENV
from ccp_desktop.store.backups import backups_to_keep
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.installation import installation_problems, require_installation
from ccp_desktop.store.relocate import MOVED_NOTE_FILENAME, check_move_target, move_data_folder
from ccp_desktop.store.saving import save_settings
from ccp_desktop.ui.encryption_keys_panel import encryption_key_panel
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.folders import open_folder as show_folder
from ccp_desktop.ui.forms.prompts import Button, ask_later
from ccp_desktop.ui.key_panel import KeyPanel
from ccp_desktop.ui.restore_dialog import FileChooser, RestoreDialog
from ccp_desktop.ui.worker import BackgroundWorker, shared_worker

# (parent, caption, starting folder) -> the chosen folder, or "" when the person cancelled
FolderChooser = Callable[[qw.QWidget, str, str], str]


def _read_only(text: str, name: str) -> qw.QLineEdit:
    field = qw.QLineEdit(text)
    field.setReadOnly(True)
    field.setAccessibleName(name)
    field.setCursorPosition(0)
    return field


def moved_message(old_db: Path, new_db: Path) -> tuple[str, str]:
    """What to tell the person once the data is in its new folder: headline and detail."""
    detail = (f"The program has reopened on it. The old copy is still in {old_db.parent}, unchanged, with a note "
              f"({MOVED_NOTE_FILENAME}) saying where the data went; delete it once you have checked your records here.")
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        detail += (f"\n\n{DATA_DIR_ENV} is set to {override}; the next start will use that folder until you "
                   "change or remove it.")
    return f"Your data is now in {new_db.parent}.", detail


class SettingsDialog(qw.QDialog):
    data_moved = Signal(object)  # the new database path, once the move is complete and verified
    restore_requested = Signal(object)  # the BackupInfo confirmed in Restore from backup (the window restores it)

    def __init__(self, db: sqlite_utils.Database, db_path: Path, parent: qw.QWidget | None = None, *,
                 worker: BackgroundWorker | None = None, choose_folder: FolderChooser | None = None,
                 choose_file: FileChooser | None = None) -> None:
        super().__init__(parent)
        self.db, self.db_path = db, Path(db_path)
        # Saving and the move run there, off the GUI thread (a dialog opened on its own gets a worker of its own).
        self.worker = worker or shared_worker(db)
        self.choose_folder: FolderChooser = choose_folder or qw.QFileDialog.getExistingDirectory
        self.choose_file = choose_file  # for Restore from backup's "Choose another file…"
        self.moving = False
        self.setWindowTitle("Settings")
        self.setObjectName("settings-dialog")
        install = require_installation(db)
        self.officer = qw.QLineEdit(install.officer)
        self.officer.setObjectName("officer")
        self.officer.setAccessibleName("Officer name")
        self.officer.setMaxLength(120)
        self.problem = qw.QLabel()
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setAccessibleName("What needs fixing")
        folder = _read_only(str(self.db_path.parent), "Data folder")
        open_folder = qw.QPushButton("Open folder")
        open_folder.clicked.connect(lambda: show_folder(self, self.db_path.parent))
        self.move_button = qw.QPushButton("&Move data folder…")
        self.move_button.setObjectName("move-data-folder")
        self.move_button.setAccessibleName("Move data folder")
        self.move_button.setToolTip("Copy the data to another folder (a larger, encrypted or backed-up drive) and use it from there")
        self.move_button.clicked.connect(self.choose_new_folder)
        self.move_status = qw.QLabel()
        self.move_status.setObjectName("move-status")
        self.move_status.setAccessibleName("Move progress")
        folder_row = qw.QHBoxLayout()
        folder_row.addWidget(folder, 1)
        folder_row.addWidget(open_folder)
        folder_row.addWidget(self.move_button)
        form = qw.QFormLayout()
        form.addRow("&Officer name:", self.officer)
        form.addRow("", self.problem)
        form.addRow("Post:", _read_only(f"{install.post_code} ({'headquarters' if install.is_hq else 'field post'})", "Post"))
        form.addRow("Data folder:", folder_row)
        form.addRow("", self.move_status)
        form.addRow("Database:", _read_only(str(self.db_path), "Database file"))
        form.addRow("Backups:", self._backups_row())
        self.key_panel = KeyPanel()
        self.key_panel.show_key(install.post_code, install.public_key, install.key_fingerprint)
        form.addRow("Signing key:", self.key_panel)
        # Sealed packages: written at once on the worker (not by Save); what changed is announced on close.
        self.encryption_key = encryption_key_panel(install.is_hq, self.worker)
        self.encryption_key.changed.connect(self._add_changes)
        form.addRow(f"{self.encryption_key.title}:", self.encryption_key)
        note = qw.QLabel("Move data folder copies the database, signing key, window layout and backups to the folder "
                      "you choose, checks the copy, and reopens on it; the old copy is left untouched. "
                      "HQ may ask you to read out the fingerprint to confirm your packages are yours.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555")
        self.buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Save | qw.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = qw.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.officer.textChanged.connect(self._check)
        self.resize(620, self.sizeHint().height())
        self.changed = False
        self.changes = Changes()  # what Save wrote, for the window to refresh from
        self.saving = False
        self.moved_to: Path | None = None

    def _backups_row(self) -> qw.QHBoxLayout:
        self.keep = qw.QSpinBox()
        self.keep.setObjectName("backups-keep")
        self.keep.setAccessibleName("Backups to keep")
        self.keep.setRange(1, 999)
        self.keep.setValue(backups_to_keep(self.db))
        self.keep.setPrefix("keep the newest ")
        self.keep.setSuffix(" backups")
        self.keep.setToolTip("Older automatic backups are deleted, never the last one that is good")
        editor = self.keep.findChild(qw.QLineEdit)
        if editor is not None:  # what a screen reader reads is the spin box's own line edit
            editor.setAccessibleName("Backups to keep")
        self.restore_button = qw.QPushButton("&Restore from backup…")
        self.restore_button.setObjectName("restore-from-backup")
        self.restore_button.setToolTip("Go back to a backup (the current database is kept aside, not deleted)")
        self.restore_button.clicked.connect(self.open_restore)
        row = qw.QHBoxLayout()
        row.addWidget(self.keep)
        row.addStretch(1)
        row.addWidget(self.restore_button)
        return row

    def _check(self) -> None:
        install = require_installation(self.db)
        problems = [p for p in installation_problems(install.post_code, self.officer.text(), install.role) if p.field == "officer"]
        self.problem.setText(problems[0].message if problems else "")
        self.buttons.button(qw.QDialogButtonBox.StandardButton.Save).setEnabled(not problems)

    def accept(self) -> None:
        """Save on the background worker (one transaction); the dialog closes once it is written."""
        if self.moving or self.saving:
            return
        officer, keep = self.officer.text().strip(), self.keep.value()
        self.saving = True
        self.buttons.setEnabled(False)
        self.worker.run_operation("save settings", lambda db: save_settings(db, officer, keep), self._saved, self._not_saved)

    def _saved(self, changes: Changes) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        self.changes = self.changes | changes
        self.changed = bool(changes)
        super().accept()

    def _add_changes(self, changes: Changes) -> None:
        self.changes = self.changes | changes

    def _not_saved(self, exc: BaseException) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.problems:
            self.problem.setText(exc.problems[0].message)
        else:
            show_error(self, exc)

    def reject(self) -> None:
        if not self.moving and not self.saving:  # Esc during a move would leave it running with no one to hear the outcome
            super().reject()

    # --- restoring a backup ---------------------------------------------------------------------------
    def open_restore(self) -> None:
        dialog = RestoreDialog(self.db_path, self, post_code=require_installation(self.db).post_code,
                               worker=self.worker, choose_file=self.choose_file)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restore_chosen.connect(self._restore_chosen)
        dialog.open()

    def _restore_chosen(self, info: object) -> None:
        # Nothing typed here is saved: it would go into the database about to be set aside.
        self.done(qw.QDialog.DialogCode.Rejected)
        self.restore_requested.emit(info)

    # --- moving the data folder ------------------------------------------------------------------------
    def choose_new_folder(self) -> None:
        chosen = self.choose_folder(self, "Choose the new data folder", str(self.db_path.parent.parent))
        if not chosen:
            return
        try:
            target = check_move_target(self.db_path, Path(chosen))
        except CcpError as exc:
            show_error(self, exc)
            return
        box = ask_later(
            self, "Move data folder", f"Move your data to {target}?", Button.Yes | Button.Cancel, Button.Cancel,
            lambda answer: self.start_move(target) if answer == Button.Yes else None,
            detail="The database, the signing key, the window layout and the backups are copied there and the copy "
                   "is checked; then the program reopens on the new folder and uses it from now on.\n\n"
                   f"Nothing is deleted: the current files stay in {self.db_path.parent} until you remove them.",
            labels={Button.Yes: "Move"})
        box.setObjectName("confirm-move")

    def start_move(self, target: Path) -> None:
        self._check()
        if self.problem.text():
            return
        self._set_moving(True)
        old, officer = self.db_path, self.officer.text().strip()

        def run(db: sqlite_utils.Database, progress: Callable[[int, int], None], _cancelled: Any) -> Path:
            save_settings(db, officer, backups_to_keep(db))  # a name typed before moving goes with the data
            return move_data_folder(db, old, target, progress=progress)

        self.worker.submit("move data folder", run, on_done=self._moved, on_error=self._move_failed,
                           on_progress=self._show_progress)

    def _set_moving(self, moving: bool) -> None:
        self.moving = moving
        for widget in (self.move_button, self.restore_button, self.officer, self.buttons, self.encryption_key):
            widget.setEnabled(not moving)
        self.move_status.setText("Copying and checking your data…" if moving else "")

    def _show_progress(self, done: int, total: int) -> None:
        if total:
            self.move_status.setText(f"Copying your data… {100 * done // total}%")

    def _move_failed(self, exc: BaseException) -> None:
        self._set_moving(False)
        show_error(self, exc)

    def _moved(self, new_db: Path) -> None:
        self._set_moving(False)
        self.moved_to = Path(new_db)
        self.done(qw.QDialog.DialogCode.Accepted)
        self.data_moved.emit(self.moved_to)

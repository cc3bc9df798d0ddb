"""Settings → Restore from backup: the backups beside the database (or a file from a USB stick), what
each holds, a confirmation that says what a restore does, and afterwards what was restored.

The dialog only chooses; the main window does the restore (it must close its connections first, since
the database file is replaced) and shows `RestoredDialog` from the window that reopens on the result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from ccp_desktop.domain.wording import count_of, local_time
from ccp_desktop.store.backups import (
    BackupInfo,
    RestoreResult,
    backups_folder,
    inspect_backup,
    list_backups,
)
from ccp_desktop.ui.forms.prompts import Button, ask_later
from ccp_desktop.ui.key_panel import KeyPanel
from ccp_desktop.ui.widgets import row_table
from ccp_desktop.ui.worker import BackgroundWorker

# (parent, caption, starting folder) -> the chosen file, or "" when the person cancelled
FileChooser = Callable[[qw.QWidget, str, str], str]

# The record types an officer recognises, as (table, singular, plural); links between activities and
# partners are left out: they are part of an activity as the officer sees it.
RECORD_TYPES = (("activities", "activity", "activities"), ("partners", "partner", "partners"),
                ("equipment_deliveries", "equipment delivery", "equipment deliveries"),
                ("equipment_items", "item line", "item lines"))
COLUMNS = ("Made", "Activities", "Partners", "Deliveries", "Item lines", "Changes up to", "File")
GREY = QColor("#8a8a8a")


def choose_backup_file(parent: qw.QWidget, caption: str, start: str) -> str:
    chosen, _ = qw.QFileDialog.getOpenFileName(parent, caption, start, "CCP Field Desk backups (*.sqlite3 *.db);;All files (*)")
    return chosen


def counts_text(counts: dict[str, int]) -> str:
    """"120 activities, 40 partners, 1 equipment delivery and 3 item lines"."""
    parts = [count_of(counts.get(table, 0), one, many) for table, one, many in RECORD_TYPES]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def made_on(info: BackupInfo) -> str:
    return local_time(info.made_at, never="(date unknown)")


def unusable_reason(info: BackupInfo, post_code: str | None, db_path: Path) -> str:
    """Why this backup cannot be restored here, or "" when it can."""
    if not info.ok:
        return f"it {info.problem}"
    if Path(info.path).resolve() == Path(db_path).resolve():
        return "it is the database in use, not a backup"
    if post_code and info.post_code != post_code:
        return f"it belongs to post {info.post_code}, this laptop to {post_code}"
    return ""


def confirm_texts(info: BackupInfo, db_path: Path) -> tuple[str, str]:
    """The question and what it means: what is kept, what is lost, what HQ is told."""
    when = made_on(info)
    return (f"Restore the backup made {when}?",
            f"It holds {counts_text(info.counts)} (changes up to {info.journal_seq:,}).\n\n"
            f"• The database as it is now is not deleted: it is kept aside in {backups_folder(db_path)}.\n"
            f"• Edits made after {when} will not be in the restored database, unless they reached HQ in a "
            "package HQ has imported.\n"
            "• The program closes the database, restores the backup and reopens on it. The next package you "
            "export tells HQ about the restore, so HQ keeps both histories apart and loses nothing.")


def restored_texts(info: BackupInfo, result: RestoreResult) -> tuple[str, str]:
    """What the officer is told once the restored database is open: headline and detail."""
    detail = f"The database now holds {counts_text(result.counts)}, as they were then."
    if result.kept_aside is not None:
        detail += f"\n\nThe database as it was before the restore is kept at {result.kept_aside}."
    detail += (f"\n\nEdits made after {made_on(info)} are not in it unless they reached HQ. The next package you "
               "export tells HQ about the restore; to resend everything HQ has not confirmed, export "
               "\"Everything HQ has not confirmed\" on the Sync page.")
    return f"Restored the backup made {made_on(info)}.", detail


class RestoreDialog(qw.QDialog):
    listed = Signal()  # the backups are in the table (read on the worker)
    inspected = Signal(object)  # a file chosen with "Choose another file…" has been read: its BackupInfo
    restore_chosen = Signal(object)  # the BackupInfo the officer confirmed

    def __init__(self, db_path: Path, parent: qw.QWidget | None = None, *, post_code: str | None = None,
                 worker: BackgroundWorker | None = None, choose_file: FileChooser | None = None) -> None:
        super().__init__(parent)
        self.db_path, self.post_code, self.worker = Path(db_path), post_code, worker
        self.choose_file: FileChooser = choose_file or choose_backup_file
        self.backups: list[BackupInfo] = []
        self.finished_ = False  # closed: answers still arriving from the worker are dropped
        self.setWindowTitle("Restore from backup")
        self.setObjectName("restore-dialog")
        intro = qw.QLabel(f"Backups in {backups_folder(self.db_path)}, newest first. Choose one, or a file from a USB "
                       "stick, then Restore. Backups that cannot be restored are greyed, with the reason.")
        intro.setWordWrap(True)
        self.table = row_table("backups", "Backups", COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(qw.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.itemDoubleClicked.connect(lambda _item: self.confirm_restore())
        self.status = qw.QLabel("Reading the backups…")
        self.status.setObjectName("restore-status")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("About the chosen backup")
        self.choose_button = qw.QPushButton("Choose another &file…")
        self.choose_button.setObjectName("choose-backup-file")
        self.choose_button.setToolTip("A backup elsewhere: on a USB stick or a shared drive")
        self.choose_button.clicked.connect(self.choose_other_file)
        self.restore_button = qw.QPushButton("&Restore…")
        self.restore_button.setObjectName("restore-backup")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.confirm_restore)
        self.buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.restore_button, qw.QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        row = qw.QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = qw.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self.resize(860, 420)
        self._run("list backups", lambda: list_backups(self.db_path), self._show_backups)

    # --- reading backups (each is checked, which takes a while on a large file: on the worker) ----------
    def _run(self, name: str, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self.worker is None:
            done(fn())
            return
        def answer(value: Any) -> None:
            if not self.finished_:
                done(value)

        def failed(exc: BaseException) -> None:
            if not self.finished_:
                self.status.setText(f"The backups could not be read: {exc}")

        self.worker.submit(name, lambda _db, _progress, _cancelled: fn(), on_done=answer, on_error=failed)

    def done(self, result: int) -> None:
        self.finished_ = True
        super().done(result)

    def _show_backups(self, backups: list[BackupInfo]) -> None:
        self.backups = list(backups)
        self.table.setRowCount(0)
        for info in self.backups:
            self._add_row(self.table.rowCount(), info)
        if not self.backups:
            self.status.setText(f"There are no backups in {backups_folder(self.db_path)} yet. "
                                "Choose another file to restore one from a USB stick.")
        else:
            usable = next((n for n, b in enumerate(self.backups) if not self.reason(b)), None)
            self.status.setText("")
            if usable is not None:
                self.table.selectRow(usable)
        self.listed.emit()

    def _add_row(self, row: int, info: BackupInfo) -> None:
        self.table.insertRow(row)
        reason = self.reason(info)
        cells = [made_on(info)]
        if info.ok:
            cells += [f"{info.counts.get(table, 0):,}" for table, _, _ in RECORD_TYPES] + [f"{info.journal_seq:,}"]
        cells.append(str(info.path) if self._is_chosen(info) else info.path.name)  # a USB stick's file: where it is
        if not info.ok:  # the counts are unknown: the reason takes their place
            cells[1:1] = [f"Not usable: {reason}", "", "", "", ""]
        for column, text in enumerate(cells):
            item = qw.QTableWidgetItem(text)
            item.setToolTip(f"Not usable: {reason}" if reason else str(info.path))
            if reason:
                item.setForeground(GREY)
            if column in (1, 2, 3, 4, 5) and info.ok:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        if not info.ok:
            self.table.setSpan(row, 1, 1, 5)

    def _is_chosen(self, info: BackupInfo) -> bool:
        return info.path.parent.resolve() != backups_folder(self.db_path).resolve()

    def reason(self, info: BackupInfo) -> str:
        return unusable_reason(info, self.post_code, self.db_path)

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _selected(self) -> None:
        info = self.selected()
        reason = self.reason(info) if info else ""
        self.restore_button.setEnabled(info is not None and not reason)
        if info is None:
            self.status.setText("")
        elif reason:
            self.status.setText(f"{info.path.name} cannot be restored: {reason}.")
            self.status.setStyleSheet("color: #b00020")
        else:
            self.status.setText(f"Post {info.post_code}, officer {info.officer}: {counts_text(info.counts)}; "
                                f"made {made_on(info)}.")
            self.status.setStyleSheet("")

    def choose_other_file(self) -> None:
        chosen = self.choose_file(self, "Choose a backup to restore", str(Path.home()))
        if not chosen:
            return
        self.status.setText(f"Reading {chosen}…")
        self._run("inspect backup", lambda: inspect_backup(Path(chosen)), self._show_chosen)

    def _show_chosen(self, info: BackupInfo) -> None:
        self.backups.insert(0, info)
        self._add_row(0, info)
        self.table.selectRow(0)
        self._selected()
        self.inspected.emit(info)

    # --- restoring -------------------------------------------------------------------------------------
    def confirm_restore(self) -> None:
        info = self.selected()
        if info is None or self.reason(info):
            return
        question, detail = confirm_texts(info, self.db_path)
        box = ask_later(self, "Restore from backup", question, Button.Yes | Button.Cancel, Button.Cancel,
                        lambda answer: self._confirmed(info) if answer == Button.Yes else None,
                        detail=detail, labels={Button.Yes: "Restore"})
        box.setObjectName("confirm-restore")

    def _confirmed(self, info: BackupInfo) -> None:
        self.accept()
        self.restore_chosen.emit(info)


class RestoredDialog(qw.QDialog):
    """After a restore: what was restored, where the old database is, and (a new key) what to send HQ."""

    def __init__(self, info: BackupInfo, result: RestoreResult, post_code: str, public_key: str | None,
                 fingerprint: str | None, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backup restored")
        self.setObjectName("restored")
        headline, detail = restored_texts(info, result)
        self.headline = qw.QLabel(f"<b>{headline}</b>")
        self.detail = qw.QLabel(detail)
        self.detail.setObjectName("restored-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        self.key_panel: KeyPanel | None = None
        if result.new_key:
            note = qw.QLabel("<b>This laptop had no signing key, so a new one was made.</b> Send HQ the new public key "
                          "(Copy for HQ, then paste it into an e-mail) before your next package, and be ready to read "
                          "the fingerprint out when HQ calls to confirm it.")
            note.setWordWrap(True)
            self.key_panel = KeyPanel()
            self.key_panel.show_key(post_code, public_key, fingerprint)
            layout.addWidget(note)
            layout.addWidget(self.key_panel)
        buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, self.sizeHint().height())

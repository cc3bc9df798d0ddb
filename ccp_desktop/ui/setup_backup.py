"""The setup wizard's other road: on a laptop with no database (replaced, re-imaged), restore a backup of
the post's data instead of starting from scratch. The officer chooses the file and sees what it holds
(post, officer, record counts, date) before anything is written; the restore runs on a worker; if the
laptop had no signing key (the usual case), the new key is shown for the officer to send HQ.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6 import QtWidgets as qw

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.backups import BackupInfo, RestoreResult, inspect_backup
from ccp_desktop.store.installation import Installation
from ccp_desktop.ui.errors import error_text
from ccp_desktop.ui.key_panel import KeyPanel
from ccp_desktop.ui.restore_dialog import (
    FileChooser,
    choose_backup_file,
    counts_text,
    made_on,
    restored_texts,
)

if TYPE_CHECKING:
    from ccp_desktop.ui.setup_wizard import SetupWizard


def backup_summary(info: BackupInfo) -> str:
    """What a backup holds, for the officer to recognise before restoring it (HTML)."""
    post = load_reference().entry("posts", info.post_code or "")
    where = f" ({post['label']})" if post else ""
    return (f"<p>Post <b>{info.post_code}</b>{where}, officer <b>{info.officer}</b>.</p>"
            f"<p>It holds {counts_text(info.counts)} (changes up to {info.journal_seq:,}).</p>"
            f"<p>Made {made_on(info)}. Anything recorded after that is not in it, unless it reached HQ.</p>")


def restore_and_read(db_path: Path, backup: Path) -> tuple[RestoreResult, Installation]:
    """On the worker: restore, then read the installation the restored database holds (its new key)."""
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.store.files import make_private_folder
    from ccp_desktop.store.installation import require_installation
    from ccp_desktop.sync.identity import restore_from_backup

    make_private_folder(Path(db_path).parent)
    result = restore_from_backup(db_path, backup)
    db = open_database(db_path)
    try:
        return result, require_installation(db)
    finally:
        db.close()


class SetupPage(qw.QWizardPage):
    """A set-up wizard page, made with its title and subtitle. It reaches its wizard through Qt's parent link:
    a page holding its wizard in an attribute makes a reference cycle, which Python's collector may break on
    whichever thread allocates at that moment: the worker's, destroying widgets off the GUI thread (a crash,
    seen in `make screenshots`)."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)

    @property
    def wiz(self) -> SetupWizard:
        return cast("SetupWizard", self.wizard())


class BackupPage(SetupPage):
    def __init__(self, choose_file: FileChooser | None = None) -> None:
        super().__init__("Restore a backup of your post's data",
                         "Choose the backup file (on a USB stick, or a copy of the old laptop's data folder). You "
                         "will see what it holds before anything is restored.")
        self.choose_file: FileChooser = choose_file or choose_backup_file
        self.info: BackupInfo | None = None
        self.result: RestoreResult | None = None
        self.busy = False
        self.file = qw.QLineEdit()
        self.file.setObjectName("backup-file")
        self.file.setReadOnly(True)
        self.file.setAccessibleName("Backup file")
        self.file.setPlaceholderText("No file chosen yet")
        self.choose_button = qw.QPushButton("&Choose backup file…")
        self.choose_button.setObjectName("choose-backup-file")
        self.choose_button.clicked.connect(self.choose)
        self.summary = qw.QLabel()
        self.summary.setObjectName("backup-summary")
        self.summary.setWordWrap(True)
        self.problem = qw.QLabel()
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What needs fixing")
        row = qw.QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(self.choose_button)
        form = qw.QFormLayout()
        form.addRow("Backup file:", row)
        layout = qw.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.setCommitPage(True)  # a restored database cannot be un-restored from here
        self.setButtonText(qw.QWizard.WizardButton.CommitButton, "Restore")

    def choose(self) -> None:
        chosen = self.choose_file(self, "Choose the backup to restore", str(Path.home()))
        if not chosen:
            return
        self.file.setText(chosen)
        self.info = None
        self.summary.setText("Reading the backup…")
        self.problem.clear()
        self._set_busy(True)
        self.wiz.run_job("inspect backup", lambda: inspect_backup(Path(chosen)), self._inspected, self._failed)

    def _inspected(self, info: BackupInfo) -> None:
        if info.ok:
            self.info = info
            self.summary.setText(backup_summary(info) + f"<p>Restore puts it in <code>{self.wiz.db_path}</code>.</p>")
        else:
            self.summary.clear()
            self.problem.setText(f"{info.path.name} cannot be restored: it {info.problem}. Choose another file.")
        self._set_busy(False)  # after self.info: Restore is enabled by what it now holds
        self.wiz.inspected.emit(info)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.summary.clear()
        self.problem.setText(error_text(exc)[0])
        self.wiz.restore_failed.emit(exc)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.choose_button.setEnabled(not busy)
        self.wiz.button(qw.QWizard.WizardButton.CancelButton).setEnabled(not busy)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.info is not None and not self.busy

    def validatePage(self) -> bool:
        """Restore on the worker; the page moves on (wizard.next) once it is done, or says why not."""
        if self.result is not None:
            return True
        if self.info is None or self.busy:
            return False
        self.summary.setText(backup_summary(self.info) + "<p><b>Restoring…</b></p>")
        self._set_busy(True)
        backup, db_path = self.info.path, self.wiz.db_path
        self.wiz.run_job("restore backup", lambda: restore_and_read(db_path, backup), self._restored, self._failed)
        return False

    def _restored(self, answer: tuple[RestoreResult, Installation]) -> None:
        self.result, self.wiz.installation = answer
        self._set_busy(False)
        self.wiz.next()


class RestoredPage(SetupPage):
    """What was restored; the new key for HQ when one was made."""

    def __init__(self) -> None:
        super().__init__("Backup restored")
        self.summary = qw.QLabel()
        self.summary.setObjectName("restored-summary")
        self.summary.setWordWrap(True)
        self.key_note = qw.QLabel("<b>This laptop has a new signing key.</b> Send HQ its public key (Copy for HQ, then "
                               "paste it into an e-mail) before your first package, and be ready to read the "
                               "fingerprint out when HQ calls to confirm it. File → Settings shows it again.")
        self.key_note.setWordWrap(True)
        self.panel = KeyPanel()
        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.key_note)
        layout.addWidget(self.panel)
        layout.addStretch(1)

    def initializePage(self) -> None:
        page = self.wiz.backup_page
        install = self.wiz.installation
        if page.info is None or page.result is None or install is None:
            return
        headline, detail = restored_texts(page.info, page.result)
        self.summary.setText(f"<p><b>{headline}</b></p><p>{detail}</p>".replace("\n\n", "</p><p>"))
        new_key = page.result.new_key
        self.key_note.setVisible(new_key)
        self.panel.setVisible(new_key)
        self.panel.show_key(install.post_code, install.public_key, install.key_fingerprint)

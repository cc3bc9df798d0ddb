"""When the window is up, the worker checks the database (SQLite's quick check: about 4 s for two million
records, so it runs in the background, not before the window). A damaged file gets a screen that says
what is wrong and offers the way back: restore the newest good backup, or recover what can still be
read into a new database and switch to it. The damaged file is kept aside, never deleted; exports stay
refused until then (the core checks before signing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ccp_desktop.domain.wording import local_time
from ccp_desktop.store.backups import BackupInfo, inspect_backup
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.restore_dialog import counts_text

if TYPE_CHECKING:
    from ccp_desktop.ui.main_window import MainWindow


class DamagedDatabaseDialog(QDialog):
    """What is wrong, and the two ways back."""

    recovered = Signal(object)  # the recovered database's BackupInfo, before it is switched to

    def __init__(self, window: MainWindow, problems: list[str], backup: BackupInfo | None) -> None:
        super().__init__(window)
        self.window_, self.backup = window, backup
        self.setObjectName("damaged-database")
        self.setWindowTitle("The database is damaged")
        self.setAccessibleName("The database is damaged")
        layout = QVBoxLayout(self)
        text = (f"<p><b>The database file is damaged</b> ({problems[0]}). A bad sector, a power cut during a "
                "write or a failing drive can do this. Nothing more is exported from it: a package built from a "
                "damaged page would carry the damage to HQ.</p>")
        if backup is not None:
            text += (f"<p>The newest good backup was made {local_time(backup.made_at)} and holds "
                     f"{counts_text(backup.counts)}. Anything recorded after that will have to be typed again, "
                     "unless it reached HQ (HQ's next receipt and its lists say what it holds).</p>")
        else:
            text += "<p>There is no good backup beside the database.</p>"
        text += ("<p>Or recover what can still be read into a new database and work on that: rows on the damaged "
                 "pages are lost, the rest is kept. Either way the damaged file is kept aside in the backups "
                 "folder, never deleted.</p>")
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore the newest good backup")
        self.restore_button.setEnabled(backup is not None)
        self.recover_button = QPushButton("Recover what can be read")
        self.later_button = QPushButton("Not now")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.recover_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        self.restore_button.clicked.connect(self.restore)
        self.recover_button.clicked.connect(self.recover)
        self.later_button.clicked.connect(self.reject)
        self.resize(560, 320)

    def restore(self) -> None:
        from ccp_desktop.ui.restore_flow import start_restore

        if self.backup is not None:
            self.accept()
            start_restore(self.window_, self.backup)

    def recover(self) -> None:
        """Copy what can be read into a new file (on the worker), then switch to it as to a backup."""
        from ccp_desktop.store.health import recover_database, recovered_name

        db_path = self.window_.db_path
        self.recover_button.setEnabled(False)
        self.restore_button.setEnabled(False)
        self.message.setText(self.message.text() + "<p><i>Recovering…</i></p>")

        def run(_db: Any, _progress: Any, _cancelled: Any) -> BackupInfo:
            result = recover_database(db_path, recovered_name(db_path))
            return inspect_backup(result.target)

        def done(info: BackupInfo) -> None:
            from ccp_desktop.ui.restore_flow import start_restore

            self.recovered.emit(info)
            self.accept()
            if info.ok:
                start_restore(self.window_, info)
            else:
                show_error(self.window_, RuntimeError(f"The recovered copy is not usable: {info.problem}"))

        def failed(exc: BaseException) -> None:
            self.recover_button.setEnabled(True)
            self.restore_button.setEnabled(self.backup is not None)
            show_error(self, exc)

        self.window_.worker.submit("recover database", run, on_done=done, on_error=failed)


def check_database_on_start(window: MainWindow, parent: QWidget | None = None) -> None:
    """Run the quick check on the worker; show the damaged screen if it finds anything."""
    from ccp_desktop.store.health import newest_good_backup, quick_check

    db_path = window.db_path

    def run(db: Any, _progress: Any, _cancelled: Any) -> tuple[list[str], BackupInfo | None]:
        problems = quick_check(db)
        return problems, (newest_good_backup(db_path) if problems else None)

    def done(answer: tuple[list[str], BackupInfo | None]) -> None:
        problems, backup = answer
        if problems and not window.isHidden():
            window.damaged_dialog = DamagedDatabaseDialog(window, problems, backup)
            window.damaged_dialog.open()
            window.damaged_found.emit(problems)

    def failed(exc: BaseException) -> None:
        show_error(window, exc)

    window.worker.submit("check database", run, on_done=done, on_error=failed)

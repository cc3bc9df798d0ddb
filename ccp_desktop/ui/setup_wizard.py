"""First run: three questions (post, officer, role), then the database and its signing key are made, and
the key is shown for the officer to send HQ. Or, on a replaced or re-imaged laptop, a backup of the post's
data is restored instead (setup_backup.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Signal

from ccp_desktop import APP_NAME
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.installation import Installation, installation_problems
from ccp_desktop.ui.key_panel import HqKeyChoice, KeyPanel
from ccp_desktop.ui.restore_dialog import FileChooser
from ccp_desktop.ui.setup_backup import BackupPage, RestoredPage, SetupPage
from ccp_desktop.ui.worker import BackgroundWorker

HQ_POSTS = frozenset({"AU-CANBERRA"})
# Page ids: a fresh setup goes post → officer → confirm → key; a restore goes post → backup → restored.
POST, OFFICER, CONFIRM, KEY, BACKUP, RESTORED = range(6)


def post_code_from(text: str) -> str:
    """The post code in what was chosen or typed ("FJ-SUVA — Suva", "fj-suva", "Port Vila", "Vanuatu")."""
    return load_reference().post_code_for(text)


def _problem_label() -> qw.QLabel:
    label = qw.QLabel()
    label.setObjectName("problem")
    label.setStyleSheet("color: #b00020")
    label.setWordWrap(True)
    label.setAccessibleName("What needs fixing")
    return label


class PostPage(SetupPage):
    def __init__(self) -> None:
        super().__init__("Which post is this laptop for?",
                         "Choose your post from the list or type its city (for example Port Vila); "
                         "a post not in the list is typed as its code (for example FJ-SUVA).")
        self.fresh = qw.QRadioButton("Set this laptop up from scratch")
        self.fresh.setObjectName("start-fresh")
        self.fresh.setChecked(True)
        self.from_backup = qw.QRadioButton("Restore a backup of the post's data (a replaced or re-imaged laptop)")
        self.from_backup.setObjectName("start-from-backup")
        self.starts = qw.QButtonGroup(self)
        self.starts.addButton(self.fresh)
        self.starts.addButton(self.from_backup)
        self.post = qw.QComboBox()
        self.post.setObjectName("post")
        self.post.setEditable(True)
        self.post.setAccessibleName("Post code")
        self.post.addItem("")
        for entry in load_reference().entries("posts"):
            self.post.addItem(f"{entry['code']} — {entry['label']}")
        self.post.setCurrentIndex(0)
        self.problem = _problem_label()
        self.chosen = qw.QLabel()
        self.chosen.setObjectName("chosen-post")
        self.chosen.setAccessibleName("Post chosen")
        self.hq_role = qw.QRadioButton("Headquarters: I import packages from posts")
        self.field_role = qw.QRadioButton("A post: I record activities and deliveries and send packages to HQ")
        self.field_role.setChecked(True)
        self.field_role.setObjectName("role-field")
        self.hq_role.setObjectName("role-hq")
        self.roles = qw.QButtonGroup(self)
        self.roles.addButton(self.field_role)
        self.roles.addButton(self.hq_role)
        form = qw.QFormLayout()
        form.addRow("Start:", self.fresh)
        form.addRow("", self.from_backup)
        form.addRow("&Post:", self.post)
        form.addRow("", self.problem)
        form.addRow("", self.chosen)
        form.addRow("This laptop is at:", self.field_role)
        form.addRow("", self.hq_role)
        self.setLayout(form)
        self._hq_chosen_for_them = False
        self.post.currentTextChanged.connect(self._post_changed)
        self.from_backup.toggled.connect(self._start_changed)

    def _start_changed(self, from_backup: bool) -> None:
        for widget in (self.post, self.field_role, self.hq_role):  # the backup says which post and role
            widget.setEnabled(not from_backup)
        self.completeChanged.emit()

    def nextId(self) -> int:
        return BACKUP if self.from_backup.isChecked() else OFFICER

    @property
    def post_code(self) -> str:
        return post_code_from(self.post.currentText())

    @property
    def role(self) -> str:
        return "hq" if self.hq_role.isChecked() else "field"

    def _post_changed(self, _text: str) -> None:
        # Headquarters' post picks the HQ role; moving on from it (a completion passed through while typing
        # "A…" shows AU-CANBERRA) puts back the field role, unless the officer chose HQ themselves.
        if self.post_code in HQ_POSTS and not self.hq_role.isChecked():
            self.hq_role.setChecked(True)
            self._hq_chosen_for_them = True
        elif self.post_code not in HQ_POSTS and self._hq_chosen_for_them:
            self.field_role.setChecked(True)
            self._hq_chosen_for_them = False
        problems = [p for p in installation_problems(self.post_code, "x", "field") if p.field == "post"]
        typed = self.post.currentText().strip()
        post = load_reference().entry("posts", self.post_code)
        if problems and typed:
            self.problem.setText(problems[0].message + ", or the city or country of a post in the list")
        else:
            self.problem.setText("")
        # Say which post a city or country stands for, so the officer sees the code HQ will know them by.
        self.chosen.setText(f"This laptop will be post {self.post_code} ({post['label']})." if post and typed else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        if self.from_backup.isChecked():
            return True
        return not [p for p in installation_problems(self.post_code, "x", "field") if p.field == "post"]


class OfficerPage(SetupPage):
    def __init__(self) -> None:
        super().__init__("Who are you?", "Your name is recorded with every change you make and printed on "
                         "handover certificates. You can change it later in Settings.")
        self.officer = qw.QLineEdit()
        self.officer.setObjectName("officer")
        self.officer.setAccessibleName("Officer name")
        self.officer.setMaxLength(120)
        self.officer.setPlaceholderText("Given name and family name")
        self.problem = _problem_label()
        form = qw.QFormLayout()
        form.addRow("Your &name:", self.officer)
        form.addRow("", self.problem)
        self.setLayout(form)
        self.officer.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.officer.text().strip())


class ConfirmPage(SetupPage):
    def __init__(self, choose_key_file: FileChooser | None = None) -> None:
        super().__init__("Ready to set up")
        self.summary = qw.QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.problem = _problem_label()
        # Optional, posts only: HQ's encryption key, so that packages are sealed for HQ's eyes.
        self.hq_key = HqKeyChoice(choose_key_file)
        self.hq_key_box = qw.QGroupBox("HQ's encryption key (packages are sealed so that only HQ can open them)")
        qw.QVBoxLayout(self.hq_key_box).addWidget(self.hq_key)
        self.hq_key.changed.connect(self.completeChanged)
        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.hq_key_box)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.setCommitPage(True)  # once set up there is no going back to change the answers
        self.setButtonText(qw.QWizard.WizardButton.CommitButton, "Set up")

    def initializePage(self) -> None:
        w = self.wiz
        role = "headquarters" if w.post_page.role == "hq" else "a post"
        self.summary.setText(
            f"<p><b>{w.post_page.post_code}</b> ({role}), officer <b>{w.officer_page.officer.text().strip()}</b>.</p>"
            f"<p>Your records will be kept in<br><code>{w.db_path}</code></p>"
            "<p>A signing key is made for this laptop so that HQ can tell your packages are really yours. "
            "It stays in the same folder; keep that folder in your backups.</p>"
        )
        self.problem.clear()
        self.hq_key_box.setVisible(w.post_page.role != "hq")

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return (wizard is not None and self.wiz.post_page.role == "hq") or self.hq_key.is_complete()

    def validatePage(self) -> bool:
        return self.wiz.set_up()


class KeyPage(SetupPage):
    """After set-up: the key HQ needs, to read out (fingerprint) or send (public key)."""

    def __init__(self) -> None:
        super().__init__("Send HQ your signing key",
                         "HQ uses it to recognise your packages. E-mail it (Copy for HQ), and be ready to read "
                         "the fingerprint out over the phone when HQ calls to confirm it.")
        self.panel = KeyPanel()
        note = qw.QLabel("You can see this again at any time in File → Settings.")
        note.setWordWrap(True)
        self.hq_key_note = qw.QLabel()
        self.hq_key_note.setObjectName("hq-key-note")
        self.hq_key_note.setWordWrap(True)
        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(note)
        layout.addWidget(self.hq_key_note)
        layout.addStretch(1)

    def initializePage(self) -> None:
        install = self.wiz.installation
        if install is not None:
            self.panel.show_key(install.post_code, install.public_key, install.key_fingerprint)

    def nextId(self) -> int:
        return -1  # the last page of a fresh setup


class SetupWizard(qw.QWizard):
    """Shown when the database is not set up; accepted once the installation exists."""

    inspected = Signal(object)  # a chosen backup has been read: its BackupInfo
    restore_failed = Signal(object)  # reading or restoring a backup failed: the exception (shown on the page)

    def __init__(self, db_path: Path, parent: qw.QWidget | None = None, *, choose_file: FileChooser | None = None,
                 choose_key_file: FileChooser | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.installation: Installation | None = None
        self._worker: BackgroundWorker | None = None
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setObjectName("setup-wizard")
        self.setWizardStyle(qw.QWizard.WizardStyle.ClassicStyle)
        self.post_page, self.officer_page = PostPage(), OfficerPage()
        self.confirm_page = ConfirmPage(choose_key_file)
        self.key_page = KeyPage()
        self.backup_page, self.restored_page = BackupPage(choose_file), RestoredPage()
        for number, page in ((POST, self.post_page), (OFFICER, self.officer_page), (CONFIRM, self.confirm_page),
                             (KEY, self.key_page), (BACKUP, self.backup_page), (RESTORED, self.restored_page)):
            self.setPage(number, page)
        self.resize(620, 420)

    def run_job(self, name: str, fn: Callable[[], Any], on_done: Callable[[Any], None],
                on_error: Callable[[BaseException], None]) -> None:
        """Run `fn()` off the GUI thread, on a worker that opens no connection (the database may not exist
        yet: opening it would create it) and ends with its last job, so that a wizard dropped without
        done() (a test, a crash of its caller) leaves no thread running under it."""
        if self._worker is None:
            self._worker = BackgroundWorker(self.db_path, self, open_at_start=False)
        worker = self._worker

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            if worker.pending == 0 and self._worker is worker:
                worker.stop()
                self._worker = None
            callback(value)

        worker.submit(name, lambda _db, _progress, _cancelled: fn(), release_db=True,
                      on_done=lambda value: finish(on_done, value), on_error=lambda exc: finish(on_error, exc))

    def reject(self) -> None:
        if not self.backup_page.busy:  # a restore under way finishes: closing now would hide its outcome
            super().reject()

    def done(self, result: Any) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        super().done(result)

    def set_up(self) -> bool:
        """Make the database and key; on a problem say what and stay on the page."""
        from ccp_desktop.errors import CcpError, ValidationError
        from ccp_desktop.sync.identity import initialise

        try:
            self.installation = initialise(
                self.db_path, post_code=self.post_page.post_code,
                officer=self.officer_page.officer.text().strip(), role=self.post_page.role,
            )
        except ValidationError as exc:
            self.confirm_page.problem.setText("\n".join(p.message for p in exc.problems))
            return False
        except (CcpError, OSError) as exc:
            self.confirm_page.problem.setText(f"The database could not be set up: {exc}")
            return False
        chosen = self.confirm_page.hq_key.chosen if self.installation.role != "hq" else None
        if chosen is not None:
            self._learn_hq_key(*chosen)
        return True

    def _learn_hq_key(self, public_key: str, how: str) -> None:
        """The key was checked when chosen; should saving it still fail, the post is set up all the same
        (packages go unsealed until `hq-key --set`), and the last page says so."""
        from ccp_desktop.errors import CcpError
        from ccp_desktop.store.connection import open_database
        from ccp_desktop.sync.hq_keys import learn_hq_key

        db = open_database(self.db_path)
        try:
            learn_hq_key(db, public_key, how)
        except CcpError as exc:
            self.key_page.hq_key_note.setText(f"HQ's encryption key was not saved ({exc}); set it later with "
                                              "ccp-desktop hq-key --set FILE.")
        finally:
            db.close()

"""Settings: the officer's name (editable) and, read-only, where the data lives and the key's fingerprint."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.errors import ValidationError
from ccp_desktop.paths import DATA_DIR_ENV
from ccp_desktop.store.installation import installation_problems, require_installation, set_officer


def _read_only(text: str, name: str) -> QLineEdit:
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setAccessibleName(name)
    field.setCursorPosition(0)
    return field


class SettingsDialog(QDialog):
    def __init__(self, db: sqlite_utils.Database, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.db_path = db, Path(db_path)
        self.setWindowTitle("Settings")
        self.setObjectName("settings-dialog")
        install = require_installation(db)
        self.officer = QLineEdit(install.officer)
        self.officer.setObjectName("officer")
        self.officer.setAccessibleName("Officer name")
        self.officer.setMaxLength(120)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setAccessibleName("What needs fixing")
        folder = _read_only(str(self.db_path.parent), "Data folder")
        open_folder = QPushButton("Open folder")
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.db_path.parent))))
        folder_row = QHBoxLayout()
        folder_row.addWidget(folder, 1)
        folder_row.addWidget(open_folder)
        form = QFormLayout()
        form.addRow("&Officer name:", self.officer)
        form.addRow("", self.problem)
        form.addRow("Post:", _read_only(f"{install.post_code} ({'headquarters' if install.is_hq else 'field post'})", "Post"))
        form.addRow("Data folder:", folder_row)
        form.addRow("Database:", _read_only(str(self.db_path), "Database file"))
        form.addRow("Signing key fingerprint:", _read_only(install.key_fingerprint or "(no key)", "Signing key fingerprint"))
        note = QLabel(f"To keep the data in another folder, start the program with --db PATH or set {DATA_DIR_ENV}. "
                      "HQ may ask you to read out the fingerprint to confirm your packages are yours.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.officer.textChanged.connect(self._check)
        self.resize(620, self.sizeHint().height())
        self.changed = False

    def _check(self) -> None:
        install = require_installation(self.db)
        problems = [p for p in installation_problems(install.post_code, self.officer.text(), install.role) if p.field == "officer"]
        self.problem.setText(problems[0].message if problems else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)

    def accept(self) -> None:
        name = self.officer.text().strip()
        if name != require_installation(self.db).officer:
            try:
                set_officer(self.db, name)
            except ValidationError as exc:
                self.problem.setText(exc.problems[0].message)
                return
            self.changed = True
        super().accept()

"""The laptop's signing key as HQ needs it: the fingerprint to read out and the public key to send,
both selectable, and one button that copies them with the line HQ runs to register them. And, at a post's
setup, the choice of HQ's encryption key that packages are sealed to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal


def trust_command(post_code: str, public_key: str) -> str:
    """What HQ types to register this laptop's key before its first package arrives."""
    return f"ccp-desktop trust --post {post_code} --key={public_key}"  # "=": a key may begin with "-"


def message_for_hq(post_code: str, public_key: str, fingerprint: str) -> str:
    return (f"Signing key of post {post_code}\nFingerprint: {fingerprint}\nPublic key: {public_key}\n"
            f"To register it at HQ: {trust_command(post_code, public_key)}\n")


class KeyPanel(qw.QWidget):
    def __init__(self, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("key-panel")
        self.fingerprint = self._field("key-fingerprint", "Signing key fingerprint")
        self.public_key = self._field("public-key", "Public key")
        self.command = self._field("trust-command", "Command HQ runs to register the key")
        self.copy_button = qw.QPushButton("&Copy for HQ")
        self.copy_button.setObjectName("copy-key")
        self.copy_button.setToolTip("Copy the fingerprint, the public key and HQ's command, to paste into an e-mail")
        self.copy_button.clicked.connect(self.copy)
        self.copied = qw.QLabel()
        self.copied.setObjectName("copied")
        buttons = qw.QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copied, 1)
        form = qw.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Fingerprint:", self.fingerprint)
        form.addRow("Public key:", self.public_key)
        form.addRow("HQ runs:", self.command)
        form.addRow("", buttons)
        self._text = ""

    @staticmethod
    def _field(name: str, accessible: str) -> qw.QLineEdit:
        field = qw.QLineEdit()
        field.setObjectName(name)
        field.setReadOnly(True)  # selectable and copyable, not editable
        field.setAccessibleName(accessible)
        return field

    def show_key(self, post_code: str, public_key: str | None, fingerprint: str | None) -> None:
        for field, text in ((self.fingerprint, fingerprint), (self.public_key, public_key),
                            (self.command, trust_command(post_code, public_key) if public_key else None)):
            field.setText(text or "(no key)")
            field.setCursorPosition(0)
        self._text = message_for_hq(post_code, public_key, fingerprint or "") if public_key else ""
        self.copy_button.setEnabled(bool(public_key))
        self.copied.clear()

    def copy(self) -> None:
        qw.QApplication.clipboard().setText(self._text)
        self.copied.setText("Copied: paste it into your e-mail to HQ.")


def choose_key_file(parent: qw.QWidget, title: str, start: str) -> str:
    path, _ = qw.QFileDialog.getOpenFileName(parent, title, start, "HQ key files (*.txt);;All files (*)")
    return path


class HqKeyChoice(qw.QWidget):
    """At a post's setup: which HQ encryption key to seal packages to. The one shipped with the installer
    (when there is one), a key file HQ sent, or none for now; the fingerprint is shown to compare."""

    changed = Signal()

    def __init__(self, choose_file: Callable[[qw.QWidget, str, str], str] | None = None,
                 parent: qw.QWidget | None = None) -> None:
        from ccp_desktop.errors import CcpError
        from ccp_desktop.sync.hq_keys import shipped_key

        super().__init__(parent)
        self.setObjectName("hq-key-choice")
        self.choose_file = choose_file or choose_key_file
        try:
            self.shipped: str | None = shipped_key()
            shipped_problem = ""
        except CcpError as exc:  # a damaged file in the installation: say so, offer the other ways
            self.shipped, shipped_problem = None, str(exc)
        self.from_file: str | None = None
        self.file_name = ""
        self.use_shipped = qw.QRadioButton("HQ's key shipped with this installation")
        self.use_shipped.setObjectName("hq-key-shipped")
        self.use_shipped.setVisible(self.shipped is not None)
        self.use_file = qw.QRadioButton("A key file HQ sent me…")
        self.use_file.setObjectName("hq-key-file")
        self.use_none = qw.QRadioButton("Not now: packages are sent unsealed until HQ's key is set")
        self.use_none.setObjectName("hq-key-none")
        self.group = qw.QButtonGroup(self)
        for button in (self.use_shipped, self.use_file, self.use_none):
            self.group.addButton(button)
        (self.use_shipped if self.shipped else self.use_none).setChecked(True)
        self.status = qw.QLabel(shipped_problem)
        self.status.setObjectName("hq-key-status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = qw.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.use_shipped, self.use_file, self.use_none, self.status):
            layout.addWidget(widget)
        self.use_file.clicked.connect(self.choose)
        self.group.buttonToggled.connect(lambda *_: self._show())
        self._show()

    def choose(self) -> None:
        from ccp_desktop.errors import CcpError
        from ccp_desktop.sync.seal import read_recipient_file

        chosen = self.choose_file(self, "Choose HQ's encryption key file", str(Path.home()))
        if not chosen:
            self._show()
            return
        try:
            self.from_file, self.file_name = read_recipient_file(Path(chosen)), Path(chosen).name
        except CcpError as exc:
            self.from_file = None
            self._show(str(exc))
            return
        self._show()

    @property
    def chosen(self) -> tuple[str, str] | None:
        """(public key, how it was learnt), or None: no key (or a file not chosen yet)."""
        if self.use_shipped.isChecked() and self.shipped:
            return self.shipped, "shipped with the installer"
        if self.use_file.isChecked() and self.from_file:
            return self.from_file, f"from {self.file_name}"
        return None

    def is_complete(self) -> bool:
        return not self.use_file.isChecked() or self.from_file is not None

    def _show(self, problem: str = "") -> None:
        from ccp_desktop.sync.seal import key_fingerprint

        chosen = self.chosen
        if problem:
            self.status.setText(problem)
        elif chosen:
            self.status.setText(f"Fingerprint: {key_fingerprint(chosen[0])}\nCompare it with the one HQ gave you "
                                "(by phone or in writing): every group must match.")
        elif self.use_file.isChecked():
            self.status.setText("Choose the key file HQ sent (hq-key --export writes it).")
        else:
            self.status.setText("You can set it later: ccp-desktop hq-key --set FILE.")
        self.changed.emit()

"""The laptop's signing key as HQ needs it: the fingerprint to read out and the public key to send,
both selectable, and one button that copies them with the line HQ runs to register them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


def trust_command(post_code: str, public_key: str) -> str:
    """What HQ types to register this laptop's key before its first package arrives."""
    return f"ccp-desktop trust --post {post_code} --key={public_key}"  # "=": a key may begin with "-"


def message_for_hq(post_code: str, public_key: str, fingerprint: str) -> str:
    return (f"Signing key of post {post_code}\nFingerprint: {fingerprint}\nPublic key: {public_key}\n"
            f"To register it at HQ: {trust_command(post_code, public_key)}\n")


class KeyPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("key-panel")
        self.fingerprint = self._field("key-fingerprint", "Signing key fingerprint")
        self.public_key = self._field("public-key", "Public key")
        self.command = self._field("trust-command", "Command HQ runs to register the key")
        self.copy_button = QPushButton("&Copy for HQ")
        self.copy_button.setObjectName("copy-key")
        self.copy_button.setToolTip("Copy the fingerprint, the public key and HQ's command, to paste into an e-mail")
        self.copy_button.clicked.connect(self.copy)
        self.copied = QLabel()
        self.copied.setObjectName("copied")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copied, 1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Fingerprint:", self.fingerprint)
        form.addRow("Public key:", self.public_key)
        form.addRow("HQ runs:", self.command)
        form.addRow("", buttons)
        self._text = ""

    @staticmethod
    def _field(name: str, accessible: str) -> QLineEdit:
        field = QLineEdit()
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
        QApplication.clipboard().setText(self._text)
        self.copied.setText("Copied: paste it into your e-mail to HQ.")

"""Settings' section on sealed packages, for people who do not use the command line.

At HQ, "Encryption key for posts": HQ's current public key and fingerprint, "Save key for posts…" (what
`hq-key --export` writes), "Rotate key…" (with an overlap, 90 days unless changed) and the retired keys with
the dates they were retired and stop opening packages. At a post, "HQ's encryption key": the fingerprint
the post seals to (or none yet) and "Load key from file…" (what `hq-key --set` does), with the fingerprint
shown to compare before the key is used. Reads and writes run on the one background worker; every write is
a core function in sync/hq_keys.py (audited there), run through `run_recorded` for what it changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
import sqlite_utils
from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal

from ccp_desktop.errors import CcpError
from ccp_desktop.store.changes import Done, run_recorded
from ccp_desktop.sync import hq_keys, seal
from ccp_desktop.ui.errors import error_text, show_error
from ccp_desktop.ui.folders import default_packages_folder
from ccp_desktop.ui.key_panel import choose_key_file
from ccp_desktop.ui.worker import BackgroundWorker

# (parent, caption, suggested path) -> the chosen file, or "" when the person cancelled
FileChooser = Callable[[qw.QWidget, str, str], str]


def choose_save_file(parent: qw.QWidget, title: str, start: str) -> str:
    path, _ = qw.QFileDialog.getSaveFileName(parent, title, start, "HQ key files (*.txt);;All files (*)")
    return path


def _read_only(name: str, accessible: str) -> qw.QLineEdit:
    field = qw.QLineEdit()
    field.setObjectName(name)
    field.setReadOnly(True)  # selectable, to read out or copy; never typed over
    field.setAccessibleName(accessible)
    return field


def _note(name: str, accessible: str = "") -> qw.QLabel:
    """A wrapping line of text that can be selected (to read a fingerprint out over the phone)."""
    label = qw.QLabel()
    label.setObjectName(name)
    if accessible:
        label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def retired_line(key: seal.SealKey, now: dt.datetime) -> str:
    opens = (f"opens packages until {_day(key.open_until)}" if key.opens_at(now)
             else f"refused since {_day(key.open_until)}")
    return f"Retired {_day(key.retired_at)}: {key.fingerprint}, {opens}"


class EncryptionKeyPanel(qw.QWidget):
    """What the HQ and post panels share: a status line, and operations on the background worker that
    show the state read back in the same job, then announce what changed."""

    title = ""
    shown = Signal()  # the state read from the database (or keys file) is on screen
    changed = Signal(object)  # Changes, after a write succeeded
    failed = Signal(object)  # the exception, after a read or write failed (already shown to the person)

    object_name = ""
    default_chooser: FileChooser = staticmethod(choose_key_file)

    def __init__(self, worker: BackgroundWorker, choose_file: FileChooser | None = None,
                 parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.worker = worker
        self.choose_file: FileChooser = choose_file or self.default_chooser
        self.fingerprint = _read_only(f"{self.object_name}-fingerprint", "Fingerprint of HQ's encryption key")
        self.status = _note("encryption-key-status")
        self.buttons: list[qw.QPushButton] = []
        self.build()
        self.refresh()

    # What each panel supplies: `build` adds its widgets (the state is read once they are built);
    # `read_state` runs on the worker and reads what the panel shows; `show_state` puts it on screen.
    build: Callable[[], None]
    read_state: Callable[[sqlite_utils.Database], Any]
    show_state: Callable[[Any], None]

    def add_button(self, text: str, name: str, tip: str, slot: Callable[[], object]) -> qw.QPushButton:
        button = qw.QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        self.buttons.append(button)
        return button

    def lay_out(self, detail: tuple[str, qw.QWidget], *notes: qw.QWidget) -> None:
        """The fingerprint, then `detail` (label, widget), the panel's buttons in a row, `notes`, the status."""
        row = qw.QHBoxLayout()
        for button in self.buttons:
            row.addWidget(button)
        row.addStretch(1)
        form = qw.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Fingerprint:", self.fingerprint)
        form.addRow(*detail)
        form.addRow("", row)
        for note in (*notes, self.status):
            form.addRow("", note)

    def refresh(self) -> None:
        self._set_busy(True)
        self.worker.submit(f"read {self.title}", lambda db, _p, _c: self.read_state(db),
                           on_done=self._shown, on_error=self._failed)

    def write(self, name: str, then: Callable[[Any], None], fn: Callable[..., Any], *args: Any) -> None:
        """Run the core function `fn(db, *args)` on the worker, in one transaction, and read back the state."""
        def job(db: sqlite_utils.Database, _progress: Any, _cancelled: Any) -> tuple[Done, Any]:
            return run_recorded(db, fn, *args), self.read_state(db)

        def done(result: tuple[Done, Any]) -> None:
            if not shiboken6.isValid(self):  # Settings was closed while it ran: written, nothing to show
                return
            written, state = result
            then(written.value)
            self._shown(state)
            self.changed.emit(written.changes)

        self._set_busy(True)
        self.worker.submit(name, job, on_done=done, on_error=self._failed)

    def _shown(self, state: Any) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        self.show_state(state)
        self.fit_window()
        self.shown.emit()

    def fit_window(self) -> None:
        """Grow the window to the lines that arrived after it was sized (keys are read on the worker, and
        wrapped labels are not counted in a layout's minimum size): nothing shown cut off."""
        window = self.window()
        layout = window.layout()
        if window is self or layout is None or not layout.hasHeightForWidth():
            return
        layout.invalidate()  # the cached height predates the new text
        needed = layout.heightForWidth(window.width())
        if needed > window.height():
            window.resize(window.width(), needed)

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):  # Settings was closed meanwhile: still say what went wrong
            show_error(None, exc)
            return
        self._set_busy(False)
        self.status.setText(error_text(exc)[0])
        self.fit_window()
        show_error(self, exc)
        self.failed.emit(exc)

    def _set_busy(self, busy: bool) -> None:
        for button in self.buttons:
            button.setEnabled(not busy)


class RotateKeyDialog(qw.QDialog):
    """Confirm a rotation and choose the overlap, saying what the posts must do and until when."""

    def __init__(self, current_fingerprint: str, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rotate-hq-key-dialog")
        self.setWindowTitle("Rotate HQ's encryption key")
        self.overlap = qw.QSpinBox()
        self.overlap.setObjectName("overlap-days")
        self.overlap.setAccessibleName("Days the old key still opens packages")
        self.overlap.setRange(0, 3650)
        self.overlap.setValue(hq_keys.DEFAULT_OVERLAP_DAYS)
        self.overlap.setSuffix(" days")
        self.explain = qw.QLabel()
        self.explain.setObjectName("rotate-explanation")
        self.explain.setWordWrap(True)
        self.current = current_fingerprint
        buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Ok | qw.QDialogButtonBox.StandardButton.Cancel)
        self.rotate_button = buttons.button(qw.QDialogButtonBox.StandardButton.Ok)
        self.rotate_button.setText("Rotate key")
        self.rotate_button.setAutoDefault(False)  # Enter must not make a new key by accident
        self.cancel_button = buttons.button(qw.QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = qw.QFormLayout()
        form.addRow("The old key still opens packages for:", self.overlap)
        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.overlap.valueChanged.connect(self._explain)
        self._explain()

    def _explain(self) -> None:
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=self.overlap.value())).date().isoformat()
        self.explain.setText(
            f"A new encryption key is made for HQ. Packages the posts seal to the current key ({self.current}) "
            f"still open here until {until}; after that they are refused.\n\n"
            "Every post must be sent the new key (Save key for posts…) and load it in its Settings, comparing the "
            "fingerprint with the one you read them. Until a post does, it keeps sealing to the old key: choose "
            "an overlap longer than your slowest post needs to receive and load the new key.")


class HqEncryptionKeysPanel(EncryptionKeyPanel):
    """At HQ: its encryption keys (the first is made, on the worker, if there is none yet)."""

    title = "Encryption key for posts"
    object_name = "hq-encryption-key"
    default_chooser = staticmethod(choose_save_file)

    def build(self) -> None:
        self.public_key = _read_only("hq-encryption-public-key", "HQ's public encryption key")
        self.save_button = self.add_button("&Save key for posts…", "save-key-for-posts", "Write HQ's public key to "
                                           "a file to send to the posts (hq-key --export)", self.save_for_posts)
        self.rotate_button = self.add_button("R&otate key…", "rotate-hq-key", "Make a new key; the old one still "
                                             "opens packages for an overlap period", self.ask_rotate)
        self.retired = _note("retired-hq-keys", "Retired encryption keys")  # one line a retired key
        self.lay_out(("Public key:", self.public_key), self.retired)
        self.keys: list[seal.SealKey] = []
        self.rotate_dialog: RotateKeyDialog | None = None

    def read_state(self, db: sqlite_utils.Database) -> list[seal.SealKey]:
        return hq_keys.hq_keys(db)

    def show_state(self, state: Any) -> None:
        self.keys = list(state)
        current = seal.current_key(self.keys)
        for field, text in ((self.fingerprint, current.fingerprint if current else "(none yet)"),
                            (self.public_key, current.public_key if current else "")):
            field.setText(text)
            field.setCursorPosition(0)
        self.retired.setText("\n".join(retired_line(k, dt.datetime.now(dt.UTC))
                                       for k in reversed(self.keys) if k.retired_at is not None))  # latest first
        self.retired.setVisible(bool(self.retired.text()))

    def save_for_posts(self) -> None:
        start = default_packages_folder() / hq_keys.SHIPPED_KEY_FILE
        chosen = self.choose_file(self, "Save HQ's encryption key for the posts", str(start))
        if chosen:
            self.write("save HQ's encryption key", self._saved, hq_keys.export_hq_key, Path(chosen))

    def _saved(self, value: tuple[Path, seal.SealKey]) -> None:
        target, key = value
        self.status.setText(f"Saved HQ's key {key.fingerprint} to {target}. Send it to the posts: each loads it "
                            "in Settings and compares the fingerprint with the one you read them.")

    def ask_rotate(self) -> RotateKeyDialog:
        current = seal.current_key(self.keys)
        dialog = RotateKeyDialog(current.fingerprint if current else "none yet", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.rotate(dialog.overlap.value()))
        self.rotate_dialog = dialog
        dialog.open()
        return dialog

    def rotate(self, overlap_days: int) -> None:
        self.write("rotate HQ's encryption key", self._rotated, hq_keys.rotate_hq_key, overlap_days)

    def _rotated(self, value: tuple[seal.SealKey, seal.SealKey]) -> None:
        new, old = value
        self.status.setText(f"New key {new.fingerprint}. The old key {old.fingerprint} still opens packages until "
                            f"{_day(old.open_until)}. Now save the new key for the posts (Save key for posts…) "
                            "and send it to every post.")


class PostHqKeyPanel(EncryptionKeyPanel):
    """At a post: the HQ key packages are sealed to, and loading a new one from HQ's key file."""

    title = "HQ's encryption key"
    object_name = "post-hq-key"

    def build(self) -> None:
        self.detail = _note("post-hq-key-detail")
        self.load_button = self.add_button("&Load key from file…", "load-hq-key",
                                           "Seal packages to the key in the file HQ sent (hq-key --set)",
                                           self.load_from_file)
        self.lay_out(("", self.detail))
        self.known: hq_keys.KnownHqKey | None = None
        self.confirm_box: qw.QMessageBox | None = None

    def read_state(self, db: sqlite_utils.Database) -> hq_keys.KnownHqKey | None:
        return hq_keys.known_hq_key(db)

    def show_state(self, state: Any) -> None:
        self.known = state
        self.fingerprint.setText(state.fingerprint if state else "none yet")
        self.fingerprint.setCursorPosition(0)
        self.detail.setText(f"Packages are sealed to this key (learnt {_day(state.learnt_at)}, {state.how})."
                            if state else "Packages are sent unsealed until HQ's key is loaded.")

    def load_from_file(self) -> None:
        chosen = self.choose_file(self, "Choose HQ's encryption key file", str(Path.home()))
        if not chosen:
            return
        try:
            key = seal.read_recipient_file(Path(chosen))
        except CcpError as exc:  # not a key file: said here, by name; nothing changes
            self.status.setText(str(exc))
            self.fit_window()
            self.failed.emit(exc)
            return
        if self.known is not None and self.known.public_key == key:
            self.status.setText(f"Packages are already sealed to this key ({self.known.fingerprint}); nothing changed.")
            return
        self.confirm(key, Path(chosen).name)

    def confirm(self, key: str, file_name: str) -> qw.QMessageBox:
        box = qw.QMessageBox(qw.QMessageBox.Icon.Question, "HQ's encryption key", f"Fingerprint: {seal.key_fingerprint(key)}",
                          qw.QMessageBox.StandardButton.Yes | qw.QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirm-hq-key")
        replaced = (f"\n\nIt replaces the key packages are sealed to now ({self.known.fingerprint})."
                    if self.known else "")
        box.setInformativeText("Compare it with the fingerprint HQ gave you (by phone or in writing): every group "
                               "must match. If one differs, choose Cancel and call HQ: the file may not be HQ's."
                               + replaced)
        box.button(qw.QMessageBox.StandardButton.Yes).setText("Use this key")
        box.setDefaultButton(qw.QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda result: self.learn(key, file_name)
                             if result == qw.QMessageBox.StandardButton.Yes else None)
        self.confirm_box = box
        box.open()
        return box

    def learn(self, key: str, file_name: str) -> None:
        self.write("set HQ's encryption key", self._learnt, hq_keys.learn_hq_key, key, f"from {file_name}")

    def _learnt(self, value: tuple[hq_keys.KnownHqKey, str | None]) -> None:
        known, replaced = value
        self.status.setText(f"Packages are now sealed to HQ's key {known.fingerprint}"
                            + (f" (it replaced {replaced})." if replaced else "."))


def encryption_key_panel(is_hq: bool, worker: BackgroundWorker, parent: qw.QWidget | None = None) -> EncryptionKeyPanel:
    """The section Settings shows: HQ's keys at HQ, the key a post seals to at a post."""
    return HqEncryptionKeysPanel(worker, parent=parent) if is_hq else PostHqKeyPanel(worker, parent=parent)

"""HQ's Posts page: every post, its key, its last package, what to ask it for, conflicts and refusals;
overdue posts highlighted. Actions: write a receipt, register a key before the first package, replace a
key after a re-imaged laptop (with the reason, audited), undo one of the post's imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from ccp_desktop.domain.wording import local_time
from ccp_desktop.sync.posts import posts_desk
from ccp_desktop.ui.changes import ReadingPage
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.folders import default_packages_folder
from ccp_desktop.ui.post_imports import PostImports
from ccp_desktop.ui.widgets import action_button, paint_row, row_table, stretch_row
from ccp_desktop.ui.worker import BackgroundWorker

COLUMNS = ("Post", "Name", "Key fingerprint", "Key pinned", "Last package made", "Imported", "Confirmed up to",
           "To ask for", "Conflicts", "Days since last", "Refused")
OVERDUE_COLOUR, REFUSED_COLOUR = QColor("#fff3cd"), QColor("#f8d7da")


class KeyDialog(qw.QDialog):
    """A post's public key (as its Settings page shows it) and why it is registered or replaced."""

    def __init__(self, post_code: str, replacing: str | None, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("key-dialog")
        self.setWindowTitle(f"{'Replace' if replacing else 'Register'} the key of {post_code}")
        self.key = qw.QLineEdit()
        self.key.setObjectName("public-key")
        self.key.setAccessibleName("Public key")
        self.reason = qw.QLineEdit("laptop re-imaged" if replacing else "registered before the first package")
        self.reason.setObjectName("key-reason")
        self.reason.setAccessibleName("Reason")
        form = qw.QFormLayout(self)
        if replacing:
            form.addRow(qw.QLabel(f"Trusted now: {replacing}. Replace it only after comparing the new fingerprint with "
                               "the post by phone."))
        form.addRow("Public key:", self.key)
        form.addRow("Reason (audited):", self.reason)
        buttons = qw.QDialogButtonBox(qw.QDialogButtonBox.StandardButton.Ok | qw.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class PostsPage(ReadingPage):
    read_name = "posts"
    receipt_written = Signal(object)  # ExportResult
    key_trusted = Signal(object)  # TrustChange

    def __init__(self, worker: BackgroundWorker, parent: qw.QWidget | None = None) -> None:
        super().__init__("posts", worker, parent)
        self.posts: list[dict[str, Any]] = []
        self.key_dialog: KeyDialog | None = None
        self.summary = qw.QLabel()
        self.summary.setObjectName("posts-summary")
        self.summary.setWordWrap(True)
        self.table = row_table("posts", "Posts", COLUMNS)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.detail = qw.QLabel("Select a post to see its refused packages and what to ask it for.")
        self.detail.setObjectName("post-detail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.receipt_button = action_button("Write receipt…", "write-receipt", self.choose_receipt_folder)
        self.key_button = action_button("Register key…", "register-key", self.ask_key)
        buttons = stretch_row(self.summary, self.key_button, self.receipt_button)
        splitter = qw.QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        self.imports = PostImports()
        self.imports.undo_requested.connect(self.undo_import)
        splitter.addWidget(self.imports)
        splitter.setStretchFactor(0, 3)
        layout = qw.QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)

    # --- loading ------------------------------------------------------------------------------------
    read = staticmethod(posts_desk)  # on the worker

    def show_read(self, posts: list[dict[str, Any]]) -> None:
        selected = self.selected_post()
        self.posts = posts
        self.table.setRowCount(len(posts))
        for row, p in enumerate(posts):
            days = p["days_since_last_package"]
            values = [p["post_code"], p["name"], p["fingerprint"] or "not registered",
                      local_time(p["pinned_at"]) if p["pinned_at"] else "", local_time(p["last_package_created_at"], never="never"),
                      local_time(p["last_import_at"]) if p["last_import_at"] else "", str(p["confirmed_seq"] or ""),
                      p["ask"], str(p["open_conflicts"] or ""), "" if days is None else str(days), str(len(p["refusals"]) or "")]
            for col, value in enumerate(values):
                item = qw.QTableWidgetItem(value)
                if col == 9 and p["overdue"]:
                    item.setToolTip(f"No package for more than {p['overdue_days']} days")
                self.table.setItem(row, col, item)
            paint_row(self.table, row, REFUSED_COLOUR if p["refusals"] else OVERDUE_COLOUR if p["overdue"] else None)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(7, qw.QHeaderView.ResizeMode.Stretch)
        heard = sum(1 for p in posts if p["packages"])
        overdue = [p["post_code"] for p in posts if p["overdue"]]
        threshold = posts[0]["overdue_days"] if posts else 14
        self.summary.setText(f"{heard} of {len(posts)} posts have sent packages. "
                             + (f"Overdue (no package for over {threshold} days): {', '.join(overdue)}." if overdue
                                else f"None is overdue (over {threshold} days)."))
        if selected:
            self.select_post(selected)
            self._show_detail()  # the row may have stayed selected (no signal), its content is new
        self.loaded.emit()

    # --- selection ----------------------------------------------------------------------------------
    def selected_post(self) -> str | None:
        row = self.table.currentRow()
        return self.posts[row]["post_code"] if 0 <= row < len(self.posts) else None

    def select_post(self, code: str) -> None:
        for row, p in enumerate(self.posts):
            if p["post_code"] == code:
                self.table.selectRow(row)
                return

    def _show_detail(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.posts):
            return
        p = self.posts[row]
        self.key_button.setText("Replace key…" if p["fingerprint"] else "Register key…")
        lines = [f"<b>{p['post_code']}</b> ({p['name']}): {p['packages']} packages imported."]
        if p["ask"]:
            lines.append(p["ask"][0].upper() + p["ask"][1:] + ".")
        for refusal in p["refusals"]:
            lines.append(f"Refused {local_time(refusal['refused_at'])}: {refusal['file_name']} "
                         f"(changes {refusal['seq_from']}–{refusal['seq_to']}):")
            lines += [f"&nbsp;&nbsp;• {x['sheet'] or ''} row {x['row'] or '–'}, {x['column']}: {x['message']}"
                      for x in refusal["problems"][:10]]
        self.detail.setText("<br>".join(lines))
        self.imports.show_imports(p["imports"])

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    # --- actions ------------------------------------------------------------------------------------
    def choose_receipt_folder(self) -> None:
        code = self.selected_post()
        if code is None:
            self.summary.setText("Select a post first.")
            return
        folder = qw.QFileDialog.getExistingDirectory(self, f"Save the receipt for {code} in", str(default_packages_folder()))
        if folder:
            self.write_receipt(code, Path(folder))

    def write_receipt(self, code: str, folder: Path) -> None:
        from ccp_desktop.sync.receipts import write_receipt

        def done(result: Any) -> None:
            self.summary.setText(f"Receipt for {code} saved: {result.path}. Send it to the post.")
            self.receipt_written.emit(result)

        self.run_change("receipt", write_receipt, code, folder, on_done=done, on_error=self._failed)

    def ask_key(self) -> KeyDialog | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.posts):
            self.summary.setText("Select a post first.")
            return None
        p = self.posts[row]
        self.key_dialog = KeyDialog(p["post_code"], p["fingerprint"], self)
        self.key_dialog.accepted.connect(
            lambda: self.trust(p["post_code"], self.key_dialog.key.text().strip(), self.key_dialog.reason.text().strip())
            if self.key_dialog else None)
        self.key_dialog.open()
        return self.key_dialog

    def trust(self, code: str, key: str, reason: str) -> None:
        from ccp_desktop.sync.trust import trust_key

        def done(change: Any) -> None:
            self.summary.setText(f"Replaced the key trusted for {code} ({change.replaced}) with {change.fingerprint}."
                                 if change.replaced else f"Trusting key {change.fingerprint} for {code}.")
            self.key_trusted.emit(change)

        self.run_change("trust", trust_key, code, key, reason=reason, on_done=done, on_error=self._failed)

    def undo_import(self, package_id: str) -> None:
        from ccp_desktop.store.import_undo import undo_import

        self.run_change("undo import", undo_import, package_id, on_done=self.imports.show_undone,
                        on_error=self.imports.show_refused)

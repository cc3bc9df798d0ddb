"""The Sync page: export a package in the background (with progress and cancel), import a receipt,
and the history of packages sent and receipts received."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, Signal

from ccp_desktop.domain.wording import count_of, local_time
from ccp_desktop.errors import Cancelled, NothingToExport
from ccp_desktop.ui.changes import OpChanges, ReadingPage
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.folders import default_packages_folder, open_folder
from ccp_desktop.ui.forms.prompts import Button, ask_later
from ccp_desktop.ui.settings import ui_settings
from ccp_desktop.ui.widgets import JobBar, action_button, path_row, stretch_row
from ccp_desktop.ui.worker import BackgroundWorker

EXPORT_KINDS = (
    ("changes", "Changes since the last export", "Everything recorded or changed since the last package (the usual choice)."),
    ("since-receipt", "Everything HQ has not confirmed", "Every change since HQ's last receipt: use it when a package went missing."),
    ("full", "Everything (full package)", "Every record of this post: for a new start at HQ."),
)


def _when(stamp: Any) -> str:
    return local_time(stamp)


def _hq_summary(glance: dict[str, Any]) -> str:
    last = glance["last_import"]
    imported = (f"{count_of(glance['packages'], 'package')} imported from {count_of(glance['posts'], 'post')}; "
                f"the last from {last['post_code']}, {_when(last['imported_at'])}." if glance["packages"]
                else "No package imported yet.")
    return f"{imported} Receipts for the posts are written on the Posts page."


class SyncPage(ReadingPage):
    export_finished = Signal(object)  # ExportResult
    export_failed = Signal(object)  # the exception (Cancelled and NothingToExport included)
    import_finished = Signal(object)  # ImportResult
    preview_ready = Signal(object)  # ImportResult of a dry run (HQ looks before it imports)
    history_loaded = Signal()
    sync_changed = Signal(object)  # OpChanges for the window (status bar, lists after an import)

    read_name = "sync history"

    def __init__(self, db_path: Path, worker: BackgroundWorker, *, is_hq: bool = False, parent: qw.QWidget | None = None) -> None:
        super().__init__("sync", worker, parent)
        self.db_path, self.is_hq = db_path, is_hq
        self.last_export_path: Path | None = None
        self.importing: Path | None = None
        self.trust_question: qw.QMessageBox | None = None

        self.summary = qw.QLabel()
        self.summary.setObjectName("sync-summary")
        self.summary.setWordWrap(True)

        export_box = qw.QGroupBox("Send a package to HQ")
        self.kind_group = qw.QButtonGroup(self)
        kinds = qw.QVBoxLayout()
        for n, (kind, label, help_text) in enumerate(EXPORT_KINDS):
            radio = qw.QRadioButton(label)
            radio.setObjectName(f"kind-{kind}")
            radio.setToolTip(help_text)
            radio.setAccessibleDescription(help_text)
            radio.setProperty("kind", kind)
            radio.setChecked(n == 0)
            self.kind_group.addButton(radio, n)
            kinds.addWidget(radio)
        self.folder, folder_row = path_row(
            str(ui_settings(db_path).value("sync/out_dir", str(default_packages_folder()))), "out-folder",
            "Folder the package is saved in", "Choose the folder", self._choose_folder, label="Save in:")
        # Sealed for HQ's eyes (age) by default once HQ's encryption key is known here (sync/sealed_export.py).
        self.seal_box = qw.QCheckBox("Seal for HQ (only HQ can open the file)")
        self.seal_box.setObjectName("seal-for-hq")
        self.seal_box.setEnabled(False)
        self.seal_box.setToolTip("HQ's encryption key is not known on this laptop yet (hq-key --set FILE)")
        self.seal_box.setVisible(not is_hq)
        self._seal_known: bool | None = None
        self.export_button = action_button("Export package", "export", self.start_export)
        self.export_button.setDefault(True)
        self.export = JobBar(worker, "export", "Export progress", self.cancel_export)
        run_row = qw.QHBoxLayout()
        run_row.addWidget(self.export_button)
        run_row.addWidget(self.export.progress, 1)
        run_row.addWidget(self.export.cancel_button)
        run_row.addStretch(0)  # the button keeps its size while the progress bar is hidden
        self.export_result = qw.QLabel()
        self.export_result.setObjectName("export-result")
        self.export_result.setWordWrap(True)
        self.export_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = action_button("Open folder", "open-folder", self.open_folder)
        self.open_folder_button.setVisible(False)
        result_row = stretch_row(self.export_result, self.open_folder_button)
        export_layout = qw.QVBoxLayout(export_box)
        export_layout.addLayout(kinds)
        export_layout.addLayout(folder_row)
        export_layout.addWidget(self.seal_box)
        export_layout.addLayout(run_row)
        export_layout.addLayout(result_row)

        import_box = qw.QGroupBox("Packages from HQ" if not is_hq else "Import a package")
        self.import_button = action_button("Import a package…" if is_hq else "Import a receipt from HQ…", "import",
                                           self._choose_import)
        self.import_result = qw.QLabel("A receipt tells you which of your changes HQ has recorded.")
        self.import_result.setObjectName("import-result")
        self.import_result.setWordWrap(True)
        self.apply_button = action_button("Import it", "apply-import", self.apply_previewed)
        self.apply_button.setVisible(False)
        self.previewed: Path | None = None
        import_layout = qw.QHBoxLayout(import_box)
        import_layout.addWidget(self.import_button)
        import_layout.addWidget(self.import_result, 1)
        import_layout.addWidget(self.apply_button)

        self.history = qw.QTableWidget(0, 6)
        self.history.setObjectName("history")
        self.history.setAccessibleName("Packages sent and receipts received")
        self.history.setHorizontalHeaderLabels(["", "Kind", "When", "Change numbers", "Summary", "File"])
        self.history.setEditTriggers(qw.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(qw.QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(4, qw.QHeaderView.ResizeMode.Stretch)
        self.history.doubleClicked.connect(self._open_history_folder)
        history_box = qw.QGroupBox("History")
        qw.QVBoxLayout(history_box).addWidget(self.history)

        if is_hq:  # HQ sends no data package: it imports the posts' and writes their receipts (Posts page)
            export_box.setVisible(False)
            self.import_result.setText("HQ shows what a package would add and change before importing it; "
                                       "a folder of packages: Import many.")
            self.history.setAccessibleName("Packages received and receipts sent")
        layout = qw.QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(export_box)
        layout.addWidget(import_box)
        layout.addWidget(history_box, 1)
        self.stale = True

    # --- export ------------------------------------------------------------------------------------------
    def selected_kind(self) -> str:
        checked = self.kind_group.checkedButton()
        return str(checked.property("kind")) if checked is not None else "changes"

    def _choose_folder(self) -> None:
        folder = qw.QFileDialog.getExistingDirectory(self, "Save packages in", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def start_export(self) -> None:
        if self.export.job is not None:
            return
        out_dir, kind = Path(self.folder.text().strip() or "."), self.selected_kind()
        seal_it = self.seal_box.isChecked()
        ui_settings(self.db_path).setValue("sync/out_dir", str(out_dir))
        self.export_button.setEnabled(False)
        self.open_folder_button.setVisible(False)
        self.export_result.setText("Writing the package…")

        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync.sealed_export import export_for_hq

            out_dir.mkdir(parents=True, exist_ok=True)
            return export_for_hq(db, out_dir, kind=kind, seal_it=seal_it, progress=progress, should_cancel=should_cancel)

        self.export.start("export", run, on_done=self._export_done, on_error=self._export_error)

    def cancel_export(self) -> None:
        if self.export.cancel():
            self.export_result.setText("Cancelling…")

    def _export_finished(self) -> None:
        self.export.finish()
        self.export_button.setEnabled(True)

    def _export_done(self, sent: Any) -> None:
        self._export_finished()
        result = sent.export
        self.last_export_path = Path(sent.send_path)
        rows = sum(result.counts.values())
        text = (f"Saved {self.last_export_path.name} ({rows:,} record{'s' if rows != 1 else ''}) in "
                f"{self.last_export_path.parent}. Send it to HQ by e-mail or USB.")
        if sent.sealed:
            text += f"\nSealed for HQ (key {sent.sealed_for}); your own readable copy is {sent.own_copy}."
        if sent.parts_to_send:
            text += (f"\nSend its {len(sent.parts_to_send)} attachment archive(s) with it "
                     f"({', '.join(p.name for p in sent.parts_to_send)}), one an e-mail if they are large.")
        if sent.warning:
            text += f"\n{sent.warning}"
        self.export_result.setText(text)
        self.open_folder_button.setVisible(True)
        # What recording the package wrote, as the export returned it (the status bar and history show it).
        self.sync_changed.emit(OpChanges.of(sent.changes, source=self))
        self.export_finished.emit(result)

    def _export_error(self, exc: BaseException) -> None:
        self._export_finished()
        if isinstance(exc, NothingToExport):
            self.export_result.setText(str(exc))
        elif isinstance(exc, Cancelled):
            self.export_result.setText("Export cancelled; no file was written.")
        else:
            self.export_result.setText("The package was not written.")
            show_error(self, exc)
        self.export_failed.emit(exc)

    def open_folder(self) -> None:
        open_folder(self, self.last_export_path.parent if self.last_export_path else Path(self.folder.text()))

    def _open_history_folder(self, index: Any) -> None:
        item = self.history.item(index.row(), 5)
        if item and item.data(Qt.ItemDataRole.UserRole):
            open_folder(self, Path(item.data(Qt.ItemDataRole.UserRole)).parent)

    # --- import ------------------------------------------------------------------------------------------
    def _choose_import(self) -> None:
        path, _ = qw.QFileDialog.getOpenFileName(self, self.import_button.text().rstrip("…"), self.folder.text(),
                                              "Sync packages (*.xlsx *.xlsx.age)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """At a post, import (a receipt) at once; at HQ, a dry run first shows what would change."""
        self._run_import(path, dry_run=self.is_hq)

    def apply_previewed(self) -> None:
        if self.previewed is not None:
            self._run_import(self.previewed, dry_run=False)

    def _run_import(self, path: Path, *, dry_run: bool, accept_fingerprint: str | None = None) -> None:
        self.importing = path
        self.import_button.setEnabled(False)
        self.apply_button.setVisible(False)
        self.previewed = None
        self.import_result.setText(f"Checking {path.name}…" if dry_run else f"Importing {path.name}…")

        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync.importer import import_package

            return import_package(db, path, dry_run=dry_run, progress=progress, should_cancel=should_cancel,
                                  accept_fingerprint=accept_fingerprint)

        done = (lambda result: self._preview_done(path, result)) if dry_run else self._import_done
        self.worker.submit("import", run, on_done=done, on_error=self._import_error)
        if not dry_run:  # after the result is shown: the import's pages into the database file
            self.worker.submit("fold log", _fold_log)

    def _preview_done(self, path: Path, result: Any) -> None:
        if result.status != "dry-run":  # rejected or imported before: nothing to confirm
            self._import_done(result)
            return
        self.import_button.setEnabled(True)
        self.previewed = path
        self.import_result.setText(f"{result.message}\nCheck it, then press Import it to apply it.")
        self.apply_button.setVisible(True)
        self.preview_ready.emit(result)

    def _import_done(self, result: Any) -> None:
        if result.status == "rejected" and result.unknown_key and self.importing is not None:
            self._ask_to_trust_hq(self.importing, result.unknown_key)
        self.import_button.setEnabled(True)
        text = result.message
        if result.status == "rejected" and result.errors:
            text += "\n" + "\n".join(f"• {p.describe()}" for p in result.errors[:5])
        self.import_result.setText(text)
        self.sync_changed.emit(OpChanges.of(result.changes, source=self))
        self.import_finished.emit(result)

    def _ask_to_trust_hq(self, path: Path, fingerprint: str) -> None:
        """The first receipt from HQ: trust its key only once the officer has compared the fingerprint."""
        def answered(button: Button) -> None:
            if button == Button.Yes:
                self._run_import(path, dry_run=False, accept_fingerprint=fingerprint)

        self.trust_question = ask_later(
            self, "Is this HQ's key?",
            f"This receipt is signed by the key with fingerprint\n\n{fingerprint}\n\n"
            "Compare it with the fingerprint HQ gave you (by phone or in writing). Trust it only if every group "
            "matches.", Button.Yes | Button.No, Button.No, answered,
            detail="Yes: this receipt and later ones signed by this key are accepted. No: nothing is changed.",
        )

    def _import_error(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.import_result.setText("Nothing was imported.")
        show_error(self, exc)

    # --- status and history ------------------------------------------------------------------------------
    def read(self, db: Any) -> Any:  # on the worker: reads `is_hq`, touches no widget
        from ccp_desktop.sync import status

        if self.is_hq:
            return status.hq_glance(db), status.package_history(db)
        from ccp_desktop.sync.sealed_export import seal_by_default

        return (status.pending_change_count(db), status.last_receipt(db), status.package_history(db),
                seal_by_default(db))

    def show_read(self, value: Any) -> None:
        if self.is_hq:
            glance, history = value
            self.summary.setText(_hq_summary(glance))
            self._show_packages(history)
        else:
            self._show_history(value)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.installation:  # HQ's encryption key loaded in Settings: "Seal for HQ" follows it
            self.mark_stale()
        else:
            super().on_changes(changes)

    def _show_seal_choice(self, known: bool) -> None:
        """Checked by default once HQ's key is known; an officer's own choice stands until that changes."""
        if known == self._seal_known:
            return
        self._seal_known = known
        self.seal_box.setEnabled(known)
        self.seal_box.setChecked(known)
        self.seal_box.setToolTip("Encrypt the package so that only HQ can open it (age). Your own readable copy "
                                 "stays in the outbox folder beside your data." if known else
                                 "HQ's encryption key is not known on this laptop yet (hq-key --set FILE)")

    def _show_history(self, answer: Any) -> None:
        pending, receipt, history, seal_known = answer
        self._show_seal_choice(seal_known)
        text = (f"{pending:,} change{'s' if pending != 1 else ''} waiting to be sent." if pending
                else "Every change has been exported.")
        if receipt:
            text += f" HQ last confirmed your changes up to number {receipt.get('confirmed_seq')} ({_when(receipt.get('created_at'))})."
            from ccp_desktop.sync.status import hq_notes_text

            notes = hq_notes_text(receipt.get("hq_notes") or {})  # refused packages (rows to fix), conflicts settled
            text += f"\n{notes}" if notes else ""
        self.summary.setText(text)
        self._show_packages(history)

    def _show_packages(self, history: list[dict[str, Any]]) -> None:
        self.history.setRowCount(len(history))
        for row, entry in enumerate(history):
            sent = entry.get("direction") == "sent"
            seq = f"{entry.get('seq_from')}–{entry.get('seq_to')}" if entry.get("seq_to") else ""
            values = ["Sent" if sent else "Received", entry.get("kind") or "", _when(entry.get("at")), seq,
                      entry.get("summary") or "", Path(entry["path"]).name if entry.get("path") else ""]
            for col, value in enumerate(values):
                item = qw.QTableWidgetItem(str(value))
                if col == 5 and entry.get("path"):
                    item.setData(Qt.ItemDataRole.UserRole, str(entry["path"]))
                    item.setToolTip(str(entry["path"]))
                self.history.setItem(row, col, item)
        self.history.resizeColumnsToContents()
        self.history.horizontalHeader().setSectionResizeMode(4, qw.QHeaderView.ResizeMode.Stretch)
        self.history_loaded.emit()


def _fold_log(db: Any, progress: Any, should_cancel: Any) -> None:
    from ccp_desktop.store.maintenance import fold_log

    fold_log(db)

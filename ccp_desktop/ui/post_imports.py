"""On HQ's Posts page: the data packages imported from the selected post, newest first, each of which can
be undone ("Undo this import…"): a question naming the package, the post and what it wrote, then
`undo_requested`, on which the page runs the core `undo_import` on the background worker. A refusal
(something done since touched those records) is shown naming the records; nothing was changed then."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Signal

from ccp_desktop.domain.wording import local_time
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.forms.prompts import Button, ask_later
from ccp_desktop.ui.widgets import action_button, row_table, stretch_row

COLUMNS = ("Package", "Changes", "Made", "Imported", "New", "Updated", "Deleted", "Conflicts")
_TOTALS = ("inserted", "updated", "tombstoned")


def import_totals(entry: dict[str, Any]) -> dict[str, int]:
    """Records the import added, updated and deleted (over every table), and the conflicts it raised."""
    counts = entry["summary"].get("counts") or {}
    totals = {k: sum(int(c.get(k, 0)) for c in counts.values()) for k in _TOTALS}
    return totals | {"conflicts": int(entry["summary"].get("conflicts") or 0)}


def describe_import(entry: dict[str, Any]) -> str:
    t = import_totals(entry)
    return (f"package {entry['package_id']} from {entry['post_code']} (changes {entry['seq_from']}–{entry['seq_to']}, "
            f"imported {local_time(entry['imported_at'])}): {t['inserted']} new, {t['updated']} updated, "
            f"{t['tombstoned']} deleted, {t['conflicts']} conflicts")


class PostImports(qw.QWidget):
    undo_requested = Signal(str)  # package id, once the person said yes
    undone = Signal(object)  # UndoResult

    def __init__(self, parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.imports: list[dict[str, Any]] = []
        self.question: qw.QMessageBox | None = None
        self.outcome = ""  # what the last undo did (or why not): stays while the lists refresh
        self.table = row_table("post-imports", "Packages imported from this post", COLUMNS)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.note = qw.QLabel()
        self.note.setObjectName("post-imports-note")
        self.note.setWordWrap(True)
        self.undo_button = action_button("Undo this import…", "undo-import", self.ask_undo)
        self.undo_button.setEnabled(False)
        layout = qw.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(stretch_row(self.note, self.undo_button))
        layout.addWidget(self.table, 1)

    def show_imports(self, imports: list[dict[str, Any]]) -> None:
        selected = self.selected()
        self.imports = imports
        self.table.setRowCount(len(imports))
        for r, entry in enumerate(imports):
            t = import_totals(entry)
            values = [entry["package_id"], f"{entry['seq_from']}–{entry['seq_to']}", local_time(entry["created_at"]),
                      local_time(entry["imported_at"])] + [str(t[k]) for k in (*_TOTALS, "conflicts")]
            for col, value in enumerate(values):
                self.table.setItem(r, col, qw.QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, qw.QHeaderView.ResizeMode.Stretch)
        ids = [e["package_id"] for e in imports]
        if selected is not None and selected["package_id"] in ids:
            self.table.selectRow(ids.index(selected["package_id"]))
        else:
            self.table.clearSelection()
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.imports[rows.pop()] if len(rows) == 1 and self.imports else None

    def _selection_changed(self) -> None:
        self.undo_button.setEnabled(self.selected() is not None and self.question is None)
        if self.outcome:
            self.note.setText(self.outcome)
        elif not self.imports:
            self.note.setText("No data package from this post was imported here.")
        else:
            hint = "Select one to undo its import." if self.selected() is None else ""
            self.note.setText(f"{len(self.imports)} packages imported from this post. {hint}".strip())

    def ask_undo(self) -> qw.QMessageBox | None:
        """The question, naming the package, the post and what its import wrote (not modal to the app)."""
        entry = self.selected()
        if entry is None or self.question is not None:
            return None
        self.outcome = ""
        self.question = ask_later(
            self, "Undo this import", f"Undo the import of {describe_import(entry)}?",
            Button.Yes | Button.Cancel, Button.Cancel, lambda answer: self._answered(entry, answer),
            detail="Records it added are removed and records it changed are put back as they were. It is refused, "
                   "naming the records, if anything done since touched them. The package can be imported again.",
            labels={Button.Yes: "Undo the import"},
        )
        self.undo_button.setEnabled(False)
        return self.question

    def _answered(self, entry: dict[str, Any], answer: Button) -> None:
        self.question = None
        if answer != Button.Yes:
            self._selection_changed()
            return
        self.undo_button.setEnabled(False)
        self.note.setText(f"Undoing the import of {entry['package_id']}…")
        self.undo_requested.emit(entry["package_id"])

    def show_undone(self, result: Any) -> None:
        self.outcome = result.message
        self.note.setText(self.outcome)
        self.undone.emit(result)

    def show_refused(self, exc: BaseException) -> None:
        self.outcome = "The undo was refused; nothing was changed."
        self._selection_changed()
        show_error(self, exc, title="Undo this import")

"""HQ's Conflicts page: the post's and HQ's versions of a record side by side, differing fields
highlighted; keep the post's, keep HQ's, or choose field by field. The list filters by post and table."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor

from ccp_desktop.domain import records as r
from ccp_desktop.domain.wording import local_time
from ccp_desktop.sync.conflicts import list_conflicts
from ccp_desktop.ui.changes import ReadingPage
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.widgets import action_button, list_over_detail, row_table
from ccp_desktop.ui.worker import BackgroundWorker

DIFFERENT = QColor("#fff3cd")
ALL = "All"


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


class ConflictsPage(ReadingPage):
    resolved = Signal(object)  # the record as HQ now holds it
    count_changed = Signal(int)  # open conflicts, for the navigation

    read_name = "conflicts"

    def __init__(self, worker: BackgroundWorker, parent: qw.QWidget | None = None) -> None:
        super().__init__("conflicts", worker, parent)
        self.conflicts: list[dict[str, Any]] = []
        self.visible: list[dict[str, Any]] = []
        self.post_filter = qw.QComboBox()
        self.post_filter.setObjectName("conflict-post-filter")
        self.post_filter.setAccessibleName("Post")
        self.table_filter = qw.QComboBox()
        self.table_filter.setObjectName("conflict-table-filter")
        self.table_filter.setAccessibleName("Record type")
        self.table_filter.addItem(ALL, None)
        for kind in r.RECORD_KINDS.values():
            self.table_filter.addItem(kind.plural, kind.name)
        self.post_filter.currentIndexChanged.connect(self._filter)
        self.table_filter.currentIndexChanged.connect(self._filter)
        filters = qw.QHBoxLayout()
        filters.addWidget(qw.QLabel("Post:"))
        filters.addWidget(self.post_filter)
        filters.addWidget(qw.QLabel("Record type:"))
        filters.addWidget(self.table_filter)
        self.summary = qw.QLabel()
        self.summary.setObjectName("conflicts-summary")
        filters.addWidget(self.summary, 1)

        self.list = row_table("conflicts", "Open conflicts", ["#", "Record type", "Record", "Post", "Found", "Fields differing"])
        self.list.itemSelectionChanged.connect(self._show_selected)

        self.sides = qw.QTableWidget(0, 4)
        self.sides.setObjectName("conflict-sides")
        self.sides.setAccessibleName("The post's and HQ's versions side by side")
        self.sides.setHorizontalHeaderLabels(["Field", "Post's version", "HQ's version", "Keep"])
        self.sides.setEditTriggers(qw.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sides.verticalHeader().setVisible(False)
        self.choices: dict[str, qw.QComboBox] = {}
        self.keep_post = action_button("Keep the post's", "keep-post", lambda: self.resolve("post"))
        self.keep_hq = action_button("Keep HQ's", "keep-hq", lambda: self.resolve("hq"))
        self.keep_fields = qw.QPushButton("Keep the fields chosen")
        self.keep_fields.setObjectName("keep-fields")
        self.keep_fields.clicked.connect(lambda: self.resolve("fields"))
        actions = qw.QHBoxLayout()
        actions.addStretch(1)
        for button in (self.keep_post, self.keep_hq, self.keep_fields):
            actions.addWidget(button)
        splitter = list_over_detail(self.list, self.sides, actions)
        splitter.setStretchFactor(1, 2)
        layout = qw.QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        self._enable(False)

    # --- loading ------------------------------------------------------------------------------------
    read = staticmethod(list_conflicts)  # on the worker

    def show_read(self, conflicts: list[dict[str, Any]]) -> None:
        self.conflicts = conflicts
        current = self.post_filter.currentData()
        self.post_filter.blockSignals(True)
        self.post_filter.clear()
        self.post_filter.addItem(ALL, None)
        for code in sorted({c["post_code"] for c in conflicts}):
            self.post_filter.addItem(code, code)
        index = self.post_filter.findData(current)
        self.post_filter.setCurrentIndex(max(index, 0))
        self.post_filter.blockSignals(False)
        self._filter()
        self.count_changed.emit(len(conflicts))
        self.loaded.emit()

    def _filter(self) -> None:
        post, table = self.post_filter.currentData(), self.table_filter.currentData()
        self.visible = [c for c in self.conflicts if (post is None or c["post_code"] == post)
                        and (table is None or c["table_name"] == table)]
        self.list.setRowCount(len(self.visible))
        for row, c in enumerate(self.visible):
            kind = r.record_kind(c["table_name"])
            values = [str(c["id"]), kind.label, _shown(c["title"]), c["post_code"], local_time(c["detected_at"]),
                      ", ".join(d["label"] for d in c["differences"])]
            for col, value in enumerate(values):
                self.list.setItem(row, col, qw.QTableWidgetItem(value))
        self.list.resizeColumnsToContents()
        self.list.horizontalHeader().setSectionResizeMode(5, qw.QHeaderView.ResizeMode.Stretch)
        self.summary.setText(f"{len(self.visible)} of {len(self.conflicts)} open conflicts shown")
        if self.visible:
            self.list.selectRow(0)
            self._show_selected()
        else:
            self.sides.setRowCount(0)
            self._enable(False)

    # --- one conflict -------------------------------------------------------------------------------
    def selected(self) -> dict[str, Any] | None:
        row = self.list.currentRow()
        return self.visible[row] if 0 <= row < len(self.visible) else None

    def _enable(self, on: bool) -> None:
        for button in (self.keep_post, self.keep_hq, self.keep_fields):
            button.setEnabled(on)

    def _show_selected(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        kind = r.record_kind(conflict["table_name"])
        hq, post = conflict["hq_version"], conflict["post_version"]
        differing = {d["field"] for d in conflict["differences"]}
        # What was recorded first, then who changed it and when (the system fields), at the bottom.
        fields = [f for f in kind.fields if not f.system or f.key == "deleted"]
        fields += [f for f in kind.fields if f.key in ("rev", "updated_at", "updated_by")]
        self.sides.setRowCount(len(fields))
        self.choices = {}
        for row, f in enumerate(fields):
            cells = [f.label, _shown(post.get(f.key)), _shown(hq.get(f.key))]
            for col, text in enumerate(cells):
                item = qw.QTableWidgetItem(text)
                if f.key in differing:
                    item.setBackground(QBrush(DIFFERENT))
                    item.setToolTip("The versions differ here")
                self.sides.setItem(row, col, item)
            if f.key in differing:
                combo = qw.QComboBox()
                combo.setObjectName(f"keep-{f.key}")
                combo.setAccessibleName(f"Keep which {f.label}")
                combo.addItem("Post's", "post")
                combo.addItem("HQ's", "hq")
                self.sides.setCellWidget(row, 3, combo)
                self.choices[f.key] = combo
            else:
                self.sides.setItem(row, 3, qw.QTableWidgetItem(""))
        self.sides.resizeColumnsToContents()
        self.sides.horizontalHeader().setSectionResizeMode(1, qw.QHeaderView.ResizeMode.Stretch)
        self.sides.horizontalHeader().setSectionResizeMode(2, qw.QHeaderView.ResizeMode.Stretch)
        self._enable(True)

    def choose(self, field: str, side: str) -> None:
        combo = self.choices[field]
        combo.setCurrentIndex(combo.findData(side))

    def resolve(self, keep: str) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        fields = {key: str(combo.currentData()) for key, combo in self.choices.items()} if keep == "fields" else None
        conflict_id = conflict["id"]
        self._enable(False)

        from ccp_desktop.sync.conflicts import resolve_conflict

        def done(kept: dict[str, Any]) -> None:
            self.summary.setText(f"Conflict {conflict_id} settled (now rev {kept['rev']}).")
            self.resolved.emit(kept)

        self.run_change("resolve conflict", resolve_conflict, conflict_id, keep, fields=fields, on_done=done,
                        on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._enable(True)
        show_error(self, exc)

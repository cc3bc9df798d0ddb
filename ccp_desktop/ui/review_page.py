"""HQ's Review page: the same serial number at two posts, both deliveries side by side, and what a
person decides: the same item moved, a typo at one post (ask it), or two different items."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain.wording import local_time
from ccp_desktop.ui.changes import OpChanges, RefreshingPage
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.worker import BackgroundWorker

SIDE_ROWS = (("post", "Post"), ("recipient", "Recipient"), ("delivered_on", "Delivered on"),
             ("description", "Description"), ("make_model", "Make and model"), ("serials", "Serial numbers"),
             ("asset_tag", "Asset tag"), ("handover_ref", "Handover reference"))
SHARED = QColor("#fff3cd")


class ReviewPage(RefreshingPage):
    loaded = Signal()
    settled = Signal(object)  # the review item as settled
    count_changed = Signal(int)
    sync_changed = Signal(object)  # OpChanges

    def __init__(self, worker: BackgroundWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-review")
        self.worker = worker
        self.items: list[dict[str, Any]] = []
        self.summary = QLabel()
        self.summary.setObjectName("review-summary")
        self.summary.setWordWrap(True)
        self.list = QTableWidget(0, 4)
        self.list.setObjectName("review-items")
        self.list.setAccessibleName("Review items")
        self.list.setHorizontalHeaderLabels(["#", "Serial number", "Posts", "State"])
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.verticalHeader().setVisible(False)
        self.list.itemSelectionChanged.connect(self._show_selected)
        self.sides = QTableWidget(len(SIDE_ROWS), 2)
        self.sides.setObjectName("review-sides")
        self.sides.setAccessibleName("Both deliveries side by side")
        self.sides.setVerticalHeaderLabels([label for _, label in SIDE_ROWS])
        self.sides.setHorizontalHeaderLabels(["First recorded", "Second (the package that shares it)"])
        self.sides.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sides.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.note = QLineEdit()
        self.note.setObjectName("review-note")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Note: what to ask the post, or why these are different items")
        self.moved_button = QPushButton("Same item moved")
        self.moved_button.setObjectName("review-moved")
        self.moved_button.setToolTip("The item went from one post to the other: the transfer is recorded")
        self.moved_button.clicked.connect(lambda: self.settle("moved"))
        self.typo_button = QPushButton("Typo: ask the post")
        self.typo_button.setObjectName("review-typo")
        self.typo_button.setToolTip("One post mistyped it: the pair stays flagged until its package fixes it")
        self.typo_button.clicked.connect(lambda: self.settle("typo"))
        self.different_button = QPushButton("Different items")
        self.different_button.setObjectName("review-different")
        self.different_button.setToolTip("Two items that share a serial: dismissed with the note")
        self.different_button.clicked.connect(lambda: self.settle("different"))
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        for button in (self.moved_button, self.typo_button, self.different_button):
            actions.addWidget(button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.sides, 1)
        lower_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        self._enable(False)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.sync_state or changes.records:
            self.mark_stale()

    def refresh(self) -> None:
        self.stale = False

        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync.review import list_review_items

            return list_review_items(db)

        self.worker.submit("review items", run, on_done=self._loaded, on_error=lambda exc: self.summary.setText(str(exc)))

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.list.setRowCount(len(items))
        for row, item in enumerate(items):
            state = "asked the post" if item["status"] == "asked-post" else "open"
            values = [str(item["id"]), str(item["detail"].get("serial")), f"{item['post_a']} and {item['post_b']}", state]
            for col, value in enumerate(values):
                self.list.setItem(row, col, QTableWidgetItem(value))
        self.list.resizeColumnsToContents()
        self.list.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.summary.setText(f"{len(items)} serial number{'s' if len(items) != 1 else ''} recorded at two posts. "
                             "Look at both deliveries, then say what happened." if items else "Nothing to review.")
        if items:
            self.list.selectRow(0)
            self._show_selected()
        else:
            self.sides.clearContents()
            self._enable(False)
        self.count_changed.emit(len(items))
        self.loaded.emit()

    def selected(self) -> dict[str, Any] | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _enable(self, on: bool) -> None:
        for button in (self.moved_button, self.typo_button, self.different_button):
            button.setEnabled(on)

    def _show_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        serial = str(item["detail"].get("serial", "")).casefold()
        for col, side in enumerate((item["a"], item["b"])):
            for row, (key, _label) in enumerate(SIDE_ROWS):
                value = side.get(key)
                text = ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)
                cell = QTableWidgetItem(text)
                if key == "serials" and serial in {s.casefold() for s in value or []}:
                    cell.setBackground(QBrush(SHARED))
                    cell.setToolTip(f"Both items list {item['detail'].get('serial')}")
                self.sides.setItem(row, col, cell)
        self.sides.resizeRowsToContents()
        self.note.setText(item.get("note") or "")
        self._enable(True)
        self.summary.setToolTip(f"Raised {local_time(item['raised_at'])}")

    def settle(self, action: str) -> None:
        item = self.selected()
        if item is None:
            return
        review_id, note = item["id"], self.note.text().strip()
        self._enable(False)

        def run(db: Any, progress: Any, should_cancel: Any) -> Any:
            from ccp_desktop.sync.review import settle_review_item

            return settle_review_item(db, review_id, action, note=note)

        def done(settled: Any) -> None:
            self.sync_changed.emit(OpChanges(sync_state=True, source=self))
            self.settled.emit(settled)

        self.worker.submit("settle review item", run, on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._enable(True)
        show_error(self, exc)

"""HQ's Review page: the same serial number at two posts, both deliveries side by side, and what a
person decides: the same item moved, a typo at one post (ask it), or two different items. And likely
duplicate activities of two posts, side by side: merged (HQ counts it once) or different activities."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.wording import count_of, local_time
from ccp_desktop.sync.review import list_review_items
from ccp_desktop.ui.changes import ReadingPage
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.widgets import action_button, list_over_detail, row_table, stretch_row
from ccp_desktop.ui.worker import BackgroundWorker

SIDE_ROWS = (("post", "Post"), ("recipient", "Recipient"), ("delivered_on", "Delivered on"),
             ("description", "Description"), ("make_model", "Make and model"), ("serials", "Serial numbers"),
             ("asset_tag", "Asset tag"), ("handover_ref", "Handover reference"))
ACTIVITY_ROWS = (("post", "Post"), ("title", "Title"), ("country", "Country or region"), ("activity_type", "Type"),
                 ("start_date", "Start"), ("end_date", "End"), ("location", "Location"), ("status", "Status"),
                 ("participants", "Participants"), ("spend_aud", "Spend (AUD)"))
ACTIVITY_LISTS = {"country": "activity_places", "activity_type": "activity_types", "status": "activity_statuses"}
SHARED = QColor("#fff3cd")
DUPLICATE = "duplicate-activity"


class ReviewPage(ReadingPage):
    settled = Signal(object)  # the review item as settled
    count_changed = Signal(int)
    found = Signal(int)  # likely duplicate activities found on demand

    read_name = "review items"

    def __init__(self, worker: BackgroundWorker, parent: qw.QWidget | None = None) -> None:
        super().__init__("review", worker, parent)
        self.items: list[dict[str, Any]] = []
        self.summary = qw.QLabel()
        self.summary.setObjectName("review-summary")
        self.summary.setWordWrap(True)
        self.list = row_table("review-items", "Review items", ["#", "What", "Posts", "State"])
        self.list.itemSelectionChanged.connect(self._show_selected)
        self.sides = qw.QTableWidget(len(SIDE_ROWS), 2)
        self.sides.setObjectName("review-sides")
        self.sides.setAccessibleName("Both deliveries side by side")
        self.sides.setVerticalHeaderLabels([label for _, label in SIDE_ROWS])
        self.sides.setHorizontalHeaderLabels(["First recorded", "Second (the package that shares it)"])
        self.sides.setEditTriggers(qw.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sides.horizontalHeader().setSectionResizeMode(qw.QHeaderView.ResizeMode.Stretch)
        self.note = qw.QLineEdit()
        self.note.setObjectName("review-note")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Note: what to ask the post, or why these are different items")
        self.moved_button = action_button(
            "Same item moved", "review-moved", lambda: self.settle("moved"),
            tooltip="The item went from one post to the other: the transfer is recorded")
        self.typo_button = action_button(
            "Typo: ask the post", "review-typo", lambda: self.settle("typo"),
            tooltip="One post mistyped it: the pair stays flagged until its package fixes it")
        self.different_button = action_button(
            "Different items", "review-different", lambda: self.settle("different"),
            tooltip="Two items that share a serial: dismissed with the note")
        # A likely duplicate activity: merged (one of the two counted; neither post's record changes).
        self.keep = qw.QComboBox()
        self.keep.setObjectName("review-keep")
        self.keep.setAccessibleName("Which activity HQ counts")
        self.keep.addItem("Count the first recorded", "a")
        self.keep.addItem("Count the second", "b")
        self.merge_button = qw.QPushButton("Same activity: merge")
        self.merge_button.setObjectName("review-merge")
        self.merge_button.setToolTip("One event recorded by both posts: HQ's figures count it once. Neither post's "
                                     "record is changed or deleted; the merge is audited")
        self.merge_button.clicked.connect(lambda: self.settle("merged"))
        self.find_button = qw.QPushButton("Look for duplicate activities")
        self.find_button.setObjectName("review-find")
        self.find_button.setToolTip("Compare every activity with the other posts' (imports do this for what they bring)")
        self.find_button.clicked.connect(self.find_duplicates)
        actions = stretch_row(self.note, self.moved_button, self.typo_button, self.keep, self.merge_button,
                              self.different_button)
        splitter = list_over_detail(self.list, self.sides, actions)
        layout = qw.QVBoxLayout(self)
        layout.addLayout(stretch_row(self.summary, self.find_button))
        layout.addWidget(splitter, 1)
        self._show_actions_for(None)
        self._enable(False)

    read = staticmethod(list_review_items)  # on the worker

    def show_read(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.list.setRowCount(len(items))
        for row, item in enumerate(items):
            state = "asked the post" if item["status"] == "asked-post" else "open"
            what = ("Likely duplicate activity: " + str(item["b"].get("title")) if item["kind"] == DUPLICATE
                    else f"Serial number {item['detail'].get('serial')}")
            values = [str(item["id"]), what, f"{item['post_a']} and {item['post_b']}", state]
            for col, value in enumerate(values):
                self.list.setItem(row, col, qw.QTableWidgetItem(value))
        self.list.resizeColumnsToContents()
        self.list.horizontalHeader().setSectionResizeMode(1, qw.QHeaderView.ResizeMode.Stretch)
        serials = sum(1 for i in items if i["kind"] != DUPLICATE)
        parts = ([count_of(serials, "serial number")] if serials else []) + (
            [count_of(len(items) - serials, "likely duplicate activity", "likely duplicate activities")]
            if len(items) > serials else [])
        self.summary.setText(f"{' and '.join(parts)} recorded at two posts. Look at both records side by side, then "
                             "say what happened." if items else "Nothing to review.")
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
        widgets: tuple[qw.QWidget, ...] = (self.moved_button, self.typo_button, self.different_button, self.merge_button, self.keep)
        for widget in widgets:
            widget.setEnabled(on)

    def _show_actions_for(self, kind: str | None) -> None:
        duplicate = kind == DUPLICATE
        for button in (self.moved_button, self.typo_button):
            button.setVisible(not duplicate)
        for widget in (self.keep, self.merge_button):
            widget.setVisible(duplicate)
        self.different_button.setText("Different activities" if duplicate else "Different items")
        self.note.setPlaceholderText("Note: why these are different activities, or about the merge" if duplicate else
                                     "Note: what to ask the post, or why these are different items")

    def _show_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        duplicate = item["kind"] == DUPLICATE
        self._show_actions_for(item["kind"])
        rows = ACTIVITY_ROWS if duplicate else SIDE_ROWS
        self.sides.setRowCount(len(rows))
        self.sides.setHorizontalHeaderLabels(["First recorded", "Second recorded (the later package)" if duplicate
                                              else "Second (the package that shares it)"])
        self.sides.setVerticalHeaderLabels([label for _, label in rows])
        serial = str(item["detail"].get("serial", "")).casefold()
        for col, side in enumerate((item["a"], item["b"])):
            other = (item["b"], item["a"])[col]
            for row, (key, _label) in enumerate(rows):
                value = side.get(key)
                text = ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)
                if duplicate and key in ACTIVITY_LISTS and value:
                    text = load_reference().label(ACTIVITY_LISTS[key], str(value))  # labels, as the lists show
                elif duplicate and key == "spend_aud" and value is not None:
                    text = f"{value:,.2f}"
                cell = qw.QTableWidgetItem(text)
                if key == "serials" and serial in {s.casefold() for s in value or []}:
                    cell.setBackground(QBrush(SHARED))
                    cell.setToolTip(f"Both items list {item['detail'].get('serial')}")
                if duplicate and key in ("title", "country", "activity_type", "start_date") and value is not None:
                    cell.setBackground(QBrush(SHARED))  # what made them look alike
                    if key == "title":
                        cell.setToolTip(f"Titles {item['detail'].get('similarity', 0):.0%} alike; starts "
                                        f"{item['detail'].get('days_apart')} days apart")
                elif duplicate and value != other.get(key):
                    cell.setToolTip("Differs from the other post's record")
                self.sides.setItem(row, col, cell)
        self.sides.resizeRowsToContents()
        self.note.setText(item.get("note") or "")
        self._enable(True)
        self.summary.setToolTip(f"Raised {local_time(item['raised_at'])}")

    def settle(self, action: str) -> None:
        item = self.selected()
        if item is None:
            return
        review_id, note, keep = item["id"], self.note.text().strip(), str(self.keep.currentData())
        self._enable(False)

        from ccp_desktop.sync.review import settle_review_item

        # Lists mark records under review and the dashboard counts a merged pair once: both refresh.
        self.run_change("settle review item", settle_review_item, review_id, action, note=note, keep=keep,
                        on_done=self.settled.emit, on_error=self._failed)

    def find_duplicates(self) -> None:
        """On demand: every activity against the other posts' (on the worker); new pairs are listed."""
        self.find_button.setEnabled(False)
        self.summary.setText("Looking for likely duplicate activities…")

        from ccp_desktop.sync.duplicates import find_duplicate_activities

        def done(raised: list[Any]) -> None:
            self.find_button.setEnabled(True)
            self.found.emit(len(raised))
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.find_button.setEnabled(True)
            show_error(self, exc)

        self.run_change("find duplicate activities", find_duplicate_activities, on_done=done, on_error=failed)

    def _failed(self, exc: BaseException) -> None:
        self._enable(True)
        show_error(self, exc)

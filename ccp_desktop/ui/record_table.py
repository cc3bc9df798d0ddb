"""The one table model behind every record list: pages fetched on demand, never the whole table.

Qt asks `canFetchMore`/`fetchMore` as the view scrolls near the end; each call reads one keyset
page (see reports/listing.py), so opening a list of a million rows costs the same as one of a
hundred. The total is counted on the background worker and arrives later (`count_changed`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

import sqlite_utils
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from ccp_desktop.reports.listing import (
    FLAG,
    MONEY,
    NUMBER,
    ListQuery,
    ListSpec,
    Row,
    count_rows,
    display_value,
    fetch_page,
    fetch_rows,
    sorted_rowids,
)
from ccp_desktop.ui.worker import BackgroundWorker

Index = QModelIndex | QPersistentModelIndex
COUNT_DELAY_MS = 30
# About two screens of a laptop's list: the first page is read and built before the list first paints (at
# 100 rows, 1.7 ms of a 240,000-record HQ's first Equipment page on a fresh connection; at 50, 1.0 ms).
# A taller window is filled all the same: the view asks for more until its rows reach the bottom.
PAGE_SIZE = 50
FLAGGED = QBrush(QColor("#fff3cd"))  # a row under review (HQ), as the Review page marks the shared serial
DISPLAY, TOOLTIP, ALIGNMENT, BACKGROUND, USER = (int(role) for role in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.UserRole))
ANSWERED = frozenset((DISPLAY, TOOLTIP, ALIGNMENT, BACKGROUND, USER))
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RecordTableModel(QAbstractTableModel):
    count_changed = Signal(object)  # int, or None while counting
    reloaded = Signal()

    def __init__(self, db: sqlite_utils.Database, spec: ListSpec, worker: BackgroundWorker | None = None,
                 parent: Any = None, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.db = db
        self.spec = spec
        self.worker = worker
        self.page_size = page_size
        self._flag_at = next((n for n, c in enumerate(spec.columns) if c.type == FLAG), None)
        self._alignment = tuple(RIGHT if c.type in (NUMBER, MONEY) else None for c in spec.columns)
        self.query = ListQuery()
        self._rows: list[Row] = []
        self._display: list[tuple[str, ...] | None] = []  # made when a row is first drawn
        self._exhausted = False
        self._count: int | None = None
        self._count_generation = 0
        # Sorted by a column: every matching rowid in order, made once (on the worker), read in pages.
        self._order: list[int] | None = None
        self.sorting = False

    # --- what the view asks -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.spec.columns)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # Called for seven roles of every visible cell on each paint (thousands of calls a screen):
        # the roles a list never answers return at the first test, the display text at the second.
        if role not in ANSWERED:
            return None
        row = index.row()
        if row < 0:  # an invalid index
            return None
        if role == DISPLAY:
            shown = self._display[row]
            return (shown or self._display_row(row))[index.column()]
        if role == ALIGNMENT:
            return self._alignment[index.column()]
        if role == BACKGROUND:
            if self._flag_at is None:
                return None
            flag = self._rows[row].values[self._flag_at]
            return FLAGGED if flag and flag != "merged" else None
        if role == TOOLTIP:
            column = self.spec.columns[index.column()]
            if column.short:  # the short label shown, the full one on hover
                return display_value(replace(column, short=False), self._rows[row].values[index.column()])
            return self._display_row(row)[index.column()]
        return self._rows[row].open_id  # UserRole

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.spec.columns[section].label
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self.sorting

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self.sorting:
            return
        try:
            if self._order is not None:
                wanted = self._order[len(self._rows):len(self._rows) + self.page_size]
                page = fetch_rows(self.db, self.spec, self.query, wanted)
                if len(self._rows) + len(wanted) >= len(self._order):
                    self._exhausted = True
            else:
                page = fetch_page(self.db, self.spec, self.query, self._rows[-1] if self._rows else None, self.page_size)
                if len(page) < self.page_size:
                    self._exhausted = True
        except sqlite3.DatabaseError:
            # A damaged page: stop reading here (the window's check says what is wrong and offers the way
            # back); an exception inside Qt's fetchMore would otherwise be raised on every scroll.
            self._exhausted = True
            return
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self._display.extend([None] * len(page))
        self.endInsertRows()

    def _display_row(self, row: int) -> tuple[str, ...]:
        shown = self._display[row]
        if shown is None:
            values = self._rows[row].values
            shown = self._display[row] = tuple(display_value(c, v) for c, v in zip(self.spec.columns, values, strict=True))
        return shown

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.spec.columns[column].key if 0 <= column < len(self.spec.columns) else None
        query = ListQuery(self.query.text, self.query.filters, key, key is not None and order == Qt.SortOrder.DescendingOrder)
        if query != self.query:  # the view asks once when sorting is switched on: nothing to redo then
            self.set_query(query, recount=False)

    # --- what the page asks ---------------------------------------------------------------------------
    @property
    def total(self) -> int | None:
        """All matching rows (None until the worker has counted them)."""
        return self._count

    @property
    def loaded(self) -> int:
        return len(self._rows)

    def record_id(self, row: int) -> str:
        return self._rows[row].open_id

    def row_of(self, record_id: str) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.open_id == record_id), None)

    def set_query(self, query: ListQuery, *, recount: bool = True) -> None:
        """Show other rows: start again from the first page."""
        self.query = query
        self.reload(recount=recount)

    def reload(self, *, recount: bool = True) -> None:
        """Read again (after a change), keeping filters and order; loads as many rows as were shown."""
        wanted = max(len(self._rows), self.page_size)
        self.beginResetModel()
        self._rows, self._display, self._exhausted, self._order = [], [], False, None
        self.sorting = self.query.sort_key is not None
        self.endResetModel()
        if self.sorting:
            self._sort_then_fill(wanted)
            return
        self._fill(wanted)
        if recount:
            self.recount()
        self.reloaded.emit()

    def _fill(self, wanted: int) -> None:
        while len(self._rows) < wanted and not self._exhausted:
            self.fetchMore()

    def _sort_then_fill(self, wanted: int) -> None:
        self._count_generation += 1
        generation, spec, query = self._count_generation, self.spec, self.query
        self._count = None
        self.count_changed.emit(None)

        def done(order: list[int]) -> None:
            if generation != self._count_generation:
                return  # sorted for a query that has been replaced
            self.beginResetModel()
            self._order, self.sorting = order, False
            self.endResetModel()
            self._fill(wanted)
            self._set_count(generation, len(order))
            self.reloaded.emit()

        if self.worker is None:
            done(sorted_rowids(self.db, spec, query))
            return
        self.worker.submit(f"sort {spec.name}", lambda db, progress, cancelled: sorted_rowids(db, spec, query),
                           on_done=done, on_error=lambda exc: done([]))

    def recount(self) -> None:
        if self._order is not None or self.sorting:
            return  # a sorted list knows its length from its order
        self._count_generation += 1
        generation, spec, query = self._count_generation, self.spec, self.query
        if self._exhausted:  # everything is loaded already: no need to ask the database
            self._set_count(generation, len(self._rows))
            return
        self._count = None
        self.count_changed.emit(None)
        if self.worker is None:
            self._set_count(generation, count_rows(self.db, spec, query))
            return
        worker = self.worker

        def submit() -> None:
            if generation != self._count_generation:
                return  # the query changed before the count started: count the new one instead
            worker.submit(
                f"count {spec.name}",
                lambda db, progress, cancelled: count_rows(db, spec, query),
                on_done=lambda n: self._set_count(generation, n),
                on_error=lambda exc: self._set_count(generation, None),
            )

        # Counting a million rows takes a core for a moment: let the first page be painted first.
        QTimer.singleShot(COUNT_DELAY_MS, submit)

    def _set_count(self, generation: int, count: int | None) -> None:
        if generation != self._count_generation:
            return  # an answer to a question nobody is asking any more
        self._count = count
        self.count_changed.emit(count)

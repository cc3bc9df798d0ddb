"""One page per record list: a search box and filters above a table, the selected record beside it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt, QTimer, Signal

from ccp_desktop.reports.details import describe_record
from ccp_desktop.reports.listing import FLAG, ListQuery, ListSpec
from ccp_desktop.store.changes import Changes
from ccp_desktop.sync.review import review_notes
from ccp_desktop.ui.changes import OpChanges
from ccp_desktop.ui.errors import show_error
from ccp_desktop.ui.forms.attachments_panel import evidence_html
from ccp_desktop.ui.record_table import RecordTableModel
from ccp_desktop.ui.settings import ui_settings
from ccp_desktop.ui.worker import BackgroundWorker

SEARCH_DELAY_MS = 250  # wait for a pause in typing before searching

PLACEHOLDERS = {
    "activities": "Search titles, places, summaries and outcomes (Ctrl+F)",
    "equipment": "Search serial numbers, asset tags, items, handover references (Ctrl+F)",
    "partners": "Search names and contacts (Ctrl+F)",
}
NEW_LABELS = {"activities": "New activity…", "equipment_deliveries": "New delivery…", "partners": "New partner…"}


class ListPage(qw.QWidget):
    record_changed = Signal(object)  # OpChanges after a save or delete made from this page

    def __init__(self, db: sqlite_utils.Database, db_path: Path, spec: ListSpec, worker: BackgroundWorker | None,
                 parent: qw.QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.db_path, self.spec = db, db_path, spec
        self.setObjectName(f"page-{spec.name}")
        self.stale = False
        self.review_marks = any(c.type == FLAG for c in spec.columns)  # HQ's lists mark records under review
        self.worker = worker  # saves and deletes run there (None: the database's shared worker)
        self.model = RecordTableModel(db, spec, worker, self)

        self.search = qw.QLineEdit(placeholderText=PLACEHOLDERS.get(spec.name, "Search (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(f"Search {spec.noun[1]}")
        self.search.setObjectName("search")
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self._search_entered)

        self.filters: dict[str, qw.QComboBox] = {}
        filter_row = qw.QHBoxLayout()
        filter_row.addWidget(self.search, 3)
        for flt in spec.filters:
            combo = qw.QComboBox()
            combo.setObjectName(f"filter-{flt.key}")
            combo.setAccessibleName(f"Filter by {flt.label.lower()}")
            combo.setToolTip(f"Show only {spec.noun[1]} of this {flt.label.lower()}")
            combo.addItem(f"Any {flt.label.lower()}", "")
            for code, label in flt.options():
                combo.addItem(label, code)
            combo.setMinimumContentsLength(8)
            combo.setSizeAdjustPolicy(qw.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(self.apply_filters)
            self.filters[flt.key] = combo
            filter_row.addWidget(combo, 1)

        self.count_label = qw.QLabel()
        self.count_label.setObjectName("count")
        self.count_label.setAccessibleName("Number of records shown")
        self.new_button = qw.QPushButton(NEW_LABELS.get(spec.open_kind, "New…"))
        self.new_button.setObjectName("new")
        self.open_button = qw.QPushButton("Open")
        self.delete_button = qw.QPushButton("Delete…")
        self.new_button.clicked.connect(self.new_record)
        self.open_button.clicked.connect(self.open_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        actions = qw.QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        self.extra_buttons = qw.QHBoxLayout()
        actions.addLayout(self.extra_buttons)
        for b in (self.new_button, self.open_button, self.delete_button):
            actions.addWidget(b)

        self.table = qw.QTableView()
        self.table.setObjectName("table")
        self.table.setAccessibleName(f"{spec.noun[1].capitalize()} list")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(qw.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(qw.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(qw.QHeaderView.ResizeMode.Interactive)
        for n, column in enumerate(spec.columns):
            header.resizeSection(n, column.width)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # newest first until a column is chosen
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.activated.connect(lambda _index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.details = qw.QTextBrowser()
        self.details.setObjectName("details")
        self.details.setAccessibleName("Selected record")
        self.details.setOpenLinks(False)
        self.splitter = qw.QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName(f"splitter-{spec.name}")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(True)

        layout = qw.QVBoxLayout(self)
        layout.addLayout(filter_row)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(actions)

        self.model.count_changed.connect(self._show_count)
        self.model.modelReset.connect(self._update_buttons)
        self.model.reloaded.connect(self._selection_changed)
        self.restore_layout()
        self.model.reload()
        self._update_buttons()

    # --- filtering ----------------------------------------------------------------------------------
    def current_query(self) -> ListQuery:
        filters = {k: str(c.currentData()) for k, c in self.filters.items() if c.currentData()}
        return ListQuery(self.search.text(), filters, self.model.query.sort_key, self.model.query.descending)

    def apply_filters(self) -> None:
        self._debounce.stop()
        query = self.current_query()
        if query != self.model.query:
            try:
                self.model.set_query(query)
            except Exception as exc:  # a broken query must not leave a traceback behind
                show_error(self, exc)

    def _search_entered(self) -> None:
        """Enter in the search box: search now and go to the first match (Enter again opens it)."""
        self.apply_filters()
        if self.model.rowCount() > 0:
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _show_count(self, count: int | None) -> None:
        singular, plural = self.spec.noun
        filtered = bool(self.model.query.text.strip() or self.model.query.filters)
        if count is None and self.model.sorting:
            text = "Sorting…"
        elif count is None:
            text = f"{self.model.loaded:,}+ {plural} (counting…)"
        elif count == 0:
            text = f"No {plural} match" if filtered else f"No {plural} yet"
        else:
            text = f"{count:,} {singular if count == 1 else plural}" + (" match" if filtered else "")
        self.count_label.setText(text)

    # --- records --------------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_id(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.open_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _selection_changed(self, *_args: Any) -> None:
        self._update_buttons()
        record_id = self.selected_id()
        if record_id is None:
            self.details.setHtml(f"<p style='color:gray'>Select {('an ' if self.spec.noun[0][0] in 'aeiou' else 'a ')}"
                                 f"{self.spec.noun[0]} to see it here; double-click or press Enter to edit it.</p>")
            return
        try:
            notes = review_notes(self.db, self.spec.open_kind, record_id) if self.review_marks else []
            evidence = evidence_html(self.details, self.db, self.spec.open_kind, record_id)  # photos as thumbnails
            self.details.setHtml(notes_html(notes) + details_html(describe_record(self.db, self.spec.open_kind, record_id))
                                 + evidence)
        except Exception as exc:
            self.details.setPlainText(str(exc))

    def new_record(self) -> None:
        self._open_form(None)

    def open_selected(self) -> None:
        record_id = self.selected_id()
        if record_id:
            self._open_form(record_id)

    def _open_form(self, record_id: str | None) -> Any:
        from ccp_desktop.ui import forms

        try:
            dialog = forms.open_record_form(self, self.db, self.spec.open_kind, record_id, worker=self.worker)
        except Exception as exc:
            show_error(self, exc)
            return None
        dialog.changed.connect(self._announce)
        return dialog

    def delete_selected(self) -> None:
        from ccp_desktop.ui import forms

        record_id = self.selected_id()
        if record_id is None:
            return
        try:
            forms.confirm_and_delete(self, self.db, self.spec.open_kind, record_id, on_deleted=self._announce,
                                     worker=self.worker)
        except Exception as exc:
            show_error(self, exc)

    def _announce(self, changes: Changes) -> None:
        """A save or delete made from this page: the core's changes go to every view."""
        self.record_changed.emit(OpChanges.of(changes, self))

    def select_record(self, record_id: str) -> bool:
        row = self.model.row_of(record_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # --- refresh and layout -----------------------------------------------------------------------------
    def on_changes(self, changes: OpChanges) -> None:
        if not changes.touches(self.spec.depends_on):
            return
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True  # refreshed when next shown

    def refresh(self) -> None:
        self.stale = False
        selected = self.selected_id()
        self.model.reload()
        if selected:
            self.select_record(selected)

    def showEvent(self, event: Any) -> None:
        if self.stale:
            self.refresh()
        super().showEvent(event)

    def restore_layout(self) -> None:
        settings = ui_settings(self.db_path)
        header_state = settings.value(f"lists/{self.spec.name}/header")
        if header_state is not None:
            self.table.horizontalHeader().restoreState(header_state)
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        splitter_state = settings.value(f"lists/{self.spec.name}/splitter")
        if splitter_state is not None:
            self.splitter.restoreState(splitter_state)
        else:
            self.splitter.setSizes([800, 300])

    def save_layout(self) -> None:
        settings = ui_settings(self.db_path)
        settings.setValue(f"lists/{self.spec.name}/header", self.table.horizontalHeader().saveState())
        settings.setValue(f"lists/{self.spec.name}/splitter", self.splitter.saveState())


def notes_html(notes: list[str]) -> str:
    """Review notes above a record's details: a marked box, so that a flagged record is not missed."""
    if not notes:
        return ""
    items = "".join(f"<p style='margin:2px'>⚑ {html.escape(n)}</p>" for n in notes)
    return f"<table width='100%' cellpadding='4' style='background:#fff3cd'><tr><td>{items}</td></tr></table>"


def details_html(details: Any) -> str:
    e = html.escape
    parts = [f"<h3>{e(details.heading)}</h3><table cellspacing='0' cellpadding='2'>"]
    for label, value in details.fields:
        parts.append(f"<tr><td style='color:#555;padding-right:8px' valign='top'>{e(label)}</td>"
                     f"<td>{e(value).replace(chr(10), '<br>')}</td></tr>")
    parts.append("</table>")
    if details.table_columns:
        parts.append(f"<h4>{e(details.table_heading)}</h4>")
        if details.table_rows:
            parts.append("<table border='1' cellspacing='0' cellpadding='3' style='border-collapse:collapse'><tr>")
            parts.extend(f"<th align='left'>{e(c)}</th>" for c in details.table_columns)
            parts.append("</tr>")
            for row in details.table_rows:
                parts.append("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>")
            parts.append("</table>")
        else:
            parts.append("<p style='color:gray'>None</p>")
    return "".join(parts)


__all__ = ["ListPage", "details_html", "notes_html"]

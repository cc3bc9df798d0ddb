"""Small widget builders the HQ pages and dialogs share, so that every list of rows behaves alike
(read only, picked a whole row at a time, no row numbers) and every action button has its object name
(what tests and accessibility tools find it by)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)


def row_table(name: str, accessible: str, headers: Sequence[str], *, single: bool = True) -> QTableWidget:
    """A read-only table of rows (posts, packages, conflicts, backups), selected whole rows at a time:
    one row (`single`), or several with Ctrl and Shift."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    return table


def list_over_detail(rows: QWidget, detail: QWidget, actions: QLayout) -> QSplitter:
    """The list on top; below it the selected row's detail, with what can be done to it underneath
    (conflicts, review items). The person drags the divider."""
    lower = QWidget()
    lower_layout = QVBoxLayout(lower)
    lower_layout.setContentsMargins(0, 0, 0, 0)
    lower_layout.addWidget(detail, 1)
    lower_layout.addLayout(actions)
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(rows)
    splitter.addWidget(lower)
    return splitter


def paint_row(table: QTableWidget, row: int, colour: QColor | None) -> None:
    """Colour every cell of a row (a refused package, an overdue post); None leaves it as it is."""
    if colour is None:
        return
    for col in range(table.columnCount()):
        cell = table.item(row, col)
        if cell is not None:
            cell.setBackground(QBrush(colour))


def action_button(text: str, name: str, on_click: Callable[[], object], *, tooltip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    if tooltip:
        button.setToolTip(tooltip)
    button.clicked.connect(lambda _checked=False: on_click())
    return button


def show_progress(bar: QProgressBar | QProgressDialog, done: int, total: int) -> None:
    """A worker job's progress (done of total) on a bar: a job that has not counted its work yet (total 0)
    still shows a bar, and a count past the end stops at it."""
    end = max(total, 1)
    bar.setRange(0, end)
    bar.setValue(min(done, end))


def path_row(text: str, name: str, accessible: str, choose_accessible: str, on_choose: Callable[[], None],
             label: str | None = None) -> tuple[QLineEdit, QHBoxLayout]:
    """A file or folder path the officer may type or pick with "Choose…" (which calls `on_choose`): the
    line edit, and the row holding it (after `label`, when given)."""
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    choose = QPushButton("Choose…")
    choose.setAccessibleName(choose_accessible)
    choose.clicked.connect(on_choose)
    row = QHBoxLayout()
    if label is not None:
        row.addWidget(QLabel(label))
    row.addWidget(edit, 1)
    row.addWidget(choose)
    return edit, row

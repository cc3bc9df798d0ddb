"""Small widget builders the HQ pages and dialogs share, so that every list of rows behaves alike
(read only, picked a whole row at a time, no row numbers) and every action button has its object name
(what tests and accessibility tools find it by), and a page's long job shows its progress and Cancel alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6 import QtWidgets as qw
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from ccp_desktop.ui.worker import BackgroundWorker, Job


def row_table(name: str, accessible: str, headers: Sequence[str], *, single: bool = True) -> qw.QTableWidget:
    """A read-only table of rows (posts, packages, conflicts, backups), selected whole rows at a time:
    one row (`single`), or several with Ctrl and Shift."""
    table = qw.QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(qw.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(qw.QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(qw.QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    return table


def list_over_detail(rows: qw.QWidget, detail: qw.QWidget, actions: qw.QLayout) -> qw.QSplitter:
    """The list on top; below it the selected row's detail, with what can be done to it underneath
    (conflicts, review items). The person drags the divider."""
    lower = qw.QWidget()
    lower_layout = qw.QVBoxLayout(lower)
    lower_layout.setContentsMargins(0, 0, 0, 0)
    lower_layout.addWidget(detail, 1)
    lower_layout.addLayout(actions)
    splitter = qw.QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(rows)
    splitter.addWidget(lower)
    return splitter


def stretch_row(wide: qw.QWidget, *rest: qw.QWidget) -> qw.QHBoxLayout:
    """A row whose first widget (a summary, a note) takes the spare width; the rest (its buttons) keep their
    own size at the right."""
    row = qw.QHBoxLayout()
    row.addWidget(wide, 1)
    for widget in rest:
        row.addWidget(widget)
    return row


def paint_row(table: qw.QTableWidget, row: int, colour: QColor | None) -> None:
    """Colour every cell of a row (a refused package, an overdue post); None leaves it as it is."""
    if colour is None:
        return
    for col in range(table.columnCount()):
        cell = table.item(row, col)
        if cell is not None:
            cell.setBackground(QBrush(colour))


def action_button(text: str, name: str, on_click: Callable[[], object], *, tooltip: str = "") -> qw.QPushButton:
    button = qw.QPushButton(text)
    button.setObjectName(name)
    if tooltip:
        button.setToolTip(tooltip)
    button.clicked.connect(lambda _checked=False: on_click())
    return button


def show_progress(bar: qw.QProgressBar | qw.QProgressDialog, done: int, total: int) -> None:
    """A worker job's progress (done of total) on a bar: a job that has not counted its work yet (total 0)
    still shows a bar, and a count past the end stops at it."""
    end = max(total, 1)
    bar.setRange(0, end)
    bar.setValue(min(done, end))


def path_row(text: str, name: str, accessible: str, choose_accessible: str, on_choose: Callable[[], None],
             label: str | None = None) -> tuple[qw.QLineEdit, qw.QHBoxLayout]:
    """A file or folder path the officer may type or pick with "Choose…" (which calls `on_choose`): the
    line edit, and the row holding it (after `label`, when given)."""
    edit = qw.QLineEdit(text)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    choose = qw.QPushButton("Choose…")
    choose.setAccessibleName(choose_accessible)
    choose.clicked.connect(on_choose)
    row = qw.QHBoxLayout()
    if label is not None:
        row.addWidget(qw.QLabel(label))
    row.addWidget(edit, 1)
    row.addWidget(choose)
    return edit, row


class JobBar:
    """A page's one background job at a time (the Sync page's export, HQ's import), with its progress bar
    and Cancel button, shown only while it runs. `job` is the running job, or None."""

    def __init__(self, worker: BackgroundWorker, name: str, accessible: str, on_cancel: Callable[[], None]) -> None:
        self.worker = worker
        self.job: Job | None = None
        self.progress = qw.QProgressBar()
        self.progress.setObjectName(f"{name}-progress")
        self.progress.setAccessibleName(accessible)
        self.progress.setVisible(False)
        self.cancel_button = action_button("Cancel", f"cancel-{name}", on_cancel)
        self.cancel_button.setVisible(False)

    def start(self, name: str, fn: Callable[..., Any], *, on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        self.show_busy(True)
        self.job = self.worker.submit(name, fn, on_done=on_done, on_error=on_error, on_progress=self.show_progress)

    def finish(self) -> None:
        """The job ended (done, failed or cancelled): call first thing in its on_done and on_error."""
        self.job = None
        self.show_busy(False)

    def cancel(self) -> bool:
        """Ask the running job to stop at its next check; False when none runs."""
        if self.job is None:
            return False
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        return True

    def show_busy(self, busy: bool) -> None:
        self.progress.setRange(0, 0)  # busy until the job's first progress report gives a total
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)

    def show_progress(self, done: int, total: int) -> None:
        show_progress(self.progress, done, total)

"""Input widgets for record forms. Each holds the *raw* value a person typed or picked; the domain's
coerce/validate functions decide whether it is acceptable, so no widget refuses keystrokes itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import sqlite_utils
from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from ccp_desktop.domain.coerce import CoerceError, parse_date, parse_serials
from ccp_desktop.store.lookups import picker_candidates, picker_row


class CodeCombo(QComboBox):
    """One code from a reference list; `None` when the blank entry is chosen.

    Editable combos (long lists such as DAC codes) find entries by any part of their label."""

    changed = Signal()

    def __init__(
        self, entries: Iterable[dict[str, Any]], *, blank: str | None = "—", editable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setEditable(editable)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # As wide as the form gives it, not as its longest entry (a DAC code's name): a form must fit a
        # 1024-pixel screen without sideways scrolling. The drop-down list still shows entries in full.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)
        self._blank = blank
        self.set_entries(entries)
        completer, line = self.completer(), self.lineEdit()
        if editable and completer is not None and line is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            line.textEdited.connect(lambda _t: self.changed.emit())
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def set_entries(self, entries: Iterable[dict[str, Any]]) -> None:
        """Replace the choices, keeping the current code when it is still offered."""
        current = self.code() if self.count() else None
        self.blockSignals(True)
        self.clear()
        if self._blank is not None:
            self.addItem(self._blank, None)
        for entry in entries:
            if entry.get("separator"):
                self.insertSeparator(self.count())
                continue
            self.addItem(str(entry["label"]), str(entry["code"]))
        self._codes = {str(self.itemData(i)) for i in range(self.count()) if self.itemData(i) is not None}
        self.blockSignals(False)
        self.set_code(current, quiet=True)

    def code(self) -> str | None:
        if self.isEditable():
            text = self.currentText().strip()
            index = self.findText(text, Qt.MatchFlag.MatchFixedString)
            if index < 0 and text:
                index = self.findData(text.upper() if text.upper() in self._codes else text)  # a bare code
            if index >= 0:
                data = self.itemData(index)
                return None if data is None else str(data)
            return text or None  # typed but not in the list: validation says so
        data = self.currentData()
        return None if data is None else str(data)

    def set_code(self, code: str | None, *, quiet: bool = False) -> None:
        index = self.findData(code) if code is not None else (0 if self._blank is not None else -1)
        if index < 0 and code is not None:
            # A code this build does not know (a newer reference list): show it, validation flags it.
            self.addItem(f"{code} (unknown)", code)
            index = self.count() - 1
        if quiet:
            self.blockSignals(True)
        self.setCurrentIndex(index)
        if self.isEditable():
            self.setEditText(self.itemText(index) if index >= 0 else "")
        if quiet:
            self.blockSignals(False)


class DateEdit(QWidget):
    """A date typed as day/month/year or YYYY-MM-DD (fast from the keyboard; the domain's parse_date reads
    both) or picked from a calendar, which opens on the date typed, else near `near()` (an end date near
    its start date), else today."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, near: Callable[[], str | None] | None = None) -> None:
        super().__init__(parent)
        self.near = near
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("dd/mm/yyyy")
        self.edit.setToolTip("Day/month/year (31/12/2024) or year-month-day (2024-12-31)")
        self.edit.setMaximumWidth(130)
        self.edit.textChanged.connect(lambda _t: self.changed.emit())
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setToolTip("Pick a date from a calendar")
        self.button.setAccessibleName("Pick a date")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing is the keyboard path; keep Tab short
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.calendar = QCalendarWidget(menu)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self.calendar.clicked.connect(lambda day: self._picked(day, menu))
        self.button.setMenu(menu)
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)

    def _picked(self, day: QDate, menu: QMenu) -> None:
        self.edit.setText(day.toString("yyyy-MM-dd"))
        menu.close()

    def _sync_calendar(self) -> None:
        day = dt.date.today()
        for text in (self.edit.text(), self.near() if self.near else None):
            try:
                parsed = parse_date(text)
            except CoerceError:
                continue
            if parsed:
                day = dt.date.fromisoformat(parsed)
                break
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str | None) -> None:  # noqa: N802 - Qt naming, like QLineEdit
        self.edit.setText(text or "")

    def setAccessibleName(self, name: str) -> None:  # noqa: N802
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)


class CheckList(QListWidget):
    """Several codes, each a checkable row (space toggles the current row)."""

    changed = Signal()

    def __init__(self, entries: Iterable[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for entry in entries:
            item = QListWidgetItem(str(entry["label"]), self)
            item.setData(Qt.ItemDataRole.UserRole, str(entry["code"]))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setToolTip(str(entry["label"]))  # long labels are cut short in the list
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.itemChanged.connect(lambda _i: self.changed.emit())
        rows = min(self.count(), 6)
        self.setMaximumHeight(self.sizeHintForRow(0) * rows + 2 * self.frameWidth() + 4)

    def codes(self) -> list[str]:
        return [
            str(self.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        ]

    def set_codes(self, codes: Iterable[str]) -> None:
        wanted = set(codes)
        known = {str(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())}
        for code in sorted(wanted - known):  # unknown codes stay visible so validation can name them
            item = QListWidgetItem(f"{code} (unknown)", self)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        for i in range(self.count()):
            item = self.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def _picker_label(row: tuple[Any, ...]) -> str:
    _id, name, a, b = row
    extra = ", ".join(str(x) for x in (a, b) if x)
    return f"{name} ({extra})" if extra else str(name)


class RecordPicker(QLineEdit):
    """Pick a partner or an activity by typing part of its name; scales to many records because it
    asks the database for at most 50 matches instead of loading every record into a combo box."""

    changed = Signal()

    def __init__(self, db: sqlite_utils.Database, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.kind = kind
        self._id: str | None = None
        self._labels: dict[str, str] = {}  # label -> id of the current candidates
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(12)
        completer.activated.connect(self._chosen)
        self.setCompleter(completer)
        self.setPlaceholderText("Type to search…")
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(120)  # one query after a burst of keystrokes, not one per key
        self._refresh.timeout.connect(self._load_candidates)
        self.textEdited.connect(self._edited)
        self._load_candidates()

    def _query(self, text: str) -> list[tuple[Any, ...]]:
        return picker_candidates(self.db, self.kind, text)

    def _load_candidates(self) -> None:
        rows = self._query(self.text().strip() if self._id is None else "")
        self._labels = {_picker_label(r): str(r[0]) for r in rows}
        self._model.setStringList(list(self._labels))

    def _edited(self, text: str) -> None:
        self._id = self._resolve(text.strip())
        self._refresh.start()
        self.changed.emit()

    def _resolve(self, text: str) -> str | None:
        """A full label, or a name that belongs to exactly one record, picks that record."""
        if not text:
            return None
        if text in self._labels:
            return self._labels[text]
        wanted = text.casefold()
        rows = self._query(text.split(" (")[0])  # a full label starts with the name
        exact = [r for r in rows if str(r[1]).casefold() == wanted]
        if len(exact) == 1:
            return str(exact[0][0])
        labelled = [r for r in rows if _picker_label(r).casefold() == wanted]
        return str(labelled[0][0]) if len(labelled) == 1 else None

    def _chosen(self, label: str) -> None:
        self._id = self._labels.get(label) or self._resolve(label)
        self.changed.emit()

    def record_id(self) -> str | None:
        return self._id

    def set_record_id(self, record_id: str | None, text: str | None = None) -> None:
        self._id = record_id
        if record_id:
            row = picker_row(self.db, self.kind, record_id)
            self.setText(_picker_label(row) if row else (text or record_id))
        else:
            self.setText(text or "")
        self.changed.emit()

    def unresolved_text(self) -> str | None:
        """What was typed when it names no record (so the form can say so)."""
        text = self.text().strip()
        return text if text and self._id is None else None

    def unresolved_message(self) -> str | None:
        """Why what was typed picks nothing, in words that agree with the list of matches shown below it."""
        typed = self.unresolved_text()
        if typed is None:
            return None
        noun, part = ("partner", "name") if self.kind == "partners" else ("activity", "title")
        matches = [_picker_label(row) for row in self._query(typed)]
        if not matches:
            extra = " or add it as a new partner" if self.kind == "partners" else ""
            return f"No {noun}'s {part} contains {typed!r}: check the spelling{extra}"
        if len(matches) == 1:
            return f"{typed!r} is part of “{matches[0]}”: choose it from the list to use it"
        many = f"{len(matches)}+" if len(matches) >= 50 else str(len(matches))
        whose = "partners' names" if self.kind == "partners" else "activities' titles"
        return f"{typed!r} is part of {many} {whose}: choose one from the list"


class SerialsEdit(QPlainTextEdit):
    """Serial numbers one per line: a column pasted from a spreadsheet lands as one serial a line.
    Lines holding a duplicate are highlighted at once."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setPlaceholderText("One serial number per line (paste a column from a spreadsheet)")
        self.textChanged.connect(self.changed.emit)

    def insertFromMimeData(self, source: Any) -> None:  # noqa: N802 - Qt override
        # Spreadsheets copy a row as tab-separated cells; put every cell on its own line.
        if source.hasText():
            serials = parse_serials(source.text())
            self.insertPlainText("\n".join(serials))
            return
        super().insertFromMimeData(source)

    def serials(self) -> list[str]:
        return parse_serials(self.toPlainText())

    def mark_duplicates(self, flagged: set[str]) -> None:
        """Highlight every line whose serial (compared without case) is in `flagged`."""
        selections = []
        fmt = QTextCharFormat()
        fmt.setBackground(QColor("#f8d0d0"))
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
        block = self.document().firstBlock()
        while block.isValid():
            if block.text().strip().casefold() in flagged:
                selection = QTextEdit.ExtraSelection()
                selection.format = fmt
                cursor = QTextCursor(block)
                selection.cursor = cursor
                selections.append(selection)
            block = block.next()
        self.setExtraSelections(selections)


class LongTextEdit(QPlainTextEdit):
    """Free text; Tab moves on (a form is filled with the keyboard), Ctrl+Tab inserts nothing."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, lines: int = 4) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 12)
        self.textChanged.connect(self.changed.emit)

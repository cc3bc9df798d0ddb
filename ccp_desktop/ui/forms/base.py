"""What every record form shares: fields with their problems shown beside them as you type, Save
enabled only while the domain accepts the record, a draft written every few seconds while there are
unsaved changes, and a question before unsaved changes are thrown away."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import shiboken6
import sqlite_utils
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ccp_desktop.domain import records as r
from ccp_desktop.domain.coerce import coerce_record
from ccp_desktop.domain.reference import load_reference
from ccp_desktop.domain.validation import validate_record
from ccp_desktop.domain.wording import local_time
from ccp_desktop.errors import NotFoundError, Problem
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.drafts import Draft, drop_drafts, keep_draft
from ccp_desktop.store.records import StoreLookup, get_record
from ccp_desktop.store.saving import ChildRows, save_record
from ccp_desktop.ui.forms.prompts import Button, ask_later
from ccp_desktop.ui.forms.widgets import CheckList, CodeCombo, DateEdit, LongTextEdit, RecordPicker
from ccp_desktop.ui.worker import BackgroundWorker, shared_worker

ERROR_STYLE = "color: #b00020;"
DRAFT_INTERVAL_MS = 3000


@dataclass
class Binding:
    """A record field and the widget that edits it."""

    key: str
    label: str
    widget: QWidget
    get_state: Callable[[], Any]  # JSON-able: what the widget shows (drafts, dirty check)
    set_state: Callable[[Any], None]
    raw: Callable[[], Any]  # what coerce_record receives
    error: QLabel


def error_label(name: str) -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setAccessibleName(f"{name}: problem")
    label.hide()
    return label


def show_messages(label: QLabel, messages: list[str]) -> None:
    label.setText("\n".join(messages))
    label.setVisible(bool(messages))


def last_in_chain(container: QWidget) -> QWidget:
    """The last widget inside `container` in its window's focus chain (Tab order)."""
    last, widget = container, container.nextInFocusChain()
    while widget is not container and widget is not None:
        if container.isAncestorOf(widget):
            last = widget
        widget = widget.nextInFocusChain()
    return last


def chain_after(anchor: QWidget, widgets: list[QWidget]) -> None:
    """Put `widgets`, in this order, right after `anchor` in the Tab order (widgets made later, such as
    a new item line, otherwise land at the end of the window's chain, after the dialog's buttons)."""
    previous = anchor
    for widget in widgets:
        QWidget.setTabOrder(previous, widget)
        previous = widget


def _accessors(widget: QWidget) -> tuple[Callable[[], Any], Callable[[Any], None], Callable[[], Any], Any]:
    """(get_state, set_state, raw, changed signal) for each kind of input widget."""
    if isinstance(widget, RecordPicker):
        return (
            lambda: {"id": widget.record_id(), "text": widget.text()},
            lambda s: widget.set_record_id(s.get("id"), s.get("text")) if isinstance(s, dict) else widget.set_record_id(s),
            widget.record_id,
            widget.changed,
        )
    if isinstance(widget, CodeCombo):
        return widget.code, widget.set_code, widget.code, widget.changed
    if isinstance(widget, CheckList):
        return widget.codes, lambda s: widget.set_codes(s or []), widget.codes, widget.changed
    if isinstance(widget, DateEdit | QLineEdit):
        signal = widget.changed if isinstance(widget, DateEdit) else widget.textChanged
        return widget.text, lambda s: widget.setText("" if s is None else str(s)), widget.text, signal
    if isinstance(widget, LongTextEdit):
        return widget.toPlainText, lambda s: widget.setPlainText(s or ""), widget.toPlainText, widget.changed
    if isinstance(widget, QCheckBox):
        return widget.isChecked, lambda s: widget.setChecked(bool(s)), widget.isChecked, widget.toggled
    raise TypeError(f"no binding for {type(widget).__name__}")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


class RecordForm(QDialog):
    """Base of the activity, delivery and partner forms."""

    kind_name = ""
    saved = Signal(str, str)  # kind, record id: after a successful save or delete
    changed = Signal(object)  # the core's Changes, after a save or a delete (lists refresh from it)
    draft_saved = Signal()

    def __init__(
        self, parent: QWidget | None, db: sqlite_utils.Database, record_id: str | None = None,
        *, form_key: str | None = None, worker: BackgroundWorker | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db  # read only: every write runs on the worker's own connection
        self.worker = worker or shared_worker(db)
        self.saving = False
        self.kind = r.record_kind(self.kind_name)
        self.ref = load_reference()
        self.lookup = StoreLookup(db)
        self.record: dict[str, Any] | None = get_record(db, self.kind.name, record_id) if record_id else None
        if self.record is not None and self.record["deleted"]:
            raise NotFoundError(f"This {self.kind.label.lower()} has been deleted; it cannot be edited")
        self.record_id = record_id
        self.form_key = form_key or f"{self.kind.name}:{record_id or 'new-' + str(uuid.uuid4())}"
        self.expected_rev: int | None = self.record["rev"] if self.record else None
        self._bindings: dict[str, Binding] = {}
        self._touched: set[str] = set()
        self._loading = True
        self._problems: list[Problem] = []
        self._last_draft: Any = None  # the state the latest draft operation wrote
        self._draft_stored = False  # a draft of this form may be in the database (to drop when done)
        self._draft_writes = 0  # draft operations queued on the worker, not yet answered
        self.question: QMessageBox | None = None  # the "unsaved changes" question while it is shown
        # Not modal: a modal form blocks the main window, whose close button then does nothing at all
        # (Qt drops the close request); the main window instead asks about unsaved forms when it closes.
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setSizeGripEnabled(True)
        self.setWindowTitle(self.title_text())

        outer = QVBoxLayout(self)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff4ce; padding: 6px;")
        self.notice.hide()
        outer.addWidget(self.notice)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body = QWidget()
        scroll.setWidget(self.body)
        outer.addWidget(scroll, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Why Save is disabled")
        outer.addWidget(self.summary)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button: QPushButton | None = None
        if self.record is not None:
            self.delete_button = self.buttons.addButton("&Delete…", QDialogButtonBox.ButtonRole.DestructiveRole)
            self.delete_button.clicked.connect(self.delete)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        outer.addWidget(self.buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self._save_shortcut)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, not to the frame

        self.build(self.body)
        others = [b for b in self.buttons.buttons() if b not in (self.save_button, self.cancel_button)]
        chain_after(last_in_chain(self.body), [self.save_button, *others, self.cancel_button])
        if self.record is not None:
            self.load_record(self.record)
            self._touched.update(self._bindings)  # an existing record shows all its problems
        else:
            self.start_new()
        self._initial = self.get_state()
        self._loading = False
        self.revalidate()

        self.draft_timer = QTimer(self)
        self.draft_timer.setInterval(DRAFT_INTERVAL_MS)
        self.draft_timer.timeout.connect(self._draft_tick)
        self.draft_timer.start()
        self.finished.connect(self._closed)
        if self._bindings:
            next(iter(self._bindings.values())).widget.setFocus()  # typing starts at the first field

    # -- for subclasses -------------------------------------------------------------------------
    def title_text(self) -> str:
        return f"{'Edit' if self.record_id else 'New'} {self.kind.label.lower()}"

    build: Callable[[QWidget], None]  # each form lays its fields out on `body`

    def fit_to_screen(self, width: int, height: int) -> None:
        """The preferred size, shrunk to the screen's free area less a title bar (the body scrolls)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width() - 20), min(height, free.height() - 50)
        self.resize(width, height)

    def start_new(self) -> None:
        """Defaults of a new record, before the person types anything."""

    def post_country(self) -> str | None:
        """The country of this installation's post: the usual place of a new record."""
        from ccp_desktop.store.installation import get_installation

        install = get_installation(self.db)
        post = self.ref.entry("posts", install.post_code) if install else None
        country = post.get("country") if post else None
        return country if country in self.ref.codes("activity_places") else None

    def load_record(self, record: dict[str, Any]) -> None:
        """Fill the widgets from a record in stored form."""
        for key, binding in self._bindings.items():
            binding.set_state(record.get(key))

    def extra_state(self) -> dict[str, Any]:
        return {}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def extra_problems(self) -> list[Problem]:
        """Problems of parts other than the main record's fields (partner rows, item lines)."""
        return []

    def dependants(self) -> ChildRows | None:
        """The dependants saved with the record (partner links, item lines), as they are on screen."""
        return None

    # -- fields -----------------------------------------------------------------------------------
    def add_field(
        self, layout: QFormLayout, key: str, widget: QWidget, label: str | None = None, *, display: QWidget | None = None
    ) -> QWidget:
        """A labelled row editing `key`; `display` is what the row shows when it wraps `widget` (extra buttons)."""
        field = self.kind.field(key) if key in self.kind.keys else None
        text = label or (field.label if field else key)
        row = self.add_widget_row(layout, key, widget, text, required=bool(field and field.required), display=display)
        if field is not None:
            widget.setAccessibleName(field.label)  # the full name, even where the caption is short
            self._bindings[key].label = field.label
        return row

    def add_widget_row(
        self, layout: QFormLayout, key: str, widget: QWidget, text: str, *, required: bool, display: QWidget | None = None
    ) -> QWidget:
        get_state, set_state, raw, signal = _accessors(widget)
        widget.setAccessibleName(text)
        if widget.toolTip() == "" and key in self.kind.keys and self.kind.field(key).help:
            widget.setToolTip(self.kind.field(key).help)
        error = error_label(text)
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(display or widget)
        box.addWidget(error)
        caption = QLabel(f"&{text}{' *' if required else ''}" if "&" not in text else text)
        caption.setBuddy(widget)
        layout.addRow(caption, container)
        self._bindings[key] = Binding(key, text, widget, get_state, set_state, raw, error)
        signal.connect(lambda *_a, k=key: self.field_changed(k))
        return container

    def binding(self, key: str) -> Binding:
        return self._bindings[key]

    def field_changed(self, key: str) -> None:
        if self._loading:
            return
        self._touched.add(key)
        self.revalidate()

    # -- state, dirty, drafts --------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {"fields": {k: b.get_state() for k, b in self._bindings.items()}} | self.extra_state()

    def set_state(self, state: dict[str, Any]) -> None:
        self._loading = True
        try:
            for key, value in (state.get("fields") or {}).items():
                if key in self._bindings:
                    self._bindings[key].set_state(value)
            self.set_extra_state(state)
        finally:
            self._loading = False
        self._touched.update(self._bindings)
        self.revalidate()

    def restore_draft(self, draft: Draft) -> None:
        """Show what was on screen when the draft was written (after a crash or power cut)."""
        state = draft.payload.get("state")
        if isinstance(state, dict):
            self.set_state(state)
        self._initial_draft_note(draft)
        self._last_draft = None  # write it again at the next tick under the same key
        self._draft_stored = True

    def _initial_draft_note(self, draft: Draft) -> None:
        note = f"Restored from a draft saved at {local_time(draft.saved_at)}; it is not saved yet."
        if self.record is not None and draft.payload.get("rev") not in (None, self.record["rev"]):
            note += (" The record was changed after this draft was written; saving replaces those changes"
                     " with what you see here.")
        self.notice.setText(note)
        self.notice.show()

    def is_dirty(self) -> bool:
        return bool(self.get_state() != self._initial)

    def _draft_tick(self) -> None:
        # While the worker is busy (a long import) one draft per form waits in its queue, not one a tick.
        if not self._draft_writes:
            self.write_draft()

    def write_draft(self) -> None:
        """Keep what is on screen, or drop the draft once it matches the record: an operation on the
        background worker (which keeps it even if the window closes first); `draft_saved` when written."""
        state = self.get_state()
        if state == self._last_draft:
            return
        if state == self._initial:
            if not self._draft_stored:
                self._last_draft = state  # nothing typed, nothing stored: nothing to write
                return
            operation: Callable[[sqlite_utils.Database], Changes] = partial(drop_drafts, form_keys=[self.form_key])
            self._draft_stored = False
        else:
            payload = {"state": state, "rev": self.expected_rev, "title": self.windowTitle()}
            operation = partial(keep_draft, form_key=self.form_key, kind=self.kind.name, record_id=self.record_id,
                                payload=payload)
            self._draft_stored = True
        self._draft_writes += 1
        self.worker.run_operation(
            "write draft", operation, lambda _changes: self._draft_written(state), self._draft_failed,
            finish_on_stop=True,
        )

    def _draft_written(self, state: Any) -> None:
        self._draft_writes -= 1
        self._last_draft = state
        if shiboken6.isValid(self):  # the form may have closed while its last draft was being written
            self.draft_saved.emit()

    def _draft_failed(self, _exc: BaseException) -> None:
        # A draft is a convenience (the write lock was busy, the disk is full): never interrupt typing for
        # it; the next tick tries again.
        self._draft_writes -= 1
        self._draft_stored = True  # whatever was there may still be

    def _closed(self, _result: int) -> None:
        self.draft_timer.stop()

    # -- validation ----------------------------------------------------------------------------------
    def main_values(self) -> dict[str, Any]:
        return {k: b.raw() for k, b in self._bindings.items() if k in self.kind.keys}

    def main_problems(self) -> list[Problem]:
        raw = self.main_values()
        coerced, problems = coerce_record(self.kind, raw)
        record = r.blank_record(self.kind) | coerced | {"id": self.record_id}
        bad = {p.field for p in problems}
        problems += [p for p in validate_record(self.kind, record, lookup=self.lookup) if p.field not in bad]
        for key, binding in self._bindings.items():
            if isinstance(binding.widget, RecordPicker) and (message := binding.widget.unresolved_message()):
                problems = [p for p in problems if p.field != key]
                problems.append(Problem(key, message, binding.widget.unresolved_text()))
        return problems

    def revalidate(self) -> None:
        if self._loading:
            return
        problems = self.main_problems()
        by_key: dict[str, list[str]] = {}
        for p in problems:
            by_key.setdefault(p.field, []).append(p.message)
        for key, binding in self._bindings.items():
            messages = by_key.get(key, [])
            if key not in self._touched and _is_empty(binding.raw()):
                # "X is required" waits until the field was visited; a rule about another field's
                # value ("a handed-over delivery needs ...") shows at once.
                messages = [m for m in messages if not m.endswith(" is required")]
            show_messages(binding.error, messages)
        problems += self.extra_problems()
        self._problems = problems
        if self.saving:
            return  # "Saving…" stays until the worker answers
        self.save_button.setEnabled(not problems)
        if problems:
            labels = {b.key: b.label for b in self._bindings.values()}
            lines = [
                p.message if p.field not in labels or p.message.startswith(labels[p.field]) else f"{labels[p.field]}: {p.message}"
                for p in problems[:3]
            ]
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            self.summary.setText("To save, fix: " + "; ".join(lines) + more)
            self.summary.setStyleSheet(ERROR_STYLE)
            self.save_button.setToolTip("Fix the problems listed above Save first")
        else:
            self.summary.setText("Ready to save (Ctrl+S)." if self.is_dirty() else "No unsaved changes.")
            self.summary.setStyleSheet("color: palette(mid);")
            self.save_button.setToolTip("Save (Ctrl+S)")

    def problems(self) -> list[Problem]:
        return list(self._problems)

    # -- actions --------------------------------------------------------------------------------------
    def _save_shortcut(self) -> None:
        if self.save_button.isEnabled():
            self.save()

    def save(self) -> bool:
        """Check, then hand the save to the background worker (one transaction on its own connection).
        True if a save was started; the form closes when it is done, or shows why not and stays open."""
        if self.saving:
            return False  # a second click while the first save runs must not save twice
        self.revalidate()
        if self._problems:
            return False
        kind, values, children = self.kind.name, self.main_values(), self.dependants()
        record_id, rev, draft_key = self.record_id, self.expected_rev, self.form_key
        self._set_saving(True)
        self.worker.run_operation(
            f"save {kind}",
            lambda db: save_record(db, kind, values, record_id=record_id, expected_rev=rev, children=children,
                                   draft_key=draft_key),
            self._save_done, self._save_failed,
        )
        return True

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        if saving:
            self.draft_timer.stop()  # the save drops the draft; a tick now would write it back
            self.save_button.setEnabled(False)
            self.summary.setText("Saving…")
            self.summary.setStyleSheet("color: palette(mid);")
        else:
            self.draft_timer.start()
            self.revalidate()

    def _save_done(self, changes: Changes) -> None:
        self._draft_stored = False  # the save dropped it
        self.saving = False
        self.record_id = changes.record_id or self.record_id
        self.finish_clean()
        self.changed.emit(changes)
        self.saved.emit(self.kind.name, self.record_id)
        super().accept()

    def _save_failed(self, exc: BaseException) -> None:
        from ccp_desktop.ui.errors import show_error

        self._set_saving(False)
        show_error(self, exc)  # nothing was written: the form stays open with what was typed

    def finish_clean(self) -> None:
        """The form's content is saved or thrown away: its draft goes (on the worker, queued after any
        draft write still waiting there). A save dropped it already, in its own transaction."""
        self.draft_timer.stop()
        if self._draft_stored:
            self._draft_stored = False
            # A failure leaves a draft that is only offered again at the next start: harmless.
            self.worker.run_operation("drop draft", partial(drop_drafts, form_keys=[self.form_key]),
                                      lambda _changes: None, lambda _exc: None, finish_on_stop=True)
        self._initial = self.get_state()

    def delete(self) -> None:
        from ccp_desktop.ui.forms.deleting import confirm_and_delete

        if self.record_id and not self.saving:
            confirm_and_delete(self, self.db, self.kind.name, self.record_id, on_deleted=self._deleted)

    def _deleted(self, changes: Changes) -> None:
        self.finish_clean()
        self.changed.emit(changes)
        self.saved.emit(self.kind.name, self.record_id)
        super().accept()

    def accept(self) -> None:  # Enter in a line edit must not close the form without saving
        if self.save_button.isEnabled():
            self.save()

    def reject(self) -> None:
        """Cancel, Escape and the window's close button: ask before throwing away unsaved changes."""
        if self.saving:
            return  # the save decides: the form closes when it is written, or stays to show why not
        if not self.is_dirty():
            self.finish_clean()
            super().reject()
            return
        if self.question is not None:
            return  # already asking
        noun = self.kind.label.lower()
        if self.save_button.isEnabled():
            self.question = ask_later(
                self, "Unsaved changes", f"Save the changes to this {noun}?",
                Button.Save | Button.Discard | Button.Cancel, Button.Save, self._closing_answer,
            )
            return
        # It cannot be saved as it is: offering Save (as the default, too) would only fail. Keep editing
        # is the default, so Enter never throws work away.
        self.question = ask_later(
            self, "Unsaved changes", f"This {noun} cannot be saved yet. Throw away what you typed?",
            Button.Discard | Button.Cancel, Button.Cancel, self._closing_answer,
            detail=self.summary.text(), labels={Button.Discard: "Throw away", Button.Cancel: "Keep editing"},
        )

    def _closing_answer(self, answer: Button) -> None:
        self.question = None
        if answer == Button.Save:
            self.save()
        elif answer == Button.Discard:
            self.finish_clean()
            super().reject()

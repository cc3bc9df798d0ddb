"""What an operation changed, so that each view refreshes only when it must (as Anki's OpChanges).

Every core operation (a form saved, a delete, an import, a settled conflict) returns a `Changes`
(store/changes.py): the tables it wrote, reported by the core, never guessed here. The page that ran it
announces it as an `OpChanges` on the window's `ChangeHub`; each view compares the tables it reads with
the tables that changed. Hidden views only remember that they are stale and refresh when next shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ccp_desktop.store.changes import Changes, Done, run_recorded
from ccp_desktop.ui.worker import BackgroundWorker


@dataclass(frozen=True)
class OpChanges(Changes):
    """What the core reported (a `Changes`, asked the same questions) and which widget made it, if any."""

    source: object = field(default=None, compare=False)

    @classmethod
    def of(cls, changes: Changes, source: object = None) -> OpChanges:
        return cls(**{f.name: getattr(changes, f.name) for f in fields(Changes)}, source=source)


class ChangeHub(QObject):
    changed = Signal(object)  # OpChanges

    def announce(self, changes: OpChanges) -> None:
        self.changed.emit(changes)


class RefreshingPage(QWidget):
    """A page that refreshes at once when it is on screen, or else when it is next shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stale = True

    def mark_stale(self) -> None:
        self.stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Subclasses reread what they show (and set `stale` to False)."""
        self.stale = False

    def showEvent(self, event: Any) -> None:
        if self.stale:
            self.refresh()
        super().showEvent(event)


class ReadingPage(RefreshingPage):
    """A page showing what one read on the background worker returns (conflicts, review items, posts, sync
    history): it reads again when records or the sync bookkeeping changed. Subclasses give `read` (run on
    the worker: no widgets there) and `show_read` (on the GUI thread), and a `summary` label; `run_change`
    runs their operations. `page` names the page's widget (page-<name>, as the tests find it)."""

    loaded = Signal()  # what was read is on screen
    sync_changed = Signal(object)  # OpChanges of the page's operations, for the window's ChangeHub

    read_name = "read"
    summary: Any
    read: Callable[[Any], Any]  # on the worker, given its database: what the page shows
    show_read: Callable[[Any], None]  # on the GUI thread: put what `read` returned on screen

    def __init__(self, page: str, worker: BackgroundWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page-{page}")
        self.worker = worker

    def run_change(self, name: str, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None],
                   on_error: Callable[[BaseException], None], **kwargs: Any) -> None:
        """Run a core function that writes (settle, trust, write a receipt, undo an import) on the worker in
        one recorded transaction; announce what it changed, then give `on_done` what it returned."""
        def done(result: Done) -> None:
            self.sync_changed.emit(OpChanges.of(result.changes, source=self))
            on_done(result.value)

        self.worker.submit(name, lambda db, _progress, _cancelled: run_recorded(db, fn, *args, **kwargs),
                           on_done=done, on_error=on_error)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.sync_state or changes.records:
            self.mark_stale()

    def refresh(self) -> None:
        self.stale = False
        read = self.read
        self.worker.submit(self.read_name, lambda db, _progress, _cancelled: read(db), on_done=self.show_read,
                           on_error=lambda exc: self.summary.setText(str(exc)))

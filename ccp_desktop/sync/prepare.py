"""Preparing a package for HQ's import, sheet by sheet, parents first: read and hash a sheet, validate its
rows, plan it. The importer applies each prepared sheet while the next one is prepared.

A sheet refers only to sheets before it, and preparing reads nothing an earlier sheet's apply writes
(another table, its own states), so preparation may read HQ as it stood when the import took its write
lock. With a database file it does, on a thread of its own with its own read-only connection: Python
works on the next sheet there while SQLite (which lets go of the GIL) writes this one. Sheets prepared
and not yet written, with the one being written, hold at most twice the largest sheet (by the size of
its XML): two large sheets, or a large one and the small ones after it. Without a file (the batch
check's rehearsal in memory) sheets are prepared in turn on the caller's connection.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.domain.records import RecordKind
from ccp_desktop.store.connection import open_reader
from ccp_desktop.sync.checks import PackageLookup, finish_validation, validate_sheet
from ccp_desktop.sync.package import Package, SheetRows, expected_sheets, read_sheet
from ccp_desktop.sync.plan import KindPlan, Planner
from ccp_desktop.sync.reader import Workbook

Step = Callable[[int], None]
_DONE = object()


@dataclass
class PreparedSheet:
    kind: RecordKind
    sheet: SheetRows
    plan: KindPlan | None  # None once the package has a problem: nothing more is applied


class SheetPreparer:
    """Yields each sheet read, validated and (while the package has no problem) planned. Afterwards
    `planner` holds the whole plan's counts and lineage, and the package knows what HQ deleted that it
    uses and the serials it shares with other posts."""

    def __init__(self, db: sqlite_utils.Database, book: Workbook, package: Package, step: Step,
                 room: Room | None = None) -> None:
        self.db, self.book, self.package, self.step = db, book, package, step
        self.room = room  # taken before a sheet is read; given back by whoever is done with it
        self.planner: Planner | None = None

    def __iter__(self) -> Iterator[PreparedSheet]:
        package = self.package
        lookup = PackageLookup(package, self.db)
        kinds = expected_sheets(package.kind)
        for position, kind in enumerate(kinds):
            if self.room is not None and not self.room.take(kind.name):
                return
            sheet = read_sheet(self.book, package, kind, self.step)
            if position + 1 < len(kinds):
                self.book.load_ahead(kinds[position + 1].name)  # calamine parses it meanwhile
            if sheet is None:
                if self.room is not None:
                    self.room.give_back(kind.name)
                continue
            lookup.add_sheet(sheet)
            validate_sheet(package, sheet, lookup, self.step)  # after a bad cell too: every problem at once
            plan = None
            if not package.errors:
                self.planner = self.planner or Planner(self.db, package)
                plan = self.planner.plan_sheet(kind)
            self.step(sheet.count)
            yield PreparedSheet(kind, sheet, plan)
        finish_validation(package, lookup)


class Room:
    """Memory for sheets between being read and being written: at most twice the largest sheet's weight
    (`Preflight.weight`), and always room for one."""

    def __init__(self, book: Workbook, names: list[str], stop: threading.Event) -> None:
        self._weight = book.checks.weight
        self._budget = 2 * max(map(self._weight, names), default=0)
        self._held = 0
        self._changed = threading.Condition()
        self._stop = stop

    def take(self, name: str) -> bool:
        """Wait until sheet `name` fits; False when the import stopped meanwhile."""
        weight = self._weight(name)
        with self._changed:
            while not self._stop.is_set():
                if self._held == 0 or self._held + weight <= self._budget:
                    self._held += weight
                    return True
                self._changed.wait(timeout=0.1)
        return False

    def give_back(self, name: str) -> None:
        with self._changed:
            self._held -= self._weight(name)
            self._changed.notify_all()


class _Ahead:
    """A SheetPreparer run on its own thread (with its own connection), ahead of the importer as far as
    its Room lets it."""

    def __init__(self, path: Path, book: Workbook, package: Package, step: Step) -> None:
        self.path, self.book, self.package, self.step = path, book, package, step
        self.planner: Planner | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self.room = Room(book, [kind.name for kind in expected_sheets(package.kind)], self._stop)
        self._thread = threading.Thread(target=self._run, name="sheet-preparer", daemon=True)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            reader = open_reader(self.path)
            try:
                preparer = SheetPreparer(reader, self.book, self.package, self.step, self.room)
                for prepared in preparer:
                    if not self._put(prepared):
                        return
                self.planner = preparer.planner
            finally:
                reader.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the importer's thread, which raises it
            self._put(exc)
            return
        self._put(_DONE)

    def __iter__(self) -> Iterator[PreparedSheet]:
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # the importer writes it and lets its rows go before asking for the next
                self.room.give_back(item.kind.name)
        finally:  # done, or the importer stopped early (a cancel, a database error): end the thread first
            self._stop.set()
            while self._thread.is_alive():
                try:
                    self._queue.get(timeout=0.1)
                except queue.Empty:
                    continue
            self._thread.join()


def prepare_sheets(db: sqlite_utils.Database, path: Path | None, book: Workbook, package: Package,
                   step: Step) -> SheetPreparer | _Ahead:
    """The package's sheets, prepared ahead on a thread when HQ's database is a file (`path`)."""
    return _Ahead(path, book, package, step) if path is not None else SheetPreparer(db, book, package, step)

"""What an operation changed: the tables it wrote, the ids of the synced records it wrote, how many.

Every change a person makes (a save, a delete, an import, a settled conflict, a trusted key, a setting)
returns a `Changes`, so that the GUI refreshes exactly the views that show a changed table and nothing
is guessed. The core does not list tables by hand: `recording_changes` watches the operation's own
connection. Synced records come from the change journal (every write to a synced table appends to it in
the same transaction, by trigger: exact ids); other tables (conflicts, review items, trusted keys, the
installation) from SQLite's authorizer, which names every table a statement of the operation writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ccp_desktop.domain import records as r
from ccp_desktop.store.transactions import write_transaction

if TYPE_CHECKING:  # annotations only: the window's change hub imports this module before sqlite-utils is needed
    import sqlite_utils

T = TypeVar("T")

SYNCED_TABLES = frozenset(r.RECORD_KINDS)
# Bookkeeping of packages, keys, conflicts and reviews: what the sync and HQ pages show.
SYNC_STATE_TABLES = frozenset({
    "sync_exports", "sync_imports", "sync_peers", "sync_record_state", "incarnations", "sync_conflicts",
    "review_items", "activity_merges", "import_undo",
})
INSTALLATION_TABLES = frozenset({"installation", "settings"})
# Written on the side of every change (journal, audit, indexes, drafts): no view shows them as such.
_SIDE_TABLES = frozenset({"change_journal", "audit_log", "serial_index", "drafts", "sqlite_sequence"})
MAX_IDS = 10_000  # beyond this many records of one table (a big import) only the count is kept

_WRITES = (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE)


@dataclass(frozen=True)
class Changes:
    """`counts`: every table written, with how many rows (synced tables) or statements (others).
    `ids`: the synced records written, per table (left out for a table past MAX_IDS records).
    `record_id`: the record a save was about (the id a new record got)."""

    counts: Mapping[str, int] = field(default_factory=dict)
    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)
    record_id: str | None = None

    @classmethod
    def everything(cls) -> Changes:
        """The whole database was replaced (a restore): every view refreshes."""
        tables = SYNCED_TABLES | SYNC_STATE_TABLES | INSTALLATION_TABLES
        return cls(counts={t: 1 for t in tables})

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.counts)

    @property
    def records(self) -> bool:
        """Some synced record (activity, partner, delivery, item, link) changed."""
        return bool(self.tables & SYNCED_TABLES)

    @property
    def sync_state(self) -> bool:
        return bool(self.tables & SYNC_STATE_TABLES)

    @property
    def installation(self) -> bool:
        return bool(self.tables & INSTALLATION_TABLES)

    def touches(self, tables: frozenset[str]) -> bool:
        return bool(self.tables & tables)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __or__(self, other: Changes) -> Changes:
        counts = dict(self.counts)
        for table, n in other.counts.items():
            counts[table] = counts.get(table, 0) + n
        ids = {t: self.ids.get(t, frozenset()) | other.ids.get(t, frozenset()) for t in set(self.ids) | set(other.ids)}
        return Changes(counts, ids, other.record_id or self.record_id)


def changes_of_counts(counts: Mapping[str, int]) -> Changes:
    """From an operation that counts what it wrote per table (an import's plan): the tables with rows."""
    return Changes(counts={t: int(n) for t, n in counts.items() if n})


class ChangeRecorder:
    """Collects what one operation writes on one connection (see `recording_changes`)."""

    def __init__(self, mark: int) -> None:
        self.mark = mark
        self.statements: dict[str, int] = {}
        self.changes = Changes()

    def saw_write(self, table: str) -> None:
        self.statements[table] = self.statements.get(table, 0) + 1


# The recorders active on each connection (nested operations each get their own); the authorizer is
# installed while any is active. A connection belongs to one thread, so no lock is needed.
_active: dict[int, list[ChangeRecorder]] = {}


def _authorizer(recorders: list[ChangeRecorder]) -> Callable[..., int]:
    def check(action: int, table: str | None, _col: str | None, _db: str | None, trigger: str | None) -> int:
        # Statements run by triggers (journal, indexes) are side effects of the write that fired them.
        if action in _WRITES and table and trigger is None:
            for recorder in recorders:
                recorder.saw_write(table)
        return sqlite3.SQLITE_OK
    return check


def _journal_mark(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM change_journal").fetchone()[0])


def _journal_since(db: sqlite_utils.Database, mark: int) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, record_id in db.execute("SELECT table_name, record_id FROM change_journal WHERE seq > ?", [mark]):
        out.setdefault(table, set()).add(record_id)
    return out


def _shown(table: str) -> bool:
    """A table some view shows (not SQLite's own tables, search indexes or the side tables)."""
    return table not in _SIDE_TABLES and not table.startswith("sqlite_") and "_fts" not in table


@contextlib.contextmanager
def recording_changes(db: sqlite_utils.Database) -> Iterator[ChangeRecorder]:
    """Inside one write transaction: `recorder.changes` holds what was written once the block ends."""
    if not db.conn.in_transaction:
        raise RuntimeError("recording_changes needs the operation's write transaction")
    key = id(db.conn)
    recorder = ChangeRecorder(_journal_mark(db))
    stack = _active.setdefault(key, [])
    stack.append(recorder)
    if len(stack) == 1:
        db.conn.set_authorizer(_authorizer(stack))
    try:
        yield recorder
        written = _journal_since(db, recorder.mark)
    finally:
        stack.remove(recorder)
        if not stack:
            db.conn.set_authorizer(None)
            _active.pop(key, None)
    counts = {t: n for t, n in recorder.statements.items() if _shown(t)}
    counts.update({t: len(ids) for t, ids in written.items()})
    ids = {t: frozenset(v) for t, v in written.items() if len(v) <= MAX_IDS}
    recorder.changes = Changes(counts, ids)


@dataclass(frozen=True)
class Done:
    """What a core function returned, and what it changed."""

    value: Any
    changes: Changes


def run_recorded(db: sqlite_utils.Database, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Done:
    """Run a core function that writes (settle a conflict, trust a key, set the officer) in one
    transaction, and return its value with what it changed. Its own transaction becomes a savepoint."""
    with write_transaction(db), recording_changes(db) as recorder:
        value = fn(db, *args, **kwargs)
    return Done(value, recorder.changes)

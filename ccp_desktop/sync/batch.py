"""Importing a morning's packages at once (HQ): collect the files, order them by post and sequence,
dry-run them in that order, then apply the chosen ones in that order with the day's backup before the first (if not made yet).

The dry run applies the packages, in order, with the real import, inside one transaction that is rolled
back at the end: a post's second package is judged as it will be once its first is in (its references
resolve, no false gap), and what the dry run says is what applying then does. It runs on a connection of
its own whose main database is an empty in-memory one with HQ's file attached: it reads only what the
imports read (no copy of HQ, whose size has nothing to do with the packages), and the import sees a
database without a file, as it did the in-memory copy this replaced, so no refusal is logged beside HQ's
database for a package only checked. HQ's database is never changed; its write lock is held while the
dry run runs (readers, the lists and pages, are not held up; in the app every write waits for the one
background worker anyway, and the dry run is one of its jobs)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.errors import Cancelled, Problem, StoreError
from ccp_desktop.store import sync_state
from ccp_desktop.store.backups import daily_backup_target
from ccp_desktop.store.changes import Changes
from ccp_desktop.store.connection import BUSY_TIMEOUT_MS, database_path
from ccp_desktop.store.maintenance import backup_database, fold_log
from ccp_desktop.sync import signing
from ccp_desktop.sync.hq_keys import unsealing_for
from ccp_desktop.sync.importer import import_package
from ccp_desktop.sync.package import open_package
from ccp_desktop.sync.result import ImportResult, PackageFacts

Progress = Callable[[int, int], None]
STEPS = 1000  # progress units per package: a package's own progress is scaled into its share

# What a row says it will do (dry run) or did (apply).
WOULD_APPLY, ALREADY, REJECTED, DUPLICATE = "would apply", "already imported", "rejected", "duplicate"


@dataclass
class BatchEntry(PackageFacts):
    """One package file: what its manifest says, what the dry run found, and (after applying) what happened."""

    path: Path
    fingerprint: str | None = None
    signature: str = "unreadable"  # "pinned key", "first seen", "refused", "unreadable"
    preview: ImportResult | None = None
    waits_for: list[tuple[int, int]] = field(default_factory=list)  # changes missing before this one
    duplicate_of: str | None = None  # the file in this batch holding the same package
    outcome: ImportResult | None = None

    @property
    def state(self) -> str:
        if self.duplicate_of:
            return DUPLICATE
        status = self.preview.status if self.preview else "rejected"
        return {"dry-run": WOULD_APPLY, "already-imported": ALREADY}.get(status, REJECTED)

    @property
    def selectable(self) -> bool:
        """Applying it does something: it changes data, or (refused) leaves a trace of why at HQ."""
        return self.state in (WOULD_APPLY, REJECTED)

    def totals(self) -> dict[str, int]:
        return self.preview.totals() if self.preview else {}

    def waits_text(self) -> str:
        if not self.waits_for:
            return ""
        spans = ", ".join(f"{a}–{b}" for a, b in self.waits_for)
        return f"changes {spans} from {self.post_code} have not arrived (ask the post for them)"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path), "post_code": self.post_code, "kind": self.kind, "package_id": self.package_id,
            "seq_from": self.seq_from, "seq_to": self.seq_to, "created_at": self.created_at,
            "fingerprint": self.fingerprint, "signature": self.signature, "state": self.state,
            "waits_for": [list(r) for r in self.waits_for], "duplicate_of": self.duplicate_of,
            "dry_run": self.preview.to_json() if self.preview else None,
            "outcome": self.outcome.to_json() if self.outcome else None,
        }


@dataclass
class BatchSummary:
    entries: list[BatchEntry]
    applied: int = 0
    refused: int = 0
    skipped: int = 0  # already imported, or duplicates
    not_reached: int = 0  # after a cancel
    cancelled: bool = False
    backup_path: str | None = None
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> Changes:
        """What the applied packages wrote, together."""
        out = Changes()
        for entry in self.entries:
            if entry.outcome is not None:
                out |= entry.outcome.changes
        return out

    @property
    def message(self) -> str:
        parts = [f"{self.applied} package{'s' if self.applied != 1 else ''} imported"]
        if self.refused:
            parts.append(f"{self.refused} refused (their reasons are kept on the Posts page)")
        if self.skipped:
            parts.append(f"{self.skipped} already imported")
        if self.cancelled:
            parts.append(f"cancelled: {self.not_reached} not imported")
        t = self.totals
        records = (f"{t.get('inserted', 0)} new, {t.get('updated', 0)} updated, {t.get('tombstoned', 0)} deleted, "
                   f"{t.get('conflicting', 0)} in conflict")
        return "; ".join(parts) + f". Records: {records}."

    def to_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "refused": self.refused, "skipped": self.skipped,
                "not_reached": self.not_reached, "cancelled": self.cancelled, "backup_path": self.backup_path,
                "totals": self.totals, "message": self.message, "packages": [e.to_json() for e in self.entries]}


def collect_package_files(paths: Iterable[Path]) -> list[Path]:
    """The .xlsx files named (and sealed .xlsx.age ones), and those inside folders named (subfolders too);
    each once. Office's lock files (~$name.xlsx) and hidden files are left out."""
    found: dict[Path, None] = {}
    for path in paths:
        path = Path(path).expanduser()
        candidates = sorted([*path.rglob("*.xlsx"), *path.rglob("*.xlsx.age")]) if path.is_dir() else [path]
        for file in candidates:
            if file.name.startswith(("~$", ".")):
                continue
            found.setdefault(file.resolve(), None)
    return list(found)


def read_entry(db: sqlite_utils.Database, path: Path) -> BatchEntry:
    """The manifest only (cheap): enough to order the batch and to say whose key signed it."""
    entry = BatchEntry(path=path)
    book, package = open_package(path)
    if book is not None:
        book.close()
    m = package.manifest
    entry.take_facts(m)
    if not package.readable:
        return entry
    key = m.get("public_key") or ""
    try:
        entry.fingerprint = signing.fingerprint(key)
    except Exception:  # a malformed key: the dry run names it
        return entry
    peer = sync_state.get_peer(db, entry.post_code) if entry.post_code else None
    if not package.signature_ok:
        entry.signature = "refused"
    elif peer is None:
        entry.signature = "first seen"
    else:
        entry.signature = "pinned key" if peer["public_key"] == key else "refused"
    return entry


def order_key(entry: BatchEntry) -> tuple[Any, ...]:
    """By post, then by where the package starts in the post's history; unreadable files last."""
    return (entry.post_code is None, entry.post_code or "", entry.seq_from or 0, entry.seq_to or 0,
            entry.created_at or "", entry.path.name)


@contextlib.contextmanager
def _rehearsal(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A connection in which HQ's database can be written and every write is undone at the end (see the
    module's note). A database without a file (tests, tools) is rehearsed on in place, rolled back alike."""
    path = database_path(db)
    if path is None:
        rehearsal = db
    else:
        conn = sqlite3.connect(":memory:", isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute("ATTACH DATABASE ? AS hq", [str(path)])
        conn.execute("PRAGMA foreign_keys=ON")  # as on HQ's own connections (its journal mode is the file's)
        rehearsal = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        rehearsal.conn.execute("BEGIN IMMEDIATE")  # the write lock up front: the packages' writes cannot fail on it
        try:
            yield rehearsal
        finally:
            if rehearsal.conn.in_transaction:
                rehearsal.conn.execute("ROLLBACK")
    finally:
        if rehearsal is not db:
            rehearsal.close()


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    if progress is None:
        return None
    return lambda done, total: progress(index * STEPS + int(STEPS * done / max(total, 1)), count * STEPS)


def _holes_before(db: sqlite_utils.Database, entry: BatchEntry) -> list[tuple[int, int]]:
    if not entry.post_code or not entry.seq_from:
        return []
    held = sorted(sync_state.covered_ranges(db, entry.post_code) + [(entry.seq_from, entry.seq_to or entry.seq_from)])
    return [(a, b) for a, b in sync_state.missing_ranges(held) if b < entry.seq_from]


def dry_run_batch(db: sqlite_utils.Database, paths: Iterable[Path], *, progress: Progress | None = None,
                  should_cancel: Callable[[], bool] | None = None) -> list[BatchEntry]:
    """Every package found, in the order they would be applied, each with what applying it would do."""
    with unsealing_for(db):  # the rehearsal's in-memory copy has no folder: HQ's keys are given here
        return _dry_run_batch(db, paths, progress, should_cancel)


def _dry_run_batch(db: sqlite_utils.Database, paths: Iterable[Path], progress: Progress | None,
                   should_cancel: Callable[[], bool] | None) -> list[BatchEntry]:
    entries = sorted((read_entry(db, p) for p in collect_package_files(paths)), key=order_key)
    earlier = {e.package_id for e in entries if e.package_id and sync_state.find_import(db, e.package_id) is not None}
    with _rehearsal(db) as sim:
        seen: dict[str, BatchEntry] = {}
        for index, entry in enumerate(entries):
            if should_cancel and should_cancel():
                raise Cancelled("Check cancelled; nothing was changed")
            # imported on an earlier day: the importer says so
            first = None if entry.package_id in earlier else seen.get(entry.package_id or "")
            holes = _holes_before(sim, entry)
            result = import_package(sim, entry.path, backup=False, progress=_scaled(progress, index, len(entries)))
            if not sim.conn.in_transaction:  # an error SQLite answers by ending the whole transaction (disk full)
                raise StoreError(f"The check stopped at {entry.path.name}: the database ended it ({result.message}); "
                                 "nothing was changed")
            if first is not None and result.status == "already-imported":
                entry.duplicate_of = first.path.name
                result.message = f"The same package as {first.path.name}, earlier in this batch: nothing more to do."
            elif first is not None and result.status == "rejected":
                # The importer compares with "the package imported" (here only in the rehearsal): say which file.
                result.errors = [Problem(p.field, f"a copy of {first.path.name} (earlier in this batch), changed after "
                                         "export", p.value, p.sheet, p.row)
                                 if p.field == "package_id" and p.message.startswith("this copy differs") else p
                                 for p in result.errors]
                result.message = (f"Rejected {entry.path.name}: a copy of {first.path.name} (earlier in this batch) "
                                  "changed after export. Nothing was changed.")
            elif result.status == "applied":
                result.status = "dry-run"
                result.message = "Would apply" + result.message.removeprefix("Applied")
            entry.preview = result
            if entry.package_id and result.status == "dry-run":
                seen.setdefault(entry.package_id, entry)  # a refused copy is no original for a later one
            entry.waits_for = holes
    if progress:
        progress(len(entries) * STEPS, max(len(entries), 1) * STEPS)
    return entries


def _batch_backup(db: sqlite_utils.Database) -> Path | None:
    """The day's full backup if it is not made yet (each import keeps its own undo journal)."""
    target = daily_backup_target(database_path(db))
    if target is None:
        return None
    try:
        return backup_database(db, target)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"Could not back up the database before importing ({exc}); nothing was changed") from exc


def apply_batch(db: sqlite_utils.Database, entries: list[BatchEntry], *, progress: Progress | None = None,
                should_cancel: Callable[[], bool] | None = None) -> BatchSummary:
    """Apply the entries in the order given (dry_run_batch's), one backup first. Cancel is honoured
    between packages: those applied stay applied (each is whole), the rest are not touched."""
    entries = sorted(entries, key=order_key)
    summary = BatchSummary(entries=entries, totals=dict.fromkeys(("inserted", "updated", "tombstoned", "conflicting"), 0))
    if not entries:
        return summary
    made = _batch_backup(db)
    summary.backup_path = str(made) if made else None
    for index, entry in enumerate(entries):
        if should_cancel and should_cancel():
            summary.cancelled, summary.not_reached = True, len(entries) - index
            break
        result = import_package(db, entry.path, backup=False, progress=_scaled(progress, index, len(entries)))
        entry.outcome = result
        if result.status == "applied":
            summary.applied += 1
            for key, value in result.totals().items():
                if key in summary.totals:
                    summary.totals[key] += value
        elif result.status == "rejected":
            summary.refused += 1
        else:
            summary.skipped += 1
    fold_log(db)  # once for the batch (each import leaves its pages in the log: see checkpoint_deferred)
    if progress and not summary.cancelled:
        progress(len(entries) * STEPS, len(entries) * STEPS)
    return summary

"""Counts, integrity checks and online backups of the local database."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ccp_desktop.domain import records as r
from ccp_desktop.domain.records import RECORD_KINDS, REF
from ccp_desktop.store import files
from ccp_desktop.store.files import make_private_folder, restrict_file
from ccp_desktop.store.location import database_path
from ccp_desktop.store.migrations import SCHEMA_VERSION, SYNCED_TABLES, schema_version


@contextlib.contextmanager
def checkpoint_deferred(db: sqlite_utils.Database) -> Iterator[None]:
    """Within: commits do not fold the write-ahead log into the database file (SQLite's automatic
    checkpoint). A commit is durable once the log is synced; folding the pages of an import into a big
    database (scattered writes over a gigabyte) cost half a 1,000-record import. `fold_log` does it later
    (after the result is shown, after the last package of a batch); closing the last connection does too."""
    previous = int(db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    db.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.execute(f"PRAGMA wal_autocheckpoint = {previous}")


def fold_log(db: sqlite_utils.Database) -> None:
    """Fold the write-ahead log into the database file, as far as no reader still needs it (never waits)."""
    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def count_live(db: sqlite_utils.Database) -> dict[str, int]:
    """Live (non-tombstoned) records per synced table."""
    return {t: db.execute(f"SELECT count(*) FROM {t} WHERE deleted = 0").fetchone()[0] for t in SYNCED_TABLES}


def journal_seq(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM change_journal").fetchone()[0])


def stats(db: sqlite_utils.Database) -> dict[str, int]:
    return count_live(db) | {"journal_seq": journal_seq(db)}


@dataclass
class CheckReport:
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    schema_version: int = 0
    expected_schema_version: int = SCHEMA_VERSION

    @property
    def problems(self) -> list[str]:
        out = [f"integrity: {m}" for m in self.integrity]
        out += [f"foreign key: {m}" for m in self.foreign_keys]
        out += [f"link: {m}" for m in self.orphans]
        if self.schema_version != self.expected_schema_version:
            out.append(f"schema version {self.schema_version}, this program expects {self.expected_schema_version}")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(db: sqlite_utils.Database) -> CheckReport:
    report = CheckReport(schema_version=schema_version(db))
    report.integrity = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
    report.foreign_keys = [
        f"{table} row {rowid} refers to a missing {parent}"
        for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall()
    ]
    report.orphans = live_records_under_deleted_parents(db)
    return report


def live_records_under_deleted_parents(db: sqlite_utils.Database, limit: int = 50) -> list[str]:
    """Live records that refer to a tombstoned one (a link to a deleted activity, a delivery under a
    deleted activity): the schema allows them, sync conflicts can make them, a person must settle them."""
    out = []
    for kind in RECORD_KINDS.values():
        for f in kind.fields:
            if f.type != REF or not f.ref:
                continue
            rows = db.execute(
                f"SELECT c.id, p.id FROM {kind.name} c JOIN {f.ref} p ON p.id = c.{f.key}"
                f" WHERE c.deleted = 0 AND p.deleted = 1 LIMIT ?", [limit],
            ).fetchall()
            parent = r.record_kind(f.ref).label.lower()
            out += [f"live {kind.label.lower()} {cid} refers to the deleted {parent} {pid} ({f.key})" for cid, pid in rows]
    return out[:limit]


def default_backup_path(db: sqlite_utils.Database) -> Path:
    source = database_path(db) or Path("ccp-field-desk.sqlite3")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = source.parent / "backups" / f"{source.stem}-{stamp}.sqlite3"
    n = 1
    while target.exists():  # two backups within one second (a retry) must not collide
        n += 1
        target = target.with_name(f"{source.stem}-{stamp}-{n}.sqlite3")
    return target


def database_bytes(db: sqlite_utils.Database) -> int:
    """What a backup of `db` will take: its pages (the WAL is folded in by the backup)."""
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    return pages * int(db.execute("PRAGMA page_size").fetchone()[0])


def backup_database(
    db: sqlite_utils.Database, out: Path | None = None, *, progress: Callable[[int, int], None] | None = None
) -> Path:
    """An online, consistent copy through SQLite's backup API, written to a hidden partial file beside
    the target and renamed into place. Room is checked first; on any failure the partial file is
    removed and the error says in plain words what happened (a full drive with both sizes)."""
    target = Path(out) if out else default_backup_path(db)
    if target.exists():
        raise FileExistsError(f"{target} exists already; choose another file")
    make_private_folder(target.parent)
    needed = database_bytes(db)
    files.require_free_space(target.parent, needed, "the backup")
    partial = files.partial_path(target)
    partial.unlink(missing_ok=True)
    try:
        dest = sqlite3.connect(str(partial))
        restrict_file(partial)  # owner-only from the start: a backup holds every record
        try:
            def report(status: int, remaining: int, total: int) -> None:
                if progress:
                    progress(total - remaining, total)

            db.conn.backup(dest, pages=1024, progress=report)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
        partial.replace(target)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        Path(f"{partial}-journal").unlink(missing_ok=True)
        if isinstance(exc, (OSError, sqlite3.DatabaseError)):
            raise files.write_failure(exc, target.parent, "the backup", needed) from exc
        raise
    files.fsync_dir(target.parent)
    return target

"""Opening the local database: WAL, synchronous=FULL, foreign keys on, schema brought up to date.

A sqlite connection belongs to the thread that opened it; a worker thread opens its own.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import SetupError, StoreError, database_failure_text
from ccp_desktop.store.files import make_private_folder, restrict_database, restrict_file
from ccp_desktop.store.location import database_path  # noqa: F401 - where callers have long found it

BUSY_TIMEOUT_MS = 10_000


def open_database(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and apply pending migrations."""
    from ccp_desktop.store.migrations import (
        applied_steps,
        apply_migrations,
        is_up_to_date,
        needs_upgrade,
        refuse_newer,
    )

    path = Path(path)
    if path.exists() and path.is_dir():
        raise SetupError(f"{path} is a folder, not a database file")
    make_private_folder(path.parent)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        # No sqlite-utils plugins: none is used, and finding them scans every installed package's entry
        # points (a fifth of a second at start-up) and would run code from outside the app on our database.
        db = sqlite_utils.Database(conn, execute_plugins=False)
        applied: list[str] = []
        if migrate:
            applied = applied_steps(db)  # read once and handed on: every open (each worker's too) asks
            refuse_newer(applied)  # before anything is written: a newer version's file is left as it was
        restrict_file(path)  # before the WAL exists: SQLite gives the WAL and shm files the database's mode
        configure(db)
        restrict_database(path)
        if migrate and not is_up_to_date(applied):
            if needs_upgrade(db, applied):
                backup_before_upgrade(db, path)
            apply_migrations(db)
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc) or "not a database" in str(exc):  # a damaged file: say so, and where the way back is
            raise StoreError(f"{path}: {database_failure_text(exc)}") from exc
        raise StoreError(f"{path} cannot be opened as a CCP Field Desk database: {exc}") from exc
    if migrate:
        from ccp_desktop.store.files import clean_up_after_crash

        clean_up_after_crash(db, path)  # scratch and partial files of a killed run, found on the next start
    return db


def open_reader(path: str | Path) -> sqlite_utils.Database:
    """A read-only connection to an existing database, for a thread of its own (an import prepares its
    next sheet on one). In WAL mode it reads the last committed state, never another connection's
    uncommitted writes."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                           isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return sqlite_utils.Database(conn, execute_plugins=False)


def backup_before_upgrade(db: sqlite_utils.Database, path: Path) -> Path:
    """A copy of a database from an older version, taken before its schema is brought up to date."""
    import datetime as dt

    from ccp_desktop.store.maintenance import backup_database
    from ccp_desktop.store.migrations import schema_version

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.parent / "backups" / f"{path.stem}-before-upgrade-from-schema-{schema_version(db)}-{stamp}.sqlite3"
    try:
        return backup_database(db, target)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"Could not back up {path.name} before upgrading it ({exc}); it was not changed") from exc


def configure(db: sqlite_utils.Database) -> None:
    """Durability first: a power cut may lose nothing that was reported saved."""
    conn = db.conn
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

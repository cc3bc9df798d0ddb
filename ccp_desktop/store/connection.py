"""Opening the local database: WAL, synchronous=FULL, foreign keys on, schema brought up to date.

A sqlite connection belongs to the thread that opened it; a worker thread opens its own.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from ccp_desktop.errors import SetupError, StoreError

BUSY_TIMEOUT_MS = 10_000


def open_database(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and apply pending migrations."""
    from ccp_desktop.store.migrations import apply_migrations

    path = Path(path)
    if path.exists() and path.is_dir():
        raise SetupError(f"{path} is a folder, not a database file")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db = sqlite_utils.Database(conn)
        configure(db)
        if migrate:
            apply_migrations(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be opened as a CCP Field Desk database: {exc}") from exc
    if migrate:
        from ccp_desktop.store.files import clean_up_after_crash

        clean_up_after_crash(db, path)  # scratch and partial files of a killed run, found on the next start
    return db


def configure(db: sqlite_utils.Database) -> None:
    """Durability first: a power cut may lose nothing that was reported saved."""
    conn = db.conn
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def database_path(db: sqlite_utils.Database) -> Path | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else None

"""The log of packages HQ refused, kept in a small database beside the main one
(`<database>.refusals.sqlite3`). A refusal must leave a trace (the posts page and the next receipt say
what to fix), yet HQ's database stays byte for byte as it was after a refused package: nothing of a
refused import is written there."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from ccp_desktop.store.files import restrict_file
from ccp_desktop.store.location import database_path

REFUSALS_SUFFIX = ".refusals.sqlite3"
COLUMNS = ("id", "package_id", "post_code", "file_name", "seq_from", "seq_to", "created_at", "refused_at",
           "refused_by", "message", "problems")

_SCHEMA = """CREATE TABLE IF NOT EXISTS sync_refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    package_id TEXT,
    post_code TEXT,
    file_name TEXT NOT NULL,
    seq_from INTEGER,
    seq_to INTEGER,
    created_at TEXT,
    refused_at TEXT NOT NULL,
    refused_by TEXT NOT NULL,
    message TEXT NOT NULL,
    problems TEXT NOT NULL
)"""


def log_path(db: sqlite_utils.Database) -> Path | None:
    path = database_path(db)
    return None if path is None else path.with_name(path.name + REFUSALS_SUFFIX)


@contextmanager
def _open(db: sqlite_utils.Database, *, create: bool) -> Iterator[sqlite3.Connection | None]:
    path = log_path(db)
    if path is None or (not create and not path.exists()):
        yield None
        return
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        restrict_file(path)
        conn.execute(_SCHEMA)
        yield conn
        conn.commit()
    finally:
        conn.close()


def add_refusal(db: sqlite_utils.Database, values: Sequence[Any]) -> int:
    """Record one refusal (values in COLUMNS order, without the id)."""
    with _open(db, create=True) as conn:
        if conn is None:  # an in-memory database (a dry run's copy) keeps no log
            return 0
        cursor = conn.execute(f"INSERT INTO sync_refusals ({', '.join(COLUMNS[1:])}) VALUES "
                              f"({', '.join('?' for _ in COLUMNS[1:])})", list(values))
        return int(cursor.lastrowid or 0)


def refusal_rows(db: sqlite_utils.Database, post_code: str | None = None) -> list[dict[str, Any]]:
    """Refusals, newest first."""
    with _open(db, create=False) as conn:
        if conn is None:
            return []
        where, params = (" WHERE post_code = ?", [post_code]) if post_code else ("", [])
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM sync_refusals{where} ORDER BY id DESC", params).fetchall()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def refused_posts(db: sqlite_utils.Database) -> list[str]:
    return sorted({r["post_code"] for r in refusal_rows(db) if r["post_code"]})

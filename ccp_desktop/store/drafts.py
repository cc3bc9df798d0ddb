"""Drafts of forms being edited, kept so that a crash or a power cut loses at most a few seconds.

Drafts live in their own table (migration m008): never synced, never journalled, never audited.
A draft is the form's own state (what the fields showed), not a record in stored form: it may be
half-typed and invalid, and it is only ever read back by the same form. The forms write and drop drafts
through `keep_draft` and `drop_drafts`, operations run on the app's one background worker like every
other write.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.store.changes import Changes, recording_changes
from ccp_desktop.store.transactions import write_transaction


@dataclass(frozen=True)
class Draft:
    form_key: str  # one per open form: kind plus record id, or a fresh id for a new record
    kind: str
    record_id: str | None
    saved_at: str
    payload: dict[str, Any]


DRAFT_BUSY_TIMEOUT_MS = 100


@contextlib.contextmanager
def _without_waiting(db: sqlite_utils.Database) -> Iterator[None]:
    """A draft is written every few seconds: while another connection holds the write lock (another
    program, such as the command line, importing), skip this draft (sqlite3.OperationalError; the next
    tick writes it) rather than hold the worker, and a save queued behind the draft, for the whole busy
    timeout."""
    previous = db.conn.execute("PRAGMA busy_timeout").fetchone()[0]
    db.conn.execute(f"PRAGMA busy_timeout={DRAFT_BUSY_TIMEOUT_MS}")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA busy_timeout={int(previous)}")


def save_draft(
    db: sqlite_utils.Database, form_key: str, kind: str, record_id: str | None, payload: dict[str, Any]
) -> None:
    """Replace the draft of one form; committed at once, so it survives a power cut."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    with _without_waiting(db):
        db.conn.execute(
            "INSERT INTO drafts (form_key, kind, record_id, saved_at, payload) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(form_key) DO UPDATE SET kind = excluded.kind, record_id = excluded.record_id,"
            " saved_at = excluded.saved_at, payload = excluded.payload",
            [form_key, kind, record_id, utc_now(), text],
        )


def _to_draft(row: tuple[Any, ...]) -> Draft | None:
    form_key, kind, record_id, saved_at, text = row
    try:
        payload = json.loads(text)
    except ValueError:
        return None  # a damaged draft is worth nothing; the record itself is untouched
    if not isinstance(payload, dict):
        return None
    return Draft(form_key, kind, record_id, saved_at, payload)


def list_drafts(db: sqlite_utils.Database) -> list[Draft]:
    """Every readable draft, oldest first."""
    rows = db.conn.execute(
        "SELECT form_key, kind, record_id, saved_at, payload FROM drafts ORDER BY saved_at, form_key"
    ).fetchall()
    return [d for d in (_to_draft(tuple(row)) for row in rows) if d is not None]


def load_draft(db: sqlite_utils.Database, form_key: str) -> Draft | None:
    row = db.conn.execute(
        "SELECT form_key, kind, record_id, saved_at, payload FROM drafts WHERE form_key = ?", [form_key]
    ).fetchone()
    return _to_draft(tuple(row)) if row else None


def delete_draft(db: sqlite_utils.Database, form_key: str) -> None:
    with _without_waiting(db):
        db.conn.execute("DELETE FROM drafts WHERE form_key = ?", [form_key])


def keep_draft(
    db: sqlite_utils.Database, form_key: str, kind: str, record_id: str | None, payload: dict[str, Any]
) -> Changes:
    """Operation: replace the draft of one form. No view shows drafts, so what it returns is empty."""
    with _without_waiting(db), write_transaction(db), recording_changes(db) as recorder:
        save_draft(db, form_key, kind, record_id, payload)
    return recorder.changes


def drop_drafts(db: sqlite_utils.Database, form_keys: Iterable[str]) -> Changes:
    """Operation: drop the drafts of forms saved or thrown away (all or none)."""
    with _without_waiting(db), write_transaction(db), recording_changes(db) as recorder:
        for form_key in form_keys:
            delete_draft(db, form_key)
    return recorder.changes

"""Packages HQ refused, with their reasons. A refusal leaves a trace (the ledger of imports only holds
what was applied), so the posts page can say "refused: fix these rows" instead of calling the gap lost,
and the problems can be sent back to the post."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync.result import ImportResult, problem_json

_COLUMNS = ("id", "package_id", "post_code", "file_name", "seq_from", "seq_to", "created_at", "refused_at",
            "refused_by", "message", "problems")


def record_refusal(db: sqlite_utils.Database, result: ImportResult, *, file_name: str, officer: str) -> int:
    """Keep a refused package's reasons (its own transaction: nothing else of the import was written)."""
    problems = json.dumps([problem_json(p) for p in result.errors], ensure_ascii=False, default=str)
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO sync_refusals (package_id, post_code, file_name, seq_from, seq_to, created_at, refused_at,"
            " refused_by, message, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [result.package_id, result.post_code, file_name, result.seq_from, result.seq_to, result.created_at, utc_now(),
             officer, result.message, problems],
        )
    return int(cursor.lastrowid or 0)


def list_refusals(db: sqlite_utils.Database, post_code: str | None = None) -> list[dict[str, Any]]:
    """Refusals, newest first; each with its problems (sheet, row, column, value, message)."""
    where, params = (" WHERE post_code = ?", [post_code]) if post_code else ("", [])
    rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM sync_refusals{where} ORDER BY id DESC", params)
    out = []
    for row in rows:
        entry = dict(zip(_COLUMNS, row, strict=True))
        entry["problems"] = json.loads(entry["problems"])
        out.append(entry)
    return out


def refused_since_last_import(db: sqlite_utils.Database, post_code: str) -> list[dict[str, Any]]:
    """A post's refusals not followed by an applied package covering the same changes (still to fix)."""
    out = []
    for entry in list_refusals(db, post_code):
        if entry["package_id"] and db.execute("SELECT 1 FROM sync_imports WHERE package_id = ?",
                                              [entry["package_id"]]).fetchone():
            continue  # a later import of a good copy of this package settled it
        if entry["seq_to"] and _covered(db, post_code, entry["seq_from"] or 1, entry["seq_to"]):
            continue
        out.append(entry)
    return out


def _covered(db: sqlite_utils.Database, post_code: str, start: int, end: int) -> bool:
    from ccp_desktop.store import sync_state

    return any(a <= start and end <= b for a, b in sync_state.covered_ranges(db, post_code))

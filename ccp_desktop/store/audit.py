"""The audit log: who did what to which record, when (UTC). Every write a person makes leaves one entry,
through the one function here."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now


def write_audit(db: sqlite_utils.Database, officer: str, action: str, table: str | None = None,
                record_id: str | None = None, rev: int | None = None, changes: Any = None) -> None:
    """One audit entry: who did what to which record, when (UTC). The caller holds the transaction."""
    db.execute(
        "INSERT INTO audit_log (at, officer, action, table_name, record_id, rev, changes) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [utc_now(), officer, action, table, record_id, rev,
         None if changes is None else json.dumps(changes, ensure_ascii=False, default=str)],
    )

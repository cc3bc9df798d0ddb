"""Look-ups the forms make while a person types (no Qt): records to pick by name, partners that already
go by a given name, who holds a serial number, a partner's country."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ccp_desktop.domain.wording import name_key


def partners_named_like(db: sqlite_utils.Database, name: str, *, exclude_id: str | None = None) -> list[tuple[str, str, str]]:
    """Live partners (id, name, country) whose name is `name` but for case, accents, punctuation or spacing."""
    key = name_key(name)
    if not key:
        return []
    first = key.split()[0]
    # LIKE narrows to names holding the first word (case-insensitive); the exact comparison is made here.
    rows = db.execute(
        "SELECT id, name, ifnull(country, '') FROM partners WHERE deleted = 0 AND name LIKE ? ESCAPE '\\' AND id IS NOT ?",
        ["%" + first.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", exclude_id],
    ).fetchall()
    return [(str(i), str(n), str(c)) for i, n, c in rows if name_key(str(n)) == key]


_PICKER_SQL = {
    "partners": (
        "SELECT id, name, country, NULL FROM partners WHERE deleted = 0 AND name LIKE ? ESCAPE '\\' "
        "ORDER BY name COLLATE NOCASE LIMIT 50",
        "SELECT id, name, country, NULL FROM partners WHERE id = ?",
    ),
    "activities": (
        "SELECT id, title, country, start_date FROM activities WHERE deleted = 0 AND title LIKE ? ESCAPE '\\' "
        "ORDER BY start_date DESC LIMIT 50",
        "SELECT id, title, country, start_date FROM activities WHERE id = ?",
    ),
}


def picker_candidates(db: sqlite_utils.Database, kind: str, text: str) -> list[tuple[Any, ...]]:
    """Up to 50 live records whose name holds `text`: (id, name, country, start date or None)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [tuple(r) for r in db.execute(_PICKER_SQL[kind][0], [pattern]).fetchall()]


def picker_row(db: sqlite_utils.Database, kind: str, record_id: str) -> tuple[Any, ...] | None:
    row = db.execute(_PICKER_SQL[kind][1], [record_id]).fetchone()
    return tuple(row) if row else None


def serial_holder(db: sqlite_utils.Database, serial: str, post: str | None = None) -> tuple[str | None, str | None] | None:
    """The (handover reference, delivery date) of the delivery whose item holds `serial` (within `post`:
    serial numbers are unique per post), if any."""
    row = db.execute(
        "SELECT d.handover_ref, d.delivered_on FROM serial_index s JOIN equipment_items i ON i.id = s.item_id"
        " JOIN equipment_deliveries d ON d.id = i.delivery_id WHERE s.serial = ? AND (? IS NULL OR s.post = ?)",
        [serial, post, post]).fetchone()
    return (row[0], row[1]) if row else None


def partner_country(db: sqlite_utils.Database, partner_id: str) -> str | None:
    row = db.execute("SELECT country FROM partners WHERE id = ?", [partner_id]).fetchone()
    return row[0] if row else None


def record_post(db: sqlite_utils.Database, table: str, record_id: str) -> str | None:
    """The post a record was made at (its serial numbers are unique within that post)."""
    row = db.execute(f"SELECT origin_post FROM {table} WHERE id = ?", [record_id]).fetchone()
    return row[0] if row else None

"""Look-ups the forms make while a person types (no Qt): partners that already go by a given name."""

from __future__ import annotations

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

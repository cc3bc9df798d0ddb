"""Who a database belongs to, read before the database is opened for work.

The desktop app shows its window (title, navigation, status bar) from this, then opens the database
(sqlite-utils, migrations, the crash clean-up) once the window is up. Plain sqlite3, a read only: the
columns read here exist in every schema since 0.1.0. None means "cannot tell this way" (no file, no
installation yet, an unexpected schema): the caller then opens the database the full way first."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

from ccp_desktop.errors import StoreError, database_failure_text


class InstallationPeek(NamedTuple):  # not a dataclass: see errors.Problem
    post_code: str
    officer: str
    role: str

    @property
    def is_hq(self) -> bool:
        return self.role == "hq"


def peek_installation(path: Path) -> InstallationPeek | None:
    """The installation row of the database at `path`, without migrating or writing anything. A damaged
    file raises StoreError worded as open_database words it."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT post_code, officer, role FROM installation").fetchone()
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc) or "not a database" in str(exc):
            raise StoreError(f"{path}: {database_failure_text(exc)}") from exc
        return None  # no installation table yet, or a schema this reader does not know: open the full way
    finally:
        conn.close()
    return InstallationPeek(*row) if row else None

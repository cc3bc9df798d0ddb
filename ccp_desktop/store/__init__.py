"""The local SQLite database through sqlite-utils: connection, migrations, records, journal, backups.

The names below are loaded when first used (PEP 562), not when any `ccp_desktop.store.x` module is
imported: the desktop app shows its window before it imports sqlite-utils (a tenth of a second)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccp_desktop.store.connection import open_database
    from ccp_desktop.store.installation import Installation, get_installation, require_installation
    from ccp_desktop.store.records import (
        get_record,
        insert_record,
        iter_records,
        tombstone_record,
        update_record,
    )

_HOMES = {
    "open_database": "connection",
    "Installation": "installation",
    "get_installation": "installation",
    "require_installation": "installation",
    "get_record": "records",
    "insert_record": "records",
    "iter_records": "records",
    "tombstone_record": "records",
    "update_record": "records",
}

__all__ = [
    "Installation",
    "get_installation",
    "get_record",
    "insert_record",
    "iter_records",
    "open_database",
    "require_installation",
    "tombstone_record",
    "update_record",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)

"""The local SQLite database through sqlite-utils: connection, migrations, records, journal, backups."""

from __future__ import annotations

from ccp_desktop.store.connection import open_database
from ccp_desktop.store.installation import Installation, get_installation, require_installation
from ccp_desktop.store.records import (
    get_record,
    insert_record,
    iter_records,
    tombstone_record,
    update_record,
)

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

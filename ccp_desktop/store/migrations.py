"""The schema: which steps exist, applying them, and refusing a file from a newer version.

The steps themselves live one release per module (`migrations_0_1`, `migrations_0_2`, `migrations_0_3`),
registered on one `sqlite_utils.Migrations` set in import order. A shipped step is never edited."""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.errors import SetupError
from ccp_desktop.store import migrations_0_1, migrations_0_2, migrations_0_3  # noqa: F401 - registers the steps, in order
from ccp_desktop.store.migration_set import migrations

# Today's synced tables, in dependency order, for the code that counts or copies records. Steps never
# read this: each writes out the tables it touches.
SYNCED_TABLES: tuple[str, ...] = tuple(RECORD_KINDS)

# Every step this build knows (read through the public API: on an empty database all are pending); a
# database with a step not in this list was made by a newer version. No sqlite-utils plugins (as for
# every connection: store/connection.py): loading them scans every installed package's entry points.
_STEPS = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True, execute_plugins=False))]
_KNOWN = frozenset(_STEPS)
SCHEMA_VERSION = len(_STEPS)


def applied_steps(db: sqlite_utils.Database) -> list[str]:
    """The schema steps applied to this database, in the order they were applied. Opening a database reads
    them once and hands them on (each read looks the table up afresh: about a millisecond)."""
    return [m.name for m in migrations.applied(db)]


def refuse_newer(applied: Sequence[str]) -> None:
    """Refuse a database written by a newer version of the program, given its `applied_steps` (read only: it
    is not touched)."""
    unknown = [name for name in applied if name not in _KNOWN]
    if unknown:
        raise SetupError(
            "This database was made by a newer version of CCP Field Desk "
            f"(schema step {unknown[-1]}); install the newer version to open it. It was not changed."
        )


def is_up_to_date(applied: Sequence[str]) -> bool:
    """Every step this build knows has been applied: there is nothing to do."""
    return _KNOWN.issubset(applied)


def needs_upgrade(db: sqlite_utils.Database, applied: Sequence[str]) -> bool:
    """A database holding records from an older version, with schema steps still to apply."""
    has_install = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'installation'").fetchone()
    return bool(has_install) and not is_up_to_date(applied)


def apply_migrations(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date; refuse a database written by a newer version of the program."""
    refuse_newer(applied_steps(db))
    migrations.apply(db)


def schema_version(db: sqlite_utils.Database) -> int:
    return len(migrations.applied(db))
